"""A platform's status API over HTTP (aiohttp, with timeouts).

POST {base}/applications/lookup  {"receipt": "...", "phone_last4": "1234"}
  200 {"receipt", "matter_name", "applicant", "state", "history": [{"at", "state", "note"}],
       "missing": [...], "collect_at"}
  404 {"error": "not_found"}: no such application, or the digits do not match.
Any other answer (a 404 without that body, as a wrong path gives; 5xx; a malformed body; no
answer within the timeout) is the platform's failure: the citizen is told to try later, and it
does not count as their failed try. The phone digits travel in the body, not the URL, so they
stay out of access logs; nothing the platform sends is logged (it may hold names and numbers)."""
from __future__ import annotations

import asyncio
from typing import Optional

import aiohttp

from bot.status import STATES, ApplicationStatus, ProviderUnavailable, StatusEvent, mask_name


class HttpStatusProvider:
    def __init__(self, base_url: str, timeout_seconds: float = 3.0, token: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def lookup(self, receipt: str, phone_last4: str) -> Optional[ApplicationStatus]:
        url = f"{self.base_url}/applications/lookup"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout, headers=self.headers) as session:
                async with session.post(url, json={"receipt": receipt, "phone_last4": phone_last4}) as response:
                    body = await response.json(content_type=None) if response.status in (200, 404) else None
                    if response.status == 404 and isinstance(body, dict) and body.get("error") == "not_found":
                        return None
                    if response.status != 200:
                        raise ProviderUnavailable(f"{url} answered {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ProviderUnavailable(f"{url}: {error!r}") from error
        return _status(body, receipt)


def _status(body: object, receipt: str) -> ApplicationStatus:
    """The platform's answer, checked: a malformed one is the platform's fault, not the citizen's."""
    if not isinstance(body, dict) or body.get("state") not in STATES:
        raise ProviderUnavailable(f"malformed status answer (a {type(body).__name__} without a known state)")
    try:
        history = [StatusEvent(str(e["at"]), str(e["state"]), str(e.get("note") or "")) for e in body.get("history") or []]
        return ApplicationStatus(
            receipt=str(body.get("receipt") or receipt),
            matter_name=str(body.get("matter_name") or ""),
            applicant=mask_name(str(body.get("applicant") or "")),
            state=body["state"],
            history=history,
            missing=[str(m) for m in body.get("missing") or []],
            collect_at=body.get("collect_at") or None,
        )
    except (KeyError, TypeError) as error:
        raise ProviderUnavailable(f"malformed status answer ({type(error).__name__})") from error
