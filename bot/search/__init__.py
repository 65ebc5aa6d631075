"""Matter search: from a citizen's sentence to the catalogue matter it is about.

The names below load on first use, so that `bot.search.dense.e5_format` (numpy only) imports in
the training venv, which has no SQLAlchemy."""
from __future__ import annotations

__all__ = ["AMBIGUOUS", "MATCH", "NONE", "Candidate", "MatterSearch", "SearchResult"]


def __getattr__(name: str):
    if name in __all__:
        from bot.search import searcher

        return getattr(searcher, name)
    raise AttributeError(f"module 'bot.search' has no attribute {name!r}")
