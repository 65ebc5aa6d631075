"""Security, end to end: both servers started as `make run` starts them (scripts/run-bot), probed
on loopback as an outsider would (issue 8). Each test is one finding of the probe; on the code
before the fix each of them failed.

The shared bot trusts one proxy (SANIC_PROXIES_COUNT=1), as it would behind nginx, so that
tests can stand for different citizens' addresses with X-Forwarded-For; its per-sender limit
is raised for the corpus. The second bot runs with the defaults and Rasa's API on."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import threading
import time
import urllib.request
import uuid

import pytest

from bot import wording
from tests.bad_inputs import BODIES, MESSAGES
from tests.catalogues import DEMO_CATALOGUE, ROOT, import_into
from tests.servers import Bot, SocketCitizen, forged_status_call, free_port, socket_status_lookup

MODEL = ROOT / "models" / "daoban.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)")
TOKEN = "test-api-token-" + "x" * 20
# The demo applications, and who may lock them: SL2026110100001 by the new-sender guesses,
# SL2026110300027 and SL2026111500042 by the every-route guesses. RECEIPT (欧阳娜娜's 低保) is
# looked up successfully by several tests and fails once (the timing test): it never locks.
RECEIPT, DIGITS = "SL2026111000315", "9012"


def catalogue_with_applications(folder) -> str:
    url = f"sqlite:///{folder / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    from bot.status.database import seed_demo_applications

    seed_demo_applications(url)
    return url


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("security")
    bot = Bot(catalogue_with_applications(folder), str(folder / "tracker.db"), log=folder / "servers.log",
              env={"SANIC_PROXIES_COUNT": "1", "BOT_RATE_PER_SENDER": "600/60/200", "BOT_REQUEST_TIMEOUT": "3"})  # fmt: skip
    yield bot
    bot.stop()


def address() -> dict:
    """A citizen's own address, as the trusted proxy reports it."""
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


def say(bot: Bot, sender: str, text: str, headers: dict | None = None) -> tuple[int, list]:
    return bot.post("/webhooks/rest/webhook", json.dumps({"sender": sender, "message": text}).encode(),
                    headers or address())  # fmt: skip


def texts(reply: object) -> str:
    if isinstance(reply, dict):
        return reply.get("text") or ""
    return "\n".join(m.get("text") or "" for m in reply if isinstance(m, dict))


# --- closed internals -----------------------------------------------------------------------
@pytest.mark.parametrize("method, path, closed", [
    ("GET", "/conversations/someone/tracker", 404), ("POST", "/conversations/someone/tracker/events", 404),
    ("PUT", "/conversations/someone/tracker/events", 404), ("GET", "/domain", 404), ("POST", "/model/parse", 404),
    ("DELETE", "/model", 403), ("PUT", "/model", 403), ("POST", "/model/train", 403),
])  # fmt: skip
def test_rasa_api_is_off_by_default(bot, method, path, closed):
    status, _ = bot.post(path, b'{"model_server": {"url": "http://127.0.0.1:9/x"}}', method=method)
    assert status == closed
    assert bot.post("/status", b"", method="GET") == (200, {"ready": True})


def test_action_server_refuses_calls_without_the_token(bot):
    forged = forged_status_call(RECEIPT, "0000")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "wrong"}):
        request = urllib.request.Request(f"http://127.0.0.1:{bot.action_port}/webhook", json.dumps(forged).encode(),
                                         {"Content-Type": "application/json", **headers})  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403 and b"receipt" not in refused.value.read()
    assert urllib.request.urlopen(f"http://127.0.0.1:{bot.action_port}/health", timeout=5).status == 200


def test_servers_listen_on_loopback_only(bot):
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    for port in (bot.rasa_port, bot.action_port):
        local = [line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(f":{port}")]
        assert local and all(a.startswith(("127.0.0.1:", "[::1]:")) for a in local), local


