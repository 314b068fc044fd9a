"""Checks that read the training campaigns (:mod:`numeric.training.experiments`) and decide issue 10's claims.

Every comparison is paired by seed (the two arms share initial weights and data order) and decided by the 95%
t interval of the per-seed differences, the rule of the public builder :mod:`claims.builders.paired`, with the
float32 rounding bound of the compared quantity (a mean over ``depth`` float32 terms,
:func:`numeric.tolerance.rounding_tolerance`).  Bespoke because each statement is read off shared training
campaigns (which runs, which metric at which step), not off a formula a builder could take.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Sequence

import torch

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.pooled_fisher import KNLP_SAMPLES
from fim_audit.numeric.training.loop import KNLP_BATCH
from fim_audit.claims.builders.paired import Sample, decide
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.training import experiments
from fim_audit.numeric.confidence import describe, mean_interval
from fim_audit.numeric.tolerance import REFUTATION_MARGIN, rounding_tolerance


def _heads(log: dict[str, Any], metric: str, evaluation: int) -> list[float]:
    """A metric of every head (all layers, flattened) at one evaluation of a run."""
    return [v for layer in log["metrics"][evaluation][metric] for v in layer]


def head_mean(log: dict[str, Any], metric: str, evaluation: int = -1) -> float:
    """A metric averaged over layers and heads at one evaluation of a run."""
    return statistics.fmean(_heads(log, metric, evaluation))


ARM_NAMES = {False: "standard initialisation", True: "from a sharp initialisation"}
"""The two arms the attention-dynamics checks read, by their ``sharp`` flag."""


def _arm_runs(ctx: RunContext, sharp: bool) -> list[dict[str, Any]]:
    """The standard runs, or with ``sharp`` the same runs from a sharp initialisation."""
    return experiments.sharp_runs(ctx) if sharp else experiments.standard_runs(ctx)


def loss_area(log: dict[str, Any]) -> float:
    """The mean validation loss over the evaluations after step 0: the area under the loss-vs-step curve per
    step (lower = faster convergence over the whole run); +inf for a diverged run."""
    losses = log["val_loss"][1:]
    if len(losses) < len(log["step"]) - 1 or any(v is None for v in losses):
        return math.inf
    return statistics.fmean(losses)


def _rounding(depth: int, magnitude: float) -> float:
    return float(rounding_tolerance(depth, torch.tensor(magnitude, dtype=torch.float64), torch.float32))


def interval_result(
    differences: Sequence[float],
    *,
    claimed_sign: int,
    what: str,
    detail: str,
    depth: int,
    magnitude: float,
    inputs: dict[str, Any],
    scale: float | None = None,
) -> CheckResult:
    """Decide ``claimed_sign * mean(differences) > 0`` by the interval rule of :mod:`claims.builders.paired`, with
    the float32 rounding bound of a mean over ``depth`` terms of size ``magnitude``; ``scale`` (the size of the
    compared quantity) makes the decision state its resolution (:class:`claims.builders.paired.Sample`)."""
    sample = Sample(differences, what, _rounding(depth, magnitude), detail, inputs, scale)
    return decide(sample, "positive" if claimed_sign > 0 else "negative")


def _bound_result(
    excess: float, tolerance: float, detail: str, cases: int, inputs: dict[str, Any], observed: dict[str, Any]
) -> CheckResult:
    """A measured value against a bound it must respect: PASSED when it exceeds the bound by at most
    ``tolerance``; FAILED otherwise, certified beyond REFUTATION_MARGIN tolerances."""
    if excess <= tolerance:
        return CheckResult(Status.PASSED, detail, cases=cases)
    certified = excess > REFUTATION_MARGIN * tolerance
    counterexample = Counterexample(inputs, observed, certified, f"float margin: {excess / tolerance:.3g} tolerances")
    return CheckResult(Status.FAILED, detail, cases, counterexample=counterexample)


def _run_inputs(ctx: RunContext, **extra: Any) -> dict[str, Any]:
    budget = experiments.budget_for(ctx)
    return {
        "budget": experiments.describe_budget(ctx),
        "profile": ctx.profile.name,
        "device": str(ctx.device),
        "steps": budget.steps,
        **extra,
    }


def _validation_tokens(ctx: RunContext) -> int:
    budget = experiments.budget_for(ctx)
    return budget.validation_windows * budget.length


def _attention_entries(ctx: RunContext) -> int:
    """Entries of the T x T attention maps of the metric windows: the summation depth of every per-head
    attention metric (entropy, span, correlation, ||A - F||_F)."""
    budget = experiments.budget_for(ctx)
    return budget.metric_windows * budget.length * budget.length


def optimizer_check(optimizer: str, *, catches: str) -> Check:
    """tt-fim.sec4-faster: ``optimizer`` (a FA-Adam reading) against Adam, each at its own chosen learning rate:
    the per-seed difference of the loss area (:func:`loss_area`) is negative."""

    def evaluate(ctx: RunContext) -> CheckResult:
        sweep = experiments.optimizer_sweep(ctx)
        arms = sweep["optimizers"]
        adam, other = arms["adam"], arms[optimizer]
        differences = [loss_area(o) - loss_area(a) for o, a in zip(other["runs"], adam["runs"], strict=True)]
        # Wall-clock seconds (the runs' logs keep them, and the figure plots loss against them) depend on the
        # machine and its load, so they stay out of the detail: the same commit must give the same record.
        detail = (
            f"chosen lr {optimizer} {other['lr']:g} vs Adam {adam['lr']:g} (grid {list(sweep['budget'].lrs)}, "
            f"selection seeds {list(sweep['selection_seeds'])}); final validation loss {optimizer} "
            f"{describe(mean_interval([experiments.final_loss(r) for r in other['runs']]))}, Adam "
            f"{describe(mean_interval([experiments.final_loss(r) for r in adam['runs']]))}; "
            f"{experiments.describe_budget(ctx)}"
        )
        return interval_result(
            differences,
            claimed_sign=-1,
            what=f"mean validation loss over the run, {optimizer} minus Adam",
            detail=detail,
            depth=_validation_tokens(ctx),
            magnitude=max(loss_area(r) for r in adam["runs"]),
            inputs=_run_inputs(ctx, optimizer=optimizer, lr=other["lr"], adam_lr=adam["lr"]),
        )

    return Check(f"experiment: {optimizer} against Adam on the character GPT", Kind.EXPERIMENT, catches, evaluate)


SPECTRUM_METRICS = ("eigmax", "trace", "energy_r8", "energy_r16")


def reciprocal_check(*, catches: str) -> Check:
    """fim-metrics.ra-lower-eigmax: RA's eigmax (mean over layers, heads and rows, at the end of training)
    minus standard attention's, per seed, is negative; the other metrics are reported beside it."""

    def evaluate(ctx: RunContext) -> CheckResult:
        standard, reciprocal = experiments.standard_runs(ctx), experiments.reciprocal_runs(ctx)

        def gap(metric: str) -> list[float]:
            return [head_mean(r, metric) - head_mean(s, metric) for r, s in zip(reciprocal, standard, strict=True)]

        others = "; ".join(f"{m} {describe(mean_interval(gap(m)))}" for m in SPECTRUM_METRICS[1:])
        loss = [
            experiments.final_loss(r) - experiments.final_loss(s) for r, s in zip(reciprocal, standard, strict=True)
        ]
        budget = experiments.budget_for(ctx)
        return interval_result(
            gap("eigmax"),
            claimed_sign=-1,
            what="final eigmax, RA minus standard",
            detail=f"RA minus standard, final: {others}; validation loss {describe(mean_interval(loss))}; "
            f"{experiments.describe_budget(ctx)}",
            depth=budget.metric_windows * budget.length * budget.layers * budget.heads,
            magnitude=max(head_mean(s, "eigmax") for s in standard),
            inputs=_run_inputs(ctx),
            scale=statistics.fmean(head_mean(s, "eigmax") for s in standard),
        )

    return Check("experiment: RA against standard attention, paired seeds", Kind.EXPERIMENT, catches, evaluate)


