"""The 广东政务服务网 export (one MongoDB JSON object per line), as in
../shared/catalogues/gdzwfw-2021. 无 means empty; time limits read like `20(工作日)`."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Optional

from bot.catalogue import CatalogueData, CatalogueError, Fields, MaterialData, MatterData

SOURCE = "gdzwfw"
_EMPTY = {"", "无", "null", "None"}
_TIME_LIMIT = re.compile(r"^\s*(\d+)\s*[（(]\s*(工作日|自然日)\s*[)）]\s*$")
_ALIAS_SPLIT = re.compile(r"[,，、;；/]+")
_LEVELS = {"省级": "省", "市级": "市", "区级": "区", "县级": "区", "镇级": "街道", "街道级": "街道", "村级": "社区"}


def read_gdzwfw(path: Path, progress: Optional[Callable[[int], None]] = None) -> CatalogueData:
    data = CatalogueData(source=SOURCE, name="广东政务服务网事项目录")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            label = f"line {number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CatalogueError(str(path), f"not valid JSON ({exc.msg})", label) from exc
            data.matters.append(_matter(Fields(raw, str(path), label)))
            if progress:
                progress(len(line.encode("utf-8")))
    if not data.matters:
        raise CatalogueError(str(path), "holds no matters")
    return data


def _value(record: Fields, name: str) -> Optional[str]:
    value = record.text(name)
    return None if value is None or value in _EMPTY else value


def _matter(record: Fields) -> MatterData:
    code = record.text("TASK_CODE", required=True)
    record.record = f"{record.record} ({code})"
    name = record.text("TASK_NAME", required=True)
    statutory = _time_limit(record, "handle_time")
    promised = _time_limit(record, "handle_time_limit")
    location = _value(record, "handle_location")
    if location:
        location = re.sub(r"^办理地点[:：]\s*", "", location)
        if location == "无线下办理":
            location = None
    return MatterData(
        code=code,
        name=name,
        department=record.text("DEPT_NAME", required=True),
        short_name=_value(record, "matter_short"),
        aliases=_aliases(record, name),
        level=_LEVELS.get(_value(record, "matter_level") or ""),
        type=_value(record, "TASK_TYPE_TEXT"),
        targets=_targets(record),
        themes=[t for t in _list(record, "theme_category") if t != "其他"],
        conditions=_value(record, "accept_standard"),
        materials=[MaterialData(name=m) for m in _list(record, "material_intro")],
        statutory_days=statutory[0],
        statutory_unit=statutory[1],
        promised_days=promised[0],
        promised_unit=promised[1],
        location=location,
        consult_phone=_value(record, "consult_phone"),
        complaint_phone=_value(record, "complain_phone"),
        online_url=_value(record, "URL") if record.raw.get("ONLINECHECK") == "1" else None,
        visits=record.count("visit_number"),
    )


def _list(record: Fields, name: str) -> list[str]:
    """A list field, or the string 无 for an empty one."""
    value = record.raw.get(name)
    if isinstance(value, str) and value.strip() in _EMPTY:
        return []
    return record.texts(name)


def _time_limit(record: Fields, name: str) -> tuple[Optional[int], Optional[str]]:
    value = _value(record, name)
    if value is None:
        return None, None
    match = _TIME_LIMIT.match(value)
    if not match:
        raise record.error(name, f"expected a time limit like 20(工作日), got {value!r}")
    return int(match.group(1)), match.group(2)


def _aliases(record: Fields, name: str) -> list[str]:
    """Colloquial names from matter_daily, plus the catalogue item's names when they differ.

    matter_daily is sometimes a list of keywords (`无线电,频率,新申请`, `兼职  律师 执业`):
    short pieces are joined into one phrase rather than taken as names of their own."""
    aliases: list[str] = []
    daily = _value(record, "matter_daily")
    if daily:
        parts = [re.sub(r"\s+", "", p) for p in _ALIAS_SPLIT.split(daily) if p.strip()]
        if parts and all(len(p) <= 3 for p in parts):
            parts = ["".join(parts)]
        aliases.extend(parts)
    for extra in ("CATANAME", "subCatalogName"):
        aliases.append(_value(record, extra) or "")
    unique: list[str] = []
    for alias in aliases:
        if alias and alias != name and alias not in unique:
            unique.append(alias)
    return unique


def _targets(record: Fields) -> list[str]:
    objects = _list(record, "service_object_name")
    targets = []
    if "自然人" in objects:
        targets.append("个人")
    if any(o != "自然人" for o in objects):
        targets.append("法人")
    return targets


