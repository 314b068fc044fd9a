"""Numeric checks of the softmax-calculus identities behind fim-attn Lemma 1 and Theorem 1.

Each factory takes the claimed formula as an entry kernel (see :mod:`numeric.formulas`) and returns a
:class:`claims.model.Check` comparing it with an independent computation of the same object:

* derivatives of softmax / log-softmax: torch autograd (reverse or forward mode);
* the inner expectation E_{i~a}[(e_i - a)(e_i - a)^T]: the explicit sum over outcomes;
* the Fisher decomposition: the Fisher of a real logit map from its definition, by exact expectation
  over the categorical and by Monte Carlo with a Hoeffding radius.

Tolerances follow :mod:`numeric.tolerance`: SAFETY * gamma_depth * magnitude, with depth and magnitude
derived per check below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.numeric.categorical import centered_second_moment
from fim_audit.numeric.fisher_definition import (
    fisher_exact,
    fisher_monte_carlo,
    jacobian_magnitude,
    logits_and_jacobian,
    scores,
)
from fim_audit.numeric.formulas import EntryKernel, entry_matrix, sandwich
from fim_audit.claims.builders.primitives import Certifier, Evaluation, check_property
from fim_audit.numeric.softmax import log_softmax_jacobian, softmax, softmax_jacobian
from fim_audit.numeric.search.strategies import (
    LogitMapProblem,
    logit_batches,
    logit_map_problems,
    nonnegative_batches,
    simplex_batches,
)
from fim_audit.numeric.tolerance import excess, rounding_tolerance, softmax_depth

PROBABILITY_TERM_BOUND = 2.0
"""Magnitude M of the derivative formulas: every term is a product of probabilities and Kronecker
deltas, and sigma_i (delta_ij + sigma_j) <= 2, |delta_ij| + sigma_j <= 2."""

MONTE_CARLO_DELTA = 1e-9
"""Probability that the Monte-Carlo check fails although the decomposition is exact (Hoeffding bound)."""

DERIVATIVE_REFERENCES = {"softmax": softmax_jacobian, "log_softmax": log_softmax_jacobian}
SYMBOLS = {"softmax": "sigma", "log_softmax": "log sigma"}
MODE_NAMES = {"reverse": "jacrev", "forward": "jacfwd"}


def _largest_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


def derivative_vs_autograd(
    kernel: EntryKernel, of: str, mode: str, *, catches: str, certify: Certifier | None = None
) -> Check:
    """d f_i / d z_j for f = softmax or log-softmax: the claimed kernel at sigma(z) against autograd.

    Depth: that of sigma(z) (:func:`numeric.tolerance.softmax_depth`); magnitude: PROBABILITY_TERM_BOUND.
    """
    reference = DERIVATIVE_REFERENCES[of]

    def evaluate(z_rows: np.ndarray, ctx: RunContext) -> Evaluation:
        z = ctx.tensor(z_rows)
        expected = reference(z, mode=mode)
        claimed = entry_matrix(kernel, softmax(z))
        magnitude = torch.full_like(claimed, PROBABILITY_TERM_BOUND)
        tolerance = rounding_tolerance(softmax_depth(z)[:, None, None], magnitude, ctx.dtype)

        def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"z": z[k].tolist()}, {
                "claimed": claimed[k].tolist(),
                "autograd": expected[k].tolist(),
                "max_abs_error": _largest_error(claimed[k], expected[k]),
            }

        return Evaluation(excess(claimed, expected, tolerance, dims=2), describe)

    def run(ctx: RunContext):
        return check_property(logit_batches(ctx.profile.max_n, ctx.profile.max_batch), evaluate, ctx, certify=certify)

    return Check(f"torch: d {SYMBOLS[of]} / dz vs autograd ({MODE_NAMES[mode]})", Kind.NUMERIC, catches, run)


DOMAIN_STRATEGIES = {"simplex": simplex_batches, "nonnegative": nonnegative_batches}


def inner_moment_vs_definition(
    kernel: EntryKernel, domain: str, *, catches: str, certify: Certifier | None = None
) -> Check:
    """sum_i a_i (e_i - a)(e_i - a)^T summed explicitly, against the claimed kernel, for a in ``domain``
    ("simplex": probability vectors; "nonnegative": weights that need not sum to 1).

    Depth n + 8 (a sum of n terms of three factors each); magnitude (1 + max a)^2 (1 + sum a), which
    bounds sum_i a_i |delta_ik - a_k| |delta_il - a_l|.
    """

    def evaluate(rows: np.ndarray, ctx: RunContext) -> Evaluation:
        a = ctx.tensor(rows)
        expected = centered_second_moment(a)
        claimed = entry_matrix(kernel, a)
        magnitude = ((1 + a.amax(dim=-1)) ** 2 * (1 + a.sum(dim=-1)))[:, None, None].expand_as(claimed)
        tolerance = rounding_tolerance(a.shape[-1] + 8, magnitude, ctx.dtype)

        def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"a": a[k].tolist()}, {
                "claimed": claimed[k].tolist(),
                "sum_over_outcomes": expected[k].tolist(),
                "max_abs_error": _largest_error(claimed[k], expected[k]),
            }

        return Evaluation(excess(claimed, expected, tolerance, dims=2), describe)

    def run(ctx: RunContext):
        strategy = DOMAIN_STRATEGIES[domain](ctx.profile.max_n, ctx.profile.max_batch)
        return check_property(strategy, evaluate, ctx, certify=certify)

    return Check(f"torch: explicit sum over outcomes, a in {domain}", Kind.NUMERIC, catches, run)


def score_chain_vs_autograd(kernel: EntryKernel, map_name: str, *, catches: str) -> Check:
    """grad_theta log a_i(x, theta) by autograd against row i of K(a) times dz/dtheta, for every outcome
    i and input x of a logit-map problem.

    Magnitude: |K(a)| <= I + 1 a^T entrywise for the true kernel, so M = |J| + 1 (a^T |J|) with |J| the
    map's Jacobian magnitude (:func:`numeric.fisher_definition.jacobian_magnitude`); depth = softmax depth + n
    + the map's inner-product length.
    """

    def evaluate(problem: LogitMapProblem, ctx: RunContext) -> Evaluation:
        theta, xs = ctx.tensor(problem.theta), ctx.tensor(problem.xs)
        z, jac = logits_and_jacobian(problem.logit_map, theta, xs)
        a, expected = scores(problem.logit_map, theta, xs)
        claimed = entry_matrix(kernel, a) @ jac
        jac_magnitude = jacobian_magnitude(problem.logit_map, theta, xs)
        magnitude = jac_magnitude + (jac_magnitude * a[..., None]).sum(dim=1, keepdim=True)
        depth = float(softmax_depth(z).max()) + z.shape[-1] + problem.logit_map.depth
        tolerance = rounding_tolerance(depth, magnitude, ctx.dtype)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return _problem_inputs(problem), {
                "claimed": claimed.tolist(),
                "autograd": expected.tolist(),
                "max_abs_error": _largest_error(claimed, expected),
            }

        return Evaluation(excess(claimed, expected, tolerance, dims=3)[None], describe)

    def run(ctx: RunContext):
        return check_property(logit_map_problems(map_name, ctx.profile.max_n), evaluate, ctx)

    return Check(f"torch: grad_theta log a_i vs autograd, logit map '{map_name}'", Kind.NUMERIC, catches, run)


def fisher_magnitude(jac_magnitude: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Per input, 2 |J|^T diag(a) |J| + 4 abar abar^T with abar = |J|^T a: an entrywise bound on the terms of
    both the Fisher from its definition and J^T (diag a - a a^T) J, (m, p, p)."""
    abar = (jac_magnitude * a[..., None]).sum(dim=1)
    return 2 * sandwich(jac_magnitude, torch.diag_embed(a)) + 4 * abar[:, :, None] * abar[:, None, :]


