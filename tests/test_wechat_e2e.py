"""The WeChat channel end to end: both servers as `make run` starts them, the channel in safe
mode, messages signed and encrypted as WeChat does (connectors/wechat/simulator.py), and a
stand-in for WeChat's API on loopback (tests/wechat_standin.py)."""
from __future__ import annotations

import itertools
import json
import sqlite3
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from connectors.wechat.settings import WeChatSettings
from connectors.wechat.simulator import WeChatSide, message_xml
from tests.catalogues import DEMO_CATALOGUE, ROOT, import_into
from tests.servers import Bot
from tests.wechat_standin import StandIn

MODEL = ROOT / "models" / "daoban.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)")
SETTINGS = WeChatSettings(token="tok3n", app_id="wx0123456789abcdef", app_secret="s3cret",
                          aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")  # fmt: skip
WEBHOOK = "/webhooks/wechat/webhook"
_ids = itertools.count(int(time.time()) * 1000)


class WeChat:
    """WeChat's servers as the bot meets them: pushes signed (and sealed) messages, opens replies."""

    def __init__(self, bot: Bot, safe: bool = True):
        self.bot, self.side, self.safe = bot, WeChatSide(SETTINGS), safe

    def post(self, xml: str, **changes) -> tuple[int, str]:
        pushed = self.side.push(xml, safe=self.safe)
        pushed.query.update(changes.pop("query", {}))
        body = changes.pop("body", pushed.body)
        request = urllib.request.Request(pushed.url(self.bot.url(WEBHOOK)), data=body, headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def text(self, openid: str, content: str, msg_id: int | None = None) -> str:
        return self.reply(message_xml(openid, "text", {"Content": content}, msg_id=msg_id or next(_ids)))

    def reply(self, xml: str) -> str:
        status, body = self.post(xml)
        assert status == 200, body
        return self.side.open_reply(body, self.safe).get("Content", "")


def bot_env(standin: StandIn, **extra: str) -> dict:
    return {"WECHAT_TOKEN": SETTINGS.token, "WECHAT_APPID": SETTINGS.app_id, "WECHAT_APPSECRET": SETTINGS.app_secret,
            "WECHAT_AES_KEY": SETTINGS.aes_key, "WECHAT_API_BASE": standin.base, **extra}  # fmt: skip


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wechat")
    url = f"sqlite:///{folder / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    # A matter whose checklist is far over WeChat's 2,048 bytes (no demo answer is).
    long = folder / "long.json"
    materials = [{"name": f"第{i}项证明材料（原件和复印件各一份，复印件须由申请人签字确认与原件一致）", "note": "逐页加盖骑缝章"}
                 for i in range(1, 31)]  # fmt: skip
    long.write_text(json.dumps({"catalogue": {"source": "long"}, "matters": [
        {"code": "LONG-1", "name": "长清单测试事项", "department": "示范区测试局", "materials": materials}]},
        ensure_ascii=False), encoding="utf-8")  # fmt: skip
    import_into(url, long)  # a source of its own: the demo stays
    return url, str(folder / "tracker.db"), folder


@pytest.fixture(scope="module")
def standin():
    server = StandIn(SETTINGS.app_id, SETTINGS.app_secret).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def wechat_bot(demo_files, standin):
    url, tracker, folder = demo_files
    # The account has customer-service staff: 转人工 hands over to them.
    env = bot_env(standin, WECHAT_RETRY_SECONDS="1", WECHAT_TRANSFER_TO_STAFF="1")
    bot = Bot(url, tracker, env=env, log=folder / "bot.log")
    yield bot
    bot.stop()


@pytest.fixture
def wechat(wechat_bot):
    return WeChat(wechat_bot)


def user_turns(tracker_db: str, sender: str) -> int:
    with sqlite3.connect(tracker_db) as db:
        return db.execute("SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)).fetchone()[0]


def test_the_server_url_is_verified_only_with_the_accounts_signature(wechat_bot):
    pushed = WeChatSide(SETTINGS).push("<xml/>")
    query = {key: pushed.query[key] for key in ("signature", "timestamp", "nonce")}
    status, body = wechat_bot.post(WEBHOOK + "?" + urlencode({**query, "echostr": "8371"}), b"", method="GET")
    assert (status, body) == (200, 8371)  # echoed (read back as JSON)
    status, _ = wechat_bot.post(WEBHOOK + "?" + urlencode({**query, "signature": "0" * 40, "echostr": "8371"}), b"",
                                method="GET")  # fmt: skip
    assert status == 403


def test_subscribe_gets_the_welcome_with_examples(wechat):
    welcome = wechat.reply(message_xml("o-new", "event", {"Event": "subscribe", "EventKey": ""}))
    assert "欢迎关注" in welcome and "老年证要带什么材料" in welcome


def test_a_materials_question_gets_the_checklist_and_a_number_picks_an_option(wechat):
    checklist = wechat.text("o-materials", "老年证要带什么材料")
    assert "一次性告知" in checklist and "1. 居民身份证" in checklist and "回复数字即可选择" in checklist
    options = checklist.split("回复数字即可选择：", 1)[1]
    assert "2. 办理时限" in options and "4. 满意" in options and "5. 不满意" in options
    picked = wechat.text("o-materials", "2")
    assert "承诺时限" in picked and "老年人优待证" in picked
    assert "感谢您的好评" in wechat.text("o-materials", "4")  # 好差评 by number too


def test_a_long_answer_is_the_passive_reply_then_the_rest_in_order(wechat, standin):
    assert "长清单测试事项" in wechat.text("o-long", '/inform_matter{"matter": "LONG-1"}')
    before = len(standin.sent_to("o-long"))
    first = wechat.text("o-long", "/ask_materials")
    rest = [m["text"]["content"] for m in standin.wait_for("o-long", before + 2)[before:]]
    parts = [first, *rest]
    assert first.startswith("【长清单测试事项】") and len(rest) >= 2
    assert all(len(part.encode()) <= 2048 for part in parts)
    items = [line for part in parts for line in part.split("\n") if "项证明材料" in line]
    assert [int(line.split(".")[0]) for line in items] == list(range(1, 31))  # in order, none cut or lost
    assert "回复数字即可选择" in rest[-1]  # the options close the answer


def test_a_shared_location_gets_the_nearest_hall_that_accepts_the_matter(wechat):
    assert "老年人优待证" in wechat.text("o-location", "老年证在哪办")
    xml = message_xml("o-location", "location", {"Location_X": "22.5521", "Location_Y": "114.0879", "Scale": "15",
                                                  "Label": "湖滨路"}, msg_id=next(_ids))  # fmt: skip
    nearest = wechat.reply(xml)
    assert "离您最近的可以办理“老年人优待证办理”的大厅" in nearest and "湖滨社区服务站" in nearest


def test_voice_with_recognition_is_a_question_and_other_media_ask_to_type(wechat):
    voice = message_xml("o-voice", "voice", {"MediaId": "m", "Format": "amr", "Recognition": "居住证在哪办"}, msg_id=next(_ids))
    assert "居住证" in wechat.reply(voice)
    unheard = message_xml("o-voice", "voice", {"MediaId": "m", "Format": "amr"}, msg_id=next(_ids))
    assert "没有听清" in wechat.reply(unheard)
    image = message_xml("o-voice", "image", {"PicUrl": "http://x/y.jpg", "MediaId": "m"}, msg_id=next(_ids))
    assert "文字" in wechat.reply(image)


def test_a_menu_click_asks_its_question(wechat):
    reply = wechat.reply(message_xml("o-menu", "event", {"Event": "CLICK", "EventKey": "CHECK_STATUS"}))
    assert "受理编号" in reply


def test_three_retries_of_one_message_make_one_turn_and_get_the_same_reply(wechat, wechat_bot):
    xml = message_xml("o-retry", "text", {"Content": "居住证要多久"}, msg_id=next(_ids))
    replies = [wechat.reply(xml) for _ in range(4)]
    assert "居住证" in replies[0] and all(r == replies[0] for r in replies)
    assert user_turns(wechat_bot.tracker_db, "wechat:o-retry") == 1


def test_handoff_goes_to_the_accounts_staff_with_the_phones_and_is_recorded(wechat, demo_files, standin):
    status, body = wechat.post(message_xml("o-handoff", "text", {"Content": "转人工"}, msg_id=next(_ids)))
    assert status == 200 and wechat.side.open_reply(body, True)["MsgType"] == "transfer_customer_service"
    phones = standin.wait_for("o-handoff", 1)
    assert phones and "12345" in phones[0]["text"]["content"]
    with sqlite3.connect(demo_files[0].removeprefix("sqlite:///")) as db:
        assert ("handoff", "wechat") in db.execute("SELECT reason, channel FROM handoffs").fetchall()


@pytest.mark.parametrize("case", ["bad signature", "old timestamp", "bad msg_signature", "wrong AppID", "XML bomb",
                                  "external entity", "10 MB", "missing fields", "wrong types", "not encrypted"])  # fmt: skip
def test_forged_and_malformed_requests_are_refused_and_the_server_goes_on(wechat, case):
    xml = message_xml("o-forged", "text", {"Content": "老年证"}, msg_id=next(_ids))
    if case == "bad signature":
        status, _ = wechat.post(xml, query={"signature": "0" * 40})
    elif case == "old timestamp":
        pushed = wechat.side.push(xml, safe=True, timestamp=int(time.time()) - 600)
        status, _ = WeChat(wechat.bot).post(xml, query=pushed.query, body=pushed.body)
    elif case == "bad msg_signature":
        status, _ = wechat.post(xml, query={"msg_signature": "0" * 40})
    elif case == "wrong AppID":
        other = WeChatSide(WeChatSettings(SETTINGS.token, "wxffffffffffffffff", "x", SETTINGS.aes_key))
        pushed = other.push(xml, safe=True)
        status, _ = wechat.post(xml, query=pushed.query, body=pushed.body)
    elif case == "XML bomb":
        status, _ = wechat.post(xml, query={"encrypt_type": ""}, body=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">'
                                b'<!ENTITY b "&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>')
    elif case == "external entity":
        status, _ = wechat.post(xml, query={"encrypt_type": ""}, body=b'<?xml version="1.0"?><!DOCTYPE x '
                                b'[<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>')
    elif case == "10 MB":  # refused on its headers, before the body is read
        status, _ = wechat.bot.post_large(WEBHOOK, b"<xml>" + b"a" * 10_000_000 + b"</xml>")
    elif case == "missing fields":  # sealed as WeChat seals, so that the fields are what is refused
        status, _ = wechat.post("<xml><Content>老年证</Content></xml>")
    elif case == "wrong types":
        status, _ = wechat.post(xml.replace(str(int(time.time()))[:6], "yesterday"[:6], 1))
    else:  # safe mode claimed, plaintext body
        status, _ = wechat.post(xml, body=xml.encode())
    assert status in (400, 403, 413)
    assert "老年人优待证" in wechat.text("o-after-" + case.replace(" ", "-"), "老年证怎么办")


def test_safe_mode_cannot_be_downgraded_to_plaintext(wechat, wechat_bot):
    """Issue 19: a genuine push's signature, timestamp and nonce, with `encrypt_type` and
    `msg_signature` dropped and a plaintext body of the attacker's, was taken as the victim's."""
    genuine = message_xml("o-downgrade", "text", {"Content": "老年证要带什么材料"}, msg_id=next(_ids))
    pushed = wechat.side.push(genuine, safe=True)
    status, _ = wechat.post(genuine, query=pushed.query, body=pushed.body)
    assert status == 200
    plain = {key: pushed.query[key] for key in ("signature", "timestamp", "nonce")}
    forged = message_xml("o-downgrade", "text", {"Content": "查一下我的办件进度"}, msg_id=next(_ids))
    for query in (plain, {**plain, "encrypt_type": "aes"}, {**plain, "msg_signature": pushed.query["msg_signature"]}):
        request = urllib.request.Request(wechat_bot.url(WEBHOOK) + "?" + urlencode(query), data=forged.encode())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code in (400, 403)
    assert user_turns(wechat_bot.tracker_db, "wechat:o-downgrade") == 1


# --- the slow path: answers after WeChat's 5 seconds, as customer-service messages --------------
@pytest.fixture(scope="module")
def slow_bot(demo_files, standin, tmp_path_factory):
    url, _tracker, folder = demo_files
    tracker = str(tmp_path_factory.mktemp("slow") / "tracker.db")
    # Every answer misses a passive reply that must come at once (a quick turn would make 50 ms).
    env = bot_env(standin, WECHAT_PASSIVE_SECONDS="0", WECHAT_RETRY_SECONDS="1", WECHAT_MSGMENU="1")
    bot = Bot(url, tracker, env=env, log=folder / "slow.log")
    yield bot
    bot.stop()


def test_a_slow_answer_gets_success_at_once_then_customer_service_messages_with_a_menu(slow_bot, standin):
    wechat = WeChat(slow_bot)
    status, body = wechat.post(message_xml("o-slow", "text", {"Content": "老年证要带什么材料"}, msg_id=next(_ids)))
    assert (status, body) == (200, "success")
    text, menu = standin.wait_for("o-slow", 2)[:2]
    assert "一次性告知" in text["text"]["content"]
    assert "回复数字" not in text["text"]["content"]  # the options come as a menu to tap
    items = {item["content"]: item["id"] for item in menu["msgmenu"]["list"]}
    assert menu["msgtype"] == "msgmenu" and items["满意"] == "4" and items["办理时限"] == "2"
    tap = message_xml("o-slow", "text", {"Content": "办理时限", "bizmsgmenuid": items["办理时限"]}, msg_id=next(_ids))
    wechat.post(tap)
    picked = standin.wait_for("o-slow", 3)[2]
    assert "承诺时限" in picked["text"]["content"]


def test_an_expired_token_is_fetched_again_and_the_message_still_goes(slow_bot, standin):
    wechat = WeChat(slow_bot)
    wechat.post(message_xml("o-warm", "text", {"Content": "老年证在哪办"}, msg_id=next(_ids)))
    assert standin.wait_for("o-warm", 1)  # a token is in use
    issued = standin.tokens_issued
    standin.expire_token()
    wechat.post(message_xml("o-expired", "text", {"Content": "居住证在哪办"}, msg_id=next(_ids)))
    sent = standin.wait_for("o-expired", 1)
    assert sent and standin.tokens_issued == issued + 1
    assert standin.refused[-1] in (40001, 42001)


def test_api_errors_are_retried_and_a_final_one_is_kept_in_the_outbox(slow_bot, standin, demo_files):
    wechat = WeChat(slow_bot)
    standin.failures["o-busy"] = [-1]  # system busy: retried
    wechat.post(message_xml("o-busy", "text", {"Content": "社保卡补办要带什么"}, msg_id=next(_ids)))
    sent = standin.wait_for("o-busy", 1, seconds=120)  # retried 30 s after the failure
    assert sent and -1 in standin.refused
    standin.failures["o-gone"] = [45015]  # the citizen has not written for 48 hours: not retried, kept
    wechat.post(message_xml("o-gone", "text", {"Content": "老年证在哪办"}, msg_id=next(_ids)))
    deadline = time.monotonic() + 90
    failed = []
    while not failed and time.monotonic() < deadline:
        time.sleep(0.5)
        with sqlite3.connect(demo_files[0].removeprefix("sqlite:///")) as db:
            failed = db.execute("SELECT last_error FROM wechat_outbox WHERE state = 'failed' AND openid = 'o-gone'").fetchall()
    assert failed and "45015" in failed[0][0]

    def logged() -> str:  # both bots share the outbox: either may have been the one to try
        return "".join((demo_files[2] / name).read_text(encoding="utf-8", errors="replace")
                       for name in ("slow.log", "bot.log"))  # fmt: skip

    while "could not be delivered (WeChat API error 45015" not in logged() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "is retried" in logged() and "could not be delivered (WeChat API error 45015" in logged()
