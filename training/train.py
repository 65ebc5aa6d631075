"""Step 2 of `make model`, in the torch venv (.venv-train, Python 3.11, CPU): fine-tune the top
layers of multilingual-e5-small on the examples of step 1 and write them, 4-bit as the engine
runs them, as an E5L1 layers file.

Contrastive, both ways: each question against every passage of the batch (its matter's, each
question's hardest wrong matter's, the others'), and each matter's passage against every
question of the batch, near misses included, so a question about a service the catalogue lacks
is pushed away from the matter whose words it shares. The embeddings and the lower layers stay
frozen; their outputs are computed once and cached, so a step runs only the layers that train.

    .venv-train/bin/python -m training.train BASE_MODEL EXAMPLES OUT_LAYERS"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import torch

from bot.search.dense import e5_format
from bot.search.dense.e5_tokenizer import E5Tokenizer
from training.encoder import LAYER_TENSORS, Encoder, batch_ids

SEED = 20261207


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("examples", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--frozen", type=int, default=8, help="lower layers kept as they are")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=32, help="questions a step")
    parser.add_argument("--near", type=int, default=6, help="near misses a step")
    parser.add_argument("--negatives", type=int, default=1, help="hard negatives a question")
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--temperature", type=float, default=0.02)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, torch.get_num_threads()))

    base = e5_format.read(args.base)
    tokenizer, encoder = E5Tokenizer(base.head), Encoder(base)
    examples = json.loads(args.examples.read_text(encoding="utf-8"))
    passages, queries, matters = examples["passages"], examples["queries"], examples["matters"]
    dev = set(random.sample(range(len(queries)), 400))
    dev = {i for i in dev if queries[i]["kind"] == "question"}
    log(f"{len(matters)} matters, {len(passages)} passages, {len(queries)} queries ({len(dev)} kept for a check)")

    started = time.time()
    query_cache = cache(encoder, [tokenizer.encode(q["text"], True, args.max_tokens) for q in queries], args.frozen)
    passage_cache = cache(encoder, [tokenizer.encode(p["text"], False, args.max_tokens) for p in passages], args.frozen)
    log(f"frozen layers' outputs cached in {time.time() - started:.0f} s")
    log(f"check before: {check(encoder, args, queries, dev, query_cache, passage_cache, passages, matters)}")

    trained = [p for layer in range(args.frozen, encoder.layers) for p in encoder.layer_parameters(layer)]
    for parameter in trained:
        parameter.requires_grad_(True)
    optimiser = torch.optim.AdamW(trained, lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (args.steps - step) / (args.steps - warmup))))
    sampler = Sampler(queries, matters, dev, args)
    started = time.time()
    for step in range(args.steps):
        rows, near_rows, columns = sampler.batch()
        q = top(encoder, [query_cache[i] for i in rows + near_rows], args.frozen)
        p = top(encoder, [passage_cache[i] for i in columns], args.frozen)
        loss = contrastive(q, p, rows, near_rows, columns, queries, passages, args.temperature)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 50 == 0 or step == args.steps - 1:
            log(f"step {step}: loss {loss.item():.3f}, {time.time() - started:.0f} s")
    for parameter in trained:
        parameter.requires_grad_(False)
    log(f"check after: {check(encoder, args, queries, dev, query_cache, passage_cache, passages, matters)}")

    tuned = [f"l{layer}.{t}" for layer in range(args.frozen, encoder.layers) for t in LAYER_TENSORS]
    for name in tuned:  # stored as the stock file stores it: matrices Q4_0, the rest float32
        base.replace(name, encoder.weight(name).detach().numpy())
    digest = hashlib.sha256(Path(args.base).read_bytes()).digest()
    e5_format.write_layers({name: base.tensors[name] for name in tuned}, digest, args.out)
    log(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, layers {args.frozen}-{encoder.layers - 1})")


class Sampler:
    """Batches of questions about distinct matters; near misses come with a question about the
    matter whose words they share, so that matter's passage is in the batch to be pushed from."""

    def __init__(self, queries: list[dict], matters: dict[str, list[int]], dev: set[int], args):
        self.args, self.matters = args, matters
        self.by_matter: dict[str, list[int]] = {}
        self.near: list[int] = []
        for index, query in enumerate(queries):
            if index in dev:
                continue
            if query["kind"] == "near":
                if query["near"] in matters:
                    self.near.append(index)
            else:
                self.by_matter.setdefault(query["matter"], []).append(index)
        self.queries = queries
        self.keys = list(self.by_matter)

    def batch(self) -> tuple[list[int], list[int], list[int]]:
        near_rows = random.sample(self.near, self.args.near)
        chosen = list(dict.fromkeys(self.queries[i]["near"] for i in near_rows))
        while len(chosen) < self.args.batch:
            key = random.choice(self.keys)
            if key not in chosen:
                chosen.append(key)
        rows = [self.pick(self.by_matter[key]) for key in chosen if key in self.by_matter]
        columns = [random.choice(self.matters[self.queries[i]["matter"]]) for i in rows]
        for i in rows:  # hard negatives: wrong matters the stock model ranks high
            negatives = self.queries[i]["negatives"][:4]
            for _ in range(self.args.negatives if negatives else 0):
                columns.append(random.choice(self.matters[random.choice(negatives)]))
        return rows, near_rows, columns

    def pick(self, indices: list[int]) -> int:
        # helpers' questions three times as often as the catalogue's own pairs
        questions = [i for i in indices if self.queries[i]["kind"] == "question"]
        return random.choice(questions if questions and random.random() < 0.75 else indices)


