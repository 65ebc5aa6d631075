"""Running both servers as `make run` does (scripts/run-bot), on free ports with their own
databases, and talking to them through the REST channel. Used by the end-to-end tests and the
benchmarks."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(urls: list[str], seconds: float = 180) -> bool:
    """Whether every URL answers within `seconds` (servers take a while to load their model)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            for url in urls:
                urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            time.sleep(1)
    return False


def stop_group(process: subprocess.Popen) -> None:
    """Stop a server started in a session of its own, with every process it started."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Bot:
    """The two servers on free ports, with their own catalogue and tracker databases."""

    def __init__(self, database_url: str, tracker_db: str):
        self.started = time.monotonic()
        self.rasa_port, self.action_port = free_port(), free_port()
        env = {**os.environ, "BOT_DATABASE_URL": database_url, "TRACKER_DB": tracker_db,
               "RASA_PORT": str(self.rasa_port), "ACTION_PORT": str(self.action_port)}  # fmt: skip
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run-bot")], cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.rasa_port}{path}"

    def wait_ready(self, seconds: float = 180) -> None:
        if not answering([self.url("/status"), f"http://127.0.0.1:{self.action_port}/health"], seconds):
            self.stop()
            raise TimeoutError("the servers did not answer /status in time")
        self.ready_seconds = time.monotonic() - self.started

    def say(self, sender: str, text: str) -> list[dict]:
        request = urllib.request.Request(
            self.url("/webhooks/rest/webhook"), data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return json.load(response)

    def text(self, sender: str, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, text))

    def resident_mib(self) -> float:
        """Resident memory of every process the servers run (the process group), in MiB."""
        total = 0
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid:  # the process group
                    rss = (status.parent / "status").read_text().split("VmRSS:")[1].split()[0]
                    total += int(rss)
            except (OSError, IndexError, ValueError):
                continue
        return total / 1024

    def stop(self) -> None:
        stop_group(self.process)
