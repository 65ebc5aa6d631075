"""The catalogues the tests and benchmarks run on, and importing one into a database."""
from __future__ import annotations

from pathlib import Path

from bot import db
from bot.importers import read_catalogue
from bot.search.dense.embedder import load_embedder
from bot.search.dense.vectors import embed_missing
from bot.store import write_catalogue

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOGUE = ROOT / "knowledge"
GDZWFW = ROOT.parent / "shared" / "catalogues" / "gdzwfw-2021" / "matters.jsonl"  # beside the clone, as in CI


def import_into(url: str, path: Path, fmt: str | None = None, full: bool = True):
    """Import as `python -m bot catalogue import` does: the records, then their passage vectors
    (when the embedder loads; the search embeds what is missing otherwise)."""
    data = read_catalogue(path, fmt)
    with db.session_scope(url) as session:
        result = write_catalogue(session, data, full=full)
    embedder = load_embedder()
    if embedder is not None:
        embed_missing(url, embedder)
    return result
