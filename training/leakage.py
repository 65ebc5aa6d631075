"""Training questions that are near duplicates of blind questions: those would make the blind
figures measure memory. Character bigrams of the normalised text (traditional made simplified,
punctuation dropped), Jaccard similarity; 0.7 catches rewordings like 怎么申请/怎么申领."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable

import yaml

from bot.search.normalize import normalize

BLIND_SETS = Path(__file__).resolve().parent.parent / "bench" / "data"
THRESHOLD = 0.7


def blind_questions(folder: Path = BLIND_SETS) -> list[str]:
    questions = []
    for file in sorted(folder.glob("blind*.yml")):
        questions += [row["q"] for row in yaml.safe_load(file.read_text(encoding="utf-8"))["questions"]]
    return questions


def near_duplicates(texts: Iterable[str], blind: list[str], threshold: float = THRESHOLD) -> list[tuple[str, str, float]]:
    """(training text, blind text, similarity) for every pair at or above `threshold`."""
    blind_grams = [_bigrams(text) for text in blind]
    index: dict[str, list[int]] = {}
    for number, grams in enumerate(blind_grams):
        for gram in grams:
            index.setdefault(gram, []).append(number)
    found = []
    for text in texts:
        grams, shared = _bigrams(text), {}
        for gram in grams:
            for number in index.get(gram, ()):
                shared[number] = shared.get(number, 0) + 1
        for number, count in shared.items():
            similarity = count / len(grams | blind_grams[number])
            if similarity >= threshold:
                found.append((text, blind[number], round(similarity, 3)))
    return found


def _bigrams(text: str) -> set[str]:
    plain = normalize(text)
    return {plain[i : i + 2] for i in range(len(plain) - 1)} or {plain}


def drop_near_duplicates(file: Path) -> list[str]:
    """Rewrite a training file (JSON Lines) without its near duplicates of blind questions; the
    questions dropped."""
    lines = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [json.loads(line)["q"] for line in lines]
    leaking = {text for text, _blind, _similarity in near_duplicates(texts, blind_questions())}
    file.write_text("".join(line + "\n" for line, text in zip(lines, texts) if text not in leaking), encoding="utf-8")
    return sorted(leaking)


if __name__ == "__main__":  # python -m training.leakage training/data/new_slice.jsonl ...
    for path in sys.argv[1:]:
        print(path, "dropped:", drop_near_duplicates(Path(path)) or "none")
