"""Purging one conversation and pruning old ones, in both databases (docs/security.md)."""
from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import conversations, db, feedback
from bot.cli import main
from bot.models import Handoff, Rating, StatusFailure, UnansweredQuestion, WeChatOutbox
from bot.status import lockout
from connectors.wechat import store

DAY = 86400


def tracker_db(folder, rows) -> str:
    path = folder / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (id integer primary key, sender_id text, type_name text, "
                           "timestamp real, intent_name text, action_name text, data text)")  # fmt: skip
        connection.executemany("insert into events (sender_id, type_name, timestamp, data) values (?, 'user', ?, '{}')",
                               rows)  # fmt: skip
    return f"sqlite:///{path}"


def senders(url: str) -> list[str]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return sorted({row[0] for row in connection.execute("select sender_id from events")})


def test_purge_removes_one_conversation_everywhere(database_url, tmp_path, monkeypatch):
    url = tracker_db(tmp_path, [("wechat:o-a", time.time()), ("wechat:o-a", time.time()), ("b", time.time())])
    monkeypatch.setenv("BOT_TRACKER_URL", url)
    for who in ("wechat:o-a", "b"):
        feedback.record_rating(who, "wechat", "MZ-001", True)
        feedback.record_unanswered(who, "wechat", "游艇驾照怎么考")
        feedback.record_handoff(who, "wechat", "handoff", None)
        lockout.record_failure({"conversation": who})
        store.enqueue(who.removeprefix("wechat:"), [{"msgtype": "text", "text": {"content": "答复"}}])
    assert main(["conversations", "purge", "wechat:o-a"]) == 0
    assert senders(url) == ["b"]
    with db.session_scope() as session:
        assert session.execute(select(Rating.conversation)).scalars().all() == ["b"]
        assert session.execute(select(UnansweredQuestion.conversation)).scalars().all() == ["b"]
        assert session.execute(select(Handoff.conversation)).scalars().all() == ["b"]
        assert session.execute(select(WeChatOutbox.openid)).scalars().all() == ["b"]
        assert len(session.execute(select(StatusFailure)).scalars().all()) == 1
    assert lockout.locked_until({"conversation": "wechat:o-a"}) is None


def test_prune_keeps_what_is_recent(database_url, tmp_path):
    now = time.time()
    url = tracker_db(tmp_path, [("old", now - 100 * DAY), ("new", now - 5 * DAY)])
    feedback.record_rating("old", "rest", "MZ-001", False)
    with db.session_scope() as session:
        session.add(UnansweredQuestion(conversation="old", text="老问题", created_at=datetime.utcnow() - timedelta(days=100)))
        session.add(UnansweredQuestion(conversation="new", text="新问题"))
        for rating in session.execute(select(Rating)).scalars():
            rating.created_at = datetime.utcnow() - timedelta(days=100)
    removed = conversations.prune(90, tracker_url=url, now=now)
    assert removed == {"events": 1, "unanswered questions": 1, "ratings made anonymous": 1, "handoffs made anonymous": 0,
                       "undeliverable WeChat messages": 0}
    assert senders(url) == ["new"]
    with db.session_scope() as session:
        assert session.execute(select(Rating.conversation, Rating.satisfied)).all() == [("-", False)]


def test_no_conversations_yet(database_url, tmp_path):
    assert conversations.prune(90, tracker_url=f"sqlite:///{tmp_path / 'none.db'}")["events"] == 0


def event_log(folder, events: list[dict]) -> str:
    """The production layout's event log: Rasa's SQL event broker table, filled by ours."""
    from connectors.tracker_store import MaskingSQLEventBroker

    broker = MaskingSQLEventBroker(dialect="sqlite", db=str(folder / "events.db"))
    for event in events:
        broker.publish(event)
    return f"sqlite:///{folder / 'events.db'}"


def logged(url: str) -> list[tuple[str, str]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return list(connection.execute("select sender_id, data from events order by id"))


def test_the_event_log_keeps_no_personal_numbers(tmp_path):
    url = event_log(tmp_path, [
        {"sender_id": "a", "event": "user", "timestamp": 1.0, "text": "查询 SL2026110300027",
         "parse_data": {"text": "查询 SL2026110300027", "vector": [0.1] * 4, "dense": [0.2]}},
        {"sender_id": "a", "event": "slot", "timestamp": 2.0, "name": "receipt_number", "value": "SL2026110300027"},
        {"sender_id": "a", "event": "user", "timestamp": 3.0, "text": "5678"},
        {"sender_id": "a", "event": "slot", "timestamp": 4.0, "name": "phone_last4", "value": "5678"},
        {"sender_id": "a", "event": "bot", "timestamp": 5.0, "text": "您的身份证 110101199003077777，手机 13812345678"},
        {"sender_id": "a", "event": "user", "timestamp": 6.0, "text": "老年证要带什么"},
    ])  # fmt: skip
    stored = " ".join(json.dumps(json.loads(data), ensure_ascii=False) for _sender, data in logged(url))
    for secret in ("2026110300027", "5678", "110101199003077777", "1234"):
        assert secret not in stored
    assert "老年证要带什么" in stored and "SL" in stored  # the rest is kept for the analytics


def test_purge_and_prune_reach_the_event_log(database_url, tmp_path, monkeypatch):
    now = time.time()
    tracker = tracker_db(tmp_path, [("old", now - 100 * DAY), ("new", now - 5 * DAY)])
    log = event_log(tmp_path, [{"sender_id": sender, "event": "user", "timestamp": stamp, "text": "你好"}
                               for sender, stamp in (("old", now - 100 * DAY), ("new", now - 5 * DAY), ("gone", now))])  # fmt: skip
    monkeypatch.setenv("BOT_TRACKER_URL", tracker)
    monkeypatch.setenv("BOT_EVENT_LOG_URL", log)
    assert conversations.purge("gone")["event log"] == 1
    assert conversations.prune(90, now=now)["event log"] == 1
    assert [sender for sender, _data in logged(log)] == ["new"]
