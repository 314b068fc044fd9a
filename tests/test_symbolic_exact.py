"""symbolic/exact.py and the general-n derivations: proofs only from a closed derivation, disproofs only
with an exact certificate, everything else inconclusive."""

from __future__ import annotations

import sympy as sp

from fim_audit.claims.papers.fim_attn import softmax_jacobian_entry
from fim_audit.symbolic.outcome import Finding as Status
from fim_audit.symbolic import exact, limits
from fim_audit.symbolic.exact import (
    POINT_TRIALS,
    Instance,
    _first_nonzero,
    candidate_points,
    canonical,
    certify_at,
    closed_form,
    mathml,
    prove_up_to,
)
from fim_audit.symbolic.limits import exact_limit
from fim_audit.symbolic.softmax_identities import derivative_general_n, derivative_instance, inner_general_n

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


# Pinned by mutation testing (issue 20): each test below failed under planted bugs in symbolic/exact.py.
Y = sp.Symbol("y", positive=True)
R = sp.Symbol("r", real=True)


def _one_entry(definition, claimed, positive=(X,), real=()):
    return Instance(positive, real, sp.Matrix([[definition]]), sp.Matrix([[claimed]]), lambda p: {})


def test_candidate_points_simplest_first_then_seeded_small_rationals():
    instance = Instance((X, Y), (R,), sp.zeros(1, 1), sp.zeros(1, 1), lambda p: {})
    points = list(candidate_points(instance, seed=3))
    assert len(points) == 2 + POINT_TRIALS
    assert points[:4] == [
        {X: 1, Y: 1, R: 1},
        {X: 1, Y: 2, R: 3},
        {X: 2, Y: sp.Rational(3, 2), R: 9},
        {X: sp.Rational(1, 4), Y: sp.Rational(5, 2), R: sp.Rational(-3, 4)},
    ]
    assert points[2:] == list(candidate_points(instance, seed=3))[2:]  # seeded: the same points every run
    drawn = points[2:]
    assert all(sp.Rational(1, 4) <= p[v] <= 9 for p in drawn for v in (X, Y))
    assert all(-9 <= p[R] <= 9 for p in drawn)
    denominators = {p[v].q for p in drawn for v in (X, Y, R)}
    numerators = {abs(p[v].p) for p in drawn for v in (X, Y)} | {p[R].p for p in drawn}
    assert denominators == {1, 2, 3, 4} and {1, 9, -9} <= numerators


def test_canonical_form_of_polynomials_and_rational_functions():
    assert canonical((X + 1) ** 2 / 2) == X**2 / 2 + X + sp.Rational(1, 2)
    assert canonical((X**2 - 1) / (X - 1)) == X + 1
    assert canonical(1 / X - 1 / X) == 0
    y = sp.Symbol("y", positive=True)
    ratio = (X + y) ** 3 / (X + 1) ** 4 - (X**3 + 3 * X**2 * y + 3 * X * y**2 + y**3) / (X + 1) ** 4
    assert canonical(ratio) == 0  # a zero numerator, found by expanding it (the denominator is left alone)
    at_point = (3 * X - 2) * (X + y) / ((X + 1) * (X + 2 * y))  # its numerator is 0 at the fixed point x = 2/3
    assert canonical(at_point) == sp.cancel(at_point) != 0
    assert canonical((y - X) / (X + 1)) == sp.cancel((y - X) / (X + 1))  # non-zero at the point: cancelled at once


def test_the_first_separating_entry_is_finite_and_any_non_zero_value():
    residual = sp.Matrix([[0, 1 / (X - 1), X]])
    assert _first_nonzero(residual, {X: sp.Integer(1)}) == (0, 2, 1)  # zoo is passed over; 1 is non-zero
    assert _first_nonzero(sp.Matrix([[X - 1]]), {X: sp.Integer(1)}) is None


def test_a_disproof_records_both_sides_exactly():
    result = prove_up_to(_instance(X**2, X + 2), 2, "square")
    assert result.detail == "square: fails at n = 1, entry (0, 0), difference -2 (exact)" and result.cases == 1
    assert result.counterexample.observed == {
        "n": 1,
        "entry": [0, 0],
        "definition": "1",
        "claimed": "3",
        "difference": "-2",
    }
    assert result.counterexample.how == "exact rational arithmetic (sympy)"


