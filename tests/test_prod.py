"""The production layout (`make run-prod`, scripts/run-prod) on loopback: PostgreSQL, Redis as the
lock store, nginx in front of two Rasa servers and two action servers. Needs the trained model,
and PostgreSQL, Redis and nginx (installed by the script when missing, as root)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.catalogues import ROOT
from tests.prod_layout import MODEL, Layout, listener, psql, services_missing
from tests.servers import SocketCitizen, answering

BUSY = "12345"  # what the citizen is told while a part is down: call the hotline


pytestmark = [
    pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)"),
    pytest.mark.skipif(bool(services_missing()), reason=services_missing() or "-"),
]


@pytest.fixture(scope="module")
def layout():
    folder = Path(tempfile.mkdtemp(prefix="daoban-prod-"))
    folder.chmod(0o755)  # PostgreSQL's own user must reach its data inside
    try:
        layout = Layout(folder / "prod")
    except (TimeoutError, OSError) as error:
        log = (folder / "prod.log").read_text(errors="replace")[-3000:] if (folder / "prod.log").exists() else ""
        pytest.fail(f"{error}\n{log}")
    yield layout
    layout.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_one_conversation_alternating_between_two_rasa_servers_keeps_its_context(layout):
    first, second = layout.rasa_port, layout.rasa_port + 1
    assert "老年人优待证" in layout.say("alternating", "老年证要带什么材料", first)
    assert "老年人优待证" in layout.say("alternating", "在哪办", second)
    assert "残疾人证" in layout.say("alternating", "那残疾证呢", first)
    assert "残疾人证" in layout.say("alternating", "要多久", second)


def test_two_messages_of_one_citizen_at_both_servers_at_once_are_turns_in_order(layout):
    for attempt in range(3):  # the race it guards against is a matter of milliseconds: try it thrice
        sender = f"both-at-once-{attempt}"
        layout.say(sender, "你好", layout.rasa_port)
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda args: layout.say(sender, *args),
                                    [("老年证要带什么材料", layout.rasa_port), ("居住证在哪办", layout.rasa_port + 1)]))  # fmt: skip
        assert "老年人优待证" in answers[0] and "居住证" in answers[1]
        events = tracker_events(layout, sender)
        users = [i for i, (kind, _name) in enumerate(events) if kind == "user"]
        assert len(users) == 3, " ".join(kind + ":" + name for kind, name in events)
        # each turn whole before the next: a user message, then the bot's actions up to action_listen
        for start, end in zip(users, users[1:] + [len(events)]):
            assert [name for kind, name in events[start + 1:end] if kind == "action"][-1] == "action_listen", events


def tracker_events(layout: Layout, sender: str) -> list[tuple[str, str]]:
    rows = psql(layout, "daoban", f"SELECT type_name, action_name FROM events WHERE sender_id = '{sender}' ORDER BY id")
    return [(row[0], row[1] if len(row) > 1 else "") for row in rows]


def test_postgresql_and_redis_refuse_whoever_lacks_the_password(layout):
    import psycopg2
    import redis

    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(host="127.0.0.1", port=layout.env["PG_PORT"], user="postgres", dbname="daoban",
                         password="guess", connect_timeout=5)  # fmt: skip
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=int(layout.env["REDIS_PORT"]), password="guess").ping()
    with pytest.raises(redis.AuthenticationError, match="(?i)auth"):
        redis.Redis(port=int(layout.env["REDIS_PORT"])).get("anything")


def test_a_flood_from_one_address_is_shed_with_an_answer_not_queued(layout):
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda n: layout.say(f"flood-{n}", "老年证要带什么材料"), range(40)))
    assert all("老年人优待证" in answer or BUSY in answer for answer in answers)
    assert sum(BUSY in answer for answer in answers) >= 8  # past 16 in flight: answered at once
    request = urllib.request.Request(layout.url("/webhooks/rest/webhook"), headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": "big", "message": "字" * 40_000}).encode())  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413 and "太长" in json.load(refused.value)[0]["text"]  # JSON, not nginx's page
    assert refused.value.headers["X-Content-Type-Options"] == "nosniff"
    wechat = urllib.request.Request(layout.url("/webhooks/wechat/webhook"), data=b"<xml>" + b"a" * 70_000 + b"</xml>")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wechat, timeout=30)
    assert (refused.value.code, refused.value.read()) == (413, b"refused")  # as the WeChat channel refuses


def test_the_event_broker_records_every_event(layout):
    layout.say("recorded", "老年证在哪办")
    assert int(psql(layout, "daoban_events", "SELECT count(*) FROM events WHERE sender_id = 'recorded'")[0][0]) >= 3


def test_nginx_serves_pages_static_files_and_socketio(layout):
    with urllib.request.urlopen(layout.url("/guide/MZ-001"), timeout=30) as page:
        assert "老年人优待证办理" in page.read().decode()
    request = urllib.request.Request(layout.url("/web/static/widget.js"), headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as script:
        assert script.headers["Content-Encoding"] == "gzip"

    async def scenario() -> list[dict]:
        citizen = SocketCitizen(layout.url(""), {"Origin": f"http://localhost:{layout.bot_port}"})
        await citizen.connect()
        answer = await citizen.say("老年证要带什么材料")
        await citizen.close()
        return answer

    assert any("老年人优待证" in (m.get("text") or "") for m in asyncio.run(scenario()))


def test_a_rasa_server_killed_under_load_loses_no_conversation(layout):
    citizens = [f"survivor-{n}" for n in range(8)]
    questions = ("在哪办", "要多久", "网上能办吗", "要带什么材料", "在哪办", "要多久")
    with ThreadPoolExecutor(len(citizens)) as pool:
        assert all("老年人优待证" in a for a in pool.map(lambda c: layout.say(c, "老年证要带什么材料"), citizens))
        talks = [pool.submit(lambda c: [layout.say(c, q) for q in questions], c) for c in citizens]
        time.sleep(1)  # all eight talking, through nginx, to both servers
        victim = listener(layout.rasa_port)
        os.kill(victim, signal.SIGKILL)
        answers = [talk.result() for talk in talks]  # an HTTP error (a 502) would raise here
    # Every message answered: about the citizen's matter, or, for a turn the kill cut off, the
    # "call 12345" answer nginx gives in its place; never an error or nothing.
    assert all("老年人优待证" in answer or BUSY in answer for talk in answers for answer in talk), answers
    assert sum("老年人优待证" in answer for talk in answers for answer in talk) >= len(citizens) * (len(questions) - 2)
    # no conversation lost: each goes on with its context, on the server left
    # (while the killed server restarts, nginx may still give a turn the hotline answer: ask again)
    after = {c: next_answer(layout, c, "在哪办") for c in citizens}
    assert all("老年人优待证" in answer for answer in after.values()), after
    assert answering([layout.url("/status", layout.rasa_port)], 300)  # started again, it rejoins
    assert listener(layout.rasa_port) != victim
    assert "老年人优待证" in layout.say("survivor-0", "要带什么材料", layout.rasa_port)


def next_answer(layout: Layout, sender: str, text: str, tries: int = 3) -> str:
    """The answer to `text`, asked again while the answer is the hotline's stand-in."""
    for _ in range(tries):
        answer = layout.say(sender, text)
        if BUSY not in answer:
            return answer
        time.sleep(2)
    return answer


