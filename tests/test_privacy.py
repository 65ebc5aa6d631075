"""Personal numbers in every spelling a citizen may type them (issue 19): ID card and mobile
numbers with separators, in full-width digits, with the country code, are masked where a message
enters the bot, and nothing else is. Hypothesis writes the spellings."""
from __future__ import annotations

import logging
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.inbound import check_message
from bot.privacy import ID_PLACEHOLDER, has_id_number, mask_digits, mask_identity, scrub_logs

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SEPARATORS = [" ", "-", "－", "—", "−", "﹣", "ー", ".", "·", "/", " (", ") ", ")"]
IDS = ["110101199003071234", "44030519900101123X", "320102200012319876"]
MOBILES = ["13812345678", "19900003456", "15000001111"]


def spelled(digits: st.SearchStrategy, groups: st.SearchStrategy = st.integers(1, 5)) -> st.SearchStrategy:
    """`digits` cut into groups joined by one separator each, perhaps in full-width digits."""

    @st.composite
    def spell(draw):  # noqa: ANN001, ANN202
        number = draw(digits)
        count = min(draw(groups), len(number))
        cuts = sorted(draw(st.lists(st.integers(1, len(number) - 1), min_size=count - 1, max_size=count - 1, unique=True)))
        pieces = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)])]
        text = "".join(piece + (draw(st.sampled_from(SEPARATORS)) if i < len(pieces) - 1 else "")
                       for i, piece in enumerate(pieces))  # fmt: skip
        return text.translate(FULL_WIDTH) if draw(st.booleans()) else text

    return spell()


AROUND = st.sampled_from(["", "我的", "身份证号是", "手机号：", "电话 ", "号码为", "，谢谢", "。", " 查进度"])


@settings(max_examples=300, deadline=None)
@given(before=AROUND, number=spelled(st.sampled_from(IDS)), after=AROUND)
def test_an_id_number_in_any_spelling_is_masked_whole(before, number, after):
    masked = mask_identity(before + number + after)
    assert masked == before + ID_PLACEHOLDER + after
    assert has_id_number(before + number + after)


@settings(max_examples=300, deadline=None)
@given(before=AROUND, prefix=st.sampled_from(["", "+86 ", "+86-", "86", "0086", "＋８６ "]),
       number=spelled(st.sampled_from(MOBILES), st.integers(1, 4)), after=AROUND)
def test_a_mobile_number_in_any_spelling_keeps_only_its_ends(before, prefix, number, after):
    plain = "".join(ch for ch in number.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    masked = mask_identity(before + prefix + number + after)
    assert masked == f"{before}{plain[:3]}****{plain[-4:]}{after}"
    assert plain[3:7] not in masked.replace(plain[:3], "", 1)


@pytest.mark.parametrize("text", [
    "受理编号 SL2026110100001", "sl 2026-1101-00001", "ＳＬ２０２６１１０１００００１", "20250312004561234",
    "咨询电话 0755-12345678", "2026-11-01 09:12", "尾号 5678", "5 6 7 8", "123138123456780", "1.38", "C1 驾照",
    "400-123-4567", "事项编码 11440300MB2C92011X4440111001000",
])  # fmt: skip
def test_what_is_no_personal_number_is_left_as_typed(text):
    assert mask_identity(text) == text


@pytest.mark.parametrize("typed, read", [
    ("110101-19900307-1234", ID_PLACEHOLDER), ("110101 19900307 1234", ID_PLACEHOLDER),
    ("１１０１０１１９９００３０７１２３４", ID_PLACEHOLDER), ("138-1234-5678", "138****5678"),
    ("138 1234 5678", "138****5678"), ("手机号１３８１２３４５６７８", "手机号138****5678"),
    ("+86-138-1234-5678", "138****5678"), ("手机13800003456", "手机138****3456"),
])  # fmt: skip
def test_the_probes_spellings_are_masked_where_a_message_comes_in(typed, read):
    assert check_message(typed).text == read


def test_event_log_and_warnings_masking_hides_every_run_of_digits():
    masked = mask_digits('"phone_last4": "1234", "receipt_number": "SL2026110100001", 手机１３８１２３４５６７８')
    assert masked == '"phone_last4": "****", "receipt_number": "SL*************", 手机138********'


def test_python_warnings_pass_the_log_scrubber():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    # Attached to warnings' own logger: what other tests or Rasa did to the root logger does not matter.
    logger = logging.getLogger("py.warnings")
    logger.addHandler(handler)
    factory = logging.getLogRecordFactory()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # whatever filters the test session set
            logging.captureWarnings(False)  # and whatever an earlier test left
            scrub_logs()
            warnings.warn('Failed to parse arguments in line \'/inform_matter{"receipt_number": "SL2026110100001", '
                          '"phone_last4": "1234"}\' 110101 19900307 1234', UserWarning)  # fmt: skip
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(factory)
        logging.captureWarnings(False)
    logged = " ".join(record.getMessage() for record in records)
    assert "Failed to parse" in logged
    assert "SL2026110100001" not in logged and "1234" not in logged and "19900307" not in logged
