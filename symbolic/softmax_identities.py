"""Symbolic checks of the softmax-calculus identities behind fim-attn Lemma 1 and Theorem 1.

Every check takes the claimed formula as an entry kernel (see :mod:`symbolic.formulas`) and derives the
other side from the definition only:

* derivatives of sigma(z)_i = exp(z_i) / sum_m exp(z_m) and of log sigma_i, by sympy differentiation,
  for symbolic n (IndexedBase, Sum, KroneckerDelta) and exactly for each n up to the profile's bound;
* the inner expectation sum_i a_i (e_i - a)(e_i - a)^T, for symbolic n and exactly per n, on the simplex
  (sum a = 1) or on all non-negative weights;
* the Fisher E_{i~sigma(z(theta))}[grad log sigma_i grad log sigma_i^T] for *arbitrary smooth* logit
  functions z_k(theta) (sympy undefined functions), exactly per n.  Entry (a, b) of either side involves
  only the derivatives in theta_a and theta_b, so two parameters cover every entry of every p x p Fisher.

Fixed-n instances use positive variables e_k = exp(z_k) (so z = log e), turning every residual into a
rational function that :mod:`symbolic.exact` decides exactly.
"""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp

from fim_audit.symbolic.exact import Instance, Point, certify_at, closed_form, exact_string, rational
from fim_audit.symbolic.outcome import Derivation
from fim_audit.symbolic.formulas import EntryKernel, entry_matrix, general_entry
from fim_audit.symbolic.logit_maps import fisher_of, logit_map_setup

SYMBOLS = {"softmax": "sigma", "log_softmax": "log sigma"}


def _exp_variables(n: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"e0:{n}", positive=True)