def test_action_server_will_not_listen_wider_without_a_token():
    env = {"ACTION_HOST": "0.0.0.0", "ACTION_PORT": str(free_port()), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "connectors.action_server"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "ACTION_SERVER_TOKEN" in done.stderr


def test_cors_only_for_allowed_origins(bot):
    own = f"http://localhost:{bot.rasa_port}"
    body = json.dumps({"sender": "cors", "message": "你好"}).encode()
    _, headers = _raw(bot, body, {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers
    _, headers = _raw(bot, body, {"Origin": own})
    assert headers.get("access-control-allow-origin") == own


def test_socketio_refuses_other_origins(bot):
    citizen = SocketCitizen(bot.url(""), {"Origin": "https://evil.example"})
    with pytest.raises(Exception):  # noqa: B017 - socketio raises its ConnectionError
        asyncio.run(citizen.connect())


def _raw(bot: Bot, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(bot.url("/webhooks/rest/webhook"), body,
                                     {"Content-Type": "application/json", **headers})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}


# --- limits before work ---------------------------------------------------------------------
def test_a_huge_body_is_refused_at_once_and_others_are_not_kept_waiting(bot):
    results: dict = {}

    def flood() -> None:
        started = time.monotonic()
        results["flood"] = bot.post_large("/webhooks/rest/webhook", BODIES["10 MB"])
        results["flood seconds"] = time.monotonic() - started

    thread = threading.Thread(target=flood)
    thread.start()
    started = time.monotonic()
    status, reply = say(bot, "bystander", "老年证要带什么材料")
    waited = time.monotonic() - started
    thread.join(60)
    assert results["flood"][0] == 413 and "太长" in texts(results["flood"][1]) and results["flood seconds"] < 5
    assert status == 200 and "一次性告知" in texts(reply) and waited < 5


def test_a_long_message_is_refused_politely(bot):
    status, reply = say(bot, "long", "老年证要带什么材料" * 100)
    assert status == 200 and texts(reply) == wording.too_long(500)


# --- identity of a conversation -------------------------------------------------------------
@pytest.mark.parametrize("case", ["no sender", "null sender", "empty sender", "number sender",
                                  "sender in another channel's namespace", "huge sender",
                                  "lone surrogate in the sender", "control character in the sender",
                                  "invisible sender"])  # fmt: skip
def test_no_usable_sender_is_a_400_never_a_shared_conversation(bot, case):
    status, reply = bot.post("/webhooks/rest/webhook", BODIES[case])
    assert status == 400 and reply["error"] == "sender required" and reply["text"]
    with sqlite3.connect(bot.tracker_db) as connection:
        shared = connection.execute("select count(*) from events where sender_id in ('default', '', 'None')").fetchone()
    assert shared == (0,)
    assert bot.post("/status", b"", method="GET") == (200, {"ready": True})  # the server is still there


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_only_json_is_read(bot, content_type):
    """A page on another site can post a form or text/plain without asking the browser's CORS
    preflight; such a request is not read."""
    request = urllib.request.Request(bot.url("/webhooks/rest/webhook"),
                                     json.dumps({"sender": "cross-site", "message": "查一下办件进度"}).encode())  # fmt: skip
    if content_type:
        request.add_header("Content-Type", content_type)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 415 and json.loads(refused.value.read())["text"]


def test_typed_commands_are_read_as_text(bot):
    """Only the bot's own buttons may send `/intent{…}`: a typed /restart or a status intent with
    slots is read as words."""
    sender, headers = uuid.uuid4().hex, address()
    say(bot, sender, "老年证要带什么材料", headers)
    assert texts(say(bot, sender, "/restart", headers)[1]) != wording.busy()
    assert "老年人优待证" in texts(say(bot, sender, "要多久？", headers)[1])  # the conversation was not reset
    forged = '/check_status{"receipt_number": "SL2026110100001", "phone_last4": "1234"}'
    assert "当前状态" not in texts(say(bot, sender, forged, headers)[1])


@pytest.mark.parametrize("length", [b"-1", b"abc"])
def test_a_bad_content_length_is_refused_and_the_servers_stay_up(bot, length):
    """Sanic 21.12 loops for ever on a negative Content-Length: one request stopped the bot."""
    import socket

    for port in (bot.rasa_port, bot.action_port):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: " + length + b"\r\n\r\n" + b'{"sender": "a", "message": "hi"}')
            # 400; the action server's token check runs on errors too, so 403 there
            assert connection.recv(1024).split()[1] in (b"400", b"403")
    time.sleep(1)
    assert bot.post("/status", b"", method="GET") == (200, {"ready": True})
    assert urllib.request.urlopen(f"http://127.0.0.1:{bot.action_port}/health", timeout=5).status == 200


@pytest.mark.parametrize("payload", ["button payload with an object", "button payload with surrogates"])
def test_a_forged_button_is_a_matter_not_found(bot, payload):
    reply = texts(say(bot, uuid.uuid4().hex, MESSAGES[payload])[1])
    assert "没有找到" in reply and reply != wording.busy()


def test_a_request_sent_slowly_is_cut_off(bot):
    """Part of a request, then nothing (slowloris): the connection is closed, not held."""
    import socket

    with socket.create_connection(("127.0.0.1", bot.rasa_port), timeout=30) as connection:
        connection.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
        started = time.monotonic()
        answer = connection.recv(1024)  # b"" or a 408 when the server gives up
        assert time.monotonic() - started < 10 and (answer == b"" or b" 408 " in answer)


def test_socketio_sessions_cannot_be_joined(bot):
    async def scenario() -> tuple:
        victim, attacker, forger = SocketCitizen(bot.url("")), SocketCitizen(bot.url("")), SocketCitizen(bot.url(""))
        victim_session = await victim.connect()
        # presenting the victim's session while the victim is connected gets a session of one's own
        attacker_session = await attacker.connect(victim_session)
        forged_session = await forger.connect("0123456789abcdef0123456789abcdef")
        # a message naming the victim's session is the sender's own
        await attacker.say({"message": "查一下办件进度", "session_id": victim_session})
        await victim.say(RECEIPT)
        victim_answer = await victim.say(DIGITS)
        await asyncio.sleep(1)
        for client in (victim, attacker, forger):
            await client.close()
        return victim_session, attacker_session, forged_session, victim_answer, attacker.received

    victim_session, attacker_session, forged, victim_answer, attacker_saw = asyncio.run(scenario())
    assert attacker_session != victim_session and forged not in (victim_session, "0123456789abcdef0123456789abcdef")
    assert "审查中" in texts(victim_answer)  # the victim's own flow went through
    assert not any(RECEIPT in (m.get("text") or "") or "审查中" in (m.get("text") or "") for m in attacker_saw)


def test_socketio_session_survives_a_reload(bot):
    async def scenario() -> str:
        first = SocketCitizen(bot.url(""))
        session = await first.connect()
        await first.say("我奶奶想办老年证")
        await first.close()
        await asyncio.sleep(0.5)
        again = SocketCitizen(bot.url(""))
        assert await again.connect(session) == session
        answer = await again.say("要带什么材料？")
        await again.close()
        return texts(answer)

    assert "老年人优待证" in asyncio.run(scenario())


# --- the status lookup ----------------------------------------------------------------------
def lookup(bot: Bot, receipt: str, digits: str, headers: dict | None = None) -> str:
    """One guess as an attacker makes it through REST: a new conversation every time."""
    sender, headers = uuid.uuid4().hex, headers or address()
    say(bot, sender, receipt, headers)
    return texts(say(bot, sender, digits, headers)[1])


def test_new_senders_gain_no_guesses_at_one_receipt(bot):
    replies = [lookup(bot, "SL2026110100001", f"{guess:04d}") for guess in range(7)]
    assert sum("没有查到" in r for r in replies) == 5 and all("15分钟" in r for r in replies[5:])
    assert "15分钟" in lookup(bot, "SL2026110100001", "1234")  # the right digits, too late


def test_one_address_gains_no_guesses_over_many_receipts(bot):
    attacker = address()
    replies = [lookup(bot, f"SL20261101{n:05d}", "0000", attacker) for n in range(100, 107)]
    assert sum("没有查到" in r for r in replies) == 5 and all("15分钟" in r for r in replies[5:])
    assert "没有查到" in lookup(bot, "SL2026110199999", "0000")  # another citizen is not locked


def test_status_cannot_be_guessed_by_any_route(bot):
    """At most five guesses at one receipt by each route, whatever the attacker renews, and the
    right digits (the 7th guess) are refused; bounded to 60 s."""
    started = time.monotonic()
    routes = {
        "REST, new sender and new address per guess": ("SL2026110300027", "5678", lambda r, d: lookup(bot, r, d)),
        "socket.io, new connection and address per guess": ("SL2026111500042", "3456", lambda r, d: asyncio.run(
            socket_status_lookup(bot.url(""), r, d, address()))),
        "action server, forged tracker": ("SL2026111000315", DIGITS, lambda r, d: _forged_lookup(bot, r, d)),
    }  # fmt: skip
    for route, (receipt, right, guess) in routes.items():
        replies = [guess(receipt, right if n == 6 else f"{n:04d}") for n in range(9)]
        checked = sum("没有查到" in r or "当前状态" in r for r in replies)
        assert checked <= 5 and not any("当前状态" in r for r in replies), (route, replies)
    assert time.monotonic() - started < 60


def _forged_lookup(bot: Bot, receipt: str, digits: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{bot.action_port}/webhook",
                                     json.dumps(forged_status_call(receipt, digits)).encode(),
                                     {"Content-Type": "application/json"})  # fmt: skip
    try:
        return urllib.request.urlopen(request, timeout=10).read().decode()
    except urllib.error.HTTPError as error:
        return f"{error.code}"


def test_unknown_receipt_and_wrong_digits_look_the_same(bot):
    def timed(receipt: str, digits: str) -> tuple[str, float]:
        sender, headers = uuid.uuid4().hex, address()
        say(bot, sender, receipt, headers)
        started = time.monotonic()
        reply = texts(say(bot, sender, digits, headers)[1])
        return reply, time.monotonic() - started

    (wrong, wrong_seconds), (unknown, unknown_seconds) = timed(RECEIPT, "0000"), timed("SL2099010100001", DIGITS)
    assert wrong == unknown and "没有查到" in wrong
    assert abs(wrong_seconds - unknown_seconds) < 0.15 and min(wrong_seconds, unknown_seconds) >= 0.4


@pytest.mark.parametrize("case", ["sql drop", "script tag", "sql or", "template"])
def test_free_text_never_enters_the_status_form(bot, case):
    sender, headers = uuid.uuid4().hex, address()
    first = texts(say(bot, sender, MESSAGES[case], headers)[1])
    assert "受理编号" not in first
    assert "一次性告知" in texts(say(bot, sender, "老年证要带什么材料", headers)[1])


def test_a_mobile_number_in_a_question_does_not_start_the_status_form(bot):
    reply = texts(say(bot, uuid.uuid4().hex, "我叫张三，电话13812345678，想投诉")[1])
    assert "受理编号" not in reply and "13812345678" not in reply


def test_an_id_number_is_refused_and_never_stored(bot):
    sender, headers, id_number = uuid.uuid4().hex, address(), "440305199001011234"
    say(bot, sender, "查一下办件进度", headers)
    assert texts(say(bot, sender, id_number, headers)[1]).startswith("请不要在这里输入身份证号码")
    say(bot, sender, RECEIPT, headers)
    mobile = f"1380000{DIGITS}"  # the whole number: masked where it comes in, its last four read
    assert "审查中" in texts(say(bot, sender, mobile, headers)[1])
    with sqlite3.connect(bot.tracker_db) as connection:
        stored = "\n".join(row[0] for row in connection.execute("select data from events where sender_id = ?", (sender,)))
    assert id_number not in stored and RECEIPT not in stored and mobile not in stored and f'"{DIGITS}"' not in stored
    assert "SL*********0315" in stored  # masked once the lookup is done


def test_the_sentence_vector_sent_to_the_action_server_is_not_stored(bot):
    sender = uuid.uuid4().hex
    assert "材料" in texts(say(bot, sender, "老年证要带什么材料", address())[1])
    with sqlite3.connect(bot.tracker_db) as connection:
        stored = [json.loads(row[0]) for row in connection.execute(
            "select data from events where sender_id = ? and type_name = 'user'", (sender,))]  # fmt: skip
    assert stored and all("sentence_vector" not in event["parse_data"] for event in stored)


# --- never silent ---------------------------------------------------------------------------
def test_bad_input_corpus_over_rest(bot):
    status_checks = StatusWatch(bot)
    with status_checks:
        for name, value in MESSAGES.items():
            status, reply = bot.post("/webhooks/rest/webhook", json.dumps({"sender": f"bad-{name}", "message": value}).encode(),
                                     address())  # fmt: skip
            assert status < 500 and texts(reply).strip(), (name, status, reply)
        for name, body in BODIES.items():
            post = bot.post_large if len(body) > 1_000_000 else bot.post
            status, reply = post("/webhooks/rest/webhook", body)
            assert status < 500 and texts(reply).strip(), (name, status, reply)
    assert status_checks.failures == [] and status_checks.count >= 1


def test_bad_input_corpus_over_socketio(bot):
    async def scenario() -> list:
        citizen = SocketCitizen(bot.url(""), address())
        await citizen.connect()
        silent = []
        for name, value in list(MESSAGES.items()) + [("not an object", "just text"), ("number", 5), ("none", None)]:
            replies = await citizen.say({"message": value} if name != "not an object" else value)
            if not any((m.get("text") or "").strip() for m in replies):
                silent.append(name)
        await citizen.close()
        return silent

    with StatusWatch(bot) as watch:
        assert asyncio.run(scenario()) == []
    assert watch.failures == []


class StatusWatch:
    """Polls GET /status in the background; `failures` lists every poll that failed or took
    over 2 s."""

    def __init__(self, bot: Bot):
        self.bot, self.failures, self.count, self._stop = bot, [], 0, threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                urllib.request.urlopen(self.bot.url("/status"), timeout=2).read()
            except OSError as error:
                self.failures.append(repr(error))
            if time.monotonic() - started > 2:
                self.failures.append(f"slow: {time.monotonic() - started:.1f} s")
            self.count += 1
            self._stop.wait(0.2)

    def __enter__(self) -> "StatusWatch":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self._stop.set()
        self._thread.join(5)


# --- ratings --------------------------------------------------------------------------------
def test_ratings_only_after_an_answer_and_once(bot):
    from sqlalchemy import select

    from bot import db
    from bot.models import Rating

    sender, headers = uuid.uuid4().hex, address()
    for _ in range(5):
        assert "还没有可以评价的回答" in texts(say(bot, sender, "/rate_bad", headers)[1])
    say(bot, sender, "老年证要带什么材料", headers)
    replies = [texts(say(bot, sender, "/rate_good", headers)[1]) for _ in range(3)]
    assert "感谢您的好评" in replies[0] and all("已经评价过" in r for r in replies[1:])
    with db.session_scope(bot.env["BOT_DATABASE_URL"]) as session:
        stored = session.execute(select(Rating.matter, Rating.satisfied).where(Rating.conversation == sender)).all()
    assert stored == [("MZ-001", True)]


# --- privacy in logs ------------------------------------------------------------------------
def test_logs_hold_no_personal_numbers_or_long_texts(bot):
    sender, headers = uuid.uuid4().hex, address()
    tail = "请帮我看看这个很长的问题后面的部分有没有被写进日志里面去"
    say(bot, sender, "查一下办件进度", headers)
    say(bot, sender, "440305199001011234 13812345678", headers)
    say(bot, sender, RECEIPT, headers)
    say(bot, sender, DIGITS, headers)
    say(bot, sender, "老年证" * 30 + tail, headers)
    time.sleep(1)
    log = bot.log.read_text("utf-8", "replace")
    for secret in ("440305199001011234", "13812345678", RECEIPT, tail):
        assert secret not in log
    assert max(len(line) for line in log.splitlines()) < 5000


# --- the second bot: defaults, Rasa's API on with a token -----------------------------------
PLATFORM_PERSONAL = {"applicant": "欧阳娜娜", "phone": "13812345678", "id_number": "440305199001011234"}


@pytest.fixture(scope="module")
def wrong_path_platform():
    """A broken status platform on loopback: a wrong path (404 with an HTML page) every other
    time, else a malformed answer full of personal data."""
    from aiohttp import web

    calls = []

    async def not_here(request):  # noqa: ANN001, ANN202
        calls.append(request.path)
        if len(calls) % 2:
            return web.Response(status=404, text="<html><h1>404 Not Found</h1></html>", content_type="text/html")
        return web.json_response({**PLATFORM_PERSONAL, "state": "飞走了"})

    app, port, loop = web.Application(), free_port(), asyncio.new_event_loop()
    app.router.add_route("*", "/{tail:.*}", not_here)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/api"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture(scope="module")
def api_bot(tmp_path_factory, wrong_path_platform):
    folder = tmp_path_factory.mktemp("api")
    bot = Bot(catalogue_with_applications(folder), str(folder / "tracker.db"), log=folder / "servers.log",
              env={"RASA_ENABLE_API": "1", "RASA_AUTH_TOKEN": TOKEN, "SANIC_PROXIES_COUNT": "1",
                   "BOT_RATE_PER_CLIENT": "20/60/20", "BOT_STATUS_PROVIDER": "http",
                   "BOT_STATUS_URL": wrong_path_platform})  # fmt: skip
    yield bot
    bot.stop()


def test_a_platform_error_is_not_the_citizens_failure(api_bot):
    """Six lookups of one receipt from one address: none counts, so none is locked."""
    headers, replies = address(), []
    for _ in range(6):
        sender = uuid.uuid4().hex
        say(api_bot, sender, RECEIPT, headers)
        replies.append(texts(say(api_bot, sender, DIGITS, headers)[1]))
    assert all("暂时查不到办件进度" in r and "12345" in r for r in replies)
    time.sleep(1)
    log = api_bot.log.read_text("utf-8", "replace")
    assert "status provider unavailable" in log  # logged, but nothing the platform sent
    assert not any(value in log for value in PLATFORM_PERSONAL.values())


def test_the_api_needs_its_token_and_never_serves_the_model_routes(api_bot):
    assert say(api_bot, "api-user", "老年证要带什么材料")[0] == 200
    assert api_bot.post("/conversations/api-user/tracker", b"", method="GET")[0] == 401
    status, tracker = api_bot.post(f"/conversations/api-user/tracker?token={TOKEN}", b"", method="GET")
    assert status == 200 and tracker["sender_id"] == "api-user"
    for method, path in (("DELETE", "/model"), ("PUT", "/model"), ("POST", "/model/train")):
        assert api_bot.post(f"{path}?token={TOKEN}", b"{}", method=method)[0] == 403


def test_the_api_without_a_token_does_not_start(tmp_path):
    env = {"RASA_ENABLE_API": "1", "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
           "TRACKER_DB": str(tmp_path / "t.db"), "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([str(ROOT / "scripts" / "run-bot")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert done.returncode != 0 and "RASA_AUTH_TOKEN" in done.stderr


def test_rate_limits_per_sender_and_per_address(api_bot):
    """Defaults per sender (bursts of 10, then one every 3 s); 20 per address for this bot."""
    sender, headers = uuid.uuid4().hex, address()
    replies = [say(api_bot, sender, "你好", headers) for _ in range(14)]
    assert [status for status, _ in replies[:10]] == [200] * 10
    limited = [reply for status, reply in replies[10:] if status == 429]
    assert len(limited) >= 2 and all(texts(reply) == wording.too_fast() for reply in limited)
    assert say(api_bot, uuid.uuid4().hex, "你好", headers)[0] == 200  # another sender at that address
    crowd = address()
    codes = [say(api_bot, uuid.uuid4().hex, "你好", crowd)[0] for _ in range(30)]
    assert codes[:20] == [200] * 20 and codes.count(429) >= 8


def test_a_flood_of_socket_connections_from_one_address_is_refused(api_bot):
    async def connect_many(headers: dict) -> list[bool]:
        results, clients = [], []
        for _ in range(25):
            client = SocketCitizen(api_bot.url(""), headers)
            try:
                await client.connect()
                clients.append(client)
                results.append(True)
            except Exception:  # noqa: BLE001 - socketio's ConnectionError when refused
                results.append(False)
        for client in clients:
            await client.close()
        return results

    accepted = asyncio.run(connect_many(address()))
    assert accepted[:20] == [True] * 20 and accepted.count(False) >= 4


def test_with_the_action_server_down_citizens_are_told(api_bot):
    api_bot.kill_action_server()
    status, reply = say(api_bot, "after-the-crash", "老年证要带什么材料")
    assert status == 200 and texts(reply) == wording.busy()
    assert api_bot.post(f"/status?token={TOKEN}", b"", method="GET")[0] == 200
