"""Exact derivations and counterexamples for "Attention as Natural Gradient" (attn-natgrad, seed
001_181f8bcbd64df2c9.txt), Theorems 1-4, on the attention layer s_il = c x_i^T W x_l, a_i = softmax(s_i).

Counterexamples sit at W = 0 (uniform attention, every exp(s) = 1) or at rational attention matrices (any
positive row-stochastic A is softmax(log A)), so every quantity is an exact rational or algebraic number.
The correction of Thm 1 is an exact identity swept over the token count T with d = 2, by sympy
differentiation of the composite log-softmax, exp(s_il) renamed to positive symbols e_il afterwards.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from fim_audit.symbolic.outcome import Certificate, Derivation, Finding
from fim_audit.symbolic.exact import Instance, closed_form, exact_string

EXACT = "exact rational arithmetic (sympy)"

GRADIENT_X = sp.Matrix([[1, 2], [3, 1], [0, 1]])
"""Tokens of the Thm 1 counterexample (T = 3, d = k = 2); any X whose centred rows span R^2 would do (with T = 2,
X^T (I - A) X at uniform A has rank 1)."""


def _scores(x: sp.Matrix, w: sp.Matrix, scale: sp.Expr) -> sp.Matrix:
    return (x * w * x.T) * scale


def _log_attention(scores: sp.Matrix, i: int, j: int) -> sp.Expr:
    return scores[i, j] - sp.log(sum(sp.exp(scores[i, key]) for key in range(scores.cols)))


def _uniform_identity(tokens: int) -> sp.Matrix:
    return sp.eye(tokens) - sp.ones(tokens, tokens) / tokens


def _reading_parameters(parameter: str, d: int) -> tuple[sp.Matrix, sp.Matrix, list[sp.Symbol], sp.Matrix]:
    """(W as a function of the symbols, the symbols as a matrix, the symbols, their value 0): theta = W, W_Q (with
    W_K = I) or W_K (with W_Q = I), so that in each reading the scores are c x_i^T W x_l."""
    symbols = sp.Matrix(d, d, lambda a, b: sp.Symbol(f"t{a}{b}", real=True))
    product = {"W": symbols, "W_Q": symbols * sp.eye(d).T, "W_K": sp.eye(d) * symbols.T}[parameter]
    return product, symbols, list(symbols), sp.zeros(d, d)


def pair_gradient_counterexample(parameter: str) -> Derivation:
    """Thm 1, proof: grad_theta log P(i -> j) = X^T (I - A) X, for theta = W, W_Q or W_K (T = 3, k = d = 2).

    At theta = 0 (A uniform) and X = GRADIENT_X every pair's gradient is c x_i (x_j - mean x)^T W-shaped,
    of rank <= 1, while X^T (I - A) X has rank 2: no pair (i, j) satisfies the identity.
    """
    x = GRADIENT_X
    tokens, d = x.shape
    scale = 1 / sp.sqrt(d)
    product, symbols, flat, zero = _reading_parameters(parameter, d)
    scores = _scores(x, product, scale)
    at = dict(zip(flat, zero, strict=True))
    claimed = x.T * _uniform_identity(tokens) * x
    residuals = {}
    for i in range(tokens):
        for j in range(tokens):
            log_p = _log_attention(scores, i, j)
            gradient = symbols.applyfunc(lambda t, log_p=log_p: sp.diff(log_p, t).subs(at))
            residuals[(i, j)] = (gradient.applyfunc(sp.nsimplify), (gradient - claimed).applyfunc(sp.simplify))
    if claimed.rank() < 2 or any(residual.is_zero_matrix for _, residual in residuals.values()):
        return Derivation(Finding.INCONCLUSIVE, f"some pair's gradient equals X^T (I - A) X at theta = 0 ({parameter})")
    gradient, residual = residuals[(0, 0)]
    observed = {
        "claimed X^T(I-A)X": _matrix(claimed.tolist()),
        "rank of X^T(I-A)X": int(claimed.rank()),
        "grad log P(0->0)": _matrix(gradient.tolist()),
        "ranks of all pair gradients": sorted({int(g.rank()) for g, _ in residuals.values()}),
    }
    return Derivation(
        Finding.DISPROVED,
        f"theta = {parameter} = 0, X = {x.tolist()}: X^T (I - A) X = {claimed.tolist()} has rank {claimed.rank()}, "
        "every "
        f"one of the {tokens**2} pair gradients has rank <= 1 (e.g. grad log P(0->0) = {gradient.tolist()})",
        cases=tokens**2,
        counterexample=Certificate(
            {"X": _matrix(x.tolist()), parameter: _matrix(zero.tolist()), "k": d, "i": 0, "j": 0}, observed, True, EXACT
        ),
    )


def gradient_identity_instance(tokens: int, d: int = 2) -> Instance:
    """The correction, exact at T = ``tokens``: grad_W sum_i log A_ii = c X^T (I - A) X, and the pair gradient
    grad_W log P(0 -> T-1) = c x_0 (e_(T-1) - a_0)^T X, with W, X and c symbolic (stacked into one identity)."""
    x = sp.Matrix(tokens, d, lambda i, a: sp.Symbol(f"x{i}{a}", real=True))
    w = sp.Matrix(d, d, lambda a, b: sp.Symbol(f"w{a}{b}", real=True))
    scale = sp.Symbol("c", positive=True)
    scores = _scores(x, w, scale).applyfunc(sp.expand)
    e = sp.Matrix(tokens, tokens, lambda i, key: sp.Symbol(f"e{i}{key}", positive=True))
    rename = {scores[i, key]: e[i, key] for i in range(tokens) for key in range(tokens)}

    def gradient(log_likelihood: sp.Expr) -> sp.Matrix:
        derivative = w.applyfunc(lambda t: sp.diff(log_likelihood, t))
        return derivative.applyfunc(lambda v: v.replace(sp.exp, lambda arg: rename[sp.expand(arg)]))

    a = sp.Matrix(tokens, tokens, lambda i, key: e[i, key] / sum(e[i, m] for m in range(tokens)))
    last = tokens - 1
    definition = sp.Matrix.vstack(
        gradient(sum(_log_attention(scores, i, i) for i in range(tokens))),
        gradient(_log_attention(scores, 0, last)),
    )
    claimed = sp.Matrix.vstack(
        scale * x.T * (sp.eye(tokens) - a) * x,
        scale * x[0, :].T * (sp.eye(tokens)[last, :] - a[0, :]) * x,
    )

    def describe(point: dict[sp.Symbol, sp.Expr]) -> dict[str, Any]:
        return {
            "scores": [[exact_string(sp.log(point[e[i, key]])) for key in range(tokens)] for i in range(tokens)],
            "X": [[exact_string(point[x[i, a]]) for a in range(d)] for i in range(tokens)],
        }

    return Instance((*e, scale), (*x, *w), definition, claimed, describe)


def _matrix(values: list[list[sp.Expr]]) -> list[list[str]]:
    return [[exact_string(v) for v in row] for row in values]


def _disproved(detail: str, inputs: dict[str, Any], observed: dict[str, Any]) -> Derivation:
    return Derivation(Finding.DISPROVED, detail, cases=1, counterexample=Certificate(inputs, observed, True, EXACT))


def _logit_fisher(a: sp.Matrix) -> sp.Matrix:
    return sp.diag(*a) - a * a.T


def _frobenius(m: sp.Matrix) -> sp.Expr:
    return sp.sqrt(sum(v**2 for v in m))


def logit_fisher_not_approximated() -> Derivation:
    """Thm 1, logit space: ||M - a a^T||_F <= ||M||_F (a relative error below 1) fails at uniform a for every
    n >= 2, symbolically: ||M - a a^T||_F^2 - ||M||_F^2 = 3 |a|^4 - 2 sum a^3 = 1/n^2 > 0.  Every off-diagonal
    entry has the wrong sign (M_jl = -a_j a_l against a_j a_l)."""
    n = sp.Symbol("n", integer=True, positive=True)
    gap = sp.simplify(3 * (n * (1 / n) ** 2) ** 2 - 2 * n * (1 / n) ** 3)
    a = sp.Matrix([sp.Rational(1, 2)] * 2)
    fisher, substitute = _logit_fisher(a), a * a.T
    relative = sp.nsimplify(_frobenius(fisher - substitute) / _frobenius(fisher))
    if not (gap == 1 / n**2 and relative > 1):
        return Derivation(Finding.INCONCLUSIVE, f"uniform gap {gap}, relative error {relative}")
    return _disproved(
        f"uniform a (every n >= 2): ||M - aa^T||_F^2 - ||M||_F^2 = {gap} > 0, so the relative error exceeds 1; at "
        f"n = 2 it is {relative}; off-diagonal entries -a_j a_l vs +a_j a_l",
        {"a": ["1/2", "1/2"]},
        {"M": _matrix(fisher.tolist()), "aa^T": _matrix(substitute.tolist()), "relative_error": exact_string(relative)},
    )


def parameter_fisher_not_approximated() -> Derivation:
    """Thm 1, parameter space (theta = W, d = k = 1): at W = 0 and X = (1, 2) the Fisher c^2 sum_i x_i^2 X^T M_i X
    is 5/4 and the substitute c^2 sum_i x_i^2 X^T a_i a_i^T X is 45/4: relative error 8."""
    x = sp.Matrix([1, 2])
    a = sp.Matrix([sp.Rational(1, 2)] * 2)
    weight = sum(v**2 for v in x)
    fisher = weight * (x.T * _logit_fisher(a) * x)[0]
    substitute = weight * (x.T * a * a.T * x)[0]
    relative = abs(fisher - substitute) / fisher
    if not relative > 1:
        return Derivation(Finding.INCONCLUSIVE, f"relative error {relative}")
    return _disproved(
        f"W = 0, X = (1, 2)^T, d = k = 1: F_W = {fisher}, substitute = {substitute}, relative error {relative}",
        {"X": [[1], [2]], "W": [[0]], "k": 1},
        {"F_W": exact_string(fisher), "substitute": exact_string(substitute), "relative_error": exact_string(relative)},
    )


def block_entry_not_attention() -> Derivation:
    """Thm 2, reading "row Fisher entry": query i's Fisher entry for keys (i, j), M^(i)_ij = delta_ij A_ii -
    A_ii A_ij, against A_ij: at uniform T = 2, M^(0)_01 = -1/4 and A_01 = 1/2, an error 3/4 > A_01."""
    a = sp.Matrix([sp.Rational(1, 2)] * 2)
    entry, attention = _logit_fisher(a)[0, 1], a[1]
    error = abs(entry - attention)
    if not error > attention:
        return Derivation(Finding.INCONCLUSIVE, f"error {error}")
    return _disproved(
        f"uniform T = 2: M^(0)_01 = {entry} vs A_01 = {attention}: |difference| = {error} > A_01 (opposite signs)",
        {"A": [["1/2", "1/2"], ["1/2", "1/2"]], "i": 0, "j": 1},
        {"fisher_entry": exact_string(entry), "attention": exact_string(attention), "difference": exact_string(error)},
    )


def diagonal_fisher_not_increasing() -> Derivation:
    """Thm 2, reading "high attention, high Fisher": the score's own Fisher A_ij (1 - A_ij) is not increasing in
    A_ij: 1/4 at A_ij = 1/2 but 9/100 at A_ij = 9/10."""
    low, high = sp.Rational(1, 2), sp.Rational(9, 10)
    f_low, f_high = low * (1 - low), high * (1 - high)
    if not f_high < f_low:
        return Derivation(Finding.INCONCLUSIVE, f"{f_low} vs {f_high}")
    return _disproved(
        f"rows (1/2, 1/2) and (9/10, 1/10): A_00 rises from 1/2 to 9/10 while M_00 = A(1 - A) falls from {f_low} to "
        f"{f_high}",
        {"rows": [["1/2", "1/2"], ["9/10", "1/10"]], "j": 0},
        {"fisher_low": exact_string(f_low), "fisher_high": exact_string(f_high)},
    )


def diagonal_fisher_identity() -> Derivation:
    """Correction of Thm 2: M_jj - A_ij = -A_ij^2 for every row, symbolic n (so the relative error is A_ij)."""
    a_j = sp.Symbol("a_j", positive=True)
    residual = sp.expand((a_j - a_j * a_j) - a_j + a_j**2)
    return closed_form(residual, "M_jj - A_ij = -A_ij^2", "every row and entry, exact")


ROW_COUNTEREXAMPLE = (
    [
        [sp.Rational(50, 151), sp.Rational(100, 151), sp.Rational(1, 151)],
        [sp.Rational(25, 26), sp.Rational(1, 52), sp.Rational(1, 52)],
        [sp.Rational(1, 12), sp.Rational(5, 6), sp.Rational(1, 12)],
    ],
    [-2, -3, 3],
)
"""(A, h) for Thm 3's score-space reading: query 0's loss gradient g = M_0 h (found by a rational search)."""

VALUE_COUNTEREXAMPLE = ([[sp.Rational(4, 5), sp.Rational(1, 5)], [sp.Rational(8, 9), sp.Rational(1, 9)]], [-1, 3])
"""(A, r) for Thm 3's value-space reading: grad_V L = A^T r for the residual r = A V - Y."""


