"""WeChat's HTTP API, as much as the channel needs: the access_token, customer-service messages
(客服消息) and the menu. aiohttp, against `WECHAT_API_BASE` (WeChat's, or a stand-in in tests).

The access_token is kept in the database, shared by every instance (a new fetch invalidates the
one before after five minutes), and fetched again before it expires or when WeChat says it is
invalid (40001, 40014, 42001)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Optional

import aiohttp

from bot import db
from bot.models import WeChatToken
from connectors.wechat.settings import WeChatSettings

log = logging.getLogger(__name__)

TOKEN_INVALID = {40001, 40014, 42001}
# Errors that a retry cannot mend: the citizen has not written for 48 hours (45015), the
# OpenID is not the account's (40003), or the account may not send these (48001).
FINAL_ERRORS = {40003, 45015, 45047, 48001}
RENEW_BEFORE = timedelta(minutes=5)
TIMEOUT = aiohttp.ClientTimeout(total=10)


class ApiError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"WeChat API error {code}: {message}")
        self.code, self.message = code, message

    @property
    def final(self) -> bool:
        return self.code in FINAL_ERRORS


class WeChatApi:
    def __init__(self, settings: WeChatSettings, database_url: Optional[str] = None):
        self.settings = settings
        self.database_url = database_url
        self._token_lock = asyncio.Lock()
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    # --- the access_token ----------------------------------------------------------------------------
    async def access_token(self, renew: bool = False) -> str:
        async with self._token_lock:
            if not renew:
                stored = await asyncio.to_thread(self._stored_token)
                if stored:
                    return stored
            return await self._fetch_token()

    def _stored_token(self) -> Optional[str]:
        with db.session_scope(self.database_url) as session:
            row = session.get(WeChatToken, self.settings.app_id)
            if row is not None and row.expires_at - RENEW_BEFORE > datetime.utcnow():
                return row.token
        return None

    async def _fetch_token(self) -> str:
        params = {"grant_type": "client_credential", "appid": self.settings.app_id, "secret": self.settings.app_secret}
        reply = await self._json("GET", "/cgi-bin/token", params=params)
        token, lifetime = reply.get("access_token"), reply.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise ApiError(-1, "no access_token in the reply")
        expires = datetime.utcnow() + timedelta(seconds=lifetime)
        await asyncio.to_thread(self._store_token, token, expires)
        log.info("fetched a WeChat access_token, valid for %d s", lifetime)
        return token

    def _store_token(self, token: str, expires: datetime) -> None:
        with db.session_scope(self.database_url) as session:
            row = session.get(WeChatToken, self.settings.app_id)
            if row is None:
                session.add(WeChatToken(app_id=self.settings.app_id, token=token, expires_at=expires))
            else:
                row.token, row.expires_at = token, expires

    # --- calls ----------------------------------------------------------------------------------------
    async def call(self, path: str, body: dict) -> dict:
        """POST `body` to an API that takes the access_token; once more with a fresh token when
        WeChat says the token is no longer valid. Raises ApiError on WeChat's errors."""
        token = await self.access_token()
        try:
            return await self._json("POST", path, params={"access_token": token}, body=body)
        except ApiError as error:
            if error.code not in TOKEN_INVALID:
                raise
            log.info("WeChat refused the access_token (%d); fetching a new one", error.code)
        token = await self.access_token(renew=True)
        return await self._json("POST", path, params={"access_token": token}, body=body)

    async def send(self, openid: str, message: dict) -> None:
        """One customer-service message (`message`: msgtype and its content)."""
        await self.call("/cgi-bin/message/custom/send", {"touser": openid, **message})

    async def create_menu(self, menu: dict) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def _json(self, method: str, path: str, params: dict, body: Optional[dict] = None) -> dict[str, Any]:
        url = self.settings.api_base + path
        try:
            async with self._http().request(method, url, params=params, json=body) as response:
                if response.status != 200:
                    raise ApiError(-response.status, f"HTTP {response.status}")
                reply = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ApiError(-1, f"{type(error).__name__} calling {path}") from None
        if not isinstance(reply, dict):
            raise ApiError(-1, "the reply is not a JSON object")
        code = reply.get("errcode") or 0
        if code:
            raise ApiError(int(code), str(reply.get("errmsg") or ""))
        return reply


def text_message(text: str) -> dict:
    return {"msgtype": "text", "text": {"content": text}}


def menu_message(head: str, options: list[str], first: int = 1) -> dict:
    """Options the citizen taps (msgmenu); a tap comes back as a text with `bizmsgmenuid`, the
    option's number."""
    items = [{"id": str(number), "content": title} for number, title in enumerate(options, first)]
    return {"msgtype": "msgmenu", "msgmenu": {"head_content": head, "list": items, "tail_content": ""}}
