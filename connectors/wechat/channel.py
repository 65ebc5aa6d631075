"""The WeChat official account (微信公众号) channel: `/webhooks/wechat/webhook`, the server URL
set in the account's 基本配置. docs/channels.md describes it.

- GET verifies the URL (echostr); POST takes a message or event, checked and opened by
  `protocol.py` (signatures, timestamp, AES, hardened XML). What is not WeChat's gets 403 or
  400 and one log line.
- A retry of a message (WeChat retries three times when no reply comes in 5 s) never makes a
  second bot turn: the database remembers every message taken, on every instance.
- The answer ready within `passive_seconds` (4.5 s) is the passive reply; a slower one gets
  `success` at once and comes as customer-service messages (`delivery.py`). Text over WeChat's
  limit goes on in customer-service messages, in order.
- Buttons are numbered options; a reply of just the number picks one (`choices.py`)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import wording
from connectors.edge import Edge
from connectors.wechat import protocol, store
from connectors.wechat.choices import pending_options, picked_number
from connectors.wechat.delivery import Courier
from connectors.wechat.menu import click_questions
from connectors.wechat.protocol import Protocol, Refused, Signed
from connectors.wechat.render import Rendered, render_turn
from connectors.wechat.settings import WeChatSettings

log = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, nothing to reply"
NOTHING = object()  # an event that needs no reply (unsubscribe, a menu link, a location report)
CHANNEL = "wechat"


class TurnCollector(CollectingOutputChannel):
    """Keeps each bot message whole (text, buttons and custom data together), as Rasa hands it
    over, for the WeChat rendering."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[dict] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.responses.append(message)


class WeChatChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "WeChatChannel":
        return cls(WeChatSettings.from_values(credentials or {}))

    def __init__(self, settings: Optional[WeChatSettings] = None) -> None:
        self.settings = settings
        self.protocol = Protocol(settings.token, settings.app_id, settings.aes_key) if settings else None
        self.courier = Courier(settings) if settings else None
        self.edge = Edge()
        self.questions = click_questions(settings.menu_file) if settings else {}
        self._tasks: set[asyncio.Task] = set()  # turns that outlived their request

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("daoban_wechat", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "off"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.protocol is None:
                return response.text("the WeChat channel is off", status=404)
            try:
                echo = self.protocol.verify_url(Signed.from_query(request.args), request.args.get("echostr") or "")
            except Refused as refused:
                return self._refuse(refused)
            return response.text(echo)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.protocol is None:
                return response.text("the WeChat channel is off", status=404)
            if len(request.body or b"") > self.settings.max_body_bytes:
                return self._refuse(Refused(413, "body over the WeChat channel's limit"))
            signed = Signed.from_query(request.args)
            try:
                fields = self.protocol.open(signed, request.body or b"")
                message = protocol.message_from(fields)
            except Refused as refused:
                return self._refuse(refused)
            self.courier.start()
            try:
                reply = await self._answer(signed, message, fields, request, on_new_message)
            except Refused as refused:
                return self._refuse(refused)
            except Exception:  # noqa: BLE001 - the database is down, say: a reply all the same, never a 500
                log.exception("the WeChat channel failed on a message")
                reply = protocol.text_reply(message.source, message.target, wording.busy())
            return response.text(self.protocol.seal(reply, signed) if reply != SUCCESS else SUCCESS,
                                 content_type="application/xml" if reply != SUCCESS else "text/plain")  # fmt: skip

        return webhook

    def _refuse(self, refused: Refused) -> HTTPResponse:
        log.warning("refused a WeChat request: %s", refused.reason)
        return response.text("forbidden" if refused.status == 403 else "refused", status=refused.status)

    async def _answer(self, signed: Signed, message, fields: dict, request: Request, on_new_message) -> str:  # noqa: ANN001
        """The reply XML, or `success`."""
        key = store.message_key(fields)
        if not await asyncio.to_thread(store.first_use_of_signature, signed.timestamp, signed.nonce, key):
            raise Refused(403, "a signature already used for another message")
        if not await asyncio.to_thread(store.claim, key):
            earlier = await asyncio.to_thread(store.earlier_reply, key)
            log.info("a WeChat retry of a message already taken: %s", "its reply again" if earlier else "success")
            return earlier or SUCCESS
        openid, account = message.source, message.target
        said = self._what_is_said(message)
        if said is NOTHING:
            return SUCCESS
        if isinstance(said, Rendered):  # the channel's own reply, no bot turn
            reply = protocol.text_reply(openid, account, said.parts[0])
            await asyncio.to_thread(store.remember_reply, key, reply)
            return reply
        turn = asyncio.ensure_future(self._bot_turn(openid, said, fields, request, on_new_message))
        done, _ = await asyncio.wait({turn}, timeout=self.settings.passive_seconds)
        if not done:  # too slow for the passive reply: the answer follows as customer-service messages
            self._tasks.add(turn)
            turn.add_done_callback(lambda t: self._deliver_late(openid, t))
            return SUCCESS
        rendered = turn.result()
        if rendered.handoff and self.settings.transfer_to_staff:  # staff take over; the phones follow
            reply = protocol.transfer_reply(openid, account)
            self.courier.later(openid, rendered.parts)
        else:
            reply = protocol.text_reply(openid, account, rendered.parts[0])
            self.courier.later(openid, rendered.parts[1:])
        await asyncio.to_thread(store.remember_reply, key, reply)
        return reply

    def _what_is_said(self, message):  # noqa: ANN001, ANN202
        """The text for the bot, or the channel's own reply (Rendered), or NOTHING."""
        kind, event = message.type, getattr(message, "event", None)
        if kind == "text":
            return message.content or ""
        if kind == "voice":
            return message.recognition or _own(wording.say("voice_not_recognised", CHANNEL))
        if kind == "location":
            return "/share_location" + json.dumps({"latitude": message.location_x, "longitude": message.location_y})
        if kind == "event":
            if event in ("subscribe", "subscribe_scan"):
                return _own(wording.say("welcome", CHANNEL))
            if event == "click":
                return self.questions.get(message.key or "") or _own(wording.say("menu_unknown", CHANNEL))
            return NOTHING  # unsubscribe, view, location reports, template and mass-send results
        return _own(wording.say("please_type", CHANNEL))  # image, video, link, file, anything else

    async def _bot_turn(self, openid: str, text: str, fields: dict, request: Request, on_new_message) -> Rendered:  # noqa: ANN001
        try:
            return await self._bot_turn_or_fail(openid, text, fields, request, on_new_message)
        except Exception:  # noqa: BLE001 - the citizen gets an answer whatever broke
            log.exception("the bot failed on a WeChat message")
            return _own(wording.busy())

    async def _bot_turn_or_fail(self, openid: str, text: str, fields: dict, request: Request, on_new_message) -> Rendered:  # noqa: ANN001
        sender = f"{CHANNEL}:{openid}"
        number = picked_number(fields.get("bizmsgmenuid") or "") or picked_number(text)
        if number is not None:
            agent = getattr(request.app.ctx, "agent", None)
            options = await pending_options(agent.tracker_store, sender) if agent else []
            if 1 <= number <= len(options):
                text = options[number - 1].payload
        admission = self.edge.admit(CHANNEL, openid, openid, text)
        if admission.refusal:
            return _own(admission.refusal)
        collector = TurnCollector()
        await on_new_message(UserMessage(admission.text, collector, sender, input_channel=CHANNEL,
                                         metadata=admission.metadata))  # fmt: skip
        rendered = render_turn(collector.responses)
        return rendered if rendered.parts else _own(wording.busy())

    def _deliver_late(self, openid: str, turn: asyncio.Task) -> None:
        """The answer of a turn that missed the passive reply, as customer-service messages;
        its options as a menu to tap where the account uses msgmenu."""
        self._tasks.discard(turn)
        if turn.cancelled():  # the server is stopping
            return
        rendered = turn.result()  # _bot_turn does not raise
        if self.settings.use_msgmenu and rendered.options:
            self.courier.later(openid, rendered.unnumbered, [option.title for option in rendered.options])
        else:
            self.courier.later(openid, rendered.parts)


def _own(text: str) -> Rendered:
    return Rendered(parts=[text])
