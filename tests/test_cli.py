"""`python -m bot` as a user runs it: a real process, a real database file."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.catalogues import ROOT


def run_bot(database_url, *args, stdin=""):
    env = {**os.environ, "BOT_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=600,  # the gdzwfw import embeds 4,416 texts: minutes on a slow machine
    )


def test_import_stats_and_search(database_url, gdzwfw_path):
    imported = run_bot(database_url, "catalogue", "import", str(gdzwfw_path))
    assert imported.returncode == 0, imported.stderr
    assert "2262 matters created" in imported.stdout

    stats = run_bot(database_url, "catalogue", "stats")
    assert "matters (active): 2262" in stats.stdout and "matters withdrawn: 0" in stats.stdout

    ranked = run_bot(database_url, "search", "残疾证丢了怎么办")
    assert ranked.returncode == 0
    assert ranked.stdout.splitlines()[1].endswith("《中华人民共和国残疾人证》挂失补办  [广东省残疾人联合会]")

    lines = run_bot(database_url, "search", "--json", stdin="残疾证丢了怎么办\n\n今天天气怎么样\n")
    answers = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [a["q"] for a in answers] == ["残疾证丢了怎么办", "今天天气怎么样"]
    assert answers[0]["decision"] == "match" and answers[0]["candidates"][0]["code"]
    assert answers[1] == {"q": "今天天气怎么样", "decision": "none", "candidates": []}
    assert set(answers[0]["candidates"][0]) >= {"code", "name", "score"}


def test_failed_import_says_why_and_exits_nonzero(database_url, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"TASK_CODE": "X", "TASK_NAME": "名"\n', encoding="utf-8")
    result = run_bot(database_url, "catalogue", "import", str(bad))
    assert result.returncode == 1
    assert "import failed, nothing changed" in result.stderr and "bad.jsonl: line 1" in result.stderr


def test_unknown_format_is_explained(database_url, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text("a,b\n", encoding="utf-8")
    result = run_bot(database_url, "catalogue", "import", str(path))
    assert result.returncode == 1 and "--format" in result.stderr


def test_a_database_in_a_folder_that_does_not_exist_yet(tmp_path):
    """make run CATALOGUE=… on a fresh clone: its database goes to var/, which is not there yet."""
    url = f"sqlite:///{tmp_path / 'var' / 'deeper' / 'demo.db'}"
    done = run_bot(url, "catalogue", "import", str(ROOT / "knowledge"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "deeper" / "demo.db").exists()
