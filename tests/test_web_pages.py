"""The guide pages as the server renders them: every field of a matter, escaped; the index's
search and filters; the QR code's content. The browser tests (tests/test_web_browser.py) see
the same pages through Chromium."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest
import segno
import zxingcpp
from sqlalchemy import update

from bot import db
from bot.guide import get_matter
from bot.models import Matter
from connectors.web.pages import Pages, qr_svg


def visible_text(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def expected_fields(matter) -> list[str]:
    """What a complete guide shows of `matter`: every published field of the catalogue."""
    fields = [matter.name, matter.code, matter.department, matter.fee, matter.consult_phone, matter.online_url,
              *matter.steps, *matter.targets, *matter.themes, *matter.life_events]  # fmt: skip
    fields += [m.name for m in matter.materials] + [m.form for m in matter.materials if m.form]
    fields += [h.name for h in matter.halls] + [h.hours for h in matter.halls if h.hours]
    fields += [f.question for f in matter.faqs]
    for text in (matter.conditions, matter.legal_basis, matter.location):
        fields += [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [field for field in fields if field]


def test_the_demo_guide_shows_every_field(demo_db, monkeypatch):
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://zwfw.example.gov.cn/")
    page = Pages(demo_db).guide("CL-001")
    text = visible_text(page)
    matter = get_matter("CL-001", demo_db)
    missing = [field for field in expected_fields(matter) if " ".join(field.split()) not in " ".join(text.split())]
    assert not missing
    assert "全区通办" in text and "免提交" in text and "视情况提供" in text  # 既往病历 is not always needed
    assert "最多跑2次" in text and "15个工作日" in text and "20个工作日" in text
    assert '<a href="/guide/MZ-008">' in page  # a related matter links to its guide
    assert "https://zwfw.example.gov.cn/guide/CL-001" in text  # the page's own address, under its QR code


def test_a_real_gdzwfw_guide_shows_every_field(gdzwfw_url):
    pages = Pages(gdzwfw_url)
    with db.session_scope(gdzwfw_url) as session:
        codes = [row[0] for row in session.query(Matter.code).order_by(Matter.code).limit(400)]
    checked = 0
    for code in codes[::40]:
        matter = get_matter(code, gdzwfw_url)
        text = " ".join(visible_text(pages.guide(code)).split())
        missing = [field for field in expected_fields(matter) if " ".join(field.split()) not in text]
        assert not missing, code
        checked += 1
    assert checked == 10


def test_markup_in_a_catalogue_field_is_shown_as_text(demo_url):
    with db.session_scope(demo_url) as session:
        session.execute(update(Matter).where(Matter.code == "CL-001").values(
            name='残疾人证<script>alert("x")</script>', fee="<b>免费</b>", online_url="javascript:alert(1)"))  # fmt: skip
    page = Pages(demo_url).guide("CL-001")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>免费" not in page
    assert 'href="javascript:' not in page  # shown, but not as a link


def test_an_unknown_code_has_no_guide(demo_db):
    assert Pages(demo_db).guide("NOPE-1") is None


def test_the_qr_code_holds_the_pages_address(monkeypatch):
    url = "https://zwfw.example.gov.cn/guide/CL-001"
    assert "<svg" in qr_svg(url)
    # Decode the same symbol as a picture, as a phone's camera would.
    matrix = np.array([[0 if dark else 255 for dark in row] for row in segno.make(url, error="m").matrix], np.uint8)
    picture = np.pad(np.kron(matrix, np.ones((8, 8), np.uint8)), 32, constant_values=255)
    assert [barcode.text for barcode in zxingcpp.read_barcodes(picture)] == [url]


def listed_codes(page: str) -> list[str]:
    return re.findall(r'<li><a href="/guide/([^"]+)">', page)


def test_the_index_lists_pages_of_twenty_and_search_finds_the_matter(demo_db):
    pages = Pages(demo_db)
    first = pages.index("", {}, 1)
    assert len(listed_codes(first)) == 20 and "下一页" in first
    found = pages.index("老年证怎么办", {}, 1)
    assert listed_codes(found)[0] == "MZ-001"
    missing = pages.index("宠物狗办证", {}, 1)  # not in the catalogue: nothing unrelated is listed
    assert not listed_codes(missing) and "没有找到符合条件的事项" in missing


def test_filters_narrow_the_list(demo_db):
    pages = Pages(demo_db)
    everything = re.search(r"共 (\d+) 项", pages.index("", {}, 1)).group(1)
    narrowed = pages.index("", {"department": "示范区残疾人联合会", "life_event": "残疾"}, 1)
    codes = listed_codes(narrowed)
    assert codes and all(code.startswith("CL-") for code in codes)
    assert int(re.search(r"共 (\d+) 项", narrowed).group(1)) < int(everything)
    assert pages.index("", {"department": "不存在的部门"}, 1).count("没有找到符合条件的事项") == 1


def test_the_index_pages_through_the_whole_gdzwfw_catalogue(gdzwfw_url):
    pages = Pages(gdzwfw_url)
    first = pages.index("", {}, 1)
    total = int(re.search(r"共 (\d+) 项", first).group(1))
    assert total > 2000
    last = pages.index("", {}, 10_000)  # past the end: the last page
    assert 0 < len(listed_codes(last)) <= 20 and f"第 {-(-total // 20)}/{-(-total // 20)} 页" in last
    department = re.search(r'name="department">\s*<option value="">全部</option>\s*<option value="([^"]+)"', first).group(1)
    narrowed = pages.index("", {"department": html.unescape(department)}, 1)
    assert 0 < int(re.search(r"共 (\d+) 项", narrowed).group(1)) < total


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 300, "   "])
def test_odd_searches_get_a_page(demo_db, query):
    page = Pages(demo_db).index(query, {"theme": "<b>"}, 1)
    assert "<script>alert" not in page and "<b>" not in page.split("<main>")[1]
