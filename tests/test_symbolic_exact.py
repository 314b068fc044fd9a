"""symbolic/exact.py and the general-n derivations: proofs only from a closed derivation, disproofs only
with an exact certificate, everything else inconclusive."""

from __future__ import annotations

import sympy as sp

from claims.papers.fim_attn import softmax_jacobian_entry
from symbolic.outcome import Finding as Status
from symbolic.exact import Instance, certify_at, prove_up_to
from symbolic.softmax_identities import derivative_general_n, derivative_instance, inner_general_n

X = sp.Symbol("x", positive=True)


def _instance(definition, claimed):
    return lambda n: Instance((X,), (), sp.Matrix([[definition]]), sp.Matrix([[claimed]]), lambda p: {"x": str(p[X])})


def test_true_identity_is_proved_with_scope():
    result = prove_up_to(_instance((X + 1) ** 2, X**2 + 2 * X + 1), 3, "square")
    assert result.status is Status.PROVED and "n <= 3" in result.scope


def test_false_identity_is_disproved_at_an_exact_point():
    result = prove_up_to(_instance((X + 1) ** 2, X**2 + 1), 3, "square")
    assert result.status is Status.DISPROVED
    ce = result.counterexample
    assert ce.certified and ce.inputs == {"x": "1"} and ce.observed["difference"] == "2"


def test_identity_true_only_at_the_simplest_point_is_still_disproved():
    """x^2 = x holds at x = 1, the first point tried; the search must move on."""
    result = prove_up_to(_instance(X**2, X), 1, "square")
    assert result.status is Status.DISPROVED and result.counterexample.inputs != {"x": "1"}


def test_general_n_never_disproves():
    wrong = derivative_general_n(lambda s_i, s_j, d: s_i * (d + s_j), "softmax")
    assert wrong.status is Status.INCONCLUSIVE and "does not simplify" in wrong.detail
    assert derivative_general_n(softmax_jacobian_entry, "softmax").status is Status.PROVED


def test_inner_general_n_uses_the_simplex_constraint_only_on_the_simplex():
    covariance = lambda a_i, a_j, d: d * a_i - a_i * a_j  # noqa: E731
    assert inner_general_n(covariance, "simplex").status is Status.PROVED
    assert inner_general_n(covariance, "nonnegative").status is Status.INCONCLUSIVE


def test_high_precision_certification_refuses_true_identities():
    instance = derivative_instance(softmax_jacobian_entry, "softmax", 2)
    point = dict(zip(instance.positive, (sp.exp(sp.Rational(3, 2)), sp.exp(sp.Integer(-7))), strict=True))
    certified, how, _ = certify_at(instance, point, "test")
    assert not certified and "no entry separated from zero" in how


def test_high_precision_certification_of_a_wrong_formula_at_huge_logits():
    instance = derivative_instance(lambda s_i, s_j, d: s_i * (d + s_j), "softmax", 2)
    point = dict(zip(instance.positive, (sp.Integer(1), sp.exp(sp.Integer(10_000))), strict=True))
    certified, how, exact = certify_at(instance, point, "test")
    assert certified and exact["exact_entry"] == [1, 1]
