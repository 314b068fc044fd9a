"""Gradient-descent experiments for the learning-rate bound of the fim-metrics doc ("Learning rate needs to be
smaller than 2/eigmax for stability"), each a numeric check: just below the threshold the iteration
converges, just above it diverges (quadratic) or leaves the fixed point (log-sum-exp potential), and a
search for starts where the bound measured at the current point is violated yet the iteration converges.

Rounding, quadratic: the iteration matrix M = I - eta F is formed once and each step is x <- M x.  Row i of |F|
sums to 2 p_i (1 - p_i) / tau^2 = 2 F_ii <= 2 eigmax(F) (a diagonal entry of a positive semi-definite matrix is at
most its largest eigenvalue), so with eta eigmax(F) <= 2 (1 + delta) <= 2.6: || |eta F| || <= 5.2 and || |M| || <=
6.2.  Forming M perturbs it once by at most u (|eta F| + |M|), of norm at most 11.4 u, and each product perturbs x
by at most gamma_n || |M| || ||x||: after T steps the relative error is at most 7 T gamma_(n+2) (first order).  The
computed F itself is F + E with ||E|| <= the zero floor of :func:`numeric.fisher_metrics.zero_floor`, so its
eigenvalues may be negative by that much: at eta ~ 2 / eigmax such a component grows by exp(2 T floor / eigmax)
over T steps, which the tolerance includes.

Rounding, potential: besides the softmax's own error (the noise floor of :func:`fixed_point_threshold`), one step
s <- s - eta grad Phi(s), centred, perturbs s by at most 4 gamma_(n+8) ||s|| (the subtraction, the mean and its
subtraction), so after T steps the relative error is at most 4 T gamma_(n+8) (first order).

Bespoke, and why: the statements are about iterations (convergence or divergence of thousands of gradient steps),
which are not formulas of a point.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.numeric.fisher_metrics import fisher_eigenvalues, softmax_fisher, zero_floor
from fim_audit.claims.builders.primitives import Evaluation, check_property
from fim_audit.numeric.gradient_descent import centred, descend_log_partition
from fim_audit.numeric.search.strategies import FINITE, adversarial_distributions, temperatures
from fim_audit.numeric.tolerance import SAFETY, gamma, safe_norm

MARGINS = (0.02, 0.1, 0.3)
"""Relative distance delta of the step size from the threshold: eta = threshold * (1 -+ delta)."""

DIVERGENCE = 1e6
"""'Diverges' means the iterate grew by this factor; 'converges' that its distance shrank by it."""

START_STEPS = 3000
"""Steps of gradient descent from an arbitrary start (contraction at the fixed point is at worst 0.9)."""


def _steps(delta: float) -> int:
    """Enough steps for (1 +- 2 delta)^T to pass DIVERGENCE^(+-1) with room to spare."""
    return math.ceil(2 * math.log(DIVERGENCE) / math.log1p(2 * delta))


def _quadratic_rounding(n: int, steps: int, dtype: torch.dtype) -> float:
    return float(7 * steps * gamma(n + 2, dtype))


def _potential_rounding(n: int, steps: int, dtype: torch.dtype) -> float:
    return float(4 * steps * gamma(n + 8, dtype))


def _descend_quadratic(fisher: torch.Tensor, x: torch.Tensor, eta: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` steps x <- (I - eta F) x for F ``fisher`` (rows, n, n), x (arms, rows, n), eta (arms, rows): every
    arm (step size) of every row in one batched product per step."""
    iteration = torch.eye(fisher.shape[-1], dtype=fisher.dtype, device=fisher.device) - eta[..., None, None] * fisher
    x = x[..., None]
    for _ in range(steps):
        x = iteration @ x
    return x.squeeze(-1)


def quadratic_threshold(catches: str) -> Check:
    """GD on x^T F x / 2 from x0 = v_1 + 1/sqrt(n) (top eigenvector plus a kernel component): with eta =
    2 (1 - delta) / eigmax the norm never grows and the top component shrinks by (1 - 2 delta)^T; with
    eta = 2 (1 + delta) / eigmax the iterate grows by at least DIVERGENCE.  Rows whose eigmax is within the zero
    floor (F = 0 to working precision) are vacuous."""

    def evaluate(drawn: tuple[np.ndarray, float, float], ctx: RunContext) -> Evaluation:
        rows, tau, delta = drawn
        p = ctx.tensor(rows)
        fisher = softmax_fisher(p, tau)
        eigenvalues, vectors = torch.linalg.eigh(fisher)
        eigmax, top = eigenvalues[:, -1], vectors[..., -1]
        floor = zero_floor(p, tau).squeeze(-1)
        active = eigmax > floor
        safe = torch.where(active, eigmax, 1.0)
        n = p.shape[-1]
        x0 = top + 1 / math.sqrt(n)
        steps = _steps(delta)
        etas = torch.stack([2 * (1 - delta) / safe, 2 * (1 + delta) / safe])
        below, above = _descend_quadratic(fisher, x0.expand(2, -1, -1), etas, steps)
        spurious_growth = torch.exp(2 * steps * floor / safe)
        tolerance = spurious_growth * (1 + _quadratic_rounding(n, steps, p.dtype)) - 1
        start = safe_norm(x0, dim=-1)
        growth_below = safe_norm(below, dim=-1) / start
        top_left = (below * top).sum(dim=-1).abs()
        growth_above = safe_norm(above, dim=-1) / start
        ratio = torch.stack(
            [
                (growth_below - 1) / tolerance,
                (top_left - (1 - 2 * delta) ** steps) / (tolerance * start),
                DIVERGENCE / growth_above,
            ]
        ).amax(dim=0)
        ratio = torch.where(active, ratio, 0.0)

        def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"p": p[k].tolist(), "tau": tau, "delta": delta}, {
                "eigmax": eigmax[k].item(),
                "steps": steps,
                "norm_growth_below": growth_below[k].item(),
                "top_component_left_below": top_left[k].item(),
                "norm_growth_above": growth_above[k].item(),
            }

        return Evaluation(ratio, describe)

    def run(ctx: RunContext):
        rows = adversarial_distributions(ctx.profile.max_dense_n, 4)
        return check_property(st.tuples(rows, temperatures(), st.sampled_from(MARGINS)), evaluate, ctx)

    return Check("torch: GD on x^T F x / 2 converges below 2/eigmax, diverges above", Kind.NUMERIC, catches, run)


