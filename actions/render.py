"""Sending a channel-neutral `bot.answers.Answer` through rasa_sdk: the text and buttons every
channel shows, and the whole answer as `custom` data for channels that render more.

Custom data goes under `custom.data`: Rasa's socket.io output passes the keys of `custom` to
`emit()`, where only `data` is the payload; REST passes it through unchanged."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Answer

RATING_BUTTONS = [{"title": "满意", "payload": "/rate_good"}, {"title": "不满意", "payload": "/rate_bad"}]


def send(dispatcher: CollectingDispatcher, answer: Answer, rating: bool = False) -> None:
    text = answer.text
    if answer.links:
        text += "\n" + "\n".join(f"{link.title}：{link.url}" for link in answer.links)
    buttons = [{"title": b.title, "payload": b.payload} for b in answer.buttons]
    if rating:
        buttons += RATING_BUTTONS
    dispatcher.utter_message(text=text, buttons=buttons or None, custom=custom_data(answer=answer.as_dict()))


def custom_data(**payload) -> dict:  # noqa: ANN003
    return {"data": payload}
