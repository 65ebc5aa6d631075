"""转人工 and complaints: whom to call, and the event a channel acts on to bring in a person."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.models import Hall, Matter
from bot.wording import say


@dataclass
class HandoffMessage:
    text: str
    event: dict


def handoff_message(complaint: bool, hotline: str, matter: Optional[Matter] = None,
                    district_hall: Optional[Hall] = None) -> HandoffMessage:
    """The reply to 转人工 (`complaint` False) or to a complaint or suggestion, about the matter
    being talked about if any."""
    lines = [say("complaint" if complaint else "handoff", hotline=hotline)]
    phone = (matter.complaint_phone if complaint else matter.consult_phone) if matter else None
    if phone:
        lines.append(say("complaint_phone" if complaint else "consult_phone", matter=matter.name, phone=phone))
    if district_hall and district_hall.phone:
        lines.append(say("hall_phone", hall=district_hall.name, phone=district_hall.phone,
                         hours=district_hall.hours or "工作时间"))  # fmt: skip
    code = matter.code if matter else None
    event = {"reason": "complaint" if complaint else "handoff", "matter": code, "hotline": hotline}
    return HandoffMessage("\n".join(lines), event)
