"""Five failed status lookups within 15 minutes lock further tries for 15 minutes, counted
separately for the conversation, the receipt number and the client address: a new conversation
per guess, or many receipt numbers from one address, gain an attacker nothing. Kept in the
database (a restart does not unlock), under keyed digests (no receipt or address in the clear)."""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Mapping, Optional

from sqlalchemy import delete, select

from bot import db
from bot.models import StatusFailure
from bot.secret import keyed_digest

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
SCOPES = ("conversation", "receipt", "client")


def max_failures() -> int:
    return int(os.environ.get("BOT_STATUS_MAX_FAILURES", "") or 5)


def _keys(subjects: Mapping[str, Optional[str]]) -> list[tuple[str, str]]:
    """(scope, digest) for each subject that is known: {"receipt": "SL…", "client": None}."""
    unknown = set(subjects) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown lock-out scope: {sorted(unknown)}")
    return [(scope, keyed_digest("lockout-" + scope, value)) for scope, value in subjects.items() if value]


def locked_until(subjects: Mapping[str, Optional[str]], now: Optional[datetime] = None,
                 database_url: Optional[str] = None) -> Optional[datetime]:
    """When the last lock on any of these subjects ends, or None when they may try."""
    now = now or datetime.utcnow()
    limit = max_failures()
    until = None
    with db.session_scope(database_url) as session:
        for scope, key in _keys(subjects):
            times = session.execute(
                select(StatusFailure.at)
                .where(StatusFailure.scope == scope, StatusFailure.key == key, StatusFailure.at > now - WINDOW - LOCK)
                .order_by(StatusFailure.at)
            ).scalars().all()
            for i in range(limit - 1, len(times)):
                if times[i] - times[i - limit + 1] <= WINDOW:
                    until = max(until, times[i] + LOCK) if until else times[i] + LOCK
    return until if until and until > now else None


def record_failure(subjects: Mapping[str, Optional[str]], now: Optional[datetime] = None,
                   database_url: Optional[str] = None) -> list[int]:
    """Count a failure for each subject; returns the rows, so that a try counted before its
    outcome is known can be forgotten when it succeeds."""
    now = now or datetime.utcnow()
    with db.session_scope(database_url) as session:
        rows = [StatusFailure(scope=scope, key=key, at=now) for scope, key in _keys(subjects)]
        session.add_all(rows)
        # Old failures are no use to anyone.
        session.execute(delete(StatusFailure).where(StatusFailure.at < now - WINDOW - LOCK))
        session.flush()
        return [row.id for row in rows]


def forget(failures: list[int], database_url: Optional[str] = None) -> None:
    with db.session_scope(database_url) as session:
        session.execute(delete(StatusFailure).where(StatusFailure.id.in_(failures)))
