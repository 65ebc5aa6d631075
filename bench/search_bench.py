"""Benchmark of the catalogue and the search (not a test): accuracy on the labelled question
sets, latency per search on the 2,262-matter gdzwfw catalogue, import time, index memory.

    .venv/bin/python bench/search_bench.py          (or: make bench)

Prints a Markdown report for docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from bot.search import MatterSearch  # noqa: E402
from bot.search.evaluation import evaluate, load_questions  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402

QUESTIONS = ROOT / "tests" / "data"
LATENCY_PASSES = 20


def timed_import(url: str, path: Path) -> float:
    started = time.perf_counter()
    import_into(url, path)
    return time.perf_counter() - started


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="daoban-bench-"))
    demo_url = f"sqlite:///{workdir / 'demo.db'}"
    import_into(demo_url, DEMO_CATALOGUE)
    import_seconds = [timed_import(f"sqlite:///{workdir / f'import{i}.db'}", GDZWFW) for i in range(3)]
    gdzwfw_url = f"sqlite:///{workdir / 'import2.db'}"  # the last timed import: nothing writes to it

    tracemalloc.start()
    gdzwfw = MatterSearch(gdzwfw_url)
    gdzwfw.index()
    index_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    demo = MatterSearch(demo_url)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}\n")
    print("| question set | questions | in catalogue | top-1 | top-3 | ranked first (no decision) "
          "| out of catalogue | correct none |")
    print("|---|---|---|---|---|---|---|---|")
    all_questions = []
    sets = [(f"{prefix}_{name}", search) for prefix in ("search_questions", "heldout")
            for name, search in (("demo", demo), ("gdzwfw", gdzwfw))]  # fmt: skip
    for name, search in sets:
        questions = load_questions(QUESTIONS / f"{name}.yml")
        result = evaluate(search, questions)
        rates = result.rates()
        print(f"| {name} | {result.questions} | {result.in_catalogue} | {rates['top1']:.3f} | "
              f"{rates['top3']:.3f} | {rates['ranked_top1']:.3f} | {result.out_of_catalogue} | {rates['none']:.3f} |")
        all_questions += [q.q for q in questions]

    def timed_pass(search: MatterSearch) -> list[float]:
        latencies = []
        for question in all_questions:
            started = time.perf_counter()
            search.search(question)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    # First pass on a fresh index: no word seen before. Later passes: words seen (the index keeps
    # each word's matches, as it does for a live bot hearing the same words again and again).
    fresh = MatterSearch(gdzwfw_url)
    fresh.index()
    cold = timed_pass(fresh)
    warm = [ms for _ in range(LATENCY_PASSES) for ms in timed_pass(fresh)]
    for label, latencies in (("first pass, words unseen", cold), ("repeated passes", warm)):
        print(f"\nSearch latency on the 2,262-matter catalogue, {label} ({len(latencies)} searches): "
              f"p50 {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
              f"max {max(latencies):.2f} ms")
    print(f"gdzwfw import (read + write, fresh SQLite, 3 runs): "
          f"{', '.join(f'{s:.2f}' for s in import_seconds)} s")
    print(f"Loaded index incl. its jieba dictionary (tracemalloc): {index_bytes / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
