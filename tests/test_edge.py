"""What a message meets before the bot reads it: cleaning, masking of personal numbers, the
length and emptiness checks, rate limits, and log scrubbing."""
from __future__ import annotations

import logging

import pytest

from bot import wording
from bot.inbound import check_message
from bot.limits import Rate, RateLimiter
from bot.privacy import ID_PLACEHOLDER, clean_text, mask_for_log, mask_identity, scrub_logs

ID = "440305199001011234"


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "😀😀😀", "？？！！", "\u200b\u200b", "\x00\x01", "\ud800", None, 5, ["老年证"],
                                 {"text": "老年证"}])  # fmt: skip
def test_empty_or_not_text_asks_for_a_question(raw):
    assert check_message(raw).refusal == wording.ask_question()


@pytest.mark.parametrize("length", [501, 5000, 100_000])
def test_too_long_is_refused_politely(length):
    inbound = check_message("老" * length, max_chars=500)
    assert inbound.refusal == wording.too_long(500) and inbound.text == ""


def test_a_question_passes_cleaned():
    assert check_message(" 老年证\x00要带\u200b什么材料？\ud83d ").text == "老年证要带什么材料？"
    assert check_message("请問老年證怎麼辦理").text == "请問老年證怎麼辦理"  # traditional is the search's job


@pytest.mark.parametrize("typed, read", [
    ("/restart", "restart"), ("//session_start", "session_start"), ('/check_status{"phone_last4": "1"}', 'check_status{"phone_last4": "1"}'),
    ("/rate_good", "/rate_good"), ("/ask_where", "/ask_where"), ('/inform_matter{"matter": "MZ-001"}', '/inform_matter{"matter": "MZ-001"}'),
    ("/handoff", "/handoff"), ("/deny", "/deny"),  # the status form's way out
])  # fmt: skip
def test_only_the_buttons_intents_may_be_sent_as_commands(typed, read):
    assert check_message(typed).text == read


def test_id_and_mobile_numbers_are_masked_before_the_bot_reads_them():
    text = check_message(f"我的身份证{ID}，手机13812345678，查进度").text
    assert ID not in text and ID_PLACEHOLDER in text and "138****5678" in text
    assert mask_identity("受理编号 SL2026110100001") == "受理编号 SL2026110100001"  # needed for the lookup
    assert mask_identity("20250312004561234") == "20250312004561234"  # 17 digits: not an ID


def test_logs_mask_numbers_and_cut_long_text():
    line = mask_for_log(f"lookup SL2026110300027 for {ID} phone 13812345678 " + "x" * 1000)
    assert "SL2026110300027" not in line and "SL*********0027" in line
    assert ID not in line and "13812345678" not in line and len(line) < 340
    assert mask_for_log("老年证要带什么材料呢", 5) == "老年证要带…[5 more characters]"


@pytest.fixture
def scrubbed_logs():
    factory = logging.getLogRecordFactory()
    scrub_logs()
    yield
    logging.setLogRecordFactory(factory)
    logging.captureWarnings(False)


def test_scrubbed_log_records(caplog, scrubbed_logs):
    logger = logging.getLogger("daoban.test")
    with caplog.at_level(logging.INFO):
        logger.info("message %s", "甲" * 2000 + ID)
        try:
            raise ValueError(f"platform said {ID}")
        except ValueError:
            logger.exception("failed")
    assert all(ID not in r.getMessage() and len(r.getMessage()) < 400 for r in caplog.records)
    assert ID not in caplog.text and "ValueError" in caplog.text


def test_clean_text_drops_controls_and_joins_lines():
    assert clean_text("a\r\nb\u202ec") == "a bc"


def test_token_bucket():
    limiter = RateLimiter(Rate.parse("20/60/5"))
    assert [limiter.allow("s", now=0) for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow("s", now=3.0)  # one token back every 3 s
    assert not limiter.allow("s", now=3.1)
    assert limiter.allow("another sender", now=3.1)


def test_limiter_memory_is_bounded():
    limiter = RateLimiter(Rate.parse("20/60"), max_keys=100)
    for key in range(1000):
        limiter.allow(str(key), now=float(key))
    assert len(limiter._buckets) <= 101


@pytest.mark.parametrize("text", ["20", "a/b", "0/60", "20/0", "1/2/3/4"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError):
        Rate.parse(text)
