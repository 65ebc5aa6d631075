"""Personal numbers in text: found, masked, kept out of logs and stored conversations.

ID card numbers (居民身份证号码) and mobile numbers are masked where a message enters the bot:
the bot never needs them, so they are never stored. Receipt numbers (受理编号) are needed for the
status lookup; they are masked in logs, and in the stored conversation once the lookup is done."""
from __future__ import annotations

import logging
import re
import traceback
import unicodedata

ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")
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
    """ID numbers replaced whole, mobile numbers kept to their first three and last four digits
    (138****5678: the status form can still read its last four)."""
    text = ID_NUMBER.sub(ID_PLACEHOLDER, text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def has_id_number(text: str) -> bool:
    return ID_PLACEHOLDER in text or ID_NUMBER.search(text) is not None


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


def scrub_logs(limit: int = 300) -> None:
    """From now on every log record of this process, whoever writes it (Rasa, Sanic, the SDK,
    our code), has its personal numbers masked and its text cut to `limit` characters, its
    traceback to the last 4,000. Records are made only for levels that are logged."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "scrubs", False):
        return

    def scrubbed_record(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is the caller's, not ours
            message = str(record.msg)
        record.msg, record.args = mask_for_log(message, limit), None
        if record.exc_info:
            trace = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask_for_log(trace[-4000:], 4000)
            record.exc_info = None
        return record

    scrubbed_record.scrubs = True
    logging.setLogRecordFactory(scrubbed_record)
