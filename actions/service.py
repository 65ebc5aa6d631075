"""Actions around the answers: 好差评, handing over to a person, complaints and suggestions."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.matters import guide
from actions.render import custom_data
from bot import config, feedback


class ActionRateAnswer(Action):
    """Stores a one-tap satisfied / not satisfied with the matter and the channel."""

    def name(self) -> str:
        return "action_rate_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        satisfied = tracker.latest_message.get("intent", {}).get("name") == "rate_good"
        feedback.record_rating(tracker.sender_id, tracker.get_latest_input_channel(),
                               tracker.get_slot("matter"), satisfied)  # fmt: skip
        if satisfied:
            dispatcher.utter_message(text="感谢您的好评！还有什么可以帮您？")
        else:
            dispatcher.utter_message(
                text=f"抱歉没能帮上忙，您的评价已记录。可以换个说法再问，或说“转人工”，也可致电{config.hotline()}。"
            )
        return []


class ActionHandoff(Action):
    """转人工, complaints and suggestions: the phones to call, and a handoff event in `custom`
    that a channel with human agents can act on."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        intent = tracker.latest_message.get("intent", {}).get("name")
        message = guide().handoff(complaint=intent == "complain", current=tracker.get_slot("matter"))
        dispatcher.utter_message(text=message.text, custom=custom_data(handoff=message.event))
        return []
