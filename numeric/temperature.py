"""Objects of the temperature claims, implemented once: entropy, the zero-temperature limit of softmax (ties
handled explicitly), and the second moment of a one-hot attention sample (fim-attn Lemma 2, App. A)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from fim_audit.numeric.categorical import expectation
from fim_audit.numeric.softmax import log_softmax, softmax
from fim_audit.numeric.validate import (
    SUPPORTED_DEVICES,
    SUPPORTED_DTYPES,
    InputError,
    float_tensor,
    probability_vectors,
)


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


def rem_typical_scores(n: int, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu") -> torch.Tensor:
    """Random-energy-model scores sqrt(2 log n) g_k (holistic, "phase transition") at the n standard normal
    quantiles g_k = Phi^-1((k - 1/2) / n): a typical sample without sampling noise, so results built on it do
    not depend on a seed (the REM's entropy density is self-averaging; its limit is the same)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InputError(f"the random energy model needs an integer n >= 2 of scores, got {n!r}")
    if dtype not in SUPPORTED_DTYPES:
        raise InputError(f"dtype must be one of {SUPPORTED_DTYPES}, got {dtype}")
    if torch.device(device).type not in SUPPORTED_DEVICES:
        raise InputError(f"device must be one of {SUPPORTED_DEVICES}, got {device}")
    k = torch.arange(1, n + 1, dtype=dtype, device=device)
    quantiles = math.sqrt(2) * torch.special.erfinv(2 * (k - 0.5) / n - 1)
    return math.sqrt(2 * math.log(n)) * quantiles


def entropy_density(scores: torch.Tensor, temperatures: Sequence[float]) -> torch.Tensor:
    """H(softmax(scores / T)) / log n for every temperature T (log domain, so exact zeros of p cost nothing):
    shape (..., len(temperatures)) for scores of shape (..., n), n >= 2."""
    float_tensor(scores, "scores")
    if scores.shape[-1] < 2:
        raise InputError(f"the entropy density needs n >= 2 scores per row, got shape {tuple(scores.shape)}")
    if len(temperatures) == 0:
        raise InputError("temperatures is empty")
    densities = []
    for temperature in temperatures:
        log_p = log_softmax(scores, temperature)
        densities.append(-(log_p.exp() * log_p).sum(dim=-1))
    return torch.stack(densities, dim=-1) / math.log(scores.shape[-1])


def lemma2_gap(z: torch.Tensor, tau: float, reading: str) -> torch.Tensor:
    """fim-attn Lemma 2's E[A A^T] - (diag(a) - a a^T), batched, for one reading of a and A: "base-attention"
    (a = sigma(z), A a one-hot sample at temperature tau), "same-temperature" (a = sigma(z/tau)), or
    "attention-vector" (A = a = sigma(z/tau); see symbolic.temperature.lemma2_gap)."""
    q = softmax(z, tau)
    a = softmax(z) if reading == "base-attention" else q
    second_moment = q[..., :, None] * q[..., None, :] if reading == "attention-vector" else one_hot_second_moment(q)
    return second_moment - (torch.diag_embed(a) - a[..., :, None] * a[..., None, :])


def prop1_gap(a: torch.Tensor, reading: str) -> torch.Tensor:
    """fim-attn Prop. 1's ||(diag(a) - a a^T) - E[A A^T]||_2, batched, for A a one-hot sample from a
    ("sample-from-a") or A = a itself ("attention-vector")."""
    outer = a[..., :, None] * a[..., None, :]
    second = outer if reading == "attention-vector" else one_hot_second_moment(a)
    return torch.linalg.matrix_norm(torch.diag_embed(a) - outer - second, ord=2)
