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
import urllib.error
import urllib.request
import uuid
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
                try:
                    urllib.request.urlopen(url, timeout=2)
                except urllib.error.HTTPError:
                    pass  # it answers (401 from an API that needs a token)
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
    """The two servers on free ports, with their own catalogue and tracker databases. `env`
    adds settings; `log`: a file for both servers' output (discarded when None)."""

    def __init__(self, database_url: str, tracker_db: str, env: dict | None = None, log: Path | None = None):
        self.started = time.monotonic()
        self.rasa_port, self.action_port = free_port(), free_port()
        self.tracker_db, self.log = tracker_db, log
        self.env = {**os.environ, "BOT_DATABASE_URL": database_url, "TRACKER_DB": tracker_db,
                    "RASA_PORT": str(self.rasa_port), "ACTION_PORT": str(self.action_port), **(env or {})}  # fmt: skip
        output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - kept open while the servers run
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run-bot")], cwd=ROOT, env=self.env, start_new_session=True,
            stdout=output, stderr=subprocess.STDOUT,
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

    def post(self, path: str, body: bytes, headers: dict | None = None, method: str = "POST") -> tuple[int, object]:
        """Any request; (status, parsed JSON body or text), whatever the status."""
        request = urllib.request.Request(self.url(path), data=body, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def post_large(self, path: str, body: bytes) -> tuple[int, object]:
        """A large upload as curl sends it: headers with `Expect: 100-continue` first, the body
        only if the server asks for it (a server that refuses answers before the body)."""
        with socket.create_connection(("127.0.0.1", self.rasa_port), timeout=30) as connection:
            connection.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                               f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode())
            answer = connection.recv(65536)
            if answer.startswith(b"HTTP/1.1 100"):  # Sanic says continue, then checks the size
                answer = answer.partition(b"\r\n\r\n")[2]
                connection.settimeout(1)
                try:
                    answer += connection.recv(65536)
                except socket.timeout:
                    connection.settimeout(30)
                    connection.sendall(body)
            while not _complete(answer):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _, raw = answer.partition(b"\r\n\r\n")
        try:
            return int(head.split()[1]), json.loads(raw) if raw else None
        except ValueError:  # a channel that answers in text (WeChat's "refused")
            return int(head.split()[1]), raw.decode("utf-8", "replace")

    def processes(self) -> list[Path]:
        """The /proc folders of every process the servers run (the process group)."""
        found = []
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(status.read_text().rsplit(")", 1)[1].split()[2]) == self.process.pid:
                    found.append(status.parent)
            except (OSError, IndexError, ValueError):
                continue
        return found

    def resident_mib(self) -> float:
        """Resident memory of every process the servers run, in MiB."""
        total = 0
        for folder in self.processes():
            try:
                total += int((folder / "status").read_text().split("VmRSS:")[1].split()[0])
            except (OSError, IndexError, ValueError):
                continue
        return total / 1024

    def kill_action_server(self) -> None:
        for folder in self.processes():
            if b"connectors.action_server" in (folder / "cmdline").read_bytes():
                os.kill(int(folder.name), signal.SIGKILL)

    def stop(self) -> None:
        stop_group(self.process)


def forged_status_call(receipt: str, digits: str) -> dict:
    """What an attacker sends straight to the action server: a made-up tracker whose slots ask
    the status lookup about `receipt` with `digits`."""
    return {"next_action": "action_check_status", "sender_id": uuid.uuid4().hex, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "x", "slots": {"receipt_number": receipt, "phone_last4": digits},
                        "latest_message": {}, "events": []}}  # fmt: skip


def _complete(answer: bytes) -> bool:
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    return len(body) >= length


class SocketCitizen:
    """A web widget's client: socket.io over a websocket, with a server-issued session."""

    def __init__(self, base_url: str, headers: dict | None = None):
        import socketio

        self.base_url, self.headers = base_url, headers or {}
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[dict] = []
        self.session_id: str | None = None
        self._confirmed = None
        self._arrived = None

        @self.client.on("session_confirm")
        async def on_confirm(session_id):  # noqa: ANN001
            self.session_id = session_id
            self._confirmed.set()

        @self.client.on("bot_uttered")
        async def on_bot(message):  # noqa: ANN001
            self.received.append(message)
            self._arrived.set()

    async def connect(self, session_id: object = None) -> str:
        import asyncio

        self._confirmed, self._arrived = asyncio.Event(), asyncio.Event()
        await self.client.connect(self.base_url, socketio_path="socket.io", transports=["websocket"],
                                  headers=self.headers)  # fmt: skip
        await self.client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self._confirmed.wait(), 10)
        return self.session_id

    async def say(self, data: object, timeout: float = 30, quiet: float = 0.4) -> list[dict]:
        """Send `data` as user_uttered ({"message": …} when a string); the replies that come
        until `quiet` seconds pass without one after the first text."""
        import asyncio

        start = len(self.received)
        self._arrived.clear()
        await self.client.emit("user_uttered", {"message": data} if isinstance(data, str) else data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(self._arrived.wait(), quiet if self._has_text(start) else deadline - time.monotonic())
            except asyncio.TimeoutError:
                if self._has_text(start):
                    break
                continue
            self._arrived.clear()
        return self.received[start:]

    def _has_text(self, start: int) -> bool:
        return any(m.get("text") for m in self.received[start:])

    async def close(self) -> None:
        await self.client.disconnect()


async def socket_status_lookup(base_url: str, receipt: str, digits: str, headers: dict | None = None) -> str:
    """One status lookup in a new socket.io connection: the text of the reply to the digits."""
    citizen = SocketCitizen(base_url, headers)
    try:
        await citizen.connect()
        await citizen.say(receipt)
        return " ".join(m.get("text") or "" for m in await citizen.say(digits))
    finally:
        await citizen.close()
