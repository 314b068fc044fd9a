"""The fim-attn Thm 2 and Thm 3 experiment checks: natural gradient descent on attention classifiers that meet the
theorems' conditions (:mod:`numeric.natural_gradient_rate`), read as experiment checks.

Bespoke: each check reads an observed rate or path property of one shared run (a log-log slope with its 95% interval,
the smallest eigenvalue along the paths), which no statement-shaped builder describes; an experiment at finite T never
certifies a refutation of an O(.) statement, so every failure here is uncertified by construction.
"""

from __future__ import annotations

import math

import torch

from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.confidence import describe
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import REFUTATION_MARGIN
from fim_audit.numeric.natural_gradient_rate import (
    KEYS,
    TAU0,
    RateRun,
    adversarial_run,
    curve_slopes,
    explicit_bound,
    schedule_rhs_shape,
    slope_interval,
    thm2_run,
    thm3_run,
)


def _experiment_result(
    passed: bool, detail: str, outcome: RateRun, observed: dict[str, object], why_uncertified: str
) -> CheckResult:
    """PASSED, or FAILED with an uncertified record of the run (an experiment never certifies a refutation)."""
    if passed:
        return CheckResult(Status.PASSED, detail, cases=outcome.problems)
    inputs = {"seed": outcome.seed, "iterations": outcome.iterations}
    counterexample = Counterexample(inputs, observed, False, why_uncertified)
    return CheckResult(Status.FAILED, detail, cases=outcome.problems, counterexample=counterexample)


def rate_check(*, catches: str, adversarial: bool = False) -> Check:
    """The observed rate: the 95% interval of the mean slope of log min_t ||grad f||^2 against log T lies at or
    below -1/2 (a curve that reached its rounding floor counts as faster than any power); on the standard problems
    or, with ``adversarial``, on the family aimed at F~'s conditioning (:func:`numeric.natural_gradient_rate.
    adversarial_run`)."""

    def evaluate(ctx: RunContext) -> CheckResult:
        outcome = adversarial_run(ctx) if adversarial else thm2_run(ctx)
        floored = int(torch.isnan(outcome.slopes).sum())
        family = f"key spread {outcome.key_spread}, " if adversarial else ""
        budget = f"{family}{outcome.problems} problems, T <= {outcome.iterations}, seed {outcome.seed}"
        if floored == outcome.problems:
            return CheckResult(
                Status.PASSED, f"every run reached its rounding floor ({budget})", cases=outcome.problems
            )
        mean, low, high = slope_interval(outcome.slopes)
        detail = (
            f"slope of log min_t ||grad f||^2 vs log T: mean {mean:.3f}, 95% CI [{low:.3f}, {high:.3f}], per problem "
            f"{[round(float(v), 2) for v in outcome.slopes]} ({floored} at the rounding floor); min lambda_min(FIM) "
            f"{float(outcome.mu.min()):.3g}, smallest sigma_n(Phi)/sigma_1(Phi) {outcome.min_rank_margin:.3g}; {budget}"
        )
        return _experiment_result(
            high <= -0.5,
            detail,
            outcome,
            {"mean_slope": mean, "ci": [low, high]},
            "an observed rate at finite T does not decide an O(.) statement",
        )

    where = "the adversarial family (near-shift keys)" if adversarial else "the standard problems"
    return Check(
        f"experiment: NGD with F~ = E[Phi^T diag(a) Phi], eta_t = 1/sqrt(t), {where}",
        Kind.EXPERIMENT,
        catches,
        evaluate,
    )


def explicit_bound_check(*, catches: str) -> Check:
    """fim-attn Thm 2's explicit-constants bound (:func:`numeric.natural_gradient_rate.explicit_bound`) against the
    measured min_(t<=T) ||grad f||^2 at every checkpoint of the standard and the adversarial runs: PASSED when every
    measured value is at most the bound plus its rounding floor; FAILED otherwise, certified beyond REFUTATION_MARGIN
    floors (a bound that a run exceeds is a wrong bound)."""

    def evaluate(ctx: RunContext) -> CheckResult:
        parts, worst, excess, floors = [], 0.0, 0.0, 0.0
        for outcome in (thm2_run(ctx), adversarial_run(ctx)):
            bound = explicit_bound(outcome)
            ratio = float((outcome.best / bound).max())
            worst = max(worst, ratio)
            excess = max(excess, float((outcome.best - bound - outcome.floor[:, None]).max()))
            floors = max(floors, float(outcome.floor.max()))
            family = "adversarial" if outcome.key_spread else "standard"
            parts.append(
                f"{family}: max measured / bound {ratio:.3g}, bound at T = {outcome.iterations} between "
                f"{float(bound[:, -1].min()):.3g} and {float(bound[:, -1].max()):.3g} "
                f"(Lambda = L <= {float(outcome.gram_max.max()):.3g}, mu~ >= {float(outcome.mu_tilde.min()):.3g}, "
                f"G <= {float(outcome.gradient_max.max()):.3g})"
            )
        detail = "; ".join(parts)
        if excess <= 0:
            return CheckResult(Status.PASSED, detail, cases=2)
        certified = excess > REFUTATION_MARGIN * floors
        counterexample = Counterexample(
            {"seed": thm2_run(ctx).seed}, {"worst_ratio": worst, "excess": excess}, certified, "float margin"
        )
        return CheckResult(Status.FAILED, detail, cases=2, counterexample=counterexample)

    return Check("experiment: min_t ||grad f||^2 under the explicit bound, every T", Kind.EXPERIMENT, catches, evaluate)


