"""转人工 and complaints: whom to call, and the event a channel acts on to bring in a person."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from bot import config, db, guide
from bot.models import Hall


@dataclass
class HandoffMessage:
    text: str
    event: dict


def handoff_message(complaint: bool, matter: Optional[str] = None, database_url: Optional[str] = None) -> HandoffMessage:
    hotline = config.hotline()
    found = guide.get_matter(matter, database_url) if matter else None
    lines = []
    if complaint:
        lines.append(f"您的投诉或建议可以拨打{hotline}政务服务便民热线，也可以在大厅服务台填写意见簿。")
        if found and found.complaint_phone:
            lines.append(f"“{found.name}”的监督投诉电话：{found.complaint_phone}。")
    else:
        lines.append(f"正在为您转接人工客服。如果没有接通，请拨打{hotline}政务服务便民热线。")
        if found and found.consult_phone:
            lines.append(f"“{found.name}”的咨询电话：{found.consult_phone}。")
    with db.session_scope(database_url) as session:
        main = session.execute(select(Hall).where(Hall.level == "区").order_by(Hall.code)).scalars().first()
    if main and main.phone:
        lines.append(f"{main.name}电话：{main.phone}（{main.hours or '工作时间'}）。")
    event = {"reason": "complaint" if complaint else "handoff", "matter": matter, "hotline": hotline}
    return HandoffMessage("\n".join(lines), event)