def knlp_layer_mean(log: dict[str, Any], measure: str, metric: str = "eigmax") -> float:
    """A metric of the final knlp measurement (:func:`numeric.training.loop.knlp_measurements`), ``measure`` =
    "knlp" (what the doc's code computes) or "pooled" (exact pooled Fisher of the attention rows), mean over
    layers of the means over heads."""
    return statistics.fmean(log["knlp"][measure][metric])


def reciprocal_knlp_check(measure: str, *, catches: str) -> Check:
    """fim-metrics.ra-lower-eigmax measured the doc's way: RA's final eigmax minus standard attention's, per seed, on
    KNLP_BATCH x T random tokens, pooled over 64 sampled rows per head; ``measure`` = "knlp" takes reciprocal layers'
    column softmax of the unmasked scores (the doc's code), "pooled" the layer's own attention rows.  The detail
    says what the column softmax does: knlp's eigmax and trace of RA's reciprocal layers over the exact ones."""
    if measure not in ("knlp", "pooled"):
        raise ValueError(f"measure {measure!r} is not 'knlp' or 'pooled'")

    def evaluate(ctx: RunContext) -> CheckResult:
        standard, reciprocal = experiments.standard_runs(ctx), experiments.reciprocal_runs(ctx)
        gap = [
            knlp_layer_mean(r, measure) - knlp_layer_mean(s, measure) for r, s in zip(reciprocal, standard, strict=True)
        ]
        reversed_layers = [(r["knlp"], k) for r in reciprocal for k, rev in enumerate(r["knlp"]["reversed"]) if rev]

        def artefact(metric: str) -> float:
            return statistics.fmean(m["knlp"][metric][k] / m["pooled"][metric][k] for m, k in reversed_layers)

        sums = [v for m, k in reversed_layers for v in m["row_sums"][k]]
        budget = experiments.budget_for(ctx)
        return interval_result(
            gap,
            claimed_sign=-1,
            what=f"final eigmax measured the doc's way ({measure}), RA minus standard",
            detail=f"in RA's reciprocal layers knlp's eigmax is {artefact('eigmax'):.3f} and its trace "
            f"{artefact('trace'):.3f} times the exact pooled value (rows of the column softmax sum to "
            f"{min(sums):.3g}..{max(sums):.3g}); {experiments.describe_budget(ctx)}",
            depth=KNLP_SAMPLES * budget.length,
            magnitude=max(knlp_layer_mean(s, measure) for s in standard),
            inputs=_run_inputs(ctx, measure=measure, tokens=f"{KNLP_BATCH} x {budget.length} uniform"),
            scale=statistics.fmean(knlp_layer_mean(s, measure) for s in standard),
        )

    label = "column softmax of reciprocal layers, as the doc's code" if measure == "knlp" else "the layers' own rows"
    return Check(f"experiment: RA against standard attention, pooled, {label}", Kind.EXPERIMENT, catches, evaluate)


