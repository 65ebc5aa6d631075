"""好差评 and the questions the catalogue could not answer: stored, and reported."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select

from bot import db
from bot.models import Handoff, Matter, Rating, UnansweredQuestion

MAX_STORED_TEXT = 2000


def record_rating(conversation: str, channel: Optional[str], matter: Optional[str], satisfied: bool,
                  database_url: Optional[str] = None) -> None:
    with db.session_scope(database_url) as session:
        session.add(Rating(conversation=conversation, channel=channel, matter=matter, satisfied=satisfied))


def record_handoff(conversation: str, channel: Optional[str], reason: str, matter: Optional[str],
                   database_url: Optional[str] = None) -> None:
    """转人工 or a complaint, with the channel it came through (`python -m bot report` counts them)."""
    with db.session_scope(database_url) as session:
        session.add(Handoff(conversation=conversation, channel=channel, reason=reason, matter=matter))


def record_unanswered(conversation: str, channel: Optional[str], text: str, database_url: Optional[str] = None) -> None:
    text = (text or "").strip()
    if not text:
        return
    with db.session_scope(database_url) as session:
        session.add(UnansweredQuestion(conversation=conversation, channel=channel, text=text[:MAX_STORED_TEXT]))


def report_lines(database_url: Optional[str] = None, latest: int = 50) -> list[str]:
    with db.session_scope(database_url) as session:
        rows = session.execute(
            select(Rating.matter, Matter.name, Rating.channel, Rating.satisfied, func.count())
            .outerjoin(Matter, Matter.code == Rating.matter)
            .group_by(Rating.matter, Matter.name, Rating.channel, Rating.satisfied)
        ).all()
        unanswered = session.execute(
            select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(latest)
        ).scalars().all()
        unanswered_total = session.execute(select(func.count()).select_from(UnansweredQuestion)).scalar_one()
        handoffs = session.execute(
            select(Handoff.reason, Handoff.channel, func.count()).group_by(Handoff.reason, Handoff.channel)
        ).all()
    totals: dict[tuple, list[int]] = {}
    for code, name, channel, satisfied, count in rows:
        totals.setdefault((code or "-", name or "-", channel or "-"), [0, 0])[0 if satisfied else 1] += count
    good = sum(t[0] for t in totals.values())
    bad = sum(t[1] for t in totals.values())
    lines = [f"好差评: {good} satisfied, {bad} not satisfied"
             + (f" ({good / (good + bad):.0%} satisfied)" if good + bad else "")]  # fmt: skip
    lines += [f"  {code}  {name}  [{channel}]: {g} satisfied, {b} not"
              for (code, name, channel), (g, b) in sorted(totals.items(), key=lambda i: -sum(i[1]))]  # fmt: skip
    lines.append("handed over: " + (", ".join(f"{reason} [{channel or '-'}] {count}"
                                              for reason, channel, count in sorted(handoffs, key=str)) or "none"))
    lines.append(f"unanswered questions: {unanswered_total} (latest {min(latest, unanswered_total)} below)")
    lines += [f"  {q.created_at:%Y-%m-%d %H:%M}  [{q.channel or '-'}]  {q.text}" for q in unanswered]
    return lines
