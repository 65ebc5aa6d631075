"""The project's own format and the demo catalogue: import, re-import, withdrawal, transactions."""
from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import func, select

from bot import db
from bot.catalogue import CatalogueError
from bot.importers import read_catalogue
from bot.models import Hall, Matter, RelatedMatter
from bot.store import catalogue_stats
from tests.catalogues import DEMO_CATALOGUE, import_into


def test_demo_catalogue_is_complete():
    data = read_catalogue(DEMO_CATALOGUE)
    assert len(data.matters) >= 60
    assert len({m.department for m in data.matters}) >= 12
    levels = [h.level for h in data.halls]
    assert levels.count("区") >= 1 and levels.count("街道") >= 3 and levels.count("社区") >= 6
    assert len(data.certificates) >= 10
    assert sum(len(m.related) for m in data.matters) >= 8
    lower_halls = {h.code for h in data.halls if h.level != "区"}
    assert sum(1 for m in data.matters if lower_halls & set(m.halls)) >= 20  # 受理下沉
    for matter in data.matters:  # every field the model has is filled
        assert matter.conditions and matter.materials and matter.steps and matter.halls, matter.code
        assert matter.promised_days is not None and matter.fee and matter.legal_basis, matter.code
        assert matter.consult_phone and matter.visits is not None and matter.targets, matter.code
    assert any(material.shared for m in data.matters for material in m.materials)


def test_import_writes_everything(demo_url):
    with db.session_scope(demo_url) as session:
        stats = catalogue_stats(session)
        assert stats.matters >= 60 and stats.halls >= 10 and stats.certificates >= 10
        matter = session.execute(select(Matter).where(Matter.aliases.isnot(None)).limit(1)).scalar_one()
        assert matter.materials and matter.halls and matter.source == "demo"
        assert session.execute(select(func.count()).select_from(RelatedMatter)).scalar_one() >= 8
        station = session.execute(select(Hall).where(Hall.level == "社区").limit(1)).scalar_one()
        assert station.street_code and station.hours and station.address


def test_reimport_is_idempotent(demo_url):
    with db.session_scope(demo_url) as session:
        before = catalogue_stats(session)
    result = import_into(demo_url, DEMO_CATALOGUE)
    assert result.created == 0 and result.withdrawn == 0 and result.updated == before.matters
    with db.session_scope(demo_url) as session:
        assert catalogue_stats(session) == before


@pytest.fixture
def catalogue_copy(tmp_path):
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOGUE, target)
    return target


def _edit(path, change):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _first_file_without_links(folder):
    """A department file whose matters no other file links to, so removing one is valid."""
    data = read_catalogue(folder)
    linked = {code for m in data.matters for code, _ in m.related}
    for path in sorted((folder / "matters").glob("*.yml")):
        codes = [m["code"] for m in yaml.safe_load(path.read_text(encoding="utf-8"))["matters"]]
        if codes[-1] not in linked:
            return path, codes[-1]
    pytest.fail("every department's last matter is linked to")


def test_full_reimport_withdraws_absent_matters(database_url, catalogue_copy):
    import_into(database_url, catalogue_copy)
    path, code = _first_file_without_links(catalogue_copy)
    _edit(path, lambda d: d["matters"].pop())
    result = import_into(database_url, catalogue_copy)
    assert result.withdrawn == 1
    with db.session_scope(database_url) as session:
        matter = session.execute(select(Matter).where(Matter.code == code)).scalar_one()
        assert matter.status == "withdrawn" and matter.withdrawn_at is not None
        assert catalogue_stats(session).withdrawn == 1
    import_into(database_url, DEMO_CATALOGUE)  # listed again: back in service
    with db.session_scope(database_url) as session:
        assert session.execute(select(Matter.status).where(Matter.code == code)).scalar_one() == "active"


