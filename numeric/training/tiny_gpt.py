"""A small GPT-style character language model for the training experiments (issue 10).

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

``attention_init`` is the standard deviation of the query and key weights (every other weight keeps 0.02): at
0.02 the scores start near 0 and attention near uniform; larger values start it sharp (holistic.rg-temperature's
adversarial initialisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


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


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention; ``reverse`` scores k_i . q_j instead of q_i . k_j."""

    def __init__(self, config: GPTConfig, reverse: bool) -> None:
        super().__init__()
        self.heads = config.heads
        self.reverse = reverse
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.out = nn.Linear(config.width, config.width)
        self.register_buffer("mask", torch.ones(config.length, config.length).tril().bool(), persistent=False)
        self.recorded: torch.Tensor | None = None
        self.recorded_scores: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, record: bool) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = (
            part.reshape(batch, length, self.heads, -1).transpose(1, 2) for part in self.qkv(x).split(width, dim=-1)
        )
        forward_scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        scores = forward_scores.transpose(-1, -2) if self.reverse else forward_scores
        attention = scores.masked_fill(~self.mask[:length, :length], -math.inf).softmax(dim=-1)
        self.recorded = attention.detach() if record else None
        self.recorded_scores = forward_scores.detach() if record else None
        return self.out((attention @ v).transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    def __init__(self, config: GPTConfig, reverse: bool) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.width)
        self.attention = CausalSelfAttention(config, reverse)
        self.norm2 = nn.LayerNorm(config.width)
        self.mlp = nn.Sequential(
            nn.Linear(config.width, 4 * config.width), nn.GELU(), nn.Linear(4 * config.width, config.width)
        )

    def forward(self, x: torch.Tensor, record: bool) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), record)
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    """The language model; ``forward(ids, targets)`` returns the mean next-token cross-entropy."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocabulary, config.width)
        self.positions = nn.Embedding(config.length, config.width)
        self.blocks = nn.ModuleList(
            Block(config, reverse=config.reciprocal and layer % 2 == 1) for layer in range(config.layers)
        )
        self.norm = nn.LayerNorm(config.width)
        self.head = nn.Linear(config.width, config.vocabulary)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)
        if config.attention_init != 0.02:
            for block in self.blocks:
                nn.init.normal_(block.attention.qkv.weight[: 2 * config.width], std=config.attention_init)

    def forward(self, ids: torch.Tensor, targets: torch.Tensor, record_attention: bool = False) -> torch.Tensor:
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1], device=ids.device))
        for block in self.blocks:
            x = block(x, record_attention)
        logits = self.head(self.norm(x))
        return nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())

    def attention_patterns(self) -> torch.Tensor:
        """The attention probabilities recorded by the last forward pass: (layers, batch, heads, T, T)."""
        recorded = [block.attention.recorded for block in self.blocks]
        if any(r is None for r in recorded):
            raise RuntimeError("no attention was recorded: call the model with record_attention=True first")
        return torch.stack(recorded)

    def knlp_patterns(self) -> torch.Tensor:
        """What knlp records per layer from the last forward pass (module docstring): (layers, batch, heads, T, T),
        the column softmax of the unmasked forward scores in reciprocal layers, the attention itself otherwise."""
        self.attention_patterns()
        return torch.stack(
            [
                block.attention.recorded_scores.softmax(dim=-2) if block.attention.reverse else block.attention.recorded
                for block in self.blocks
            ]
        )


def build(config: GPTConfig, seed: int, dtype: torch.dtype, device: torch.device) -> TinyGPT:
    """The model with weights drawn from ``seed`` alone (the global RNG is left untouched)."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        model = TinyGPT(config)
    return model.to(device=device, dtype=dtype)