def _softmax_of(e: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    total = sum(e)
    return [ek / total for ek in e]


def _describe_logits(e: tuple[sp.Symbol, ...]):
    def describe(point: Point) -> dict[str, Any]:
        values = [point[ek] for ek in e]
        return {
            "z": [exact_string(sp.log(v)) for v in values],
            "sigma": [exact_string(s) for s in _softmax_of(tuple(values))],
        }

    return describe


def derivative_instance(kernel: EntryKernel, of: str, n: int) -> Instance:
    """d f_i / d z_j for f = softmax or log-softmax at size n, from the definition, vs the kernel."""
    z = sp.symbols(f"z0:{n}", real=True)
    e = _exp_variables(n)
    total = sum(sp.exp(zk) for zk in z)
    sigma = [sp.exp(zk) / total for zk in z]
    f = sigma if of == "softmax" else [sp.log(s) for s in sigma]
    to_e = {zk: sp.log(ek) for zk, ek in zip(z, e, strict=True)}
    definition = sp.Matrix(n, n, lambda i, j: sp.diff(f[i], z[j]).subs(to_e))
    return Instance(e, (), definition, entry_matrix(kernel, _softmax_of(e)), _describe_logits(e))


def inner_instance(kernel: EntryKernel, domain: str, n: int) -> Instance:
    """sum_i a_i (e_i - a)(e_i - a)^T vs the kernel at size n, with a = w / sum w (simplex) or a = w."""
    w = sp.symbols(f"w0:{n}", positive=True)
    a = _softmax_of(w) if domain == "simplex" else list(w)
    vector = sp.Matrix(a)
    definition = sp.zeros(n, n)
    for i in range(n):
        deviation = sp.eye(n)[:, i] - vector
        definition += a[i] * deviation * deviation.T

    def describe(point: Point) -> dict[str, Any]:
        return {"a": [exact_string(sp.sympify(ak).xreplace(point)) for ak in a]}

    return Instance(w, (), definition, entry_matrix(kernel, a), describe)


def score_chain_instance(kernel: EntryKernel, n: int) -> Instance:
    """grad_theta log p_i (rows i, for theta_a and theta_b) vs the kernel's row i times dz/dtheta."""
    setup = logit_map_setup(n)
    claimed = entry_matrix(kernel, setup.probabilities) * setup.jacobian
    return Instance(setup.e, setup.derivative_variables, setup.scores, claimed, setup.describe)


def fisher_instance(kernel: EntryKernel, n: int) -> Instance:
    """The 2 x 2 block (theta_a, theta_b) of the Fisher of i ~ sigma(z(theta)), z arbitrary and smooth.

    Definition: sum_i p_i g_i g_i^T (:func:`symbolic.logit_maps.fisher_of`).  Claimed: J^T K(p) J with K
    the kernel's matrix.
    """
    setup = logit_map_setup(n)
    claimed = setup.jacobian.T * entry_matrix(kernel, setup.probabilities) * setup.jacobian
    return Instance(setup.e, setup.derivative_variables, fisher_of(setup), claimed, setup.describe)


_N = sp.Symbol("n", integer=True, positive=True)
_I, _J, _M = sp.symbols("i j m", integer=True, positive=True)


def derivative_general_n(kernel: EntryKernel, of: str) -> Derivation:
    """d f_i / d z_j for symbolic n: differentiate exp(z_i) / Sum(exp(z_m), (m, 1, n)), evaluate the
    KroneckerDelta sums, apply 1 <= i, j <= n, and simplify the residual against the kernel."""
    z = sp.IndexedBase("z", real=True)
    total = sp.Sum(sp.exp(z[_M]), (_M, 1, _N))
    sigma_i, sigma_j = sp.exp(z[_I]) / total, sp.exp(z[_J]) / total
    f = sigma_i if of == "softmax" else z[_I] - sp.log(total)
    derivative = sp.diff(f, z[_J]).doit()
    residual = sp.simplify(derivative - general_entry(kernel, sigma_i, sigma_j, _I, _J))
    residual = sp.simplify(sp.refine(residual, sp.Q.le(_I, _N) & sp.Q.le(_J, _N)))
    identity = (sp.Derivative(f, z[_J]), general_entry(kernel, sigma_i, sigma_j, _I, _J))
    scope = "all n >= 1, all z in R^n, 1 <= i, j <= n"
    return closed_form(residual, f"d {SYMBOLS[of]}_i / d z_j, symbolic n", scope, identity)


def inner_general_n(kernel: EntryKernel, domain: str) -> Derivation:
    """sum_{i=1}^n a_i (delta_ik - a_k)(delta_il - a_l) for symbolic n, the constraint sum a = 1 applied
    only on the simplex, simplified against the kernel."""
    a = sp.IndexedBase("a", nonnegative=True)
    row, col = _J, _M
    delta = sp.KroneckerDelta
    expanded = sp.expand(a[_I] * (delta(_I, row) - a[row]) * (delta(_I, col) - a[col]))
    moment = sp.Sum(expanded, (_I, 1, _N)).doit()
    moment = sp.simplify(sp.refine(moment, sp.Q.le(row, _N) & sp.Q.le(col, _N)))
    if domain == "simplex":
        moment = moment.subs(sp.Sum(a[_I], (_I, 1, _N)), 1)
    residual = sp.simplify(moment - general_entry(kernel, a[row], a[col], row, col))
    scope = "all n >= 1, all a with sum a = 1" if domain == "simplex" else "all n >= 1, all a >= 0"
    identity = (sp.Sum(expanded, (_I, 1, _N)), general_entry(kernel, a[row], a[col], row, col))
    return closed_form(residual, f"E_(i~a)[(e_i - a)(e_i - a)^T], symbolic n, a in {domain}", scope, identity)


def derivative_certifier(kernel: EntryKernel, of: str):
    """Certify a numeric counterexample {"z": floats} by sympy evaluation at the exact binary z."""

    def certify(inputs: Mapping[str, Any]):
        z = [rational(v) for v in inputs["z"]]
        instance = derivative_instance(kernel, of, len(z))
        point = {ek: sp.exp(q) for ek, q in zip(instance.positive, z, strict=True)}
        return certify_at(instance, point, "sympy at the exact binary value of z")

    return certify


def inner_certifier(kernel: EntryKernel, domain: str):
    """Certify a numeric counterexample {"a": floats} exactly.  On the simplex the point is the exact
    rational a / sum(a), which lies on the simplex and within a few ulps of the float input."""

    def certify(inputs: Mapping[str, Any]):
        w = [rational(v) for v in inputs["a"]]
        instance = inner_instance(kernel, domain, len(w))
        how = "exact rationals, a / sum(a)" if domain == "simplex" else "exact rationals"
        return certify_at(instance, dict(zip(instance.positive, w, strict=True)), how)

    return certify
