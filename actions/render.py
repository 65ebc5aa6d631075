"""Sending a channel-neutral `bot.answers.Answer` through rasa_sdk: the text and buttons every
channel shows, and the whole answer as `custom` data for channels that render more."""
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
    dispatcher.utter_message(text=text, buttons=buttons or None, custom={"answer": answer.as_dict()})
