"""End to end: both servers started as `make run` starts them (scripts/run-bot), talked to
through the REST channel, on the demo catalogue and on gdzwfw. Needs the trained model
(`make test` trains it first)."""
from __future__ import annotations

import sqlite3

import pytest
import yaml

from bot import config, wording
from tests.catalogues import DEMO_CATALOGUE, ROOT, import_into
from tests.servers import Bot

MODEL = ROOT / "models" / "daoban.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)")


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    from bot.status.database import seed_demo_applications

    seed_demo_applications(url)
    return url, str(folder / "tracker.db")


def test_a_conversation_on_the_demo_catalogue_survives_a_restart(demo_files):
    bot = Bot(*demo_files)
    try:
        assert "导办" in bot.text("c1", "你好")
        assert "一次性告知" in bot.text("c1", "我奶奶想办老年证要带什么材料")
        assert "老年人优待证" in bot.text("c1", "在哪办？")
        switched = bot.text("c1", "那残疾证呢？")
        assert "残疾人证" in switched and "大厅" in switched
        assert "12345" in bot.text("c1", "怎么办理离婚")
        assert "受理编号" in bot.text("c2", "查一下办件进度")
        assert "手机" in bot.text("c2", "SL2026110300027")
        status = bot.text("c2", "5678")
        assert "待补正" in status and "李*红" in status
    finally:
        bot.stop()
    bot = Bot(*demo_files)  # a restart loses no conversation
    try:
        assert "残疾人证" in bot.text("c1", "要多久？")
    finally:
        bot.stop()


@pytest.mark.parametrize(
    "text", ["", "a" * 5000, "😀😀😀", "'; DROP TABLE events; --", "<script>alert(1)</script>", "請問老年證怎麼辦理",
             "how to 办 老年证 please"],
)  # fmt: skip
def test_bad_input_gets_a_reply(demo_bot, text):
    messages = demo_bot.say("bad-input", text)
    assert messages and any(m.get("text") for m in messages)


@pytest.fixture(scope="module")
def demo_bot(demo_files):
    bot = Bot(*demo_files)
    yield bot
    bot.stop()


def test_gdzwfw_catalogue(gdzwfw_path, tmp_path):
    url = f"sqlite:///{tmp_path / 'gdzwfw.db'}"
    import_into(url, gdzwfw_path)
    bot = Bot(url, str(tmp_path / "tracker.db"))
    try:
        assert "挂失补办" in bot.text("g1", "残疾证丢了怎么补办")
        assert "挂失补办" in bot.text("g1", "要带什么材料？")
        assert "12345" in bot.text("g1", "宠物美容店怎么办执照")
    finally:
        bot.stop()



def test_socketio_channel(demo_bot):
    """The web widget's channel: socket.io over a websocket, in a persistent session; text,
    buttons (quick replies) and the custom answer all arrive."""
    import asyncio

    import socketio

    async def talk() -> list[dict]:
        replies: list[dict] = []
        answered = asyncio.Event()
        client = socketio.AsyncClient()

        @client.on("bot_uttered")
        async def on_bot(message):  # noqa: ANN001
            replies.append(message)
            if "answer" in message:
                answered.set()

        await client.connect(demo_bot.url(""), socketio_path="socket.io", transports=["websocket"])
        await client.emit("session_request", {"session_id": "socket-1"})
        await asyncio.sleep(1)
        await client.emit("user_uttered", {"message": "老年证要带什么材料", "session_id": "socket-1"})
        await asyncio.wait_for(answered.wait(), timeout=60)
        await client.disconnect()
        return replies

    replies = asyncio.run(talk())
    assert any("一次性告知" in (r.get("text") or "") and r.get("quick_replies") for r in replies)
    assert any(r.get("answer", {}).get("matter") == "MZ-001" for r in replies)


# --- the status form lets go (issue 9, part 5) -----------------------------------------------
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))["responses"]
ASK_RECEIPT, ASK_PHONE, CANCELLED = (RESPONSES[name][0]["text"] for name in (
    "utter_ask_receipt_number", "utter_ask_phone_last4", "utter_status_cancelled"))  # fmt: skip
CANCEL, HANDOFF = {"title": "取消查询", "payload": "/deny"}, {"title": "转人工", "payload": "/handoff"}


def content(messages: list[dict]) -> list[dict]:
    """The messages without their recipient, to compare two conversations' replies."""
    return [{k: v for k, v in m.items() if k != "recipient_id"} for m in messages]


def texts(messages: list[dict]) -> list[str]:
    """The texts the citizen reads (REST sends each answer's custom data as a message of its own)."""
    return [m["text"] for m in messages if "text" in m]


def handed_off(messages: list[dict], reason: str) -> bool:
    """One text, the phones to call, and the handoff event for the channel."""
    event = {"reason": reason, "matter": None, "hotline": config.hotline()}
    opening = "您的投诉或建议可以拨打" if reason == "complaint" else "正在为您转接人工客服"
    events = [m["custom"]["data"].get("handoff") for m in messages if "custom" in m]
    return len(texts(messages)) == 1 and texts(messages)[0].startswith(opening) and events == [event]


