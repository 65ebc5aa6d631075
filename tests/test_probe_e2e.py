"""The findings of the outside probe of issue 19, each through the real servers on loopback: both
servers as `make run` starts them, with the WeChat channel in plaintext mode (the mode in which
a copied signature signs any body; safe mode's downgrade is in tests/test_wechat_e2e.py) and a
status platform's HTTP API stood in for. Each test failed on the code before the issue."""
from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import statistics
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

import pytest

from bot.status import clean_receipt
from connectors.wechat.settings import WeChatSettings
from connectors.wechat.simulator import WeChatSide, message_xml
from tests.catalogues import DEMO_CATALOGUE, ROOT, import_into
from tests.servers import Bot, SocketCitizen
from tests.status_standin import StatusPlatform
from tests.wechat_standin import StandIn

MODEL = ROOT / "models" / "daoban.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)")
SETTINGS = WeChatSettings(token="pl4in", app_id="wx00000000000000aa", app_secret="s3cret")
WEBHOOK = "/webhooks/wechat/webhook"
_ids = iter(range(int(time.time()) * 1000, 10**18))

# Each spelling with a fragment of it that must be stored nowhere (the masks keep a mobile's ends).
SPELLINGS = {
    "110101-19900307-1234": "19900307",
    "110101 19850612 4321": "19850612",
    "１１０１０１１９９２０１０１５６７８": "１９９２０１０１",
    "138-2468-5678": "2468",
    "138 3579 5678": "3579",
    "手机号１３８４６８０５６７８": "４６８０",
    "+86-138-9753-5678": "9753",
}
HALF_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# The platform's applications: one whose staff typed an ID number and markup into its notes.
NOTED = "SL2026120100001"
APPLICATIONS = {
    NOTED: {"phone_last4": "1234", "receipt": NOTED, "matter_name": "老年人优待证办理", "applicant": "张*",
            "state": "已办结", "collect_at": '<a href="http://evil.example/phish">点此领取</a>',
            "history": [{"at": "2026-12-01 09:00", "state": "已办结",
                         "note": "已核验身份证 110101 19770707 1234，<script>alert(1)</script>"}]},
    "SL2026120100002": {"phone_last4": "9012", "receipt": "SL2026120100002", "matter_name": "居住证首次申领",
                        "applicant": "李*", "state": "审查中", "history": []},
}  # fmt: skip
# A catalogue whose text holds markup, and links to other schemes than http(s).
MARKUP_CATALOGUE = {"catalogue": {"source": "markup"}, "matters": [{
    "code": "MARKUP-1", "name": "标记测试事项", "department": "示范区测试局",
    "conditions": '请先<a href="http://evil.example/phish">点此登记</a>，或<a href="javascript:alert(1)">这里</a>。',
    "online_url": "javascript:alert(document.cookie)",
}]}  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probe")
    url = f"sqlite:///{folder / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    markup = folder / "markup.json"
    markup.write_text(json.dumps(MARKUP_CATALOGUE, ensure_ascii=False), encoding="utf-8")
    import_into(url, markup)
    # A link that reached the database before the importers dropped such schemes.
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE matters SET online_url = 'javascript:alert(1)' WHERE code = 'MZ-001'")
    return url, folder


@pytest.fixture(scope="module")
def platform():
    server = StatusPlatform(APPLICATIONS, known_extra_seconds=0.03).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def standin():
    server = StandIn(SETTINGS.app_id, SETTINGS.app_secret).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bot(files, platform, standin):
    url, folder = files
    env = {"WECHAT_TOKEN": SETTINGS.token, "WECHAT_APPID": SETTINGS.app_id, "WECHAT_APPSECRET": SETTINGS.app_secret,
           "WECHAT_API_BASE": standin.base, "BOT_STATUS_PROVIDER": "http", "BOT_STATUS_URL": platform.url,
           "BOT_STATUS_MAX_FAILURES": "1000", "BOT_RATE_PER_SENDER": "600/60/200", "BOT_REQUEST_TIMEOUT": "3"}  # fmt: skip
    bot = Bot(url, str(folder / "tracker.db"), env=env, log=folder / "servers.log")
    yield bot
    bot.stop()


