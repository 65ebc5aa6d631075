"""The catalogue as a list to browse: each active matter with the tags the guide index filters
by (theme, life event, department, target, hall level), read once per catalogue revision."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from sqlalchemy import select

from bot import db
from bot.models import ACTIVE, Hall, Matter, matter_halls
from bot.store import RevisionWatch

FACETS = ("theme", "life_event", "department", "target", "hall_level")


@dataclass(frozen=True)
class Listed:
    code: str
    name: str
    department: str
    themes: tuple[str, ...]
    life_events: tuple[str, ...]
    targets: tuple[str, ...]
    hall_levels: tuple[str, ...]
    accepted_anywhere: bool

    def tags(self, facet: str) -> tuple[str, ...]:
        return {
            "theme": self.themes, "life_event": self.life_events, "department": (self.department,),
            "target": self.targets, "hall_level": self.hall_levels,
        }[facet]  # fmt: skip


@dataclass
class Listing:
    """Read once per catalogue revision; what every page asks of it is worked out once too."""

    matters: list[Listed] = field(default_factory=list)

    @cached_property
    def by_code(self) -> dict[str, Listed]:
        return {matter.code: matter for matter in self.matters}

    @cached_property
    def _facet_values(self) -> dict[str, list[tuple[str, int]]]:
        values = {}
        for facet in FACETS:
            counts = Counter(tag for matter in self.matters for tag in matter.tags(facet) if tag)
            values[facet] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return values

    def facet_values(self, facet: str) -> list[tuple[str, int]]:
        """The values of a facet, most matters first."""
        return self._facet_values[facet]

    def filtered(self, chosen: dict[str, str], matters: Optional[list[Listed]] = None) -> list[Listed]:
        """The matters (in the given order) that carry every chosen facet value."""
        return [m for m in (self.matters if matters is None else matters)
                if all(value in m.tags(facet) for facet, value in chosen.items() if value)]  # fmt: skip


def read_listing(database_url: Optional[str] = None) -> Listing:
    with db.session_scope(database_url) as session:
        rows = session.execute(
            select(Matter.id, Matter.code, Matter.name, Matter.department, Matter.themes, Matter.life_events,
                   Matter.targets, Matter.accepted_anywhere)  # fmt: skip
            .where(Matter.status == ACTIVE)
            .order_by(Matter.code)
        ).all()
        levels: dict[int, set[str]] = {}
        for matter_id, level in session.execute(
            select(matter_halls.c.matter_id, Hall.level).join(Hall, Hall.id == matter_halls.c.hall_id)
        ):
            levels.setdefault(matter_id, set()).add(level)
    return Listing([
        Listed(code, name, department or "", tuple(themes or ()), tuple(life_events or ()), tuple(targets or ()),
               tuple(sorted(levels.get(matter_id, ()))), bool(anywhere))  # fmt: skip
        for matter_id, code, name, department, themes, life_events, targets, anywhere in rows
    ])


class CachedListing:
    """The listing, read again when an import changes the catalogue."""

    def __init__(self, database_url: Optional[str] = None, catalogue: Optional[RevisionWatch] = None):
        self.database_url = database_url
        self._catalogue = catalogue or RevisionWatch(database_url)
        self._lock = threading.Lock()
        self._revision, self._listing = -1, Listing()

    def get(self) -> Listing:
        revision = self._catalogue.revision()
        with self._lock:
            if revision != self._revision:
                self._listing, self._revision = read_listing(self.database_url), revision
            return self._listing
