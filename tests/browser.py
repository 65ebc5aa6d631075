"""Debian's Chromium driven by Playwright, as the browser tests, `make screenshots` and the web
benchmark use it. Playwright's own browser download is not reachable here: `executable_path`
points at /usr/bin/chromium (`make browser` installs it)."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

CHROMIUM = os.environ.get("BOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying Google's hosts on this closed network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
PHONE = {"viewport": {"width": 390, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def chromium_missing() -> str:
    """Why the browser cannot run here, or "" when it can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: `make browser` (make test does) installs Debian's"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: `make install`"
    return ""


def launch(playwright):  # noqa: ANN001, ANN201
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
