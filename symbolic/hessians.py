"""Second derivatives behind the Fisher: of the log-sum-exp potential with temperature (fim-metrics, "Why We
Care About FIM in Attention") and of the categorical log-likelihood (holistic §2.1).

Two normalisations of the potential are in use: Phi(s) = log sum_j exp(s_j / tau) (the log-partition of
p = softmax(s / tau)) and the entropic-optimal-transport potential tau * Phi(s).  ``POTENTIAL_SCALES`` names
them; everything below is parameterised by that choice.
"""

from __future__ import annotations

import sympy as sp

from fim_audit.symbolic.outcome import Derivation
from fim_audit.symbolic.exact import Instance, Point, closed_form, exact_string
from fim_audit.symbolic.formulas import EntryKernel, entry_matrix, general_entry
from fim_audit.symbolic.logit_maps import fisher_of, logit_map_setup

TAU = sp.Symbol("tau", positive=True)
POTENTIAL_SCALES = {"lse": sp.Integer(1), "eot": TAU}
"""Phi = log sum exp(s / tau) ("lse") and tau * Phi ("eot")."""

_N = sp.Symbol("n", integer=True, positive=True)
_I, _J, _K, _M = sp.symbols("i j k m", integer=True, positive=True)


def _in_range(expr: sp.Expr, *indices: sp.Symbol) -> sp.Expr:
    return sp.refine(expr, sp.And(*(sp.Q.le(index, _N) for index in indices)))


def potential_hessian_general_n(kernel: EntryKernel, potential: str) -> Derivation:
    """d^2 (scale * log sum_m exp(s_m / tau)) / ds_j ds_k against kernel(p_j, p_k, delta_jk, tau), symbolic n."""
    s = sp.IndexedBase("s", real=True)
    total = sp.Sum(sp.exp(s[_M] / TAU), (_M, 1, _N))
    hessian = sp.diff(POTENTIAL_SCALES[potential] * sp.log(total), s[_J], s[_K]).doit()
    p_j, p_k = sp.exp(s[_J] / TAU) / total, sp.exp(s[_K] / TAU) / total
    residual = sp.simplify(hessian - general_entry(kernel, p_j, p_k, _J, _K, TAU))
    residual = sp.simplify(_in_range(residual, _J, _K))
    identity = (
        sp.Derivative(POTENTIAL_SCALES[potential] * sp.log(total), s[_J], s[_K]),
        general_entry(kernel, p_j, p_k, _J, _K, TAU),
    )
    return closed_form(
        residual, f"Hessian of the {potential} potential, symbolic n", "all n >= 1, all s, tau > 0", identity
    )


def _temperature_logits(n: int):
    """Scores s, positive e_k = exp(s_k / tau), and the substitution s_k = tau log e_k."""
    s = sp.symbols(f"s0:{n}", real=True)
    e = sp.symbols(f"e0:{n}", positive=True)
    total = sum(e)
    substitution = {sk: TAU * sp.log(ek) for sk, ek in zip(s, e, strict=True)}

    def describe(point: Point) -> dict[str, str | list[str]]:
        values = [point[ek] for ek in e]
        tau = point[TAU]
        return {
            "s": [exact_string(tau * sp.log(v)) for v in values],
            "tau": exact_string(tau),
            "p": [exact_string(v / sum(values)) for v in values],
        }

    return s, e, [ek / total for ek in e], substitution, describe


def potential_hessian_instance(kernel: EntryKernel, potential: str, n: int) -> Instance:
    """The Hessian of scale * log sum exp(s / tau) at size n, exactly, against the kernel's matrix."""
    s, e, p, substitution, describe = _temperature_logits(n)
    phi = POTENTIAL_SCALES[potential] * sp.log(sum(sp.exp(sk / TAU) for sk in s))
    hessian = sp.Matrix(n, n, lambda j, k: sp.diff(phi, s[j], s[k]).subs(substitution))
    return Instance((*e, TAU), (), hessian, entry_matrix(kernel, p, TAU), describe)


def score_fisher_instance(kernel: EntryKernel, n: int) -> Instance:
    """The Fisher of p = softmax(s / tau) with respect to the scores s, from its definition
    sum_i p_i grad_s log p_i grad_s log p_i^T, against the kernel's matrix."""
    s, e, p, substitution, describe = _temperature_logits(n)
    total = sum(sp.exp(sk / TAU) for sk in s)
    scores = [sp.Matrix([sp.diff(sp.log(sp.exp(si / TAU) / total), sk).subs(substitution) for sk in s]) for si in s]
    fisher = sp.zeros(n, n)
    for pi, g in zip(p, scores, strict=True):
        fisher += pi * g * g.T
    return Instance((*e, TAU), (), fisher, entry_matrix(kernel, p, TAU), describe)


def log_softmax_hessian_general_n(kernel: EntryKernel) -> Derivation:
    """-d^2 log sigma_i / dz_j dz_k against kernel(sigma_j, sigma_k, delta_jk) for symbolic n (the same for
    every observed outcome i: the log-likelihood is z_i minus the log-partition, and z_i is linear)."""
    z = sp.IndexedBase("z", real=True)
    total = sp.Sum(sp.exp(z[_M]), (_M, 1, _N))
    hessian = sp.diff(z[_I] - sp.log(total), z[_J], z[_K]).doit()
    sigma_j, sigma_k = sp.exp(z[_J]) / total, sp.exp(z[_K]) / total
    residual = sp.simplify(-hessian - general_entry(kernel, sigma_j, sigma_k, _J, _K))
    residual = sp.simplify(_in_range(residual, _I, _J, _K))
    identity = (-sp.Derivative(z[_I] - sp.log(total), z[_J], z[_K]), general_entry(kernel, sigma_j, sigma_k, _J, _K))
    return closed_form(
        residual, "-Hessian of log sigma_i in z, symbolic n", "all n >= 1, all z, every outcome i", identity
    )


def expected_hessian_instance(n: int) -> Instance:
    """Fisher sum_i p_i g_i g_i^T against -sum_i p_i Hess(log p_i), for arbitrary smooth z(theta)."""
    setup = logit_map_setup(n, second_order=True)
    expected = sp.zeros(2, 2)
    for pi, hessian in zip(setup.probabilities, setup.hessians, strict=True):
        expected -= pi * hessian
    return Instance(setup.e, setup.derivative_variables, fisher_of(setup), expected, setup.describe)


def observed_hessian_instance(n: int) -> Instance:
    """Fisher against -Hess(log p_1) at the single observed outcome 1, for arbitrary smooth z(theta)."""
    setup = logit_map_setup(n, second_order=True)
    return Instance(setup.e, setup.derivative_variables, fisher_of(setup), -setup.hessians[0], setup.describe)
