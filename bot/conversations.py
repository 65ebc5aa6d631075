"""What the bot keeps of a citizen's conversation, and how it goes (docs/security.md):
`purge` removes one conversation everywhere, `prune` what is older than the retention period.

Conversations live in Rasa's tracker store (its `events` table) and, in the production layout,
in the event broker's log too (`BOT_EVENT_LOG_URL`, an `events` table of its own, masked);
ratings, unanswered questions and status lock-out counts in the bot's own database. Queries use
bound parameters only."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Optional, Union

from sqlalchemy import create_engine, delete, inspect, text, update

from bot import config, db
from bot.models import Handoff, Rating, StatusFailure, UnansweredQuestion, WeChatOutbox
from bot.secret import keyed_digest

ANONYMOUS = "-"
WECHAT_PREFIX = "wechat:"  # the WeChat channel's conversations: wechat:<OpenID>


def purge(sender_id: str, tracker_url: Optional[str] = None, database_url: Optional[str] = None) -> dict[str, int]:
    """Remove one conversation: its events, ratings, unanswered questions, handoffs, lock-out
    counts, and (for WeChat's `wechat:<OpenID>`) the messages still to deliver to it."""
    removed = {"events": _tracker_delete("DELETE FROM events WHERE sender_id = :value", sender_id, tracker_url)}
    if config.event_log_url():
        removed["event log"] = _tracker_delete("DELETE FROM events WHERE sender_id = :value", sender_id,
                                               config.event_log_url())  # fmt: skip
    with db.session_scope(database_url) as session:
        removed["ratings"] = session.execute(delete(Rating).where(Rating.conversation == sender_id)).rowcount
        removed["unanswered questions"] = session.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.conversation == sender_id)
        ).rowcount
        removed["handoffs"] = session.execute(delete(Handoff).where(Handoff.conversation == sender_id)).rowcount
        if sender_id.startswith(WECHAT_PREFIX):
            removed["WeChat messages to deliver"] = session.execute(
                delete(WeChatOutbox).where(WeChatOutbox.openid == sender_id[len(WECHAT_PREFIX):])
            ).rowcount
        removed["status failures"] = session.execute(
            delete(StatusFailure).where(StatusFailure.scope == "conversation",
                                        StatusFailure.key == keyed_digest("lockout-conversation", sender_id))
        ).rowcount  # fmt: skip
    return removed


def prune(days: Optional[int] = None, tracker_url: Optional[str] = None, database_url: Optional[str] = None,
          now: Optional[float] = None) -> dict[str, int]:
    """Remove conversation events, unanswered questions and undelivered WeChat messages older
    than `days` (the retention period by default); ratings and handoffs stay for the
    statistics, without their conversation."""
    days = config.retention_days() if days is None else days
    now = time.time() if now is None else now
    cutoff = datetime.utcfromtimestamp(now) - timedelta(days=days)
    removed = {"events": _tracker_delete("DELETE FROM events WHERE timestamp < :value", now - days * 86400, tracker_url)}
    if config.event_log_url():  # its rows keep the time inside their JSON only
        removed["event log"] = _tracker_delete(
            {"sqlite": "DELETE FROM events WHERE json_extract(data, '$.timestamp') < :value",
             "postgresql": "DELETE FROM events WHERE CAST(CAST(data AS json)->>'timestamp' AS float) < :value"},
            now - days * 86400, config.event_log_url())  # fmt: skip
    with db.session_scope(database_url) as session:
        removed["unanswered questions"] = session.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff)
        ).rowcount
        for table, name in ((Rating, "ratings"), (Handoff, "handoffs")):
            removed[f"{name} made anonymous"] = session.execute(
                update(table).where(table.created_at < cutoff, table.conversation != ANONYMOUS)
                .values(conversation=ANONYMOUS)
            ).rowcount
        removed["undeliverable WeChat messages"] = session.execute(
            delete(WeChatOutbox).where(WeChatOutbox.created_at < cutoff)
        ).rowcount
    return removed


def _tracker_delete(statement: Union[str, dict[str, str]], value: object, tracker_url: Optional[str]) -> int:
    """`statement` run on the `events` table of that database; a dict gives one per dialect."""
    engine = create_engine(tracker_url or config.tracker_database_url(), future=True)
    try:
        if not inspect(engine).has_table("events"):
            return 0  # no conversation yet
        if isinstance(statement, dict):
            statement = statement[engine.dialect.name]
        with engine.begin() as connection:
            return connection.execute(text(statement), {"value": value}).rowcount
    finally:
        engine.dispose()
