"""Latency and throughput through REST (not a test): N simulated citizens at once, each a short
conversation, against daoban and, in the same run, against a bare Rasa bot with the same NLU
pipeline and no custom actions. Also the time to ready and the resident memory of daoban's two
servers on the 2,262-matter catalogue.

    .venv/bin/python bench/load_bench.py [--users 20] [--rounds 3] [--repeats 5] [--think 1.0]   (needs make train)"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from tests.catalogues import GDZWFW, import_into  # noqa: E402
from tests.servers import Bot, answering, free_port, stop_group  # noqa: E402

CONVERSATION = [
    "你好", "残疾证丢了怎么补办", "要带什么材料？", "在哪办？", "要多久", "那护照呢？",
    "驾驶证初次申领要什么条件", "怎么办理离婚", "转人工", "谢谢",
]  # fmt: skip


async def citizen(session: aiohttp.ClientSession, url: str, latencies: list[float], errors: list[str],
                  think: float = 0.0) -> None:
    """One conversation; `think`: the mean pause (s) before each message after the first, as a
    citizen reads the reply and types (0: no pause, every user sends again at once)."""
    sender = uuid.uuid4().hex
    for number, text in enumerate(CONVERSATION):
        if think and number:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json()
                if response.status != 200 or not body:
                    errors.append(f"{response.status}: {str(body)[:80]}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            errors.append(repr(error))
        latencies.append((time.perf_counter() - started) * 1000)


async def load(url: str, users: int, rounds: int, think: float = 0.0) -> tuple[list[float], list[str], float]:
    """Latencies (ms), errors and seconds of `rounds` rounds of `users` conversations at once."""
    latencies: list[float] = []
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await citizen(session, url, [], [])  # warm up
        started = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(*(citizen(session, url, latencies, errors, think) for _ in range(users)))
        seconds = time.perf_counter() - started
    return latencies, errors, seconds


def summary(runs: list[tuple[list[float], list[str], float]]) -> dict:
    latencies = [value for run in runs for value in run[0]]
    seconds = sum(run[2] for run in runs)
    return {"turns": len(latencies), "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "per_second": len(latencies) / seconds, "errors": sum(len(run[1]) for run in runs)}  # fmt: skip


def bare_project(workdir: Path) -> Path:
    """A Rasa project with daoban's intents and NLU pipeline, answering each intent with a fixed
    response: what Rasa costs without custom actions."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    intents = domain["intents"]
    bare = {"version": "3.1", "intents": intents,
            "responses": {f"utter_{i}": [{"text": f"{i}"}] for i in intents} | {"utter_default": [{"text": "?"}]}}
    rules = {"version": "3.1", "rules": [{"rule": i, "steps": [{"intent": i}, {"action": f"utter_{i}"}]} for i in intents]
             + [{"rule": "fallback", "steps": [{"intent": "nlu_fallback"}, {"action": "utter_default"}]}]}
    config = yaml.safe_load((ROOT / "config.yml").read_text("utf-8"))
    config["policies"] = [{"name": "RulePolicy"}]
    (workdir / "domain.yml").write_text(yaml.safe_dump(bare, allow_unicode=True), "utf-8")
    (workdir / "rules.yml").write_text(yaml.safe_dump(rules, allow_unicode=True), "utf-8")
    (workdir / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    # The same tracker store as daoban's, so that only the custom actions differ.
    endpoints = {"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "bare-tracker.db")}}
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints), "utf-8")
    # Rasa's own REST channel: `rasa run` would otherwise take daoban's credentials.yml from the
    # working directory, and with it daoban's channels.
    (workdir / "credentials.yml").write_text("rest:\n", "utf-8")
    subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "train", "--config", str(workdir / "config.yml"), "--domain",
         str(workdir / "domain.yml"), "--data", str(ROOT / "data/nlu"), str(workdir / "rules.yml"),
         "--out", str(workdir / "models"), "--fixed-model-name", "bare"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    return workdir / "models"


def start_bare(models: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/rasa"), "run", "--enable-api", "--port", str(port), "--model", str(models),
         "--endpoints", str(models.parent / "endpoints.yml"), "--credentials", str(models.parent / "credentials.yml")],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    if not answering([f"http://127.0.0.1:{port}/status"]):
        stop_group(process)
        raise TimeoutError("the bare bot did not start")
    return process, f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each bot, taken in turn")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a citizen pauses before the next message (0: none, the server saturated)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="daoban-load-"))
    url = f"sqlite:///{workdir / 'gdzwfw.db'}"
    import_into(url, GDZWFW)

    bare_models = bare_project(workdir)
    # The simulated citizens all come from 127.0.0.1: the per-address limit (300 a minute, meant
    # for one hall's kiosks) is lifted, the per-sender limit stays; both are checked every turn.
    bot = Bot(url, str(workdir / "tracker.db"), env={"BOT_RATE_PER_CLIENT": "1000000/60"})
    bare, bare_url = start_bare(bare_models)
    runs: dict[str, list] = {"daoban": [], "bare": []}
    try:
        # The two bots run in turn, each first every other time, so that whatever else the
        # machine does falls on both alike.
        urls = {"daoban": bot.url("/webhooks/rest/webhook"), "bare": bare_url}
        for repeat in range(args.repeats):
            for name in ("daoban", "bare") if repeat % 2 == 0 else ("bare", "daoban"):
                random.seed(repeat)  # the same draws of pauses for both bots (their order varies)
                runs[name].append(asyncio.run(load(urls[name], args.users, args.rounds, args.think)))
        memory = bot.resident_mib()
    finally:
        bot.stop()
        stop_group(bare)
    daoban, bare_result = summary(runs["daoban"]), summary(runs["bare"])

    print(f"{args.users} concurrent users x {args.rounds} rounds x {len(CONVERSATION)} turns, "
          f"pausing {args.think:g} s on average between messages, "
          f"{args.repeats} runs of each bot in turn, gdzwfw catalogue\n")
    print("| bot | turns | p50 ms | p95 ms | turns/s | errors |")
    print("|---|---|---|---|---|---|")
    for name, result in (("daoban", daoban), ("bare Rasa, same NLU, no custom actions", bare_result)):
        print(f"| {name} | {result['turns']} | {result['p50']:.0f} | {result['p95']:.0f} | "
              f"{result['per_second']:.1f} | {result['errors']} |")
    # The target is on p95 over all turns; each run's ratio shows how much one run can say.
    ratios = [summary([d])["p95"] / summary([b])["p95"] for d, b in zip(runs["daoban"], runs["bare"])]
    print(f"\np95 ratio daoban / bare over all runs: {daoban['p95'] / bare_result['p95']:.2f} (target <= 1.3); "
          f"throughput ratio bare / daoban: {bare_result['per_second'] / daoban['per_second']:.2f}")
    print(f"run by run: {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f})")
    print(f"daoban ready after {bot.ready_seconds:.0f} s; both servers resident after the load: {memory:.0f} MiB")


if __name__ == "__main__":
    main()
