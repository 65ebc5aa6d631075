"""The project's own catalogue format (docs/catalogue-format.md): a folder of YAML files or one
YAML/JSON file."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bot.catalogue import (
    HALL_LEVELS,
    LEVELS,
    TIME_UNITS,
    CatalogueData,
    CatalogueError,
    CertificateData,
    Fields,
    HallData,
    MaterialData,
    MatterData,
    read_material,
)


def read_project(path: Path) -> CatalogueData:
    if path.is_dir():
        return _read_folder(path)
    document = _load(path)
    catalogue = Fields(document.get("catalogue") or {}, str(path), "catalogue")
    data = CatalogueData(source=catalogue.text("source") or path.stem, name=catalogue.text("name") or "")
    _add_document(data, document, path, default_department=None)
    return data


def _read_folder(folder: Path) -> CatalogueData:
    meta_file = folder / "catalogue.yml"
    meta = Fields(_load(meta_file) if meta_file.exists() else {}, str(meta_file), "catalogue")
    data = CatalogueData(source=meta.text("source") or folder.name, name=meta.text("name") or "")
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml", ".json") and p != meta_file)
    for file in files:
        document = _load(file)
        _add_document(data, document, file, default_department=document.get("department"))
    return data


def _load(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
        document = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(str(file), f"not valid {file.suffix[1:].upper()}: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise CatalogueError(str(file), f"expected a mapping at the top, got {type(document).__name__}")
    return document


def _add_document(data: CatalogueData, document: dict[str, Any], file: Path, default_department: Any) -> None:
    name = str(file)
    top = Fields(document, name, "file")
    if default_department is not None and not isinstance(default_department, str):
        raise top.error("department", "expected text")
    for i, raw in enumerate(top.records("matters"), 1):
        data.matters.append(_matter(raw, name, i, default_department))
    for i, raw in enumerate(top.records("halls"), 1):
        data.halls.append(_hall(raw, name, i))
    for i, raw in enumerate(top.records("cancelled_certificates"), 1):
        record = Fields(raw, name, f"cancelled certificate #{i}")
        data.certificates.append(
            CertificateData(
                name=record.text("name", required=True),
                aliases=record.texts("aliases"),
                instead=record.text("instead"),
                basis=record.text("basis"),
            )
        )


def _record_label(raw: Any, kind: str, index: int) -> str:
    code = raw.get("code") if isinstance(raw, dict) else None
    return f"{kind} #{index}" + (f" ({code})" if code else "")


def _matter(raw: Any, file: str, index: int, default_department: str | None) -> MatterData:
    record = Fields(raw, file, _record_label(raw, "matter", index))
    if default_department and not record.raw.get("department"):
        record.raw = {**record.raw, "department": default_department}
    statutory = _time_limit(record, "statutory_limit")
    promised = _time_limit(record, "promised_limit")
    return MatterData(
        code=record.text("code", required=True),
        name=record.text("name", required=True),
        department=record.text("department", required=True),
        short_name=record.text("short_name"),
        aliases=record.texts("aliases"),
        level=record.choice("level", LEVELS),
        type=record.text("type"),
        targets=record.texts("targets"),
        themes=record.texts("themes"),
        life_events=record.texts("life_events"),
        conditions=record.text("conditions"),
        materials=[_material(m, file, record.record, i) for i, m in enumerate(record.records("materials"), 1)],
        steps=record.texts("steps"),
        statutory_days=statutory[0],
        statutory_unit=statutory[1],
        promised_days=promised[0],
        promised_unit=promised[1],
        fee=record.text("fee"),
        legal_basis=record.text("legal_basis"),
        location=record.text("location"),
        halls=record.texts("halls"),
        window=record.text("window"),
        accepted_anywhere=record.flag("accepted_anywhere", False),
        consult_phone=record.text("consult_phone"),
        complaint_phone=record.text("complaint_phone"),
        online_url=record.text("online_url"),
        visits=record.count("visits"),
        related=[_related(r, file, record.record, i) for i, r in enumerate(record.records("related"), 1)],
        faq=[_faq(r, file, record.record, i) for i, r in enumerate(record.records("faq"), 1)],
    )


def _time_limit(record: Fields, name: str) -> tuple[int | None, str | None]:
    raw = record.raw.get(name)
    if raw is None:
        return None, None
    limit = Fields(raw, record.file, f"{record.record}: {name}")
    return limit.count("days"), limit.choice("unit", TIME_UNITS) or "工作日"


def _material(raw: Any, file: str, matter: str, index: int) -> MaterialData:
    return read_material(Fields(raw, file, f"{matter}: material #{index}"))


def _related(raw: Any, file: str, matter: str, index: int) -> tuple[str, str | None]:
    if isinstance(raw, str):
        return raw.strip(), None
    record = Fields(raw, file, f"{matter}: related #{index}")
    return record.text("code", required=True), record.text("note")


def _faq(raw: Any, file: str, matter: str, index: int) -> tuple[str, str]:
    record = Fields(raw, file, f"{matter}: faq #{index}")
    return record.text("q", required=True), record.text("a", required=True)


def _hall(raw: Any, file: str, index: int) -> HallData:
    record = Fields(raw, file, _record_label(raw, "hall", index))
    windows = []
    for i, window in enumerate(record.records("windows"), 1):
        w = Fields(window, file, f"{record.record}: window #{i}")
        windows.append({"number": w.text("number") or "", "name": w.text("name", required=True)})
    latitude, longitude = record.coordinates("latitude", "longitude")
    return HallData(
        code=record.text("code", required=True),
        name=record.text("name", required=True),
        level=record.choice("level", HALL_LEVELS, required=True),
        street_code=record.text("street"),
        area=record.texts("area"),
        address=record.text("address"),
        hours=record.text("hours"),
        phone=record.text("phone"),
        windows=windows,
        latitude=latitude,
        longitude=longitude,
    )
