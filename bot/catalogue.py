"""Plain records of a catalogue as importers read it, before it reaches the database.

Every importer (project YAML/JSON, Excel, gdzwfw export) produces a `CatalogueData`; the store
writes it in one transaction. `CatalogueError` names the file, the record and the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

LEVELS = ("省", "市", "区", "街道", "社区")
HALL_LEVELS = ("区", "街道", "社区")
TIME_UNITS = ("工作日", "自然日")
MATERIAL_FORMS = ("原件", "复印件", "原件和复印件")
MEDIA = ("纸质", "电子", "纸质或电子")


def is_web_address(value: object) -> bool:
    """Only http(s) addresses from a catalogue become links, anywhere (never javascript:,
    data: or a scheme a phone opens an app with)."""
    return isinstance(value, str) and value.strip().lower().startswith(("https://", "http://"))


class CatalogueError(ValueError):
    """A catalogue file that cannot be imported; nothing was written."""

    def __init__(self, file: str, message: str, record: str | None = None, field: str | None = None):
        self.file, self.record, self.field, self.message = file, record, field, message
        where = file
        if record:
            where += f": {record}"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


@dataclass
class MaterialData:
    name: str
    form: Optional[str] = None
    copies: Optional[int] = None
    medium: Optional[str] = None
    source: Optional[str] = None
    shared: bool = False
    required: bool = True
    note: Optional[str] = None


@dataclass
class MatterData:
    code: str
    name: str
    department: str
    short_name: Optional[str] = None
    aliases: list[str] = field(default_factory=list)
    level: Optional[str] = None
    type: Optional[str] = None
    targets: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    life_events: list[str] = field(default_factory=list)
    conditions: Optional[str] = None
    materials: list[MaterialData] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    statutory_days: Optional[int] = None
    statutory_unit: Optional[str] = None
    promised_days: Optional[int] = None
    promised_unit: Optional[str] = None
    fee: Optional[str] = None
    legal_basis: Optional[str] = None
    location: Optional[str] = None
    halls: list[str] = field(default_factory=list)
    window: Optional[str] = None
    accepted_anywhere: bool = False
    consult_phone: Optional[str] = None
    complaint_phone: Optional[str] = None
    online_url: Optional[str] = None
    visits: Optional[int] = None
    related: list[tuple[str, Optional[str]]] = field(default_factory=list)  # (code, note)
    faq: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class HallData:
    code: str
    name: str
    level: str
    street_code: Optional[str] = None
    area: list[str] = field(default_factory=list)
    address: Optional[str] = None
    hours: Optional[str] = None
    phone: Optional[str] = None
    windows: list[dict[str, str]] = field(default_factory=list)
    latitude: Optional[float] = None  # WGS-84, for the nearest hall to a shared location
    longitude: Optional[float] = None


@dataclass
class CertificateData:
    name: str
    aliases: list[str] = field(default_factory=list)
    instead: Optional[str] = None
    basis: Optional[str] = None


@dataclass
class CatalogueData:
    source: str
    name: str = ""
    matters: list[MatterData] = field(default_factory=list)
    halls: list[HallData] = field(default_factory=list)
    certificates: list[CertificateData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the import dropped, for the one who runs it

    def drop_unsafe_links(self) -> None:
        """Online addresses that are not http(s) are dropped, each with a warning: the matter is
        still imported, without its link."""
        for matter in self.matters:
            if matter.online_url and not is_web_address(matter.online_url):
                self.warnings.append(f"matter {matter.code}: online address {matter.online_url[:60]!r} dropped "
                                     "(only http:// and https:// addresses become links)")  # fmt: skip
                matter.online_url = None

    def check_references(self, file: str) -> None:
        """Codes must be unique and hall/related/street codes must exist in this import."""
        check_unique(file, "matter", [m.code for m in self.matters])
        check_unique(file, "hall", [h.code for h in self.halls])
        hall_codes = {h.code for h in self.halls}
        matter_codes = {m.code for m in self.matters}
        for hall in self.halls:
            if hall.street_code and hall.street_code not in hall_codes:
                raise CatalogueError(file, f"unknown hall code {hall.street_code!r}", f"hall {hall.code}", "street")
        for matter in self.matters:
            for code in matter.halls:
                if code not in hall_codes:
                    raise CatalogueError(file, f"unknown hall code {code!r}", f"matter {matter.code}", "halls")
            for code, _note in matter.related:
                if code not in matter_codes:
                    raise CatalogueError(file, f"unknown matter code {code!r}", f"matter {matter.code}", "related")


MAX_CODE_LENGTH = 64


def check_unique(file: str, kind: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if len(code) > MAX_CODE_LENGTH:
            raise CatalogueError(file, f"longer than {MAX_CODE_LENGTH} characters", f"{kind} {code[:20]}…", "code")
        if code in seen:
            raise CatalogueError(file, f"duplicate {kind} code {code!r}", f"{kind} {code}", "code")
        seen.add(code)


class Fields:
    """Typed access to one record's fields, raising `CatalogueError` that names the field."""

    def __init__(self, raw: Any, file: str, record: str):
        if not isinstance(raw, dict):
            raise CatalogueError(file, f"expected a mapping, got {type(raw).__name__}", record)
        self.raw, self.file, self.record = raw, file, record

    def error(self, name: str, message: str) -> CatalogueError:
        return CatalogueError(self.file, message, self.record, name)

    def text(self, name: str, required: bool = False) -> Optional[str]:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(name, f"expected text, got {type(value).__name__}")
        return str(value).strip()

    def choice(self, name: str, allowed: tuple[str, ...], required: bool = False) -> Optional[str]:
        value = self.text(name, required)
        if value is not None and value not in allowed:
            raise self.error(name, f"expected one of {'/'.join(allowed)}, got {value!r}")
        return value

    def count(self, name: str) -> Optional[int]:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(name, f"expected a non-negative integer, got {value!r}")
        return value

    def coordinates(self, latitude: str, longitude: str) -> tuple[Optional[float], Optional[float]]:
        """A WGS-84 position from two fields, both given or neither."""
        values = []
        for name, bound in ((latitude, 90), (longitude, 180)):
            value = self.raw.get(name)
            if value is None or value == "":
                values.append(None)
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise self.error(name, f"expected a number of degrees, got {value!r}") from None
            if isinstance(value, bool) or not -bound <= number <= bound:
                raise self.error(name, f"expected degrees between -{bound} and {bound}, got {value!r}")
            values.append(number)
        if (values[0] is None) != (values[1] is None):
            raise self.error(longitude if values[1] is None else latitude, f"give both {latitude} and {longitude}, or neither")
        return values[0], values[1]

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip() in ("是", "true", "yes", "否", "false", "no"):
            return value.strip() in ("是", "true", "yes")
        raise self.error(name, f"expected true/false, got {value!r}")

    def texts(self, name: str) -> list[str]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"expected a list, got {type(value).__name__}")
        if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
            raise self.error(name, "expected a list of texts")
        return [str(item).strip() for item in value if str(item).strip()]

    def records(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"expected a list, got {type(value).__name__}")
        return value


def read_material(record: Fields, names: Mapping[str, str] | None = None) -> MaterialData:
    """A material from one record; `names` maps a field to the record's name for it (a YAML key
    is the field's own name, an Excel header is Chinese)."""

    def name(field_name: str) -> str:
        return (names or {}).get(field_name, field_name)

    return MaterialData(
        name=record.text(name("name"), required=True),
        form=record.choice(name("form"), MATERIAL_FORMS),
        copies=record.count(name("copies")),
        medium=record.choice(name("medium"), MEDIA),
        source=record.text(name("source")),
        shared=record.flag(name("shared"), False),
        required=record.flag(name("required"), True),
        note=record.text(name("note")),
    )
