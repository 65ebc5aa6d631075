"""Whether a question asks about an aspect: every NLU example of an aspect says something of it,
and questions the NLU misread are told apart."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.aspects import asked

ROOT = Path(__file__).resolve().parent.parent


def examples() -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "data" / "nlu" / "matters.yml").read_text("utf-8"))
    pairs = []
    for item in data["nlu"]:
        intent = item.get("intent", "")
        if intent.startswith("ask_"):
            for line in item["examples"].splitlines():
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip().lstrip("- ").strip())
                pairs.append((intent[len("ask_"):], text))
    return pairs


def test_every_training_example_asks_its_own_aspect():
    missed = [(aspect, text) for aspect, text in examples() if text and not asked(aspect, text)]
    assert missed == []


@pytest.mark.parametrize("aspect, text", [
    ("where", "儿子在部队当兵，我们家门口能挂那块光荣的牌子吗"),
    ("online", "医院给宝宝开的出生纸上名字写错了一个字，能改吗"),
    ("next", "残疾证快到期了，是不是又要去医院重新评一次"),
    ("phone", "营业执照上的经营范围想加一项，要带什么材料"),
])  # fmt: skip
def test_a_question_that_says_nothing_of_the_aspect(aspect, text):
    assert not asked(aspect, text)


def test_short_follow_ups_and_the_overview_are_always_asked():
    assert asked("where", "在那办") and asked("fee", "要前吗")  # typos the NLU reads well
    assert asked("overview", "儿子在部队当兵，我们家门口能挂那块光荣的牌子吗")
