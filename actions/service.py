"""Actions around the answers: 好差评, handing over to a person, complaints and suggestions."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.matters import RATED, CatalogueAction, guide, matter_of
from actions.render import custom_data
from bot import feedback, wording


class ActionRateAnswer(CatalogueAction):
    """Stores a one-tap satisfied / not satisfied with the matter and the channel: once per
    answer, and only after one (the answer action leaves the `rating_due` slot)."""

    def name(self) -> str:
        return "action_rate_answer"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        due = tracker.get_slot("rating_due")
        if due == RATED:
            dispatcher.utter_message(text=wording.rating_already_given())
            return []
        if not due:
            dispatcher.utter_message(text=wording.rating_nothing_to_rate())
            return []
        satisfied = tracker.latest_message.get("intent", {}).get("name") == "rate_good"
        feedback.record_rating(tracker.sender_id, tracker.get_latest_input_channel(), matter_of(due), satisfied)
        dispatcher.utter_message(text=wording.rating_thanks(satisfied))
        return [SlotSet("rating_due", RATED)]


class ActionHandoff(CatalogueAction):
    """转人工, complaints and suggestions: the phones to call, and a handoff event in `custom`
    that a channel with human agents can act on."""

    def name(self) -> str:
        return "action_handoff"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        intent = tracker.latest_message.get("intent", {}).get("name")
        message = guide().handoff(complaint=intent == "complain", current=tracker.get_slot("matter"))
        feedback.record_handoff(tracker.sender_id, tracker.get_latest_input_channel(), message.event["reason"],
                                message.event["matter"])  # fmt: skip
        dispatcher.utter_message(text=message.text, custom=custom_data(handoff=message.event))
        return []
