"""A stand-in for WeChat's API servers on loopback (aiohttp, in a thread of its own): the token
endpoint, customer-service messages and the menu, with the errors WeChat gives."""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.servers import free_port


@dataclass
class StandIn:
    app_id: str
    secret: str
    port: int = field(default_factory=free_port)
    tokens_issued: int = 0
    valid_token: str = ""
    sent: list[dict] = field(default_factory=list)  # customer-service messages taken
    menus: list[dict] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # per openid: errcodes for its next sends
    refused: list[int] = field(default_factory=list)  # errcodes answered so far

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StandIn":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def expire_token(self) -> None:
        """The token WeChat issued is no longer valid (expired, or fetched again elsewhere)."""
        self.valid_token = "expired"

    def sent_to(self, openid: str) -> list[dict]:
        return [message for message in self.sent if message["touser"] == openid]

    def wait_for(self, openid: str, count: int, seconds: float = 30) -> list[dict]:
        """The messages sent to one citizen, once there are `count` (tests share the stand-in, and a
        slow delivery to another citizen may arrive in between)."""
        deadline = time.monotonic() + seconds
        while len(self.sent_to(openid)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.sent_to(openid)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()

        async def main() -> None:
            app = web.Application()
            app.router.add_get("/cgi-bin/token", self._token)
            app.router.add_post("/cgi-bin/message/custom/send", self._send)
            app.router.add_post("/cgi-bin/menu/create", self._menu)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            ready.set()
            await self._stopping.wait()
            await runner.cleanup()

        self._loop.run_until_complete(main())

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.tokens_issued += 1
        self.valid_token = f"token-{self.tokens_issued}"
        return web.json_response({"access_token": self.valid_token, "expires_in": 7200})

    def _check(self, request: web.Request) -> int:
        token = request.query.get("access_token")
        if token != self.valid_token:
            return 42001 if token and token.startswith("token-") else 40001
        return 0

    async def _send(self, request: web.Request) -> web.Response:
        message = await request.json()
        failures = self.failures.get(message.get("touser"), [])
        code = self._check(request) or (failures.pop(0) if failures else 0)
        if code:
            self.refused.append(code)
            return web.json_response({"errcode": code, "errmsg": "refused by the stand-in"})
        self.sent.append(message)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu(self, request: web.Request) -> web.Response:
        code = self._check(request)
        if code:
            return web.json_response({"errcode": code, "errmsg": "refused by the stand-in"})
        self.menus.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})
