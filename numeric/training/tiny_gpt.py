"""A small GPT-style character language model for the training experiments (issue 10), as a stack of
independent models trained side by side (issue 28): every parameter carries a leading *model* axis, model m's
weights are drawn from its own seed, and each model sees its own batch.  No operation mixes models, so the
stack is the same computation as training each model alone, one batched kernel per layer instead of one per
model per layer.

Pre-LayerNorm decoder blocks (causal multi-head self-attention, then a 4x GELU MLP), learned token and
position embeddings, an untied output head; the attention scores are q_i . k_j / sqrt(d_head).

``reciprocal=True`` gives the Reciprocal Attention (RA) variant of the fim-metrics doc (seed
004_a860e49dea2b827a.txt, "Relationship to RA's Inductive Bias"): layers alternate between the forward
geometry softmax(Q K^T / tau) (even layers, as in standard attention) and the reverse geometry softmax(K Q^T /
tau) (odd layers), here with tau = sqrt(d_head).  In a reverse layer the score of query i on key j is
k_i . q_j, the transpose of the forward score matrix; the causal mask (j <= i) is applied after the transpose
and each row is normalised over its allowed keys, so every row is a probability vector over the past and
the layer stays causal (k_i and q_j, j <= i, depend on tokens up to i only).

Every forward pass can record each layer's attention probabilities (``record_attention``), and FA-Adam
(:mod:`numeric.training.fa_adam`) reads them from :meth:`TinyGPT.attention_patterns`.  The same pass also keeps
each layer's unmasked forward scores q_i . k_j / sqrt(d_head), from which :meth:`TinyGPT.knlp_patterns` rebuilds
what the fim-metrics doc's code (github mcgrof/knlp, ra.py at dfda9519) records for a layer: the row softmax of
the masked scores in a standard layer, the column softmax ``softmax(scores, dim=-2)`` of the unmasked scores in a
reciprocal one (columns that sum to 1, rows that do not).

Initialisation: every weight matrix and embedding is N(0, 0.02^2), biases 0, LayerNorm gains 1 and shifts 0.
``attention_init`` is the standard deviation of the query and key weights instead: at 0.02 the scores start near
0 and attention near uniform; larger values start it sharp (holistic.rg-temperature's adversarial
initialisation).  A model's weights are the standard normal draws of a generator seeded by its seed, in a fixed
order, times their standard deviation, so two configurations that differ only in ``attention_init`` start from
the same draws (the sharp model's queries and keys are the standard model's, scaled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional


@dataclass(frozen=True)
class GPTConfig:
    """Sizes of the model: vocabulary, context length, width, depth, heads, and the attention variant."""

    vocabulary: int
    length: int = 32
    width: int = 32
    layers: int = 2
    heads: int = 2
    reciprocal: bool = False
    attention_init: float = 0.02

    def __post_init__(self) -> None:
        if self.width % self.heads:
            raise ValueError(f"width {self.width} is not a multiple of heads {self.heads}")


WEIGHT_STD = 0.02
"""Standard deviation of every weight matrix and embedding except the query and key weights."""


def _per_model(parameter: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """``parameter`` (models, width) shaped to broadcast against ``inputs`` (models, ..., width)."""
    return parameter.reshape(parameter.shape[0], *(1,) * (inputs.dim() - 2), parameter.shape[-1])


class StackedLinear(nn.Module):
    """y = x W_m^T + b_m for every model m: weight (models, out, in), bias (models, out), x (models, ..., in)."""

    def __init__(self, models: int, inputs: int, outputs: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(models, outputs, inputs))
        self.bias = nn.Parameter(torch.zeros(models, outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        return torch.baddbmm(self.bias[:, None], flat, self.weight.transpose(1, 2)).reshape(*x.shape[:-1], -1)


class StackedLayerNorm(nn.Module):
    """LayerNorm over the last axis with a gain and shift per model: weight and bias (models, width)."""

    def __init__(self, models: int, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(models, width))
        self.bias = nn.Parameter(torch.zeros(models, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normalised = functional.layer_norm(x, x.shape[-1:])
        return normalised * _per_model(self.weight, x) + _per_model(self.bias, x)


class StackedEmbedding(nn.Module):
    """A lookup table per model: weight (models, count, width); ids (models, ...) give (models, ..., width)."""

    def __init__(self, models: int, count: int, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(models, count, width))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        models, count, width = self.weight.shape
        offsets = torch.arange(models, device=ids.device).reshape(models, *(1,) * (ids.dim() - 1)) * count
        return functional.embedding(ids + offsets, self.weight.reshape(models * count, width))


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention; ``reverse`` scores k_i . q_j instead of q_i . k_j."""

    def __init__(self, config: GPTConfig, models: int, reverse: bool) -> None:
        super().__init__()
        self.heads = config.heads
        self.reverse = reverse
        self.qkv = StackedLinear(models, config.width, 3 * config.width)
        self.out = StackedLinear(models, config.width, config.width)
        self.register_buffer("mask", torch.ones(config.length, config.length).tril().bool(), persistent=False)
        self.recorded: torch.Tensor | None = None
        self.recorded_scores: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, record: bool) -> torch.Tensor:
        models, batch, length, width = x.shape
        q, k, v = (
            part.reshape(models, batch, length, self.heads, -1).transpose(2, 3)
            for part in self.qkv(x).split(width, dim=-1)
        )
        forward_scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        scores = forward_scores.transpose(-1, -2) if self.reverse else forward_scores
        attention = scores.masked_fill(~self.mask[:length, :length], -math.inf).softmax(dim=-1)
        self.recorded = attention.detach() if record else None
        self.recorded_scores = forward_scores.detach() if record else None
        return self.out((attention @ v).transpose(2, 3).reshape(models, batch, length, width))