def _evaluation_index(log: dict[str, Any], fraction: float) -> int:
    """The evaluation closest to ``fraction`` of the run."""
    target = fraction * log["step"][-1]
    return min(range(len(log["step"])), key=lambda k: abs(log["step"][k] - target))


def entropy_drop_check(
    start: float, *, catches: str, end: float = 1.0, sharp: bool = False, rises: bool = False
) -> Check:
    """holistic.rg-temperature: the normalised attention entropy (mean over layers and heads) at ``end`` minus its
    value at ``start`` (fractions of the run) is negative (positive with ``rises``), per seed; on the standard runs,
    or with ``sharp`` on the same runs from a sharp initialisation (:func:`numeric.training.experiments.sharp_runs`)."""

    def evaluate(ctx: RunContext) -> CheckResult:
        runs = _arm_runs(ctx, sharp)
        marks = [(_evaluation_index(r, start), _evaluation_index(r, end)) for r in runs]
        pairs = list(zip(runs, marks, strict=True))
        differences = [head_mean(r, "entropy", j) - head_mean(r, "entropy", k) for r, (k, j) in pairs]
        heads = [
            sum(f < i for f, i in zip(_heads(r, "entropy", j), _heads(r, "entropy", k), strict=True))
            for r, (k, j) in pairs
        ]
        budget = experiments.budget_for(ctx)
        (k, j), steps = marks[0], runs[0]["step"]
        start_value = statistics.fmean(head_mean(r, "entropy", m[0]) for r, m in pairs)
        initialisation = (
            f"query/key init std {experiments.SHARP_ATTENTION_INIT} (mean entropy at step {steps[k]}: "
            f"{start_value:.3f})"
            if sharp
            else f"standard init (mean entropy at step {steps[k]}: {start_value:.3f})"
        )
        return interval_result(
            differences,
            claimed_sign=1 if rises else -1,
            what=f"entropy / log(i+1) at step {steps[j]} minus at step {steps[k]}",
            detail=f"{initialisation}; heads whose entropy fell, per seed: {heads} of "
            f"{budget.layers * budget.heads}; {experiments.describe_budget(ctx)}",
            depth=_attention_entries(ctx),
            magnitude=1.0,
            inputs=_run_inputs(ctx, from_step=steps[k], to_step=steps[j], sharp_init=sharp),
        )

    span = "to the end" if end == 1.0 else f"to {end:g} of the run"
    origin = "initialisation" if start == 0 else f"{start:g} of the run"
    direction = "rise" if rises else "fall"
    name = f"experiment: entropy {direction} from {origin} {span}, {ARM_NAMES[sharp]}"
    return Check(name, Kind.EXPERIMENT, catches, evaluate)


