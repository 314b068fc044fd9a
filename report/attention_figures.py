"""Figures for the attention-layer claims (attn-natgrad Thm 1, 3, 4; fim-attn Thm 2): the measured error
distributions of numeric.attention_measurements, by sharpness, and the observed convergence of
numeric.natural_gradient_rate, beside the claimed rate."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from fim_audit.numeric.context import RunContext
from fim_audit.numeric import attention_measurements, natural_gradient_rate
from fim_audit.report.figures import log_axes


def _sample(ctx: RunContext) -> attention_measurements.Sample:
    return attention_measurements.measure(ctx.shared_seed("attention-sample"))


def _by_sharpness(axes, values, transform=lambda v: v) -> None:
    for sharpness, row in zip(attention_measurements.SHARPNESS, values, strict=True):
        finite = row[~row.isnan()].numpy()
        axes.hist(transform(finite), bins=40, histtype="step", label=f"sharpness {sharpness:g}")
    axes.legend(fontsize=7)


def fisher_relative_errors(ctx: RunContext):
    """||M - aa^T||_F / ||M||_F against H(a) (logit space) and the parameter-space error, log-log, with 1."""
    sample = _sample(ctx)
    figure, axes = log_axes("Thm 1: relative error of 'FIM ~ E[AA^T]'", "H(a_0) (nats)", "relative error")
    for sharpness, h, logit, parameter in zip(
        attention_measurements.SHARPNESS,
        sample.entropy,
        sample.logit_relative_error,
        sample.parameter_relative_error,
        strict=True,
    ):
        axes.scatter(h.numpy(), logit.numpy(), s=4, label=f"logit space, sharpness {sharpness:g}", rasterized=True)
        axes.scatter(
            h.numpy(), parameter.numpy(), s=4, marker="x", label=f"vec(W), sharpness {sharpness:g}", rasterized=True
        )
    axes.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    axes.annotate("relative error 1 (the zero matrix)", (1e-3, 1.1), fontsize=7, color="grey")
    axes.legend(fontsize=6, ncol=2)
    return figure


def direction_cosines(ctx: RunContext):
    """Histograms of cos(F^-1 grad L, (I + A) grad L) by sharpness, score space and value space."""
    sample = _sample(ctx)
    figure, panels = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
    for axes, values, title in (
        (panels[0], sample.score_cosine, "score space (query 0)"),
        (panels[1], sample.value_cosine, "value space (F = A^T A)"),
    ):
        axes.axvline(1.0, color="k", linestyle="--", linewidth=1, label="the claim: cosine near 1")
        _by_sharpness(axes, values)
        axes.axvline(0.0, color="grey", linestyle=":")
        axes.set_title(f"Thm 3, {title}", fontsize=9)
        axes.set(xlabel="cosine", ylabel="layers")
    return figure


def conditioning_ratios(ctx: RunContext):
    """Histogram of log10 (mu_eff / L_eff) / (mu / L) for H = A^T A and P = I + A (> 0 would be the claim)."""
    sample = _sample(ctx)
    figure, axes = plt.subplots()
    _by_sharpness(axes, sample.value_conditioning, lambda v: np.log10(np.clip(v, 1e-6, None)))
    axes.axvline(0.0, color="grey", linestyle=":")
    axes.set_title("Thm 4: conditioning after / before (I + A), value regression")
    axes.set_xlabel("log10 of (mu_eff / L_eff) / (mu / L), clipped at -6")
    axes.set_ylabel("layers")
    return figure


def rate_curves(ctx: RunContext):
    """min_(t <= T) ||grad f(theta_t)||^2 against T for every problem, with C / sqrt(T) through the first point."""
    outcome = natural_gradient_rate.thm2_run(ctx)
    figure, axes = log_axes("Thm 2: natural gradient with F~, eta_t = 1/sqrt(t)", "T", "min_(t<=T) ||grad f||^2")
    t = outcome.checkpoints.numpy()
    for curve in outcome.best:
        axes.plot(t, curve.numpy(), linewidth=1)
    start = float(outcome.best[:, 0].max())
    axes.plot(t, start / np.sqrt(t), "k--", label="C / sqrt(T) (the claimed rate)")
    axes.plot(t, start / t, "k:", label="C / T")
    axes.legend(fontsize=7)
    axes.set_ylim(bottom=max(float(outcome.best.min()) / 10, 1e-30), top=start * 10)
    return figure
