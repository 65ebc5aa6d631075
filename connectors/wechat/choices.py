"""A reply of just a number picks one of the options the bot's last turn offered. The options
are read back from the conversation itself (Rasa's tracker store), so they survive a restart
and hold on every instance."""
from __future__ import annotations

import re
from typing import Optional

from rasa.shared.core.events import BotUttered, UserUttered

from connectors.wechat.render import Option

NUMBER = re.compile(r"\s*(\d{1,2})\s*[.。、]?\s*")


def picked_number(text: object) -> Optional[int]:
    if not isinstance(text, str):  # a field WeChat never sends as a tree, forged as one
        return None
    match = NUMBER.fullmatch(text)
    return int(match[1]) if match else None


async def pending_options(tracker_store, sender_id: str) -> list[Option]:  # noqa: ANN001
    """The buttons of the bot's messages since the citizen's last message, in the order the
    WeChat rendering numbered them."""
    tracker = await tracker_store.retrieve(sender_id)
    if tracker is None:
        return []
    bot_messages: list[BotUttered] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            bot_messages.append(event)
    options = []
    for message in reversed(bot_messages):
        for button in (message.data or {}).get("buttons") or []:
            if button.get("title") and button.get("payload"):
                options.append(Option(button["title"], button["payload"]))
    return options
