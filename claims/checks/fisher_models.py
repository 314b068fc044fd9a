"""Numeric checks of fim-attn Def. 2 item 3 (can lambda_min(FIM_theta) >= mu > 0 hold with the paper's other
assumptions, at one theta or for every theta?), of the class-preserving family behind Thm 3's uniform-constants
reading, and App. C.4 (is the multi-head FIM a sum over heads?), on explicit small attention models with
autograd Jacobians and Fishers computed from their definitions.

Positive definiteness is an existence question: the checks search for a witness (:func:`numeric.search.property.
search_witness`) whose smallest eigenvalue clears the perturbation bound of the computed Fisher.  That bound
is ||E||_F, E the entrywise rounding bound of the Fisher (:func:`claims.builders._softmax_numeric.fisher_magnitude`),
plus the eigensolver's own gamma_(p+8) ||F||_2.

Bespoke, and why: the variables are logit maps with parameters and inputs (linear, MLP, attention scores), whose
Fishers come from autograd Jacobians averaged over inputs; the builders quantify over vectors and scalars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from torch.func import jacrev

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.numeric.fisher_definition import (
    fisher_exact,
    jacobian_magnitude,
    log_likelihood_hessians,
    logits_and_jacobian,
    scores,
)
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.numeric.formulas import EntryKernel
from fim_audit.numeric.multihead import (
    independent_fisher,
    independent_magnitude,
    mixture_fisher,
    mixture_magnitude,
    per_head_sum,
)
from fim_audit.claims.builders.primitives import Evaluation, check_property, property_check, search_witness
from fim_audit.numeric.search.property import local_minimum
from fim_audit.numeric.softmax import softmax
from fim_audit.claims.builders._softmax_numeric import fisher_magnitude
from fim_audit.claims.builders.formula import numeric_values
from fim_audit.numeric.search.strategies import (
    FINITE,
    LogitMapProblem,
    TwoHeadProblem,
    logit_map_problems,
    simplex_batches,
    two_head_problems,
)
from fim_audit.numeric.logit_maps import PHASE_EPS, PHASE_INPUTS, LogitMap, PhaseScorer, saturated_input
from fim_audit.numeric.tolerance import (
    SAFETY,
    excess,
    gamma,
    rounding_tolerance,
    softmax_depth,
    safe_norm,
    unit_roundoff,
)


def _eigenvalue_floor(fisher: torch.Tensor, entry_tolerance: torch.Tensor) -> float:
    p = fisher.shape[-1]
    spectral = float(SAFETY * gamma(p + 8, fisher.dtype)) * float(torch.linalg.matrix_norm(fisher, ord=2))
    return float(safe_norm(entry_tolerance)) + spectral


def _full_row_rank(jac: torch.Tensor, jac_magnitude: torch.Tensor, depth: float) -> bool:
    """Every J_x (n x p) has rank n: n <= p and its n-th singular value clears the rounding bound."""
    n, p = jac.shape[-2:]
    if n > p:
        return False
    smallest = torch.linalg.svdvals(jac)[..., n - 1]
    noise = rounding_tolerance(depth, safe_norm(jac_magnitude, dim=None), jac.dtype)
    return bool((smallest > noise).all())


@dataclass(frozen=True)
class _ComputedFisher:
    """A logit map's Fisher averaged over inputs, with what its rounding bounds are built from."""

    fisher: torch.Tensor
    jac: torch.Tensor
    jac_magnitude: torch.Tensor
    depth: float
    floor: float
    """The perturbation bound of the Fisher's eigenvalues (:func:`_eigenvalue_floor` of its entrywise bound)."""


def _computed_fisher(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor, dtype: torch.dtype) -> _ComputedFisher:
    z, jac = logits_and_jacobian(logit_map, theta, xs)
    jac_magnitude = jacobian_magnitude(logit_map, theta, xs)
    depth = float(softmax_depth(z).max()) + z.shape[-1] + logit_map.depth
    fisher = fisher_exact(logit_map, theta, xs)
    tolerance = rounding_tolerance(depth, fisher_magnitude(jac_magnitude, softmax(z)).mean(dim=0), dtype)
    return _ComputedFisher(fisher, jac, jac_magnitude, depth, _eigenvalue_floor(fisher, tolerance))


