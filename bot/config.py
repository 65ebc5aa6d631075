"""Configuration from the environment, read in one place."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "daoban.db"
DEFAULT_CATALOGUE = PROJECT_ROOT / "knowledge"


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
