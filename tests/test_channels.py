"""The contract between bot/ and the channels: every kind of answer, as the actions send it,
fits bot/answer.schema.json; buttons become Rasa payloads in one place; the wording has one
home with channel variants."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.render import payload, send
from bot import answers, wording
from bot.answers import BUTTON_ACTIONS, Answer, Button
from bot.dialogue import Guide
from bot.inbound import BUTTON_INTENTS
from bot.status.service import status_answer
from bot.status import ApplicationStatus, StatusEvent
from tests.catalogues import ROOT

SCHEMA = json.loads((ROOT / "bot" / "answer.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def guide(demo_db) -> Guide:
    return Guide(demo_db, hotline="12345")


def every_kind(guide: Guide) -> dict[str, Answer]:
    status = ApplicationStatus(receipt="SL1", matter_name="老年人优待证办理", applicant="张*", state="待补正",
                               history=[StatusEvent("2026-11-01 09:00", "待补正", "补交照片")], missing=["照片"])  # fmt: skip
    kinds = {
        "answer": guide.answer("老年证要带什么材料", "materials").answer.with_rating(),
        "choose": guide.answer("身份证", "overview").answer,
        "not_found": guide.answer("怎么办理离婚", "overview").answer,
        "ask_matter": guide.answer("我想办个事", "overview").answer,
        "list": guide.what_can_i_do("我是老年人能办什么").answer,
        "certificate": guide.certificate("还要开无犯罪记录证明吗").answer,
        "nearest_hall": guide.nearest_hall(22.552, 114.088, "MZ-001").answer,
        "status": status_answer(status),
        "status_help": answers.status_help_answer(wording.status_way_out("receipt_number")),
    }
    return kinds


def test_every_kind_of_answer_as_sent_fits_the_schema(guide):
    for kind, answer in every_kind(guide).items():
        assert answer.kind == kind
        dispatcher = CollectingDispatcher()
        send(dispatcher, answer)
        sent = dispatcher.messages[0]
        jsonschema.validate(sent["custom"]["data"]["answer"], SCHEMA)
        assert Answer.from_dict(sent["custom"]["data"]["answer"]) == answer
        assert [b["payload"] for b in sent.get("buttons") or []] == [payload(b) for b in answer.buttons]


def test_the_schema_refuses_what_a_channel_could_not_render():
    good = Answer("x", buttons=[Button("老年证", "choose_matter", "MZ-001")]).as_dict()
    for broken in ({**good, "text": ""}, {**good, "buttons": [{"title": "a", "action": "jump", "value": None}]},
                   {**good, "buttons": [{"title": "a", "action": "rate", "value": "maybe"}]}, {**good, "extra": 1}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


@pytest.mark.parametrize("button,expected", [
    (Button("老年证", "choose_matter", "MZ-001"), '/inform_matter{"matter": "MZ-001"}'),
    (Button("办理地点", "ask", "where"), "/ask_where"),
    (Button("满意", "rate", "good"), "/rate_good"),
    (Button("都不是", "deny"), "/deny"),
    (Button("转人工", "handoff"), "/handoff"),
])  # fmt: skip
def test_each_button_action_is_a_payload_the_edge_lets_through(button, expected):
    assert button.action in BUTTON_ACTIONS
    made = payload(button)
    assert made == expected and re.split(r"[{@\s]", made[1:], maxsplit=1)[0] in BUTTON_INTENTS


def test_every_sentence_the_code_asks_for_exists_and_every_variant_has_a_default():
    used = set()
    for path in [*Path(ROOT, "bot").rglob("*.py"), *Path(ROOT, "actions").rglob("*.py"), *Path(ROOT, "connectors").rglob("*.py")]:
        used |= set(re.findall(r'\bsay\(\s*"([a-z_0-9]+)"', path.read_text(encoding="utf-8")))
    sentences = wording.sentences()
    assert used and used <= set(sentences), used - set(sentences)
    for key, sentence in sentences.items():
        assert isinstance(sentence, str) or "default" in sentence, key


def test_a_channel_variant_is_said_in_its_channel_only():
    assert "点选" in wording.say("choose") and "点选" not in wording.say("choose", "wechat")
    with wording.speaking_in("wechat"):
        assert wording.say("choose") == wording.say("choose", "wechat")
        assert wording.say("too_fast") == wording.say("too_fast", "rest")  # no variant: the default
    assert "点选" in wording.say("choose")
