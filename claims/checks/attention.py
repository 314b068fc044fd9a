"""Numeric checks of attn-natgrad Theorems 1-4 on the explicit attention layer (numeric.attention_model), each
a Hypothesis search over drawn layers (numeric.search.strategies.attention_problems) that a wrong statement fails.

Approximation claims ("~") are read in their weakest meaningful form, so that a failure is beyond argument:
a matrix approximation must have relative error below 1 (else the zero matrix does as well), a direction must
make an acute angle with the one it approximates, a preconditioner must not worsen mu / L.  Each check's detail
adds the measured distribution of the same quantity on a fixed sample (numeric.attention_measurements).

Tolerances follow numeric.tolerance: the magnitude of a computation is the computation on absolute values,
its depth the number of roundings in the longest chain (the softmax's, from its scores, plus the sums).

Bespoke, and why: the variables are whole attention layers (tokens X, weights W_Q and W_K, a loss direction), and
the quantities are parameter-space Fishers, natural-gradient directions and condition numbers of a layer, built
from autograd of the layer (numeric.attention_model) rather than a formula of a vector; a space of layers is not
among the builders' variables.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from typing import Any, Callable

import sympy as sp
import torch
from torch.func import jacrev

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, CheckResult, Kind
from fim_audit.numeric import attention_measurements
from fim_audit.numeric.attention_fisher import (
    cosine,
    pair_gradients,
    parameter_fisher,
    parameter_fisher_substituted,
    score_fisher_product,
    score_natural_gradient,
)
from fim_audit.numeric.attention_model import attention_scores, log_attention
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.claims.builders.primitives import Evaluation, check_property
from fim_audit.numeric.search.strategies import AttentionProblem, attention_problems
from fim_audit.numeric.tolerance import excess, gamma, rounding_tolerance, safe_norm, softmax_depth, violation, SAFETY

PARAMETERS = ("W", "W_Q", "W_K")
"""Readings of theta in attn-natgrad Thm 1: the bilinear form W = W_Q W_K^T, or W_Q, or W_K (k = d)."""


class Layer:
    """One drawn problem on the run's device and dtype, with its attention and the quantities shared by checks."""

    def __init__(self, problem: AttentionProblem, ctx: RunContext) -> None:
        self.problem = problem
        self.x, self.w_q, self.w_k = ctx.tensor(problem.x), ctx.tensor(problem.w_q), ctx.tensor(problem.w_k)
        self.direction = ctx.tensor(problem.direction)
        self.scale = 1 / math.sqrt(self.w_q.shape[-1])
        self.log_a = log_attention(self.x, self.w_q, self.w_k)
        self.a = self.log_a.exp()
        tokens, d = self.x.shape
        self.depth = float(softmax_depth(attention_scores(self.x, self.w_q, self.w_k)).max()) + 2 * tokens + 3 * d + 8

    def inputs(self) -> dict[str, Any]:
        return {
            "X": self.problem.x.tolist(),
            "W_Q": self.problem.w_q.tolist(),
            "W_K": self.problem.w_k.tolist(),
            "direction": self.problem.direction.tolist(),
            "A": self.a.tolist(),
        }

    def tolerance(self, magnitude: torch.Tensor) -> torch.Tensor:
        return rounding_tolerance(self.depth, magnitude, self.x.dtype)

    def autograd_pair_gradients(self, parameter: str) -> torch.Tensor:
        """grad_theta log P(i -> j) for every pair by torch.func.jacrev: (T, T, d, d)."""
        eye = torch.eye(self.x.shape[-1], dtype=self.x.dtype, device=self.x.device)
        if parameter == "W":
            return jacrev(lambda w: log_attention(self.x, w, eye))(self.w_q @ self.w_k.T)
        if parameter == "W_Q":
            return jacrev(lambda w: log_attention(self.x, w, self.w_k))(self.w_q)
        return jacrev(lambda w: log_attention(self.x, self.w_q, w))(self.w_k)

    def chained(self, parameter: str, per_w: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor) -> torch.Tensor:
        """Map gradients in W to gradients in theta: G (W), G W_K (W_Q), G^T W_Q (W_K)."""
        return {"W": per_w, "W_Q": per_w @ w_k, "W_K": per_w.transpose(-1, -2) @ w_q}[parameter]

    def pair_gradient_magnitude(self, parameter: str) -> torch.Tensor:
        """The pair formula c x_i (sum_l a_il (x_j - x_l))^T on absolute values, chained like the gradient."""
        ax = self.x.abs()
        spread = ax[None, :, :] + (self.a @ ax)[:, None, :]
        per_w = self.scale * ax[:, None, :, None] * spread[..., None, :]
        return self.chained(parameter, per_w, self.w_q.abs(), self.w_k.abs())


