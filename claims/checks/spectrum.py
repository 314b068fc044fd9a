"""Numeric checks of the spectral facts the fim-metrics doc relies on, for F = (diag(p) - p p^T) / tau^2
(the dense reference of :mod:`numeric.fisher_metrics`), on adversarial distributions (uniform, one-hot,
two-point, ties, near-one-hot, sparse) with n up to the profile's ``max_dense_n`` and fixed n = 1024 cases.

Eigenvalue tolerance: dense symmetric eigensolvers are backward stable, so each computed eigenvalue is
within ||E||_2 <= gamma_(n+8) ||F||_2 of an exact one (Weyl), with ||F||_2 <= ||F||_inf = 2 max p (1 - p)
/ tau^2 <= 2 max(p) / tau^2.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from hypothesis import strategies as st

from numeric.context import RunContext
from claims.model import Check, Kind
from numeric.fisher_metrics import DECAY_INDEX, fisher_eigenvalues, fisher_metrics_reference, softmax_fisher, zero_floor
from claims.builders.primitives import Certifier, Evaluation, check_property
from numeric.softmax import log_softmax_jacobian, softmax
from numeric.search.strategies import adversarial_distributions, logit_batches, supported_distributions, temperatures
from numeric.tolerance import excess, rounding_tolerance, softmax_depth, violation

DENSE_BATCH = 8
"""Rows per example for dense n x n checks (at n = 1024 a batch of 8 matrices is 64 MiB in float64)."""

LARGE_N = 1024


def _fixed_rows(n: int) -> list[np.ndarray]:
    uniform = np.full((1, n), 1.0 / n)
    one_hot = np.zeros((1, n))
    one_hot[0, n // 2] = 1.0
    two_point = np.zeros((1, n))
    two_point[0, [0, n - 1]] = 0.5
    return [uniform, one_hot, two_point]


ADVERSARIAL_EXAMPLES = [(rows, tau) for rows, tau in zip(_fixed_rows(LARGE_N), (1.0, 0.5, 3.0), strict=True)]
"""Fixed cases run before the random ones: uniform, one-hot and two-point rows at n = 1024."""


def _distributions(ctx: RunContext, supported: bool = False) -> st.SearchStrategy:
    rows = supported_distributions if supported else adversarial_distributions
    return st.tuples(rows(ctx.profile.max_dense_n, min(ctx.profile.max_batch, DENSE_BATCH)), temperatures())


def _eigenvalue_tolerance(p: torch.Tensor, tau: float, scale: float = 1.0) -> torch.Tensor:
    """gamma_(n+8) * 2 max(p) / tau^2 per row, shape (batch, 1); ``scale`` multiplies the magnitude."""
    return rounding_tolerance(p.shape[-1] + 8, scale * 2 * p.amax(dim=-1, keepdim=True) / tau**2, p.dtype)


def _distribution_check(
    name: str,
    evaluate: Callable[[torch.Tensor, float, RunContext], tuple[torch.Tensor, dict[str, torch.Tensor]]],
    catches: str,
    *,
    supported: bool = False,
    certify: Certifier | None = None,
    examples: Sequence[tuple[np.ndarray, float]] = ADVERSARIAL_EXAMPLES,
) -> Check:
    """A check over (p rows, tau): ``evaluate`` returns per-row ratios and named per-row observations.

    ``examples`` are fixed cases run first.  Hypothesis does not shrink a failing fixed case, so checks that
    are expected to find counterexamples pass none, and their counterexamples come out minimal.
    """

    def run(ctx: RunContext):
        def evaluation(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
            rows, tau = drawn
            p = ctx.tensor(rows)
            ratio, observed = evaluate(p, tau, ctx)

            def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
                return {"p": p[k].tolist(), "tau": tau}, {key: value[k].tolist() for key, value in observed.items()}

            return Evaluation(ratio, describe)

        return check_property(_distributions(ctx, supported), evaluation, ctx, certify=certify, examples=examples)

    return Check(name, Kind.NUMERIC, catches, run)


def trace_identity(catches: str) -> Check:
    """sum of the eigenvalues of F (dense eigvalsh) = tr F = (1 - ||p||^2) / tau^2.

    Tolerance: n eigenvalues each within gamma_(n+8) ||F||_2, plus the trace's own terms (magnitude 2 /
    tau^2): gamma_(n+8) (2 n max p + 2) / tau^2.
    """

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        eigenvalues = fisher_eigenvalues(p, tau)
        closed = (1 - (p * p).sum(dim=-1)) / tau**2
        trace = softmax_fisher(p, tau).diagonal(dim1=-2, dim2=-1).sum(dim=-1)
        n = p.shape[-1]
        tolerance = rounding_tolerance(n + 8, (2 * n * p.amax(dim=-1) + 2) / tau**2, p.dtype)
        ratio = torch.maximum(
            excess(eigenvalues.sum(dim=-1), closed, tolerance, dims=0),
            excess(trace, closed, tolerance, dims=0),
        )
        return ratio, {"sum_of_eigenvalues": eigenvalues.sum(dim=-1), "trace": trace, "closed_form": closed}

    return _distribution_check("torch: sum of eigenvalues = trace = (1 - |p|^2) / tau^2", evaluate, catches)


def total_information(catches: str) -> Check:
    """E_{i~p} ||grad_s log softmax(s / tau)_i||^2 by autograd equals (1 - ||p||^2) / tau^2.

    Depth: softmax depth + n; magnitude: the squared scores sum terms bounded by (1 + 1)^2 / tau^2 = 4 /
    tau^2.
    """

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        logits, tau = drawn
        z = ctx.tensor(logits)
        p = softmax(z, tau)
        scores = log_softmax_jacobian(z, tau)
        information = (p * (scores**2).sum(dim=-1)).sum(dim=-1)
        closed = (1 - (p * p).sum(dim=-1)) / tau**2
        depth = softmax_depth(z / tau) + z.shape[-1]
        tolerance = rounding_tolerance(depth, torch.full_like(closed, 4 / tau**2), ctx.dtype)

        def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"z": z[k].tolist(), "tau": tau}, {
                "expected_squared_score": information[k].item(),
                "closed_form": closed[k].item(),
            }

        return Evaluation(excess(information, closed, tolerance, dims=0), describe)

    def run(ctx: RunContext):
        strategy = st.tuples(logit_batches(ctx.profile.max_n, ctx.profile.max_batch), temperatures())
        return check_property(strategy, evaluate, ctx)

    return Check("torch: E||score||^2 by autograd = (1 - |p|^2) / tau^2", Kind.NUMERIC, catches, run)


def kernel_and_rank(catches: str) -> Check:
    """F 1 = 0, F e_i = 0 where p_i = 0, and exactly |supp p| - 1 eigenvalues above the zero floor of
    :func:`numeric.fisher_metrics.zero_floor` (supports are well separated: positive p_i >= 1e-3 / n)."""

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        fisher = softmax_fisher(p, tau)
        tolerance = _eigenvalue_tolerance(p, tau, scale=p.shape[-1])
        null_ones = excess(fisher.sum(dim=-1), torch.zeros_like(p), tolerance, dims=1)
        null_zeros = excess(fisher * (p == 0)[..., None, :], torch.zeros_like(fisher), tolerance[..., None], dims=2)
        eigenvalues = fisher_eigenvalues(p, tau)
        floor = zero_floor(p, tau)
        support = (p > 0).sum(dim=-1)
        index = torch.arange(p.shape[-1], device=p.device)
        zero_part = torch.where(index >= support[:, None] - 1, eigenvalues.abs() / floor, 0).amax(dim=-1)
        last_positive = eigenvalues.gather(-1, (support - 2).clamp_min(0)[:, None]).squeeze(-1)
        positive_part = torch.where(support >= 2, floor.squeeze(-1) / last_positive.clamp_min(0), 0)
        ratio = torch.stack([null_ones, null_zeros, zero_part, positive_part]).amax(dim=0)
        return ratio, {"eigenvalues": eigenvalues, "support_size": support, "zero_floor": floor.squeeze(-1)}

    return _distribution_check(
        "torch: kernel of F is constant-on-support vectors, rank |supp p| - 1",
        evaluate,
        catches,
        supported=True,
        examples=(),
    )


def interlacing(catches: str) -> Check:
    """With p sorted decreasingly and mu the eigenvalues of tau^2 F decreasingly: p_(k+1) <= mu_k <= p_(k)
    for k < n, and mu_n = 0 (tolerance: eigenvalue bound of the module docstring at tau = 1)."""

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        mu = fisher_eigenvalues(p, tau) * tau**2
        ordered = p.sort(dim=-1, descending=True).values
        tolerance = _eigenvalue_tolerance(p, 1.0)
        above = violation(mu, ordered, tolerance, dims=1)
        below = violation(ordered[..., 1:], mu[..., :-1], tolerance, dims=1) if p.shape[-1] > 1 else 0 * above
        last = excess(mu[..., -1:], torch.zeros_like(mu[..., -1:]), tolerance, dims=1)
        ratio = torch.stack([above, below, last]).amax(dim=0)
        return ratio, {"eigenvalues_times_tau2": mu, "sorted_p": ordered}

    return _distribution_check("torch: eigenvalues of tau^2 F interlace the sorted p", evaluate, catches)


def eigmax_bounds(catches: str) -> Check:
    """max(p_(2), max_i p_i (1 - p_i)) <= tau^2 eigmax <= min(p_(1), 1/2)."""

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        eigmax = fisher_eigenvalues(p, tau)[..., 0] * tau**2
        ordered = p.sort(dim=-1, descending=True).values
        second = ordered[..., 1] if p.shape[-1] > 1 else torch.zeros_like(eigmax)
        lower = torch.maximum(second, (p * (1 - p)).amax(dim=-1))
        upper = torch.minimum(ordered[..., 0], torch.full_like(eigmax, 0.5))
        tolerance = _eigenvalue_tolerance(p, 1.0).squeeze(-1)
        ratio = torch.maximum(violation(lower, eigmax, tolerance, dims=0), violation(eigmax, upper, tolerance, dims=0))
        return ratio, {"eigmax_times_tau2": eigmax, "lower_bound": lower, "upper_bound": upper}

    return _distribution_check(
        "torch: eigmax within [max(p_(2), max p(1-p)), min(p_(1), 1/2)] / tau^2", evaluate, catches
    )


def fifth_eigenvalue_positive(catches: str, certify: Certifier) -> Check:
    """decay = eigmax / lambda_5 is well defined: n >= 5 and lambda_5 above the zero floor, for every p.

    The ratio reported is zero_floor / lambda_5 (infinite when n < 5 or lambda_5 <= 0); a failure is
    certified by exact rank arithmetic (``certify``), not by the float margin.
    """

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        metrics = fisher_metrics_reference(p, tau)
        eigenvalues = fisher_eigenvalues(p, tau)
        if p.shape[-1] < DECAY_INDEX:
            fifth = torch.zeros_like(eigenvalues[..., 0])
        else:
            fifth = eigenvalues[..., DECAY_INDEX - 1]
        floor = zero_floor(p, tau).squeeze(-1)
        ratio = torch.where(fifth > 0, floor / fifth.clamp_min(torch.finfo(p.dtype).tiny), torch.inf)
        return ratio, {"lambda_5": fifth, "decay": metrics["decay"], "eigmax": metrics["eigmax"]}

    return _distribution_check(
        "torch: lambda_5 of F is positive (decay finite)", evaluate, catches, certify=certify, examples=()
    )


def decay_finite_iff_six_supported(catches: str) -> Check:
    """decay is finite exactly when p has at least 6 non-zero entries (rank F = |supp p| - 1 >= 5) or is
    one-hot (F = 0, decay = 1 by the reference's convention)."""

    def evaluate(p: torch.Tensor, tau: float, ctx: RunContext):
        decay = fisher_metrics_reference(p, tau)["decay"]
        support = (p > 0).sum(dim=-1)
        agree = torch.isfinite(decay) == ((support > DECAY_INDEX) | (support == 1))
        return torch.where(agree, 0.0, torch.inf).to(p.dtype), {"decay": decay, "support_size": support}

    return _distribution_check(
        "torch: decay finite iff |supp p| >= 6 or p one-hot", evaluate, catches, supported=True, examples=()
    )
