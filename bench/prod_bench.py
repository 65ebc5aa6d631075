"""The production layout under load (not a test): simulated citizens through nginx's REST route.

1. Soak: `--citizens` (200) citizens for `--minutes` (5) against 2 Rasa servers, each pausing
   `--pause` seconds (5-20, uniform) before every message after the first, as people read and
   type; a conversation of 10 turns, then a new one. Errors (non-200, empty, or the "busy, call
   12345" answer), p50/p95 per turn, turns/s, and the memory of each kind of process sampled
   every 30 s.
2. Scaling: for 1, 2 and 3 Rasa servers (2 action servers), `--saturating` (30) citizens with no
   pause for `--seconds` (60) after a warm-up: turns/s, p95, and CPU seconds per turn of each
   kind of process (Rasa, action, PostgreSQL, Redis, nginx), read from /proc.

    .venv/bin/python bench/prod_bench.py [--citizens 200 --minutes 5] [--only soak|scaling]
(needs make train and make services). Every citizen comes from 127.0.0.1 here, so the
per-address limits (rate, turns in flight) are lifted for the run."""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_bench import CONVERSATION  # noqa: E402
from bench.stats import percentile  # noqa: E402
from bot import wording  # noqa: E402
from tests.prod_layout import Layout, psql  # noqa: E402

KINDS = {"rasa": "connectors.rasa_server", "action": "connectors.action_server", "postgres": "postgres",
         "redis": "redis-server", "nginx": "nginx"}  # fmt: skip
TICKS = os.sysconf("SC_CLK_TCK")


def processes(layout: Layout) -> dict[str, list[int]]:
    """The layout's processes by kind: those in the session run-prod leads, and PostgreSQL's
    (`su -c` gives them a session of their own when run-prod runs as root)."""
    found: dict[str, list[int]] = {kind: [] for kind in KINDS}
    postmaster = int((layout.folder / "pg" / "postmaster.pid").read_text().split()[0])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        pid, parent, session = int(stat.parent.name), int(fields[1]), int(fields[3])
        if session != layout.process.pid and postmaster not in (pid, parent):
            continue
        for kind, marker in KINDS.items():
            if marker in command and "supervise" not in command and not command.startswith(("bash", "sh ", "su ")):
                found[kind].append(pid)
                break
    return found


def stored(layout: Layout) -> tuple[int, int]:
    """(events, bytes) in the conversations' database and the event log's together."""
    events = size = 0
    for database in (layout.env.get("PG_DB", "daoban"), layout.env.get("PG_EVENTS_DB", "daoban_events")):
        row = psql(layout, database, "SELECT (SELECT count(*) FROM events), pg_database_size(current_database())")[0]
        events, size = events + int(row[0]), size + int(row[1])
    return events, size


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def memory_mib(pids: list[int]) -> float:
    """Proportional set size: memory shared between processes (PostgreSQL's shared buffers,
    nginx's workers) counted once in all, not once in each."""
    total = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return total / 1024


class Turns:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []


async def citizen(session: aiohttp.ClientSession, url: str, turns: Turns, until: float,
                  pause: tuple[float, float]) -> None:  # fmt: skip
    """Conversations one after another until `until` (monotonic), pausing before each message."""
    while time.monotonic() < until:
        sender = uuid.uuid4().hex
        for number, text in enumerate(CONVERSATION):
            if pause[1] and number:
                await asyncio.sleep(random.uniform(*pause))
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    body = await response.json()
                    texts = " ".join(m.get("text") or "" for m in body) if isinstance(body, list) else ""
                    if response.status != 200 or not texts or wording.busy() in texts:
                        turns.errors.append(f"{response.status}: {str(body)[:80]}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                turns.errors.append(repr(error))
            turns.latencies.append((time.perf_counter() - started) * 1000)


async def run(layout: Layout, citizens: int, seconds: float, pause: tuple[float, float],
              on_sample=None) -> tuple[Turns, float]:  # noqa: ANN001
    url = layout.url("/webhooks/rest/webhook")
    turns = Turns()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), connector=connector) as session:
        started = time.monotonic()
        until = started + seconds
        # citizens arrive over the first pause, not all in the same instant
        async def arriving(delay: float) -> None:
            await asyncio.sleep(delay)
            await citizen(session, url, turns, until, pause)

        tasks = [asyncio.create_task(arriving(random.uniform(0, pause[1]))) for _ in range(citizens)]
        while not all(task.done() for task in tasks):
            await asyncio.sleep(1)
            if on_sample:
                on_sample(time.monotonic() - started)
        await asyncio.gather(*tasks)
    return turns, time.monotonic() - started