def _with_measurement(check: Check, measured: Callable[[attention_measurements.Sample], str]) -> Check:
    """The check with the measured distribution (on the fixed sample, seeded by the run) added to its detail."""

    def run(ctx: RunContext) -> CheckResult:
        result = check.run(ctx)
        sample = attention_measurements.measure(ctx.shared_seed("attention-sample"))
        return replace(result, detail=f"{result.detail}; measured: {measured(sample)}")

    return replace(check, run=run)


SHARP_EXAMPLES = 16
"""Layers of the measured sample's sharpest level run first by searches that take them (see direction_check)."""


def _layer_check(
    name: str,
    evaluate: Callable[[Layer], tuple[torch.Tensor, dict[str, Any]]],
    catches: str,
    *,
    sharp_examples: bool = False,
    **kwargs: Any,
) -> Check:
    """A property over drawn layers: ``evaluate`` returns per-case ratios and the observed values to report;
    ``sharp_examples`` runs SHARP_EXAMPLES layers of the seeded Gaussian sample first."""

    def run(ctx: RunContext) -> CheckResult:
        def evaluation(problem: AttentionProblem, ctx: RunContext) -> Evaluation:
            layer = Layer(problem, ctx)
            ratio, observed = evaluate(layer)
            return Evaluation(ratio.reshape(1), lambda _: (layer.inputs(), observed))

        examples = attention_measurements.sharp_problems(ctx.seed, SHARP_EXAMPLES) if sharp_examples else ()
        return check_property(attention_problems(ctx.profile.max_n), evaluation, ctx, examples=examples, **kwargs)

    return Check(name, Kind.NUMERIC, catches, run)


# --- Thm 1, the gradient --------------------------------------------------------------------------------------


def gradient_as_claimed(parameter: str, *, catches: str) -> Check:
    """Autograd grad_theta log P(i -> j), every pair, against X^T (I - A) X (Thm 1's proof)."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        autograd = layer.autograd_pair_gradients(parameter)
        eye = torch.eye(layer.x.shape[0], dtype=layer.x.dtype, device=layer.x.device)
        claimed = (layer.x.T @ (eye - layer.a) @ layer.x).expand_as(autograd)
        magnitude = layer.pair_gradient_magnitude(parameter) + layer.x.abs().T @ (eye + layer.a) @ layer.x.abs()
        ratio = excess(autograd, claimed, layer.tolerance(magnitude), dims=2).amax()
        return ratio, {"grad log P(0->0)": autograd[0, 0].tolist(), "X^T(I-A)X": claimed[0, 0].tolist()}

    return _layer_check(f"torch: autograd grad_{parameter} log P(i->j) vs X^T (I - A) X", evaluate, catches)


def gradient_closed_forms(*, catches: str) -> Check:
    """The correction: autograd pair gradients (W, W_Q, W_K) against c x_i (e_j - a_i)^T X chained, and
    grad_W sum_i log A_ii against c X^T (I - A) X computed as written."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        per_w = pair_gradients(layer.x, layer.a, layer.scale)
        ratios = []
        for parameter in PARAMETERS:
            autograd = layer.autograd_pair_gradients(parameter)
            closed = layer.chained(parameter, per_w, layer.w_q, layer.w_k)
            ratios.append(excess(autograd, closed, layer.tolerance(layer.pair_gradient_magnitude(parameter)), 2).amax())
        eye = torch.eye(layer.x.shape[0], dtype=layer.x.dtype, device=layer.x.device)
        diagonal_sum = layer.autograd_pair_gradients("W").diagonal(dim1=0, dim2=1).sum(dim=-1)
        written = layer.scale * layer.x.T @ (eye - layer.a) @ layer.x
        magnitude = layer.pair_gradient_magnitude("W").diagonal(dim1=0, dim2=1).sum(dim=-1)
        magnitude = magnitude + layer.scale * layer.x.abs().T @ (eye + layer.a) @ layer.x.abs()
        ratios.append(excess(diagonal_sum, written, layer.tolerance(magnitude), dims=2))
        return torch.stack(ratios).amax(), {
            "grad_W sum log A_ii": diagonal_sum.tolist(),
            "cX^T(I-A)X": written.tolist(),
        }

    return _layer_check(
        "torch: autograd pair gradients and grad_W sum_i log A_ii vs their closed forms", evaluate, catches
    )


