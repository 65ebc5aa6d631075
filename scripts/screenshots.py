"""The README's pictures: the chat widget on a desktop and on a phone, the hall kiosk and a guide
page, taken in Debian's Chromium from both servers on the demo catalogue (`make screenshots`).

    .venv/bin/python scripts/screenshots.py docs/screenshots   (needs make train and make browser)"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import DESKTOP, PHONE, chromium_missing, launch  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, import_into  # noqa: E402
from tests.servers import Bot  # noqa: E402


def ask(page, text: str) -> None:  # noqa: ANN001
    answers = page.locator(".daoban-bot").count()
    page.fill(".daoban-input", text)
    page.press(".daoban-input", "Enter")
    page.locator(".daoban-bot").nth(answers).wait_for(timeout=60_000)
    page.wait_for_timeout(500)


def take(bot: Bot, browser, folder: Path) -> list[Path]:  # noqa: ANN001
    base = f"http://localhost:{bot.rasa_port}"
    shots = []

    def shot(page, name: str, **options) -> None:  # noqa: ANN001, ANN003
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), **options)
        shots.append(path)

    for name, options in (("widget-desktop", DESKTOP), ("widget-phone", PHONE)):
        page = browser.new_context(**options).new_page()
        page.goto(base + "/widget/demo")
        page.click(".daoban-bubble")
        ask(page, "我奶奶想办老年证，要带什么材料")
        shot(page, name)
    page = browser.new_context(viewport={"width": 1080, "height": 1600}).new_page()
    page.goto(base + "/kiosk")
    shot(page, "kiosk-tiles")
    page.click(".kiosk-tile:has-text('残疾')")
    page.click(".kiosk-matter:has-text('残疾人证新办')")
    page.locator("#kiosk-log .daoban-button:has-text('申请材料')").click()
    page.locator("#kiosk-log .daoban-checklist").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "kiosk-answer")
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(base + "/guide/MZ-001")
    shot(page, "guide-page", full_page=True)
    return shots


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    missing = chromium_missing()
    if missing:
        sys.exit(missing)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'catalogue.db'}"
        import_into(url, DEMO_CATALOGUE)
        bot = Bot(url, str(Path(work) / "tracker.db"))
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                for path in take(bot, browser, folder):
                    print(path)
                browser.close()
        finally:
            bot.stop()


if __name__ == "__main__":
    main()