def post(bot: Bot, path: str, body: bytes, method: str = "POST") -> tuple[int, str, dict]:
    request = urllib.request.Request(bot.url(path), data=body if method == "POST" else None, method=method,
                                     headers={"Content-Type": "text/xml"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)


def push(bot: Bot, xml: str, query: dict | None = None) -> tuple[int, str, dict]:
    """A plaintext push signed as WeChat signs it; `query` replaces the signed query."""
    pushed = WeChatSide(SETTINGS).push(xml)
    return (*post(bot, WEBHOOK + "?" + urlencode(query or pushed.query), xml.encode())[:2], pushed.query)


def wechat_text(bot: Bot, openid: str, content: str, msg_id: int | None = None) -> str:
    status, body, _ = push(bot, message_xml(openid, "text", {"Content": content}, msg_id=msg_id or next(_ids)))
    assert status == 200, body
    return WeChatSide(SETTINGS).open_reply(body, safe=False).get("Content", "")


def rest(bot: Bot, sender: str, text: str) -> list[dict]:
    return bot.say(sender, text)


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def stored(bot: Bot, sender: str) -> str:
    """Every string stored of one conversation (texts, slots, entities; not the NLU's numbers),
    one a line, full-width digits as typed; and a line `"event": "user"` for each message."""
    with sqlite3.connect(bot.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    lines = []
    for (data,) in rows:
        event = json.loads(data)
        lines += ['"event": "user"'] if event.get("event") == "user" else []
        lines += list(_strings(event))
    return "\n".join(lines)


def _strings(value):  # noqa: ANN001, ANN202
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def slot_values(bot: Bot, sender: str, slot: str) -> list:
    with sqlite3.connect(bot.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)).fetchall()
    return [event["value"] for event in map(lambda row: json.loads(row[0]), rows) if event["name"] == slot]


def catalogue_rows(files, query: str) -> str:
    with sqlite3.connect(files[0].removeprefix("sqlite:///")) as db:
        return json.dumps(db.execute(query).fetchall(), ensure_ascii=False)


def wait_for_turns(bot: Bot, sender: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while stored(bot, sender).count('"event": "user"') < count and time.monotonic() < deadline:
        time.sleep(0.2)


# --- 1. personal numbers in every spelling --------------------------------------------------
def _say_each_spelling(bot: Bot, channel: str) -> str:
    """Every spelling in one conversation of `channel`; the conversation's sender id."""
    messages = [f"我的证件号{number}，老年证怎么办" if i % 2 else number for i, number in enumerate(SPELLINGS)]
    if channel == "rest":
        sender = "probe-" + uuid.uuid4().hex
        for message in messages:
            assert texts(rest(bot, sender, message))
        return sender
    if channel == "wechat":
        openid = "o-spell-" + uuid.uuid4().hex[:8]
        for message in messages:
            assert wechat_text(bot, openid, message)
        return f"wechat:{openid}"

    async def talk() -> str:
        citizen = SocketCitizen(bot.url(""))
        session = await citizen.connect()
        for message in messages:
            assert texts(await citizen.say(message))
        await citizen.close()
        return "web:" + session.split(".")[0]

    return asyncio.run(talk())


@pytest.mark.parametrize("channel", ["rest", "socketio", "wechat"])
def test_id_and_mobile_numbers_in_every_spelling_are_stored_nowhere(bot, files, channel):
    sender = _say_each_spelling(bot, channel)
    wait_for_turns(bot, sender, len(SPELLINGS))
    kept = stored(bot, sender)
    assert kept.count('"event": "user"') == len(SPELLINGS)
    unanswered = catalogue_rows(files, "SELECT text FROM unanswered_questions")
    log = (files[1] / "servers.log").read_text(encoding="utf-8", errors="replace")
    for spelling, fragment in SPELLINGS.items():
        for where, text in (("tracker", kept), ("unanswered questions", unanswered)):
            assert fragment not in text and fragment.translate(HALF_WIDTH) not in text, (spelling, where)
        # The log has times and ports of its own: there the number is looked for whole, as typed
        # and as its digits alone.
        digits = "".join(ch for ch in spelling.translate(HALF_WIDTH) if ch.isdigit())
        assert spelling not in log and digits not in log, (spelling, "log")
    assert "[身份证号已隐藏]" in kept and "138****5678" in kept


# The re-probe's spellings: Unicode's other dashes and minus signs, ー, brackets.
@pytest.mark.parametrize("typed", ["+86-138-1357-5678", "+86(138)1357-5678", "138−1357−5678", "138﹣1357﹣5678",
                                   "138⁃1357⁃5678", "138ー1357ー5678", "(138)13575678", "110101−19900307−135X"])  # fmt: skip
def test_a_mobile_or_id_number_is_never_taken_for_a_receipt(bot, typed):
    sender = "probe-" + uuid.uuid4().hex
    assert "受理编号" in texts(rest(bot, sender, "查一下我的办件进度"))
    reply = texts(rest(bot, sender, typed))
    assert "后4位" not in reply and "1357" not in stored(bot, sender)
    assert not any(value and clean_receipt(str(value)) for value in slot_values(bot, sender, "receipt_number"))


def test_the_phone_digits_are_stored_as_four_digits_and_masked_after_the_lookup(bot):
    sender = "probe-" + uuid.uuid4().hex
    rest(bot, sender, "查一下我的办件进度")
    rest(bot, sender, NOTED)
    answer = texts(rest(bot, sender, "手机13800001234"))
    assert "已办结" in answer
    values = slot_values(bot, sender, "phone_last4")
    assert values and all(value is None or value == "****" for value in values), values


# --- 8 and 6. what a status platform sends ----------------------------------------------------
def test_a_platforms_note_is_masked_and_its_markup_inert_on_every_channel(bot):
    sender = "probe-" + uuid.uuid4().hex
    rest(bot, sender, "查一下我的办件进度")
    rest(bot, sender, NOTED)
    answer = texts(rest(bot, sender, "1234"))
    assert "已办结" in answer and "19770707" not in answer and "[身份证号已隐藏]" in answer
    assert "19770707" not in stored(bot, sender)
    openid = "o-status-" + uuid.uuid4().hex[:8]
    wechat_text(bot, openid, "查一下我的办件进度")
    wechat_text(bot, openid, NOTED)
    reply = wechat_text(bot, openid, "1234")
    assert "已办结" in reply and "19770707" not in reply
    assert "<a href=\"http://evil" not in reply and "<script>" not in reply and "点此领取" in reply


# --- 6. catalogue text and links ------------------------------------------------------------
def test_catalogue_markup_is_inert_in_wechat_and_only_web_addresses_are_links(bot):
    reply = wechat_text(bot, "o-markup-" + uuid.uuid4().hex[:8], '/inform_matter{"matter": "MARKUP-1"}')
    reply += wechat_text(bot, "o-markup2-" + uuid.uuid4().hex[:8], "标记测试事项的办理条件")
    assert "标记测试事项" in reply and "点此登记" in reply
    assert "<a href=\"http://evil" not in reply and "<a href=\"javascript" not in reply
    assert "＜a href" in reply  # shown as typed, inert
    assert '<a href="http://localhost' in reply and "/guide/MARKUP-1" in reply  # the bot's own link is still one
    for code in ("MARKUP-1", "MZ-001"):
        for question in (f'/inform_matter{{"matter": "{code}"}}', "/ask_online"):
            messages = rest(bot, f"links-{code}", question)
            links = [link for m in messages for link in ((m.get("custom") or {}).get("data") or {}).get("answer", {}).get("links", [])]
            assert links and all(link["url"].startswith(("http://", "https://")) for link in links), (code, links)


def test_the_importer_drops_other_schemes_saying_so(tmp_path):
    catalogue = tmp_path / "markup.json"
    catalogue.write_text(json.dumps(MARKUP_CATALOGUE, ensure_ascii=False), encoding="utf-8")
    import subprocess

    done = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "catalogue", "import", str(catalogue)], cwd=ROOT,
                          env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "BOT_EMBEDDER": "off",
                               "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "MARKUP-1" in done.stderr and "javascript:" in done.stderr and "dropped" in done.stderr
    with sqlite3.connect(tmp_path / "c.db") as db:
        assert db.execute("SELECT online_url FROM matters WHERE code = 'MARKUP-1'").fetchone() == (None,)


# --- 2 and 4. WeChat: copied signatures and shared MsgIds -------------------------------------
def test_a_copied_signature_cannot_carry_another_message(bot):
    victim = "o-victim-" + uuid.uuid4().hex[:8]
    genuine = message_xml(victim, "text", {"Content": "老年证要带什么材料"}, msg_id=next(_ids))
    status, first, query = push(bot, genuine)
    assert status == 200 and "老年人优待证" in first
    forged = message_xml(victim, "text", {"Content": "查一下我的办件进度"}, msg_id=next(_ids))
    assert post(bot, WEBHOOK + "?" + urlencode(query), forged.encode())[0] == 403
    forged_other = message_xml("o-attacker", "text", {"Content": "查一下我的办件进度"}, msg_id=next(_ids))
    assert post(bot, WEBHOOK + "?" + urlencode(query), forged_other.encode())[0] == 403
    retried = post(bot, WEBHOOK + "?" + urlencode(query), genuine.encode())  # WeChat's own retry: the same reply
    assert retried[:2] == (200, first)
    assert stored(bot, f"wechat:{victim}").count('"event": "user"') == 1
    assert stored(bot, "wechat:o-attacker") == ""


def test_a_msgid_sent_by_another_citizen_gets_that_citizens_own_answer(bot):
    msg_id = next(_ids)
    assert "老年人优待证" in wechat_text(bot, "o-first-" + uuid.uuid4().hex[:6], "老年证要带什么材料", msg_id)
    second = wechat_text(bot, "o-second-" + uuid.uuid4().hex[:6], "居住证在哪办", msg_id)
    assert "居住证" in second and "老年人优待证" not in second


# --- 3. malformed parameters ----------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_huge_timestamp_is_a_400_with_one_short_log_line(bot, files, method):
    log = files[1] / "servers.log"
    before = log.stat().st_size
    query = urlencode({"signature": "0" * 40, "timestamp": "9" * 400, "nonce": "1", "echostr": "x"})
    for _ in range(20):
        status, _, _ = post(bot, f"{WEBHOOK}?{query}", b"<xml/>", method)
        assert status == 400
    time.sleep(0.5)
    written = log.read_bytes()[before:].decode("utf-8", "replace")
    assert "Traceback" not in written and "OverflowError" not in written and len(written) < 20 * 300


# --- 5. timing ------------------------------------------------------------------------------
def test_wrong_digits_and_an_unknown_receipt_end_at_the_same_time(bot):
    """Interleaved lookups: wrong digits for a receipt the platform knows (which costs it 30 ms
    more) and an unknown receipt, with the same digits typed. Neither is slower by more than a
    few milliseconds, nor slower in most pairs."""

    def timed(receipt: str) -> float:
        sender = "timing-" + uuid.uuid4().hex
        rest(bot, sender, receipt)
        started = time.monotonic()
        assert "没有查到" in texts(rest(bot, sender, "0000"))
        return time.monotonic() - started

    pairs = [(timed("SL2026120100002"), timed(f"SL2099{n:09d}")) for n in range(24)]
    known, unknown = [p[0] for p in pairs], [p[1] for p in pairs]
    slower = sum(k > u for k, u in pairs) / len(pairs)
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.01, (known, unknown)
    assert 0.15 <= slower <= 0.85, pairs


# --- smaller findings -----------------------------------------------------------------------
def test_a_connection_that_sends_nothing_is_closed_within_the_request_timeout(bot):
    with socket.create_connection(("127.0.0.1", bot.rasa_port), timeout=30) as connection:
        started = time.monotonic()
        answer = connection.recv(1024)
        assert answer == b"" or b" 408 " in answer
        assert time.monotonic() - started < 10  # BOT_REQUEST_TIMEOUT is 3 s here; Rasa's keep-alive was 120 s


def test_an_oversized_wechat_body_gets_a_plain_refusal(bot):
    status, body, headers = post(bot, WEBHOOK, b"<xml>" + b"a" * 70_000 + b"</xml>")
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    assert (status, body) == (413, "refused") and content_type.startswith("text/plain")


@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/status"), ("GET", "/no/such/page"),
                                          ("DELETE", "/webhooks/rest/webhook")])  # fmt: skip
def test_every_answer_carries_nosniff_and_a_content_security_policy(bot, method, path):
    _, _, headers = post(bot, path, b"", method)
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers.get("x-content-type-options") == "nosniff"
    assert "default-src" in headers.get("content-security-policy", "")


# --- 7. Python's warnings -------------------------------------------------------------------
def test_a_typed_command_that_rasa_cannot_parse_is_logged_masked(bot, files):
    log = files[1] / "servers.log"
    before = log.stat().st_size
    rest(bot, "probe-" + uuid.uuid4().hex, '/inform_matter{"receipt_number": SL2026127300009, "phone_last4": 7391}')
    time.sleep(1)
    written = log.read_bytes()[before:].decode("utf-8", "replace")
    assert "Failed to parse arguments" in written  # Rasa's warning, which quotes the message
    assert "SL2026127300009" not in written and "7391" not in written
