"""The Rasa server's entry point: custom action replies are validated as Rasa validates them,
with the validator built once."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from connectors.rasa_server import validate_action_reply

ACTION = RemoteAction("action_answer_matter", None)


def test_a_valid_reply_passes():
    reply = {
        "events": [{"event": "slot", "name": "matter", "value": "MZ-001", "timestamp": None}],
        "responses": [{"text": "【老年人优待证】", "buttons": [{"title": "满意", "payload": "/rate_good"}],
                       "custom": {"data": {"answer": {"kind": "answer"}}}}],
    }  # fmt: skip
    assert validate_action_reply(ACTION, reply) is True


@pytest.mark.parametrize(
    "reply",
    [
        {"events": [{"name": "matter"}]},  # an event without its type
        {"events": [{"event": "slot", "name": 5}]},
        {"responses": ["plain text instead of a message"]},
        {"events": "not a list"},
    ],
)
def test_an_invalid_reply_raises_rasas_error(reply):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_reply(ACTION, reply)


def test_same_verdicts_as_rasa():
    for reply in ({"events": []}, {"events": [{"event": "bot", "text": "x"}]}, {"events": [{"event": 1}]}):
        try:
            expected = RemoteAction._validate_action_result(ACTION, reply)
        except ValidationError:
            expected = False
        try:
            got = validate_action_reply(ACTION, reply)
        except ValidationError:
            got = False
        assert got == expected