def test_a_proof_states_its_scope_and_shows_the_identity():
    result = prove_up_to(_instance((X + 1) ** 2, X**2 + 2 * X + 1), 3, "square")
    assert result.detail == "square: residual cancels to 0 identically for every n <= 3" and result.cases == 3
    assert result.scope == "every n <= 3, exact rational-function identity" and "<math" in result.math


def test_a_residual_no_point_separates_is_inconclusive(monkeypatch):
    monkeypatch.setattr(exact, "POINT_TRIALS", 0)
    result = prove_up_to(_instance((X - 1) * (X - 2), 0), 2, "vanishes")
    assert result.status is Status.INCONCLUSIVE and result.cases == 1
    assert (
        result.detail == "vanishes: residual at n = 1 is a non-zero rational function but no tried point separates it"
    )


def test_closed_form_decides_only_a_literal_zero():
    proved = closed_form(sp.Integer(0), "id", "symbolic n", (X, X))
    assert (proved.status, proved.detail, proved.scope, proved.cases) == (
        Status.PROVED,
        "id: residual simplifies to 0",
        "symbolic n",
        1,
    )
    assert proved.math.startswith('<math display="block">')
    stuck = closed_form(X - X**2, "id", "symbolic n")
    assert stuck.status is Status.INCONCLUSIVE and stuck.detail == "id: residual does not simplify to 0: -x**2 + x"
    assert stuck.math is None


def test_mathml_writes_the_kronecker_delta_and_drops_long_identities():
    i, j = sp.symbols("i j", integer=True)
    shown = mathml(sp.KroneckerDelta(i, j), sp.Integer(1))
    assert "<msub><mi>&#948;</mi><mrow><mi>i</mi><mi>j</mi></mrow></msub>" in shown
    long = sum(sp.Symbol(f"x{k}") for k in range(500))
    assert mathml(long, sp.Integer(0)) is None


def test_certification_reports_the_largest_entry_and_what_it_could_not_resolve():
    instance = Instance(
        (X,),
        (),
        sp.Matrix([[X, sp.log(6 * X) - sp.log(2) - sp.log(3) - sp.log(X)], [3 * X, X]]),
        sp.Matrix([[0, 0], [0, X]]),
        lambda p: {},
    )
    certified, how, exact_value = certify_at(instance, {X: sp.Rational(1, 2)}, "test")
    assert certified and exact_value == {"exact_entry": [1, 0], "exact_difference": "3/2"}
    assert how == "test: entry (1, 0) of definition - claimed = 3/2 (exact)"
    transcendental = _one_entry(sp.exp(X), 0)
    certified, how, exact_value = certify_at(transcendental, {X: sp.Integer(1)}, "e")
    assert (
        certified
        and how.endswith("(interval arithmetic, 50 digits)")
        and exact_value["exact_difference"].startswith("2.71828182845904523536028747135")
    )
    unresolved = Instance((X,), (), sp.Matrix([[sp.log(6) - sp.log(2) - sp.log(3)] * 2]), sp.zeros(1, 2), lambda p: {})
    certified, how, _ = certify_at(unresolved, {X: sp.Integer(1)}, "t")
    assert not certified and how == "t: no entry separated from zero at 50 digits (2 unresolved)"


def _identity_of_size(limit):
    def build(n):
        assert isinstance(n, int) and 1 <= n <= limit, n  # the sweep asks for exactly 1..max_n
        return Instance((X,), (), sp.eye(n) * X, sp.eye(n) * X, lambda p: {})

    return build


def test_the_sweep_covers_exactly_one_to_max_n_and_shows_the_n_2_identity():
    result = prove_up_to(_identity_of_size(3), 3, "identity")
    assert result.status is Status.PROVED and result.math.count("<mtr>") == 4  # two 2 x 2 sides


def test_a_sweep_goes_on_past_sizes_where_the_identity_holds():
    def build(n):
        return Instance((X,), (), sp.Matrix([[X if n == 1 else X + 1]]), sp.Matrix([[X]]), lambda p: {})

    result = prove_up_to(build, 3, "holds at n = 1 only")
    assert result.status is Status.DISPROVED and result.counterexample.observed["n"] == 2


