"""The embedded provider: the `applications` table in the bot's own database."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from bot import db
from bot.models import Application
from bot.status import ApplicationStatus, StatusEvent, mask_name


class DatabaseStatusProvider:
    def __init__(self, database_url: Optional[str] = None):
        self.database_url = database_url

    async def lookup(self, receipt: str, phone_last4: str) -> Optional[ApplicationStatus]:
        return await asyncio.get_running_loop().run_in_executor(None, self._lookup, receipt, phone_last4)

    def _lookup(self, receipt: str, phone_last4: str) -> Optional[ApplicationStatus]:
        with db.session_scope(self.database_url) as session:
            row = session.execute(select(Application).where(Application.receipt == receipt)).scalar_one_or_none()
            if row is None or row.phone_last4 != phone_last4:
                return None
            return ApplicationStatus(
                receipt=row.receipt,
                matter_name=row.matter_name,
                applicant=mask_name(row.applicant),
                state=row.state,
                history=[StatusEvent(e["at"], e["state"], e.get("note", "")) for e in row.history],
                missing=list(row.missing),
                collect_at=row.collect_at,
            )


DEMO_APPLICATIONS = [
    {
        "receipt": "SL2026110100001", "phone_last4": "1234", "applicant": "张三", "matter_name": "老年人优待证办理",
        "state": "已办结", "collect_at": "东湖街道便民服务中心 社会事务窗口（3-4号），凭身份证领取",
        "history": [("2026-11-01 09:12", "已受理", ""), ("2026-11-01 09:30", "审查中", ""),
                    ("2026-11-01 10:05", "已办结", "证件已制好，可以领取")],
    },
    {
        "receipt": "SL2026110300027", "phone_last4": "5678", "applicant": "李晓红", "matter_name": "居住证首次申领",
        "state": "待补正", "missing": ["租房合同原件（已登记备案）", "近6个月社保缴费记录"],
        "collect_at": "示范区政务服务中心 综合受理窗口（1-8号）",
        "history": [("2026-11-03 14:20", "已受理", ""),
                    ("2026-11-04 10:00", "待补正", "居住登记信息与租房合同地址不一致，请补交已备案的租房合同")],
    },
    {
        "receipt": "SL2026111000315", "phone_last4": "9012", "applicant": "欧阳娜娜", "matter_name": "最低生活保障审核确认",
        "state": "审查中",
        "history": [("2026-11-10 11:00", "已受理", ""), ("2026-11-12 16:30", "审查中", "正在入户调查和经济状况核对")],
    },
    {
        "receipt": "SL2026111500042", "phone_last4": "3456", "applicant": "王强", "matter_name": "个体工商户设立登记",
        "state": "不予受理",
        "history": [("2026-11-15 10:10", "不予受理", "经营场所为住宅且未取得利害关系人同意，不符合登记条件")],
    },
]  # fmt: skip


def seed_demo_applications(database_url: Optional[str] = None) -> int:
    """Loads (or refreshes) the demo applications; returns how many."""
    with db.session_scope(database_url) as session:
        for raw in DEMO_APPLICATIONS:
            row = session.execute(
                select(Application).where(Application.receipt == raw["receipt"])
            ).scalar_one_or_none() or Application(receipt=raw["receipt"])
            row.phone_last4, row.applicant = raw["phone_last4"], raw["applicant"]
            row.matter_name, row.state = raw["matter_name"], raw["state"]
            row.history = [{"at": at, "state": state, "note": note} for at, state, note in raw["history"]]
            row.missing, row.collect_at = raw.get("missing", []), raw.get("collect_at")
            row.updated_at = datetime.utcnow()
            session.add(row)
    return len(DEMO_APPLICATIONS)
