"""The REST channel (`/webhooks/rest/webhook`), stricter than Rasa's: a request needs a JSON
object with a `sender`, never shares a conversation, never gets a 500 or an empty reply, and
goes through the edge's limits and checks before the bot reads it.

    POST {"sender": "<id>", "message": "<text>"}  ->  [{"recipient_id", "text", ...}, ...]
    with Content-Type: application/json (else 415)
    400: not a JSON object, or no usable sender; 413: body too large; 429: too fast.
The client's `metadata` and `input_channel` are ignored: actions trust only what the channel sets."""
from __future__ import annotations

import json
import logging
import unicodedata
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import wording
from connectors.edge import Edge, request_address

log = logging.getLogger(__name__)

MAX_SENDER = 128


class RestChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        edge = Edge()
        webhook = Blueprint("daoban_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            # JSON only: a browser on another site can send a form or text/plain without asking
            # (no CORS preflight), and would post in its visitors' names.
            if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
                return response.json({"error": "Content-Type must be application/json", "text": wording.ask_question()},
                                     415)  # fmt: skip
            body = _json_object(request.body)
            if body is None:
                return response.json({"error": "the body must be a JSON object", "text": wording.ask_question()}, 400)
            sender = body.get("sender")
            if not _usable_sender(sender):
                return response.json({"error": "sender required", "text": wording.no_sender()}, 400)
            admission = edge.admit(self.name(), sender, request_address(request), body.get("message"))
            if admission.refusal:
                return response.json([{"recipient_id": sender, "text": admission.refusal}], admission.status)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(admission.text, collector, sender, input_channel=self.name(), metadata=admission.metadata)
                )
            except Exception:  # noqa: BLE001 - the citizen gets an answer whatever broke
                log.exception("the bot failed on a REST message")
            messages = collector.messages
            if not any(m.get("text") for m in messages):
                messages.append({"recipient_id": sender, "text": wording.busy()})
            return response.json(messages)

        return webhook


def _usable_sender(sender: object) -> bool:
    """A string of at most 128 characters, none of them a colon (kept for the channels' own
    namespaces, web:…, so REST cannot reach them) or invisible: control and format characters,
    lone surrogates (they cannot be stored), unassigned code points."""
    return (isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER and ":" not in sender
            and sender.strip() == sender and all(unicodedata.category(ch)[0] != "C" for ch in sender))  # fmt: skip


def _json_object(raw: bytes) -> dict | None:
    try:
        body = json.loads(raw or b"")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        return None
    return body if isinstance(body, dict) else None