def test_the_issues_conversation_lets_go_of_the_status_form(demo_bot):
    """查一下我的办件进度, then a question about a matter, a complaint and 转人工: each is answered
    as it is outside the form, and the receipt number is not asked for again."""
    question = "開餐館要辦哪些手續"
    outside = demo_bot.say("form-outside", question)
    assert texts(demo_bot.say("form-issue", "查一下我的办件进度")) == [ASK_RECEIPT]
    inside = demo_bot.say("form-issue", question)
    assert content(inside) == content(outside)
    assert texts(inside) == ["这些事项可能和您有关（点选查看）："]
    assert {"title": "食品经营许可", "payload": '/inform_matter{"matter": "SC-004"}'} in inside[0]["buttons"]
    assert inside[1]["custom"]["data"]["answer"]["kind"] == "list"
    assert handed_off(demo_bot.say("form-issue", "我要投诉"), "complaint")
    assert handed_off(demo_bot.say("form-issue", "转人工"), "handoff")
    assert "一次性告知" in demo_bot.text("form-issue", "老年证要带什么材料")


def test_handoff_complaints_and_cancelling_work_at_either_slot(demo_bot):
    say = lambda text: demo_bot.say("form-slots", text)  # noqa: E731
    assert texts(say("查一下办件进度")) == [ASK_RECEIPT]
    assert handed_off(say("我要投诉"), "complaint")  # at the receipt number
    say("查一下办件进度")
    assert texts(say("SL2026110300027")) == [ASK_PHONE]
    assert handed_off(say("转人工"), "handoff")  # at the phone digits
    with sqlite3.connect(demo_bot.tracker_db) as connection:  # the receipt left with the form
        stored = "\n".join(row[0] for row in connection.execute("select data from events where sender_id = 'form-slots'"))
    assert "SL2026110300027" not in stored and "SL*********0027" in stored
    assert texts(say("查一下办件进度")) == [ASK_RECEIPT]  # what the form had collected is gone
    assert handed_off(say("老板拖欠工资怎么办"), "complaint")  # unpaid wages: a complaint, not a receipt
    assert texts(say("查一下办件进度")) == [ASK_RECEIPT]
    assert texts(say("取消")) == [CANCELLED]


def test_two_misses_get_the_way_out_and_a_receipt_number_still_goes_on(demo_bot):
    say = lambda text: demo_bot.say("form-misses", text)  # noqa: E731
    say("查一下我的办件进度")
    assert texts(say("123456")) == [wording.receipt_format_wrong(), ASK_RECEIPT]
    way_out = say("SL2026")
    assert texts(way_out) == [wording.status_way_out("receipt_number"), ASK_RECEIPT]
    assert way_out[0]["buttons"] == [CANCEL, HANDOFF] and "12345" in way_out[0]["text"]
    assert texts(say("SL2026110300027")) == [ASK_PHONE]
    status = texts(say("5678"))
    assert len(status) == 1 and "待补正" in status[0] and "李*红" in status[0]


def test_a_third_miss_ends_the_form_and_the_next_question_is_answered(demo_bot):
    say = lambda text: demo_bot.say("form-ends", text)  # noqa: E731
    say("查一下我的办件进度")
    say("SL2026110300027")
    assert texts(say("12345")) == [wording.phone_last4_wrong(), ASK_PHONE]
    assert texts(say("abcd")) == [wording.status_way_out("phone_last4"), ASK_PHONE]
    ended = say("56")
    assert texts(ended) == [wording.status_given_up()] and ended[0]["buttons"] == [HANDOFF]
    assert "一次性告知" in demo_bot.text("form-ends", "老年证要带什么材料")
    assert texts(say("查一下办件进度")) == [ASK_RECEIPT]  # a new form, not the phone digits again
    assert texts(say("123456")) == [wording.receipt_format_wrong(), ASK_RECEIPT]  # its misses counted afresh


def way_out(bot: Bot, sender: str) -> None:
    """A status form that has had two misses: its way out is showing."""
    for text in ("查一下办件进度", "123456"):
        bot.say(sender, text)
    assert bot.say(sender, "SL2026")[0]["buttons"] == [CANCEL, HANDOFF]


def test_the_way_outs_cancel_button(demo_bot):
    way_out(demo_bot, "form-tap-cancel")
    assert texts(demo_bot.say("form-tap-cancel", "/deny")) == [CANCELLED]
    assert "一次性告知" in demo_bot.text("form-tap-cancel", "老年证要带什么材料")


def test_the_way_outs_handoff_button(demo_bot):
    way_out(demo_bot, "form-tap-handoff")
    assert handed_off(demo_bot.say("form-tap-handoff", "/handoff"), "handoff")
    assert "一次性告知" in demo_bot.text("form-tap-handoff", "老年证要带什么材料")


def answer_of(messages: list[dict]) -> dict:
    return next(m["custom"]["data"]["answer"] for m in messages if "answer" in (m.get("custom") or {}).get("data", {}))


def test_meaning_without_the_catalogues_words_through_the_running_bot(demo_bot):
    """Neither 失业 nor 保险金 is said: the sentence model finds the matter (the lexical search
    alone says the catalogue has none), in both servers as `make run` starts them."""
    messages = demo_bot.say("meaning", "单位把我辞退了，这段时间没收入，国家有没有什么钱可以领")
    assert answer_of(messages)["matter"] == "RS-006" and "失业保险金" in "\n".join(texts(messages))


def test_complaints_in_everyday_words_are_handed_off_not_taken_for_a_status_lookup(demo_bot):
    for text in ("老板拖欠了我三个月工资，到哪里去告他", "窗口收了我五十块钱材料费，这不是乱收费吗"):
        assert handed_off(demo_bot.say(f"wages-{hash(text)}", text), "complaint"), text
