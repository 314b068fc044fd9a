"""Rounding-error tolerances, derived once from the dtype's unit roundoff.

The model is the standard a-priori bound (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., Lemma 3.1 and §3.5): a value computed through a chain of at most ``k`` floating-point operations,
each exact up to a relative error ``u`` (the unit roundoff, half the machine epsilon), satisfies

    |fl(f) - f| <= gamma_k * M,     gamma_k = k u / (1 - k u),

where ``M`` is the *magnitude* of the computation: the same expression evaluated with every term replaced
by its absolute value (for probabilities and Kronecker deltas this is at most a small constant).  Products
of small numbers can underflow even when every input is normal; each operation may then add an absolute
error of at most the smallest normal number ``eta`` (Higham §2.1, gradual underflow), so the bound gains
``k * eta``.

A numeric check compares two independently computed values ``a`` and ``b`` of the same exact quantity.
It passes when ``|a - b| <= SAFETY * gamma_k * M`` entrywise.  ``SAFETY`` covers: two sides each within
the bound (x2), operation counts that are estimates of library kernels rather than exact counts (x2), and
fused or reordered reductions inside torch (x2).  It is fixed here and never tuned per check.

A numeric *failure* only certifies a refutation when the error clears the tolerance by
``REFUTATION_MARGIN``: a wrong formula misses by O(1) relative to M, about 1e13 tolerances in float64,
whereas a subtle rounding issue would miss by a small factor.
"""

from __future__ import annotations

import torch

SAFETY = 8.0
REFUTATION_MARGIN = 1e4


class ToleranceError(ValueError):
    """The requested computation is so badly conditioned for the dtype that no bound is meaningful."""


def unit_roundoff(dtype: torch.dtype) -> float:
    """u = eps / 2: the largest relative error of one correctly rounded operation."""
    return torch.finfo(dtype).eps / 2


def gamma(depth: torch.Tensor | float, dtype: torch.dtype) -> torch.Tensor:
    """Higham's gamma_k = k u / (1 - k u) for a (possibly batched) operation count k."""
    u = unit_roundoff(dtype)
    k = torch.as_tensor(depth, dtype=torch.float64)
    ku = k * u
    if bool((ku >= 0.5).any()):
        raise ToleranceError(
            f"rounding bound is meaningless: {float(k.max()):.3g} roundings at unit roundoff {u:.3g} "
            f"({dtype}); the input is too badly scaled for this dtype"
        )
    return ku / (1 - ku)


def rounding_tolerance(depth: torch.Tensor | float, magnitude: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The pass threshold SAFETY * (gamma_depth * magnitude + depth * eta), broadcast over ``magnitude``.

    ``depth`` may be per batch row (shape of the batch dimensions); it is broadcast against the trailing
    dimensions of ``magnitude`` by the caller's choice of shapes.
    """
    k = torch.as_tensor(depth, dtype=torch.float64)
    g = gamma(k, dtype).to(device=magnitude.device, dtype=magnitude.dtype)
    underflow = (k * torch.finfo(dtype).tiny).to(device=magnitude.device, dtype=magnitude.dtype)
    return SAFETY * (g * magnitude + underflow)


def softmax_depth(scaled_logits: torch.Tensor) -> torch.Tensor:
    """Effective rounding count of sigma = exp(s - m) / sum_j exp(s_j - m), s = z / tau, m = max s, per row.

    The sum has n terms (n roundings); exp, the shift and the division add a few (+8 covers them).  s = z
    / tau is rounded at magnitude |s|, an absolute error |s| u that exp turns into a relative error of
    sigma: up to max|s| extra roundings for s and again for m.  (With tau = 1 the division is exact and
    the term is pessimistic; it is kept so that one bound serves every temperature.)
    """
    n = scaled_logits.shape[-1]
    return n + 8 + 2 * scaled_logits.detach().abs().amax(dim=-1).to(torch.float64)


def violation(smaller: torch.Tensor, larger: torch.Tensor, tolerance: torch.Tensor, dims: int) -> torch.Tensor:
    """max (smaller - larger) / tolerance over the last ``dims`` dimensions, for a claimed ``smaller <=
    larger``: > 1 means the inequality fails by more than rounding (NaN counts as failing)."""
    return _worst((smaller - larger) / _floored(tolerance), dims)


def excess(actual: torch.Tensor, expected: torch.Tensor, tolerance: torch.Tensor, dims: int) -> torch.Tensor:
    """max |actual - expected| / tolerance over the last ``dims`` dimensions: > 1 means the check fails.

    A zero tolerance (both sides built from exact zeros) is raised to the smallest normal number, so an
    exact agreement scores 0 and any disagreement scores huge; NaN in either side scores NaN, which
    every caller treats as a failure.
    """
    if actual.shape != expected.shape:
        raise ValueError(f"compared shapes differ: {tuple(actual.shape)} vs {tuple(expected.shape)}")
    return _worst((actual - expected).abs() / _floored(tolerance), dims)


def _floored(tolerance: torch.Tensor) -> torch.Tensor:
    return tolerance.clamp_min(torch.finfo(tolerance.dtype).tiny)


def _worst(ratio: torch.Tensor, dims: int) -> torch.Tensor:
    return ratio.flatten(start_dim=ratio.dim() - dims).amax(dim=-1) if dims else ratio


def safe_norm(x: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """The Euclidean (Frobenius when ``dim`` is None) norm as s * ||x / s|| with s = max |x|.

    ``torch.linalg.vector_norm`` squares the entries, so a vector of entries 1e-200 gets norm 0: a tolerance
    or a residual built from such a norm would be silently wrong.  Scaling first avoids under- and overflow.
    """
    if dim is None:
        scale = x.abs().amax()
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        return safe * torch.linalg.vector_norm(x / safe)
    scale = x.abs().amax(dim=dim, keepdim=True)
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    return (safe * torch.linalg.vector_norm(x / safe, dim=dim, keepdim=True)).squeeze(dim)
