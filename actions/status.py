"""办件进度: the status form's validation (which also lets the form go), and the lookup."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.matters import ASPECT_OF_INTENT, changed_slots, intent_of, text_of
from actions.render import send
from bot import answers, wording
from bot.privacy import has_id_number
from bot.status import clean_phone_last4, clean_receipt, normalize_width
from bot.status.service import check_status

_RECEIPT_IN_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-－]{6,40}[A-Za-z0-9]")
_DIGITS_ONLY = re.compile(r"[\d\s\-*]+")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
# A question about what the form asks for (受理编号在哪看, 尾号是哪个手机的) is help with the form,
# whatever the NLU takes it for.
_ABOUT_RECEIPT = re.compile(r"编号|回执|受理号|单号|流水号")
_ABOUT_PHONE = re.compile(r"手机|尾号|后四位|后4位|号码")

REQUESTED_SLOT = "requested_slot"
FORM_SLOTS = ("receipt_number", "phone_last4")
MISSES = "status_misses"
# The third input in a row that the form cannot use ends it. A citizen who has typed three
# things that are no receipt number, after the second got the way out (取消查询, 转人工, 12345,
# or just ask), is not going to type one now: asking a fourth time is the loop they came to
# complain about. The form says it has ended and how to start again; the next message is
# answered as any other.
MAX_MISSES = 3

# What lets the form go (domain.yml lists them all as the form slots' `not_intent`; the rules
# in data/rules.yml say what follows). Always, whatever else the message holds: 转人工, a
# complaint, 取消.
ALWAYS_LEAVE = ("handoff", "complain", "deny")
# A question about a matter leaves the form for the catalogue, unless the message gives what the
# form asks for (a receipt number the NLU took for a matter code) or asks about it.
MATTER_QUESTIONS = (*ASPECT_OF_INTENT, "ask_certificate", "ask_what_can_i_do", "inform_matter")
# Goodbye leaves the form too; four digits alone are still the phone's, whatever the NLU says
# (it reads every number alike, and 88 is a goodbye).
LEAVE = ALWAYS_LEAVE + MATTER_QUESTIONS + ("goodbye",)
# A tap on 满意/不满意 under an earlier answer is rated, and a shared location gets the nearest
# hall; the form goes on after either.
ASIDES = ("rate_good", "rate_bad", "share_location")
ESCAPE_INTENTS = LEAVE + ASIDES


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        requested, collected = tracker.get_slot(REQUESTED_SLOT), _cleared(tracker)
        with wording.speaking_in(tracker.get_latest_input_channel()):  # its help in the channel's words
            events = await super().run(dispatcher, tracker, domain)
        if requested is None:
            # A form that starts counts its misses from nought, whatever an earlier one left (a
            # conversation whose session expired mid-form carries its slots over).
            return events + changed_slots(tracker, **{MISSES: None})
        if intent_of(tracker) in LEAVE and not any(e.get("name") in FORM_SLOTS for e in events):
            # The form lets go of this turn, and a rule in data/rules.yml leaves it: what it had
            # collected goes with it, so that the next status request starts afresh and no
            # receipt number stays in the conversation. Rejecting the turn ourselves (rather than
            # returning nothing) is what lets these events through.
            return collected + [ActionExecutionRejected(self.form_name())] if collected else events
        return events

    async def extract_receipt_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict[str, Any]) -> dict[str, Any]:
        """A number typed before the form asked (查一下 SL2026110100001 的进度) counts too, and
        so does one the NLU took for a question about a matter."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if tracker.get_slot("receipt_number") or requested == "phone_last4" or intent_of(tracker) in ALWAYS_LEAVE:
            return {}
        text = text_of(tracker)
        if has_id_number(text):
            if requested is None:  # the form starts on this message
                dispatcher.utter_message(text=wording.id_number_refused())
            return {}
        found = _receipt_in(text)
        if found:
            return {"receipt_number": found}
        if requested == "receipt_number" and intent_of(tracker) in MATTER_QUESTIONS and _ABOUT_RECEIPT.search(text):
            return {"receipt_number": text}  # not a value: validation explains what is needed
        return {}

    async def extract_phone_last4(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: dict[str, Any]) -> dict[str, Any]:
        """Digits alone are the answer to the form's question, whatever the NLU took them for."""
        if tracker.get_slot(REQUESTED_SLOT) != "phone_last4" or tracker.get_slot("phone_last4"):
            return {}
        intent, text = intent_of(tracker), text_of(tracker)
        if intent in ALWAYS_LEAVE:
            return {}
        if _DIGITS_ONLY.fullmatch(normalize_width(text)) and clean_phone_last4(text):
            return {"phone_last4": text}
        if intent in MATTER_QUESTIONS and _ABOUT_PHONE.search(text):
            return {"phone_last4": text}  # not a value: validation explains what is needed
        return {}

    def validate_receipt_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> dict[str, Any]:
        text = str(value or "")
        if has_id_number(text):  # masked where it came in; never kept, never looked up
            dispatcher.utter_message(text=wording.id_number_refused())
            return _missed(dispatcher, tracker, "receipt_number", hint=None)
        receipt = clean_receipt(text) or _receipt_in(text)
        if receipt is None:
            typed_a_number = _LATIN_OR_DIGIT.search(normalize_width(text))
            hint = wording.receipt_format_wrong() if typed_a_number else wording.receipt_not_given()
            return _missed(dispatcher, tracker, "receipt_number", hint)
        return {"receipt_number": receipt, **_misses_cleared(tracker)}

    def validate_phone_last4(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> dict[str, Any]:
        digits = clean_phone_last4(str(value or ""))
        if digits is None:
            return _missed(dispatcher, tracker, "phone_last4", wording.phone_last4_wrong())
        return {"phone_last4": digits, **_misses_cleared(tracker)}


def _missed(dispatcher: CollectingDispatcher, tracker: Optional[Tracker], slot: str, hint: Optional[str]) -> dict:
    """An input the form cannot use for `slot`: the first gets `hint`, the second the way out
    (what is needed, where to find it, buttons to cancel or reach a person), the third ends the
    form (`requested_slot` None; action_check_status then only clears it)."""
    misses = int((tracker.get_slot(MISSES) if tracker else None) or 0) + 1
    if misses >= MAX_MISSES:
        send(dispatcher, answers.status_help_answer(wording.status_given_up(), cancel=False))
        return {slot: None, MISSES: None, REQUESTED_SLOT: None}
    if misses == 2:
        send(dispatcher, answers.status_help_answer(wording.status_way_out(slot)))
    elif hint:
        dispatcher.utter_message(text=hint)
    return {slot: None, MISSES: float(misses)}


def _misses_cleared(tracker: Optional[Tracker]) -> dict:
    """A good value ends a run of misses."""
    return {MISSES: None} if tracker and tracker.get_slot(MISSES) is not None else {}


def client_of(tracker: Tracker) -> Optional[str]:
    """The pseudonym of the citizen's address that the channel put in the message's metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return client if isinstance(client, str) else None


def _asked_at(tracker: Tracker) -> Optional[float]:
    """When the message this lookup answers came in: as the channel noted it, before the NLU read
    it; else its event's time (after the NLU)."""
    metadata = tracker.latest_message.get("metadata") or {}
    received = metadata.get("received") if isinstance(metadata, dict) else None
    if isinstance(received, (int, float)):
        return float(received)
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            stamp = event.get("timestamp")
            return float(stamp) if isinstance(stamp, (int, float)) else None
    return None


def _receipt_in(text: str) -> Optional[str]:
    for candidate in _RECEIPT_IN_TEXT.findall(text):
        receipt = clean_receipt(candidate)
        # Eleven digits or fewer alone are more likely a phone number than a receipt.
        if receipt and (not receipt.isdigit() or len(receipt) > 11):
            return receipt
    return None


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        receipt, digits = tracker.get_slot("receipt_number"), tracker.get_slot("phone_last4")
        if not receipt or not digits:  # the form ended without both (three misses): nothing to look up
            return _cleared(tracker)
        answer = await check_status(tracker.sender_id, receipt, digits, client=client_of(tracker),
                                    asked_at=_asked_at(tracker))  # fmt: skip
        send(dispatcher, answer)
        return [SlotSet("receipt_number", None), SlotSet("phone_last4", None)] + changed_slots(tracker, **{MISSES: None})


def _cleared(tracker: Tracker) -> list:
    """Events that clear what the status form collected (none for what is clear already)."""
    return changed_slots(tracker, **{slot: None for slot in (*FORM_SLOTS, MISSES)})
