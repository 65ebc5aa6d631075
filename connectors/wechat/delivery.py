"""Customer-service messages (客服消息): the answers too slow for the passive reply, the rest of
a long answer, and what failed before. Each is written to the outbox first and removed once
WeChat took it, so none is lost silently: a failed one is retried with growing pauses, and one
that cannot be delivered (the citizen has not written for 48 hours: 45015) is kept, logged and
listed by `python -m bot wechat outbox`. Messages to one citizen go in order."""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Optional

from bot import wording
from connectors.wechat import store
from connectors.wechat.api import ApiError, WeChatApi, menu_message, text_message
from connectors.wechat.settings import WeChatSettings

log = logging.getLogger(__name__)

RETRY_EVERY_SECONDS = float(os.environ.get("WECHAT_RETRY_SECONDS") or 15)
AFTER_PASSIVE_SECONDS = 0.3  # the rest of an answer follows its passive reply, not before it


class Courier:
    def __init__(self, settings: WeChatSettings, database_url: Optional[str] = None):
        self.api = WeChatApi(settings, database_url)
        self.database_url = database_url
        self._lock = asyncio.Lock()
        self._retries: Optional[asyncio.Task] = None
        self._pending: set[asyncio.Task] = set()  # held, so that no send is collected unfinished

    def start(self) -> None:
        """The retry loop, on the running event loop (the first message starts it)."""
        if self._retries is None or self._retries.done():
            self._retries = asyncio.ensure_future(self._retry_forever())

    def later(self, openid: str, parts: list[str], menu: Optional[list[str]] = None) -> None:
        """Send `parts` (and `menu`, options to tap) as customer-service messages, in order."""
        bodies = [text_message(part) for part in parts]
        if menu:
            bodies.append(menu_message(wording.say("reply_with_number", "wechat"), menu))
        if bodies:
            task = asyncio.ensure_future(self._send(openid, bodies))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _send(self, openid: str, bodies: list[dict]) -> None:
        await asyncio.to_thread(store.enqueue, openid, bodies, self.database_url)
        await asyncio.sleep(AFTER_PASSIVE_SECONDS)
        await self.drain()

    async def drain(self) -> int:
        """Send what is due; returns how many were delivered."""
        async with self._lock:
            sent, blocked = 0, set()
            for row_id, openid, body in await asyncio.to_thread(store.due, self.database_url):
                if openid in blocked or not await asyncio.to_thread(store.take, row_id, self.database_url):
                    continue  # an earlier message to them failed, or another instance has it
                try:
                    await self.api.send(openid, body)
                except ApiError as error:
                    await asyncio.to_thread(store.not_delivered, row_id, str(error), error.final, self.database_url)
                    blocked.add(openid)
                    continue
                await asyncio.to_thread(store.delivered, row_id, self.database_url)
                sent += 1
            return sent

    async def _retry_forever(self) -> None:
        while True:
            await asyncio.sleep(RETRY_EVERY_SECONDS)
            try:
                await self.drain()
                await asyncio.to_thread(store.forget_old_messages, self.database_url)
            except Exception:  # noqa: BLE001 - the loop must outlive a bad moment of the database
                log.exception("the WeChat outbox could not be sent")
