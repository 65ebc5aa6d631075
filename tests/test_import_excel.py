"""The Excel importer (bot/importers/excel.py) and the workbooks scripts/make_excel_template.py writes."""
from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.catalogue import CatalogueError
from bot.importers import read_catalogue
from bot.importers.excel import read_excel

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "knowledge" / "templates"
EXAMPLE = TEMPLATES / "catalogue-example.xlsx"
TEMPLATE = TEMPLATES / "catalogue-template.xlsx"

MATTERS = [["事项编码", "事项名称", "实施部门", "层级"], ["T-001", "测试事项", "示范区民政局", "区"]]
MATERIALS = [["事项编码", "材料名称", "份数"], ["T-001", "居民身份证", 1]]


@pytest.fixture
def write_book(tmp_path: Path):
    """Write {sheet: rows} to an .xlsx in tmp_path and return its path."""

    def write(sheets: dict[str, list[list[Any]]], name: str = "book.xlsx") -> Path:
        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return write


def error_of(path: Path) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        read_excel(path)
    return caught.value


# -- the example and the template -------------------------------------------------------------


def test_example_reads_into_the_expected_records():
    data = read_excel(EXAMPLE)
    assert data.source == "excel-example"
    assert data.name == "示范区公共服务事项目录（Excel 示例）"
    assert len(data.matters) == 6
    assert len(data.halls) == 3
    assert len(data.certificates) == 2
    matters = {m.code: m for m in data.matters}

    card = matters["EX-MZ-001"]
    assert card.name == "老年人优待证办理"
    assert card.short_name == "老年证"
    assert card.aliases == ["老人证", "敬老证", "老年优待证"]
    assert card.department == "示范区民政局"
    assert (card.level, card.type, card.targets) == ("区", "公共服务", ["个人"])
    assert card.themes == ["养老", "证件办理"]
    assert card.steps == ["提交申请", "窗口受理", "审核", "制证", "领取"]
    assert (card.statutory_days, card.statutory_unit) == (20, "工作日")
    assert (card.promised_days, card.promised_unit) == (5, "工作日")
    assert card.halls == ["EX-H-QU", "EX-H-DH", "EX-H-DH-01"]
    assert card.window == "综合受理窗口"
    assert card.accepted_anywhere is True
    assert card.consult_phone == "0755-26600101"
    assert card.complaint_phone == "12345"
    assert card.visits == 1

    assert [m.name for m in card.materials] == ["居民身份证", "居民户口簿", "近期一寸免冠彩色照片"]
    id_card, household, photo = card.materials
    assert (id_card.form, id_card.copies, id_card.medium, id_card.shared, id_card.required) == (
        "原件", 1, "纸质", False, True,
    )
    assert household.shared is True and household.medium == "电子"
    assert photo.copies == 2
    assert matters["EX-WJ-001"].materials[1].required is False  # 结婚证: 必需 否

    assert card.related == [
        ("EX-JT-001", "办好老年证后可申领老年人公交优惠卡"),
        ("EX-MZ-002", "年满80周岁的，还可申领高龄老人津贴"),
    ]
    assert [q for q, _a in card.faq] == ["外地户籍老人能办吗？", "可以让子女代办吗？"]


def test_example_time_limits_in_all_spellings():
    matters = {m.code: m for m in read_excel(EXAMPLE).matters}
    assert (matters["EX-MZ-002"].statutory_days, matters["EX-MZ-002"].statutory_unit) == (20, "工作日")  # bare 20
    assert (matters["EX-MZ-002"].promised_days, matters["EX-MZ-002"].promised_unit) == (10, "工作日")
    assert (matters["EX-JT-001"].promised_days, matters["EX-JT-001"].promised_unit) == (5, "自然日")
    assert (matters["EX-WJ-001"].statutory_days, matters["EX-WJ-001"].statutory_unit) == (0, "工作日")  # 即办
    assert matters["EX-MZ-002"].steps == ["提交申请", "社区初审", "街道审核", "区民政局审批", "按月发放"]
    assert matters["EX-MZ-002"].visits == 0


def test_example_halls():
    halls = {h.code: h for h in read_excel(EXAMPLE).halls}
    assert {h.level for h in halls.values()} == {"区", "街道", "社区"}
    street = halls["EX-H-DH"]
    assert street.area == ["东湖街道", "湖滨社区", "翠苑社区"]
    assert street.windows[0] == {"number": "1-2", "name": "综合受理窗口"}
    assert (street.latitude, street.longitude) == (22.545, 114.08)  # 纬度 and 经度, optional
    station = halls["EX-H-DH-01"]
    assert station.latitude is None and station.longitude is None
    assert station.street_code == "EX-H-DH"
    assert station.windows == [{"number": "1", "name": "综合受理窗口"}, {"number": "2", "name": "社会事务窗口"}]
    assert halls["EX-H-QU"].hours.startswith("周一至周五 9:00-12:00，13:30-17:30")  # hours are not split


def test_example_through_read_catalogue():
    data = read_catalogue(EXAMPLE)  # format from .xlsx; check_references passes
    assert len(data.matters) == 6
    assert data.certificates[0].aliases == ["直系亲属关系证明", "亲属证明", "家庭关系证明"]


def test_empty_template_says_it_holds_no_matters():
    error = error_of(TEMPLATE)
    assert "holds no matters" in str(error)
    assert error.record == "sheet 事项"


