"""Exact eigenvalues of the softmax Fisher F = (diag(q) - q q^T) / tau^2 from its secular equation, in
O(n^2) for the whole spectrum and O(k n) at most for the top k (O(n) plus O(k) per pass on peaked rows,
whose far poles enter through power moments), batched, on any device (fim-metrics doc,
seed 004_a860e49dea2b827a.txt, "FIM Metrics We Track"; claims fim-metrics.kernel and fim-metrics.interlacing).

What is computed.  For a row p of any floating dtype (float64, float32, float16, bfloat16) the spectrum is
that of q = p / sum(p) in exact arithmetic, p being the values the dtype holds: the row is upcast to
float64 (exactly) and the results are float64, whatever the input dtype.  A float32 attention-sink row
softmax(20, 0, ..., 0), n = 128, has eigmax 2.64e-7 by this definition, and that is what is returned: there
is no rounding floor.  Accuracy, per eigenvalue: every returned eigenvalue lambda-hat of every row
satisfies |lambda-hat - lambda| <= ACCURACY(n) * lambda, the tiny ones included (exact zeros are returned
as exact zeros), against 50-digit eigenvalues of the same definition (tests/test_fisher_spectrum.py, for
float64, float32, float16 and bfloat16 rows: sink rows, near-one-hot rows, ties, masked rows, Hypothesis
rows).  Float64 entries below the smallest normal number (2.2e-308) are set to 0 first, by the
project's no-subnormals rule (a subnormal eigenvalue could not hold its relative accuracy in float64).  That
moves each eigenvalue by at most 6 delta / (s tau^2), delta the sum of the entries set to 0 (below n 2.2e-308)
and s the row's sum: ||q - q'||_1 <= 2 delta / s for the normalised rows q, q', so diag(q) moves by at most that
and q q^T by at most twice that in the 2-norm, and Weyl's inequality bounds each eigenvalue's move by the sum.

F is a diagonal minus a rank-one term.  For any positive row d with s = sum(d), diag(d) - d d^T / s has
det(diag(d) - d d^T / s - lambda I) = prod_i (d_i - lambda) (-lambda / s) g(lambda) with

    g(lambda) = sum_i d_i / (d_i - lambda),

so its spectrum is that of s F(d / s): the solver never needs sum(d) = 1, and divides by s at the end.
0 is an eigenvalue (the vector of ones) and the others are the roots of g, one in each interval between
consecutive distinct poles (g increases from -oo to +oo there).  With d sorted ascending, pole index j
contributes (the rules stated in numeric/secular_compiled.py):

* 0 when j = 0 or d_(j-1) = 0 (a masked entry: g has no root below the smallest positive pole);
* the midpoint of (d_(j-1), d_j) when the interval is at most RELATIVE_TIE * d_j wide (exactly d_j for
  ties, repeated values of p);
* otherwise the root of g in (d_(j-1), d_j), by the safeguarded rational iteration of LAPACK's dlaed4
  (Bunch, Nielsen and Sorensen 1978), in coordinates scaled by a power of two and shifted to the nearer
  pole, so that every distance d_i - lambda keeps full relative accuracy.

There is no deflation of small entries (dlaed2's): it moves a tiny eigenvalue by O(u p_(2)), all of its
relative accuracy.

Why relative accuracy holds.  f = -g is evaluated with an error at most gamma_(n+3) sum_i |t_i|, t_i = d_i
/ (d_i - lambda) (each term three roundings, then a sum).  At the root the negative terms (poles below)
sum to minus the positive ones, so sum |t_i| = 2 sum_below |t_i|, and lambda g'(lambda) >= sum_below
lambda d_i / (lambda - d_i)^2 >= sum_below |t_i|: the evaluation error moves the root by at most 2
gamma_(n+3) lambda.  The stopping rule (|f| at most 8 eps (sum |t_i| + |mu| g')) adds at most 24 eps
lambda, the final division by s (summed with error gamma_n) and by tau^2 gamma_(n+3) more.  ACCURACY(n) =
SAFETY * gamma_(n+8), the project's tolerance of numeric/tolerance.py, covers these with room.

The contributions ascend with the index, so the top k eigenvalues come from the top k indices alone: the
CPU kernel selects the k + 1 largest entries and expands the poles far below them in power moments
(numeric/secular_compiled.py); other devices run the batched torch kernel (numeric/secular_torch.py).
"""

from __future__ import annotations

import numpy as np
import torch

from fim_audit.numeric import secular_torch
from fim_audit.numeric.fisher_metrics import DECAY_INDEX, ENERGY_CUTS, metrics_from_top
from fim_audit.numeric.tolerance import SAFETY, gamma
from fim_audit.numeric.validate import (
    HALF_DTYPES,
    ROW_DTYPES,
    InputError,
    inverse_square,
    probability_vectors,
)


def accuracy(n: int) -> float:
    """The relative accuracy promised for every eigenvalue of a row of length n: SAFETY * gamma_(n+8) in
    float64 (see the module docstring for the derivation)."""
    return SAFETY * float(gamma(n + 8, torch.float64))


def _rows(p: torch.Tensor, tau: float) -> tuple[torch.Tensor, float]:
    """The validated rows of p flattened to (rows, n), and the scale 1 / tau^2.  On the CPU the rows stay in
    their dtype (float16 and bfloat16 become float32, exactly) and the compiled kernel reads them as float64;
    elsewhere they are upcast to float64 here, subnormal entries set to 0."""
    probability_vectors(p, "p", ROW_DTYPES)
    scale = inverse_square(tau)
    d = p.detach().reshape(-1, p.shape[-1])  # rows taken from a graph: their values (eigenvalues carry no grad)
    if _compiled_serves(d):
        return (d.float() if d.dtype in HALF_DTYPES else d).contiguous(), scale
    d = d.to(torch.float64)
    return torch.where(d >= torch.finfo(torch.float64).tiny, d, torch.zeros_like(d)), scale


