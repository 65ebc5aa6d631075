"""What happens to a citizen's message before the bot reads it: cleaned, personal numbers
masked, and refused with a polite reply when it is empty or too long, so that no message can
make the bot work for long or store what it must not."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

from bot import wording
from bot.answers import ASPECTS
from bot.privacy import clean_text, mask_identity

DEFAULT_MAX_CHARS = 500  # the longest real question in our sets is under 100 characters
# What the bot's own buttons (and WeChat's shared location) send as `/intent{…}`; Rasa would
# take any other typed `/intent` as given (even /restart, or entities for slots), so for those
# the slash goes and the NLU reads it.
BUTTON_INTENTS = ("rate_good", "rate_bad", "deny", "handoff", "inform_matter", "share_location",
                  *(f"ask_{aspect}" for aspect in ASPECTS))


@dataclass(frozen=True)
class Inbound:
    text: str  # what the bot may read
    refusal: Optional[str] = None  # the reply instead of a bot turn, when refused


def max_message_chars() -> int:
    return int(os.environ.get("BOT_MAX_MESSAGE_CHARS", "") or DEFAULT_MAX_CHARS)


def check_message(raw: object, max_chars: Optional[int] = None) -> Inbound:
    """A message as it arrives (any JSON value) -> the text the bot reads, or a refusal."""
    limit = max_chars or max_message_chars()
    if not isinstance(raw, str):
        return Inbound("", wording.ask_question())
    if len(raw) > limit * 4:  # don't even clean a flood
        return Inbound("", wording.too_long(limit))
    text = clean_text(raw)
    if len(text) > limit:
        return Inbound("", wording.too_long(limit))
    if not any(ch.isalnum() for ch in text):  # empty, blank, emoji or punctuation only
        return Inbound("", wording.ask_question())
    return Inbound(mask_identity(_unless_a_button(text)))


def _unless_a_button(text: str) -> str:
    if not text.startswith("/"):
        return text
    intent = re.split(r"[{@\s]", text[1:], maxsplit=1)[0]
    return text if intent in BUTTON_INTENTS else text.lstrip("/ ")
