"""The colloquial lexicon (lexicon.yml beside this file): fillers, context words, synonyms."""
from __future__ import annotations

from dataclasses import dataclass, field
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
    life_events: dict[str, tuple[str, ...]]  # a word for a group or event -> catalogue tags
    marked_variants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # marker in a name -> words for it


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
        life_events=_life_events(raw.get("life_events", {})),
        marked_variants={normalize(marker): tuple(normalize(w) for w in words)
                          for marker, words in raw.get("marked_variants", {}).items()},
    )


def _life_events(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    tags: dict[str, list[str]] = {}
    for tag, words in raw.items():
        for word in words:
            tags.setdefault(normalize(word), []).append(tag)
    return {word: tuple(found) for word, found in tags.items()}
