"""Actions that answer from the catalogue."""
from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Any, Callable, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.render import send
from bot import feedback, wording
from bot.answers import ASPECTS
from bot.aspects import asked
from bot.dialogue import Guide, Turn
from bot.search.dense.embedder import SHARED_KEY, adopt

ASPECT_OF_INTENT = {f"ask_{aspect}": aspect for aspect in ASPECTS}
RATED = "rated"  # the rating_due slot once the answer has been rated


def changed_slots(tracker: Tracker, **values: Any) -> list:
    """SlotSet events only for the slots that change: every event is stored and read back by
    the tracker store on each later turn of the conversation."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]


@lru_cache(maxsize=1)
def guide() -> Guide:
    return Guide()


# The catalogue's work (search, database reads, the sentence model) runs in one thread of its
# own, never on the action server's event loop: other conversations, the status lookups and the
# health check go on meanwhile. One thread, because the indexes and the model are shared.
_CATALOGUE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalogue")


async def off_the_loop(work: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_CATALOGUE_THREAD, partial(work, *args))


class CatalogueAction(Action, ABC):
    """An action whose `answer` reads the catalogue or the database, run off the event loop.
    Abstract, so that rasa_sdk does not register it as an action of its own."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        return await off_the_loop(self._answer_in_its_channel, dispatcher, tracker)

    def _answer_in_its_channel(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        with wording.speaking_in(tracker.get_latest_input_channel()):  # WeChat's wording in WeChat
            return self.answer(dispatcher, tracker)

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """The action's work: send the answer, return the events."""


class ActionAnswerMatter(CatalogueAction):
    """One aspect of one matter; keeps the matter and the aspect for follow-up questions."""

    def name(self) -> str:
        return "action_answer_matter"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        chosen = _chosen_code(next(tracker.get_latest_entity_values("matter"), None))
        turn = guide().answer(_question(tracker), _aspect(tracker), tracker.get_slot("matter"), chosen)
        return reply(dispatcher, tracker, turn)


def _aspect(tracker: Tracker) -> Optional[str]:
    """The aspect to answer; None: the overview. 那残疾证呢？ names a matter and keeps the
    question asked before. An aspect the NLU read into a typed question that says nothing of
    it gives way to the overview, as does anything not understood."""
    intent = intent_of(tracker)
    if intent == "inform_matter":
        return tracker.get_slot("aspect")
    aspect = ASPECT_OF_INTENT.get(intent)
    text = text_of(tracker)
    if aspect and not text.startswith("/") and not asked(aspect, text):  # a button's payload says no words
        return None
    return aspect


class ActionListMatters(CatalogueAction):
    """What can I get done: matters for a group, life event, department or hall level."""

    def name(self) -> str:
        return "action_list_matters"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        return reply(dispatcher, tracker, guide().what_can_i_do(_question(tracker), tracker.get_slot("matter")))


class ActionAnswerCertificate(CatalogueAction):
    """Whether a certificate (证明) is still needed, from the cancelled-certificate list."""

    def name(self) -> str:
        return "action_answer_certificate"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        turn = guide().certificate(_question(tracker), tracker.get_slot("matter"), tracker.get_slot("aspect"))
        return reply(dispatcher, tracker, turn)


class ActionNearestHall(CatalogueAction):
    """The nearest hall to a shared location (WeChat's location message) that accepts the
    matter being talked about."""

    def name(self) -> str:
        return "action_nearest_hall"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        latitude = _degrees(next(tracker.get_latest_entity_values("latitude"), None), 90)
        longitude = _degrees(next(tracker.get_latest_entity_values("longitude"), None), 180)
        if latitude is None or longitude is None:  # typed, not shared
            dispatcher.utter_message(text=wording.say("send_location"))
            return []
        return reply(dispatcher, tracker, guide().nearest_hall(latitude, longitude, tracker.get_slot("matter")))


def _degrees(value: Any, bound: float) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


def _chosen_code(value: Any) -> Optional[str]:
    """The matter code a button sent; a typed or forged one that cannot be a code is kept as ""
    (no such matter: the citizen is told so) rather than looked up."""
    if value is None:
        return None
    if isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable():
        if not any("\ud800" <= ch <= "\udfff" for ch in value):  # lone surrogates cannot be queried
            return value
    return ""


def text_of(tracker: Tracker) -> str:
    """The latest message's text."""
    return tracker.latest_message.get("text") or ""


def intent_of(tracker: Tracker) -> Optional[str]:
    """The latest message's intent."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def _question(tracker: Tracker) -> str:
    """The message's text. Its sentence vector, which the NLU made and sent along, is handed to
    the search, which then does not embed the same text again."""
    embedder = guide().search.embedder
    if embedder is not None:
        adopt(embedder, tracker.latest_message.get(SHARED_KEY))
    return text_of(tracker)


def reply(dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn) -> list:
    """Send the turn's answer (with the rating buttons after an answer about a matter), keep
    what the catalogue could not answer for its maintainers, and the slots for follow-ups.
    An answer that may be rated leaves `rating_due`: its matter and the message it answers."""
    rateable = turn.answer.kind == "answer"
    send(dispatcher, turn.answer, rating=rateable)
    if not turn.answered:
        feedback.record_unanswered(tracker.sender_id, tracker.get_latest_input_channel(), text_of(tracker))
    slots = changed_slots(tracker, matter=turn.matter, aspect=turn.aspect)
    if rateable:
        slots.append(SlotSet("rating_due", f"{turn.matter}#{tracker.latest_message.get('message_id') or ''}"))
    return slots


def matter_of(rating_due: str) -> str:
    return rating_due.split("#", 1)[0]
