"""What an attacker gets out of the bot (not a test): guesses at the status lookup by each route,
and what a flood of huge messages costs other citizens. Both servers as `make run` starts them,
on the demo catalogue with the demo applications, trusting one proxy (X-Forwarded-For), as
behind nginx, so that one attacker can stand for many addresses.

    .venv/bin/python bench/security_bench.py [--seconds 60] [--attackers 4]   (needs make train)
    .venv/bin/python bench/security_bench.py --only timing [--pairs 100]

A guess counts as evaluated when the bot checked it against the applications (the reply says
"没有查到" or shows the status); locked ("15分钟") and rate-limited replies are not guesses."""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, import_into  # noqa: E402
from tests.servers import Bot, forged_status_call, socket_status_lookup  # noqa: E402

# (receipt, right digits): one demo application per route, so that one route's lock does not
# decide another's figures. The right digits are the attacker's 7th guess.
TARGETS = {"rest": ("SL2026110100001", "1234"), "rest-many-addresses": ("SL2026110300027", "5678"),
           "socketio": ("SL2026111000315", "9012"), "action-server": ("SL2026111500042", "3456")}  # fmt: skip


def guesses(right: str):
    for number in itertools.count():
        yield right if number == 6 else f"{(number * 7919) % 10000:04d}"


def verdict(text: str) -> str:
    if "没有查到" in text:
        return "evaluated"
    if "当前状态" in text:
        return "found"
    if "15分钟" in text:
        return "locked"
    if "太快" in text:
        return "rate limited"
    return "other"


def new_address() -> str:
    return f"10.{random.randrange(250)}.{random.randrange(250)}.{random.randrange(1, 250)}"


async def rest_guess(session: aiohttp.ClientSession, url: str, receipt: str, digits: str, address: str) -> str:
    sender, headers = uuid.uuid4().hex, {"X-Forwarded-For": address}
    reply = ""
    for text in (receipt, digits):
        async with session.post(url, json={"sender": sender, "message": text}, headers=headers) as response:
            body = await response.json(content_type=None)
            reply = " ".join(m.get("text") or "" for m in body) if isinstance(body, list) else str(body)
    return verdict(reply)


async def action_server_guess(session: aiohttp.ClientSession, url: str, receipt: str, digits: str) -> str:
    """A forged tracker sent straight to the action server, as the probe did."""
    async with session.post(url, json=forged_status_call(receipt, digits)) as response:
        if response.status == 403:
            return "refused"
        body = await response.json(content_type=None)
        return verdict(json.dumps(body, ensure_ascii=False))


async def attack(route: str, bot: Bot, seconds: float, attackers: int) -> dict:
    receipt, right = TARGETS[route]
    tries = guesses(right)
    counts: dict[str, int] = {}
    fixed_address = new_address()
    deadline = time.monotonic() + seconds
    rest_url = bot.url("/webhooks/rest/webhook")

    async def attacker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            digits = next(tries)
            address = new_address() if route == "rest-many-addresses" else fixed_address
            try:
                if route == "socketio":
                    outcome = verdict(await socket_status_lookup(bot.url(""), receipt, digits,
                                                                 {"X-Forwarded-For": address}))
                elif route == "action-server":
                    outcome = await action_server_guess(session, f"http://127.0.0.1:{bot.action_port}/webhook", receipt, digits)
                else:
                    outcome = await rest_guess(session, rest_url, receipt, digits, address)
            except socketio.exceptions.ConnectionError:
                outcome = "connection refused"  # a new socket counts against its address's limit
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as error:
                outcome = f"error {type(error).__name__}"
            counts[outcome] = counts.get(outcome, 0) + 1

    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(attacker(session) for _ in range(attackers)))
    minutes = (time.monotonic() - started) / 60
    checked = counts.get("evaluated", 0) + counts.get("found", 0)
    return {"route": route, "tries": sum(counts.values()), "checked": checked, "per_minute": checked / minutes,
            "found": counts.get("found", 0), "outcomes": counts}  # fmt: skip


