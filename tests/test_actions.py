"""The rasa_sdk actions against a real database: the events they return and what they send."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import matters
from actions.matters import ActionAnswerMatter, ActionListMatters
from actions.service import ActionHandoff, ActionRateAnswer
from actions.status import ESCAPE_INTENTS, ActionCheckStatus, ValidateStatusForm
from bot import wording
from bot.feedback import report_lines
from bot.status.database import seed_demo_applications
from tests.catalogues import ROOT


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


def test_an_aspect_the_question_says_nothing_of_gives_the_overview(catalogue):
    """The NLU read 在哪办 into a question about whether one may: the overview answers it."""
    messages, events = run(ActionAnswerMatter(), tracker("我爸今年七十了，户口在本区，能不能办老年人优待证", "ask_where"))
    assert SlotSet("aspect", "overview") in events and "受理条件" in messages[0]["text"]
    assert "办理流程" in messages[0]["text"]  # the overview tells how it goes, too
    # A button's payload, and a short follow-up, are taken as the NLU read them.
    _messages, events = run(ActionAnswerMatter(), tracker("/ask_where", "ask_where", {"matter": "MZ-001"}))
    assert SlotSet("aspect", "where") in events


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
    missed = {"status_misses": 1.0}  # a bad value is counted (the tests below follow the count)
    assert validator.validate_receipt_number("不知道", dispatcher, None, {}) == {"receipt_number": None, **missed}
    assert validator.validate_phone_last4("尾号5678", dispatcher, None, {}) == {"phone_last4": "5678"}
    assert validator.validate_phone_last4("56", dispatcher, None, {}) == {"phone_last4": None, **missed}
    assert len(dispatcher.messages) == 2  # one explanation per bad value
    assert validator.validate_receipt_number("[身份证号已隐藏]", dispatcher, None, {}) == {"receipt_number": None, **missed}
    assert dispatcher.messages[-1]["text"].startswith("请不要在这里输入身份证号码")
    assert validator.validate_phone_last4("138****5678", dispatcher, None, {}) == {"phone_last4": "5678"}


def test_status_lookup_clears_the_form(catalogue):
    seed_demo_applications()
    slots = {"receipt_number": "SL2026110100001", "phone_last4": "1234"}
    messages, events = run(ActionCheckStatus(), tracker("1234", "inform_receipt", slots))
    assert "已办结" in messages[0]["text"] and "张*" in messages[0]["text"]
    assert SlotSet("receipt_number", None) in events and SlotSet("phone_last4", None) in events


# --- the status form lets go (issue 9) --------------------------------------------------------
def form_tracker(text, intent, requested="receipt_number", **slots):
    return tracker(text, intent, {"requested_slot": requested, **slots})


def validate(slot, value, tracker_):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateStatusForm(), f"validate_{slot}")(value, dispatcher, tracker_, {})
    return dispatcher.messages, result


WAY_OUT_BUTTONS = [{"title": "取消查询", "payload": "/deny"}, {"title": "转人工", "payload": "/handoff"}]


@pytest.mark.parametrize("slot, first, hint", [
    ("receipt_number", "123456", wording.receipt_format_wrong()),
    ("receipt_number", "我也不清楚", wording.receipt_not_given()),
    ("phone_last4", "12345", wording.phone_last4_wrong()),
])  # fmt: skip
def test_misses_in_a_row_get_a_hint_then_the_way_out_then_the_form_ends(slot, first, hint):
    messages, result = validate(slot, first, form_tracker(first, "inform_receipt", slot))
    assert [m["text"] for m in messages] == [hint] and result == {slot: None, "status_misses": 1.0}

    messages, result = validate(slot, "abc", form_tracker("abc", "inform_receipt", slot, status_misses=1.0))
    assert [m["text"] for m in messages] == [wording.status_way_out(slot)] and "12345" in messages[0]["text"]
    assert messages[0]["buttons"] == WAY_OUT_BUTTONS and result == {slot: None, "status_misses": 2.0}

    messages, result = validate(slot, "abc", form_tracker("abc", "inform_receipt", slot, status_misses=2.0))
    assert [m["text"] for m in messages] == [wording.status_given_up()]
    assert messages[0]["buttons"] == WAY_OUT_BUTTONS[1:]
    assert result == {slot: None, "status_misses": None, "requested_slot": None}


def test_a_good_value_ends_a_run_of_misses():
    messages, result = validate("receipt_number", "SL2026110100001",
                                form_tracker("SL2026110100001", "inform_receipt", status_misses=2.0))  # fmt: skip
    assert messages == [] and result == {"receipt_number": "SL2026110100001", "status_misses": None}
    messages, result = validate("phone_last4", "1234", form_tracker("1234", "inform_receipt", "phone_last4"))
    assert messages == [] and result == {"phone_last4": "1234"}  # no miss to clear: no event spent


def test_an_id_number_is_refused_and_counts_as_a_miss():
    messages, result = validate("receipt_number", "[身份证号已隐藏]",
                                form_tracker("[身份证号已隐藏]", "inform_receipt", status_misses=1.0))  # fmt: skip
    assert [m["text"] for m in messages] == [wording.id_number_refused(), wording.status_way_out("receipt_number")]
    assert result == {"receipt_number": None, "status_misses": 2.0}


def extract(slot, tracker_):
    return asyncio.run(getattr(ValidateStatusForm(), f"extract_{slot}")(CollectingDispatcher(), tracker_, {}))


@pytest.mark.parametrize("text, intent, requested, extracted", [
    # what always lets the form go holds nothing for it, even a receipt number
    ("我要投诉，编号SL2026110100001", "complain", "receipt_number", {}),
    ("转人工", "handoff", "receipt_number", {}),
    ("1234", "deny", "phone_last4", {}),
    # a question about a matter is left to its rule…
    ("开餐馆要办哪些手续", "ask_what_can_i_do", "receipt_number", {}),
    ("老年证要带什么材料", "ask_materials", "phone_last4", {}),
    # …unless it gives the value the NLU did not see, or asks about what the form wants
    ("SL2026110100001", "inform_matter", "receipt_number", {"receipt_number": "SL2026110100001"}),
    ("5678", "ask_overview", "phone_last4", {"phone_last4": "5678"}),
    ("8888", "goodbye", "phone_last4", {"phone_last4": "8888"}),
    ("138****5678", "inform_matter", "phone_last4", {"phone_last4": "138****5678"}),
    ("哪里能看到编号", "ask_where", "receipt_number", {"receipt_number": "哪里能看到编号"}),
    ("尾号是哪个手机的", "ask_phone", "phone_last4", {"phone_last4": "尾号是哪个手机的"}),
])  # fmt: skip
def test_what_the_form_takes_from_a_message_it_does_not_map(text, intent, requested, extracted):
    slot = "receipt_number" if requested == "receipt_number" else "phone_last4"
    assert extract(slot, form_tracker(text, intent, requested)) == extracted


FORM_DOMAIN = {"forms": {"status_form": {"required_slots": ["receipt_number", "phone_last4"]}}}


def validation(tracker_):
    return asyncio.run(ValidateStatusForm().run(CollectingDispatcher(), tracker_, FORM_DOMAIN))


def test_a_form_that_starts_forgets_the_misses_of_an_earlier_one():
    starting = tracker("查一下办件进度", "check_status", {"requested_slot": None, "status_misses": 2.0})
    assert validation(starting) == [SlotSet("status_misses", None)]
    assert validation(tracker("查一下办件进度", "check_status", {"requested_slot": None})) == []


@pytest.mark.parametrize("text, intent", [("转人工", "handoff"), ("老年证要带什么材料", "ask_materials"), ("再见", "goodbye")])
def test_a_form_that_lets_go_clears_what_it_collected(text, intent):
    collected = form_tracker(text, intent, "phone_last4", receipt_number="SL2026110100001", status_misses=1.0)
    assert validation(collected) == [SlotSet("receipt_number", None), SlotSet("status_misses", None),
                                     ActionExecutionRejected("status_form")]  # fmt: skip
    assert validation(form_tracker(text, intent)) == []  # nothing to clear: Rasa rejects the turn itself


def test_a_rating_tap_keeps_what_the_form_collected():
    assert validation(form_tracker("/rate_good", "rate_good", "phone_last4", receipt_number="SL2026110100001")) == []


def test_a_form_that_ended_without_both_values_looks_nothing_up(catalogue):
    seed_demo_applications()
    messages, events = run(ActionCheckStatus(), tracker("abc", "inform_receipt", {"receipt_number": "SL2026110100001"}))
    assert messages == [] and events == [SlotSet("receipt_number", None)]


def test_the_escape_intents_are_the_domains():
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    for slot in ("receipt_number", "phone_last4"):
        assert sorted(domain["slots"][slot]["mappings"][0]["not_intent"]) == sorted(ESCAPE_INTENTS)
    intents = set(domain["intents"])
    assert set(ESCAPE_INTENTS) <= intents
    assert {i for i in intents if i.startswith("ask_")} <= set(ESCAPE_INTENTS)


def test_a_question_about_the_receipt_itself_stays_in_the_form():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateStatusForm().run(dispatcher, form_tracker("哪里能看到编号", "ask_where"), FORM_DOMAIN))
    assert events == [SlotSet("receipt_number", None), SlotSet("status_misses", 1.0)]
    assert [m["text"] for m in dispatcher.messages] == [wording.receipt_not_given()]


def test_catalogue_actions_work_off_the_event_loop_in_the_channels_words(catalogue):
    """The action server's loop stays free while the catalogue is read (a slow search holds up
    no other conversation), and the answer takes the wording of the message's channel."""
    import threading

    seen = {}

    class Probe(matters.CatalogueAction):
        def name(self) -> str:
            return "probe"

        def answer(self, dispatcher, tracker_):
            seen["thread"] = threading.current_thread().name
            seen["choose"] = wording.say("choose")
            return []

    async def run() -> None:
        seen["loop thread"] = threading.current_thread().name
        await Probe().run(CollectingDispatcher(), tracker("身份证", "ask_overview", channel="wechat"), {})

    asyncio.run(run())
    assert seen["thread"].startswith("catalogue") and seen["thread"] != seen["loop thread"]
    assert seen["choose"] == wording.say("choose", "wechat") != wording.say("choose")
