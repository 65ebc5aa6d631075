"""The web front ends in a real browser (Debian's Chromium, driven by Playwright) against the
real servers with the trained model: the chat widget, the hall kiosk and the guide pages.
A failing test leaves its screenshot in var/test-artifacts/."""
from __future__ import annotations

import http.client
import io
import re
import socket
import sqlite3
import time
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from tests.browser import DESKTOP, PHONE, chromium_missing, launch
from tests.catalogues import DEMO_CATALOGUE, ROOT, import_into
from bot.status.database import seed_demo_applications
from connectors.web.pages import widget_tag
from tests.servers import Bot, free_port

MODEL = ROOT / "models" / "daoban.tar.gz"
ARTIFACTS = ROOT / "var" / "test-artifacts"
pytestmark = [
    pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make train` (make test does)"),
    pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "-"),
]
MARKUP = '<img src=x onerror="window.__xss=1"><b>粗体</b>'
# window.print would open a dialog; the tests count the calls instead (an init script is not page
# script, so the pages' Content-Security-Policy stays as it is).
NO_PRINT_DIALOG = "window.__printed = 0; window.print = function () { window.__printed += 1; };"


class Site:
    """A government site on another origin, with the widget's one tag in its page."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def embed(self, bot: Bot) -> str:
        (self.folder / "index.html").write_text(
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>区政府网站</title><h1>区政府网站</h1>'
            + widget_tag(local(bot, "")), encoding="utf-8")  # fmt: skip
        return self.origin + "/index.html"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The district's own site (allowed by BOT_ALLOWED_ORIGINS) and another one (not)."""
    allowed, other = Site(tmp_path_factory.mktemp("site")), Site(tmp_path_factory.mktemp("other-site"))
    yield allowed, other
    allowed.server.shutdown()
    other.server.shutdown()


class FreezingProxy:
    """A TCP proxy on loopback whose open connections can be frozen: bytes stop flowing both ways
    and nothing is closed, as when a phone's network goes away. New connections flow."""

    def __init__(self, port: int):
        self.port, self.target = port, 0
        self.origin = f"http://localhost:{port}"
        self.frozen: set[int] = set()
        self.open: list[tuple] = []
        self.listener = socket.create_server(("127.0.0.1", port))

    def start(self, target: int) -> None:
        self.target = target
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.frozen.update(id(pair) for pair in self.open)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            pair = (client, socket.create_connection(("127.0.0.1", self.target)))
            self.open.append(pair)
            for source, sink in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(pair, source, sink), daemon=True).start()

    def _pump(self, pair: tuple, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if id(pair) not in self.frozen:  # frozen: read and dropped, never delivered
                    sink.sendall(data)
        except OSError:
            pass
        if id(pair) not in self.frozen:
            sink.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def proxy():
    proxy = FreezingProxy(free_port())
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def web_bot(tmp_path_factory, sites, proxy):
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'catalogue.db'}"
    import_into(url, DEMO_CATALOGUE)
    seed_demo_applications(url)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:  # markup in a catalogue field
        db.execute("UPDATE matters SET fee = ? WHERE code = 'CL-003'", (MARKUP + "不收费",))
    env = {"KIOSK_IDLE_WARN_SECONDS": "4", "KIOSK_IDLE_RESET_SECONDS": "10",
           "BOT_ALLOWED_ORIGINS": f"{sites[0].origin},{proxy.origin}"}  # fmt: skip
    bot = Bot(url, str(folder / "tracker.db"), env=env, log=folder / "bot.log")
    proxy.start(bot.rasa_port)
    yield bot
    bot.stop()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, request):
    """`open_page(url, **context options)`: a page in a fresh browser context (its own storage)."""
    contexts = []

    def opener(url: str, **options):  # noqa: ANN202
        context = chromium.new_context(**{**DESKTOP, **options})
        context.add_init_script(NO_PRINT_DIALOG)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("dialog", lambda dialog: (page.errors.append("dialog: " + dialog.message), dialog.dismiss()))
        page.goto(url)
        return page

    yield opener
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


def local(bot: Bot, path: str) -> str:
    """The address as the bot names itself (BOT_PUBLIC_URL unset: localhost), so that guide links
    and QR codes match the page's own address."""
    return f"http://localhost:{bot.rasa_port}{path}"


def widget(open_page, bot: Bot, **options):  # noqa: ANN201
    page = open_page(local(bot, "/widget/demo"), **options)
    page.click(".daoban-bubble")
    page.locator(".daoban-panel").wait_for()
    return page


def ask(page, text: str, answers_before: int | None = None):  # noqa: ANN001, ANN201
    """Type a question into the widget and wait for the answer (the next bot message)."""
    bots = page.locator(".daoban-bot")
    before = bots.count() if answers_before is None else answers_before
    page.fill(".daoban-input", text)
    page.press(".daoban-input", "Enter")
    bots.nth(before).wait_for(timeout=30_000)  # text, buttons and custom data come as one message
    return bots.nth(before)


def test_a_materials_question_shows_the_checklist_with_a_print_link(web_bot, open_page):
    page = widget(open_page, web_bot)
    answer = ask(page, "老年证要带什么材料")
    items = answer.locator(".daoban-checklist li")
    assert items.count() == 4 and "居民身份证" in items.nth(0).inner_text()
    assert answer.locator(".daoban-print").get_attribute("href").endswith("/guide/MZ-001?print=1")
    links = {a.inner_text(): a.get_attribute("href") for a in answer.locator(".daoban-links a").all()}
    assert links["完整指南"] == local(web_bot, "/guide/MZ-001")
    assert answer.locator(".daoban-rating button").all_inner_texts() == ["满意", "不满意"]
    assert not page.errors


def test_a_choice_button_gets_the_answer_of_that_matter(web_bot, open_page):
    page = widget(open_page, web_bot)
    choices = ask(page, "补贴").locator(".daoban-choices button")
    assert choices.count() >= 2
    name = choices.nth(0).inner_text()
    choices.nth(0).click()
    answer = page.locator(".daoban-bot").nth(1)
    answer.wait_for(timeout=30_000)
    assert page.locator(".daoban-user").nth(1).inner_text().endswith(name)  # the citizen's bubble says what was tapped
    assert f"【{name}】" in answer.inner_text()


def test_a_reload_keeps_the_conversation_and_its_matter(web_bot, open_page):
    page = widget(open_page, web_bot)
    ask(page, "老年证要带什么材料")
    shown = page.locator(".daoban-log").inner_text()
    page.reload()
    page.locator(".daoban-checklist").wait_for()  # open again, with what was said
    assert page.locator(".daoban-log").inner_text() == shown
    assert "老年人优待证" in ask(page, "在哪办").inner_text()  # the server kept the session too


def test_markup_is_shown_as_text_in_questions_and_in_catalogue_fields(web_bot, open_page):
    page = widget(open_page, web_bot)
    ask(page, MARKUP)
    assert page.locator(".daoban-user p").first.inner_text() == MARKUP
    fee = ask(page, "残疾证丢了补办要收费吗")
    assert "<img" in fee.inner_text() or "<b>" in fee.inner_text()
    assert page.locator(".daoban-log img, .daoban-log b").count() == 0
    assert page.evaluate("() => window.__xss") is None and not page.errors


def test_keyboard_alone(web_bot, open_page):
    page = open_page(local(web_bot, "/widget/demo"))
    for _ in range(10):  # Tab to the bubble
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.className") == "daoban-bubble":
            break
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "daoban-input"
    page.keyboard.type("居住证在哪办")
    page.keyboard.press("Enter")
    page.locator(".daoban-bot").first.wait_for(timeout=30_000)
    page.locator(".daoban-replies button").first.focus()  # the first quick reply, by Tab order
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    title = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.locator(".daoban-bot").nth(1).wait_for(timeout=30_000)
    assert page.locator(".daoban-user").nth(1).inner_text().endswith(title)
    page.keyboard.press("Escape")
    assert page.locator(".daoban-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.className") == "daoban-bubble"


def test_the_widget_is_labelled_for_screen_readers(web_bot, open_page):
    page = widget(open_page, web_bot)
    log = page.locator(".daoban-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert page.get_by_label("输入您的问题").count() == 1
    assert page.locator(".daoban-bubble").get_attribute("aria-expanded") == "true"
    assert page.get_by_role("dialog", name="政务服务导办助手").count() == 1


def test_on_a_phone_the_panel_fills_the_screen(web_bot, open_page):
    page = widget(open_page, web_bot, **PHONE)
    ask(page, "老年证要带什么材料")
    box = page.locator(".daoban-panel").bounding_box()
    assert box["width"] == 390 and box["x"] == 0
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390


def test_large_type_and_high_contrast(web_bot, open_page):
    page = widget(open_page, web_bot)
    page.click("text=大字")
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.daoban-input')).fontSize)")
    assert size >= 20
    page.reload()  # the choice is kept
    assert page.locator(".daoban-root.daoban-large").count() == 1


def test_a_message_typed_while_the_connection_is_down_is_sent_once_after(web_bot, open_page):
    page = widget(open_page, web_bot)
    ask(page, "老年证要带什么材料")
    page.evaluate("() => window.daobanWidget.chat.socket.io.engine.close()")  # the network drops
    page.locator(".daoban-root[data-connection='reconnecting']").wait_for(state="attached", timeout=5_000)
    assert "重新连接" in page.locator(".daoban-status").inner_text()
    page.fill(".daoban-input", "要多久")
    page.press(".daoban-input", "Enter")
    answer = page.locator(".daoban-bot").nth(1)
    answer.wait_for(timeout=30_000)
    assert "老年人优待证" in answer.inner_text()
    page.wait_for_timeout(3_000)
    assert page.locator(".daoban-bot").count() == 2  # answered once


def test_the_status_form_gets_fields_and_the_digits_are_not_kept(web_bot, open_page):
    page = widget(open_page, web_bot)
    asked = ask(page, "查一下办件进度")
    asked.locator(".daoban-ask input").wait_for()
    assert asked.get_by_label("受理编号").count() == 1
    asked.get_by_label("受理编号").fill("SL2026110300027")
    asked.get_by_role("button", name="提交").click()
    digits = page.locator(".daoban-bot").nth(1)
    digits.get_by_label("手机号码后4位").wait_for(timeout=30_000)
    digits.get_by_label("手机号码后4位").fill("5678")
    digits.get_by_role("button", name="提交").click()
    status = page.locator(".daoban-bot").nth(2)
    status.wait_for(timeout=30_000)
    assert "待补正" in status.inner_text()
    assert page.locator(".daoban-user").nth(2).inner_text().endswith("****")
    kept = page.evaluate("() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert "SL2026110300027" in kept and "5678" not in kept


def test_the_widget_on_the_districts_own_site_and_not_on_another(web_bot, sites, open_page):
    allowed, other = sites
    page = open_page(allowed.embed(web_bot))
    page.click(".daoban-bubble")
    assert "老年人优待证" in ask(page, "老年证要带什么材料").inner_text()
    page = open_page(other.embed(web_bot))  # not in BOT_ALLOWED_ORIGINS: the browser may not connect
    page.click(".daoban-bubble")
    page.fill(".daoban-input", "老年证要带什么材料")
    page.press(".daoban-input", "Enter")
    page.wait_for_timeout(5_000)
    assert page.locator(".daoban-bot").count() == 0
    assert page.locator(".daoban-root").get_attribute("data-connection") in ("connecting", "reconnecting")


def kiosk(open_page, bot: Bot):  # noqa: ANN201
    page = open_page(local(bot, "/kiosk"))
    page.locator("#kiosk-tiles").wait_for()
    return page


def test_kiosk_tile_matter_answer_and_print(web_bot, open_page):
    page = kiosk(open_page, web_bot)
    page.click(".kiosk-tile:has-text('残疾')")
    matters = page.locator(".kiosk-matter")
    matters.first.wait_for()
    assert "残疾人证新办" in matters.all_inner_texts()
    page.click(".kiosk-matter:has-text('残疾人证新办')")
    page.locator("#kiosk-log .daoban-bot").first.wait_for(timeout=30_000)
    page.click("#kiosk-log .daoban-button:has-text('申请材料')")
    page.locator("#kiosk-log .daoban-checklist").wait_for(timeout=30_000)
    latest = page.locator("#kiosk-log .daoban-bot").last
    assert latest.locator(".daoban-rating button").all_inner_texts() == ["满意", "不满意"]  # 好差评, big
    assert page.locator("#kiosk-log a").count() == 0  # nothing leads a citizen out of the kiosk
    page.click("#kiosk-print")
    page.wait_for_timeout(1_000)
    assert page.evaluate("() => window.__printed") == 1
    printout = page.locator("#kiosk-printout")
    assert "残疾人证新办" in printout.locator("h1").inner_text() and printout.locator("li").count() == 5
    assert page.evaluate("() => document.querySelector('#kiosk-printout img').naturalWidth") > 0  # the QR code
    page.emulate_media(media="print")
    assert printout.is_visible() and page.locator("#kiosk-chat").is_hidden() and page.locator(".kiosk-header").is_hidden()


def test_a_network_gone_without_a_word_loses_nothing(web_bot, proxy, open_page):
    """The connection dies without a close (a phone between Wi-Fi and 4G): the widget finds out by
    its pings, reconnects, gets its own session back once the server has let the dead socket go,
    and sends again what had no answer: answered once, in the same conversation."""
    page = open_page(proxy.origin + "/widget/demo")
    page.click(".daoban-bubble")
    assert "老年人优待证" in ask(page, "老年证要带什么材料").inner_text()
    session = page.evaluate("() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)[0])).session")
    proxy.freeze()
    page.fill(".daoban-input", "要多久")
    page.press(".daoban-input", "Enter")  # sent into the dead connection
    page.locator(".daoban-root[data-connection='reconnecting']").wait_for(state="attached", timeout=40_000)
    answer = page.locator(".daoban-bot").nth(1)
    answer.wait_for(timeout=60_000)
    assert "老年人优待证" in answer.inner_text() and "时限" in answer.inner_text()  # the same conversation
    page.wait_for_timeout(3_000)
    assert page.locator(".daoban-bot").count() == 2  # answered once
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)[0])).session") == session


def kiosk_session(page) -> str | None:  # noqa: ANN001
    return page.evaluate("() => (JSON.parse(sessionStorage.getItem('daoban-kiosk') || '{}')).session || null")


def test_kiosk_idle_warns_then_clears_everything(web_bot, open_page):
    page = kiosk(open_page, web_bot)
    ask_kiosk(page, "老年证要带什么材料")
    page.locator("#kiosk-log .daoban-checklist").wait_for(timeout=30_000)
    before = kiosk_session(page)
    page.click("h1")  # a touch: the idle time counts from here
    touched = time.monotonic()
    page.locator("#kiosk-idle").wait_for(state="visible", timeout=15_000)  # the warning after 4 s
    assert time.monotonic() - touched >= 3.5 and int(page.locator("#kiosk-countdown").inner_text()) <= 6
    assert page.evaluate("() => document.activeElement.id") == "kiosk-continue"
    page.locator("#kiosk-idle").wait_for(state="hidden", timeout=15_000)  # reset after 10 s
    assert time.monotonic() - touched >= 9.5
    assert page.locator("#kiosk-tiles").is_visible() and page.locator("#kiosk-log .daoban-msg").count() == 0
    deadline = time.monotonic() + 10
    while kiosk_session(page) in (None, before) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert kiosk_session(page) not in (None, before)  # a new session, confirmed by the server
    assert "老年人优待证" not in ask_kiosk(page, "在哪办")  # it knows nothing of the last citizen's matter


def test_the_kiosk_warning_is_dismissed_by_a_touch(web_bot, open_page):
    page = kiosk(open_page, web_bot)
    ask_kiosk(page, "居住证在哪办")
    page.click("h1")
    page.locator("#kiosk-idle").wait_for(state="visible", timeout=15_000)
    page.click("#kiosk-continue")
    assert page.locator("#kiosk-idle").is_hidden()
    page.wait_for_timeout(7_000)  # past the first reset time (10 s), counted from the first touch
    assert page.locator("#kiosk-log .daoban-msg").count() == 2


SPEECH = """window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", { value: { speak: function (u) { window.__spoken.push(u.lang + ":" + u.text); },
                                                            cancel: function () {} } });"""
NO_SPEECH = 'delete window.SpeechSynthesisUtterance; delete window.speechSynthesis;'


def test_kiosk_reads_answers_aloud_where_the_browser_can(web_bot, chromium):
    for script, can in ((SPEECH, True), (NO_SPEECH, False)):
        context = chromium.new_context(**DESKTOP)
        context.add_init_script(script)
        page = context.new_page()
        page.goto(local(web_bot, "/kiosk"))
        toggle = page.locator("#kiosk-speak")
        assert toggle.is_visible() == can
        if can:
            toggle.click()
            assert toggle.get_attribute("aria-pressed") == "true"
            ask_kiosk(page, "居住证在哪办")
            page.wait_for_timeout(500)
            spoken = page.evaluate("() => window.__spoken")
            assert spoken and spoken[-1].startswith("zh-CN:【居住证")
        context.close()


def ask_kiosk(page, text: str) -> str:  # noqa: ANN001
    answers = page.locator("#kiosk-log .daoban-bot")
    before = answers.count()
    page.fill("#kiosk-input", text)
    page.press("#kiosk-input", "Enter")
    answers.nth(before).wait_for(timeout=30_000)
    return answers.nth(before).inner_text()


def decoded_qr(page) -> list[str]:  # noqa: ANN001
    picture = Image.open(io.BytesIO(page.locator(".qr svg").screenshot())).convert("L")
    return [barcode.text for barcode in zxingcpp.read_barcodes(np.asarray(picture))]


def check_guide_in_the_browser(page, name: str, url: str) -> None:  # noqa: ANN001
    assert page.locator("h1").inner_text() == name
    for section in ("conditions", "materials", "steps", "time", "fee", "where", "phone", "online", "legal_basis"):
        assert page.locator(f"section#{section} h2").is_visible(), section
    assert decoded_qr(page) == [url]
    page.emulate_media(media="print")
    assert page.locator("header.site").is_hidden() and page.locator("a.print").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert sizes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in sizes)  # A4
    page.emulate_media(media="screen")


def test_a_demo_guide_page_prints_on_a4_and_its_qr_code_is_its_address(web_bot, open_page):
    url = local(web_bot, "/guide/MZ-001")
    page = open_page(url)
    check_guide_in_the_browser(page, "老年人优待证办理", url)
    assert page.locator("#materials tbody tr").count() == 4 and page.locator("tr.shared").count() == 2
    assert not page.errors


def test_the_index_search_finds_a_matter_and_the_filters_narrow(web_bot, open_page):
    page = open_page(local(web_bot, "/guide"))
    total = int(re.search(r"共 (\d+) 项", page.locator(".count").inner_text()).group(1))
    page.fill("#q", "老年证怎么办")
    page.click("form.search button")
    page.locator("ol.matters a").first.wait_for()
    assert page.locator("ol.matters a").first.inner_text() == "老年人优待证办理"
    page.fill("#q", "")
    page.select_option("#f-department", label=page.locator("#f-department option", has_text="示范区残疾人联合会").inner_text())
    page.click("form.search button")
    narrowed = int(re.search(r"共 (\d+) 项", page.locator(".count").inner_text()).group(1))
    assert 0 < narrowed < total
    page.click("ol.matters a >> nth=0")
    assert page.url.startswith(local(web_bot, "/guide/CL-"))


@pytest.fixture(scope="module")
def gdzwfw_bot(gdzwfw_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-gdzwfw")
    bot = Bot(gdzwfw_url, str(folder / "tracker.db"), log=folder / "bot.log")
    yield bot
    bot.stop()


def test_a_gdzwfw_guide_page_in_the_browser(gdzwfw_bot, gdzwfw_url, open_page):
    from bot.guide import get_matter
    from bot.listing import read_listing

    listed = read_listing(gdzwfw_url).matters
    matter = get_matter(listed[len(listed) // 2].code, gdzwfw_url)
    url = local(gdzwfw_bot, f"/guide/{matter.code}")
    started = time.monotonic()
    page = open_page(url)
    assert time.monotonic() - started < 10
    check_guide_in_the_browser(page, matter.name, url)
    assert page.locator("#materials tbody tr").count() == len(matter.materials)
    page = open_page(local(gdzwfw_bot, "/guide?q=" + matter.name))
    assert matter.name in page.locator("ol.matters").inner_text()


def fetch(url: str, headers: dict | None = None) -> tuple[int, object, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def fetch_from(source: str, port: int, path: str) -> int:
    """The status of a GET sent from another loopback address (another citizen)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_pages_over_http_unknown_odd_and_flooded(web_bot):
    status, headers, body = fetch(web_bot.url("/guide/NOPE-1"))
    assert status == 404 and "未找到该事项".encode() in body and "default-src 'self'" in headers["Content-Security-Policy"]
    assert fetch(web_bot.url("/guide/NOPE-1/qr.svg"))[0] == 404
    assert fetch(web_bot.url("/guide?page=abc&theme=" + quote("<script>")))[0] == 200
    assert fetch(web_bot.url("/kiosk/matters?facet=name&value=x"))[2] == b'{"matters":[]}'
    for odd in ("/web/static/../../pages.py", "/web/static/", "/web/static/vendor", "/web/static/%00",
                "/web/static/widget.js%00"):  # fmt: skip
        assert fetch(web_bot.url(odd))[0] == 404, odd
    status, headers, _ = fetch(web_bot.url("/web/static/widget.js"))
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    polling = fetch(web_bot.url("/socket.io/?EIO=4&transport=polling"), {"Origin": f"http://localhost:{web_bot.rasa_port}"})
    assert polling[0] == 200 and len(polling[1].get_all("Access-Control-Allow-Origin")) == 1  # browsers refuse two
    assert fetch(web_bot.url("/socket.io/?EIO=4&transport=polling"), {"Origin": "http://evil.example"})[0] == 400
    searches = [web_bot.url("/guide?q=" + quote(f"社保卡补办{i}")) for i in range(120)]
    with ThreadPoolExecutor(40) as pool:
        flood = pool.map(fetch, searches)
        others = [fetch_from("127.0.0.2", web_bot.rasa_port, "/guide/MZ-001") for _ in range(5)]
        statuses = [answer[0] for answer in flood]
    assert set(statuses) <= {200, 503} and 503 in statuses  # a flood is refused, never a 500
    assert others == [200] * 5  # another citizen's pages still come
    assert fetch(web_bot.url("/guide/MZ-001"))[0] == 200
    assert "老年人优待证" in web_bot.text("after-flood", "老年证要带什么材料")  # the chat was not held up