def fixed_point_threshold(catches: str) -> Check:
    """GD on Phi = log sum exp(s / tau) from a perturbation of size up to 1e-4 tau of its fixed point (uniform
    p): with eta = 2 n tau^2 (1 - delta) the distance to the fixed point shrinks by DIVERGENCE, with
    eta = 2 n tau^2 (1 + delta) it does not shrink (it grows until the non-linearity bounds it).

    Noise floor: near uniform p each softmax entry carries an absolute rounding error up to gamma_(n+8), so
    each step adds up to sqrt(n) gamma_(n+8) eta / tau to the centred iterate, and a contraction by 1 - 2 delta
    accumulates that to sqrt(n) gamma_(n+8) eta / (2 delta tau).  Starts within DIVERGENCE times that floor are
    not resolved by the arithmetic and count as vacuous.
    """

    @st.composite
    def starts(draw: st.DrawFn, max_n: int):
        n = draw(st.integers(2, max_n), label="n")
        direction = draw(arrays(np.float64, (1, n), elements=st.floats(-1.0, 1.0, **FINITE)))
        return direction, draw(temperatures()), draw(st.sampled_from(MARGINS))

    def evaluate(drawn: tuple[np.ndarray, float, float], ctx: RunContext) -> Evaluation:
        direction, tau, delta = drawn
        s0 = tau * 1e-4 * ctx.tensor(direction)
        n = s0.shape[-1]
        etas = 2 * n * tau**2 * torch.tensor([1 - delta, 1 + delta], dtype=s0.dtype, device=s0.device)
        steps = _steps(delta)
        start = safe_norm(centred(s0), dim=-1)
        below, above = safe_norm(descend_log_partition(s0.expand(2, -1), etas, tau, steps), dim=-1)[:, None]
        noise = SAFETY * math.sqrt(n) * float(gamma(n + 8, s0.dtype)) * 2 * n * tau * (1 + delta) / (2 * delta)
        floor = noise + _potential_rounding(n, steps, s0.dtype) * start
        converged = below / (start / DIVERGENCE + floor)
        ratio = torch.maximum(converged, start / above.clamp_min(torch.finfo(s0.dtype).tiny))
        ratio = torch.where(start > DIVERGENCE * noise, ratio, 0.0)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"s0": s0[0].tolist(), "tau": tau, "delta": delta}, {
                "steps": steps,
                "distance_start": start.item(),
                "distance_below": below.item(),
                "distance_above": above.item(),
            }

        return Evaluation(ratio, describe)

    def run(ctx: RunContext):
        return check_property(starts(ctx.profile.max_n), evaluate, ctx)

    return Check(
        "torch: GD on log-sum-exp stable at its fixed point iff eta < 2/eigmax there", Kind.NUMERIC, catches, run
    )


def pointwise_bound_necessary(catches: str) -> Check:
    """The bound measured where the iteration starts is necessary: GD on Phi from s0 = tau log p0 with eta in
    (2 / eigmax(F(p0)), 2 n tau^2) (10% inside both ends) does not converge.  The ratio is the shrinkage of the
    distance to the fixed point relative to DIVERGENCE; starts where that interval is empty are vacuous.  Computed
    in at least float64: a shrinkage of DIVERGENCE * REFUTATION_MARGIN = 1e10 is below float32's rounding floor
    (u = 6e-8), so float32 could never certify convergence."""

    @st.composite
    def starts(draw: st.DrawFn, max_n: int):
        n = draw(st.integers(3, max_n), label="n")
        weights = draw(arrays(np.float64, (1, n), elements=st.floats(1e-3, 1.0, **FINITE)))
        return weights / weights.sum(), draw(temperatures())

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        p0, tau = drawn
        p = torch.as_tensor(p0, dtype=ctx.promoted(torch.float64).dtype, device=ctx.device)
        n = p.shape[-1]
        eigmax = fisher_eigenvalues(p, tau)[:, 0]
        low, high = 2 / eigmax * 1.1, torch.full_like(eigmax, 2 * n * tau**2 * 0.9)
        eta = (low + high) / 2
        s0 = tau * torch.log(p)
        start = safe_norm(centred(s0), dim=-1)
        end = safe_norm(descend_log_partition(s0, eta, tau, START_STEPS), dim=-1)
        ratio = torch.where(low < high, start / (DIVERGENCE * end.clamp_min(torch.finfo(p.dtype).tiny)), 0.0)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"p0": p0[0].tolist(), "tau": tau, "eta": eta.item()}, {
                "eigmax_at_start": eigmax.item(),
                "eta_times_eigmax_at_start": (eta * eigmax).item(),
                "local_threshold_2_n_tau2": 2 * n * tau**2,
                "steps": START_STEPS,
                "distance_start": start.item(),
                "distance_end": end.item(),
            }

        return Evaluation(ratio, describe)

    def run(ctx: RunContext):
        return check_property(starts(ctx.profile.max_n), evaluate, ctx)

    return Check("torch: GD on log-sum-exp diverges when eta > 2/eigmax at the start", Kind.NUMERIC, catches, run)
