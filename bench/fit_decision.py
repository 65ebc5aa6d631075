"""Fit the search's answerable decision (bot/search/tuning.py) on the tuning sets: a logistic
model over five features of the best candidate; prints the weights and, by 5-fold
cross-validation, how many answerable questions each threshold keeps and how many others it
refuses. Never run on the blind held-out sets (bench/data/blind_*.yml, blind2_*.yml).

    .venv/bin/python bench/fit_decision.py        (needs ../shared for gdzwfw)"""
from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.search import MatterSearch  # noqa: E402
from bot.search.evaluation import load_questions  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402

FEATURES = ("fused", "lexical", "margin", "named", "length")
TUNING_SETS = (  # the tuning sets; never the blind ones (bench/data/blind_*)
    ROOT / "tests" / "data" / "search_questions_{}.yml", ROOT / "tests" / "data" / "heldout_{}.yml",
    ROOT / "bench" / "data" / "citizens_{}.yml",
)


def features(search: MatterSearch, question: str) -> list[float] | None:
    terms, ranked = search.rank(question, limit=search.tuning.pool)
    if not ranked:
        return None
    best, second = ranked[0], (ranked[1].score if len(ranked) > 1 else 0.0)
    return [best.score, best.lexical, best.score - second, float(best.named), math.log1p(len(terms))]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="daoban-fit-"))
    rows, labels = [], []
    for name, source in (("demo", DEMO_CATALOGUE), ("gdzwfw", GDZWFW)):
        url = f"sqlite:///{workdir / f'{name}.db'}"
        import_into(url, source)
        search = MatterSearch(url)
        for labelled in TUNING_SETS:
            for question in load_questions(Path(str(labelled).format(name))):
                found = features(search, question.q)
                if found is None:
                    continue
                _terms, ranked = search.rank(question.q)
                rows.append(found)
                labels.append(int(bool(question.expect) and any(c.code in question.expect for c in ranked[:3])))
    x, y = np.array(rows), np.array(labels)
    model = LogisticRegression(C=3, max_iter=2000)
    probability = cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, 1]
    for threshold in (0.5, 0.55, 0.6):
        kept = (probability >= threshold)[y == 1].mean()
        refused = (probability < threshold)[y == 0].mean()
        print(f"answerable {threshold}: keeps {kept:.3f} of answerable questions, refuses {refused:.3f} of the others")
    model.fit(x, y)
    weights = ", ".join(f"{name} {weight:.2f}" for name, weight in zip(FEATURES, model.coef_[0]))
    print(f"weights: {weights}; bias {model.intercept_[0]:.2f} ({len(y)} questions, {int(y.sum())} answerable)")


if __name__ == "__main__":
    main()
