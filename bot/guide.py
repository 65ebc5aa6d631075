"""Reading guides from the catalogue: one matter with everything about it, halls near a place,
matters for a group of people, cancelled certificates."""
from __future__ import annotations

import math
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import db
from bot.models import ACTIVE, CancelledCertificate, Hall, Matter
from bot.search.normalize import normalize
from bot.store import RevisionWatch


def get_matter(code: str, database_url: Optional[str] = None) -> Optional[Matter]:
    """The active matter with this code, its materials, halls, related matters and FAQs loaded."""
    with db.session_scope(database_url) as session:
        return session.execute(
            select(Matter)
            .where(Matter.code == code, Matter.status == ACTIVE)
            .options(
                selectinload(Matter.materials),
                selectinload(Matter.halls),
                selectinload(Matter.related),
                selectinload(Matter.faqs),
            )
        ).scalar_one_or_none()


EARTH_RADIUS_METRES = 6_371_000


class CachedGuides:
    """Matters as `get_matter` reads them, kept in memory until an import changes the catalogue.
    Reading a matter takes five queries: half of the action server's time on a turn without this."""

    def __init__(self, database_url: Optional[str] = None, refresh_seconds: float = 5.0, size: int = 1024,
                 catalogue: Optional[RevisionWatch] = None):
        self.database_url = database_url
        self.size = size
        self._matters: dict[str, Optional[Matter]] = {}
        self._district_hall: Optional[Hall] = None
        self._catalogue = catalogue or RevisionWatch(database_url, refresh_seconds)
        self._revision = -1

    def matter(self, code: str) -> Optional[Matter]:
        self._forget_if_changed()
        if code not in self._matters:
            if len(self._matters) >= self.size:
                self._matters.clear()
            self._matters[code] = get_matter(code, self.database_url)
        return self._matters[code]

    def names(self, codes: list[str]) -> dict[str, str]:
        """Names of the active matters among `codes`."""
        found = (self.matter(code) for code in codes)
        return {matter.code: matter.name for matter in found if matter is not None}

    def district_hall(self) -> Optional[Hall]:
        """The district centre (the first hall of level 区), for phone numbers to call."""
        self._forget_if_changed()
        if self._district_hall is None:
            with db.session_scope(self.database_url) as session:
                query = select(Hall).where(Hall.level == "区").order_by(Hall.code)
                self._district_hall = session.execute(query).scalars().first()
        return self._district_hall

    def _forget_if_changed(self) -> None:
        revision = self._catalogue.revision()
        if revision != self._revision:
            self._matters.clear()
            self._district_hall = None
            self._revision = revision


def halls_with_coordinates(database_url: Optional[str] = None) -> list[Hall]:
    with db.session_scope(database_url) as session:
        query = select(Hall).where(Hall.latitude.is_not(None), Hall.longitude.is_not(None)).order_by(Hall.code)
        return list(session.execute(query).scalars())


def distance_metres(latitude: float, longitude: float, hall: Hall) -> float:
    """Great-circle distance (haversine) from a position to a hall."""
    lat1, lat2 = math.radians(latitude), math.radians(hall.latitude)
    dlat, dlon = lat2 - lat1, math.radians(hall.longitude - longitude)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def halls_named_in(text: str, database_url: Optional[str] = None) -> list[Hall]:
    """Halls the text names (东湖街道, 翠苑社区), nearest first: a hall named itself before one
    that only serves the place, a community station before its street centre."""
    words = normalize(text)
    if not words:
        return []
    with db.session_scope(database_url) as session:
        halls = session.execute(select(Hall).order_by(Hall.code)).scalars().all()

    def mentioned(places: list[str]) -> bool:
        return any(key and key in words for p in places for key in (normalize(p), normalize(_place_stem(p))))

    found = []
    for hall in halls:
        if mentioned([hall.name]):
            found.append((0, _NEAR_FIRST.get(hall.level, 3), hall))
        elif mentioned(hall.area):
            found.append((1, _NEAR_FIRST.get(hall.level, 3), hall))
    found.sort(key=lambda item: item[:2])
    return [hall for _named, _level, hall in found]


_NEAR_FIRST = {"社区": 0, "街道": 1, "区": 2}


def _place_stem(place: str) -> str:
    """东湖街道便民服务中心 -> 东湖街道 -> 东湖: people name the place, not the building."""
    for suffix in ("便民服务中心", "政务服务中心", "服务站", "街道", "社区"):
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place[: -len(suffix)]
    return place


def matters_for(words: list[str], database_url: Optional[str] = None, limit: int = 8) -> list[Matter]:
    """Active matters whose life events, themes, targets or department hold one of `words`
    (养老, 残疾人, 民政局…), most matching first."""
    wanted = [normalize(w) for w in words if normalize(w)]
    if not wanted:
        return []
    with db.session_scope(database_url) as session:
        matters = session.execute(select(Matter).where(Matter.status == ACTIVE).order_by(Matter.id)).scalars().all()
    scored = []
    for matter in matters:
        tags = [normalize(t) for t in [*matter.life_events, *matter.themes, *matter.targets, matter.department]]
        hits = sum(1 for w in wanted if any(w in tag or tag in w for tag in tags if tag))
        if hits:
            scored.append((hits, matter))
    scored.sort(key=lambda item: -item[0])
    return [matter for _hits, matter in scored[:limit]]


def matters_at_level(level: str, database_url: Optional[str] = None, limit: int = 8) -> list[Matter]:
    """Matters a hall of this level (街道, 社区) accepts."""
    with db.session_scope(database_url) as session:
        matters = (
            session.execute(
                select(Matter)
                .join(Matter.halls)
                .where(Matter.status == ACTIVE, Hall.level == level)
                .distinct()
                .order_by(Matter.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    return list(matters)


def find_certificate(text: str, database_url: Optional[str] = None) -> Optional[CancelledCertificate]:
    """The cancelled certificate the text names (by name or alias), the longest name first."""
    words = normalize(text)
    with db.session_scope(database_url) as session:
        certificates = session.execute(select(CancelledCertificate)).scalars().all()
    best, best_length = None, 0
    for certificate in certificates:
        for name in [certificate.name, *certificate.aliases]:
            key = normalize(name).removesuffix("证明") or normalize(name)
            if key and key in words and len(key) > best_length:
                best, best_length = certificate, len(key)
    return best
