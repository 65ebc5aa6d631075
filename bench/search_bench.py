"""Benchmark of the catalogue and the search (not a test): accuracy on the labelled question
sets (the tuning sets in tests/data and bench/data/citizens_*, the blind held-out sets in
bench/data/blind_*, blind2_* and blind3_*, reported apart),
latency per search on the 2,262-matter gdzwfw catalogue, import time with the passage vectors,
an unchanged re-import, index memory. Says which mode ran (hybrid, or lexical without the model).

    .venv/bin/python bench/search_bench.py          (or: make bench)
    BOT_EMBEDDER=off .venv/bin/python bench/search_bench.py     (the lexical search alone)

Prints a Markdown report for docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from bot.search import MatterSearch  # noqa: E402
from bot.search.dense.embedder import describe  # noqa: E402
from bot.search.dense.reranker import describe as describe_reranker  # noqa: E402
from training.split import held_out  # noqa: E402
from bot.search.searcher import HYBRID  # noqa: E402
from bot.search.evaluation import evaluate, load_questions  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402

QUESTION_SETS = [  # (name, file, catalogue): tuning sets first, then the blind held-out sets
    *((f"{prefix}_{name}", ROOT / "tests" / "data" / f"{prefix}_{name}.yml", name)
      for prefix in ("search_questions", "heldout") for name in ("demo", "gdzwfw")),
    *((f"citizens_{name}", ROOT / "bench" / "data" / f"citizens_{name}.yml", name) for name in ("demo", "gdzwfw")),
    *((f"{prefix}_{name}", ROOT / "bench" / "data" / f"{prefix}_{name}.yml", name)
      for prefix in ("blind", "blind2", "blind3") for name in ("demo", "gdzwfw")),
]
LATENCY_PASSES = 5


def timed_import(url: str, path: Path) -> float:
    """A fresh process's import: the embedder's in-process cache of passages starts empty."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "catalogue", "import", str(path)], check=True,
                   env={**os.environ, "BOT_DATABASE_URL": url, "TQDM_DISABLE": "1"}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="daoban-bench-"))
    demo_url = f"sqlite:///{workdir / 'demo.db'}"
    import_into(demo_url, DEMO_CATALOGUE)
    import_seconds = [timed_import(f"sqlite:///{workdir / f'import{i}.db'}", GDZWFW) for i in range(2)]
    gdzwfw_url = f"sqlite:///{workdir / 'import1.db'}"  # the last timed import
    reimport_seconds = timed_import(gdzwfw_url, GDZWFW)  # unchanged: every vector is reused

    tracemalloc.start()
    gdzwfw = MatterSearch(gdzwfw_url)
    gdzwfw.index()
    index_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    demo = MatterSearch(demo_url)

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}\nSearch mode: {gdzwfw.mode}; sentence model: {describe(gdzwfw.embedder)}; "
          f"reranker: {describe_reranker(gdzwfw.reranker)}\n")
    print("| question set | questions | in catalogue | top-1 | top-3 | ranked first (no decision) "
          "| out of catalogue | correct none |")
    print("|---|---|---|---|---|---|---|---|")
    all_questions = []
    searches = {"demo": demo, "gdzwfw": gdzwfw}
    for name, path, catalogue in QUESTION_SETS:
        search = searches[catalogue]
        questions = load_questions(path)
        rows = [(name, questions)]
        if catalogue == "gdzwfw" and name.startswith("blind"):  # matters training never saw, apart
            about = [q for q in questions if q.expect]
            rows += [(f"{name}: held-out fifth's matters", [q for q in about if all(map(held_out, q.expect))]),
                     (f"{name}: trained matters", [q for q in about if not all(map(held_out, q.expect))])]
        for label, labelled in rows:
            result = evaluate(search, labelled)
            rates = result.rates()
            none = f"{rates['none']:.3f}" if result.out_of_catalogue else "–"
            print(f"| {label} | {result.questions} | {result.in_catalogue} | {rates['top1']:.3f} | "
                  f"{rates['top3']:.3f} | {rates['ranked_top1']:.3f} | {result.out_of_catalogue} | {none} |")
        if catalogue == "gdzwfw":
            all_questions += [q.q for q in questions]

    def timed_pass(search: MatterSearch) -> list[float]:
        latencies = []
        for question in all_questions:
            started = time.perf_counter()
            search.search(question)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    # First pass on a fresh index: no word or question seen before. Later passes: seen (the index
    # keeps each word's matches and the embedder each question's vector, as a live bot does).
    # A model of its own: the shared one has the questions' vectors cached by now.
    fresh = MatterSearch(gdzwfw_url, embedder=gdzwfw.embedder.fresh() if gdzwfw.mode == HYBRID else None,
                         reranker=gdzwfw.reranker.fresh() if gdzwfw.reranker is not None else None)
    fresh.index()
    cold = timed_pass(fresh)
    warm = [ms for _ in range(LATENCY_PASSES) for ms in timed_pass(fresh)]
    for label, latencies in (("first pass, words unseen", cold), ("repeated passes", warm)):
        print(f"\nSearch latency on the 2,262-matter catalogue, {label} ({len(latencies)} searches): "
              f"p50 {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
              f"max {max(latencies):.2f} ms")
    print(f"gdzwfw import with passage vectors (`python -m bot catalogue import`, fresh SQLite, 2 runs): "
          f"{', '.join(f'{s:.1f}' for s in import_seconds)} s; unchanged re-import: {reimport_seconds:.1f} s")
    print(f"Loaded index incl. its jieba dictionary (tracemalloc): {index_bytes / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
