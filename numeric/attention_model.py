"""A small, explicit softmax attention layer (attn-natgrad §2.1, Thm 1: P(i -> j) = softmax(q_i^T k_j / sqrt(d));
fim-attn §2), the object the real-attention claims are checked on.

Tokens X (T x d), parameters W_Q and W_K (d x k; leading batch dimensions of X and of the weights
broadcast), queries Q = X W_Q, keys K = X W_K, scores S = Q K^T / sqrt(k) and attention A = row-softmax(S),
optionally under a mask.  Every function is differentiable in all of its tensor arguments, so ``torch.func``
gives exact gradients of log P(i -> j) with respect to W_Q, W_K or their product W = W_Q W_K^T.

Masks: ``mask[i, j] = True`` lets query i attend to key j; ``causal_mask(T)`` is the lower triangle.  A masked
probability is exactly 0 and its log is -inf.  A fully masked row has no distribution at all: it is an
InputError, never a row of NaN.
"""

from __future__ import annotations

import math

import torch

from fim_audit.numeric.softmax import pure_log_softmax
from fim_audit.numeric.validate import InputError, finite_result, float_tensor, same_placement


def causal_mask(tokens: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """Query i attends to keys j <= i: the (T, T) lower triangle, True where attention is allowed."""
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        raise InputError(f"tokens must be an integer >= 1, got {tokens!r}")
    return torch.ones(tokens, tokens, dtype=torch.bool, device=device).tril()


def _validated(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, mask: torch.Tensor | None) -> None:
    float_tensor(x, "X", min_dim=2)
    float_tensor(w_q, "W_Q", min_dim=2)
    float_tensor(w_k, "W_K", min_dim=2)
    same_placement(X=x, W_Q=w_q, W_K=w_k)
    if w_q.shape != w_k.shape:
        raise InputError(f"W_Q {tuple(w_q.shape)} and W_K {tuple(w_k.shape)} must have the same shape (..., d, k)")
    if x.shape[-1] != w_q.shape[-2]:
        raise InputError(f"X has width {x.shape[-1]} but W_Q and W_K expect d = {w_q.shape[-2]}")
    try:
        torch.broadcast_shapes(x.shape[:-2], w_q.shape[:-2])
    except RuntimeError:
        raise InputError(
            f"batch shapes of X {tuple(x.shape[:-2])} and of W_Q, W_K {tuple(w_q.shape[:-2])} do not broadcast"
        ) from None
    if mask is None:
        return
    tokens = x.shape[-2]
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.shape != (tokens, tokens):
        raise InputError(f"mask must be a bool tensor of shape ({tokens}, {tokens})")
    if mask.device != x.device:
        raise InputError(f"mask is on {mask.device} but X is on {x.device}")
    empty = (~mask.any(dim=-1)).nonzero()
    if empty.numel():
        raise InputError(f"query {int(empty[0])} attends to no key (a fully masked row has no softmax)")


def _scores(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor) -> torch.Tensor:
    """(X W_Q)(X W_K)^T / sqrt(k) for validated arguments, refusing an overflow."""
    return finite_result((x @ w_q) @ (x @ w_k).transpose(-1, -2) / math.sqrt(w_q.shape[-1]), "attention scores")


def attention_scores(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor) -> torch.Tensor:
    """S = (X W_Q)(X W_K)^T / sqrt(k): (..., T, T) for X of shape (..., T, d)."""
    _validated(x, w_q, w_k, None)
    return _scores(x, w_q, w_k)


def log_attention(
    x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """log A = log row-softmax(S) with masked entries -inf: (..., T, T)."""
    _validated(x, w_q, w_k, mask)
    scores = _scores(x, w_q, w_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, -torch.inf)
    return pure_log_softmax(scores)


def attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """A = row-softmax((X W_Q)(X W_K)^T / sqrt(k)) under ``mask`` (masked entries exactly 0): (..., T, T)."""
    return log_attention(x, w_q, w_k, mask).exp()
