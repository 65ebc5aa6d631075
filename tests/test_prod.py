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
import urllib.request
from pathlib import Path

import pytest

from tests.catalogues import ROOT
from tests.servers import SocketCitizen, answering, free_port

MODEL = ROOT / "models" / "daoban.tar.gz"

def services_missing() -> str:
    """Why the layout cannot run here, or "" when it can."""
    missing = [name for name in ("redis-server", "nginx") if shutil.which(name) is None]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("postgresql")
    return f"{', '.join(missing)} missing: `make services` (make test does) installs them" if missing else ""


pytestmark = [
    pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)"),
    pytest.mark.skipif(bool(services_missing()), reason=services_missing() or "-"),
]


def free_pair() -> int:
    """A port whose next one is free too (the layout's instances take consecutive ports)."""
    for _ in range(50):
        port = free_port()
        try:
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two free consecutive ports")


class Layout:
    def __init__(self, folder: Path):
        self.bot_port, self.rasa_port, self.action_port = free_port(), free_pair(), free_pair()
        self.env = {**os.environ, "BOT_PROD_DIR": str(folder), "BOT_PORT": str(self.bot_port),
                    "RASA_PORT": str(self.rasa_port), "ACTION_PORT": str(self.action_port),
                    "ACTION_LB_PORT": str(free_port()), "PG_PORT": str(free_port()), "REDIS_PORT": str(free_port())}  # fmt: skip
        self.env.pop("BOT_DATABASE_URL", None)
        self.log = open(folder.parent / f"{folder.name}.log", "wb")  # noqa: SIM115 - kept open while it runs
        self.process = subprocess.Popen([str(ROOT / "scripts" / "run-prod")], cwd=ROOT, env=self.env,
                                        start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        urls = [self.url("/status")] + [f"http://127.0.0.1:{self.rasa_port + i}/status" for i in (0, 1)]
        deadline = time.monotonic() + 600
        while not answering(urls, 5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the production layout did not come up")

    def url(self, path: str, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.bot_port}{path}"

    def say(self, sender: str, text: str, port: int | None = None) -> str:
        request = urllib.request.Request(self.url("/webhooks/rest/webhook", port),
                                         data=json.dumps({"sender": sender, "message": text}).encode(),
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as answer:
            return "\n".join(m.get("text", "") for m in json.load(answer))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # the script stops what it started
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


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


def psql(layout: Layout, database: str, query: str) -> list[list[str]]:
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
    output = subprocess.run([str(binary), "-h", "127.0.0.1", "-p", layout.env["PG_PORT"], "-U", "postgres",
                             "-d", database, "-tA", "-F", "\t", "-c", query],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    return [line.split("\t") for line in output.splitlines() if line.strip()]


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


def test_a_killed_rasa_server_loses_no_conversation(layout):
    assert "老年人优待证" in layout.say("survivor", "老年证要带什么材料")
    victim = subprocess.run(["pgrep", "-f", f"connectors.rasa_server run --port {layout.rasa_port} "],
                            capture_output=True, text=True).stdout.split()  # fmt: skip
    assert victim
    for pid in victim:
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(1)
    answers = [layout.say("survivor", question) for question in ("在哪办", "要多久", "网上能办吗")]
    assert all("老年人优待证" in answer for answer in answers)  # nginx sent them to the other server
    assert answering([layout.url("/status", layout.rasa_port)], 300)  # started again, it rejoins
    assert "老年人优待证" in layout.say("survivor", "要带什么材料", layout.rasa_port)