# --- Thm 1 and Thm 2, the Fisher approximations ----------------------------------------------------------------


def _no_better_than_zero(error: torch.Tensor, reference: torch.Tensor, tolerance: torch.Tensor) -> torch.Tensor:
    """Ratio for the claim ||F - G|| <= ||F|| (relative error at most 1): > 1 when G is worse than 0."""
    return violation(safe_norm(error), safe_norm(reference), tolerance, dims=0)


def logit_fisher_approximation(*, catches: str) -> Check:
    """Every query row: ||M_i - a_i a_i^T||_F <= ||M_i||_F, M_i = diag(a_i) - a_i a_i^T."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        fisher = softmax_fisher(layer.a)
        substitute = layer.a[:, :, None] * layer.a[:, None, :]
        magnitude = torch.diag_embed(layer.a) + 2 * substitute
        tolerance = 2 * layer.tolerance(safe_norm(magnitude.flatten(start_dim=1), dim=-1))
        ratios = torch.stack(
            [_no_better_than_zero(fisher[i] - substitute[i], fisher[i], tolerance[i]) for i in range(len(fisher))]
        )
        worst = int(ratios.argmax())
        return ratios.amax(), {"row": worst, "M": fisher[worst].tolist(), "aa^T": substitute[worst].tolist()}

    return _with_measurement(
        _layer_check("torch: ||M - aa^T||_F <= ||M||_F for every query row", evaluate, catches),
        lambda s: (
            f"relative error {attention_measurements.summary(s.logit_relative_error)}; off-diagonal sign "
            f"mismatches {attention_measurements.summary(s.logit_sign_mismatch)}"
        ),
    )


def parameter_fisher_approximation(*, catches: str) -> Check:
    """Parameter space (theta = vec W): ||F_W - G_W||_F <= ||F_W||_F, G_W with a_i a_i^T in place of M_i."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        fisher = parameter_fisher(layer.x, layer.a, layer.scale)
        substitute = parameter_fisher_substituted(layer.x, layer.a, layer.scale)
        ax = layer.x.abs()
        magnitude = parameter_fisher_substituted(ax, layer.a, layer.scale)
        magnitude = 3 * magnitude + parameter_fisher(ax, layer.a, layer.scale).abs()
        ratio = _no_better_than_zero(fisher - substitute, fisher, 2 * layer.tolerance(safe_norm(magnitude)))
        return ratio, {"F_W": fisher.tolist(), "G_W": substitute.tolist()}

    return _with_measurement(
        _layer_check("torch: ||F_W - G_W||_F <= ||F_W||_F in vec(W)", evaluate, catches),
        lambda s: f"relative error {attention_measurements.summary(s.parameter_relative_error)}",
    )


