"""What the WeChat channel keeps in the database, so that it holds across restarts and across
several instances: the messages already taken (a retry of one gets no second bot turn), and the
customer-service messages still to deliver."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot import db
from bot.models import WeChatMessage, WeChatOutbox, WeChatSignature
from bot.secret import keyed_digest

log = logging.getLogger(__name__)

KEEP_MESSAGES = timedelta(minutes=15)  # WeChat retries within 15 s; this is plenty
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=30)
SENDING_FOR = timedelta(minutes=2)


def message_key(fields: dict) -> str:
    """A message by its sender and MsgId (MsgIds are WeChat's, but anyone may send one: a
    reply kept for one citizen must never answer another); an event, which has no MsgId, by its
    sender and time."""
    sender, msg_id = fields.get("FromUserName"), fields.get("MsgId")
    if isinstance(msg_id, str) and msg_id:
        return keyed_digest("wechat-message", f"msg:{sender}:{msg_id}", 32)
    return keyed_digest("wechat-message", f"event:{sender}:{fields.get('CreateTime')}", 32)


def first_use_of_signature(timestamp: str, nonce: str, message: str, database_url: Optional[str] = None) -> bool:
    """False when (timestamp, nonce) signed another message before, on any instance: a signature
    copied onto a message of the copier's. The same message again (`message_key`) is WeChat's
    retry, however it is sealed, and its own key answers it."""
    key = keyed_digest("wechat-signature", f"{timestamp}:{nonce}", 32)
    try:
        with db.session_scope(database_url) as session:
            session.add(WeChatSignature(key=key, message=message))
    except IntegrityError:
        with db.session_scope(database_url) as session:
            row = session.get(WeChatSignature, key)
            return row is None or row.message == message
    return True


def claim(key: str, database_url: Optional[str] = None) -> bool:
    """True for the first delivery of a message, False for a retry (on any instance)."""
    try:
        with db.session_scope(database_url) as session:
            session.add(WeChatMessage(key=key))
    except IntegrityError:
        return False
    return True


def forget_old_messages(database_url: Optional[str] = None) -> None:
    """Messages and signatures past any retry (the courier's loop calls it, not each message)."""
    with db.session_scope(database_url) as session:
        session.execute(delete(WeChatMessage).where(WeChatMessage.received_at < datetime.utcnow() - KEEP_MESSAGES))
        session.execute(delete(WeChatSignature).where(WeChatSignature.received_at < datetime.utcnow() - KEEP_MESSAGES))


def remember_reply(key: str, reply: str, database_url: Optional[str] = None) -> None:
    with db.session_scope(database_url) as session:
        row = session.get(WeChatMessage, key)
        if row is not None:
            row.reply = reply


def earlier_reply(key: str, database_url: Optional[str] = None) -> Optional[str]:
    with db.session_scope(database_url) as session:
        row = session.get(WeChatMessage, key)
        return row.reply if row is not None else None


# --- customer-service messages to deliver ----------------------------------------------------------
def enqueue(openid: str, bodies: list[dict], database_url: Optional[str] = None) -> list[int]:
    with db.session_scope(database_url) as session:
        rows = [WeChatOutbox(openid=openid, body=body) for body in bodies]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def due(database_url: Optional[str] = None, limit: int = 100) -> list[tuple[int, str, dict]]:
    """Pending messages whose time has come, oldest first: (id, openid, body)."""
    with db.session_scope(database_url) as session:
        rows = session.execute(
            select(WeChatOutbox.id, WeChatOutbox.openid, WeChatOutbox.body)
            .where(WeChatOutbox.state == "pending", WeChatOutbox.next_try_at <= datetime.utcnow())
            .order_by(WeChatOutbox.id).limit(limit)
        ).all()
    return [tuple(row) for row in rows]


def take(row_id: int, database_url: Optional[str] = None) -> bool:
    """Claim a due message for one sending: its next try is put off, so that no other instance
    sends it meanwhile (and an instance that dies while sending leaves it to be tried again)."""
    now = datetime.utcnow()
    with db.session_scope(database_url) as session:
        taken = session.execute(
            update(WeChatOutbox)
            .where(WeChatOutbox.id == row_id, WeChatOutbox.state == "pending", WeChatOutbox.next_try_at <= now)
            .values(next_try_at=now + SENDING_FOR)
        )
        return taken.rowcount == 1


def delivered(row_id: int, database_url: Optional[str] = None) -> None:
    with db.session_scope(database_url) as session:
        session.execute(delete(WeChatOutbox).where(WeChatOutbox.id == row_id))


def not_delivered(row_id: int, error: str, final: bool, database_url: Optional[str] = None) -> None:
    """A failed try: retried later, or (`final`, or too many tries) kept as failed for
    `python -m bot wechat outbox`."""
    with db.session_scope(database_url) as session:
        row = session.get(WeChatOutbox, row_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:500]
        row.next_try_at = datetime.utcnow() + RETRY_AFTER * row.attempts
        if final or row.attempts >= MAX_ATTEMPTS:
            row.state = "failed"
            log.error("a WeChat customer-service message could not be delivered (%s); kept as outbox #%d", error, row_id)
        if final:  # WeChat takes nothing more for this citizen now (45015): the rest waits with it, in order
            session.execute(update(WeChatOutbox).where(WeChatOutbox.openid == row.openid, WeChatOutbox.state == "pending")
                            .values(state="failed", last_error=f"after outbox #{row_id}: {error}"[:500]))  # fmt: skip
        else:
            log.warning("a WeChat customer-service message failed (%s); outbox #%d is retried", error, row_id)


def outbox(database_url: Optional[str] = None) -> list[WeChatOutbox]:
    with db.session_scope(database_url) as session:
        return list(session.execute(select(WeChatOutbox).order_by(WeChatOutbox.id)).scalars())


def retry_failed(database_url: Optional[str] = None) -> int:
    """Failed messages back to pending, to be tried again now."""
    with db.session_scope(database_url) as session:
        rows = list(session.execute(select(WeChatOutbox).where(WeChatOutbox.state == "failed")).scalars())
        for row in rows:
            row.state, row.attempts, row.next_try_at = "pending", 0, datetime.utcnow()
        return len(rows)
