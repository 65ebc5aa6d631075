"""The WeChat channel under load (not a test): N simulated WeChat users at once, each a short
conversation with pauses as in the load bench, every message signed and encrypted (safe mode)
as WeChat does, through the real channel of both servers, with a stand-in for WeChat's API on
loopback taking the customer-service messages.

Measures the passive-reply time (WeChat gives up after 5 s), the share answered passively
within 5 s, and the share delivered at all (passive, or as customer-service messages).

    .venv/bin/python bench/wechat_bench.py [--users 20 50] [--think 1.0]   (needs make train)"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from connectors.wechat.settings import WeChatSettings  # noqa: E402
from connectors.wechat.simulator import WeChatSide, message_xml  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, import_into  # noqa: E402
from tests.servers import Bot  # noqa: E402
from tests.wechat_standin import StandIn  # noqa: E402

SETTINGS = WeChatSettings(token="bench-token", app_id="wx0123456789abcdef", app_secret="bench-secret",
                          aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")  # fmt: skip
CONVERSATION = ["你好", "残疾证丢了怎么补办", "要带什么材料？", "2", "在哪办？", "那护照呢？", "居住证要多久",
                "怎么办理离婚", "转人工", "谢谢"]  # fmt: skip
PASSIVE_LIMIT = 5.0
_ids = itertools.count(int(time.time()) * 1000)


async def citizen(http: aiohttp.ClientSession, url: str, side: WeChatSide, openid: str, think: float,
                  results: list[tuple[str, float, str]]) -> None:
    """One conversation: (openid, seconds to the HTTP reply, passive|success|error) each message."""
    for number, text in enumerate(CONVERSATION):
        if think and number:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)
        pushed = side.push(message_xml(openid, "text", {"Content": text}, msg_id=next(_ids)), safe=True)
        started = time.perf_counter()
        try:
            async with http.post(pushed.url(url), data=pushed.body, headers={"Content-Type": "text/xml"}) as response:
                body = await response.text()
                outcome = "error" if response.status != 200 else ("success" if body == "success" else "passive")
                if outcome == "passive" and not side.open_reply(body, safe=True).get("Content"):
                    outcome = "error"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            outcome = "error"
        results.append((openid, time.perf_counter() - started, outcome))


async def run(url: str, users: int, think: float) -> list[tuple[str, float, str]]:
    side, results = WeChatSide(SETTINGS), []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(*(citizen(http, url, side, f"o-bench-{users}-{i}", think, results) for i in range(users)))
    return results


def delivered(results: list[tuple[str, float, str]], standin: StandIn, wait: float = 30) -> int:
    """Messages answered: passively, or (for each `success`) by a customer-service message to
    that citizen, waited for up to `wait` seconds."""
    owed = Counter(openid for openid, _s, outcome in results if outcome == "success")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = Counter(message["touser"] for message in standin.sent)
        if all(got[openid] >= count for openid, count in owed.items()):
            break
        time.sleep(0.5)
    got = Counter(message["touser"] for message in standin.sent)
    passive = sum(1 for _o, _s, outcome in results if outcome == "passive")
    return passive + sum(min(count, got[openid]) for openid, count in owed.items())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--think", type=float, default=1.0, help="mean pause (s) before each message")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wechat-bench-"))
    url = f"sqlite:///{workdir / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    standin = StandIn(SETTINGS.app_id, SETTINGS.app_secret).start()
    env = {"WECHAT_TOKEN": SETTINGS.token, "WECHAT_APPID": SETTINGS.app_id, "WECHAT_APPSECRET": SETTINGS.app_secret,
           "WECHAT_AES_KEY": SETTINGS.aes_key, "WECHAT_API_BASE": standin.base, "BOT_RATE_PER_CLIENT": "1000000/60"}  # fmt: skip
    bot = Bot(url, str(workdir / "tracker.db"), env=env, log=workdir / "bot.log")
    try:
        asyncio.run(run(bot.url("/webhooks/wechat/webhook"), 2, 0))  # warm up
        print(f"{len(CONVERSATION)} messages per user, mean pause {args.think} s, safe mode, demo catalogue\n")
        print("| users | messages | passive p50 ms | p95 ms | p99 ms | passive within 5 s | delivered | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for users in args.users:
            standin.sent.clear()
            results = asyncio.run(run(bot.url("/webhooks/wechat/webhook"), users, args.think))
            times = [seconds * 1000 for _o, seconds, outcome in results if outcome == "passive"]
            within = sum(1 for _o, seconds, outcome in results if outcome == "passive" and seconds < PASSIVE_LIMIT)
            errors = sum(1 for _o, _s, outcome in results if outcome == "error")
            total = len(results)
            print(f"| {users} | {total} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
                  f"{percentile(times, 0.99):.0f} | {within / total:.1%} | {delivered(results, standin) / total:.1%} | "
                  f"{errors} |")  # fmt: skip
    finally:
        bot.stop()
        standin.stop()


if __name__ == "__main__":
    main()
