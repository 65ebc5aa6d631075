"""Five failed status lookups in one conversation within 15 minutes lock further tries for 15
minutes, so that receipt numbers and phone digits cannot be guessed. Kept in the database: a
restart does not unlock."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select

from bot import db
from bot.models import StatusAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def locked_until(conversation: str, now: Optional[datetime] = None, database_url: Optional[str] = None) -> Optional[datetime]:
    """When the lock on this conversation ends, or None when it may try."""
    now = now or datetime.utcnow()
    with db.session_scope(database_url) as session:
        times = session.execute(
            select(StatusAttempt.at)
            .where(StatusAttempt.conversation == conversation, StatusAttempt.at > now - WINDOW - LOCK)
            .order_by(StatusAttempt.at)
        ).scalars().all()
    until = None
    for i in range(MAX_FAILURES - 1, len(times)):
        if times[i] - times[i - MAX_FAILURES + 1] <= WINDOW:
            until = times[i] + LOCK
    return until if until and until > now else None


def record_failure(conversation: str, now: Optional[datetime] = None, database_url: Optional[str] = None) -> None:
    now = now or datetime.utcnow()
    with db.session_scope(database_url) as session:
        session.add(StatusAttempt(conversation=conversation, at=now))
        # Old failures are no use to anyone.
        session.execute(delete(StatusAttempt).where(StatusAttempt.at < now - WINDOW - LOCK))
