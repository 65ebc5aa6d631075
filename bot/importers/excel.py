"""The Excel workbook a civil servant fills in (scripts/make_excel_template.py writes the template,
knowledge/templates/catalogue-template.xlsx).

Sheets: 事项 (one matter a row; required), 材料 (one material a row, keyed by 事项编码, in row order),
大厅, 取消的证明, 关联事项, 常见问题 (all optional) and 说明 (instructions, otherwise ignored; a row
`来源 | <source>` or `目录名称 | <name>` in its columns A and B names the import; the source
defaults to the file stem). Any other sheet must be empty.

Row 1 of each sheet is its header row; columns are found by header, in any order; an unknown
header is an error. Empty rows are skipped. One cell holds a list separated by 、 , ， ; ； or a
line break (办理流程 also by →, > or ->). A 时限 reads "20个工作日", "20工作日", "5自然日", "即办"
(0 days) or a bare number of 工作日. Flags are 是/否. The material form column is headed
原件/复印件 (原件复印件 is accepted too). Errors name the sheet, the row (and its code) and the header.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Optional

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from bot.catalogue import (
    HALL_LEVELS,
    LEVELS,
    CatalogueData,
    CatalogueError,
    CertificateData,
    Fields,
    HallData,
    MatterData,
    read_material,
)

MATTER_TYPES = ("公共服务", "行政许可", "行政确认", "行政给付", "行政奖励", "其他行政权力")
INSTRUCTIONS = "说明"
# sheet -> (headers, required headers); the first header labels a row in error messages
SHEETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "事项": (
        (
            "事项编码", "事项名称", "简称", "俗称", "实施部门", "层级", "事项类型", "服务对象", "主题",
            "人生事件", "受理条件", "办理流程", "法定时限", "承诺时限", "收费标准", "设定依据", "办理地点",
            "受理大厅", "窗口", "全区通办", "咨询电话", "投诉电话", "网办地址", "跑动次数",
        ),
        ("事项编码", "事项名称", "实施部门"),
    ),
    "材料": (
        ("事项编码", "材料名称", "原件/复印件", "份数", "载体", "来源", "免提交", "必需", "备注"),
        ("事项编码", "材料名称"),
    ),
    "大厅": (
        ("大厅编码", "大厅名称", "层级", "所属街道", "服务范围", "地址", "办公时间", "电话", "窗口", "纬度", "经度"),
        ("大厅编码", "大厅名称", "层级"),
    ),
    "取消的证明": (("证明名称", "俗称", "替代方式", "依据"), ("证明名称",)),
    "关联事项": (("事项编码", "关联事项编码", "说明"), ("事项编码", "关联事项编码")),
    "常见问题": (("事项编码", "问题", "回答"), ("事项编码", "问题", "回答")),
}  # fmt: skip
HEADER_ALIASES = {"原件复印件": "原件/复印件"}
MATERIAL_HEADERS = {
    "name": "材料名称", "form": "原件/复印件", "copies": "份数", "medium": "载体", "source": "来源",
    "shared": "免提交", "required": "必需", "note": "备注",
}  # fmt: skip

_LIST_SPLIT = re.compile(r"\s*[、,，;；\n]+\s*")
_STEP_SPLIT = re.compile(r"\s*(?:->|[、,，;；\n→>＞])+\s*")
_TIME_LIMIT = re.compile(r"^(\d+)\s*个?\s*(工作日|自然日)?$")
_WINDOW = re.compile(r"^(\d+(?:\s*[-－~～至]\s*\d+)?)\s*号?\s*(.*)$")


def read_excel(path: Path) -> CatalogueData:
    file = str(path)
    sheets = _sheets(_open(path), file)
    if "事项" not in sheets:
        raise CatalogueError(file, "has no sheet 事项 (matters); start from the template")
    info = _instructions(sheets.get(INSTRUCTIONS))
    data = CatalogueData(source=info.get("来源") or path.stem, name=info.get("目录名称") or "")

    matters: dict[str, MatterData] = {}
    for record in _rows(sheets, file, "事项"):
        matter = _matter(record)
        if matter.code in matters:
            raise record.error("事项编码", f"duplicate matter code {matter.code!r}")
        matters[matter.code] = matter
        data.matters.append(matter)
    if not data.matters:
        raise CatalogueError(file, "holds no matters; fill in one matter a row from row 2", "sheet 事项")

    for record in _rows(sheets, file, "材料"):
        _matter_of(record, matters).materials.append(read_material(record, MATERIAL_HEADERS))
    for record in _rows(sheets, file, "关联事项"):
        related = (record.text("关联事项编码", required=True), record.text("说明"))
        _matter_of(record, matters).related.append(related)
    for record in _rows(sheets, file, "常见问题"):
        faq = (record.text("问题", required=True), record.text("回答", required=True))
        _matter_of(record, matters).faq.append(faq)
    data.halls = [_hall(record) for record in _rows(sheets, file, "大厅")]
    data.certificates = [
        CertificateData(
            name=record.text("证明名称", required=True),
            aliases=_texts(record, "俗称"),
            instead=record.text("替代方式"),
            basis=record.text("依据"),
        )
        for record in _rows(sheets, file, "取消的证明")
    ]
    return data


def _open(path: Path) -> Workbook:
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors alike mean: not a usable workbook
        raise CatalogueError(str(path), f"not a valid .xlsx workbook ({type(exc).__name__}: {exc})") from exc


def _sheets(book: Workbook, file: str) -> dict[str, Any]:
    """The worksheets by their trimmed title; an unknown sheet that holds anything is an error."""
    sheets = {}
    for sheet in book.worksheets:
        title = sheet.title.strip()
        if title not in SHEETS and title != INSTRUCTIONS:
            if any(_clean(v) is not None for row in sheet.iter_rows(values_only=True) for v in row):
                expected = "、".join([*SHEETS, INSTRUCTIONS])
                raise CatalogueError(file, f"unknown sheet; expected {expected}", f"sheet {sheet.title}")
            continue
        sheets[title] = sheet
    return sheets


def _instructions(sheet: Any) -> dict[str, str]:
    """`来源` and `目录名称` from columns A and B of the 说明 sheet."""
    info: dict[str, str] = {}
    if sheet is None:
        return info
    for row in sheet.iter_rows(max_col=2, values_only=True):
        key, value = (_clean(v) for v in row)
        if key in ("来源", "目录名称") and value is not None:
            info[key] = str(value)
    return info


def _clean(value: Any) -> Any:
    """A cell value: text trimmed, blank text as None, a whole float (Excel's 1.0) as int."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(sheets: dict[str, Any], file: str, name: str) -> Iterator[Fields]:
    """The non-empty rows of a sheet as `Fields` keyed by header; nothing if the sheet is absent."""
    sheet = sheets.get(name)
    if sheet is None:
        return
    headers, required = SHEETS[name]
    rows = sheet.iter_rows(values_only=True)
    columns: dict[int, str] = {}
    for index, value in enumerate(next(rows, ())):
        header = _clean(value)
        if header is None:
            continue
        header = HEADER_ALIASES.get(str(header), str(header))
        where = f"sheet {name} row 1"
        if header not in headers:
            letter = get_column_letter(index + 1)
            message = f"unknown column (column {letter}); expected {'、'.join(headers)}"
            raise CatalogueError(file, message, where, header)
        if header in columns.values():
            raise CatalogueError(file, "duplicate column", where, header)
        columns[index] = header
    if columns or name == "事项":
        for header in required:
            if header not in columns.values():
                raise CatalogueError(file, "missing required column", f"sheet {name} row 1", header)
    for number, row in enumerate(rows, 2):
        values = [_clean(v) for v in row]
        if all(v is None for v in values):
            continue
        where = f"sheet {name} row {number}"
        for index, value in enumerate(values):
            if value is not None and index not in columns:
                letter = get_column_letter(index + 1)
                raise CatalogueError(file, f"a value in column {letter}, which has no header", where)
        raw = {header: values[index] if index < len(values) else None for index, header in columns.items()}
        key = raw.get(headers[0])
        yield Fields(raw, file, where + (f" ({key})" if key is not None else ""))


def _texts(record: Fields, name: str, split: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
    value = record.text(name)
    return [item for item in split.split(value) if item] if value else []


def _time_limit(record: Fields, name: str) -> tuple[Optional[int], Optional[str]]:
    value = record.text(name)
    if value is None:
        return None, None
    if value == "即办":
        return 0, "工作日"
    match = _TIME_LIMIT.match(value)
    if not match:
        raise record.error(name, f'expected e.g. "20个工作日", "5自然日", "即办" or a number, got {value!r}')
    return int(match[1]), match[2] or "工作日"


def _matter(record: Fields) -> MatterData:
    statutory = _time_limit(record, "法定时限")
    promised = _time_limit(record, "承诺时限")
    return MatterData(
        code=record.text("事项编码", required=True),
        name=record.text("事项名称", required=True),
        department=record.text("实施部门", required=True),
        short_name=record.text("简称"),
        aliases=_texts(record, "俗称"),
        level=record.choice("层级", LEVELS),
        type=record.choice("事项类型", MATTER_TYPES),
        targets=_texts(record, "服务对象"),
        themes=_texts(record, "主题"),
        life_events=_texts(record, "人生事件"),
        conditions=record.text("受理条件"),
        steps=_texts(record, "办理流程", _STEP_SPLIT),
        statutory_days=statutory[0],
        statutory_unit=statutory[1],
        promised_days=promised[0],
        promised_unit=promised[1],
        fee=record.text("收费标准"),
        legal_basis=record.text("设定依据"),
        location=record.text("办理地点"),
        halls=_texts(record, "受理大厅"),
        window=record.text("窗口"),
        accepted_anywhere=record.flag("全区通办", False),
        consult_phone=record.text("咨询电话"),
        complaint_phone=record.text("投诉电话"),
        online_url=record.text("网办地址"),
        visits=record.count("跑动次数"),
    )


def _matter_of(record: Fields, matters: dict[str, MatterData]) -> MatterData:
    code = record.text("事项编码", required=True)
    if code not in matters:
        raise record.error("事项编码", f"no matter {code!r} in sheet 事项")
    return matters[code]


def _hall(record: Fields) -> HallData:
    windows = []
    for item in _texts(record, "窗口"):
        match = _WINDOW.match(item)
        number, name = (re.sub(r"\s+", "", match[1]), match[2]) if match else ("", item)
        if not name:
            raise record.error("窗口", f'window {item!r} has no name; write e.g. "1-8 综合受理窗口"')
        windows.append({"number": number, "name": name})
    latitude, longitude = record.coordinates("纬度", "经度")
    return HallData(
        code=record.text("大厅编码", required=True),
        name=record.text("大厅名称", required=True),
        level=record.choice("层级", HALL_LEVELS, required=True),
        street_code=record.text("所属街道"),
        area=_texts(record, "服务范围"),
        address=record.text("地址"),
        hours=record.text("办公时间"),
        phone=record.text("电话"),
        windows=windows,
        latitude=latitude,
        longitude=longitude,
    )
