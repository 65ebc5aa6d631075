"""The server's own secret: signs socket.io session ids and keys the hashes under which client
addresses and receipt numbers are counted, so neither is stored in the clear.

`BOT_SECRET` from the environment (set the same value on every instance), else a random one
kept in var/secret (created once, readable by its owner only), so a restart keeps sessions."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from bot import config

SECRET_FILE = config.PROJECT_ROOT / "var" / "secret"


@lru_cache(maxsize=1)
def server_secret() -> bytes:
    configured = os.environ.get("BOT_SECRET", "").strip()
    if configured:
        return configured.encode()
    if not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return SECRET_FILE.read_text().strip().encode()


def keyed_digest(purpose: str, value: str, length: int = 32) -> str:
    """A stable pseudonym of `value` that cannot be reversed or recomputed without the secret."""
    digest = hmac.new(server_secret(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:length]


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets or signatures."""
    return hmac.compare_digest(a.encode(), b.encode())