def _compiled_serves(d: torch.Tensor) -> bool:
    """Whether the compiled CPU kernel serves these rows (the torch kernel serves every other device; the
    tests switch this off to run the torch path on the CPU)."""
    return d.device.type == "cpu"


def _compiled():
    """The numba kernel, imported when first needed (its first call compiles or loads the cache)."""
    from fim_audit.numeric import secular_compiled

    return secular_compiled


def _top_unnormalised(d: torch.Tensor, k: int) -> torch.Tensor:
    """The k largest eigenvalues of diag(d) - d d^T / sum(d), descending, (rows, k)."""
    n = d.shape[-1]
    if _compiled_serves(d):
        counts = np.zeros(d.shape[0], dtype=np.int64)
        return torch.from_numpy(_compiled().top_eigenvalues(d.numpy(), k, counts))
    ascending = torch.sort(d, dim=-1).values
    uppers = torch.arange(n - k, n, device=d.device).expand(d.shape[0], k)
    return secular_torch.eigenvalues_at(ascending, uppers).flip(-1)


def _all_unnormalised(d: torch.Tensor) -> torch.Tensor:
    """Every eigenvalue of diag(d) - d d^T / sum(d), ascending, (rows, n)."""
    if _compiled_serves(d):
        counts = np.zeros(d.shape[0], dtype=np.int64)
        return torch.from_numpy(_compiled().all_eigenvalues(d.numpy(), counts))
    ascending = torch.sort(d, dim=-1).values
    uppers = torch.arange(d.shape[-1], device=d.device).expand(d.shape[0], -1)
    return secular_torch.eigenvalues_at(ascending, uppers)


def _sums_and_traces(d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: s = sum(d) and s^2 tr F(d / s) = sum_i d_i (s - d_i), with s - d_max taken as the sum of
    the other entries (1 - q_max cancels on a near-one-hot row; every other s - d_i is at least s / 2)."""
    if _compiled_serves(d):
        sums, traces = _compiled().sums_and_traces(d.numpy())
        return torch.from_numpy(sums), torch.from_numpy(traces)
    sums = d.sum(dim=-1)
    top = d.argmax(dim=-1, keepdim=True)
    rest = d.scatter(1, top, 0.0)
    largest = torch.gather(d, 1, top).squeeze(1)
    return sums, (rest * (sums[:, None] - rest)).sum(dim=-1) + largest * rest.sum(dim=-1)


def _normalised(values: torch.Tensor, sums: torch.Tensor, scale: float) -> torch.Tensor:
    """Eigenvalues of diag(d) - d d^T / s divided by s and multiplied by 1 / tau^2: those of F(d / s)."""
    return values / sums[:, None] * scale


def softmax_fisher_eigvalsh(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """All eigenvalues of F = (diag(q) - q q^T) / tau^2, q = p / sum(p), ascending, float64, for rows p
    (..., n): shape (..., n).  O(n^2) per row."""
    d, scale = _rows(p, tau)
    return _normalised(_all_unnormalised(d), _sums_and_traces(d)[0], scale).to(p.device).reshape(p.shape)


def softmax_fisher_topk(p: torch.Tensor, k: int, tau: float = 1.0) -> torch.Tensor:
    """The k largest eigenvalues of F, descending, float64, (..., k) with 1 <= k <= n."""
    d, scale = _rows(p, tau)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= d.shape[-1]:
        raise InputError(f"k must be an integer in 1..{d.shape[-1]} (the row length), got {k!r}")
    values = _normalised(_top_unnormalised(d, k), _sums_and_traces(d)[0], scale)
    return values.to(p.device).reshape(*p.shape[:-1], k)


def fisher_top_and_metrics(p: torch.Tensor, tau: float = 1.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The top min(16, n) eigenvalues of F, descending, float64, (..., min(16, n)), and the metrics
    :func:`fisher_metrics` computes from them, for callers that need both (the energy curves of
    ``fim-audit spectrum``) without solving twice."""
    d, scale = _rows(p, tau)
    n = d.shape[-1]
    sums, traces = _sums_and_traces(d)
    top = _normalised(_top_unnormalised(d, min(max(*ENERGY_CUTS.values(), DECAY_INDEX), n)), sums, scale)
    metrics = metrics_from_top(top, traces / sums / sums * scale, n)
    return top.to(p.device).reshape(*p.shape[:-1], top.shape[-1]), {
        name: value.to(p.device).reshape(p.shape[:-1]) for name, value in metrics.items()
    }


def fisher_metrics(p: torch.Tensor, tau: float = 1.0) -> dict[str, torch.Tensor]:
    """eigmax, trace, energy_r8, energy_r16 and decay of every row of p, each of shape p.shape[:-1], float64,
    with the definitions and edge cases of :mod:`numeric.fisher_metrics` (``metrics_from_top``, shared with
    the dense reference): the top 16 eigenvalues from the secular equation and the trace in closed form,
    sum_i q_i (1 - q_i) / tau^2 (claim fim-metrics.trace), without the cancellation of 1 - ||q||^2.  Both
    are exact to relative ACCURACY(n) (the trace to gamma_(2n)), so no floor is applied to either."""
    return fisher_top_and_metrics(p, tau)[1]