def _decomposition(kernel: EntryKernel, problem: LogitMapProblem, ctx: RunContext):
    """The claimed Fisher E_x[J^T K(a) J] of a logit-map problem, with its rounding tolerance.

    Magnitude: the scores satisfy |g_i| <= |J_i| + abar with abar = |J|^T a, so both sides are bounded
    entrywise by M = E_x[2 |J|^T diag(a) |J| + 4 abar abar^T] (:func:`fisher_magnitude`), |J| being the
    map's Jacobian magnitude (:func:`numeric.fisher_definition.jacobian_magnitude`), which also covers
    cancellation inside dz/dtheta.  Depth: softmax depth + n + the map's own inner-product length.
    """
    theta, xs = ctx.tensor(problem.theta), ctx.tensor(problem.xs)
    z, jac = logits_and_jacobian(problem.logit_map, theta, xs)
    a = softmax(z)
    claimed = sandwich(jac, entry_matrix(kernel, a)).mean(dim=0)
    magnitude = fisher_magnitude(jacobian_magnitude(problem.logit_map, theta, xs), a).mean(dim=0)
    depth = float(softmax_depth(z).max()) + z.shape[-1] + problem.logit_map.depth
    return theta, xs, claimed, rounding_tolerance(depth, magnitude, ctx.dtype)


