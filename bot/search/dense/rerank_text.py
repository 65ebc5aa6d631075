"""The texts daoban's reranker reads: a question and a candidate matter's card in one sequence,
so every word of the question meets every word of the matter (a cross-encoder). The same
functions build them for training (training/prepare.py) and at run time."""
from __future__ import annotations

import re
from typing import Iterable, Optional

QUESTION_CHARS = 48
CARD_CHARS = 64  # a pair costs its tokens through every layer at run time
NAMES = 1  # other names (short name, aliases) on a card
CONDITIONS_CHARS = 24
_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"[（(]?[0-9一二三四五六七八九十]+[)）、.．]")


def card_text(name: str, short_name: Optional[str], aliases: Iterable[str], conditions: Optional[str]) -> str:
    """The matter's name, another name, and the start of its conditions (who may apply
    tells 个人 from 企业 and one group's variant from another's)."""
    others: list[str] = []
    for other in [short_name, *aliases]:
        other = _SPACE.sub("", other or "")
        if other and other != name and other not in others:
            others.append(other)
    card = name + ("（" + "、".join(others[:NAMES]) + "）" if others else "")
    start = _NUMBERING.sub("", _SPACE.sub("", conditions or ""))[:CONDITIONS_CHARS]
    card = f"{card}：{start}" if start and start != "无" else card
    return card[:CARD_CHARS]


def pair_text(question: str, card: str) -> str:
    """Embedded as a query: the engine puts `query: ` in front."""
    return f"{_SPACE.sub(' ', question).strip()[:QUESTION_CHARS]} passage: {card}"
