"""The FIM spectrum metrics of the fim-metrics doc (seed 004_a860e49dea2b827a.txt, "FIM Metrics We Track"),
implemented once, as the dense float64 reference every faster implementation is checked against.

For an attention row p = softmax(s / tau) the doc's Fisher matrix is

    F = (1 / tau^2) (diag(p) - p p^T),

and its metrics are computed from the eigenvalues lambda_1 >= ... >= lambda_n of F (dense ``eigvalsh``).

Edge cases, decided here (tests/test_fisher_metrics.py holds each one):

* Zero eigenvalues.  F is positive semi-definite with rank |supp p| - 1 (claim ``fim-metrics.kernel``), so
  it always has the eigenvalue 0.  Dense eigh returns zeros as +-O(n u ||F||); every eigenvalue with
  |lambda| at or below the rounding bound SAFETY * gamma_(n+8) * max(p) / tau^2 (||F||_2 <= max p / tau^2,
  claim ``fim-metrics.eigmax-bounds``) is set to exactly 0, and negative rounding is clipped.  So an entry of
  p below about 1e-13 max(p) (n = 1024) is numerically indistinguishable from 0 for these metrics.
* ``eigmax`` = lambda_1; 0 when F = 0 (n = 1 or a one-hot p).
* ``trace`` = sum of the eigenvalues (= (1 - ||p||^2) / tau^2, claim ``fim-metrics.trace``).
* ``energy_r8``, ``energy_r16`` = (lambda_1 + ... + lambda_min(k, n)) / trace: exactly 1 when n <= k; 1 by
  convention when trace = 0 (all of the, zero, energy is in the top modes).
* ``decay`` = lambda_1 / lambda_5 with lambda_5 := 0 when n < 5; 1 when lambda_1 = 0 (a flat, all-zero
  spectrum does not decay); +inf when lambda_1 > 0 = lambda_5, which happens exactly when p has at most 5
  non-zero entries (claim ``fim-metrics.decay-defined``).
* Ties in p give repeated eigenvalues; the metrics depend on eigenvalues only and are unaffected.
* Temperature: F scales with 1 / tau^2, so eigmax and trace do, while the energies and decay are
  scale-free.  For the entropic-OT potential tau * logsumexp(s / tau) the Hessian is tau * F (claim
  ``fim-metrics.hessian-lse``): multiply eigmax and trace by tau for that normalisation.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.tolerance import rounding_tolerance
from fim_audit.numeric.validate import finite_result, positive_scalar, probability_vectors

ENERGY_CUTS = {"energy_r8": 8, "energy_r16": 16}
DECAY_INDEX = 5
METRICS = ("eigmax", "trace", "energy_r8", "energy_r16", "decay")


def softmax_fisher(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """F = (diag(p) - p p^T) / tau^2 for probability rows ``p`` (..., n): shape (..., n, n)."""
    probability_vectors(p, "p")
    tau = positive_scalar(tau, "tau")
    fisher = (torch.diag_embed(p) - p[..., :, None] * p[..., None, :]) / tau / tau
    return finite_result(fisher, f"F = (diag p - p p^T) / tau^2 at tau = {tau:.3g}")


def zero_floor(p: torch.Tensor, tau: float) -> torch.Tensor:
    """Per row, the largest |eigenvalue| of F indistinguishable from 0 after a dense eigh, (..., 1)."""
    n = p.shape[-1]
    return rounding_tolerance(n + 8, p.amax(dim=-1, keepdim=True) / tau / tau, p.dtype)


def fisher_eigenvalues(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """Eigenvalues of F in descending order, computed by a dense float64 eigvalsh whatever p's dtype (and
    returned in it): the float32 eigensolver was seen to return NaN on valid inputs (28 x 28, a triple
    eigenvalue and many zero rows; docs/trust.md), so the reference never uses it."""
    eigenvalues = torch.linalg.eigvalsh(softmax_fisher(p, tau).to(torch.float64)).flip(-1)
    if not bool(torch.isfinite(eigenvalues).all()):
        raise FloatingPointError("eigvalsh returned non-finite eigenvalues for a finite symmetric matrix")
    return eigenvalues.to(p.dtype)


def softmax_fisher_spectrum(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """Eigenvalues of F in descending order, rounding-level ones set to exactly 0: shape (..., n)."""
    eigenvalues = fisher_eigenvalues(p, tau)
    return torch.where(eigenvalues > zero_floor(p, tau), eigenvalues, torch.zeros_like(eigenvalues))


def metrics_from_top(top: torch.Tensor, trace: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    """The metrics from the largest min(16, n) eigenvalues of each row, descending and floored at the
    rounding level (``top``: (..., >= min(16, n))), the trace (...), and the row length n: the one place the
    definitions and edge cases above are implemented."""
    eigmax = top[..., 0]
    metrics = {"eigmax": eigmax, "trace": trace}
    for name, k in ENERGY_CUTS.items():
        head = top[..., : min(k, n)].sum(dim=-1)
        metrics[name] = torch.where(trace > 0, head / torch.where(trace > 0, trace, 1), 1)
    fifth = top[..., DECAY_INDEX - 1] if n >= DECAY_INDEX else torch.zeros_like(eigmax)
    ratio = eigmax / torch.where(fifth > 0, fifth, 1)
    metrics["decay"] = torch.where(fifth > 0, ratio, torch.where(eigmax > 0, torch.inf, 1))
    return metrics


def fisher_metrics_reference(p: torch.Tensor, tau: float = 1.0) -> dict[str, torch.Tensor]:
    """eigmax, trace, energy_r8, energy_r16 and decay of every row of ``p``, each of shape p.shape[:-1], from
    the dense spectrum (trace = the sum of all its eigenvalues).

    Beside numeric/fisher_spectrum.py's ``fisher_metrics``: both apply :func:`metrics_from_top`, so the edge
    cases (trace 0, lambda_1 = 0, lambda_5 = 0, n < 5, n <= k) are decided by the same code.  They differ
    only where an eigenvalue lies below this reference's rounding floor: dense eigh cannot resolve it, so
    it is 0 here (in the eigenvalues and in the trace alike), while the secular solver returns it to full
    relative accuracy.  On such a row (every eigenvalue of [1 - 15e-16] + [1e-16] * 15 is below the floor)
    this reference reports trace 0, energies 1 and decay 1; the solver reports the row's true values
    (trace 3e-15, energy_r8 0.77, decay 16)."""
    spectrum = softmax_fisher_spectrum(p, tau)
    return metrics_from_top(spectrum, spectrum.sum(dim=-1), spectrum.shape[-1])
