"""Measure the search on a labelled question set (tests/data/search_questions_*.yml)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from bot.search.searcher import NONE, MatterSearch, SearchResult


@dataclass
class LabelledQuestion:
    q: str
    expect: Optional[list[str]]  # acceptable codes; None: the catalogue has no such matter
    kind: str


@dataclass
class Evaluation:
    questions: int = 0
    in_catalogue: int = 0
    top1: int = 0
    top3: int = 0
    ranked_top1: int = 0  # the right matter ranked first, whatever the decision
    out_of_catalogue: int = 0
    correct_none: int = 0
    misses: list[tuple[LabelledQuestion, SearchResult]] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        return {
            "top1": self.top1 / max(1, self.in_catalogue),
            "top3": self.top3 / max(1, self.in_catalogue),
            "ranked_top1": self.ranked_top1 / max(1, self.in_catalogue),
            "none": self.correct_none / max(1, self.out_of_catalogue),
        }


def load_questions(path: Path) -> list[LabelledQuestion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = []
    for item in raw["questions"]:
        expect = item["expect"]
        if expect == "complaint":  # for the answer benchmark: no matter to search for
            continue
        codes = None if expect == "none" else [str(code) for code in expect]
        questions.append(LabelledQuestion(str(item["q"]), codes, item.get("kind", "plain")))
    return questions


def evaluate(search: MatterSearch, questions: list[LabelledQuestion]) -> Evaluation:
    """top-1/top-3 count a question when the right matter ranks there and the decision is not
    `none`; an out-of-catalogue question counts only when the decision is `none`."""
    result = Evaluation()
    for question in questions:
        answer = search.search(question.q)
        result.questions += 1
        if question.expect is None:
            result.out_of_catalogue += 1
            if answer.decision == NONE:
                result.correct_none += 1
            else:
                result.misses.append((question, answer))
            continue
        result.in_catalogue += 1
        _terms, ranked = search.rank(question.q)
        if ranked and ranked[0].code in question.expect:
            result.ranked_top1 += 1
        codes = [c.code for c in answer.candidates] if answer.decision != NONE else []
        if codes[:1] and codes[0] in question.expect:
            result.top1 += 1
        else:
            result.misses.append((question, answer))
        if any(code in question.expect for code in codes[:3]):
            result.top3 += 1
    return result
