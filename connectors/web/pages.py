"""The web front ends, served by the bot itself (one origin, nothing from a CDN):
- `/guide/<code>`: a matter's whole 办事指南 (printable on A4, with a QR code of its own address)
  and `/guide` the catalogue to search and filter; server-rendered, no JavaScript needed;
- `/widget/demo`: a page hosting the chat widget (`static/widget.js`, one tag on any site);
- `/kiosk`: the hall kiosk (tiles of life events and themes, idle reset).
Templates autoescape every catalogue field; the scripts insert text, never HTML.

The pages read the catalogue (and search it) off the event loop, in one worker thread, so a
citizen's chat turn never waits for a page."""
from __future__ import annotations

import asyncio
import io
import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sanic import Sanic, response
from sanic.exceptions import ServiceUnavailable

from bot import config
from bot.answers import days_text, guide_path
from bot.catalogue import is_web_address
from bot.guide import CachedGuides
from bot.listing import FACETS, CachedListing, Listed
from bot.store import RevisionWatch
from connectors.edge import request_address

HERE = Path(__file__).parent
PAGE_SIZE = 20
MAX_WAITING_PAGES = 64  # pages queued for the one worker thread; more are refused
MAX_WAITING_PER_ADDRESS = 8  # of them, from one client address
MAX_QUERY_CHARS = 100
SEARCHED = 200  # the best matters a search ranks before the filters apply
FACET_LABELS = {"theme": "主题", "life_event": "人生事件", "department": "部门", "target": "服务对象",
                "hall_level": "受理层级"}  # fmt: skip
KIOSK_MATTERS = 60  # the matters a kiosk tile lists
KIOSK_TILES = 30  # tiles per facet, those with most matters (a large catalogue has hundreds of themes)
TILE_FACETS = (("life_event", "按人生事件"), ("theme", "按主题"))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'self'",  # fmt: skip
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)  # fmt: skip
templates.filters["guide_path"] = guide_path
# Only http(s) addresses from the catalogue become links (never javascript: or data:).
templates.tests["web_address"] = is_web_address


