"""Figures for the training claims of issue 10 (tt-fim §3.1 and §4, fim-metrics "Result", holistic §2.3,
fim-attn Thm 3 and Prop. 2): curves over training are the mean over seeds with a shaded 95% t band."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fim_audit.numeric.context import RunContext
from fim_audit.numeric import natural_gradient_rate
from fim_audit.numeric.training import experiments
from fim_audit.numeric.confidence import mean_interval
from fim_audit.claims.checks.training import head_mean, head_pairs, least_squares_slope
from fim_audit.report.figures import log_axes


def _band(axes, x, per_seed: list[list[float]], label: str, **style) -> None:
    """Mean over seeds of aligned curves with its 95% interval shaded (runs that diverged, whose logs stop early,
    are left out)."""
    per_seed = [curve for curve in per_seed if len(curve) == len(x) and None not in curve]
    if len(per_seed) < 2:
        return
    columns = [mean_interval(values) for values in zip(*per_seed, strict=True)]
    mean, low, high = (np.array(v) for v in zip(*columns, strict=True))
    (line,) = axes.plot(x, mean, label=label, linewidth=1.2, **style)
    axes.fill_between(x, low, high, color=line.get_color(), alpha=0.2)


def optimizer_curves(ctx: RunContext):
    """Validation loss against steps and against training seconds for Adam and both FA-Adam readings."""
    sweep = experiments.optimizer_sweep(ctx)
    figure, (by_step, by_time) = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    for name, arm in sweep["optimizers"].items():
        runs = arm["runs"]
        label = f"{name} (lr {arm['lr']:g})"
        _band(by_step, runs[0]["step"], [r["val_loss"] for r in runs], label)
        seconds = np.mean([r["seconds"] for r in runs], axis=0)
        _band(by_time, seconds, [r["val_loss"] for r in runs], label)
    by_step.set(xlabel="step", ylabel="validation loss (nats/char)", title="tt-fim §4: loss against steps")
    by_time.set(
        xlabel="training seconds (mean over seeds)",
        ylabel="validation loss (nats/char)",
        title="loss against wall time",
    )
    by_step.legend(fontsize=7)
    return figure


def spectrum_over_training(ctx: RunContext):
    """eigmax, trace, energy_r8 and energy_r16 (mean over layers, heads, rows) over training, standard vs RA."""
    arms = {"standard": experiments.standard_runs(ctx), "reciprocal (RA)": experiments.reciprocal_runs(ctx)}
    figure, grid = plt.subplots(1, 4, figsize=(12, 3.2), constrained_layout=True)
    for axes, metric in zip(grid, ("eigmax", "trace", "energy_r8", "energy_r16"), strict=True):
        for label, runs in arms.items():
            per_seed = [[head_mean(r, metric, k) for k in range(len(r["step"]))] for r in runs]
            _band(axes, runs[0]["step"], per_seed, label)
        axes.set(xlabel="step", ylabel=f"{metric} (mean over heads)", title=metric)
    grid[0].legend(fontsize=7)
    return figure


def entropy_over_training(ctx: RunContext):
    """Normalised attention entropy of every layer and head over training (mean over seeds), and the model mean."""
    runs = experiments.standard_runs(ctx)
    figure, axes = plt.subplots(figsize=(6, 3.4), constrained_layout=True)
    steps = runs[0]["step"]
    layers = len(runs[0]["metrics"][0]["entropy"])
    heads = len(runs[0]["metrics"][0]["entropy"][0])
    for layer in range(layers):
        for head in range(heads):
            curve = np.mean([[e["entropy"][layer][head] for e in r["metrics"]] for r in runs], axis=0)
            axes.plot(steps, curve, linewidth=0.8, label=f"layer {layer} head {head}")
    _band(axes, steps, [[head_mean(r, "entropy", k) for k in range(len(steps))] for r in runs], "mean", color="k")
    axes.set(xlabel="step", ylabel="H(a_i) / log(i + 1)", title="holistic §2.3: attention entropy over training")
    axes.legend(fontsize=6)
    return figure


def distance_over_training(ctx: RunContext):
    """||A - F||_F over training beside tt-fim §3.1's bound in both readings and the floor 1."""
    runs = experiments.standard_runs(ctx)
    eta = experiments.optimizer_sweep(ctx)["optimizers"]["adam"]["lr"]
    steps = np.array(runs[0]["step"], dtype=float)
    figure, axes = plt.subplots(figsize=(6, 3.4), constrained_layout=True)
    _band(axes, steps, [[head_mean(r, "distance", k) for k in range(len(steps))] for r in runs], "||A - F||_F")
    start = np.mean([head_mean(r, "distance", 0) for r in runs])
    lam = np.mean([head_mean(r, "lambda_2", 0) for r in runs])
    axes.axhline(start, color="C1", linestyle="--", label="bound with lambda_min(F) = 0")
    axes.plot(steps, (1 - eta * lam) ** steps * start, "C2:", label="bound with lambda_2(F)")
    axes.axhline(1.0, color="grey", linewidth=1, label="lower bound 1 (proved)")
    axes.set(xlabel="step", ylabel="mean over heads", title="tt-fim §3.1: attention against its FIM block")
    axes.legend(fontsize=7)
    return figure


def coupling_against_span(ctx: RunContext):
    """|corr| between the attention maps of two heads against the difference of their spans, every seed, with
    each seed's least-squares line (the span reading claims a falling one) and the bound C = 1."""
    runs = experiments.standard_runs(ctx)
    figure, axes = plt.subplots(figsize=(5.5, 3.4), constrained_layout=True)
    for index, r in enumerate(runs):
        x, y = zip(*head_pairs(r), strict=True)
        axes.scatter(x, y, s=12, label=f"seed {index}")
        slope = least_squares_slope(head_pairs(r))
        ends = np.array([min(x), max(x)])
        axes.plot(ends, np.mean(y) + slope * (ends - np.mean(x)), linewidth=0.8, color=f"C{index}")
    axes.axhline(1.0, color="grey", linestyle="--", linewidth=1, label="C exp(0) with C = 1 (the d_Lambda reading)")
    axes.set(xlabel="|span_1 - span_2| (tokens)", ylabel="|corr(A_1, A_2)|", title="fim-attn Prop. 2: coupling")
    axes.legend(fontsize=6)
    return figure


def schedule_curves(ctx: RunContext):
    """||grad f(theta_T)||^2 against T for every problem under Thm 3's schedule, beside the right-hand side's
    shape (1 + sum tau_t) / sqrt(T), which tends to a constant."""
    outcome = natural_gradient_rate.thm3_run(ctx)
    figure, axes = log_axes("Thm 3: tau_t = tau_0/sqrt(t), eta_t = 1/sqrt(t)", "T", "||grad f(theta_T)||^2")
    t = outcome.checkpoints
    for curve in outcome.last:
        axes.plot(t.numpy(), curve.numpy(), linewidth=1)
    shape = natural_gradient_rate.schedule_rhs_shape(t.double()).numpy()
    axes.plot(t.numpy(), shape * float(outcome.last[:, 0].max()) / shape[0], "k--", label="(C1 + C2 sum tau_t)/sqrt(T)")
    axes.set_ylim(bottom=max(float(outcome.last.min()) / 10, 1e-30))
    axes.legend(fontsize=7)
    return figure
