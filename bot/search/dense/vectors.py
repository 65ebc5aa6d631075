"""Passage vectors: which texts of a matter are embedded, storing them at import, and the matrix
the dense retriever searches.

Brute force (one matrix product) is right at this size: 2,262 matters are ~8,000 rows of 384
floats, 12 MB, under a millisecond a question. docs/search.md says where that ends."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import db
from bot.models import ACTIVE, Faq, Matter, PassageVector
from bot.search.dense.embedder import BATCH, Embedder

logger = logging.getLogger(__name__)

CONDITIONS_CHARS = 40  # the start of the conditions says who the matter is for; more costs time
_NUMBERING = re.compile(r"^\s*[（(]?[0-9一二三四五六七八九十]+[)）、.．]\s*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class MatterTexts:
    """What one matter is embedded as."""

    code: str
    texts: tuple[str, ...]
    named: int  # how many of `texts` are names (name, short name, aliases); FAQs and conditions follow


def passage_texts(name: str, short_name: Optional[str], aliases: Iterable[str], faq_questions: Iterable[str],
                  conditions: Optional[str]) -> tuple[tuple[str, ...], int]:
    """The names (name, short name, each alias), then each FAQ question and the name with the
    start of its conditions (a story about who someone is meets the conditions, not the name);
    and how many are names."""
    texts: list[str] = []

    def add(candidates: Iterable[Optional[str]]) -> None:
        for text in candidates:
            text = _SPACE.sub(" ", text or "").strip()
            if text and text not in texts:
                texts.append(text)

    add([name, short_name, *aliases])
    named = len(texts)
    add(faq_questions)
    start = _NUMBERING.sub("", _SPACE.sub("", conditions or ""))[:CONDITIONS_CHARS]
    if start and start != "无":
        add([f"{name}：{start}"])
    return tuple(texts), named


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _by_digest(matters: Sequence[MatterTexts]) -> dict[str, str]:
    """The distinct texts of these matters, by digest."""
    return {digest(t): t for matter in matters for t in matter.texts}


def active_matter_texts(session: Session) -> list[MatterTexts]:
    """Every active matter's texts, in the order the lexical index numbers them (Matter.id)."""
    faqs: dict[int, list[str]] = {}
    for matter_id, question in session.execute(
        select(Faq.matter_id, Faq.question).join(Matter).where(Matter.status == ACTIVE).order_by(Faq.position)
    ):
        faqs.setdefault(matter_id, []).append(question)
    rows = session.execute(
        select(Matter.id, Matter.code, Matter.name, Matter.short_name, Matter.aliases, Matter.conditions)
        .where(Matter.status == ACTIVE)
        .order_by(Matter.id)
    ).all()
    return [
        MatterTexts(code, *passage_texts(name, short, aliases or [], faqs.get(matter_id, []), conditions))
        for matter_id, code, name, short, aliases, conditions in rows
    ]


@dataclass
class EmbedResult:
    texts: int  # distinct texts of the active matters
    embedded: int  # of which embedded now (the rest were stored already)

    def __str__(self) -> str:
        return f"passage vectors: {self.texts} texts, {self.embedded} embedded now, {self.texts - self.embedded} reused"


def embed_catalogue(session: Session, embedder: Embedder, progress: Optional[Callable[[int], object]] = None,
                    matters: Optional[Sequence[MatterTexts]] = None) -> EmbedResult:
    """Store a vector for every active matter's texts (`matters`, when the caller has read them)
    that has none for this model yet."""
    texts = _by_digest(active_matter_texts(session) if matters is None else matters)
    stored = _stored_digests(session, embedder.name)
    _forget(session, embedder.name, stored - texts.keys())
    missing = [(key, text) for key, text in texts.items() if key not in stored]
    if progress:
        progress(len(texts) - len(missing))  # reused
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        vectors = embedder.passages([text for _key, text in batch])
        session.add_all(
            PassageVector(model=embedder.name, digest=key, vector=_to_bytes(vector))
            for (key, _text), vector in zip(batch, vectors)
        )
        session.flush()
        if progress:
            progress(len(batch))
    return EmbedResult(len(texts), len(missing))


def _forget(session: Session, model: str, digests: set[str]) -> None:
    """Vectors of texts no active matter has any more (a renamed or withdrawn matter)."""
    stale = sorted(digests)
    for start in range(0, len(stale), 500):  # SQLite binds at most 999 parameters
        session.execute(delete(PassageVector).where(
            PassageVector.model == model, PassageVector.digest.in_(stale[start:start + 500])
        ))  # fmt: skip


def _stored_digests(session: Session, model: str) -> set[str]:
    return set(session.execute(select(PassageVector.digest).where(PassageVector.model == model)).scalars())


def stored_coverage(session: Session, model: str) -> tuple[int, int]:
    """(texts with a stored vector of `model`, texts of the active matters)."""
    keys = _by_digest(active_matter_texts(session)).keys()
    return len(keys & _stored_digests(session, model)), len(keys)


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


class VectorIndex:
    """All passage vectors of the active matters in one matrix; a question's cosine with each
    matter is the best over its texts."""

    def __init__(self, matters: Sequence[MatterTexts], vectors: dict[str, np.ndarray], dim: int):
        rows: list[np.ndarray] = []
        owners: list[int] = []
        secondary: list[bool] = []
        for number, matter in enumerate(matters):
            for position, text in enumerate(matter.texts):
                vector = vectors.get(digest(text))
                if vector is not None:
                    rows.append(vector)
                    owners.append(number)
                    secondary.append(position >= matter.named)
        self.matters = len(matters)
        self.matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        self.owners = np.asarray(owners, dtype=np.int64)
        self.secondary = np.asarray(secondary, dtype=bool)
        self.covered = len(set(owners))
        # Rows are grouped by matter: a matter's best is a max over one contiguous run.
        self._starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]]) if owners else np.zeros(0, np.int64)

    def cosines(self, query: np.ndarray, secondary_discount: float = 0.0) -> np.ndarray:
        """Per matter number, the best cosine of its texts with the question (-1 without any);
        an FAQ question or the conditions count `secondary_discount` less than a name."""
        best = np.full(self.matters, -1.0, dtype=np.float32)
        if len(self.owners):
            sims = self.matrix @ query - secondary_discount * self.secondary
            best[self.owners[self._starts]] = np.maximum.reduceat(sims, self._starts)
        return best

    @classmethod
    def load(cls, session: Session, matters: Sequence[MatterTexts], embedder: Embedder) -> "VectorIndex":
        """From the stored vectors (`embed_missing` first, for texts without one)."""
        wanted = _by_digest(matters)
        vectors = {
            key: np.frombuffer(blob, dtype="<f4")
            for key, blob in session.execute(
                select(PassageVector.digest, PassageVector.vector).where(PassageVector.model == embedder.name)
            )
            if key in wanted
        }
        return cls(matters, vectors, embedder.dim)


def embed_missing(database_url: Optional[str], embedder: Embedder, matters: Optional[Sequence[MatterTexts]] = None,
                  progress: Optional[Callable[[int], object]] = None) -> Optional[EmbedResult]:
    """Embed and store, in a transaction of its own, the texts that have no vector: after an
    import, or when the search finds a catalogue imported while the embedder was off. Another
    process doing the same at the same time wins (None); its vectors serve."""
    try:
        with db.session_scope(database_url) as session:
            return embed_catalogue(session, embedder, progress, matters)
    except IntegrityError:
        logger.info("another process stored the missing passage vectors meanwhile")
        return None