MU_FLOOR = 1e-8
"""lambda_min(FIM) must clear eigvalsh's rounding (gamma_(p+8) ||FIM|| ~ 1e-14 here) by a wide margin."""


def assumptions_check(*, catches: str) -> Check:
    """Thm 2's conditions and Def. 2 item 3 hold together on the same runs: every Phi has full row rank,
    lambda_min(FIM(theta_t)) >= mu > MU_FLOOR along every path, H(a) <= log n."""

    def evaluate(ctx: RunContext) -> CheckResult:
        outcome = thm2_run(ctx)
        mu = float(outcome.mu.min())
        detail = (
            f"min_t lambda_min(FIM) = {mu:.3g} over {outcome.problems} paths of {outcome.iterations} steps; smallest "
            f"sigma_n(Phi)/sigma_1(Phi) = {outcome.min_rank_margin:.3g}; H(a) <= log {KEYS}"
        )
        return _experiment_result(
            mu > MU_FLOOR and outcome.min_rank_margin > MU_FLOOR,
            detail,
            outcome,
            {"mu": mu, "rank_margin": outcome.min_rank_margin},
            "a failed witness certifies nothing",
        )

    return Check(
        "experiment: conditions 1-3 and lambda_min(FIM) >= mu along the runs", Kind.EXPERIMENT, catches, evaluate
    )


def schedule_check(*, catches: str) -> Check:
    """fim-attn Thm 3 as an inequality with constants: ||grad f(theta_T)||^2 / ((1 + sum tau_t) / sqrt(T)) stays
    bounded in T, i.e. the 95% interval of the mean log-log slope of that ratio lies at or below 0."""

    def evaluate(ctx: RunContext) -> CheckResult:
        outcome = thm3_run(ctx)
        checkpoints = outcome.checkpoints.double()
        ratio = outcome.last / schedule_rhs_shape(checkpoints)
        slopes = curve_slopes(outcome.last, outcome.floor, checkpoints, ratio)
        last = curve_slopes(outcome.last, outcome.floor, checkpoints)
        budget = f"{outcome.problems} problems, T <= {outcome.iterations}, tau_0 = {TAU0}, seed {outcome.seed}"
        if bool(torch.isnan(slopes).all()):
            return CheckResult(Status.PASSED, f"every run reached its rounding floor ({budget})", outcome.problems)
        mean, low, high = slope_interval(slopes)
        detail = (
            f"slope of log(||grad f(theta_T)||^2 / RHS shape) vs log T: mean {mean:.3f}, 95% CI [{low:.3f}, "
            f"{high:.3f}]; slope of ||grad f(theta_T)||^2 itself {describe(slope_interval(last))}; "
            f"min lambda_min(FIM) on the paths {float(outcome.mu.min()):.3g}; {budget}"
        )
        return _experiment_result(
            high <= 0,
            detail,
            outcome,
            {"mean_slope": mean, "ci": [low, high]},
            "an observed growth at finite T does not decide an inequality with unnamed constants",
        )

    return Check("experiment: NGD with tau_t = tau_0/sqrt(t), eta_t = 1/sqrt(t)", Kind.EXPERIMENT, catches, evaluate)


def schedule_limit_check(*, catches: str) -> Check:
    """sum_(t<=T) t^(-1/2) / sqrt(T) at T = 2^10 .. 2^24 in float64: Thm 3's right-hand side over C2 tau_0, which
    a convergence guarantee needs to tend to 0.  PASSED when it halves over the range; otherwise FAILED, certified
    when it stays above 1.9 (it approaches 2 from below; the sums are exact to ~2e-9 relative)."""

    def evaluate(ctx: RunContext) -> CheckResult:
        t = torch.arange(1, 2**24 + 1, dtype=torch.float64)
        sums = (1 / t.sqrt()).cumsum(0)
        marks = [2**k for k in range(10, 25, 2)]
        ratios = [float(sums[m - 1] / math.sqrt(m)) for m in marks]
        detail = "sum_(t<=T) t^(-1/2) / sqrt(T) at T = 2^10, 2^12, ..., 2^24: " + ", ".join(f"{r:.6f}" for r in ratios)
        if ratios[-1] < ratios[0] / 2:
            return CheckResult(Status.PASSED, detail + " (falling towards 0)", cases=len(marks))
        observed = {"T": marks, "ratio": ratios}
        certificate = "float64 cumulative sums of 2^24 terms, exact to gamma_(2^24) * 2 sqrt(T) ~ 2e-9 relative"
        return CheckResult(
            Status.FAILED,
            detail + " (not tending to 0)",
            cases=len(marks),
            counterexample=Counterexample({"tau_t": "tau_0 / sqrt(t)"}, observed, ratios[-1] > 1.9, certificate),
        )

    return Check("float64: partial sums of tau_t over sqrt(T)", Kind.NUMERIC, catches, evaluate)