def _direction_counterexample(name: str, natural: sp.Matrix, claimed: sp.Matrix, inputs: dict[str, Any]) -> Derivation:
    inner = (natural.T * claimed)[0]
    cosine = inner / (natural.norm() * claimed.norm())
    if not inner < 0:
        return Derivation(Finding.INCONCLUSIVE, f"{name}: inner product {inner} is not negative")
    return _disproved(
        f"{name}: <F^-1 grad L, (I + A) grad L> = {exact_string(inner)} < 0 (cosine {float(cosine):.3f}): the claimed "
        "direction is more than 90 degrees from the natural gradient",
        inputs,
        {
            "natural_gradient": [exact_string(v) for v in natural],
            "claimed": [exact_string(v) for v in claimed],
            "inner_product": exact_string(inner),
            "cosine": float(cosine),
        },
    )


def score_space_direction() -> Derivation:
    """Thm 3, score space: F = M_0 (query 0), grad L = M_0 h, F^+ grad L = h - mean(h), claimed (I + A) M_0 h."""
    rows, h = ROW_COUNTEREXAMPLE
    a_matrix, h_vector = sp.Matrix(rows), sp.Matrix(h)
    gradient = _logit_fisher(a_matrix[0, :].T) * h_vector
    natural = h_vector - sp.ones(len(h), 1) * sum(h_vector) / len(h)
    claimed = (sp.eye(len(h)) + a_matrix) * gradient
    return _direction_counterexample(
        "score space, query 0", natural, claimed, {"A": _matrix(rows), "dL/da_0": [str(v) for v in h]}
    )


