"""End to end: both servers started as `make run` starts them (scripts/run-bot), talked to
through the REST channel, on the demo catalogue and on gdzwfw. Needs the trained model
(`make test` trains it first)."""
from __future__ import annotations

import pytest

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
