"""`python -m bot`: the command line of the catalogue and the search."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="daoban: matter catalogue and search")
    commands = parser.add_subparsers(dest="command", required=True)

    catalogue = commands.add_parser("catalogue", help="import the catalogue, print its counts")
    catalogue_commands = catalogue.add_subparsers(dest="action", required=True)
    importing = catalogue_commands.add_parser("import", help="import a catalogue file or folder")
    importing.add_argument("path", type=Path)
    importing.add_argument("--format", choices=("project", "excel", "gdzwfw"), help="default: from the path")
    importing.add_argument(
        "--partial", action="store_true", help="only add and update; keep matters the file does not list"
    )
    catalogue_commands.add_parser("stats", help="count matters, materials, halls, withdrawn")

    search = commands.add_parser("search", help="find the matter a question is about")
    search.add_argument("question", nargs="?", help="omit to read one question per line from stdin")
    search.add_argument("--json", action="store_true", help="print JSON lines")
    search.add_argument("--limit", type=int, default=5)

    dictionary = commands.add_parser("dictionary", help="write jieba's user dictionary for the NLU")
    dictionary.add_argument("folder", type=Path)
    dictionary.add_argument("--catalogue", type=Path, default=None, help="default: knowledge/")

    commands.add_parser("report", help="print 好差评 and the questions the catalogue could not answer")
    applications = commands.add_parser("applications", help="the embedded 办件 table")
    applications.add_subparsers(dest="action", required=True).add_parser("seed", help="load demo applications")

    conversations = commands.add_parser("conversations", help="purge one conversation, prune old ones")
    conversation_commands = conversations.add_subparsers(dest="action", required=True)
    purging = conversation_commands.add_parser("purge", help="remove one conversation everywhere")
    purging.add_argument("sender", help="the conversation's sender id (web:… for the widget)")
    pruning = conversation_commands.add_parser("prune", help="remove what is older than the retention period")
    pruning.add_argument("--days", type=int, default=None, help="default: BOT_RETENTION_DAYS (90)")

    from connectors.wechat.cli import add_commands as add_wechat_commands  # the channel's own commands

    add_wechat_commands(commands)

    args = parser.parse_args(argv)
    if args.command == "wechat":
        from connectors.wechat.cli import run as run_wechat

        return run_wechat(args)
    if args.command == "conversations":
        from bot import conversations as kept

        removed = kept.purge(args.sender) if args.action == "purge" else kept.prune(args.days)
        print("; ".join(f"{what}: {count}" for what, count in removed.items()))
        return 0
    if args.command == "applications":
        from bot.status.database import seed_demo_applications

        print(f"{seed_demo_applications()} demo applications loaded")
        return 0
    if args.command == "report":
        from bot.feedback import report_lines

        print("\n".join(report_lines()))
        return 0
    if args.command == "dictionary":
        return _dictionary(args.folder, args.catalogue)
    if args.command == "catalogue" and args.action == "import":
        return _import(args.path, args.format, full=not args.partial)
    if args.command == "catalogue":
        return _stats()
    return _search(args.question, args.json, args.limit)


def _import(path: Path, fmt: Optional[str], full: bool) -> int:
    from sqlalchemy.exc import SQLAlchemyError
    from tqdm import tqdm

    from bot import db
    from bot.catalogue import CatalogueError
    from bot.importers import read_catalogue
    from bot.store import write_catalogue

    size = path.stat().st_size if path.is_file() else None
    try:
        with tqdm(total=size, unit="B", unit_scale=True, desc=f"reading {path.name}", disable=None) as bar:
            data = read_catalogue(path, fmt, progress=bar.update)
        with db.session_scope() as session:
            with tqdm(total=len(data.matters), unit=" matters", desc="writing", disable=None) as bar:
                result = write_catalogue(session, data, full=full, progress=bar.update)
        vectors = _embed()
    except CatalogueError as error:
        print(f"import failed, nothing changed: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error  # only DBAPI errors carry the driver's message
        print(f"import failed, nothing changed: the database refused it: {reason}", file=sys.stderr)
        return 1
    for warning in data.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(result)
    print(vectors or "passage vectors: none (sentence embedder off or not loadable: lexical search only)")
    return 0


def _embed():
    """The passage vectors of texts new or changed by the import (a separate transaction: the
    records stay imported if embedding is interrupted; the search embeds what is missing)."""
    from tqdm import tqdm

    from bot import db
    from bot.search.dense.embedder import load_embedder
    from bot.search.dense.vectors import embed_missing, stored_coverage

    embedder = load_embedder()
    if embedder is None:
        return None
    with db.session_scope() as session:
        _stored, total = stored_coverage(session, embedder.name)
    with tqdm(total=total, unit=" texts", desc="embedding", disable=None) as bar:
        return embed_missing(None, embedder, progress=bar.update)


def _dictionary(folder: Path, catalogue: Optional[Path]) -> int:
    from bot import config
    from bot.search.dictionary import write_user_dictionary

    path = write_user_dictionary(folder, catalogue or config.DEFAULT_CATALOGUE)
    print(f"wrote {path}")
    return 0


def _stats() -> int:
    from bot import db
    from bot.store import catalogue_stats

    from bot.search.dense.embedder import describe, load_embedder
    from bot.search.dense.reranker import describe as describe_reranker
    from bot.search.dense.reranker import load_reranker
    from bot.search.dense.vectors import stored_coverage

    embedder = load_embedder()
    with db.session_scope() as session:
        for line in catalogue_stats(session).lines():
            print(line)
        print(f"sentence model: {describe(embedder)}")
        print(f"reranker: {describe_reranker(load_reranker() if embedder is not None else None)}")
        if embedder is None:
            print("passage vectors: sentence embedder off or not loadable (lexical search only)")
        else:
            stored, texts = stored_coverage(session, embedder.name)
            print(f"passage vectors ({embedder.name}): {stored} of {texts} texts")
    return 0


def _search(question: Optional[str], as_json: bool, limit: int) -> int:
    from bot.search import MatterSearch

    search = MatterSearch()
    if not search.index().matters:
        print("the catalogue is empty: import one first, e.g. python -m bot catalogue import knowledge", file=sys.stderr)
    questions = [question] if question is not None else _stdin_questions()
    for line in questions:
        result = search.search(line, limit)
        if as_json:
            print(json.dumps(result.as_dict(), ensure_ascii=False), flush=True)
            continue
        print(f"decision: {result.decision}   (words: {' / '.join(result.terms) or '-'})")
        for rank, candidate in enumerate(result.candidates, 1):
            print(f"{rank}. {candidate.score:.3f}  {candidate.code}  {candidate.name}  [{candidate.department}]")
    return 0


def _stdin_questions():
    """One question per line; with a terminal, a prompt before each."""
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("问> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.rstrip("\n")
