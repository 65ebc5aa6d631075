"""Writes an imported catalogue to the database and reads catalogue-wide facts back."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot import db
from bot.catalogue import CatalogueData, HallData, MatterData
from bot.models import (
    ACTIVE,
    WITHDRAWN,
    CancelledCertificate,
    CatalogueRevision,
    Faq,
    Hall,
    Material,
    Matter,
    RelatedMatter,
)


@dataclass
class ImportResult:
    source: str
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    halls: int = 0
    certificates: int = 0

    def __str__(self) -> str:
        return (
            f"source {self.source}: {self.created} matters created, {self.updated} updated, "
            f"{self.withdrawn} withdrawn; {self.halls} halls, {self.certificates} cancelled certificates"
        )


def write_catalogue(
    session: Session,
    data: CatalogueData,
    full: bool = True,
    progress: Optional[Callable[[int], None]] = None,
) -> ImportResult:
    """Upsert every matter by code. A full import withdraws the source's matters it does not
    list. The caller owns the transaction: an exception leaves the database as it was."""
    result = ImportResult(source=data.source)
    halls = _write_halls(session, data, full)
    result.halls = len(data.halls)
    existing = {
        m.code: m
        for m in session.execute(
            select(Matter).options(
                selectinload(Matter.materials),
                selectinload(Matter.related),
                selectinload(Matter.faqs),
                selectinload(Matter.halls),
            )
        ).scalars()
    }
    now = datetime.utcnow()
    for record in data.matters:
        matter = existing.get(record.code)
        if matter is None:
            matter = Matter(code=record.code)
            session.add(matter)
            existing[record.code] = matter
            result.created += 1
        else:
            result.updated += 1
        _fill_matter(matter, record, data.source, halls, now)
        if progress:
            progress(1)
    if full:
        listed = {m.code for m in data.matters}
        for matter in existing.values():
            if matter.source == data.source and matter.code not in listed and matter.status == ACTIVE:
                matter.status = WITHDRAWN
                matter.withdrawn_at = now
                result.withdrawn += 1
    result.certificates = _write_certificates(session, data, full)
    _bump_revision(session, now)
    return result


def _fill_matter(matter: Matter, record: MatterData, source: str, halls: dict[str, Hall], now: datetime) -> None:
    for name in (
        "name", "short_name", "aliases", "department", "level", "type", "targets", "themes",
        "life_events", "conditions", "steps", "statutory_days", "statutory_unit", "promised_days",
        "promised_unit", "fee", "legal_basis", "location", "window", "accepted_anywhere",
        "consult_phone", "complaint_phone", "online_url", "visits",
    ):  # fmt: skip
        setattr(matter, name, getattr(record, name))
    matter.source = source
    matter.status = ACTIVE
    matter.withdrawn_at = None
    matter.updated_at = now
    matter.materials = [
        Material(position=i, **vars(material)) for i, material in enumerate(record.materials)
    ]
    matter.halls = [halls[code] for code in record.halls]
    matter.related = [
        RelatedMatter(position=i, related_code=code, note=note) for i, (code, note) in enumerate(record.related)
    ]
    matter.faqs = [Faq(position=i, question=q, answer=a) for i, (q, a) in enumerate(record.faq)]


def _write_halls(session: Session, data: CatalogueData, full: bool) -> dict[str, Hall]:
    halls = {h.code: h for h in session.execute(select(Hall)).scalars()}
    for record in data.halls:
        hall = halls.get(record.code)
        if hall is None:
            hall = Hall(code=record.code)
            session.add(hall)
            halls[record.code] = hall
        _fill_hall(hall, record, data.source)
    if full and data.halls:
        listed = {h.code for h in data.halls}
        for code, hall in list(halls.items()):
            if hall.source == data.source and code not in listed:
                session.delete(hall)
                del halls[code]
    return halls


def _fill_hall(hall: Hall, record: HallData, source: str) -> None:
    for name in ("name", "level", "street_code", "area", "address", "hours", "phone", "windows", "latitude", "longitude"):
        setattr(hall, name, getattr(record, name))
    hall.source = source


def _write_certificates(session: Session, data: CatalogueData, full: bool) -> int:
    existing = {c.name: c for c in session.execute(select(CancelledCertificate)).scalars()}
    for record in data.certificates:
        certificate = existing.get(record.name) or CancelledCertificate(name=record.name)
        certificate.aliases, certificate.instead, certificate.basis = record.aliases, record.instead, record.basis
        certificate.source = data.source
        if certificate.id is None:
            session.add(certificate)
            existing[record.name] = certificate
    if full and data.certificates:
        listed = {c.name for c in data.certificates}
        for name, certificate in existing.items():
            if certificate.source == data.source and name not in listed:
                session.delete(certificate)
    return len(data.certificates)


def _bump_revision(session: Session, now: datetime) -> None:
    row = session.get(CatalogueRevision, 1)
    if row is None:
        session.add(CatalogueRevision(id=1, revision=1, updated_at=now))
    else:
        row.revision += 1
        row.updated_at = now


def current_revision(session: Session) -> int:
    row = session.get(CatalogueRevision, 1)
    return row.revision if row else 0


class RevisionWatch:
    """The catalogue's revision, asked of the database at most every `refresh_seconds`. What is
    built from the catalogue in memory (the search indexes, cached guides) remembers the
    revision it was built from and is rebuilt when it differs, so a new catalogue needs no
    restart. One watch per process is shared by all of them (`Guide` hands it round)."""

    def __init__(self, database_url: Optional[str] = None, refresh_seconds: float = 5.0):
        self.database_url = database_url
        self.refresh_seconds = refresh_seconds
        self._revision = -1
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def revision(self) -> int:
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= self.refresh_seconds:
                with db.session_scope(self.database_url) as session:
                    self._revision = current_revision(session)
                self._checked_at = now
            return self._revision


@dataclass
class CatalogueStats:
    matters: int
    withdrawn: int
    materials: int
    halls: int
    certificates: int
    by_source: dict[str, int]

    def lines(self) -> list[str]:
        lines = [
            f"matters (active): {self.matters}",
            f"matters withdrawn: {self.withdrawn}",
            f"materials: {self.materials}",
            f"halls: {self.halls}",
            f"cancelled certificates: {self.certificates}",
        ]
        lines += [f"  source {source}: {count} active matters" for source, count in sorted(self.by_source.items())]
        return lines


def catalogue_stats(session: Session) -> CatalogueStats:
    def count(query) -> int:  # noqa: ANN001
        return session.execute(query).scalar_one()

    by_source = dict(
        session.execute(select(Matter.source, func.count()).where(Matter.status == ACTIVE).group_by(Matter.source)).all()
    )
    return CatalogueStats(
        matters=count(select(func.count()).select_from(Matter).where(Matter.status == ACTIVE)),
        withdrawn=count(select(func.count()).select_from(Matter).where(Matter.status == WITHDRAWN)),
        materials=count(
            select(func.count()).select_from(Material).join(Matter).where(Matter.status == ACTIVE)
        ),
        halls=count(select(func.count()).select_from(Hall)),
        certificates=count(select(func.count()).select_from(CancelledCertificate)),
        by_source=by_source,
    )