def positive_definite_witness(map_name: str, several_inputs: bool, *, catches: str) -> Check:
    """Search for a logit map instance with full-row-rank Jacobians whose Fisher (averaged over its inputs, or
    for a single input) has lambda_min above the perturbation bound: margin = lambda_min / bound."""

    def margin(problem: LogitMapProblem, ctx: RunContext) -> float:
        xs = problem.xs if several_inputs else problem.xs[:1]
        if several_inputs and xs.shape[0] < 2:
            return 0.0
        computed = _computed_fisher(problem.logit_map, ctx.tensor(problem.theta), ctx.tensor(xs), ctx.dtype)
        if not _full_row_rank(computed.jac, computed.jac_magnitude, computed.depth):
            return 0.0
        return float(torch.linalg.eigvalsh(computed.fisher)[0]) / computed.floor

    def describe(problem: LogitMapProblem) -> dict[str, Any]:
        xs = problem.xs if several_inputs else problem.xs[:1]
        return {"logit_map": repr(problem.logit_map), "theta": problem.theta.tolist(), "xs": xs.tolist()}

    def run(ctx: RunContext):
        return search_witness(logit_map_problems(map_name, ctx.profile.max_n, generic=True), margin, describe, ctx)

    inputs = "averaged over several inputs" if several_inputs else "one input"
    return Check(
        f"torch: search for a positive definite Fisher, logit map '{map_name}', {inputs}", Kind.NUMERIC, catches, run
    )


THETA_SCALES = (1.0, 10.0, 1e3, 1e6)
"""Scales of the parameters drawn against a uniform floor: a floor that holds near 0 but fails as |theta| grows
(saturating attention, a vanishing Jacobian) is met at the large ones."""


@st.composite
def _parameters(draw: st.DrawFn, p: int) -> np.ndarray:
    scale = draw(st.sampled_from(THETA_SCALES), label="scale")
    return draw(arrays(np.float64, (p,), elements=st.floats(-1.0, 1.0, **FINITE))) * scale


def fisher_floor(logit_map: LogitMap, inputs, mu: float, *, catches: str) -> Check:
    """lambda_min(FIM_theta) >= ``mu`` for every theta (Def. 2 item 3 with one mu for all theta): the Fisher of
    ``logit_map`` averaged uniformly over ``inputs``, searched over theta: each drawn theta is refined to the local
    minimum of lambda_min it leads to (:func:`numeric.search.property.local_minimum`), and Hypothesis targets the
    worst ratio (mu - lambda_min) / tolerance there.  The tolerance is the eigenvalue perturbation bound of the computed
    Fisher (as for the witnesses above) plus the phase error of a logit argument rounded at magnitude
    |<x, theta>|: SAFETY u (1 + ||x||_1 ||theta||_inf) times the Fisher's Lipschitz constant in that argument,
    bounded by 4 sup ||grad delta||^2 <= 16 for inputs and maps of unit-order derivatives.  A floor claimed above
    the infimum fails at the theta where the Fisher dips below it."""
    xs_cpu = torch.as_tensor(inputs, dtype=torch.float64)

    def evaluate(drawn: np.ndarray, ctx: RunContext) -> Evaluation:
        xs = ctx.tensor(xs_cpu)
        theta = local_minimum(lambda th: torch.linalg.eigvalsh(fisher_exact(logit_map, th, xs))[0], ctx.tensor(drawn))
        theta_np = theta.cpu().numpy()
        computed = _computed_fisher(logit_map, theta, xs, ctx.dtype)
        argument = float(xs.abs().sum(dim=-1).max()) * float(theta.abs().max())
        floor = computed.floor + 16 * SAFETY * unit_roundoff(ctx.dtype) * (1 + argument)
        smallest = float(torch.linalg.eigvalsh(computed.fisher)[0])
        ratio = torch.tensor([(mu - smallest) / floor], dtype=torch.float64)
        return Evaluation(
            ratio,
            lambda _: (
                {
                    "logit_map": repr(logit_map),
                    "drawn": drawn.tolist(),
                    "theta": theta_np.tolist(),
                    "xs": xs_cpu.tolist(),
                },
                {"lambda_min": smallest, "claimed_floor": mu, "tolerance": floor},
            ),
        )

    return property_check(
        f"torch: lambda_min(FIM_theta) >= {mu:.6g} for every theta, logit map {logit_map!r}, {len(xs_cpu)} inputs",
        lambda ctx: _parameters(logit_map.num_parameters),
        evaluate,
        catches=catches,
        examples=(np.zeros(logit_map.num_parameters), np.full(logit_map.num_parameters, 1e6)),
    )


