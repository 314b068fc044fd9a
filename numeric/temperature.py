"""Objects of the temperature claims, implemented once: entropy, the zero-temperature limit of softmax (ties
handled explicitly), and the second moment of a one-hot attention sample (fim-attn Lemma 2, App. A)."""

from __future__ import annotations

import torch

from numeric.categorical import expectation
from numeric.validate import float_tensor, probability_vectors


def entropy(p: torch.Tensor) -> torch.Tensor:
    """H(p) = -sum_i p_i log p_i over the last dimension, with 0 log 0 = 0 (the limit)."""
    probability_vectors(p, "p")
    logs = torch.where(p > 0, torch.log(torch.where(p > 0, p, 1)), 0)
    return -(p * logs).sum(dim=-1)


def argmax_set(z: torch.Tensor) -> torch.Tensor:
    """Indicator of the maximisers of each row of z (exact ties are all maximisers), as z's dtype."""
    float_tensor(z, "logits")
    return (z == z.amax(dim=-1, keepdim=True)).to(z.dtype)


def zero_temperature_limit(z: torch.Tensor) -> torch.Tensor:
    """lim_(tau->0+) softmax(z / tau): uniform over the set of maximisers of z (one-hot when it is unique)."""
    indicator = argmax_set(z)
    return indicator / indicator.sum(dim=-1, keepdim=True)


def logit_gap(z: torch.Tensor) -> torch.Tensor:
    """max z minus the largest value below it (+inf when every entry is a maximiser), per row."""
    indicator = argmax_set(z)
    below = torch.where(indicator > 0, -torch.inf, z).amax(dim=-1)
    return z.amax(dim=-1) - below


def one_hot_second_moment(q: torch.Tensor) -> torch.Tensor:
    """E[A A^T] for a one-hot A with P(A = e_i) = q_i, from the definition sum_i q_i e_i e_i^T: (..., n, n)."""
    probability_vectors(q, "q")
    n = q.shape[-1]
    eye = torch.eye(n, dtype=q.dtype, device=q.device)
    outer = (eye[:, :, None] * eye[:, None, :]).expand(*q.shape, n, n)
    return expectation(q, outer)
