"""The helper-written training questions (training/data/*.jsonl): citizens' questions about a
matter (`code`) and near misses (`near`: a service no matter answers, sharing the words of that
matter)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Question:
    text: str
    code: Optional[str]  # the matter that answers it; None for a near miss
    near: Optional[str] = None  # the matter whose words a near miss shares
    style: str = ""
    source: str = ""


def training_questions(folder: Path = DATA) -> list[Question]:
    questions = []
    for file in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            source = f"{file.name}:{number}"
            if "near" in row:
                questions.append(Question(row["q"], None, near=row["near"], style="near", source=source))
            else:
                questions.append(Question(row["q"], row["code"], style=row.get("style", ""), source=source))
    return questions