def test_a_web_session_resumes_on_the_other_rasa_server(layout):
    """A widget whose server went away reconnects through nginx to another: the session id it
    holds is signed with the secret all servers share, and its conversation is in PostgreSQL."""
    origin = {"Origin": f"http://localhost:{layout.bot_port}"}

    async def scenario() -> tuple[str, str, str]:
        first = SocketCitizen(layout.url("", layout.rasa_port), origin)
        session = await first.connect()
        await first.say("老年证要带什么材料")
        await first.close()
        second = SocketCitizen(layout.url("", layout.rasa_port + 1), origin)
        resumed = await second.connect(session)
        answer = "\n".join(m.get("text") or "" for m in await second.say("在哪办"))
        await second.close()
        return session, resumed, answer

    session, resumed, answer = asyncio.run(scenario())
    assert resumed == session and "老年人优待证" in answer


def socket_answer(layout: Layout, text: str) -> str:
    async def scenario() -> list[dict]:
        citizen = SocketCitizen(layout.url(""), {"Origin": f"http://localhost:{layout.bot_port}"})
        await citizen.connect()
        try:
            return await citizen.say(text)
        finally:
            await citizen.close()

    return "\n".join(m.get("text") or "" for m in asyncio.run(scenario()))


@pytest.mark.parametrize("store", ["postgres", "redis"])
def test_while_a_store_restarts_citizens_are_told_to_call_12345_and_then_carry_on(layout, store):
    sender = f"through-{store}-restart"
    assert "老年人优待证" in layout.say(sender, "老年证要带什么材料")
    port = int(layout.env["PG_PORT" if store == "postgres" else "REDIS_PORT"])
    with layout.down(store, port, signal.SIGINT if store == "postgres" else signal.SIGTERM):
        for answer in (layout.say(sender, "在哪办"), layout.say(sender, "在哪办", layout.rasa_port + 1),
                       socket_answer(layout, "老年证在哪办")):  # fmt: skip
            assert BUSY in answer and "老年人优待证" not in answer
    # nothing else restarted: the next turns work, and the conversation kept its context
    assert "老年人优待证" in layout.say(sender, "要多久")
    assert "老年人优待证" in layout.say(sender, "在哪办", layout.rasa_port + 1)


