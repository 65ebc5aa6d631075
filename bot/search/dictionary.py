"""jieba's user dictionary for Rasa's JiebaTokenizer: the words of a catalogue and the lexicon.

Made from the catalogue's source files, not the database, so that the same sources train the
same model; the matter search keeps its own dictionary from whatever catalogue is imported."""
from __future__ import annotations

from pathlib import Path

from bot.importers import read_catalogue
from bot.search.index import VOCABULARY_FREQ, MatterIndex
from bot.search.lexicon import load_lexicon

FILE_NAME = "user_dict.txt"


def write_user_dictionary(folder: Path, catalogue: Path) -> Path:
    data = read_catalogue(catalogue)
    index = MatterIndex(
        ((m.code, m.name, m.department, [n for n in [m.short_name, *m.aliases] if n]) for m in data.matters),
        load_lexicon(),
    )
    words = sorted(index.tokenizer_vocabulary())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    path.write_text("".join(f"{word} {VOCABULARY_FREQ}\n" for word in words), encoding="utf-8")
    return path
