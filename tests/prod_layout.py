"""The production layout (`make run-prod`, scripts/run-prod) started on loopback ports, for the
tests and the benchmarks: PostgreSQL, Redis, nginx, the Rasa and action servers."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from tests.catalogues import ROOT
from tests.servers import answering, free_port

MODEL = ROOT / "models" / "daoban.tar.gz"


def services_missing() -> str:
    """Why the layout cannot run here, or "" when it can."""
    missing = [name for name in ("redis-server", "nginx") if shutil.which(name) is None]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("postgresql")
    return f"{', '.join(missing)} missing: `make services` (make test does) installs them" if missing else ""




def free_ports(count: int) -> int:
    """The first of `count` free consecutive ports (the layout's instances take such ports)."""
    for _ in range(50):
        port = free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
    raise RuntimeError(f"no {count} free consecutive ports")


class Layout:
    def __init__(self, folder: Path, rasa_instances: int = 2, env: dict | None = None):
        self.folder, self.rasa_instances = folder, rasa_instances
        self.bot_port, self.rasa_port, self.action_port = free_port(), free_ports(rasa_instances), free_ports(2)
        self.env = {**os.environ, "BOT_PROD_DIR": str(folder), "BOT_PORT": str(self.bot_port),
                    "RASA_PORT": str(self.rasa_port), "RASA_INSTANCES": str(rasa_instances),
                    "ACTION_PORT": str(self.action_port), "ACTION_LB_PORT": str(free_port()),
                    "PG_PORT": str(free_port()), "REDIS_PORT": str(free_port()), **(env or {})}  # fmt: skip
        for name in ("BOT_DATABASE_URL", "BOT_TRACKER_URL", "BOT_EVENT_LOG_URL", "BOT_REDIS_URL", "REDIS_PASSWORD",
                     "PG_PASSWORD", "ACTION_SERVER_TOKEN", "BOT_SECRET", "TICKET_LOCK_LIFETIME"):  # fmt: skip
            self.env.pop(name, None)  # this machine's own layout's, if it runs one
        # every test citizen comes from 127.0.0.1: one address, as behind a NAT
        self.env.setdefault("BOT_RATE_PER_CLIENT", "100000/60")
        self.log = open(folder.parent / f"{folder.name}.log", "wb")  # noqa: SIM115 - kept open while it runs
        self.process = subprocess.Popen([str(ROOT / "scripts" / "run-prod")], cwd=ROOT, env=self.env,
                                        start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        urls = [self.url("/status")] + [f"http://127.0.0.1:{self.rasa_port + i}/status" for i in range(rasa_instances)]
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

    @contextlib.contextmanager
    def down(self, name: str, port: int, sig: int = signal.SIGTERM) -> Iterator[None]:
        """The supervised server `name` (listening on `port`) stopped, and kept down (run-prod's
        hold file) until the block ends; then started again, and waited for."""
        hold = self.folder / "hold" / name
        hold.touch()
        try:
            os.kill(listener(port), sig)
            deadline = time.monotonic() + 60
            while listener(port, missing_ok=True) and time.monotonic() < deadline:
                time.sleep(0.1)
            yield
        finally:
            hold.unlink()
        deadline = time.monotonic() + 300
        while not listener(port, missing_ok=True):
            assert time.monotonic() < deadline, f"{name} did not start again"
            time.sleep(0.2)

    def pg_password(self) -> str:
        return (self.folder / "pg-password").read_text().strip()

    def database_url(self) -> str:
        return f"postgresql+psycopg2://postgres:{self.pg_password()}@127.0.0.1:{self.env['PG_PORT']}/daoban"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # the script stops what it started
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def listener(port: int, missing_ok: bool = False) -> int:
    """The process listening on the loopback TCP `port` (0 if none and `missing_ok`)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(fd) in inodes:
                return int(fd.parts[2])
    assert missing_ok, f"nothing listens on port {port}"
    return 0


def psql(layout: Layout, database: str, query: str) -> list[list[str]]:
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
    output = subprocess.run([str(binary), "-h", "127.0.0.1", "-p", layout.env["PG_PORT"], "-U", "postgres",
                             "-d", database, "-tA", "-F", "\t", "-c", query],
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "PGPASSWORD": layout.pg_password()}).stdout  # fmt: skip
    return [line.split("\t") for line in output.splitlines() if line.strip()]
