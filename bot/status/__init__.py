"""办件进度: looking up an application's status behind one interface, two providers (the bot's
own database, a platform's HTTP API), input checks, lock-out after failed tries, and the answer."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Protocol

from bot.privacy import ID_NUMBER, ID_PLACEHOLDER, MOBILE
from bot.search.normalize import normalize

RECEIPT = re.compile(r"^(?=(?:[A-Z]*\d){4})[A-Z0-9]{8,32}$")  # letters and digits, 4+ digits
PHONE_LAST4 = re.compile(r"^\d{4}$")
# A status request says it asks after progress (进度, 办好了吗, 批了没, 查我的申请, 还没消息); a
# question without any of these (第一次办身份证要带户口本吗, 怎么查食品经营许可证) is about a
# matter, whatever the classifier says. (The search's progress cue takes 查 alone too: there it
# only favours the catalogue's …进度查询 matters, here it would hold a citizen in the form.)
PROGRESS_CUE = re.compile(
    "帮我查|查一下我|查查我|我的申请|我的件|个件|进度|进展|到哪|道哪|哪一步|怎么样了|咋样了|审|批|结果|状态|办好|做好|弄好|好了|好没|了没|消息|下来|通过|退回|"
    "能领|能取|能拿|可以领|可以取|可以拿|领了|取了|拿了|办件|受理|情况|问题|编号|回执"
)
STATES = ("已受理", "审查中", "待补正", "已办结", "不予受理")


@dataclass
class StatusEvent:
    at: str
    state: str
    note: str = ""


@dataclass
class ApplicationStatus:
    receipt: str
    matter_name: str
    applicant: str  # already masked
    state: str
    history: list[StatusEvent] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    collect_at: Optional[str] = None


class ProviderUnavailable(Exception):
    """The status platform is down, slow, or answered nonsense."""


class StatusProvider(Protocol):
    async def lookup(self, receipt: str, phone_last4: str) -> Optional[ApplicationStatus]:
        """The application, or None when the number is unknown or the digits do not match
        (the same answer for both, so numbers cannot be guessed one by one)."""


def clean_receipt(text: str) -> Optional[str]:
    """A 受理编号 as typed (spaces, dashes, lower case, full-width) in its canonical form."""
    value = normalize(text).upper()
    if not RECEIPT.match(value) or _personal_number(value):
        return None
    return value


def _personal_number(value: str) -> bool:
    """A mobile (with its country code) or an ID number, whatever spelling the edge's masking
    missed: never looked up as a receipt."""
    return bool(MOBILE.fullmatch(value) or ID_NUMBER.fullmatch(value))


def plausible_status_message(intent: str, text: str) -> bool:
    """Whether a message the NLU reads as a status request could be one: giving a number
    (inform_receipt) needs four digits in a row, not those of a masked mobile number, or a
    masked ID number (refused in the form);
    asking for the status (check_status) needs Chinese words that ask after progress. SQL,
    markup and other text without them is no status request, whatever the classifier's
    character n-grams say."""
    if ID_PLACEHOLDER in text:
        return True
    if intent == "inform_receipt":
        # The last four of a mobile number the edge masked (138****5678) are no receipt number.
        digits = re.sub(r"1\d{2}\*{4}\d{4}", "", normalize_width(text))
        return re.search(r"\d{4}", re.sub(r"[\s\-－]", "", digits)) is not None
    return PROGRESS_CUE.search(normalize(text)) is not None


def normalize_width(text: str) -> str:
    """Full-width digits and letters as half-width (ＳＬ２０２６ -> SL2026)."""
    return unicodedata.normalize("NFKC", text)


def clean_phone_last4(text: str) -> Optional[str]:
    """Four digits as typed (尾号 5678, 5 6 7 8), or the last four of a whole mobile number,
    which arrives masked (138****5678: the edge masks mobile numbers)."""
    value = normalize_width(text)
    whole = re.fullmatch(r"\D*1\d{2}(?:\*{4}|\d{4})(\d{4})\D*", value)
    if whole:
        return whole.group(1)
    digits = re.sub(r"\D", "", normalize(text))
    return digits if PHONE_LAST4.match(digits) else None


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧**娜: enough to recognise, not to identify."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