def contrastive(q, p, rows, near_rows, columns, queries, passages, temperature):
    matter_of_row = [queries[i]["matter"] for i in rows] + [None] * len(near_rows)
    matter_of_column = [passages[i]["matter"] for i in columns]
    same = torch.tensor([[m is not None and m == c for c in matter_of_column] for m in matter_of_row])
    logits = q @ p.T / temperature
    answered = len(rows)
    to_passages = -(logits[:answered].masked_fill(~same[:answered], -1e9).logsumexp(1)
                    - logits[:answered].logsumexp(1)).mean()
    own = list(range(answered))  # the first `answered` columns are the questions' own passages
    by_column = logits[:, own].T  # each own passage against every question and near miss
    to_questions = -(by_column.masked_fill(~same[:, own].T, -1e9).logsumexp(1) - by_column.logsumexp(1)).mean()
    return to_passages + to_questions


def cache(encoder: Encoder, sequences: list[list[int]], frozen: int) -> list[torch.Tensor]:
    out: list[torch.Tensor] = [None] * len(sequences)  # type: ignore[list-item]
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            chunk = order[start:start + 64]
            ids, mask = batch_ids([sequences[i] for i in chunk], 1)
            hidden = encoder.run(encoder.embed(ids), mask, 0, frozen)
            for row, i in enumerate(chunk):
                out[i] = hidden[row, :len(sequences[i])].to(torch.float16)
    return out


def top(encoder: Encoder, hidden: list[torch.Tensor], frozen: int) -> torch.Tensor:
    length = max(h.shape[0] for h in hidden)
    x = torch.zeros(len(hidden), length, hidden[0].shape[1])
    mask = torch.zeros(len(hidden), length, dtype=torch.bool)
    for row, h in enumerate(hidden):
        x[row, :h.shape[0]] = h.float()
        mask[row, :h.shape[0]] = True
    return encoder.pool(encoder.run(x, mask, frozen, encoder.layers), mask)


def check(encoder, args, queries, dev, query_cache, passage_cache, passages, matters) -> str:
    """Top-1 and top-3 of the kept questions among all matters (best text per matter)."""
    keys = list(matters)
    number = {key: n for n, key in enumerate(keys)}
    owner = torch.tensor([number[p["matter"]] for p in passages])
    with torch.no_grad():
        p = torch.cat([top(encoder, passage_cache[i:i + 128], args.frozen) for i in range(0, len(passages), 128)])
        dev_rows = sorted(dev)
        q = torch.cat([top(encoder, [query_cache[i] for i in dev_rows[s:s + 128]], args.frozen)
                       for s in range(0, len(dev_rows), 128)])
    best = torch.full((len(dev_rows), len(keys)), -1.0).scatter_reduce(1, owner.expand(len(dev_rows), -1), q @ p.T,
                                                                      reduce="amax")
    ranked = best.argsort(1, descending=True)[:, :3]
    target = torch.tensor([number[queries[i]["matter"]] for i in dev_rows])
    top1 = (ranked[:, 0] == target).float().mean().item()
    top3 = (ranked == target[:, None]).any(1).float().mean().item()
    return f"top-1 {top1:.3f}, top-3 {top3:.3f} on {len(dev_rows)} questions"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