def test_partial_import_keeps_absent_matters(database_url, catalogue_copy):
    import_into(database_url, catalogue_copy)
    path, _code = _first_file_without_links(catalogue_copy)
    _edit(path, lambda d: d["matters"].pop())
    assert import_into(database_url, catalogue_copy, full=False).withdrawn == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["matters"][0].pop("name"), r"matter #1 \(.*\): field 'name': is required"),
        (lambda d: d["matters"][1].update(aliases="老人证"), r"matter #2 .*field 'aliases': expected a list"),
        (
            lambda d: d["matters"][0]["materials"][0].update(copies="两份"),
            r"matter #1 .*material #1: field 'copies': expected a non-negative integer",
        ),
        (
            lambda d: d["matters"][0].update(promised_limit={"days": 5, "unit": "周"}),
            r"field 'unit': expected one of 工作日/自然日",
        ),
        (lambda d: d["matters"][0].update(halls=["NO-SUCH-HALL"]), r"field 'halls': unknown hall code"),
        (lambda d: d["matters"][1].update(code=d["matters"][0]["code"]), r"duplicate matter code"),
        (lambda d: d["matters"][0].update(accepted_anywhere="maybe"), r"field 'accepted_anywhere'"),
    ],
)
def test_bad_file_is_named_and_changes_nothing(database_url, catalogue_copy, change, message):
    import_into(database_url, DEMO_CATALOGUE)
    with db.session_scope(database_url) as session:
        before = catalogue_stats(session)
    path = sorted((catalogue_copy / "matters").glob("*.yml"))[0]
    _edit(path, change)
    with pytest.raises(CatalogueError, match=message):
        import_into(database_url, catalogue_copy)
    with db.session_scope(database_url) as session:
        assert catalogue_stats(session) == before


def test_broken_yaml_names_the_file(catalogue_copy):
    path = sorted((catalogue_copy / "matters").glob("*.yml"))[0]
    path.write_text("department: 坏文件\nmatters: [ {code: X, name: 未闭合\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=rf"{path.name}: not valid YML"):
        read_catalogue(catalogue_copy)


def test_single_json_file(tmp_path, database_url):
    document = {
        "catalogue": {"source": "tiny", "name": "小目录"},
        "matters": [{"code": "T-1", "name": "测试事项", "department": "测试局", "materials": [{"name": "身份证"}]}],
    }
    import json

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = import_into(database_url, path)
    assert result.created == 1 and result.source == "tiny"


def test_halls_keep_their_coordinates_given_both_or_neither(database_url, catalogue_copy):
    import_into(database_url, catalogue_copy)
    with db.session_scope(database_url) as session:
        hall = session.execute(select(Hall).where(Hall.code == "H-DH-01")).scalar_one()
        assert (hall.latitude, hall.longitude) == (22.552, 114.088)
    halls = catalogue_copy / "halls.yml"
    data = yaml.safe_load(halls.read_text(encoding="utf-8"))
    del data["halls"][0]["longitude"]
    halls.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="longitude"):
        read_catalogue(catalogue_copy)


def test_an_older_database_gets_the_new_columns(tmp_path):
    """A database made before the halls had coordinates: its table gains them on first use."""
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE halls (id INTEGER PRIMARY KEY, code VARCHAR(64) NOT NULL UNIQUE, name TEXT NOT NULL, "
                    "level VARCHAR(20) NOT NULL, street_code VARCHAR(64), area JSON NOT NULL, address TEXT, hours TEXT, "
                    "phone TEXT, windows JSON NOT NULL, source VARCHAR(100) NOT NULL)")  # fmt: skip
        old.execute("INSERT INTO halls (code, name, level, area, windows, source) VALUES ('H', '大厅', '区', '[]', '[]', 's')")
    url = f"sqlite:///{path}"
    with db.session_scope(url) as session:
        hall = session.execute(select(Hall)).scalar_one()
        assert hall.name == "大厅" and hall.latitude is None
    db.dispose_all()