def test_action_servers_restarted_in_turn_leave_citizens_answered(layout):
    sender = "through-action-restarts"
    for i in (0, 1):  # one at a time: nginx sends the calls to the other
        with layout.down(f"action-{i}", layout.action_port + i):
            answers = [layout.say(sender, text) for text in ("老年证要带什么材料", "在哪办")]
            assert all("老年人优待证" in answer for answer in answers), answers
    with layout.down("action-0", layout.action_port), layout.down("action-1", layout.action_port + 1):
        answer = layout.say(sender, "残疾证要带什么材料")
        assert BUSY in answer and "残疾人证" not in answer
    assert "残疾人证" in layout.say(sender, "残疾证要带什么材料")


def test_a_catalogue_imported_while_running_reaches_every_instance(layout, tmp_path):
    catalogue = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", catalogue)
    (catalogue / "matters" / "zz-new.yml").write_text("""department: 示范区民政局
matters:
  - code: MZ-901
    name: 养犬登记证补领
    short_name: 狗证补领
    level: 区
    type: 公共服务
    targets: [个人]
    themes: [证件办理]
    materials:
      - {name: 居民身份证, form: 原件, copies: 0, medium: 纸质, source: 申请人自备, shared: false, required: true}
    promised_limit: {days: 3, unit: 工作日}
    fee: 不收费
    halls: [H-QU]
    window: 综合窗口
""", encoding="utf-8")
    env = {**layout.env, "BOT_DATABASE_URL": layout.database_url()}
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "bot", "catalogue", "import", str(catalogue)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
    deadline = time.monotonic() + 120
    while True:  # indexes refresh within seconds; both action servers answer in turn (4 questions)
        answers = [layout.say(f"new-matter-{n}", "狗证补领要带什么", layout.rasa_port + n % 2) for n in range(4)]
        if all("养犬登记证补领" in answer for answer in answers):
            break
        assert time.monotonic() < deadline, answers
        time.sleep(2)
    for port in (layout.rasa_port, layout.rasa_port + 1):  # the guide pages, served by the Rasa servers
        with urllib.request.urlopen(layout.url("/guide/MZ-901", port), timeout=30) as page:
            assert "养犬登记证补领" in page.read().decode()


def test_stopped_and_started_again_the_layout_keeps_its_data(layout):
    """Last in the module: it stops the layout. The catalogue is not imported again (a district's
    own would be overwritten by the demo's), and conversations go on."""
    assert "老年人优待证" in layout.say("kept", "老年证要带什么材料")
    revision = psql(layout, "daoban", "SELECT revision FROM catalogue_revision")
    layout.stop()
    assert layout.process.returncode is not None and not (layout.folder / "run.pid").exists()
    again = Layout(layout.folder)
    try:
        assert psql(again, "daoban", "SELECT revision FROM catalogue_revision") == revision
        assert "老年人优待证" in again.say("kept", "在哪办")
    finally:
        again.stop()
