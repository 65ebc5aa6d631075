"""Configuration from the environment, read in one place."""
from __future__ import annotations

import logging
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "daoban.db"
DEFAULT_CATALOGUE = PROJECT_ROOT / "knowledge"


log = logging.getLogger(__name__)


def database_url() -> str:
    """`BOT_DATABASE_URL`, else an SQLite file under var/ (its folder is created on first use)."""
    url = os.environ.get("BOT_DATABASE_URL", "").strip()
    if url:
        return url
    DEFAULT_DATABASE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"


def hotline() -> str:
    """The consult hotline for whatever the catalogue cannot answer."""
    return os.environ.get("BOT_HOTLINE", "12345").strip() or "12345"


def status_provider_settings() -> dict:
    """Which status provider answers 办件进度: `database` (the embedded default) or `http`."""
    return {
        "kind": os.environ.get("BOT_STATUS_PROVIDER", "database").strip() or "database",
        "url": os.environ.get("BOT_STATUS_URL", "").strip(),
        "timeout": float(os.environ.get("BOT_STATUS_TIMEOUT", "3") or 3),
        "token": os.environ.get("BOT_STATUS_TOKEN", "").strip() or None,
    }


def public_url() -> str:
    """The address citizens reach the bot at (`BOT_PUBLIC_URL`), without a trailing slash: guide
    links and QR codes point there. Unset: localhost on `RASA_PORT`, for a machine of one's own."""
    public = os.environ.get("BOT_PUBLIC_URL", "").strip().rstrip("/")
    return public or f"http://localhost:{os.environ.get('RASA_PORT', '5005').strip() or '5005'}"


def kiosk_idle_seconds() -> tuple[int, int]:
    """Seconds without a touch before the hall kiosk warns, and before it starts afresh
    (`KIOSK_IDLE_WARN_SECONDS`, `KIOSK_IDLE_RESET_SECONDS`; 90 and 120)."""
    reset = max(10, _whole_number("KIOSK_IDLE_RESET_SECONDS", 120))
    # The warning always comes before the reset, with time left to read it and touch.
    return max(1, min(_whole_number("KIOSK_IDLE_WARN_SECONDS", 90), reset - max(3, reset // 4))), reset


def _whole_number(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "").strip() or default)
    except ValueError:
        log.warning("%s is not a whole number of seconds; %d is used", name, default)
        return default


def allowed_origins() -> list[str]:
    """Web origins that may call the bot from a browser: `BOT_ALLOWED_ORIGINS` (comma
    separated), plus the bot's own (`BOT_PUBLIC_URL`, else localhost on `RASA_PORT`)."""
    configured = [o.strip().rstrip("/") for o in os.environ.get("BOT_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    public = os.environ.get("BOT_PUBLIC_URL", "").strip()
    if public:
        own = ["/".join(public.split("/")[:3])]  # scheme://host[:port]
    else:
        port = os.environ.get("RASA_PORT", "5005").strip() or "5005"
        own = [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    return list(dict.fromkeys(own + configured))


def rate_limits() -> dict[str, str]:
    """Messages allowed per sender and per client address, as COUNT/SECONDS[/BURST]."""
    return {
        "sender": os.environ.get("BOT_RATE_PER_SENDER", "").strip() or "20/60/10",
        "client": os.environ.get("BOT_RATE_PER_CLIENT", "").strip() or "300/60/60",
    }


def event_log_url() -> str:
    """The event broker's database (the production layout's event log) as an SQLAlchemy URL:
    `BOT_EVENT_LOG_URL`; empty when there is none."""
    return os.environ.get("BOT_EVENT_LOG_URL", "").strip()


def redis_url() -> str:
    """Where servers sharing the citizens keep shared state (the rate limits), e.g.
    redis://:password@127.0.0.1:6379/2; empty: each process keeps its own."""
    return os.environ.get("BOT_REDIS_URL", "").strip()


def max_body_bytes() -> int:
    """The largest request body a channel accepts; larger ones are refused before parsing."""
    return int(os.environ.get("BOT_MAX_BODY_BYTES", "") or 64 * 1024)


def request_timeout() -> float:
    """Seconds a client has to send a whole request."""
    return float(os.environ.get("BOT_REQUEST_TIMEOUT", "") or 15)


def tracker_database_url() -> str:
    """The conversations' database (Rasa's tracker store) as an SQLAlchemy URL: `BOT_TRACKER_URL`,
    else the SQLite file `TRACKER_DB` (var/tracker.db) that scripts/run-bot gives Rasa."""
    url = os.environ.get("BOT_TRACKER_URL", "").strip()
    if url:
        return url
    path = Path(os.environ.get("TRACKER_DB", "").strip() or "var/tracker.db")
    return f"sqlite:///{path if path.is_absolute() else PROJECT_ROOT / path}"


def retention_days() -> int:
    """How long conversations, unanswered questions and the conversation of a rating are kept."""
    return int(os.environ.get("BOT_RETENTION_DAYS", "") or 90)
