"""Step 3 of `make model`, in the torch venv: daoban's reranker, a small cross-encoder made from
the lower layers of multilingual-e5-small. It reads a question and a candidate matter's card as
one sequence and scores how well that matter answers it; the engine runs it like any e5 file
(the pooled vector, then a learned direction and bias give the score).

Trained listwise: a question, its matter's card and wrong matters the stock model ranks high,
plus "none" at a fixed score of 0. So the scores both order the candidates and say whether any
of them answers: a near miss (a service the catalogue lacks) and a question whose own matter was
left out (leave-one-out: its real neighbours still there) have "none" as the right answer.

    .venv-train/bin/python -m training.rerank BASE_MODEL EXAMPLES OUT_LAYERS"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

from bot.search.dense import e5_format
from bot.search.dense.e5_tokenizer import E5Tokenizer
from bot.search.dense.rerank_text import pair_text
from training.encoder import LAYER_TENSORS, Encoder, batch_ids
from training.train import SEED, log

from bot.search.dense.trained import RERANK_HEAD as HEAD  # the learned direction (H values) and bias


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("examples", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--layers", type=int, default=4, help="lower layers of e5 the reranker keeps")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=6, help="questions a step")
    parser.add_argument("--candidates", type=int, default=5, help="wrong matters with each question")
    parser.add_argument("--near", type=int, default=1, help="near misses a step")
    parser.add_argument("--left-out", type=float, default=0.2, help="share of questions asked without their matter")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    random.seed(SEED)
    torch.manual_seed(SEED)

    base = e5_format.read(args.base)
    tokenizer, encoder = E5Tokenizer(base.head), Encoder(base, as_stored=True)
    examples = json.loads(args.examples.read_text(encoding="utf-8"))
    queries, cards = examples["queries"], examples["cards"]
    reranker = Reranker(encoder, args.layers)
    tokens = lambda question, key: tokenizer.encode(pair_text(question, cards[key]), True, args.max_tokens)  # noqa: E731
    groups = Groups(queries, cards, args)
    log(f"{len(cards)} matters, {len(groups.train)} questions, {len(groups.near)} near misses; "
        f"check on {len(groups.dev)} + {len(groups.dev_near)}")
    log(f"check before: {check(reranker, groups, tokens)}")

    trained = reranker.trainable()
    optimiser = torch.optim.AdamW([{"params": trained, "lr": args.lr},
                                   {"params": [reranker.head], "lr": args.head_lr}], weight_decay=0.01)
    warmup = max(1, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (args.steps - step) / (args.steps - warmup))))
    started = time.time()
    for step in range(args.steps):
        batch = groups.batch()
        sequences = [tokens(question, key) for question, keys, _ in batch for key in keys]
        scores = reranker.score(sequences).view(len(batch), -1)
        targets = torch.tensor([answer for _, _, answer in batch])
        with_none = torch.cat([torch.zeros(len(batch), 1), scores], 1)  # column 0: none answers
        loss = torch.nn.functional.cross_entropy(with_none, targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step == args.steps - 1:
            log(f"step {step}: loss {loss.item():.3f}, {time.time() - started:.0f} s")
    log(f"check after: {check(reranker, groups, tokens)}")
    export(reranker, base, args.base, args.out)


class Reranker(torch.nn.Module):
    def __init__(self, encoder: Encoder, layers: int):
        super().__init__()
        self.encoder, self.layers = encoder, layers
        self.head = torch.nn.Parameter(torch.zeros(encoder.weight("emb.ln.w").shape[0] + 1))

    def trainable(self) -> list[torch.nn.Parameter]:
        parameters = [p for layer in range(self.layers) for p in self.encoder.layer_parameters(layer)]
        for parameter in parameters:
            parameter.requires_grad_(True)
        return parameters

    def score(self, sequences: list[list[int]]) -> torch.Tensor:
        ids, mask = batch_ids(sequences, 1)
        with torch.no_grad():
            x = self.encoder.embed(ids)  # the word embeddings stay as they are
        pooled = self.encoder.pool(self.encoder.run(x, mask, 0, self.layers), mask)
        return pooled @ self.head[:-1] + self.head[-1]


class Groups:
    """Each example: a question, the matters to score (shuffled), and which one answers it
    (1 + its place) or 0 for none."""

    def __init__(self, queries: list[dict], cards: dict[str, str], args):
        self.args = args
        usable = [q for q in queries if len(q["negatives"]) >= args.candidates]
        questions = [q for q in usable if q["kind"] != "near"]
        near = [q for q in usable if q["kind"] == "near" and q["near"] in cards]
        rng = random.Random(SEED)
        dev = set(rng.sample(range(len(questions)), 400))
        self.dev = [q for i, q in enumerate(questions) if i in dev and q["kind"] == "question"]
        self.train = [q for i, q in enumerate(questions) if i not in dev]
        dev_near = set(rng.sample(range(len(near)), 40))
        self.dev_near = [q for i, q in enumerate(near) if i in dev_near]
        self.near = [q for i, q in enumerate(near) if i not in dev_near]

    def batch(self) -> list[tuple[str, list[str], int]]:
        chosen = random.sample(self.train, self.args.batch - self.args.near)
        examples = [self.example(q, random.random() < self.args.left_out) for q in chosen]
        return examples + [self.example(q, True) for q in random.sample(self.near, self.args.near)]

    def example(self, query: dict, left_out: bool, rng: random.Random = random) -> tuple[str, list[str], int]:
        count = self.args.candidates
        own = query["near"] if query["kind"] == "near" else query["matter"]
        if left_out:  # its matter taken away: only its neighbours remain, and none of them answers
            keys = rng.sample(query["negatives"], count) if query["kind"] != "near" else \
                [own] + rng.sample(query["negatives"], count - 1)
            rng.shuffle(keys)
            return query["text"], keys, 0
        keys = [own] + rng.sample(query["negatives"], count - 1)
        rng.shuffle(keys)
        return query["text"], keys, 1 + keys.index(own)


def check(reranker: Reranker, groups: Groups, tokens) -> str:
    """On questions kept apart: the right matter first and above none; its matter left out, none
    first; near misses, none first."""
    rng = random.Random(SEED)
    sets = {"answered": [groups.example(q, False, rng) for q in groups.dev],
            "left out": [groups.example(q, True, rng) for q in groups.dev[:200]],
            "near": [groups.example(q, True, rng) for q in groups.dev_near]}
    parts = []
    with torch.no_grad():
        for label, examples in sets.items():
            right = 0
            for start in range(0, len(examples), 16):
                chunk = examples[start:start + 16]
                scores = reranker.score([tokens(q, k) for q, keys, _ in chunk for k in keys]).view(len(chunk), -1)
                with_none = torch.cat([torch.zeros(len(chunk), 1), scores], 1)
                right += (with_none.argmax(1) == torch.tensor([a for *_, a in chunk])).sum().item()
            parts.append(f"{label} {right / len(examples):.3f}")
    return ", ".join(parts)


def export(reranker: Reranker, base: e5_format.ModelFile, base_path: Path, out: Path) -> None:
    """The kept layers 4-bit as the engine runs them, and the head; the stock file supplies the rest."""
    names = [f"l{layer}.{t}" for layer in range(reranker.layers) for t in LAYER_TENSORS]
    for name in names:
        base.replace(name, reranker.encoder.weight(name).detach().numpy())
    tensors = {name: base.tensors[name] for name in names}
    head = reranker.head.detach().numpy().astype("<f4")
    tensors[HEAD] = e5_format.Tensor(HEAD, e5_format.F32, head.size, head.tobytes())
    digest = hashlib.sha256(Path(base_path).read_bytes()).digest()
    e5_format.write_layers(tensors, digest, out)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, layers 0-{reranker.layers - 1} and the head)")


if __name__ == "__main__":
    np.random.seed(SEED)
    main()
