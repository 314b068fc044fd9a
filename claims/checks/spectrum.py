"""Numeric checks of the fim-metrics doc's statements that no public builder covers, for F = (diag(p) - p p^T) / tau^2
(the dense reference of :mod:`numeric.fisher_metrics`), on adversarial distributions (uniform, one-hot,
two-point, ties, near-one-hot, sparse) with n up to the profile's ``max_dense_n`` and fixed n = 1024 cases.

Bespoke, and why: ``total_information`` compares an expectation of autograd scores (a derivative of a formula inside
a sum over outcomes, which the formula language does not express); ``fifth_eigenvalue_positive`` and
``decay_finite_iff_six_supported`` are about whether lambda_5 and the decay metric *exist* (undefined for n < 5, a
formula of the reference implementation's metrics), with an exact rank certifier.  The trace, kernel, interlacing
and eigmax statements go through :mod:`claims.builders`.

Eigenvalue tolerance: dense symmetric eigensolvers are backward stable, so each computed eigenvalue is
within ||E||_2 <= gamma_(n+8) ||F||_2 of an exact one (Weyl), with ||F||_2 <= ||F||_inf = 2 max p (1 - p)
/ tau^2 <= 2 max(p) / tau^2.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from hypothesis import strategies as st

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.numeric.fisher_metrics import DECAY_INDEX, fisher_eigenvalues, fisher_metrics_reference, zero_floor
from fim_audit.claims.builders.primitives import Certifier, Evaluation, check_property
from fim_audit.numeric.softmax import log_softmax_jacobian, softmax
from fim_audit.numeric.search.strategies import (
    adversarial_distributions,
    logit_batches,
    supported_distributions,
    temperatures,
)
from fim_audit.numeric.tolerance import excess, rounding_tolerance, softmax_depth

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
