"""The web front ends (not a test): page weights, the time from the first page load to the first
answer in the chat widget (Debian's Chromium on loopback, a new browser context each time, so
nothing is cached), and guide-page render times on the 2,262-matter gdzwfw catalogue.

    .venv/bin/python bench/web_bench.py [--runs 10] [--guides 300]   (needs make train, make browser)"""
from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from tests.browser import DESKTOP, chromium_missing, launch  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402
from tests.servers import Bot  # noqa: E402

STATIC = ROOT / "connectors" / "web" / "static"
WIDGET = ["widget.js", "chat.js", "widget.css", "vendor/socket.io.min.js"]
KIOSK = ["widget.css", "kiosk.css", "chat.js", "kiosk.js", "vendor/socket.io.min.js"]


def weights(files: list[str]) -> tuple[int, int]:
    """(bytes, bytes gzipped) of the files together."""
    raw = [(STATIC / name).read_bytes() for name in files]
    return sum(map(len, raw)), sum(len(gzip.compress(data, 9)) for data in raw)


def first_answers(bot: Bot, runs: int) -> list[tuple[float, float]]:
    """(seconds to the page's load event, seconds to the first answer) per run, from navigation."""
    from playwright.sync_api import sync_playwright

    url = f"http://localhost:{bot.rasa_port}/widget/demo"
    timings = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for run in range(runs):
            context = browser.new_context(**DESKTOP)
            page = context.new_page()
            started = time.monotonic()
            page.goto(url)
            loaded = time.monotonic() - started
            page.click(".daoban-bubble")
            page.fill(".daoban-input", ["老年证要带什么材料", "居住证在哪办", "残疾证要多久"][run % 3])
            page.press(".daoban-input", "Enter")
            page.locator(".daoban-bot").first.wait_for(timeout=60_000)
            timings.append((loaded, time.monotonic() - started))
            context.close()
        browser.close()
    return timings


def guide_renders(url: str, count: int) -> tuple[list[float], list[float]]:
    """Seconds to render guide pages of `count` random matters (each read from the database, as
    on a first visit), and index pages with a search."""
    from bot.listing import read_listing
    from connectors.web.pages import Pages

    pages = Pages(url)
    codes = [m.code for m in read_listing(url).matters]
    random.Random(7).shuffle(codes)
    guides = []
    for code in codes[:count]:
        started = time.perf_counter()
        pages.guide(code)
        guides.append(time.perf_counter() - started)
    pages.index("社保卡", {}, 1)  # the embedder loads on the first search
    indexes = []
    for query in ["社保卡补办", "营业执照", "出生证明", "公积金提取", "驾驶证", "", "低保", "养老保险"] * 3:
        started = time.perf_counter()
        pages.index(query, {}, 1)
        indexes.append(time.perf_counter() - started)
    return guides, indexes


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--guides", type=int, default=300)
    args = parser.parse_args()
    for name, files in (("widget", WIDGET), ("kiosk", KIOSK)):
        raw, packed = weights(files)
        print(f"{name} static files: {raw / 1024:.1f} KB, {packed / 1024:.1f} KB gzipped ({', '.join(files)})")
    missing = chromium_missing()
    with tempfile.TemporaryDirectory() as work:
        if missing:
            print("first answer: skipped,", missing)
        else:
            url = f"sqlite:///{Path(work) / 'demo.db'}"
            import_into(url, DEMO_CATALOGUE)
            bot = Bot(url, str(Path(work) / "tracker.db"))
            try:
                timings = first_answers(bot, args.runs)
            finally:
                bot.stop()
            loads, answers = [t[0] for t in timings], [t[1] for t in timings]
            print(f"widget page load: median {ms(statistics.median(loads))}, p95 {ms(percentile(loads, 0.95))}")
            print(f"first page load to first answer ({args.runs} runs): median {ms(statistics.median(answers))}, "
                  f"p95 {ms(percentile(answers, 0.95))}")  # fmt: skip
        if not GDZWFW.exists():
            print(f"guide pages: skipped, no gdzwfw catalogue at {GDZWFW}")
            return
        url = f"sqlite:///{Path(work) / 'gdzwfw.db'}"
        import_into(url, GDZWFW)
        guides, indexes = guide_renders(url, args.guides)
        print(f"guide page render on gdzwfw ({len(guides)} matters): median {ms(statistics.median(guides))}, "
              f"p95 {ms(percentile(guides, 0.95))}, max {ms(max(guides))}")  # fmt: skip
        print(f"guide index with a search on gdzwfw ({len(indexes)}): median {ms(statistics.median(indexes))}, "
              f"p95 {ms(percentile(indexes, 0.95))}")  # fmt: skip


if __name__ == "__main__":
    main()
