"""The catalogues the tests and benchmarks run on, and importing one into a database."""
from __future__ import annotations

from pathlib import Path

from bot import db
from bot.importers import read_catalogue
from bot.store import write_catalogue

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOGUE = ROOT / "knowledge"
GDZWFW = ROOT.parent / "shared" / "catalogues" / "gdzwfw-2021" / "matters.jsonl"  # beside the clone, as in CI


def import_into(url: str, path: Path, fmt: str | None = None, full: bool = True):
    data = read_catalogue(path, fmt)
    with db.session_scope(url) as session:
        return write_catalogue(session, data, full=full)
