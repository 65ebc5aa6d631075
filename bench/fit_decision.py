"""Fit the search's values for the sentence model that loads (bot/search/tuning.py; BOT_EMBEDDER
chooses, default daoban's own): the cosine floor and ceiling of the fusion, chosen on a grid
around the model's own cosines, and for each the answerable decision, a logistic model over five
features of the best candidate (seven with the reranker: its chance for the best and that none
is meant), by 5-fold cross-validation. Prints the values to put in
tuning.py. Never run on the blind held-out sets (bench/data/blind*_*.yml).

Examples: every question of the tuning sets, labelled answerable when the right matter is among
the first three. With --leave-one-out, also each answerable question again with its right
matters (the expected codes, so every sibling that would also answer) taken out of the ranking:
a question about a matter the catalogue lacks, its real neighbours still there; those are then
fitted on and counted in the choice (docs/search.md says why that is not the default).

    .venv/bin/python bench/fit_decision.py [--leave-one-out] [--keep-cosines]   (needs ../shared for gdzwfw)"""
from __future__ import annotations

import dataclasses
import itertools
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
from bot.search.searcher import none_chance  # noqa: E402
from bot.search.evaluation import load_questions  # noqa: E402
from tests.catalogues import DEMO_CATALOGUE, GDZWFW, import_into  # noqa: E402

FEATURES = ("fused", "lexical", "margin", "named", "length")
TUNING_SETS = (  # the tuning sets; never the blind ones (bench/data/blind*_*)
    ROOT / "tests" / "data" / "search_questions_{}.yml", ROOT / "tests" / "data" / "heldout_{}.yml",
    ROOT / "bench" / "data" / "citizens_{}.yml",
)
THRESHOLDS = (0.5, 0.55, 0.6, 0.65)


RERANKER_FEATURES = ("chance", "none")  # where a reranker ran


def features(terms, ranked) -> list[float] | None:
    if not ranked:
        return None
    best, second = ranked[0], (ranked[1].score if len(ranked) > 1 else 0.0)
    row = [best.score, best.lexical, best.score - second, float(best.named), math.log1p(len(terms))]
    # The decision counts the reranker only where it ran; a question it skipped (named outright,
    # lexically certain) keeps the chances' weight at 0 through `chance` = 0, `none` = 0.
    reranked = best.chance >= 0
    return row + [best.chance if reranked else 0.0, none_chance(ranked) if reranked else 0.0]


def examples(searches, questions, leave_one_out: bool):
    """Feature rows, labels (1: answerable), whether the first is right, and which rows are
    leave-one-out copies."""
    rows, labels, first_right, left_out = [], [], [], []
    for search, question in ((s, q) for s, qs in zip(searches, questions) for q in qs):
        terms, ranked = search.rank(question.q, limit=search.tuning.pool)
        found = features(terms, ranked)
        if found is None:
            continue
        expected = set(question.expect or ())
        rows.append(found)
        labels.append(int(any(c.code in expected for c in ranked[:3])))
        first_right.append(bool(ranked[0].code in expected))
        left_out.append(False)
        rest = [c for c in ranked if c.code not in expected]
        if leave_one_out and expected and rest and len(rest) < len(ranked):
            rows.append(features(terms, rest))
            labels.append(0)
            first_right.append(False)
            left_out.append(True)
    return np.array(rows), np.array(labels), np.array(first_right), np.array(left_out)


def cosine_quantiles(searches, questions) -> tuple[np.ndarray, np.ndarray]:
    right, wrong = [], []
    for search, question in ((s, q) for s, qs in zip(searches, questions) for q in qs):
        _terms, ranked = search.rank(question.q, limit=search.tuning.pool)
        cosines = [c.cosine for c in ranked if c.cosine > 0]
        expected = set(question.expect or ())
        own = [c.cosine for c in ranked if c.code in expected and c.cosine > 0]
        if own:
            right.append(max(own))
        elif not expected and cosines:
            wrong.append(max(cosines))
    return np.quantile(right, [0.25, 0.5, 0.75, 0.9]), np.quantile(wrong, [0.1, 0.25, 0.5, 0.75])


def main() -> None:
    leave_one_out = "--leave-one-out" in sys.argv[1:]
    workdir = Path(tempfile.mkdtemp(prefix="daoban-fit-"))
    searches, questions = [], []
    for name, source in (("demo", DEMO_CATALOGUE), ("gdzwfw", GDZWFW)):
        url = f"sqlite:///{workdir / f'{name}.db'}"
        import_into(url, source)
        searches.append(MatterSearch(url))
        questions.append([q for labelled in TUNING_SETS for q in load_questions(Path(str(labelled).format(name)))])
    model_name = searches[0].embedder.name if searches[0].embedder else "lexical"
    base = searches[0].tuning
    right, wrong = cosine_quantiles(searches, questions)
    print(f"model {model_name}: right matter's cosine quartiles/90th {np.round(right, 3)}; "
          f"best cosine of out-of-catalogue questions 10/25/50/75th {np.round(wrong, 3)}")
    floors = sorted({round(float(v), 2) for v in wrong[:3]})
    ceilings = sorted({round(float(v), 2) for v in right[1:]})
    if "--keep-cosines" in sys.argv[1:]:  # the decision alone, over the fusion as it is
        floors, ceilings = [base.cosine_floor], [base.cosine_ceiling]
    best = None
    for floor, ceiling in itertools.product(floors, ceilings):
        if ceiling <= floor + 0.02:
            continue
        tuning = dataclasses.replace(base, cosine_floor=floor, cosine_ceiling=ceiling)
        for search in searches:
            search.tuning = tuning
        x, y, first, left_out = examples(searches, questions, leave_one_out)
        model = LogisticRegression(C=3, max_iter=2000)
        probability = cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, 1]
        asked = ~left_out
        for threshold in THRESHOLDS:
            kept = (probability >= threshold)
            answered = (kept & first & asked).sum() / max(1, (y[asked] == 1).sum())
            refused = (~kept)[(y == 0) & asked].mean()
            refused_loo = (~kept)[left_out].mean() if leave_one_out else 0.0
            score = answered + refused + refused_loo
            print(f"floor {floor} ceiling {ceiling} answerable {threshold}: first right and kept {answered:.3f}, "
                  f"out of catalogue refused {refused:.3f}, leave-one-out refused {refused_loo:.3f}")
            if best is None or score > best[0]:
                best = (score, floor, ceiling, threshold, x, y)
    _score, floor, ceiling, threshold, x, y = best
    model = LogisticRegression(C=3, max_iter=2000).fit(x, y)
    weights = ", ".join(f"weight_{name}={weight:.2f}" for name, weight in zip(FEATURES + RERANKER_FEATURES, model.coef_[0]))
    print(f"\nbest for {model_name} ({len(y)} examples, {int(y.sum())} answerable):\n"
          f"Tuning(cosine_floor={floor}, cosine_ceiling={ceiling}, {weights}, bias={model.intercept_[0]:.2f}, "
          f"answerable={threshold})")


if __name__ == "__main__":
    main()