FAMILY_MAX_LOG2_R = 40
"""fim-attn Thm 3's family f_R is checked for R = 2^0 .. 2^40 (and between): the far input's offset 2R + 40 and
amplitude R stay far inside float64's range, its frequency R^(-1/2) far above its underflow."""


def family_inputs(r: float) -> torch.Tensor:
    """The family's eight inputs: the four phase inputs (weight 1/8 each) and the far input four times (1/2)."""
    return torch.tensor((*PHASE_INPUTS, *(saturated_input(r),) * 4), dtype=torch.float64)


@st.composite
def _family_points(draw: st.DrawFn) -> tuple[float, np.ndarray]:
    r = 2.0 ** draw(st.floats(0.0, FAMILY_MAX_LOG2_R, **FINITE), label="log2 R")
    return r, draw(_parameters(2))


def family_class_check(mu: float, hessian_bound: float, *, catches: str) -> Check:
    """Every member of Thm 3's family stays in one Def. 2 class: at drawn (R, theta), lambda_min(FIM) >= ``mu``
    and every per-input log-likelihood Hessian has spectral norm <= ``hessian_bound`` (so L = B =
    hessian_bound).  Ratio: the worse of the two excesses over the computed quantities' rounding bounds (the
    eigenvalue floor for the Fisher; SAFETY gamma_depth times the bound for the Hessians)."""
    scorer = PhaseScorer(PHASE_EPS)

    def evaluate(point: tuple[float, np.ndarray], ctx: RunContext) -> Evaluation:
        r, theta_np = point
        theta, xs = ctx.tensor(theta_np), ctx.tensor(family_inputs(r))
        computed = _computed_fisher(scorer, theta, xs, ctx.dtype)
        smallest = float(torch.linalg.eigvalsh(computed.fisher)[0])
        curvature = float(torch.linalg.matrix_norm(log_likelihood_hessians(scorer, theta, xs), ord=2).max())
        hessian_tolerance = float(SAFETY * gamma(computed.depth + 8, ctx.dtype)) * hessian_bound
        fisher_excess = (mu - smallest) / computed.floor
        ratios = (fisher_excess, (curvature - hessian_bound) / hessian_tolerance)
        return Evaluation(
            torch.tensor([max(ratios)], dtype=torch.float64),
            lambda _: (
                {"R": r, "theta": theta_np.tolist()},
                {"lambda_min": smallest, "mu": mu, "max_hessian_norm": curvature, "hessian_bound": hessian_bound},
            ),
        )

    return property_check(
        f"torch: Thm 3's family f_R in one class (lambda_min(FIM) >= {mu:.4g}, Hessians <= {hessian_bound:.4g}) "
        f"for R up to 2^{FAMILY_MAX_LOG2_R}",
        lambda ctx: _family_points(),
        evaluate,
        catches=catches,
        examples=((1.0, np.zeros(2)), (2.0**FAMILY_MAX_LOG2_R, np.zeros(2))),
    )


