"""Sending a channel-neutral `bot.answers.Answer` through rasa_sdk: the text and buttons every
channel shows, and the whole answer as `custom` data for channels that render more
(docs/channels.md describes it; `bot/answer.schema.json` is its schema).

A button carries an action (`bot.answers.BUTTON_ACTIONS`); here, and only here, it becomes the
Rasa payload that a tap sends back. Custom data goes under `custom.data`: Rasa's socket.io output
passes the keys of `custom` to `emit()`, where only `data` is the payload; REST passes it through
unchanged."""
from __future__ import annotations

import json

from rasa_sdk.executor import CollectingDispatcher

from bot.answers import ASK, CHOOSE_MATTER, DENY, HANDOFF_ACTION, RATE, Answer, Button


def payload(button: Button) -> str:
    """The message a tap on the button sends to Rasa: an intent, with the matter as entity."""
    if button.action == CHOOSE_MATTER:
        return "/inform_matter" + json.dumps({"matter": button.value}, ensure_ascii=False)
    if button.action == ASK:
        return f"/ask_{button.value}"
    if button.action == RATE:
        return f"/rate_{button.value}"
    if button.action in (DENY, HANDOFF_ACTION):
        return f"/{button.action}"
    raise ValueError(f"unknown button action {button.action!r}")


def send(dispatcher: CollectingDispatcher, answer: Answer, rating: bool = False) -> None:
    """The answer as one bot message: text with its links (for channels that show text alone),
    buttons with Rasa payloads, and the whole answer in `custom.data.answer`."""
    if rating:
        answer.with_rating()
    text = answer.text
    if answer.links:
        text += "\n" + "\n".join(f"{link.title}：{link.url}" for link in answer.links)
    buttons = [{"title": b.title, "payload": payload(b)} for b in answer.buttons]
    dispatcher.utter_message(text=text, buttons=buttons or None, custom=custom_data(answer=answer.as_dict()))


def custom_data(**data) -> dict:  # noqa: ANN003
    return {"data": data}