def value_space_direction() -> Derivation:
    """Thm 3, value space: Y ~ N(A V, I), F = A^T A, grad L = A^T r, natural F^-1 grad L, claimed (I + A) grad L."""
    rows, r = VALUE_COUNTEREXAMPLE
    a_matrix = sp.Matrix(rows)
    gradient = a_matrix.T * sp.Matrix(r)
    natural = (a_matrix.T * a_matrix).inv() * gradient
    claimed = (sp.eye(len(r)) + a_matrix) * gradient
    return _direction_counterexample("value space", natural, claimed, {"A": _matrix(rows), "residual": r})


def _conditioning(matrix: sp.Matrix) -> sp.Expr:
    """mu / L = min Re(lambda) / max |lambda| over the eigenvalues (exact)."""
    eigenvalues = list(matrix.eigenvals(multiple=True))
    return min(sp.re(v) for v in eigenvalues) / max(sp.Abs(v) for v in eigenvalues)


CONDITIONING_CASES: dict[str, tuple[sp.Matrix, Callable[[sp.Matrix], sp.Matrix]]] = {
    "value-regression": (
        sp.Matrix([[sp.Rational(3, 4), sp.Rational(1, 4)], [sp.Rational(1, 4), sp.Rational(3, 4)]]),
        lambda a: a.T * a,
    ),
    "quadratic": (sp.ones(2, 2) / 2, lambda a: sp.eye(2)),
}
"""Thm 4's exact cases: (A, the Hessian H as a function of A)."""


def conditioning_not_improved(reading: str) -> Derivation:
    """Thm 4: mu_eff / L_eff of (I + A) H against mu / L of H (exact eigenvalues)."""
    a_matrix, hessian_of = CONDITIONING_CASES[reading]
    hessian = hessian_of(a_matrix)
    before = _conditioning(hessian)
    after = _conditioning((sp.eye(2) + a_matrix) * hessian)
    if not after <= before:
        return Derivation(Finding.INCONCLUSIVE, f"{reading}: mu/L {before} -> {after}")
    return _disproved(
        f"{reading}: A = {a_matrix.tolist()}, H = {hessian.tolist()}: mu/L = {before}, mu_eff/L_eff of (I + A) H = "
        f"{after}, not larger",
        {"A": _matrix(a_matrix.tolist()), "H": _matrix(hessian.tolist())},
        {"mu_over_L": exact_string(before), "mu_eff_over_L_eff": exact_string(after)},
    )
