"""Step-size thresholds of gradient descent (fim-metrics, eigmax: "Learning rate needs to be smaller than
2/eigmax for stability"), on the quadratic with Hessian F and on the log-sum-exp potential at its fixed point."""

from __future__ import annotations

import sympy as sp

from fim_audit.symbolic.outcome import Derivation, Finding
from fim_audit.symbolic.sums import linearise, with_total

_ETA, _LAMBDA, TAU = sp.symbols("eta lambda tau", positive=True)
_N = sp.Symbol("n", integer=True, positive=True)
_J, _K = sp.symbols("j k", integer=True, positive=True)
_V = sp.IndexedBase("v", real=True)


def _threshold(curvature: sp.Expr) -> tuple[bool, str]:
    """|1 - eta c| < 1 iff 0 < eta < 2 / c, and |1 - eta c| <= 1 iff eta <= 2 / c (sympy solves both)."""
    converges = sp.solve_univariate_inequality(sp.Abs(1 - _ETA * curvature) < 1, _ETA, relational=False)
    bounded = sp.solve_univariate_inequality(sp.Abs(1 - _ETA * curvature) <= 1, _ETA, relational=False)
    expected = (sp.Interval.open(0, 2 / curvature), sp.Interval(0, 2 / curvature))
    return (
        converges,
        bounded,
    ) == expected, f"|1 - eta {curvature}| < 1 iff eta in {converges}; <= 1 iff eta in {bounded}"


def quadratic_threshold() -> Derivation:
    """GD on f(x) = x^T F x / 2 multiplies the component along an eigenvector of eigenvalue lambda > 0 by
    1 - eta lambda per step (components in ker F stay put), so it converges for every start iff
    |1 - eta lambda| < 1 for every lambda > 0, i.e. eta < 2 / lambda_max = 2 / eigmax."""
    holds, detail = _threshold(_LAMBDA)
    if not holds:
        return Derivation(Finding.INCONCLUSIVE, detail)
    scope = "every positive semi-definite F (in particular every softmax Fisher), every eta > 0"
    return Derivation(Finding.PROVED, f"{detail}; minimum over the spectrum: eta < 2 / eigmax", 1, scope)


def fixed_point_threshold() -> Derivation:
    """GD s <- s - eta grad Phi(s) on Phi = log sum exp(s / tau) has its fixed point (modulo the constant
    direction, along which Phi is linear) at uniform p; its Jacobian there is I - eta F with F = (diag(p) - p
    p^T) / tau^2 at p = 1/n, and (F v)_k = (v_k - mean v) / (n tau^2): F acts as 1 / (n tau^2) on 1-perp and
    as 0 on 1.  So the fixed point is locally stable iff eta < 2 n tau^2 = 2 / eigmax(F at the fixed point)."""
    entry = (sp.KroneckerDelta(_K, _J) / _N - 1 / _N**2) / TAU**2
    product = sp.refine(linearise(sp.Sum(entry * _V[_J], (_J, 1, _N))).doit(), sp.Q.le(_K, _N))
    on_complement = sp.simplify(with_total(product, _V, _N, 0) - _V[_K] / (_N * TAU**2))
    on_constant = sp.simplify(sp.Sum(entry, (_J, 1, _N)).doit())
    holds, detail = _threshold(1 / (_N * TAU**2))
    if on_complement == 0 and sp.simplify(sp.refine(on_constant, sp.Q.le(_K, _N))) == 0 and holds:
        scope = "every n >= 1, tau > 0: local (linearised) stability of the fixed point"
        return Derivation(Finding.PROVED, f"F = (I - 11^T/n) / (n tau^2) at uniform p; {detail}", 1, scope)
    return Derivation(Finding.INCONCLUSIVE, f"residuals {on_complement}, {on_constant}; {detail}")
