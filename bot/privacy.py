"""Personal numbers in text: found, masked, kept out of logs and stored conversations.

ID card numbers (居民身份证号码) and mobile numbers are masked where a message enters the bot:
the bot never needs them, so they are never stored. Receipt numbers (受理编号) are needed for the
status lookup; they are masked in logs, and in the stored conversation once the lookup is done."""
from __future__ import annotations

import logging
import re
import traceback
import unicodedata
from typing import Optional

# An 18-digit ID card number (region, birth date, sequence, check digit), once its digits are
# half-width and its separators gone.
ID_NUMBER = re.compile(r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
# A mainland mobile number, with the country code it may be written with (86, 0086).
MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d)(\d{4})(\d{4})")
# Digits as people type them: half- or full-width, in groups broken by up to two spaces, dashes
# (any of Unicode's, the minus sign, ー), dots, slashes or brackets (110101-19900307-1234,
# 138 1234 5678, +86 (138) 1234 5678, １３８…), after a + for the country code, and an ID's check
# letter. Groups are whole runs of digits, so the pattern cannot backtrack far.
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_DIGITS = "[0-9０-９]+"
_SEPARATOR = "(?:[ \t\\-－\u2010-\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63ー.．·・/()（）]{1,2})"
DIGIT_RUN = re.compile(
    rf"(?<![{_ALNUM}])(?:[+＋] ?)?{_DIGITS}(?:{_SEPARATOR}{_DIGITS})*(?:{_SEPARATOR}?[XxＸｘ])?(?![{_ALNUM}])"
)
_GROUP = re.compile("[0-9０-９]+|[XxＸｘ]")
# Anything shaped like a receipt or another long reference: 8+ letters and digits, 4+ digits.
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?=(?:[A-Za-z]*\d){4})[A-Za-z0-9]{8,40}(?![0-9A-Za-z])")
ID_PLACEHOLDER = "[身份证号已隐藏]"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """What a message may carry into the bot: no control characters, no lone surrogates (they
    cannot be stored as UTF-8), NFC form, and no runs of blank space."""
    text = _SURROGATE.sub("", text)
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return re.sub(r"\s+", " ", text).strip()


def mask_identity(text: str) -> str:
    """ID numbers replaced whole, mobile numbers written as 138****5678 (the status form can still
    read its last four), in every spelling `DIGIT_RUN` knows."""
    return DIGIT_RUN.sub(lambda run: _mask_run(run.group(0)), text)


def has_id_number(text: str) -> bool:
    return ID_PLACEHOLDER in text or ID_PLACEHOLDER in mask_identity(text)


def _mask_run(run: str) -> str:
    """One run of digit groups with the ID and mobile numbers in it masked. A number may span
    several groups (110101 19900307 1234) or be some of them (2026 13812345678), never part of
    one: 123138123456780 holds no mobile."""
    groups = [(m.start(), m.end(), unicodedata.normalize("NFKC", m.group(0)).upper()) for m in _GROUP.finditer(run)]
    pieces, last, i = [], 0, 0
    while i < len(groups):
        found = _number_from(groups, i)
        if found is None:
            i += 1
            continue
        end, masked = found
        start = 0 if i == 0 and run[0] in "+＋" else groups[i][0]
        pieces += [run[last:start], masked]
        last, i = groups[end - 1][1], end
    return "".join(pieces) + run[last:] if pieces else run


def _number_from(groups: list[tuple[int, int, str]], first: int) -> Optional[tuple[int, str]]:
    """(the group after it, its mask) for the ID or mobile number that starts at group `first`."""
    digits = ""
    for end in range(first + 1, len(groups) + 1):
        digits += groups[end - 1][2]
        if len(digits) > 18:
            return None
        if ID_NUMBER.fullmatch(digits):
            return end, ID_PLACEHOLDER
        mobile = MOBILE.fullmatch(digits)
        if mobile and not (end < len(groups) and groups[end][2] == "X"):
            return end, f"{mobile.group(1)}****{mobile.group(3)}"
    return None


def mask_reference(value: str) -> str:
    """SL2026110300027 -> SL*********0027: recognisable to its owner, useless to anyone else."""
    keep_end = 4 if len(value) >= 12 else 2
    return value[:2] + "*" * (len(value) - 2 - keep_end) + value[-keep_end:]


def mask_personal_numbers(text: str) -> str:
    """ID and mobile numbers as `mask_identity` does, and receipt-like references masked."""
    return LONG_NUMBER.sub(lambda m: mask_reference(m.group(0)), mask_identity(text))


def mask_for_log(text: str, limit: int = 300) -> str:
    """A log line's text: personal numbers masked, cut to `limit` characters."""
    text = mask_personal_numbers(text)
    if len(text) > limit:
        text = f"{text[:limit]}…[{len(text) - limit} more characters]"
    return text


def mask_digits(text: str) -> str:
    """Personal numbers masked, and every run of 4 or more digits too (the status form's phone
    digits, a mobile's last four): for copies of what citizens typed that no one needs to read
    back, such as the event log and Python's warnings."""
    return re.sub(r"[0-9０-９]{4,}", lambda m: "*" * len(m.group(0)), mask_personal_numbers(text))


def scrub_logs(limit: int = 300) -> None:
    """From now on every log record of this process, whoever writes it (Rasa, Sanic, the SDK,
    our code), has its personal numbers masked and its text cut to `limit` characters, its
    traceback to the last 4,000. Records are made only for levels that are logged. Python's
    warnings become log records too (Rasa's quote the message they could not parse), with every
    run of 4+ digits masked as well."""
    logging.captureWarnings(True)
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "scrubs", False):
        return

    def scrubbed_record(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is the caller's, not ours
            message = str(record.msg)
        if record.name == "py.warnings":
            message = mask_digits(message)
        record.msg, record.args = mask_for_log(message, limit), None
        if record.exc_info:
            trace = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask_for_log(trace[-4000:], 4000)
            record.exc_info = None
        return record

    scrubbed_record.scrubs = True
    logging.setLogRecordFactory(scrubbed_record)
