"""Pooled (row-averaged) Fisher spectrum metrics, the quantity the fim-metrics doc's own code logs (seed
004_a860e49dea2b827a.txt, "FIM Metrics We Track"; the code is knlp's top-level ``ra.py``,
``compute_fisher_spectrum`` and ``compute_fisher_metrics``, github mcgrof/knlp at commit dfda9519).

For the rows q_1..q_N of one head (every query of every sequence) the pooled Fisher is

    F_bar = (1 / N) sum_r (diag(q_r) - q_r q_r^T) = diag(mean_r q_r) - Q^T Q / N,

a diagonal minus a rank-N term, not diagonal-plus-rank-one: the per-row secular solver
(numeric/fisher_spectrum.py) does not apply, and the spectrum comes from dense float64 ``eigvalsh`` of the
n x n matrix, O(n^3) once per head (n = 128: about 1 ms).  Pooled and per-row metrics are different
quantities: eigmax(F_bar) <= mean_r eigmax(F_r) (eigmax is convex), often several times smaller.

Two ways to compute it:

* :func:`pooled_fisher_metrics`, exact: every row, each normalised exactly (q = p / sum p, as the per-row
  solver defines it), in float64.  Dense eigh is backward stable, so each eigenvalue is within
  gamma_(n+8) ||F_bar|| of the truth, and ||F_bar|| <= max(mean q) (F_bar <= diag(mean q) in the Loewner
  order): eigenvalues at or below numeric.fisher_metrics.zero_floor of mean q are set to 0, in the
  eigenvalues and the trace alike, and the metrics follow numeric.fisher_metrics.metrics_from_top.
* :func:`knlp_fisher_metrics`, knlp's computation reproduced quirk for quirk, for side-by-side comparison
  with knlp's logs: ``n_samples`` (64) rows drawn by ``randperm`` from the B*T rows of each head, the rows
  taken as given (not normalised: knlp's reciprocal layers pass column softmaxes), the matrix and
  ``eigvalsh`` in the input dtype, trace = the sum of the eigenvalues (rounding included), energies set to 1
  when trace <= 1e-8, decay = lambda_1 / (|lambda_5| + 1e-8), and per-layer means over heads.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.fisher_metrics import DECAY_INDEX, ENERGY_CUTS, metrics_from_top, zero_floor
from fim_audit.numeric.validate import (
    HALF_DTYPES,
    ROW_DTYPES,
    InputError,
    float_tensor,
    inverse_square,
    nonnegative,
    probability_vectors,
)

KNLP_SAMPLES = 64
"""knlp's n_samples: query rows drawn per head."""
KNLP_TRACE_FLOOR = 1e-8
"""knlp sets both energies to 1 when the trace is at most this."""
KNLP_DECAY_OFFSET = 1e-8
"""knlp's decay is lambda_1 / (|lambda_5| + this)."""


def _pooled(p: torch.Tensor, tau: float) -> tuple[torch.Tensor, torch.Tensor]:
    """F_bar / tau^2 (..., n, n) and diag(mean q) / tau^2's diagonal (..., n) for rows p (..., N, n), each
    row normalised exactly and upcast to float64."""
    if not isinstance(p, torch.Tensor) or p.dim() < 2:
        raise InputError("p must be a tensor of rows (..., N, n) to pool over N")
    probability_vectors(p, "p", ROW_DTYPES)
    scale = inverse_square(tau)
    q = p.detach().to(torch.float64)
    q = q / q.sum(dim=-1, keepdim=True)
    mean = q.mean(dim=-2) * scale
    return torch.diag_embed(mean) - q.transpose(-1, -2) @ q / q.shape[-2] * scale, mean


