"""Gradients, Fishers and preconditioned directions of the explicit attention layer (numeric.attention_model),
the closed forms the attn-natgrad claims are compared with.

Notation (attn-natgrad §2.1): tokens X (T x d), bilinear form W = W_Q W_K^T (d x d), scale c = 1/sqrt(k),
scores s_il = c x_i^T W x_l, attention rows a_i = softmax(s_i).  Query i's attention is the categorical model
j ~ a_i; its Fisher in score space is M_i = diag(a_i) - a_i a_i^T (fim-attn Thm 1, proof step 4).

Every difference that would cancel is written as a sum of same-signed-weight terms instead: x_j - X^T a_i is
sum_l a_il (x_j - x_l), and (M_i h)_j = a_ij sum_l a_il (h_j - h_l).  At a sharp row (a_il ~ 1e-20) the direct
forms lose every digit; these keep a relative error of a few ulps.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.fisher_metrics import softmax_fisher


def centred_keys(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """u_ij = x_j - sum_l a_il x_l = sum_l a_il (x_j - x_l): (..., T, T, d) for X (..., T, d), A (..., T, T)."""
    differences = x[..., None, :, :] - x[..., :, None, :]  # [l, j] = x_j - x_l
    return torch.einsum("...il,...ljd->...ijd", a, differences)


def pair_gradients(x: torch.Tensor, a: torch.Tensor, scale: float) -> torch.Tensor:
    """grad_W log P(i -> j) = c x_i u_ij^T, one rank-one d x d matrix per pair: (..., T, T, d, d)."""
    return scale * x[..., :, None, :, None] * centred_keys(x, a)[..., None, :]


def self_attention_gradient(x: torch.Tensor, a: torch.Tensor, scale: float) -> torch.Tensor:
    """c X^T (I - A) X = sum_i grad_W log A_ii (the correction of attn-natgrad Thm 1): (..., d, d)."""
    return pair_gradients(x, a, scale).diagonal(dim1=-4, dim2=-3).movedim(-1, -3).sum(dim=-3)


def parameter_fisher(x: torch.Tensor, a: torch.Tensor, scale: float) -> torch.Tensor:
    """The Fisher in vec(W) (row-major) of the rows' categorical models j ~ a_i, summed over queries i:
    c^2 sum_i (x_i x_i^T) kron (X^T M_i X) (fim-attn Thm 1 with dz/dvec(W) = c x_i kron X): (..., d^2, d^2)."""
    return _query_kron_sum(x, torch.einsum("...ld,...ilm,...me->...ide", x, softmax_fisher(a), x), scale)


def parameter_fisher_substituted(x: torch.Tensor, a: torch.Tensor, scale: float) -> torch.Tensor:
    """The same with M_i replaced by a_i a_i^T ("FIM ~ E[A A^T]", attn-natgrad Thm 1): (..., d^2, d^2)."""
    keys = torch.einsum("...il,...ld->...id", a, x)  # X^T a_i
    return _query_kron_sum(x, keys[..., :, :, None] * keys[..., :, None, :], scale)


def _query_kron_sum(x: torch.Tensor, metric: torch.Tensor, scale: float) -> torch.Tensor:
    """c^2 sum_i (x_i x_i^T) kron metric_i for per-query d x d metrics (..., T, d, d): (..., d^2, d^2)."""
    outer = x[..., :, :, None] * x[..., :, None, :]
    blocks = torch.einsum("...iab,...icd->...acbd", outer, metric)
    d = x.shape[-1]
    return scale**2 * blocks.reshape(*blocks.shape[:-4], d * d, d * d)


def score_fisher_product(a: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """g = M h = (diag(a) - a a^T) h as g_j = a_j sum_l a_l (h_j - h_l), without cancellation: (..., T)."""
    return a * torch.einsum("...l,...jl->...j", a, h[..., :, None] - h[..., None, :])


def score_natural_gradient(h: torch.Tensor) -> torch.Tensor:
    """M^+ g for g = M h and a row with every a_j > 0: M's range is the complement of the constant vector, so
    M^+ M is the centring projector and M^+ g = h - mean(h) (attn-natgrad Thm 3, score-space reading)."""
    return h - h.mean(dim=-1, keepdim=True)


def cosine(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """<u, v> / (|u| |v|) over the last dimension."""
    return (u * v).sum(dim=-1) / (torch.linalg.vector_norm(u, dim=-1) * torch.linalg.vector_norm(v, dim=-1))
