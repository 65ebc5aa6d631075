"""转人工 and complaints: whom to call, and the event a channel acts on to bring in a person."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.models import Hall, Matter


@dataclass
class HandoffMessage:
    text: str
    event: dict


def handoff_message(complaint: bool, hotline: str, matter: Optional[Matter] = None,
                    district_hall: Optional[Hall] = None) -> HandoffMessage:
    """The reply to 转人工 (`complaint` False) or to a complaint or suggestion, about the matter
    being talked about if any."""
    lines = []
    if complaint:
        lines.append(f"您的投诉或建议可以拨打{hotline}政务服务便民热线，也可以在大厅服务台填写意见簿。")
        if matter and matter.complaint_phone:
            lines.append(f"“{matter.name}”的监督投诉电话：{matter.complaint_phone}。")
    else:
        lines.append(f"正在为您转接人工客服。如果没有接通，请拨打{hotline}政务服务便民热线。")
        if matter and matter.consult_phone:
            lines.append(f"“{matter.name}”的咨询电话：{matter.consult_phone}。")
    if district_hall and district_hall.phone:
        lines.append(f"{district_hall.name}电话：{district_hall.phone}（{district_hall.hours or '工作时间'}）。")
    code = matter.code if matter else None
    event = {"reason": "complaint" if complaint else "handoff", "matter": code, "hotline": hotline}
    return HandoffMessage("\n".join(lines), event)