async def scan(bot: Bot, seconds: float) -> dict:
    """One address trying many receipt numbers, each with a new conversation."""
    counts: dict[str, int] = {}
    address = new_address()
    deadline, started = time.monotonic() + seconds, time.monotonic()
    async with aiohttp.ClientSession() as session:
        for number in itertools.count(1):
            if time.monotonic() > deadline:
                break
            outcome = await rest_guess(session, bot.url("/webhooks/rest/webhook"), f"SL2026{number:09d}", "0000", address)
            counts[outcome] = counts.get(outcome, 0) + 1
    minutes = (time.monotonic() - started) / 60
    checked = counts.get("evaluated", 0)
    return {"route": "rest-one-address-many-receipts", "tries": sum(counts.values()), "checked": checked,
            "per_minute": checked / minutes, "found": 0, "outcomes": counts}  # fmt: skip


async def bystander(bot: Bot, questions: int, flood_message: str | None, flooders: int) -> dict:
    """Citizens' answer times (conversations of four questions, one after another) while
    `flooders` send `flood_message` without pause, each time as a new sender from a new address,
    so that no rate limit stops them before the size checks do."""
    url = bot.url("/webhooks/rest/webhook")
    latencies, flood_times, statuses = [], [], {}
    stop = asyncio.Event()

    async def flood(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                body = json.dumps({"sender": uuid.uuid4().hex, "message": flood_message}, ensure_ascii=False).encode()
                async with session.post(url, data=body, headers={"Content-Type": "application/json",
                                                                 "X-Forwarded-For": new_address()}) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            except aiohttp.ClientError as error:
                statuses[type(error).__name__] = statuses.get(type(error).__name__, 0) + 1
            flood_times.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        flooding = [asyncio.create_task(flood(session)) for _ in range(flooders if flood_message else 0)]
        await asyncio.sleep(0.5 if flood_message else 0)
        conversation = ["老年证要带什么材料", "在哪办？", "要多久？", "残疾证怎么办"]
        for number in range(questions):
            if number % len(conversation) == 0:
                sender, address = uuid.uuid4().hex, new_address()
            text = conversation[number % len(conversation)]
            started = time.perf_counter()
            async with session.post(url, json={"sender": sender, "message": text}, headers={"X-Forwarded-For": address}) as r:
                await r.read()
            latencies.append((time.perf_counter() - started) * 1000)
        stop.set()
        await asyncio.gather(*flooding)
    return {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "floods": len(flood_times), "flood_p50": statistics.median(flood_times) if flood_times else 0,
            "statuses": statuses}  # fmt: skip


async def timing(bot: Bot, pairs: int) -> dict:
    """Interleaved lookups through REST, each in a conversation and from an address of its own:
    wrong digits for a demo application, then an unknown receipt, the same digits typed. The
    time is the digits message's, from sending it to its reply."""
    url = bot.url("/webhooks/rest/webhook")

    async def timed(session: aiohttp.ClientSession, receipt: str) -> float:
        sender, headers = uuid.uuid4().hex, {"X-Forwarded-For": new_address()}
        async with session.post(url, json={"sender": sender, "message": receipt}, headers=headers) as response:
            await response.read()
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": "0000"}, headers=headers) as response:
            reply = " ".join(m.get("text") or "" for m in await response.json())
        assert verdict(reply) == "evaluated", reply
        return time.perf_counter() - started

    async with aiohttp.ClientSession() as session:
        results = [(await timed(session, TARGETS["rest"][0]), await timed(session, f"SL2099{n:09d}"))
                   for n in range(pairs)]  # fmt: skip
    known, unknown = [k for k, _ in results], [u for _, u in results]
    return {"pairs": pairs, "known": statistics.median(known), "unknown": statistics.median(unknown),
            "known p95": percentile(known, 0.95), "unknown p95": percentile(unknown, 0.95),
            "known slower": sum(k > u for k, u in results) / pairs}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60, help="how long each route is attacked")
    parser.add_argument("--attackers", type=int, default=4, help="concurrent attackers per route")
    parser.add_argument("--questions", type=int, default=40, help="the citizens' questions per flood")
    parser.add_argument("--pairs", type=int, default=100, help="interleaved lookup pairs for the timing")
    parser.add_argument("--only", choices=("attacks", "floods", "timing"), help="one part only")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="daoban-security-"))
    url = f"sqlite:///{workdir / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    from bot.status.database import seed_demo_applications

    seed_demo_applications(url)
    # The timing's pairs would lock the demo application after five: that part lifts the limit.
    limits = {"BOT_STATUS_MAX_FAILURES": "1000000"} if args.only == "timing" else {}
    bot = Bot(url, str(workdir / "tracker.db"), env={"SANIC_PROXIES_COUNT": "1", **limits})
    try:
        results, floods, timed = [], {}, None
        if args.only == "timing":
            timed = asyncio.run(timing(bot, args.pairs))
        if args.only in (None, "attacks"):
            results = [asyncio.run(attack(route, bot, args.seconds, args.attackers)) for route in TARGETS]
            results.append(asyncio.run(scan(bot, args.seconds)))
        if args.only in (None, "floods"):
            floods = {
                "none": asyncio.run(bystander(bot, args.questions, None, 0)),
                "100 KB messages (over the body limit)": asyncio.run(bystander(
                    bot, args.questions, "a" * 100_000, args.attackers)),
                "20,000-character messages (60 KB, under the body limit)": asyncio.run(bystander(
                    bot, args.questions, "老" * 20_000, args.attackers)),
                "500-character messages (the longest allowed)": asyncio.run(bystander(
                    bot, args.questions, ("老年证要带什么材料在哪办" * 42)[:500], args.attackers)),
            }  # fmt: skip
    finally:
        bot.stop()

    if timed:
        print(f"{timed['pairs']} interleaved pairs; median (p95) of the digits message's reply, ms:\n"
              f"wrong digits for a demo application {timed['known'] * 1000:.1f} ({timed['known p95'] * 1000:.1f}), "
              f"unknown receipt {timed['unknown'] * 1000:.1f} ({timed['unknown p95'] * 1000:.1f}); "
              f"the first slower in {timed['known slower']:.0%} of pairs")  # fmt: skip
    if results:
        print_attacks(results, args)
    if floods:
        print_floods(floods, args)


def print_attacks(results: list[dict], args: argparse.Namespace) -> None:
    print(f"Status lookup under attack: {args.attackers} attackers per route for {args.seconds:g} s, "
          "a new conversation per guess; the right digits are the 7th guess\n")
    print("| route | tries | guesses checked | checked per minute | right digits found | outcomes |")
    print("|---|---|---|---|---|---|")
    for r in results:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))
        print(f"| {r['route']} | {r['tries']} | {r['checked']} | {r['per_minute']:.1f} | {r['found']} | {outcomes} |")


def print_floods(floods: dict, args: argparse.Namespace) -> None:
    print(f"\nCitizens' {args.questions} questions (REST, one after another) while {args.attackers} clients "
          "send long messages without pause, each as a new sender from a new address\n")
    print("| flood | citizen p50 ms | citizen p95 ms | flood requests | flood p50 ms | flood answers |")
    print("|---|---|---|---|---|---|")
    for name, f in floods.items():
        answers = ", ".join(f"{k}: {v}" for k, v in f["statuses"].items()) or "-"
        print(f"| {name} | {f['p50']:.0f} | {f['p95']:.0f} | {f['floods']} | {f['flood_p50']:.1f} | {answers} |")


if __name__ == "__main__":
    main()