def start(folder: Path, instances: int) -> Layout:
    return Layout(folder / f"prod-{instances}", instances,
                  {"BOT_RATE_PER_CLIENT": "1000000/60", "BOT_RATE_PER_SENDER": "1000/60",
                   "BOT_IN_FLIGHT_PER_ADDRESS": "1000"})  # fmt: skip


def warm(layout: Layout) -> None:
    for text in CONVERSATION:
        layout.say("warm-up", text)


def soak(folder: Path, citizens: int, minutes: float, pause: tuple[float, float]) -> None:
    layout = start(folder, 2)
    try:
        warm(layout)
        samples: list[tuple[float, dict[str, float]]] = []
        next_sample = [0.0]

        def sample(elapsed: float) -> None:
            if elapsed >= next_sample[0]:
                found = processes(layout)
                samples.append((elapsed, {kind: memory_mib(pids) for kind, pids in found.items()}))
                next_sample[0] += 30

        turns, seconds = asyncio.run(run(layout, citizens, minutes * 60, pause, sample))
    finally:
        layout.stop()
    print(f"\n## soak: {citizens} citizens, {minutes} min, pauses {pause[0]:g}-{pause[1]:g} s, 2 Rasa servers")
    print("| turns | errors | p50 ms | p95 ms | turns/s |\n|---|---|---|---|---|")
    print(f"| {len(turns.latencies)} | {len(turns.errors)} | {statistics.median(turns.latencies):.0f} | "
          f"{percentile(turns.latencies, 0.95):.0f} | {len(turns.latencies) / seconds:.1f} |")  # fmt: skip
    for error in sorted(set(turns.errors))[:5]:
        print("  error:", error)
    print("\nmemory (PSS, MiB) by kind of process over the run:")
    print("| s | " + " | ".join(KINDS) + " |\n" + "|---" * (len(KINDS) + 1) + "|")
    for elapsed, memory in samples:
        print(f"| {elapsed:.0f} | " + " | ".join(f"{memory[kind]:.0f}" for kind in KINDS) + " |")


def scaling(folder: Path, counts: list[int], citizens: int, seconds: float) -> None:
    rows = []
    for count in counts:
        layout = start(folder, count)
        try:
            warm(layout)
            asyncio.run(run(layout, citizens, 10, (0, 0)))  # warm-up under load
            found = processes(layout)
            before, events_before, bytes_before = {kind: cpu_seconds(pids) for kind, pids in found.items()}, *stored(layout)
            turns, elapsed = asyncio.run(run(layout, citizens, seconds, (0, 0)))
            used = {kind: cpu_seconds(pids) - before[kind] for kind, pids in found.items()}
            events_after, bytes_after = stored(layout)
            memory = {kind: memory_mib(pids) / max(1, len(pids)) for kind, pids in found.items()}
        finally:
            layout.stop()
        n = len(turns.latencies)
        rows.append((count, n, len(turns.errors), n / elapsed, percentile(turns.latencies, 0.95),
                     {kind: 1000 * used[kind] / n for kind in KINDS}, sum(used.values()) / elapsed, memory))  # fmt: skip
        print(f"{count} Rasa: {(events_after - events_before) / n:.1f} stored events and "
              f"{(bytes_after - bytes_before) / n / 1024:.1f} KiB of PostgreSQL a turn (conversations and event log)")
    print(f"\n## scaling: {citizens} citizens with no pause, {seconds:g} s, 2 action servers")
    print("| Rasa servers | turns | errors | turns/s | p95 ms | CPU ms/turn: " + " | ".join(KINDS)
          + " | cores busy |\n" + "|---" * (6 + len(KINDS)) + "|")  # fmt: skip
    for count, n, errors, rate, p95, per_turn, busy, _memory in rows:
        print(f"| {count} | {n} | {errors} | {rate:.1f} | {p95:.0f} | "
              + " | ".join(f"{per_turn[kind]:.1f}" for kind in KINDS) + f" | {busy:.2f} |")  # fmt: skip
    print("\nmemory (PSS, MiB) per process at the end: " + "; ".join(
        f"{count} Rasa: " + ", ".join(f"{kind} {mib:.0f}" for kind, mib in memory.items()) for count, *_, memory in rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--pause", type=float, nargs=2, default=(5.0, 20.0))
    parser.add_argument("--saturating", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--only", choices=["soak", "scaling"])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="daoban-prod-bench-"))
    folder.chmod(0o755)  # PostgreSQL's own user must reach its data inside
    try:
        if args.only != "scaling":
            soak(folder, args.citizens, args.minutes, tuple(args.pause))
        if args.only != "soak":
            scaling(folder, args.instances, args.saturating, args.seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
