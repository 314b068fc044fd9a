"""Figures for the temperature and entropy claims: each approximation's error against tau or against entropy,
on log axes, with the claimed bound drawn beside it (fim-attn Lemma 2, App. A, Prop. 1, Thm 3 step 4;
holistic §2.2).  Every curve is computed with the same numeric helpers the checks use."""

from __future__ import annotations

import math

import numpy as np
import torch

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.softmax import softmax
from fim_audit.numeric.temperature import entropy, entropy_density, rem_typical_scores, zero_temperature_limit
from fim_audit.numeric.temperature import lemma2_gap, prop1_gap
from fim_audit.report.figures import log_axes

BOUND_CONSTANTS = (1.0, 10.0, 100.0)
LOGIT_CASES = ((0.0, 1.0), (0.0, 0.5, 2.0), (0.0, 0.0))
TAUS = torch.logspace(-3, 1, 200, dtype=torch.float64)


def _bound_lines(axes, x: np.ndarray, label: str) -> None:
    for c in BOUND_CONSTANTS:
        axes.plot(x, c * x, color="grey", linestyle=":", linewidth=1)
        axes.annotate(f"{label} = {c:g}", (x[-1], c * x[-1]), fontsize=7, color="grey")


def lemma2_gap_against_tau(ctx: RunContext):
    """||E[A A^T] - (diag a - a a^T)||_2 against tau, two readings, three logit vectors, with C tau."""
    figure, axes = log_axes("Lemma 2: the gap does not vanish as tau -> 0", "tau", "||E[AA^T] - (diag a - aa^T)||_2")
    for z in LOGIT_CASES:
        logits = torch.tensor([z], dtype=torch.float64)
        for reading, style in (("base-attention", "-"), ("same-temperature", "--")):
            gaps = [float(torch.linalg.matrix_norm(lemma2_gap(logits, float(t), reading), ord=2)) for t in TAUS]
            axes.plot(TAUS.numpy(), gaps, style, label=f"z = {z}, {reading}")
    _bound_lines(axes, TAUS.numpy(), "C tau, C")
    axes.legend(fontsize=6)
    return figure


def prop1_gap_against_entropy(ctx: RunContext):
    """The Prop. 1 gap (A a one-hot sample from a) and the corrected quantity ||diag a - a a^T||_2 against H(a),
    along a = (1 - eps, eps) and a = (1 - eps, eps/2, eps/2), with C H(a)."""
    figure, axes = log_axes("Prop. 1: gap against entropy", "H(a)", "norm")
    eps = torch.logspace(-12, -0.4, 200, dtype=torch.float64)
    for name, family in (
        ("(1-e, e)", torch.stack([1 - eps, eps], dim=-1)),
        ("(1-e, e/2, e/2)", torch.stack([1 - eps, eps / 2, eps / 2], dim=-1)),
    ):
        h = entropy(family)
        axes.plot(h.numpy(), prop1_gap(family, "sample-from-a").numpy(), label=f"claimed gap, a = {name}")
        covariance = torch.diag_embed(family) - family[..., :, None] * family[..., None, :]
        norms = torch.linalg.matrix_norm(covariance, ord=2)
        axes.plot(h.numpy(), norms.numpy(), "--", label=f"||diag a - aa^T||, {name}")
    x = np.logspace(-11, 0, 50)
    _bound_lines(axes, x, "C H, C")
    axes.legend(fontsize=6)
    return figure


def taylor_error_against_tau(ctx: RunContext):
    """|sigma(z/tau) - sigma(z)|_inf (the expansion's claimed constant term) and |sigma(z/tau) - limit|_inf against
    tau, with C tau and exp(-gap/tau)."""
    figure, axes = log_axes("App. A: distance to sigma(z) and to the tau -> 0 limit", "tau", "max_i |difference|")
    for z in LOGIT_CASES[:2]:
        logits = torch.tensor([z], dtype=torch.float64)
        to_sigma = [float((softmax(logits, float(t)) - softmax(logits)).abs().max()) for t in TAUS]
        limit = zero_temperature_limit(logits)
        to_limit = [float((softmax(logits, float(t)) - limit).abs().max()) for t in TAUS]
        axes.plot(TAUS.numpy(), to_sigma, label=f"to sigma(z), z = {z}")
        axes.plot(TAUS.numpy(), np.maximum(to_limit, 1e-300), "--", label=f"to the limit, z = {z}")
    gap = 0.5
    axes.plot(TAUS.numpy(), np.exp(-gap / TAUS.numpy()), color="black", linewidth=0.8, label="exp(-gap/tau), gap = 1/2")
    _bound_lines(axes, TAUS.numpy(), "C tau, C")
    axes.set_ylim(1e-30, 10)
    axes.legend(fontsize=6)
    return figure


def schedule_partial_sums(ctx: RunContext):
    """sum_(t<=T) tau_t eta_t / tau_0 against T, with log T + gamma and constant bounds."""
    figure, axes = log_axes("Thm 3 step 4: partial sums grow like log T", "T", "sum / tau_0")
    axes.set_yscale("linear")
    t = np.unique(np.logspace(0, 6, 300).astype(int))
    partial = np.cumsum(1.0 / np.arange(1, t[-1] + 1))[t - 1]
    axes.plot(t, partial, label="sum_(t<=T) 1/t")
    axes.plot(t, np.log(t) + 0.5772156649015329, "--", label="log T + gamma")
    for c in (5.0, 10.0):
        axes.axhline(c, color="grey", linestyle=":", linewidth=1)
        axes.annotate(f"C = {c:g}", (t[0], c), fontsize=7, color="grey")
    axes.legend(fontsize=7)
    return figure


def rem_entropy_density(ctx: RunContext):
    """H / log n against T for the random energy model's typical scores at three sizes, with the limit
    max(0, 1 - 1/T^2) (the sample of the check, numeric.temperature.rem_typical_scores)."""
    figure, axes = log_axes("Random energy model: entropy density against T", "T", "H / log n")
    axes.set_xscale("linear")
    axes.set_yscale("linear")
    temperatures = torch.linspace(0.2, 3.0, 60, dtype=torch.float64)
    for n in (2**8, 2**14, 2**20):
        density = entropy_density(rem_typical_scores(n), temperatures.tolist())
        axes.plot(temperatures.numpy(), density.numpy(), label=f"n = 2^{int(math.log2(n))}")
    limit = np.maximum(0, 1 - 1 / temperatures.numpy() ** 2)
    axes.plot(temperatures.numpy(), limit, "k--", label="limit max(0, 1 - 1/T^2)")
    axes.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    axes.legend(fontsize=7)
    return figure
