"""What every channel does with a message before the bot reads it: rate limits per sender and
per client address (shared by all servers through Redis when `BOT_REDIS_URL` is set), the checks of `bot.inbound`, and the metadata the actions may trust (a
pseudonym of the client address, never the address itself; when the message came in)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Optional

from bot import config, wording
from bot.inbound import check_message
from bot.limits import Rate, rate_limiter
from bot.secret import keyed_digest

log = logging.getLogger(__name__)

OK, TOO_MANY = 200, 429


@dataclass
class Admission:
    text: str  # what the bot reads
    refusal: Optional[str] = None  # the reply instead, when refused
    status: int = OK  # the HTTP status a refusal goes with
    metadata: dict = field(default_factory=dict)


class Edge:
    def __init__(self) -> None:
        rates = config.rate_limits()
        self.per_sender = rate_limiter(Rate.parse(rates["sender"]), "sender", config.redis_url())
        self.per_client = rate_limiter(Rate.parse(rates["client"]), "client", config.redis_url())

    def admit(self, channel: str, sender: str, address: str, raw: object) -> Admission:
        client = client_pseudonym(address)
        if not self.per_client.allow(client) or not self.per_sender.allow(f"{channel}:{sender}"):
            log.info("rate limited on %s (client %s)", channel, client[:8])
            return Admission("", wording.too_fast(), TOO_MANY)
        inbound = check_message(raw)
        if inbound.refusal:
            return Admission("", inbound.refusal)
        # `received`: when the message came in, before the bot read it (the status lookup
        # answers at a deadline counted from it).
        return Admission(inbound.text, metadata={"client": client, "received": round(time.time(), 3)})

    def admit_connection(self, address: str) -> bool:
        """A new socket counts against its address's limit like a message, so that a flood of
        connections (each holding memory) is refused too."""
        return self.per_client.allow(client_pseudonym(address))


def client_pseudonym(address: str) -> str:
    return keyed_digest("client", address or "unknown", 16)


def request_address(request) -> str:  # noqa: ANN001
    """The client's address: the proxy's forwarded one where Sanic is told to trust it
    (SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER), else the peer's."""
    return request.remote_addr or request.ip or ""