def block_entry_approximation(*, catches: str) -> Check:
    """Thm 2, row-Fisher reading: |M^(i)_ij - A_ij| <= A_ij for every query i and key j != i."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        tokens = layer.a.shape[0]
        rows = torch.arange(tokens, device=layer.a.device)
        entries = softmax_fisher(layer.a)[rows, rows]  # (i, j) -> M^(i)_ij
        off = ~torch.eye(tokens, dtype=torch.bool, device=layer.a.device)
        error = (entries - layer.a).abs()
        tolerance = layer.tolerance(2 * (layer.a + layer.a.diagonal()[:, None] * layer.a))
        ratio = torch.where(off, violation(error, layer.a, tolerance, dims=0), 0.0).amax()
        return ratio, {"M^(i)_ij": entries.tolist(), "A": layer.a.tolist()}

    return _layer_check("torch: |M^(i)_ij - A_ij| <= A_ij for j != i", evaluate, catches)


# --- Thm 3, the update direction -------------------------------------------------------------------------------


def _exact_rows(rows: list[list[float]]) -> sp.Matrix:
    """A drawn attention matrix as exact rationals, each row renormalised exactly (still softmax(log A))."""
    exact = [[Fraction(v) for v in row] for row in rows]
    return sp.Matrix([[sp.Rational(v / sum(row)) for v in row] for row in exact])


def _exact_vector(values: list[float]) -> sp.Matrix:
    return sp.Matrix([sp.Rational(Fraction(v)) for v in values])


def _certify_inner(natural: sp.Matrix, claimed: sp.Matrix) -> tuple[bool, str, dict[str, Any]]:
    inner = (natural.T * claimed)[0]
    how = "exact rational arithmetic (sympy) at the float counterexample, rows renormalised exactly"
    return bool(inner < 0), how, {"exact_inner_product": float(inner), "exact_inner_product_negative": bool(inner < 0)}


def _score_space_exact(inputs: dict[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    """The query row with the most negative exact inner product (any negative one refutes)."""
    a_matrix = _exact_rows(inputs["A"])
    h = _exact_vector(inputs["direction"])
    natural = h - sp.ones(len(h), 1) * sum(h) / len(h)
    outcomes = []
    for i in range(a_matrix.rows):
        row = a_matrix[i, :].T
        gradient = (sp.diag(*row) - row * row.T) * h
        outcomes.append((*_certify_inner(natural, (sp.eye(len(h)) + a_matrix) * gradient), i))
    certified, how, exact, query = min(outcomes, key=lambda o: o[2]["exact_inner_product"])
    return certified, how, {**exact, "exact_query": query}


def _value_space_exact(inputs: dict[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    a_matrix = _exact_rows(inputs["A"])
    gradient = a_matrix.T * _exact_vector(inputs["direction"])
    fisher = a_matrix.T * a_matrix
    if fisher.det() == 0:
        return False, "A^T A is exactly singular: F^-1 grad L is undefined", {}
    return _certify_inner(fisher.LUsolve(gradient), (sp.eye(len(gradient)) + a_matrix) * gradient)


def direction_check(reading: str, *, catches: str) -> Check:
    """<F^-1 grad L, (I + A) grad L> > 0 (an acute angle), in every query row's score space or in the value
    regression."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        a, h = layer.a, layer.direction
        if reading == "score-space":  # every query row i in turn: F = M_i, grad L = M_i h
            gradient = score_fisher_product(a, h.expand_as(a))
            natural = score_natural_gradient(h).expand_as(a)
            gradient_magnitude = a * (a[:, None, :] * (h[:, None] - h[None, :]).abs()).sum(dim=-1)
            relative_solve = torch.zeros((), dtype=a.dtype)
            usable = (a > 0).all(dim=-1)  # M^+ M is the centring projector only where every a_ij > 0
        else:
            gradient = a.T @ h
            fisher = a.T @ a
            gradient_magnitude = a.T @ h.abs()
            # Backward-stable solve: relative error <= gamma kappa(F) (Higham Thm 7.2), kappa from the SVD.
            singular = torch.linalg.svdvals(fisher)
            relative_solve = gamma(layer.depth, a.dtype) * singular[0] / singular[-1]
            usable = bool(singular[-1] > 0) and float(relative_solve) < 0.5
            natural = torch.linalg.solve(fisher, gradient) if usable else torch.zeros_like(gradient)
            usable = torch.tensor(usable, device=a.device)
        claimed = gradient + gradient @ a.T  # row i: (I + A) g_i
        inner = (natural * claimed).sum(dim=-1)
        claimed_magnitude = gradient_magnitude + gradient_magnitude @ a.T
        magnitude = (natural.abs() * claimed_magnitude).sum(dim=-1) * (1 + relative_solve * SAFETY)
        ratios = torch.where(usable, violation(-inner, torch.zeros_like(inner), layer.tolerance(magnitude), 0), 0.0)
        worst = int(ratios.reshape(-1).argmax())
        pick = (lambda v: v[worst]) if reading == "score-space" else (lambda v: v)
        observed = {
            "query": worst,
            "natural_gradient": pick(natural).tolist(),
            "claimed": pick(claimed).tolist(),
            "cosine": float(cosine(pick(natural), pick(claimed))),
        }
        return ratios.amax(), observed

    certify = _score_space_exact if reading == "score-space" else _value_space_exact
    measured = (lambda s: s.score_cosine) if reading == "score-space" else (lambda s: s.value_cosine)
    return _with_measurement(
        _layer_check(
            f"torch: <F^-1 grad L, (I + A) grad L> > 0, {reading}",
            evaluate,
            catches,
            certify=certify,
            sharp_examples=True,
        ),
        lambda s: f"cosine {attention_measurements.summary(measured(s), worst='min')}",
    )