def family_gradient_check(closed_form, *, catches: str) -> Check:
    """||grad f_R(0)||^2 by autograd of the family's negative log-likelihood of outcome 0 (grad -log a_0 = -g_0,
    averaged over the eight inputs) against ``closed_form(R)`` evaluated in float64; tolerance SAFETY gamma_depth
    times the closed form (every term is a positive sum, so its relative rounding is a few units)."""
    scorer = PhaseScorer(PHASE_EPS)

    def evaluate(point: tuple[float, np.ndarray], ctx: RunContext) -> Evaluation:
        r, _ = point
        theta, xs = ctx.tensor(np.zeros(2)), ctx.tensor(family_inputs(r))
        _, g = scores(scorer, theta, xs)
        gradient = -g[:, 0, :].mean(dim=0)
        observed = float(gradient.pow(2).sum())
        expected = float(numeric_values(closed_form, {"R": torch.tensor([r], dtype=torch.float64)}).value[0])
        tolerance = float(SAFETY * gamma(scorer.depth + 16, ctx.dtype)) * expected
        return Evaluation(
            torch.tensor([abs(observed - expected) / tolerance], dtype=torch.float64),
            lambda _: ({"R": r, "theta_1": [0.0, 0.0]}, {"autograd": observed, "closed_form": expected}),
        )

    return property_check(
        "torch: ||grad f_R(theta_1 = 0)||^2 by autograd against the closed form",
        lambda ctx: _family_points(),
        evaluate,
        catches=catches,
        examples=((1.0, np.zeros(2)), (2.0**FAMILY_MAX_LOG2_R, np.zeros(2))),
    )


def logit_space_witness(*, catches: str) -> Check:
    """Search for an attention distribution a with lambda_min(diag(a) - a a^T) above the perturbation bound."""

    def margin(rows: np.ndarray, ctx: RunContext) -> float:
        p = ctx.tensor(rows[:1])
        fisher = softmax_fisher(p)[0]
        tolerance = rounding_tolerance(p.shape[-1] + 8, torch.ones_like(fisher), ctx.dtype)
        return float(torch.linalg.eigvalsh(fisher)[0]) / _eigenvalue_floor(fisher, tolerance)

    def run(ctx: RunContext):
        strategy = simplex_batches(ctx.profile.max_n, 1)
        return search_witness(strategy, margin, lambda rows: {"a": rows[0].tolist()}, ctx)

    return Check("torch: search for a positive definite logit-space Fisher", Kind.NUMERIC, catches, run)


def _two_head_check(name: str, reference, reference_magnitude, kernel: EntryKernel, catches: str) -> Check:
    """A two-head Fisher from its definition against the per-head sum J_h^T K(a_h) J_h.

    Magnitude: that of the joint model's Fisher (``reference_magnitude``, built like the Fisher itself from
    entrywise score bounds, cross terms between heads included) plus the per-head sum's own.
    """

    def evaluate(problem: TwoHeadProblem, ctx: RunContext) -> Evaluation:
        model = problem.model
        theta = ctx.tensor(problem.theta)
        x = ctx.tensor(problem.x)
        expected = reference(model, theta, x)
        claimed = per_head_sum(model, kernel, theta, x)
        magnitude = reference_magnitude(model, theta, x)
        depth = float(model.head.depth + x.shape[0] + 8)
        for h in (0, 1):
            z = model.head_logits(h)(theta, x)
            jac_magnitude = jacrev(model.head_magnitude(h))(theta.abs(), x.abs()).abs()
            magnitude = magnitude + fisher_magnitude(jac_magnitude[None], softmax(z)[None])[0]
            depth = max(depth, float(softmax_depth(z)) + x.shape[0] + model.head.depth + 8)
        tolerance = rounding_tolerance(depth, magnitude, ctx.dtype)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"heads": repr(model), "theta": problem.theta.tolist(), "x": problem.x.tolist()}, {
                "per_head_sum": claimed.tolist(),
                "fisher_by_definition": expected.tolist(),
            }

        return Evaluation(excess(claimed, expected, tolerance, dims=2)[None], describe)

    def run(ctx: RunContext):
        return check_property(two_head_problems(ctx.profile.max_n), evaluate, ctx)

    return Check(name, Kind.NUMERIC, catches, run)


def independent_heads_vs_sum(kernel: EntryKernel, *, catches: str) -> Check:
    return _two_head_check(
        "torch: Fisher of independent heads (i, j) ~ a_1 x a_2 vs sum over heads",
        independent_fisher,
        independent_magnitude,
        kernel,
        catches,
    )


def mixture_vs_sum(kernel: EntryKernel, *, catches: str) -> Check:
    return _two_head_check(
        "torch: Fisher of the mixture (a_1 + a_2) / 2 vs sum over heads",
        mixture_fisher,
        mixture_magnitude,
        kernel,
        catches,
    )
