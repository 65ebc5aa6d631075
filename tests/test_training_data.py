"""The training questions (training/data): well formed, about matters that exist and are not in
the held-out fifth, and never a near duplicate of a blind question."""
from __future__ import annotations

import json

import pytest

from tests.catalogues import DEMO_CATALOGUE, GDZWFW
from training.leakage import blind_questions, near_duplicates
from training.questions import DATA, training_questions
from training.split import held_out


@pytest.fixture(scope="module")
def questions():
    return training_questions()


def test_every_line_is_a_question_or_a_near_miss():
    for file in DATA.glob("*.jsonl"):
        for line in filter(str.strip, file.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            assert row["q"].strip() and ("code" in row) != ("near" in row), (file.name, line)


def test_questions_are_about_matters_of_the_catalogues_and_none_held_out(questions):
    if not GDZWFW.exists():
        pytest.skip(f"{GDZWFW} is absent (../shared is beside the clone in CI)")
    codes = {json.loads(line)["TASK_CODE"] for line in GDZWFW.read_text(encoding="utf-8").splitlines() if line.strip()}
    from bot.importers.project import read_project

    demo = {matter.code for matter in read_project(DEMO_CATALOGUE).matters}
    about = {question.code or question.near for question in questions}
    assert about <= codes | demo, sorted(about - codes - demo)[:5]
    # the split is gdzwfw's: a catalogue nobody trained on
    assert not [q.source for q in questions if q.code in codes and held_out(q.code)]


def test_no_training_question_is_a_near_duplicate_of_a_blind_question(questions):
    assert not near_duplicates([question.text for question in questions], blind_questions())


def test_the_check_finds_a_reworded_blind_question():
    blind = ["退役军人优待证怎么申领", "残疾人两项补贴（生活补贴和护理补贴）怎么申请"]
    found = near_duplicates(["退役军人优待证怎么申请？", "殘疾人生活補貼和護理補貼怎麼申請", "护照在哪办"], blind)
    assert [text for text, _, _ in found] == ["退役军人优待证怎么申请？", "殘疾人生活補貼和護理補貼怎麼申請"]  # 繁体 too
    assert not near_duplicates(["残疾人证怎么申请", "退役军人优待证丢了去哪补"], blind)  # shared words alone are fine