def _share_above_one(values: torch.Tensor) -> str:
    finite = values[~values.isnan()]
    return f"{float((finite > 1).double().mean()):.1%}"


# --- Thm 4, conditioning ---------------------------------------------------------------------------------------


def conditioning_check(reading: str, *, catches: str) -> Check:
    """mu_eff / L_eff of (I + A) H exceeds mu / L of H, for H = A^T A (value regression) or H = B B^T + I
    (a quadratic; B from the drawn tokens).  Eigenvalue errors: Bauer-Fike, kappa(V) gamma ||(I + A) H||."""

    def evaluate(layer: Layer) -> tuple[torch.Tensor, dict[str, Any]]:
        a = layer.a
        eye = torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
        if reading == "value-regression":
            hessian = a.T @ a
        else:
            basis = layer.x @ layer.x.T
            hessian = basis @ basis.T + eye
        spectrum = torch.linalg.eigvalsh(hessian)
        before = spectrum[0] / spectrum[-1]
        preconditioned = (eye + a) @ hessian
        eigenvalues, vectors = torch.linalg.eig(preconditioned)
        after = eigenvalues.real.amin() / eigenvalues.abs().amax()
        kappa_v = torch.linalg.cond(vectors).real
        u = gamma(layer.depth, a.dtype)
        size = torch.linalg.matrix_norm((eye + a) @ hessian.abs(), ord=2)
        tolerance = SAFETY * (u * kappa_v * size / eigenvalues.abs().amax() + u * spectrum[-1].abs() / spectrum[-1])
        usable = bool(before > attention_measurements.CONDITIONING_FLOOR) and bool(torch.isfinite(tolerance))
        ratio = violation(before, after, tolerance, dims=0) if usable else torch.zeros((), dtype=a.dtype)
        return ratio, {"H": hessian.tolist(), "mu_over_L": float(before), "mu_eff_over_L_eff": float(after)}

    name = f"torch: mu_eff/L_eff of (I + A) H > mu/L of H, {reading}"
    check = _layer_check(name, evaluate, catches)
    if reading != "value-regression":
        return check
    return _with_measurement(
        check,
        lambda s: (
            f"(mu_eff/L_eff)/(mu/L) {attention_measurements.summary(s.value_conditioning, worst='min')}; "
            f"improved in {_share_above_one(s.value_conditioning)} of the non-singular layers"
        ),
    )
