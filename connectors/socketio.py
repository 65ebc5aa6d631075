"""The socket.io channel (the web widget's), with sessions a client cannot pick.

Rasa's own channel takes the `session_id` a client sends, so anyone who sends another's id joins
that conversation and receives its answers live. Here the server issues every session id (random,
signed with the server secret, so a forged or altered one is refused), binds it to the socket
that asked, and reads each message's session from that binding, never from the message. A
client may resume its own session after a reload by presenting the id it was given, but not
while another socket holds it. Protocol as Rasa's: `session_request {session_id?}` ->
`session_confirm <id>`; `user_uttered {message}` -> `bot_uttered {...}`."""
from __future__ import annotations

import logging
import secrets
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import response
from engineio import AsyncServer as EngineServer
from socketio import AsyncServer

from bot import config, wording
from bot.secret import keyed_digest, same
from connectors.edge import Edge, request_address

log = logging.getLogger(__name__)

SENDER_PREFIX = "web:"
SOCKET_FRAME_BYTES = 1_000_000


class Sessions:
    """Which session each connected socket holds, and which socket holds each session."""

    def __init__(self) -> None:
        self.sender_of: dict[str, str] = {}  # socket id -> sender id
        self.holder_of: dict[str, str] = {}  # sender id -> socket id
        self.address_of: dict[str, str] = {}  # socket id -> client address

    def claim(self, sid: str, presented: object) -> tuple[str, str]:
        """(session id for the client, sender id) for socket `sid`: the presented session when
        it is one we issued and no other socket holds it, else a new one."""
        self.release(sid)
        sender = _sender_of(presented)
        if sender is None or sender in self.holder_of:
            sender = SENDER_PREFIX + secrets.token_urlsafe(16)
        self.sender_of[sid], self.holder_of[sender] = sender, sid
        return session_id_for(sender), sender

    def release(self, sid: str) -> None:
        sender = self.sender_of.pop(sid, None)
        if sender and self.holder_of.get(sender) == sid:
            del self.holder_of[sender]


def session_id_for(sender: str) -> str:
    random_part = sender[len(SENDER_PREFIX):]
    return f"{random_part}.{keyed_digest('socket-session', random_part)}"


def _sender_of(session_id: object) -> Optional[str]:
    if not isinstance(session_id, str) or session_id.count(".") != 1 or len(session_id) > 100:
        return None
    random_part, signature = session_id.split(".")
    if not random_part or not same(signature, keyed_digest("socket-session", random_part)):
        return None
    return SENDER_PREFIX + random_part


class WholeMessageOutput(SocketIOOutput):
    """Each bot message as one `bot_uttered`: its text whole (Rasa's output splits it at blank
    lines, and sends the custom data apart), buttons as `quick_replies`, and the keys of
    `custom.data` (`answer`, `ask`, `handoff`) beside them, so the widget draws it once. It
    remembers whether any text went out."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.texts = 0

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        whole: dict[str, Any] = {}
        if message.get("text"):
            whole["text"] = message["text"]
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if buttons:
            whole["quick_replies"] = [{"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
                                      for b in buttons]  # fmt: skip
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("data"), dict):
            whole.update({key: value for key, value in custom["data"].items() if key not in ("text", "quick_replies")})
        if message.get("image"):
            whole["attachment"] = {"type": "image", "payload": {"src": message["image"]}}
        if whole:
            await self._send_message(recipient_id, whole)

    async def _send_message(self, socket_id: str, message: Any) -> None:
        if isinstance(message, dict) and message.get("text"):
            self.texts += 1
        await super()._send_message(socket_id, message)


class _EngineServer(EngineServer):
    def _cors_headers(self, environ: dict) -> list:
        # Rasa's CORS adds them for the same allowed origins; a response with two
        # Access-Control-Allow-Origin headers is refused by browsers (socket.io's polling
        # transport). Engine.io still refuses connections from other origins.
        return []


class _SocketServer(AsyncServer):
    def _engineio_server_class(self) -> type:
        return _EngineServer


class SocketIOChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "SocketIOChannel":
        credentials = credentials or {}
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("namespace"), credentials.get("socketio_path", "/socket.io"))  # fmt: skip

    def __init__(self, user_message_evt: str = "user_uttered", bot_message_evt: str = "bot_uttered",
                 namespace: Optional[str] = None, socketio_path: str = "/socket.io"):
        self.user_message_evt, self.bot_message_evt = user_message_evt, bot_message_evt
        self.namespace, self.socketio_path = namespace, socketio_path
        self.sio: Optional[AsyncServer] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WholeMessageOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        # Frames up to engine.io's default of 1 MB reach the edge, which answers a message over
        # the limit politely; larger ones close the connection.
        # Pings every 10 s, 10 s to answer: a socket whose network went away (a phone between
        # Wi-Fi and 4G) is let go within 20 s, so its session can be resumed on the new one.
        sio = _SocketServer(async_mode="sanic", cors_allowed_origins=config.allowed_origins(),
                            max_http_buffer_size=SOCKET_FRAME_BYTES, ping_interval=10, ping_timeout=10)  # fmt: skip
        self.sio = sio
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        sessions, edge, namespace = Sessions(), Edge(), self.namespace

        @blueprint.route("/", methods=["GET"])
        async def health(_) -> response.HTTPResponse:  # noqa: ANN001
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Optional[dict] = None) -> bool:
            request = environ.get("sanic.request")
            address = request_address(request) if request is not None else ""
            if not edge.admit_connection(address):
                return False
            sessions.address_of[sid] = address
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            sessions.release(sid)
            sessions.address_of.pop(sid, None)

        async def start_session(sid: str, presented: object) -> str:
            session_id, sender = sessions.claim(sid, presented)
            sio.enter_room(sid, sender, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            return sender

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            await start_session(sid, presented)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            sender = sessions.sender_of.get(sid) or await start_session(sid, None)
            raw = data.get("message") if isinstance(data, dict) else None
            admission = edge.admit(self.name(), sender, sessions.address_of.get(sid, ""), raw)
            if admission.refusal:
                await sio.emit(self.bot_message_evt, {"text": admission.refusal}, room=sid, namespace=namespace)
                return
            output = WholeMessageOutput(sio, self.bot_message_evt)
            try:
                await on_new_message(
                    UserMessage(admission.text, output, sender, input_channel=self.name(), metadata=admission.metadata)
                )
            except Exception:  # noqa: BLE001 - the citizen gets an answer whatever broke
                log.exception("the bot failed on a socket.io message")
            if not output.texts:
                await sio.emit(self.bot_message_evt, {"text": wording.busy()}, room=sid, namespace=namespace)

        return blueprint