def guide_url(code: str) -> str:
    return config.public_url() + guide_path(code)


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> Markup:
    """The QR code of `url` as inline SVG (segno writes it; nothing in it comes from the citizen)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, title="本页二维码"))


@lru_cache(maxsize=4096)
def qr_document(url: str) -> bytes:
    """The QR code of `url` as a whole SVG document (an image must name its namespace)."""
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False)
    return svg.getvalue()


def widget_tag(bot_url: str) -> str:
    """The one tag a site adds to show the chat widget."""
    return f'<script src="{bot_url}/web/static/widget.js" data-bot-url="{bot_url}" defer></script>'


def limit(days: Optional[int], unit: Optional[str]) -> Optional[str]:
    return None if days is None else days_text(days, unit)  # worded as in the chat (0: 即办)


class Pages:
    """What the routes render, from one catalogue (the database in `BOT_DATABASE_URL`)."""

    def __init__(self, database_url: Optional[str] = None):
        self.database_url = database_url
        watch = RevisionWatch(database_url)
        self.guides = CachedGuides(database_url, catalogue=watch)
        self.listing = CachedListing(database_url, catalogue=watch)
        self._search = None

    def guide(self, code: str) -> Optional[str]:
        matter = self.guides.matter(code)
        if matter is None:
            return None
        related = self.guides.names([r.related_code for r in matter.related])
        return templates.get_template("guide.html").render(
            matter=matter, related=related, url=guide_url(matter.code), qr=qr_svg(guide_url(matter.code)),
            statutory=limit(matter.statutory_days, matter.statutory_unit),
            promised=limit(matter.promised_days, matter.promised_unit),
        )  # fmt: skip

    def index(self, query: str, chosen: dict[str, str], page: int) -> str:
        listing = self.listing.get()
        query = query.strip()[:MAX_QUERY_CHARS]
        matters: list[Listed] = listing.matters
        if query:  # the bot's own search and decision: a matter the catalogue lacks lists nothing
            by_code = listing.by_code
            matters = [by_code[c.code] for c in self.search().search(query, SEARCHED).candidates if c.code in by_code]
        found = listing.filtered(chosen, matters)
        pages = max(1, math.ceil(len(found) / PAGE_SIZE))
        page = min(max(page, 1), pages)

        def page_link(number: int) -> str:
            return "/guide?" + urlencode({**{k: v for k, v in chosen.items() if v}, **({"q": query} if query else {}),
                                          "page": number})  # fmt: skip

        return templates.get_template("index.html").render(
            query=query, chosen=chosen, found=found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], total=len(found),
            page=page, pages=pages, page_size=PAGE_SIZE, page_link=page_link, labels=FACET_LABELS,
            facets={facet: listing.facet_values(facet) for facet in FACETS},
        )  # fmt: skip

    def kiosk(self) -> str:
        listing = self.listing.get()
        warn, reset = config.kiosk_idle_seconds()
        tiles = [(facet, title, listing.facet_values(facet)[:KIOSK_TILES]) for facet, title in TILE_FACETS]
        return templates.get_template("kiosk.html").render(tiles=[t for t in tiles if t[2]], idle_warn=warn,
                                                           idle_reset=reset, public_url=config.public_url())  # fmt: skip

    def tile_matters(self, facet: str, value: str) -> list[dict]:
        if facet not in FACETS:
            return []
        found = self.listing.get().filtered({facet: value})[:KIOSK_MATTERS]
        return [{"code": m.code, "name": m.name} for m in found]

    def search(self):  # noqa: ANN201
        if self._search is None:  # the embedder loads on the first search, not at start-up
            from bot.search.searcher import MatterSearch

            self._search = MatterSearch(self.database_url)
        return self._search


def mount(app: Sanic, database_url: Optional[str] = None) -> Sanic:
    """The web routes (GET and HEAD, with or without a trailing slash) on the Rasa server's app."""
    pages = Pages(database_url)
    worker = ThreadPoolExecutor(1, thread_name_prefix="web-pages")
    waiting: Counter = Counter()  # pages queued for the worker, per client address
    static = {path.relative_to(HERE / "static").as_posix(): path
              for path in (HERE / "static").rglob("*") if path.is_file()}  # fmt: skip

    async def off_the_loop(request, function, *args):  # noqa: ANN001, ANN002, ANN202
        """Run `function` in the worker; a flood gets 503 rather than an ever longer queue, and one
        address cannot take every place in it."""
        address = request_address(request)
        if waiting[address] >= MAX_WAITING_PER_ADDRESS or sum(waiting.values()) >= MAX_WAITING_PAGES:
            raise ServiceUnavailable("busy")
        waiting[address] += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(worker, function, *args)
        finally:
            waiting[address] -= 1
            if not waiting[address]:
                del waiting[address]

    def html(body: str, status: int = 200) -> response.HTTPResponse:
        return response.html(body, status=status, headers=SECURITY_HEADERS)

    def get(path: str):  # noqa: ANN202
        return app.route(path, methods=["GET", "HEAD"], strict_slashes=False)

    @get("/guide")
    async def guide_index(request):  # noqa: ANN001, ANN202
        args = request.args
        chosen = {facet: (args.get(facet) or "")[:MAX_QUERY_CHARS] for facet in FACETS}
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            page = 1
        return html(await off_the_loop(request, pages.index, args.get("q") or "", chosen, page))

    @get("/guide/<code>")
    async def guide_page(request, code: str):  # noqa: ANN001, ANN202
        body = await off_the_loop(request, pages.guide, code[:64])
        if body is None:
            return html(templates.get_template("missing.html").render(code=code[:64]), status=404)
        return html(body)

    @get("/guide/<code>/qr.svg")
    async def guide_qr(request, code: str):  # noqa: ANN001, ANN202
        if await off_the_loop(request, pages.guides.matter, code[:64]) is None:
            return response.text("not found", status=404, headers=SECURITY_HEADERS)
        return response.raw(qr_document(guide_url(code[:64])), content_type="image/svg+xml", headers=SECURITY_HEADERS)

    @get("/widget/demo")
    async def widget_demo(request):  # noqa: ANN001, ANN202
        return html(templates.get_template("widget_demo.html").render(
            tag=widget_tag(config.public_url()),
            script=Markup('<script src="/web/static/widget.js" data-bot-url="" defer></script>'),
        ))  # fmt: skip

    @get("/kiosk")
    async def kiosk(request):  # noqa: ANN001, ANN202
        return html(await off_the_loop(request, pages.kiosk))

    @get("/kiosk/matters")
    async def kiosk_matters(request):  # noqa: ANN001, ANN202
        facet, value = request.args.get("facet") or "", (request.args.get("value") or "")[:MAX_QUERY_CHARS]
        return response.json({"matters": await off_the_loop(request, pages.tile_matters, facet, value)},
                             headers=SECURITY_HEADERS, ensure_ascii=False)  # fmt: skip

    # The static files by name, from a list made at start-up: nothing else under the folder (no
    # directory, no odd path) is looked up on disk.
    @get("/web/static/<name:path>")
    async def static_file(request, name: str):  # noqa: ANN001, ANN202
        path = static.get(name)
        if path is None:
            return response.text("not found", status=404, headers=SECURITY_HEADERS)
        return await response.file(path, headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"})

    return app
