"""Importers: each reads one kind of published catalogue into a `CatalogueData`."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from bot.catalogue import CatalogueData, CatalogueError

FORMATS = ("project", "excel", "gdzwfw")


def detect_format(path: Path) -> str:
    """Guess the format from the path: a folder or .yml/.json is ours, .xlsx is the template,
    .jsonl is the 广东政务服务网 export."""
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".yml", ".yaml", ".json"):
        return "project"
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    if suffix == ".jsonl":
        return "gdzwfw"
    raise CatalogueError(str(path), "cannot tell the format; pass --format project|excel|gdzwfw")


def read_catalogue(path: Path, fmt: str | None = None, progress: Callable[[int], None] | None = None) -> CatalogueData:
    if not path.exists():
        raise CatalogueError(str(path), "no such file or folder")
    fmt = fmt or detect_format(path)
    if fmt == "project":
        from bot.importers.project import read_project

        data = read_project(path)
    elif fmt == "excel":
        from bot.importers.excel import read_excel

        data = read_excel(path)
    elif fmt == "gdzwfw":
        from bot.importers.gdzwfw import read_gdzwfw

        data = read_gdzwfw(path, progress)
    else:
        raise CatalogueError(str(path), f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    data.check_references(str(path))
    data.drop_unsafe_links()
    return data
