"""Numeric checks of second-derivative statements: the Hessian of the log-sum-exp potential with
temperature (fim-metrics "Why We Care"), the Fisher of softmax(s / tau) in the scores, and the negative
(expected or observed) Hessian of the log-likelihood (holistic §2.1), all by torch.func autograd in float64
against the Fisher computed from its definition or against the claimed formula.

Bespoke, and why: the quantities are Hessians (second derivatives) and expectations of products of autograd
scores over outcomes, and, in parameter space, functions of logit maps; the builders' derivative takes first
derivatives of a formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.numeric.autodiff import batched_hessian
from fim_audit.numeric.categorical import expectation
from fim_audit.numeric.fisher_definition import (
    fisher_per_input,
    hessian_magnitude,
    jacobian_magnitude,
    log_likelihood_hessians,
    logits_and_jacobian,
)
from fim_audit.numeric.formulas import EntryKernel, entry_matrix
from fim_audit.claims.builders.primitives import Evaluation, check_property
from fim_audit.claims.builders._softmax_numeric import fisher_magnitude
from fim_audit.numeric.softmax import log_softmax_jacobian, pure_log_partition, pure_log_softmax, softmax
from fim_audit.numeric.search.strategies import LogitMapProblem, logit_batches, logit_map_problems, temperatures
from fim_audit.numeric.tolerance import excess, rounding_tolerance, softmax_depth

POTENTIAL_SCALES = {"lse": lambda tau: 1.0, "eot": lambda tau: tau}
"""Phi = log sum exp(s / tau) ("lse") and the entropic-OT potential tau * Phi ("eot")."""


def _logits_and_temperature(ctx: RunContext) -> st.SearchStrategy:
    return st.tuples(logit_batches(ctx.profile.max_n, ctx.profile.max_batch), temperatures())


def _matrix_evaluation(
    z: torch.Tensor, tau: float, reference: torch.Tensor, claimed: torch.Tensor, magnitude: float, reference_name: str
) -> Evaluation:
    """Compare two per-row matrices (B, n, n) at the softmax depth of z / tau, magnitude ``magnitude``."""
    tolerance = rounding_tolerance(
        (softmax_depth(z / tau) + z.shape[-1])[:, None, None], torch.full_like(claimed, magnitude), z.dtype
    )

    def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"z": z[k].tolist(), "tau": tau}, {
            "claimed": claimed[k].tolist(),
            reference_name: reference[k].tolist(),
            "max_abs_error": float((claimed[k] - reference[k]).abs().max()),
        }

    return Evaluation(excess(claimed, reference, tolerance, dims=2), describe)


def potential_hessian_vs_formula(kernel: EntryKernel, potential: str, *, catches: str) -> Check:
    """Hess_s (scale * log sum exp(s / tau)) by autograd against kernel(p_i, p_j, delta_ij, tau).

    Magnitude: the Hessian's terms are scale * p_i (delta_ij + p_j) / tau^2 <= 2 scale / tau^2 and the
    claimed kernel's are at most 2 / tau^2: 2 max(1, scale) / tau^2.
    """
    scale = POTENTIAL_SCALES[potential]

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        logits, tau = drawn
        z = ctx.tensor(logits)
        reference = batched_hessian(lambda v: scale(tau) * pure_log_partition(v, tau), z)
        claimed = entry_matrix(kernel, softmax(z, tau), tau)
        magnitude = 2 * max(1.0, scale(tau)) / tau**2
        return _matrix_evaluation(z, tau, reference, claimed, magnitude, "autograd_hessian")

    def run(ctx: RunContext):
        return check_property(_logits_and_temperature(ctx), evaluate, ctx)

    return Check(f"torch: Hessian of the {potential} potential vs formula", Kind.NUMERIC, catches, run)


def score_fisher_vs_formula(kernel: EntryKernel, *, catches: str) -> Check:
    """E_{i~p}[g_i g_i^T], g_i = grad_s log softmax(s / tau)_i by autograd, against the kernel: the Fisher of
    p = softmax(s / tau) in the scores.  Magnitude: |g_i| <= 2 / tau entrywise, so 4 / tau^2."""

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        logits, tau = drawn
        z = ctx.tensor(logits)
        p = softmax(z, tau)
        g = log_softmax_jacobian(z, tau)
        reference = expectation(p, g[..., :, None] * g[..., None, :])
        claimed = entry_matrix(kernel, p, tau)
        return _matrix_evaluation(z, tau, reference, claimed, 4 / tau**2, "fisher_by_definition")

    def run(ctx: RunContext):
        return check_property(_logits_and_temperature(ctx), evaluate, ctx)

    return Check("torch: Fisher of softmax(s / tau) in s, by definition, vs formula", Kind.NUMERIC, catches, run)


def logit_hessian_vs_formula(kernel: EntryKernel, *, catches: str) -> Check:
    """-Hess_z log sigma_i(z) by autograd, for every outcome i, against kernel(sigma_j, sigma_k, delta_jk)."""

    def evaluate(logits: np.ndarray, ctx: RunContext) -> Evaluation:
        z = ctx.tensor(logits)
        hessians = -batched_hessian(pure_log_softmax, z)  # (B, n_outcomes, n, n)
        claimed = entry_matrix(kernel, softmax(z))
        worst = (hessians - claimed[:, None]).abs().flatten(start_dim=2).amax(dim=-1).argmax(dim=-1)
        reference = hessians[torch.arange(z.shape[0]), worst]
        return _matrix_evaluation(z, 1.0, reference, claimed, 2.0, "minus_hessian_of_log_sigma_i")

    def run(ctx: RunContext):
        return check_property(logit_batches(ctx.profile.max_n, ctx.profile.max_batch), evaluate, ctx)

    return Check("torch: -Hessian of log sigma_i in z, every outcome i, vs formula", Kind.NUMERIC, catches, run)


def parameter_hessian_vs_fisher(map_name: str, observed: bool, *, catches: str) -> Check:
    """-Hess_theta log a_i against the Fisher from its definition, per input: averaged over i ~ a (expected)
    or for every single outcome i (observed).

    Magnitude: the Fisher's terms are bounded by :func:`claims.builders._softmax_numeric.fisher_magnitude` and the
    Hessian adds sum_k (delta_ik + a_k) |Hess z_k| <= 2 sum_k |Hess z_k| (Hess log a_i = -J^T (diag a - a a^T) J
    + sum_k (e_i - a)_k Hess z_k), with |J| and |Hess z| the map's derivative magnitudes.
    """

    def evaluate(problem: LogitMapProblem, ctx: RunContext) -> Evaluation:
        theta, xs = ctx.tensor(problem.theta), ctx.tensor(problem.xs)
        z, _ = logits_and_jacobian(problem.logit_map, theta, xs)
        a = softmax(z)
        fisher = fisher_per_input(problem.logit_map, theta, xs)  # (m, p, p)
        minus_hessians = -log_likelihood_hessians(problem.logit_map, theta, xs)  # (m, n, p, p)
        claimed = minus_hessians if observed else expectation(a, minus_hessians)[:, None]
        magnitude = fisher_magnitude(jacobian_magnitude(problem.logit_map, theta, xs), a) + 2 * hessian_magnitude(
            problem.logit_map, theta, xs
        ).sum(dim=1)
        depth = float(softmax_depth(z).max()) + z.shape[-1] + problem.logit_map.depth
        tolerance = rounding_tolerance(depth, magnitude, ctx.dtype)[:, None]
        ratio = excess(claimed, fisher[:, None].expand_as(claimed), tolerance.expand_as(claimed), dims=4)

        def describe(_: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {"logit_map": repr(problem.logit_map), "theta": problem.theta.tolist(), "xs": problem.xs.tolist()}, {
                "minus_hessian": claimed.tolist(),
                "fisher_by_definition": fisher.tolist(),
            }

        return Evaluation(ratio[None], describe)

    def run(ctx: RunContext):
        return check_property(logit_map_problems(map_name, ctx.profile.max_n), evaluate, ctx)

    kind = "observed (every outcome)" if observed else "expected"
    return Check(f"torch: {kind} -Hessian vs Fisher, logit map '{map_name}'", Kind.NUMERIC, catches, run)
