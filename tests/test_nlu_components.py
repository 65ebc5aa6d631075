"""Our NLU component on its own: status intents for text that cannot be a status request become
the fallback; real status requests pass untouched."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.status_guard import StatusIntentGuard


def guarded(text: str, intent: str) -> str:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8}]})  # fmt: skip
    return StatusIntentGuard().process([message])[0].get("intent")["name"]


@pytest.mark.parametrize("text, intent", [
    ("'; DROP TABLE events; --", "inform_receipt"), ("<script>alert(1)</script>", "check_status"),
    ("SELECT * FROM applications", "inform_receipt"), ("hello there", "check_status"), ("{{7*7}}", "inform_receipt"),
    ("我叫张三，电话138****5678，想投诉", "inform_receipt"),
])  # fmt: skip
def test_text_that_cannot_be_a_status_request_falls_back(text, intent):
    assert guarded(text, intent) == "nlu_fallback"


@pytest.mark.parametrize("text, intent", [
    ("查一下办件进度", "check_status"), ("SL2026110100001", "inform_receipt"), ("尾号 7 7 0 1", "inform_receipt"),
    ("受理编号：ＳＬ２０２６１１０１０００１", "inform_receipt"), ("[身份证号已隐藏]", "inform_receipt"),
    ("'; DROP TABLE events; --", "ask_overview"),
])  # fmt: skip
def test_status_requests_and_other_intents_pass(text, intent):
    assert guarded(text, intent) == intent