class Block(nn.Module):
    def __init__(self, config: GPTConfig, models: int, reverse: bool) -> None:
        super().__init__()
        self.norm1 = StackedLayerNorm(models, config.width)
        self.attention = CausalSelfAttention(config, models, reverse)
        self.norm2 = StackedLayerNorm(models, config.width)
        self.mlp = nn.Sequential(
            StackedLinear(models, config.width, 4 * config.width),
            nn.GELU(),
            StackedLinear(models, 4 * config.width, config.width),
        )

    def forward(self, x: torch.Tensor, record: bool) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), record)
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    """A stack of ``models`` language models; ``forward(ids, targets)`` returns each model's mean next-token
    cross-entropy, shape (models,).  ``ids`` and ``targets`` are (models, batch, T), or (batch, T) shared by
    every model."""

    def __init__(self, config: GPTConfig, models: int) -> None:
        super().__init__()
        self.config = config
        self.models = models
        self.tokens = StackedEmbedding(models, config.vocabulary, config.width)
        self.positions = StackedEmbedding(models, config.length, config.width)
        self.blocks = nn.ModuleList(
            Block(config, models, reverse=config.reciprocal and layer % 2 == 1) for layer in range(config.layers)
        )
        self.norm = StackedLayerNorm(models, config.width)
        self.head = StackedLinear(models, config.width, config.vocabulary)

    def forward(self, ids: torch.Tensor, targets: torch.Tensor, record_attention: bool = False) -> torch.Tensor:
        ids, targets = (t.expand(self.models, *t.shape[-2:]) for t in (ids, targets))
        positions = self.positions(torch.arange(ids.shape[-1], device=ids.device).expand(self.models, -1))
        x = self.tokens(ids) + positions[:, None]
        for block in self.blocks:
            x = block(x, record_attention)
        logits = self.head(self.norm(x))
        losses = functional.cross_entropy(logits.flatten(0, 2), targets.flatten(), reduction="none")
        return losses.reshape(self.models, -1).mean(dim=1)

    def attention_patterns(self) -> torch.Tensor:
        """The attention probabilities recorded by the last forward pass: (layers, models, batch, heads, T, T)."""
        recorded = [block.attention.recorded for block in self.blocks]
        if any(r is None for r in recorded):
            raise RuntimeError("no attention was recorded: call the model with record_attention=True first")
        return torch.stack(recorded)

    def knlp_patterns(self) -> torch.Tensor:
        """What knlp records per layer from the last forward pass (module docstring), shaped as
        :meth:`attention_patterns`: the column softmax of the unmasked forward scores in reciprocal layers, the
        attention itself otherwise."""
        self.attention_patterns()
        return torch.stack(
            [
                block.attention.recorded_scores.softmax(dim=-2) if block.attention.reverse else block.attention.recorded
                for block in self.blocks
            ]
        )


def _initialise(model: TinyGPT, seeds: Sequence[int]) -> None:
    """The module docstring's initialisation: for each model, standard normal draws of its seed's generator, weight
    by weight in module order, times each weight's standard deviation."""
    weights = [m.weight for m in model.modules() if isinstance(m, (StackedLinear, StackedEmbedding))]
    width = model.config.width
    with torch.no_grad():
        for index, seed in enumerate(seeds):
            generator = torch.Generator().manual_seed(seed)
            for weight in weights:
                weight[index] = torch.randn(weight.shape[1:], generator=generator) * WEIGHT_STD
            for block in model.blocks:
                block.attention.qkv.weight[index, : 2 * width] *= model.config.attention_init / WEIGHT_STD


def build(config: GPTConfig, seeds: Sequence[int], dtype: torch.dtype, device: torch.device) -> TinyGPT:
    """The stack of one model per seed, model m's weights drawn from ``seeds[m]`` alone (the global RNG is left
    untouched)."""
    if not seeds:
        raise ValueError("a stack needs at least one seed")
    model = TinyGPT(config, len(seeds))
    _initialise(model, seeds)
    return model.to(device=device, dtype=dtype)
