"""The status lookup as the bot runs it: lock-out, the configured provider, and the answer."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from functools import lru_cache
from typing import Optional

from bot import config, wording
from bot.answers import Answer
from bot.privacy import mask_identity
from bot.status import ApplicationStatus, ProviderUnavailable, StatusProvider, lockout
from bot.status.database import DatabaseStatusProvider
from bot.status.http import HttpStatusProvider

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def configured_provider() -> StatusProvider:
    """The provider the environment names, built once: its settings do not change while running."""
    settings = config.status_provider_settings()
    if settings["kind"] == "http":
        if not settings["url"]:
            raise ValueError("BOT_STATUS_PROVIDER=http needs BOT_STATUS_URL")
        return HttpStatusProvider(settings["url"], settings["timeout"], settings["token"])
    return DatabaseStatusProvider()


MAX_TURN_SECONDS = 10  # a message's time further back than this is not the time of this turn


def min_lookup_seconds() -> float:
    """Every lookup is answered this long after its message came in, whatever its outcome, so
    that its timing tells nothing (an unknown number and wrong digits cost the platform and the
    lock-out's bookkeeping different work)."""
    return float(os.environ.get("BOT_STATUS_MIN_SECONDS", "") or 0.4)


async def check_status(conversation: str, receipt: str, phone_last4: str,
                       provider: Optional[StatusProvider] = None, client: Optional[str] = None,
                       asked_at: Optional[float] = None) -> Answer:
    """`client`: a pseudonym of the citizen's address, when the channel knows it; failures are
    counted under it, the conversation and the receipt number alike.

    Every outcome is answered at one deadline, `min_lookup_seconds` after the citizen's message
    came in (`asked_at`, as the channel noted it; the call's own time when it is missing or not
    plausible): the understanding of the message, the lock-out's reads and writes, the lookup
    and building the answer all fall inside it, whatever each costs."""
    now = time.time()
    start = asked_at if asked_at is not None and now - MAX_TURN_SECONDS <= asked_at <= now else now
    deadline = start + min_lookup_seconds()
    answer = await _look_up(conversation, receipt, phone_last4, provider, client)
    await asyncio.sleep(max(0.0, deadline - time.time()))
    return answer


async def _look_up(conversation: str, receipt: str, phone_last4: str, provider: Optional[StatusProvider],
                   client: Optional[str]) -> Answer:  # fmt: skip
    hotline = config.hotline()
    subjects = {"conversation": conversation, "receipt": receipt, "client": client}
    if lockout.locked_until(subjects):
        return Answer(wording.say("status_locked", hotline=hotline), kind="status_locked")
    # Counted as failed before the lookup, with no await since the check: concurrent guesses
    # cannot all pass the check while the first ones are still being looked up.
    tried = lockout.record_failure(subjects)
    try:
        status = await (provider or configured_provider()).lookup(receipt, phone_last4)
    except ProviderUnavailable as error:
        log.warning("status provider unavailable: %s", error)
        lockout.forget(tried)  # the platform's failure, not the citizen's
        return Answer(wording.say("status_unavailable", hotline=hotline), kind="status_unavailable")
    if status is not None:
        lockout.forget(tried)
        return status_answer(status)
    return Answer(wording.say("status_not_found"), kind="status_not_found")


def status_answer(status: ApplicationStatus) -> Answer:
    lines = [f"受理编号 {status.receipt}（{status.matter_name}，申请人 {status.applicant}）",
             f"当前状态：{status.state}"]  # fmt: skip
    last_note = next((e.note for e in reversed(status.history) if e.note), "")
    if status.state == "待补正":
        lines.append("需要补正：" + (last_note or "请按窗口通知补交材料"))
        if status.missing:
            lines.append("请带上：" + "；".join(status.missing))
        if status.collect_at:
            lines.append("补交地点：" + status.collect_at)
    elif status.state == "不予受理":
        lines.append("原因：" + (last_note or "请致电受理窗口了解"))
    elif status.state == "已办结" and status.collect_at:
        lines.append("领取：" + status.collect_at)
    if status.history:
        lines.append("办理记录：")
        lines += [f"  {e.at} {e.state}" + (f"：{e.note}" if e.note else "") for e in status.history]
    # A platform's notes are typed by its staff and may hold an ID or mobile number: masked as a
    # citizen's message is, before the citizen sees or the conversation stores them.
    return Answer(mask_identity("\n".join(lines)), checklist=[mask_identity(item) for item in status.missing],
                  kind="status")  # fmt: skip
