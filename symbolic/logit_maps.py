"""Arbitrary smooth logit maps z(theta) in sympy, for identities that must hold for every model.

Each logit z_k(theta_a, theta_b) is an undefined sympy function of two parameters.  Entry (a, b) of a
Fisher-type matrix involves only the derivatives in theta_a and theta_b, so two parameters cover every
entry of every p x p matrix.  After sympy differentiates the log-likelihood log p_i, p_i = exp(z_i) /
sum_k exp(z_k), the derivatives of z become plain symbols (J for first, H for second order) and exp(z_k)
becomes a positive symbol e_k, so every quantity is a rational function that :mod:`symbolic.exact` decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from fim_audit.symbolic.exact import Point, exact_string

THETA = sp.symbols("theta_a theta_b", real=True)


@dataclass(frozen=True)
class LogitMapSetup:
    """One model i ~ softmax(z(theta)) with n outcomes, in the variables e, J (and H).

    ``scores`` is n x 2 (row i: grad log p_i); ``hessians`` lists, per outcome, the 2 x 2 Hessian of
    log p_i (empty unless second order was asked for); ``jacobian`` is J = dz/dtheta (n x 2).
    """

    prefix: str
    e: tuple[sp.Symbol, ...]
    derivative_variables: tuple[sp.Symbol, ...]
    probabilities: list[sp.Expr]
    scores: sp.Matrix
    hessians: tuple[sp.Matrix, ...]
    jacobian: sp.Matrix

    def describe(self, point: Point) -> dict[str, Any]:
        values = [point[ek] for ek in self.e]
        total = sum(values)
        described = {
            f"{self.prefix}z": [exact_string(sp.log(v)) for v in values],
            f"{self.prefix}softmax": [exact_string(v / total) for v in values],
        }
        described.update({str(v): exact_string(point[v]) for v in self.derivative_variables})
        return described


def logit_map_setup(n: int, *, second_order: bool = False, prefix: str = "") -> LogitMapSetup:
    """Differentiate log p_i for undefined z_k(theta_a, theta_b) and name the derivatives.

    ``prefix`` keeps the symbols of several models apart (e.g. several attention heads sharing theta).
    """
    ta, tb = THETA
    z = [sp.Function(f"{prefix}z{k}", real=True)(ta, tb) for k in range(n)]
    e = sp.symbols(f"{prefix}e0:{n}", positive=True)
    first = {t: sp.symbols(f"{prefix}J{name}0:{n}", real=True) for t, name in zip(THETA, "ab", strict=True)}
    names = {sp.Derivative(zk, t): first[t][k] for t in THETA for k, zk in enumerate(z)}
    variables = first[ta] + first[tb]
    if second_order:
        second = {pair: sp.symbols(f"{prefix}H{pair}0:{n}", real=True) for pair in ("aa", "ab", "bb")}
        for k, zk in enumerate(z):
            names[sp.Derivative(zk, (ta, 2))] = second["aa"][k]
            names[sp.Derivative(zk, ta, tb)] = second["ab"][k]
            names[sp.Derivative(zk, (tb, 2))] = second["bb"][k]
        variables += second["aa"] + second["ab"] + second["bb"]
    to_e = {zk: sp.log(ek) for zk, ek in zip(z, e, strict=True)}

    def rational(expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(names).subs(to_e)

    total = sum(sp.exp(zk) for zk in z)
    # z_i - log(total), by sympy: quicker to differentiate than the log of the quotient
    log_p = [sp.expand_log(sp.log(sp.exp(zk) / total)) for zk in z]
    scores = sp.Matrix(n, 2, lambda i, c: rational(sp.diff(log_p[i], THETA[c])))

    def hessian(log_pi: sp.Expr) -> sp.Matrix:
        return sp.Matrix(2, 2, lambda r, c: rational(sp.diff(log_pi, THETA[r], THETA[c])))

    hessians = tuple(hessian(log_pi) for log_pi in log_p) if second_order else ()
    total_e = sum(e)
    jacobian = sp.Matrix.hstack(sp.Matrix(first[ta]), sp.Matrix(first[tb]))
    return LogitMapSetup(prefix, e, variables, [ek / total_e for ek in e], scores, hessians, jacobian)


def fisher_of(setup: LogitMapSetup) -> sp.Matrix:
    """The Fisher block from its definition: sum_i p_i g_i g_i^T (2 x 2)."""
    fisher = sp.zeros(2, 2)
    for pi, row in zip(setup.probabilities, setup.scores.tolist(), strict=True):
        g = sp.Matrix(row)
        fisher += pi * g * g.T
    return fisher