def head_pairs(log: dict[str, Any]) -> list[tuple[float, float]]:
    """(|span_1 - span_2|, |correlation|) for every pair of heads at the end of a run."""
    final = log["metrics"][-1]
    spans = [v for layer in final["span"] for v in layer]
    correlation = final["correlation"]
    return [
        (abs(spans[i] - spans[j]), abs(correlation[i][j])) for i in range(len(spans)) for j in range(i + 1, len(spans))
    ]


def least_squares_slope(points: Sequence[tuple[float, float]]) -> float:
    """The slope of the least-squares line through ``points`` (the report's figure draws the same line)."""
    xs, ys = zip(*points, strict=True)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)


def scale_decay_check(*, catches: str, sharp: bool = False) -> Check:
    """fim-attn.prop2, span reading: per seed, the least-squares slope of |corr(head_1, head_2)| against
    |span_1 - span_2| over all pairs of heads is negative (coupling falls as the scales separate); on the standard
    runs, or with ``sharp`` on the runs from a sharp initialisation."""

    def evaluate(ctx: RunContext) -> CheckResult:
        runs = _arm_runs(ctx, sharp)
        slopes = [least_squares_slope(head_pairs(r)) for r in runs]
        pairs = len(head_pairs(runs[0]))
        points = [point for r in runs for point in head_pairs(r)]
        # the slope that changes |corr| by 100% of its mean over the mean span separation
        scale = statistics.fmean(c for _, c in points) / statistics.fmean(s for s, _ in points)
        return interval_result(
            slopes,
            claimed_sign=-1,
            what="slope of |corr| against |span difference|",
            detail=f"{pairs} head pairs per seed; {experiments.describe_budget(ctx)}",
            depth=_attention_entries(ctx),
            magnitude=1.0,
            inputs=_run_inputs(ctx),
            scale=scale,
        )

    return Check(
        f"experiment: head coupling against span separation, {ARM_NAMES[sharp]}", Kind.EXPERIMENT, catches, evaluate
    )


