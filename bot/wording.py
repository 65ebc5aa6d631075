"""The bot's fixed sentences, from one file (`knowledge/wording.yml`): what it says around the
answers, when a message is refused, for ratings, handoffs and the status form, and the channels'
own (WeChat's welcome). A sentence may have a variant per channel; `say` picks it.

The functions below are the sentences that take a value or choose between several."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

import yaml

from bot import config

WORDING_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "wording.yml"
DEFAULT = "default"


@lru_cache(maxsize=1)
def sentences() -> dict[str, object]:
    with WORDING_FILE.open(encoding="utf-8") as file:
        return yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# The channel of the message being answered, set by the actions (`speaking_in`): the sentences
# built deep in bot/ take its variant without every function passing it along.
_channel: ContextVar[Optional[str]] = ContextVar("channel", default=None)


@contextmanager
def speaking_in(channel: Optional[str]) -> Iterator[None]:
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)


def say(key: str, channel: Optional[str] = None, **values: object) -> str:
    """The sentence `key` in its variant for `channel` (default: the one being answered) where
    it has one, with `{hotline}`, `{examples}` and the given values filled in."""
    found = sentences()[key]
    if isinstance(found, dict):
        found = found.get(channel or _channel.get() or DEFAULT) or found[DEFAULT]
    return str(found).format(**{"hotline": config.hotline(), "examples": sentences()["examples"], **values})


def ask_question() -> str:
    return say("ask_question")


def too_long(limit: int) -> str:
    return say("too_long", limit=limit)


def too_fast() -> str:
    return say("too_fast")


def busy() -> str:
    return say("busy")


def no_sender() -> str:
    return say("no_sender")


def id_number_refused() -> str:
    return say("id_number_refused")


def rating_thanks(satisfied: bool) -> str:
    return say("rating_thanks_good" if satisfied else "rating_thanks_bad")


def rating_nothing_to_rate() -> str:
    return say("rating_nothing_to_rate")


def rating_already_given() -> str:
    return say("rating_already_given")


def receipt_format_wrong() -> str:
    return say("receipt_format_wrong")


def receipt_not_given() -> str:
    return say("receipt_not_given")


def phone_last4_wrong() -> str:
    return say("phone_last4_wrong")


def status_way_out(slot: str) -> str:
    """After two inputs in a row that are not the `slot` asked for: what it is, where to find
    it, and the ways out."""
    key = "status_way_out_phone" if slot == "phone_last4" else "status_way_out_receipt"
    return say(key, way_out=say("way_out"))


def status_given_up() -> str:
    """After the third input in a row the status form could not use: it ends."""
    return say("status_given_up")