def test_the_separating_point_is_seeded_by_n():
    """x - 1 vanishes at both simple points (x = 1), so the seeded random points decide, the same every run."""
    result = prove_up_to(lambda n: _one_entry(X - 1, 0), 1, "shifted")
    again = prove_up_to(lambda n: _one_entry(X - 1, 0), 1, "shifted")
    first_random = list(candidate_points(_one_entry(X - 1, 0), seed=1))[2][X]
    assert result.status is Status.DISPROVED and result.detail == again.detail
    assert result.counterexample.observed["difference"] == str(first_random - 1)


def test_certification_keeps_the_first_of_equal_entries_and_never_a_smaller_later_one():
    instance = Instance((X,), (), sp.Matrix([[5 * X], [X / 10], [-5 * X]]), sp.zeros(3, 1), lambda p: {})
    certified, how, exact_value = certify_at(instance, {X: sp.Integer(1)}, "t")
    assert certified and exact_value == {"exact_entry": [0, 0], "exact_difference": "5"}


def test_certification_prints_the_guaranteed_digits_once():
    certified, how, _ = certify_at(_one_entry(sp.exp(X), 0), {X: sp.Integer(1)}, "e")
    assert how == (
        "e: entry (0, 0) of definition - claimed = 2.7182818284590452353602874713526624977572470937 "
        "(interval arithmetic, 50 digits)"
    )


def test_an_inconclusive_closed_form_still_shows_the_identity_and_equal_sides_print_as_an_equation(monkeypatch):
    assert "<math" in closed_form(X - X**2, "id", "symbolic n", (X, X**2)).math
    assert "<mo>=</mo>" in mathml(X, X)  # not evaluated to True
    inner_length = len(exact._MathMLPrinter().doprint(sp.Eq(X, sp.Integer(1), evaluate=False)))
    monkeypatch.setattr(exact, "MATHML_LIMIT", inner_length)
    assert mathml(X, sp.Integer(1)) is not None  # at the limit it is still shown


def test_a_float_becomes_its_exact_binary_value():
    from fim_audit.symbolic.exact import rational

    assert rational(0.1) == sp.Rational(3602879701896397, 36028797018963968)
    assert rational(-2.5) == sp.Rational(-5, 2) and rational(0.0) == 0


def _kl_quotient(v: tuple[int, int]) -> tuple[sp.Expr, sp.Symbol]:
    """KL(softmax(z) || softmax(z + t v)) / t^2 at z = (0, 1), as the limits builder builds it."""
    t = sp.Symbol("t", real=True)
    p = [sp.exp(z) / (1 + sp.E) for z in (0, 1)]
    q = [sp.exp(z + t * w) / (sp.exp(t * v[0]) + sp.exp(1 + t * v[1])) for z, w in zip((0, 1), v)]
    return sum(pi * sp.log(pi / qi) for pi, qi in zip(p, q)) / t**2, t


def test_an_exact_limit_is_found_in_the_expanded_cancelled_form_where_the_plain_one_runs_out_of_time():
    quotient, t = _kl_quotient((1, 1))  # KL is identically 0: softmax does not see a constant shift
    assert exact_limit(quotient, t, sp.Integer(0), "+", 6.0) == 0  # the plain limit takes more than 20 s
    quotient, t = _kl_quotient((1, -1))
    fisher = sp.E / (1 + sp.E) ** 2 * 4  # v^T F v = (v_1 - v_2)^2 p_1 p_2
    assert sp.simplify(exact_limit(quotient, t, sp.Integer(0), "+", 60.0) - fisher / 2) == 0


def test_an_exact_limit_falls_back_to_the_plain_form(monkeypatch):
    t = sp.Symbol("t", real=True)

    def no_form(expr):
        raise sp.PolynomialError("no cancelled form here")

    monkeypatch.setattr(limits.sp, "cancel", no_form)
    assert exact_limit(sp.sin(t) / t, t, sp.Integer(0), "+", 10.0) == 1
    assert exact_limit((sp.exp(t) - 1) / t, t, sp.oo, "-", 10.0) == sp.oo
