"""The rasa_sdk actions against a real database: the events they return and what they send."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import matters
from actions.matters import ActionAnswerMatter, ActionListMatters
from actions.service import ActionHandoff, ActionRateAnswer
from actions.status import ActionCheckStatus, ValidateStatusForm
from bot.feedback import report_lines
from bot.status.database import seed_demo_applications


@pytest.fixture
def catalogue(demo_url):
    matters.guide.cache_clear()  # a fresh Guide on this test's database
    yield demo_url
    matters.guide.cache_clear()


def tracker(text, intent, slots=None, entities=None, sender="citizen-1", channel="rest"):
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        events=[{"event": "user", "text": text, "input_channel": channel}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker_, {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher.messages, events


def test_answer_sets_matter_and_aspect_and_offers_rating(catalogue):
    messages, events = run(ActionAnswerMatter(), tracker("老年证要带什么材料", "ask_materials"))
    assert SlotSet("matter", "MZ-001") in events and SlotSet("aspect", "materials") in events
    assert "一次性告知" in messages[0]["text"]
    assert {"title": "满意", "payload": "/rate_good"} in messages[0]["buttons"]
    assert messages[0]["custom"]["data"]["answer"]["checklist"]


def test_follow_up_uses_the_slots(catalogue):
    messages, events = run(ActionAnswerMatter(), tracker("在哪办", "ask_where", {"matter": "MZ-001"}))
    assert "老年人优待证" in messages[0]["text"] and SlotSet("aspect", "where") in events


def test_inform_matter_keeps_the_aspect(catalogue):
    slots = {"matter": "MZ-001", "aspect": "time"}
    messages, events = run(ActionAnswerMatter(), tracker("那残疾证呢", "inform_matter", slots))
    assert "时限" in messages[0]["text"]
    # The matter switches; the aspect is kept, so no event is spent on it; the answer may be rated.
    assert [e["name"] for e in events] == ["matter", "rating_due"] and events[0]["value"] != "MZ-001"
    assert events[1]["value"].startswith(events[0]["value"] + "#")


def test_button_choice_by_entity(catalogue):
    entities = [{"entity": "matter", "value": "GA-004"}]
    messages, events = run(ActionAnswerMatter(), tracker('/inform_matter{"matter": "GA-004"}', "inform_matter",
                                                        entities=entities))  # fmt: skip
    assert SlotSet("matter", "GA-004") in events


def test_unanswered_question_is_stored_for_maintainers(catalogue):
    messages, _events = run(ActionAnswerMatter(), tracker("游艇驾照怎么考", "ask_overview"))
    assert "12345" in messages[0]["text"]
    assert any("游艇驾照怎么考" in line for line in report_lines())


def test_rating_is_stored_with_matter_and_channel(catalogue):
    _messages, events = run(ActionRateAnswer(), tracker("满意", "rate_good", {"rating_due": "MZ-001#m1"}, channel="socketio"))
    assert events == [SlotSet("rating_due", "rated")]
    run(ActionRateAnswer(), tracker("不满意", "rate_bad", {"rating_due": "MZ-001#m2"}, channel="rest"))
    lines = report_lines()
    assert lines[0].startswith("好差评: 1 satisfied, 1 not satisfied")
    assert any("MZ-001" in line and "[socketio]" in line for line in lines)


@pytest.mark.parametrize("due, reply", [(None, "还没有可以评价的回答"), ("rated", "已经评价过")])
def test_rating_without_an_answer_or_twice_is_not_stored(catalogue, due, reply):
    messages, events = run(ActionRateAnswer(), tracker("满意", "rate_good", {"matter": "MZ-001", "rating_due": due}))
    assert reply in messages[0]["text"] and events == []
    assert report_lines()[0].startswith("好差评: 0 satisfied, 0 not satisfied")


def test_handoff_event_for_channels(catalogue):
    messages, _events = run(ActionHandoff(), tracker("转人工", "handoff", {"matter": "MZ-001"}))
    assert messages[0]["custom"]["data"]["handoff"] == {"reason": "handoff", "matter": "MZ-001", "hotline": "12345"}
    # the matter's consult phone and the district centre's phone, as well as the hotline
    assert "咨询电话" in messages[0]["text"] and "示范区政务服务中心电话" in messages[0]["text"]
    messages, _events = run(ActionHandoff(), tracker("我要投诉", "complain"))
    assert messages[0]["custom"]["data"]["handoff"]["reason"] == "complaint"


def test_list_matters(catalogue):
    messages, _events = run(ActionListMatters(), tracker("我是老年人能办什么", "ask_what_can_i_do"))
    assert messages[0]["buttons"]


def test_status_form_validation(catalogue):
    validator = ValidateStatusForm()
    dispatcher = CollectingDispatcher()
    assert validator.validate_receipt_number("sl 2026 1103 00027", dispatcher, None, {}) == {
        "receipt_number": "SL2026110300027"
    }
    assert validator.validate_receipt_number("不知道", dispatcher, None, {}) == {"receipt_number": None}
    assert validator.validate_phone_last4("尾号5678", dispatcher, None, {}) == {"phone_last4": "5678"}
    assert validator.validate_phone_last4("56", dispatcher, None, {}) == {"phone_last4": None}
    assert len(dispatcher.messages) == 2  # one explanation per bad value
    assert validator.validate_receipt_number("[身份证号已隐藏]", dispatcher, None, {}) == {"receipt_number": None}
    assert dispatcher.messages[-1]["text"].startswith("请不要在这里输入身份证号码")
    assert validator.validate_phone_last4("138****5678", dispatcher, None, {}) == {"phone_last4": "5678"}


def test_status_lookup_clears_the_form(catalogue):
    seed_demo_applications()
    slots = {"receipt_number": "SL2026110100001", "phone_last4": "1234"}
    messages, events = run(ActionCheckStatus(), tracker("1234", "inform_receipt", slots))
    assert "已办结" in messages[0]["text"] and "张*" in messages[0]["text"]
    assert SlotSet("receipt_number", None) in events and SlotSet("phone_last4", None) in events