def test_committed_workbooks_match_the_script(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("make_excel_template", ROOT / "scripts" / "make_excel_template.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for example, path in ((False, TEMPLATE), (True, EXAMPLE)):
        fresh = tmp_path / path.name
        script.save(script.build(example), fresh)
        assert unzipped(fresh) == unzipped(path), f"re-run scripts/make_excel_template.py ({path.name})"


def unzipped(path: Path) -> dict[str, bytes]:
    """The entries of an .xlsx; compressed bytes may differ between zlib versions."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- what a filled-in workbook may look like --------------------------------------------------


def test_columns_in_any_order_excel_floats_and_empty_rows(write_book):
    path = write_book(
        {
            "事项": [
                ["实施部门", "事项名称", "事项编码", "跑动次数", "法定时限", "全区通办"],
                [None, None, None, None, None, None],
                ["示范区民政局", "测试事项", "T-001", 1.0, "20 个工作日", "是"],
                ["  ", "", None],
            ],
            "材料": [["材料名称", "事项编码", "原件复印件", "份数"], ["居民身份证", "T-001", "原件", 2.0]],
        },
        name="民政局目录.xlsx",
    )
    data = read_excel(path)
    assert data.source == "民政局目录"  # the file stem without a 说明 sheet
    [matter] = data.matters
    assert (matter.code, matter.visits, matter.statutory_days, matter.accepted_anywhere) == ("T-001", 1, 20, True)
    assert (matter.materials[0].form, matter.materials[0].copies) == ("原件", 2)


def test_source_from_the_instructions_sheet(write_book):
    path = write_book({"说明": [["来源", "minzheng"], ["填写须知", "随便写"]], "事项": MATTERS})
    assert read_excel(path).source == "minzheng"


# -- errors name the sheet, the row and the column --------------------------------------------


def test_missing_matters_sheet(write_book):
    error = error_of(write_book({"材料": MATERIALS}))
    assert "has no sheet 事项" in str(error)


def test_missing_required_header(write_book):
    error = error_of(write_book({"事项": [["事项编码", "事项名称"], ["T-001", "测试事项"]]}))
    assert (error.record, error.field) == ("sheet 事项 row 1", "实施部门")
    assert "missing required column" in str(error)


def test_unknown_header(write_book):
    error = error_of(write_book({"事项": [MATTERS[0] + ["办理时间"], MATTERS[1] + ["周一"]]}))
    assert (error.record, error.field) == ("sheet 事项 row 1", "办理时间")
    assert "unknown column (column E)" in str(error)


def test_words_in_copies(write_book):
    error = error_of(write_book({"事项": MATTERS, "材料": [MATERIALS[0], ["T-001", "居民身份证", "两份"]]}))
    assert (error.record, error.field) == ("sheet 材料 row 2 (T-001)", "份数")
    assert "'两份'" in str(error)
    assert "sheet 材料 row 2 (T-001): field '份数'" in str(error)


def test_bad_matter_level(write_book):
    error = error_of(write_book({"事项": [MATTERS[0], MATTERS[1], ["T-002", "另一事项", "示范区民政局", "县"]]}))
    assert (error.record, error.field) == ("sheet 事项 row 3 (T-002)", "层级")
    assert "'县'" in str(error)


def test_bad_hall_level(write_book):
    halls = [["大厅编码", "大厅名称", "层级"], ["H-1", "某大厅", "市"]]
    error = error_of(write_book({"事项": MATTERS, "大厅": halls}))
    assert (error.record, error.field) == ("sheet 大厅 row 2 (H-1)", "层级")


def test_material_for_unknown_matter(write_book):
    error = error_of(write_book({"事项": MATTERS, "材料": [MATERIALS[0], ["T-999", "居民身份证", 1]]}))
    assert (error.record, error.field) == ("sheet 材料 row 2 (T-999)", "事项编码")
    assert "no matter 'T-999'" in str(error)


def test_bad_time_limit_and_flag(write_book):
    header = MATTERS[0] + ["承诺时限", "全区通办"]
    error = error_of(write_book({"事项": [header, MATTERS[1] + ["20天", "是"]]}))
    assert (error.record, error.field) == ("sheet 事项 row 2 (T-001)", "承诺时限")
    error = error_of(write_book({"事项": [header, MATTERS[1] + ["即办", "可以"]]}))
    assert (error.record, error.field) == ("sheet 事项 row 2 (T-001)", "全区通办")


def test_duplicate_matter_code(write_book):
    error = error_of(write_book({"事项": MATTERS + [MATTERS[1]]}))
    assert (error.record, error.field) == ("sheet 事项 row 3 (T-001)", "事项编码")


def test_unknown_sheet_with_data(write_book):
    error = error_of(write_book({"事项": MATTERS, "材 料": MATERIALS, "Sheet1": []}))
    assert error.record == "sheet 材 料"
    assert "unknown sheet" in str(error)


def test_value_in_a_column_without_header(write_book):
    error = error_of(write_book({"事项": [MATTERS[0], MATTERS[1] + [None, "多余"]]}))
    assert error.record == "sheet 事项 row 2"
    assert "column F" in str(error)


def test_random_bytes_are_not_a_workbook(tmp_path: Path):
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(2048))
    error = error_of(path)
    assert error.file == str(path)
    assert "not a valid .xlsx workbook" in str(error)


def test_truncated_zip_is_not_a_workbook(tmp_path: Path):
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(EXAMPLE.read_bytes()[: EXAMPLE.stat().st_size // 2])
    assert "not a valid .xlsx workbook" in str(error_of(path))
    with pytest.raises(CatalogueError):
        read_catalogue(path)
