"""办件进度: the status form's validation and the lookup."""
from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.render import send
from bot import wording
from bot.privacy import has_id_number
from bot.status import clean_phone_last4, clean_receipt
from bot.status.service import check_status

_RECEIPT_IN_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-－]{6,40}[A-Za-z0-9]")


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    async def extract_receipt_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict[str, Any]) -> dict[str, Any]:
        """A number typed before the form asked (查一下 SL2026110100001 的进度) counts too."""
        if tracker.get_slot("receipt_number") or tracker.get_slot("requested_slot") == "phone_last4":
            return {}
        text = tracker.latest_message.get("text") or ""
        if has_id_number(text):
            if tracker.get_slot("requested_slot") is None:  # the form starts on this message
                dispatcher.utter_message(text=wording.id_number_refused())
            return {}
        found = _receipt_in(text)
        return {"receipt_number": found} if found else {}

    def validate_receipt_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> dict[str, Any]:
        text = str(value or "")
        if has_id_number(text):  # masked where it came in; never kept, never looked up
            dispatcher.utter_message(text=wording.id_number_refused())
            return {"receipt_number": None}
        receipt = clean_receipt(text) or _receipt_in(text)
        if receipt is None:
            dispatcher.utter_message(text="受理编号的格式不对：它由8到32位字母和数字组成，印在受理回执上，比如 SL2026110100001。")
        return {"receipt_number": receipt}

    def validate_phone_last4(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict[str, Any]) -> dict[str, Any]:
        digits = clean_phone_last4(str(value or ""))
        if digits is None:
            dispatcher.utter_message(text="请输入办件时登记的手机号码的最后4位数字，比如 1234。")
        return {"phone_last4": digits}


def client_of(tracker: Tracker) -> Optional[str]:
    """The pseudonym of the citizen's address that the channel put in the message's metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return client if isinstance(client, str) else None


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
        answer = await check_status(
            tracker.sender_id, tracker.get_slot("receipt_number") or "", tracker.get_slot("phone_last4") or "",
            client=client_of(tracker),
        )
        send(dispatcher, answer)
        return [SlotSet("receipt_number", None), SlotSet("phone_last4", None)]
