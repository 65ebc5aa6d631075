"""A stand-in for a status platform's HTTP API on loopback (aiohttp, in a thread of its own),
for the servers started in end-to-end tests: `applications` by receipt, with their digits."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from aiohttp import web

from tests.servers import free_port


@dataclass
class StatusPlatform:
    applications: dict[str, dict] = field(default_factory=dict)  # receipt -> the answer, with "phone_last4"
    # A real platform does more for a number it knows (it reads the application, compares the
    # digits) than for one it does not: that costs this much longer.
    known_extra_seconds: float = 0.0
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> "StatusPlatform":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()

        async def main() -> None:
            app = web.Application()
            app.router.add_post("/api/applications/lookup", self._lookup)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            ready.set()
            await self._stopping.wait()
            await runner.cleanup()

        self._loop.run_until_complete(main())

    async def _lookup(self, request: web.Request) -> web.Response:
        asked = await request.json()
        application = self.applications.get(asked.get("receipt"))
        if application is None:
            return web.json_response({"error": "not_found"}, status=404)
        await asyncio.sleep(self.known_extra_seconds)
        if application["phone_last4"] != asked.get("phone_last4"):
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response({k: v for k, v in application.items() if k != "phone_last4"})