def _problem_inputs(problem: LogitMapProblem) -> dict[str, Any]:
    return {"logit_map": repr(problem.logit_map), "theta": problem.theta.tolist(), "xs": problem.xs.tolist()}


def fisher_vs_definition(kernel: EntryKernel, map_name: str, *, catches: str) -> Check:
    """E_x[J^T K(a) J] against E_x E_{i~a}[g_i g_i^T] summed exactly over outcomes, g by autograd."""

    def evaluate(problem: LogitMapProblem, ctx: RunContext) -> Evaluation:
        theta, xs, claimed, tolerance = _decomposition(kernel, problem, ctx)
        expected = fisher_exact(problem.logit_map, theta, xs)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return _problem_inputs(problem), {
                "claimed": claimed.tolist(),
                "fisher_by_definition": expected.tolist(),
                "max_abs_error": _largest_error(claimed, expected),
            }

        return Evaluation(excess(claimed, expected, tolerance, dims=2)[None], describe)

    def run(ctx: RunContext):
        return check_property(logit_map_problems(map_name, ctx.profile.max_n), evaluate, ctx)

    return Check(f"torch: Fisher vs exact expectation, logit map '{map_name}'", Kind.NUMERIC, catches, run)


def fisher_vs_monte_carlo(kernel: EntryKernel, map_name: str, *, catches: str) -> Check:
    """E_x[J^T K(a) J] against a Monte-Carlo Fisher (outcomes sampled with torch.multinomial): passes
    when every entry is within the Hoeffding radius at confidence 1 - MONTE_CARLO_DELTA, plus rounding."""

    def evaluate(problem: LogitMapProblem, ctx: RunContext) -> Evaluation:
        theta, xs, claimed, rounding = _decomposition(kernel, problem, ctx)
        generator = torch.Generator(device=ctx.device).manual_seed(problem.sampling_seed)
        estimate, radius = fisher_monte_carlo(
            problem.logit_map, theta, xs, ctx.profile.mc_samples, generator, MONTE_CARLO_DELTA
        )

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {**_problem_inputs(problem), "sampling_seed": problem.sampling_seed}, {
                "claimed": claimed.tolist(),
                "monte_carlo": estimate.tolist(),
                "hoeffding_radius": radius.tolist(),
                "samples_per_input": ctx.profile.mc_samples,
            }

        return Evaluation(excess(claimed, estimate, radius + rounding, dims=2)[None], describe)

    def run(ctx: RunContext):
        return check_property(logit_map_problems(map_name, ctx.profile.max_n), evaluate, ctx)

    return Check(
        f"torch: Fisher vs Monte Carlo (delta={MONTE_CARLO_DELTA:g}), logit map '{map_name}'",
        Kind.NUMERIC,
        catches,
        run,
    )
