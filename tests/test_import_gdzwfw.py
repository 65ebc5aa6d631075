"""The real 广东政务服务网 export: every matter imports, 无 reads as empty, bad lines are named."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot import db
from bot.catalogue import CatalogueError
from bot.importers import read_catalogue
from bot.models import Matter
from bot.store import catalogue_stats
from tests.catalogues import import_into


def test_all_matters_import(gdzwfw_url):
    with db.session_scope(gdzwfw_url) as session:
        stats = catalogue_stats(session)
        assert stats.matters == 2262
        assert stats.withdrawn == 0
        assert stats.materials > 3000  # 816 records list their materials


def test_fields_are_read_as_published(gdzwfw_url):
    with db.session_scope(gdzwfw_url) as session:
        matter = session.execute(
            select(Matter).where(Matter.code == "11440000006939756B2440101007000")
        ).scalar_one()
        assert matter.name == "临时价格干预范围事项提价申报"
        assert matter.department == "广东省发展和改革委员会"
        assert (matter.statutory_days, matter.statutory_unit) == (30, "工作日")
        assert (matter.promised_days, matter.promised_unit) == (7, "工作日")
        assert matter.location == "广州市越秀区东风中路305号5号楼808房"
        assert matter.level == "省" and matter.type == "行政许可"
        assert matter.targets == ["个人", "法人"]
        assert matter.short_name is None  # 无
        assert [m.name for m in matter.materials] == ["提价申报申请报告"]
        assert matter.visits == 0 and matter.online_url.startswith("https://")


def test_colloquial_names_become_aliases(gdzwfw_url):
    with db.session_scope(gdzwfw_url) as session:
        matters = session.execute(select(Matter).where(Matter.name == "兼职律师执业许可")).scalars().all()
        aliases = {alias for m in matters for alias in m.aliases}
        assert "兼职律师执业" in aliases  # `兼职  律师 执业` is one phrase, not three names


def _write_lines(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")


@pytest.fixture
def first_records(gdzwfw_path):
    with gdzwfw_path.open(encoding="utf-8") as lines:
        return [json.loads(next(lines)) for _ in range(3)]


def test_truncated_line_names_the_line(tmp_path, first_records):
    path = tmp_path / "cut.jsonl"
    _write_lines(path, first_records)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) - 200], encoding="utf-8")  # the last line is cut short
    with pytest.raises(CatalogueError, match=r"cut\.jsonl: line 3: not valid JSON"):
        read_catalogue(path)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("TASK_CODE", None, r"line 2.*field 'TASK_CODE': is required"),
        ("TASK_NAME", ["a", "list"], r"line 2 \(.*\): field 'TASK_NAME': expected text"),
        ("handle_time", "二十天", r"field 'handle_time': expected a time limit like 20\(工作日\)"),
        ("visit_number", "-1", r"field 'visit_number': expected a non-negative integer"),
        ("material_intro", 5, r"field 'material_intro': expected a list"),
    ],
)
def test_bad_record_names_line_and_field(tmp_path, first_records, field, value, message):
    first_records[1][field] = value
    path = tmp_path / "bad.jsonl"
    _write_lines(path, first_records)
    with pytest.raises(CatalogueError, match=message):
        read_catalogue(path)


def test_a_bad_file_changes_nothing(database_url, tmp_path, first_records):
    good = tmp_path / "good.jsonl"
    _write_lines(good, first_records)
    import_into(database_url, good)
    first_records[0]["TASK_NAME"] = "改过的名字"
    first_records[2]["handle_time"] = "很久"
    bad = tmp_path / "bad.jsonl"
    _write_lines(bad, first_records)
    with pytest.raises(CatalogueError):
        import_into(database_url, bad)
    with db.session_scope(database_url) as session:
        names = session.execute(select(Matter.name).order_by(Matter.id)).scalars().all()
    assert "改过的名字" not in names and len(names) == 3
