"""Rasa's SQL tracker store, masking the status lookup's personal numbers once it is done.

The 受理编号 and phone digits must be in the conversation while the status form collects them;
once the form has ended (`action_check_status` has used them, or the citizen left the form),
this store rewrites that conversation's stored events: the slots hold masked values, and every
text (the citizen's messages, the bot's answer) has those numbers masked, as do the digits typed
while the form asked for them.

Both this store and `MaskingSQLEventBroker` test a pooled connection before a turn uses it, so
that after the database restarts the next turn works (Rasa's engines would fail it)."""
from __future__ import annotations

import contextlib
import json
import re
from typing import Any, Callable, Iterator

import sqlalchemy.orm
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import mask_digits, mask_reference
from bot.search.dense.embedder import SHARED_KEY
from bot.status import clean_phone_last4

LOOKUP = "action_check_status"
PHONE_SLOT = "phone_last4"
SECRET_SLOTS = ("receipt_number", PHONE_SLOT)


class TrackerStoreError(RuntimeError):
    """A ValueError raised while the store works on a conversation."""


def ping_before_use(holder: SQLTrackerStore | SQLEventBroker, **engine_options: Any) -> None:
    """Give a Rasa SQL store or broker an engine that checks each pooled connection first."""
    url = holder.engine.url
    holder.engine.dispose()
    holder.engine = sqlalchemy.create_engine(url, pool_pre_ping=True, **engine_options)
    holder.sessionmaker = sqlalchemy.orm.sessionmaker(bind=holder.engine)


class MaskingSQLEventBroker(SQLEventBroker):
    """Rasa's SQL event broker (endpoints: `type: connectors.tracker_store.MaskingSQLEventBroker`),
    keeping the event log for analytics without the citizens' numbers. An event is logged when
    its turn is saved, before the status form has ended, so the tracker store's later masking
    cannot reach this copy: each event is masked as it comes. Receipt-like numbers, ID and mobile
    numbers, the status form's slots, and every run of 4 or more digits (the phone digits the
    form asks for, a mobile's last four) are masked in every string; sentence vectors are
    dropped. `python -m bot conversations` prunes and purges it (`BOT_EVENT_LOG_URL`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ping_before_use(self)

    def publish(self, event: dict[str, Any]) -> None:
        super().publish(masked_for_event_log(event))


def masked_for_event_log(event: dict[str, Any]) -> dict[str, Any]:
    event = dict(event)
    if isinstance(event.get("parse_data"), dict):
        event["parse_data"] = {k: v for k, v in event["parse_data"].items() if k != SHARED_KEY}
    if event.get("event") == "slot" and event.get("name") in SECRET_SLOTS and event.get("value"):
        event["value"] = _mask_value(str(event["value"]))
    return _map_strings(event, lambda text, _key: mask_digits(text))


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ping_before_use(self, **create_engine_kwargs(self.engine.url))

    @contextlib.contextmanager
    def session_scope(self) -> Iterator:
        """Rasa's, except that an error in the work (a ValueError: text SQLite cannot encode, a
        bad value) fails that one request instead of exiting the server: Rasa reads any
        ValueError here as a missing PostgreSQL schema and exits the process."""
        with super().session_scope() as session:
            try:
                yield session
            except ValueError as error:
                raise TrackerStoreError(f"the tracker store failed: {type(error).__name__}") from error

    async def save(self, tracker: DialogueStateTracker) -> None:
        # The message's sentence vector (for the action server's search) is not kept; only this
        # turn's message has one (earlier ones were read back from the store without it).
        latest = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
        if latest is not None:
            latest.parse_data.pop(SHARED_KEY, None)  # type: ignore[misc]
        keep_only_phone_digits(tracker)
        await super().save(tracker)
        if _status_form_ended_this_turn(tracker):
            self.mask_lookups(tracker.sender_id)

    def mask_lookups(self, sender_id: str) -> None:
        with self.session_scope() as session:
            rows = (session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
                    .order_by(self.SQLEvent.id).all())  # fmt: skip
            events = [json.loads(row.data) for row in rows]
            secrets = _secrets(events)
            asked = None  # the slot the form was asking for when each message came
            for row, event in zip(rows, events):
                masked = _masked(event, secrets, digits=event.get("event") == "user" and asked in SECRET_SLOTS)
                if event.get("event") == "slot" and event.get("name") == "requested_slot":
                    asked = event.get("value")
                if masked != event:
                    row.data = json.dumps(masked)
            session.commit()


def keep_only_phone_digits(tracker: DialogueStateTracker) -> None:
    """The phone slot as Rasa's `from_text` mapping first sets it is the whole message (手机138****3456);
    the form's validation then sets the four digits. Only the digits are stored: the mapping's
    value becomes what the validation made of it (the digits, or nothing)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return
        if isinstance(event, SlotSet) and event.key == PHONE_SLOT and isinstance(event.value, str):
            event.value = clean_phone_last4(event.value)


def _status_form_ended_this_turn(tracker: DialogueStateTracker) -> bool:
    """Looked up, or the form (the only loop) let go: what it collected is no longer needed."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == LOOKUP:
            return True
        if isinstance(event, ActiveLoop) and event.name is None:
            return True
    return False


def _secrets(events: list[dict]) -> set[str]:
    return {str(e["value"]) for e in events
            if e.get("event") == "slot" and e.get("name") in SECRET_SLOTS and e.get("value")}  # fmt: skip


def _masked(event: dict, secrets: set[str], digits: bool) -> dict:
    if event.get("event") == "slot" and event.get("name") in SECRET_SLOTS and event.get("value"):
        return {**event, "value": _mask_value(str(event["value"]))}
    return _mask_strings(event, secrets, digits)


def _mask_value(value: str) -> str:
    """A receipt keeps its ends (SL*********0027, as in the answer); the phone digits go."""
    return re.sub(r"\d", "*", value) if len(value) <= 4 else mask_reference(value)


def _mask_strings(event: dict, secrets: set[str], digits: bool) -> dict:
    """Every string with the secrets masked; with `digits`, every digit of a message's text too."""

    def mask(text: str, key: str) -> str:
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, _mask_value(secret))
        return re.sub(r"\d", "*", text) if digits and key == "text" else text

    return _map_strings(event, mask)


def _map_strings(value: Any, change: Callable[[str, str], str], key: str = "") -> Any:
    """`value` with every string in it, however deep, replaced by `change(string, its key)`."""
    if isinstance(value, str):
        return change(value, key)
    if isinstance(value, dict):
        return {k: _map_strings(v, change, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, change, key) for v in value]
    return value
