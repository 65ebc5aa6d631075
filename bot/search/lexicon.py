"""The colloquial lexicon (lexicon.yml beside this file): fillers, context words, synonyms."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.search.normalize import normalize

LEXICON_FILE = Path(__file__).with_name("lexicon.yml")


@dataclass(frozen=True)
class Lexicon:
    fillers: frozenset[str]
    context: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    synonyms = {
        normalize(word): tuple(normalize(alt) for alt in alts) for word, alts in raw["synonyms"].items()
    }
    return Lexicon(
        fillers=frozenset(normalize(w) for w in raw["fillers"]),
        context=frozenset(normalize(w) for w in raw["context"]),
        synonyms=synonyms,
    )