def pooled_fisher(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """F_bar / tau^2 of the rows p (..., N, n) pooled over the second-to-last dimension, each row
    normalised exactly and upcast to float64: (..., n, n)."""
    return _pooled(p, tau)[0]


def pooled_fisher_metrics(p: torch.Tensor, tau: float = 1.0) -> dict[str, torch.Tensor]:
    """eigmax, trace, energy_r8, energy_r16 and decay of the pooled Fisher of every group of rows p (..., N,
    n), each of shape p.shape[:-2], float64, exact up to the floor the module docstring states."""
    fisher, mean = _pooled(p, tau)
    eigenvalues = torch.linalg.eigvalsh(fisher).flip(-1)
    # ||F_bar|| <= max(mean q) / tau^2 (F_bar <= diag(mean q) / tau^2): zero_floor's magnitude
    floored = torch.where(eigenvalues > zero_floor(mean, 1.0), eigenvalues, torch.zeros_like(eigenvalues))
    return metrics_from_top(floored, floored.sum(dim=-1), floored.shape[-1])


def knlp_sample(rows: torch.Tensor, n_samples: int, generator: torch.Generator | None) -> torch.Tensor:
    """knlp's row sample of one head's rows (B*T, T): ``n_samples`` of them by ``randperm`` when there are
    more, else all of them."""
    if rows.shape[0] <= n_samples:
        return rows
    return rows[torch.randperm(rows.shape[0], generator=generator, device=rows.device)[:n_samples]]


def knlp_metrics(sampled: torch.Tensor) -> dict[str, torch.Tensor]:
    """knlp's per-head metrics of sampled rows (..., N, T), one head per leading index, each of shape
    sampled.shape[:-2]: diag(mean) - P^T P / N and its eigvalsh in the input dtype (one batched call; LAPACK
    solves each matrix alone), trace = the sum of the eigenvalues, energies 1 when trace <= 1e-8 or T < k,
    decay = lambda_1 / (|lambda_5| + 1e-8), or 1 when T < 5."""
    count, size = sampled.shape[-2], sampled.shape[-1]
    fisher = torch.diag_embed(sampled.mean(dim=-2)) - sampled.transpose(-1, -2) @ sampled / count
    eigenvalues = _knlp_eigenvalues(fisher.detach()).cpu()
    trace = eigenvalues.sum(dim=-1)
    ones = torch.ones_like(trace)
    metrics = {"eigmax": eigenvalues[..., -1], "trace": trace}
    for name, k in ENERGY_CUTS.items():
        energy = eigenvalues[..., -k:].sum(dim=-1) / trace if size >= k else ones
        metrics[name] = torch.where(trace > KNLP_TRACE_FLOOR, energy, ones)
    fifth = eigenvalues[..., -DECAY_INDEX].abs() + KNLP_DECAY_OFFSET if size >= DECAY_INDEX else None
    metrics["decay"] = eigenvalues[..., -1] / fifth if fifth is not None else ones
    return metrics


def _knlp_eigenvalues(fisher: torch.Tensor) -> torch.Tensor:
    """eigvalsh of each matrix in its own dtype, as knlp computes them.  A matrix on which LAPACK does not converge
    gets the eigenvalues of its float64 copy, rounded to its dtype, which is what the call approximates: MKL's
    reproducible branch, on which training runs (:mod:`numeric.training.kernels`), fails on float32 Fisher blocks
    of near one-hot rows (entries down to 1e-44, subnormal in float32), where the processor's own branch converges
    (a FA-Adam run of the default campaign)."""
    try:
        return torch.linalg.eigvalsh(fisher)
    except torch.linalg.LinAlgError:
        flat = fisher.reshape(-1, *fisher.shape[-2:])
        return torch.stack([_eigenvalues_of_one(matrix) for matrix in flat]).reshape(fisher.shape[:-1])


def _eigenvalues_of_one(matrix: torch.Tensor) -> torch.Tensor:
    try:
        return torch.linalg.eigvalsh(matrix)
    except torch.linalg.LinAlgError:
        return torch.linalg.eigvalsh(matrix.double()).to(matrix.dtype)


def knlp_fisher_metrics(
    attention: torch.Tensor, n_samples: int = KNLP_SAMPLES, generator: torch.Generator | None = None
) -> dict[str, list[float] | float]:
    """knlp's metrics of one layer's attention (B, H, T, T): per head (lists of H values, keys as the module
    docstring) and their means over heads (``<name>_mean``).  ``generator`` draws the sampled rows (knlp
    uses torch's global generator: pass None to do the same)."""
    float_tensor(attention, "attention", min_dim=4, dtypes=ROW_DTYPES)
    nonnegative(attention, "attention", ROW_DTYPES)
    if attention.dim() != 4 or attention.shape[-1] != attention.shape[-2]:
        raise InputError(f"attention must be (B, H, T, T), got shape {tuple(attention.shape)}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise InputError(f"n_samples must be a positive integer, got {n_samples!r}")
    if attention.dtype in HALF_DTYPES:  # knlp's eigvalsh has no half kernels; float32 holds these values exactly
        attention = attention.float()
    attention = attention.detach()
    batch, heads, length, _ = attention.shape
    # the heads' samples drawn in knlp's order (head by head, from one generator)
    sampled = torch.stack(
        [knlp_sample(attention[:, h].reshape(batch * length, length), n_samples, generator) for h in range(heads)]
    )
    per_head = knlp_metrics(sampled)
    result: dict[str, list[float] | float] = {name: [float(v) for v in value] for name, value in per_head.items()}
    for name, value in per_head.items():
        result[f"{name}_mean"] = sum(float(v) for v in value) / heads
    return result