def correlation_bound_check(*, catches: str) -> Check:
    """fim-attn.prop2, as written: every measured |corr| <= C exp(-|Lambda_1 - Lambda_2| / xi) with C = 1 and
    Lambda = d_Lambda (equal for every head), i.e. |corr| <= 1 for every pair of heads."""

    def evaluate(ctx: RunContext) -> CheckResult:
        runs = experiments.standard_runs(ctx)
        worst = max(c for r in runs for _, c in head_pairs(r))
        detail = f"largest |corr| between heads {worst:.4f} (bound 1) over {len(runs)} seeds; " + (
            experiments.describe_budget(ctx)
        )
        tolerance = _rounding(_attention_entries(ctx), 1.0)
        return _bound_result(worst - 1, tolerance, detail, len(runs), _run_inputs(ctx), {"max_abs_corr": worst})

    return Check("experiment: every head pair within the bound with C = 1", Kind.EXPERIMENT, catches, evaluate)


def distance_bound_check(contraction: bool, *, catches: str) -> Check:
    """tt-fim.thm3.1 along the standard runs: ||A(theta_t) - F(theta_t)||_F (mean over layers, heads and windows)
    at the end minus the claimed bound (1 - eta lambda)^t ||A(theta_0) - F(theta_0)||_F, per seed, is <= 0.
    ``contraction=False`` uses lambda = lambda_min(F) = 0 (the bound is the initial distance);
    ``contraction=True`` uses lambda = lambda_2(F(theta_0)), F's smallest positive eigenvalue, and eta = the
    runs' learning rate."""

    def evaluate(ctx: RunContext) -> CheckResult:
        sweep = experiments.optimizer_sweep(ctx)
        eta = sweep["optimizers"]["adam"]["lr"]
        runs = experiments.standard_runs(ctx)
        excess, bounds = [], []
        for r in runs:
            factor = (1 - eta * head_mean(r, "lambda_2", 0)) ** r["step"][-1] if contraction else 1.0
            bounds.append(factor * head_mean(r, "distance", 0))
            excess.append(head_mean(r, "distance") - bounds[-1])
        reading = "(1 - eta lambda_2)^t" if contraction else "lambda_min(F) = 0, bound = initial distance"
        return interval_result(
            excess,
            claimed_sign=-1,
            what="final ||A - F||_F minus the claimed bound",
            detail=f"{reading}; bound per seed {[round(b, 4) for b in bounds]}, eta = {eta:g}, "
            f"{experiments.describe_budget(ctx)}",
            depth=_attention_entries(ctx),
            magnitude=max(head_mean(r, "distance") for r in runs),
            inputs=_run_inputs(ctx, eta=eta, contraction=contraction),
        )

    name = "experiment: ||A - F||_F against " + ("the contracting bound" if contraction else "its initial value")
    return Check(name, Kind.EXPERIMENT, catches, evaluate)


def distance_floor_check(*, catches: str) -> Check:
    """The correction: every tracked ||A - F||_F (every layer, head and evaluation of every standard run, each a
    mean over windows of values >= 1) is >= 1 within float32 rounding."""

    def evaluate(ctx: RunContext) -> CheckResult:
        runs = experiments.standard_runs(ctx)
        values = [v for r in runs for e in r["metrics"] for layer in e["distance"] for v in layer]
        smallest = min(values)
        tolerance = _rounding(_attention_entries(ctx), max(values))
        detail = f"smallest of {len(values)} tracked distances {smallest:.4f} (largest {max(values):.4f}); " + (
            experiments.describe_budget(ctx)
        )
        return _bound_result(
            1 - smallest, tolerance, detail, len(values), _run_inputs(ctx), {"smallest_distance": smallest}
        )

    return Check("experiment: ||A - F||_F >= 1 along every run", Kind.EXPERIMENT, catches, evaluate)
