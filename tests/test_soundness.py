"""Soundness on statements no one here wrote (issue 26): each test is a statement a referee encoded from outside the
package through the public builders, which the engine used to decide wrongly.

* exact is exact: a float literal in a Loewner bound made the "exact" path 15-digit, and a residual of -6.6e-83 left
  by 80-digit eigenvalues was certified as a counterexample to a true theorem;
* inequalities are searched for their worst case: a two-point bound with a constant below the true one (softmax is
  1/2-Lipschitz, not 1/4 or 0.45) passed hundreds of independent draws;
* hypotheses are booleans: the guide's ``assume=`` idiom (a comparison) left every counterexample uncertified;
* one certification rule: a failure the exact path cannot re-evaluate falls back to the float margin;
* ``asymptotic`` never passes a growing ratio, and a sympy failure is INCONCLUSIVE, never an exception;
* every sympy call has a time budget: a hang is INCONCLUSIVE with the time spent.
"""

from __future__ import annotations

import gc
import math
import signal
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from hypothesis import find, settings
from hypothesis import strategies as st

import fim_audit.claims.builders as fa
from tests.outside import decide
from fim_audit.claims.builders import _statement
from fim_audit.claims.builders import op
from fim_audit.claims.builders.formula import exact_values
from fim_audit.claims.builders.primitives import check_property, derivation_check
from fim_audit.claims.builders.sums import settles
from fim_audit.claims.model import Status, Verdict
from fim_audit.numeric.search.property import CannotCertify, Evaluation
from fim_audit.symbolic import budget
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.budget import OutOfTime, time_budget
from fim_audit.symbolic.outcome import Derivation, Finding

P = fa.space(p=fa.probabilities())
XY = fa.space(x=fa.logits(), y=fa.logits())
UNIQUE_MAX = fa.space(
    z=fa.logits(), assume=lambda z: op.sum(op.where(z >= op.max(z), 1, 0)) < 1.5, condition="a unique maximiser"
)


def fisher(p):
    return op.diag(p) - op.outer(p, p)


def norm(v):
    return op.sqrt(op.sum(v * v))


# --- exact is exact ------------------------------------------------------------------------------------------------
def test_a_float_literal_keeps_the_loewner_bound_exact(audit_context):
    """F(p) <= (I - 11^T/n) / 2, written with 0.5 *: true (lambda_max(F) <= 1/2 on the complement of 1, F 1 = 0).
    The eigenvalues at the uniform corner are exactly 0 and 3/10; before, 0.5 made them 80-digit Floats and the
    residual -6.6e-83 REFUTED the theorem with an "exact" certificate."""
    half = lambda p: 0.5 * (op.eye(len(p), p) - op.outer(p * 0 + 1, p * 0 + 1) / len(p))  # noqa: E731
    record = decide(fa.loewner(fisher, half, over=P, what="F <= (I - J/n)/2"), audit_context)
    assert record.verdict is Verdict.SUPPORTED, record.decision.reason
    uniform = {"p": np.array([sp.Rational(1, 5)] * 5, dtype=object)}
    eigenvalues = exact_values(lambda p: op.eigvalsh(half(p) - fisher(p)), uniform)
    assert all(v.is_Rational for v in eigenvalues) and min(eigenvalues) == 0


def test_a_finite_precision_residual_decides_nothing_within_its_resolution():
    tiny = sp.Float("-6.6e-83", 70)
    assert exact.strict_value(tiny) is None
    assert exact.strict_value(sp.Float("-0.001", 70)) < 0
    assert "finite precision" in exact.arithmetic(sp.Float("-0.001", 70))
    assert exact.arithmetic(sp.Rational(-1, 3)).startswith("exact rational")
    assert "interval arithmetic" in exact.arithmetic(sp.log(2) - 1)


def test_a_sign_comes_from_an_enclosure_not_from_sympys_strict_evalf():
    """KL(softmax(10^4, 0) || softmax(y)) at a corner pair y = x + 2^-10 (1, -1) / sqrt 2 is +5.4e-4350 (12 000-digit
    mpmath); sympy's N(strict=True) returned "50 guaranteed digits" of -1.1e-4346, and Gibbs' inequality was
    REFUTED with that certificate.  The interval enclosure gets the sign and the digits right."""
    e = sp.exp(sp.Integer(10000))
    a = sp.Rational(5497557602009091, 549755813888)
    b = sp.Rational(1844674398147583, 18889465931478580854784)
    p = (e / (e + 1), 1 / (e + 1))
    q_log = (a - sp.log(sp.exp(a) + sp.exp(b)), b - sp.log(sp.exp(a) + sp.exp(b)))
    kl = sum(pi * (sp.log(pi) - lq) for pi, lq in zip(p, q_log, strict=True))
    value = exact.strict_value(kl)
    assert value is not None and value > 0 and abs(value / sp.Float("5.4172553328998525568921e-4350") - 1) < 1e-20


def test_a_high_precision_float_is_enclosed_at_its_own_precision():
    """A 70-digit eigenvalue against an irrational bound: the enclosure used to read the Float through
    mpmath.mpf(tuple), which rounds to 53 bits, and a true difference of 8e-74 was "certified" as 1.2e-17."""
    eigenvalue_like = sp.Float(sp.N(sp.exp(-1), 75), 70)
    assert exact.strict_value(eigenvalue_like - sp.exp(-1)) is None
    assert exact.strict_value(eigenvalue_like - sp.exp(-1) + sp.Rational(1, 10**30)) > 0


def test_float_literals_are_rational_only_inside_the_exact_path():
    with exact.float_literals_as_intended():
        assert 0.5 * sp.Integer(1) == sp.Rational(1, 2) and (sp.Integer(1) < 1.5) is sp.true
        assert sp.sympify(float("inf")) is sp.oo
    assert isinstance(0.5 * sp.Integer(1), sp.Float)  # sympy as usual outside


# --- worst-case search -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("constant", [0.25, 0.45])
def test_a_two_point_bound_below_the_true_constant_is_refuted(constant, any_dtype):
    """||softmax(x) - softmax(y)|| <= c ||x - y|| holds for c = 1/2 (the Jacobian's largest eigenvalue at two equal
    logits), approached only as y -> x along (1, -1): c = 1/4 passed 405 independent draws before, 0.45 is missed
    by the corner pairs too and needs the local maximisation."""
    checks = fa.at_most(
        lambda x, y: norm(op.softmax(x) - op.softmax(y)), lambda x, y: constant * norm(x - y), over=XY, what="L"
    )
    record = decide(checks, any_dtype)
    assert record.verdict is Verdict.REFUTED and record.counterexample.certified, record.decision.reason


def test_the_true_constant_is_supported_with_its_sup_recorded(any_dtype):
    checks = fa.at_most(
        lambda x, y: norm(op.softmax(x) - op.softmax(y)), lambda x, y: 0.5 * norm(x - y), over=XY, what="L"
    )
    record = decide(checks, any_dtype)
    assert record.verdict is Verdict.SUPPORTED, record.decision.reason
    (numeric,) = [c.result for c in record.readings[0].checks if c.check.name.startswith("torch")]
    assert "worst case after local maximisation" in numeric.detail
    quotient = float(numeric.detail.split("i.e. lhs / rhs = ")[1].split()[0])
    assert 0.99 < quotient <= 1.0, numeric.detail


def test_pairs_are_drawn_near_the_diagonal(audit_context):
    assert XY.pairs == [("x", "y")] and P.pairs == []
    corners = XY.fixed(audit_context, sizes=(2,))
    paired = corners[-1]
    distance = np.linalg.norm(paired["y"] - paired["x"], axis=1)
    assert np.all((distance > 0) & (distance < 1e-2))


# --- hypotheses ------------------------------------------------------------------------------------------------------
def test_the_guides_hypothesis_idiom_certifies_a_counterexample(audit_context):
    """ "If the maximiser is unique, max softmax(z) >= 0.9": false (z = (0, 1)).  The hypothesis is a comparison,
    which is sympy's true at an exact point; before, it read as undecided, so no corner was tried and the numeric
    counterexample (10^13 tolerances) was "not meeting the hypothesis exactly": OPEN."""
    record = decide(
        fa.at_least(lambda z: op.max(op.softmax(z)), lambda z: 0.9, over=UNIQUE_MAX, what="m"), audit_context
    )
    assert record.verdict is Verdict.REFUTED and record.counterexample.certified


@pytest.mark.parametrize(("z", "expected"), [((0, 1), True), ((1, 1), False), ((0, 1, 1), False), ((2, 1, 0), True)])
def test_a_hypothesis_is_a_boolean_at_an_exact_point(z, expected):
    point = {"z": np.array([sp.Integer(v) for v in z], dtype=object)}
    assert UNIQUE_MAX.holds(point) is expected


def test_a_vector_hypothesis_holds_only_where_every_entry_does():
    space = fa.space(p=fa.probabilities(), assume=lambda p: p > 0)
    assert space.holds({"p": np.array([sp.Rational(1, 2), sp.Rational(1, 2)], dtype=object)}) is True
    assert space.holds({"p": np.array([sp.Integer(1), sp.Integer(0)], dtype=object)}) is False


# --- one certification rule ------------------------------------------------------------------------------------------
def test_a_failure_without_an_exact_form_is_certified_by_the_float_margin(audit_context):
    """d/dx (x^2 for x > 0, else 0) = 3x for x > 0 (false: 2x).  op.where on symbols has no exact form, so the
    failure (1.6e14 tolerances) stayed OPEN; the builders now apply the primitives' margin rule."""
    checks = fa.derivative(
        lambda x: op.where(x > 0, x * x, 0 * x),
        lambda x: op.where(x > 0, 3 * x, 0 * x),
        wrt="x",
        over=fa.space(x=fa.real()),
        what="d relu^2",
    )
    record = decide(checks, audit_context)
    assert record.verdict is Verdict.REFUTED
    assert "float margin" in record.counterexample.certificate


def test_a_certifier_that_cannot_run_leaves_a_near_miss_uncertified(audit_context):
    from hypothesis import strategies as st

    def evaluate(drawn, ctx):
        import torch

        return Evaluation(torch.tensor([2.0]), lambda k: ({"x": 1}, {}))

    def certify(inputs):
        raise CannotCertify("no exact form here")

    result = check_property(st.just(1), evaluate, audit_context, certify=certify)
    assert result.status is Status.FAILED and not result.counterexample.certified
    assert "no exact form here; float margin" in result.counterexample.certificate


# --- asymptotic ------------------------------------------------------------------------------------------------------
def test_a_divergent_sum_is_not_bounded(audit_context):
    """sum 1/(t log(t + 1)) = O(1) is false (it grows like log log T).  Before, the numeric ratio 1.9 .. 4.3 passed
    and only a NotImplementedError from sympy's gruntz on the unevaluated Sum kept it from SUPPORTED."""
    checks = fa.asymptotic(lambda t: 1 / (t * op.log(t + 1)), lambda T: 1 + 0 * T, summed_over="t", what="O(1)")
    record = decide(checks, audit_context)
    assert record.verdict is Verdict.REFUTED
    numeric = [c.result for c in record.readings[0].checks if c.check.name.startswith("float64")]
    assert numeric[0].status is Status.FAILED and "keeps rising" in numeric[0].detail


def test_stolz_cesaro_decides_an_unclosed_sum_against_a_growing_order(audit_context):
    """sum 1/(t log(t + 1)) = O(log T) (true: lim s(T) / (log T - log(T - 1)) = 0) and = Theta(log T) (false)."""
    term = lambda t: 1 / (t * op.log(t + 1))  # noqa: E731
    proved = decide(fa.asymptotic(term, lambda T: op.log(T), summed_over="t", what="O(log T)"), audit_context)
    symbolic = proved.readings[0].checks[0].result
    assert symbolic.status is Status.PROVED and "Stolz-Cesaro" in symbolic.detail
    refuted = decide(
        fa.asymptotic(term, lambda T: op.log(T), relation="Theta", summed_over="t", what="Theta"), audit_context
    )
    assert refuted.verdict is Verdict.REFUTED


def test_a_limit_sympy_cannot_take_is_inconclusive_not_an_error(audit_context):
    """A sequence defined piecewise in T (op.where on a symbol has no exact form) leaves the limit undecided."""
    checks = fa.asymptotic(lambda T: op.where(T > 5, T, 0 * T), lambda T: T, what="piecewise")
    symbolic = decide(checks, audit_context).readings[0].checks[0].result
    assert symbolic.status is Status.INCONCLUSIVE and "cannot decide" in symbolic.detail


@pytest.mark.parametrize(
    ("name", "ratio", "holds"),
    [
        ("log T growth", lambda k: float(k), False),
        ("log log T growth", lambda k: float(np.log(k + 1)), False),
        ("converging like 1/T", lambda k: 2.0 - 2.0**-k, True),
        ("H_T / (log T + 1), rising to 1", lambda k: (k * np.log(2) + 0.5772) / (k * np.log(2) + 1), True),
        ("flat", lambda k: 3.0, True),
    ],
)
def test_a_rising_ratio_is_evidence_of_a_bound_only_when_it_settles(name, ratio, holds):
    ratios = [ratio(k) for k in range(1, 21)]
    assert settles(ratios, [1e-12] * 20, "O")[0] is holds, name


# --- time budgets ----------------------------------------------------------------------------------------------------
def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sp.expand((sp.Symbol("a") + 1) ** 3)


def test_a_derivation_that_does_not_finish_is_inconclusive_in_its_budget(audit_context):
    ctx = replace(audit_context, profile=replace(audit_context.profile, sympy_seconds=0.5))

    def forever() -> Derivation:
        _spin(60)
        return Derivation(Finding.PROVED, "never", cases=1)

    started = time.monotonic()
    result = derivation_check("sympy: slow", forever, catches="-").run(ctx)
    assert result.status is Status.INCONCLUSIVE and "time budget" in result.detail
    assert time.monotonic() - started < 5


def test_a_certification_that_does_not_finish_falls_back_to_the_margin(audit_context):
    from hypothesis import strategies as st
    import torch

    ctx = replace(audit_context, profile=replace(audit_context.profile, sympy_seconds=0.5))

    def certify(inputs):
        _spin(60)
        return True, "never", {}

    evaluation = Evaluation(torch.tensor([1e6]), lambda k: ({"x": 1}, {}))
    result = check_property(st.just(1), lambda drawn, c: evaluation, ctx, certify=certify)
    assert result.counterexample.certified and "time budget" in result.counterexample.certificate


def test_budgets_nest_and_the_one_that_expires_reports():
    with pytest.raises(OutOfTime, match="outer"):
        with time_budget(0.3, "outer"):
            with time_budget(5, "inner"):
                _spin(5)
    with time_budget(5, "outer"):
        with pytest.raises(OutOfTime, match="inner"):
            with time_budget(0.2, "inner"):
                _spin(5)
        _spin(0.1)  # the outer budget still runs, and has not expired


def test_a_budget_counts_cpu_time_so_a_loaded_machine_gets_the_same_budget():
    """Waiting (here: sleeping, as a process does while other processes hold the cores) spends no budget on the
    main thread; computing does.  On another thread the budget is wall time (a watchdog), and still interrupts."""
    import threading

    with time_budget(0.3, "waiting"):
        time.sleep(0.6)
    with pytest.raises(OutOfTime, match="computing"):
        with time_budget(0.3, "computing"):
            _spin(5)
    raised = []

    def elsewhere() -> None:
        try:
            with time_budget(0.2, "on a thread"):
                _spin(5)
        except OutOfTime as exc:
            raised.append(exc)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(10)
    assert raised and "on a thread" in str(raised[0])


def test_an_expiry_that_finds_a_gc_callback_running_waits_for_the_computation(monkeypatch):
    """Python swallows an exception raised inside a garbage-collector callback (it prints "Exception ignored", as it
    did under Hypothesis' collector timing): an expiry that finds one running is deferred to the next repeat, at most
    DEFERRALS times in a row; anywhere else it is raised.  (The signal's own timing is left out: the alarm is called
    as the signal would call it, from a callback and from the computation, past the deadline.)"""
    seen = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            try:
                budget._alarm(signal.SIGPROF, sys._getframe())
                seen.append("deferred")
            except budget._Expired:
                seen.append("raised")

    with time_budget(600, "past its deadline"):
        monkeypatch.setattr(budget, "_clock", lambda: math.inf)
        gc.callbacks.append(callback)
        try:
            for _ in range(budget.DEFERRALS + 1):
                gc.collect()
        finally:
            gc.callbacks.remove(callback)
        with pytest.raises(budget._Expired):
            budget._alarm(signal.SIGPROF, sys._getframe())
        monkeypatch.undo()
    assert seen == ["deferred"] * budget.DEFERRALS + ["raised"]


# --- declarations that would be silently wrong --------------------------------------------------------------------
def test_a_limit_in_a_variable_the_formula_does_not_take_is_refused():
    """op.softmax's temperature is named tau: over a space with T it is softmax(z), constant in T, and its "limit
    as T -> oo" refuted a true statement (Guo et al. 2017, uniform at infinite temperature)."""
    with pytest.raises(ValueError, match="does not take 'T'.*lambda z, T: op.softmax"):
        fa.limit(
            op.softmax,
            lambda z: 0 * z + 1 / len(z),
            param="T",
            at="oo",
            over=fa.space(z=fa.logits(), T=fa.positive()),
            what="u",
        )
    with pytest.raises(ValueError, match="does not take 'T'"):
        fa.derivative(op.softmax, lambda z: 0 * z, wrt="T", over=fa.space(z=fa.logits(), T=fa.positive()), what="d")


def test_the_limit_search_draws_points_between_corners_where_a_wrong_limit_is_refuted(audit_context):
    """lim_(t -> 0) KL(softmax(z) || softmax(z + t v)) / t^2 is v^T F v / 2 (Amari & Nagaoka §2.2); claimed without
    the 1/2 it differs wherever F v != 0.  The search's free draws (n = 1, v = 0, or floats whose limits run out of
    time) passed 9 points of it.  Its points between two corners include z = (0, 1), v = (1, 1/2), where sympy's exact
    limit (about a second) refutes it, corroborated.  (Whether a given run reaches such a point before its examples
    run out depends on which points run out of time: the budgets are CPU seconds, so on the machine's speed.)"""

    def kl(z, v, t):
        return op.sum(op.softmax(z) * (op.log_softmax(z) - op.log_softmax(z + t * v))) / t**2

    def claimed(z, v):
        p = op.softmax(z)
        return op.dot(v, (op.diag(p) - op.outer(p, p)) @ v)

    over = fa.space(z=fa.logits(), v=fa.vectors(), t=fa.real(-1, 1), max_n=2)
    checks = fa.limit(kl, claimed, param="t", at=0, over=over, what="KL / t^2 -> v^T F v")
    (search,) = [check for check in checks if check.name.startswith("search:")]
    decision = search.run.__self__
    drawn = find(
        decision.between_corners(audit_context),
        lambda point: point["z"][0].tolist() == [0.0, 1.0] and point["v"][0].tolist() == [1.0, 0.5],
        settings=settings(database=None, derandomize=True, max_examples=10_000),
    )
    found = decision.at({name: value[0] for name, value in drawn.items()}, 60.0)
    assert found is not None and found[3] == 0  # the exact limit differs from the claimed one, corroborated
    assert sp.simplify(found[0][0] * 2 - found[1][0]) == 0  # and is half of it


def test_points_between_corners_outside_a_variables_domain_are_skipped(audit_context):
    """A variable declared outside the package need not be convex: on the unit circle lim_(t -> 0+) x.x + t = 1
    holds, but halfway between the corners (1, 0) and (0, 1) x.x = 1/2.  The search skips such a point (the
    variable's ``contains``), so the true statement is never REFUTED off its domain."""
    on_circle = (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([-1.0, 0.0]), np.array([0.0, -1.0]))

    def rows(draw, n, batch):
        return np.stack([draw(st.sampled_from(on_circle)) for _ in range(batch)])

    circle = replace(
        fa.vectors("x on the unit circle"),
        rows=rows,
        corners=lambda n: list(on_circle),
        contains=lambda value, n: sp.simplify(sum(v * v for v in np.ravel(value)) - 1) == 0,
    )
    over = fa.space(min_n=2, max_n=2, x=circle, t=fa.positive())
    checks = fa.limit(
        lambda x, t: op.dot(x, x) + t, lambda x: 0 * op.dot(x, x) + 1, param="t", at=0, over=over, what="x.x + t -> 1"
    )
    (search,) = [check for check in checks if check.name.startswith("search:")]
    result = search.run(audit_context)
    assert result.status is Status.PASSED, result.detail
    assert decide(checks, audit_context).verdict is not Verdict.REFUTED


def test_op_functions_of_plain_numbers_are_exact_and_rounded_where_they_should_be():
    import torch

    from fim_audit.claims.builders.formula import numeric_values

    bound = lambda z: op.max(z) + op.log(len(z))  # noqa: E731
    assert exact_values(bound, {"z": np.array([sp.Integer(0)] * 3, dtype=object)}).item() == sp.log(3)
    value = numeric_values(bound, {"z": torch.zeros(1, 3, dtype=torch.float64)})
    assert abs(float(value.value[0]) - np.log(3)) <= float(value.error[0]) + 1e-300


def test_a_refuting_limit_must_be_borne_out_near_the_point():
    """sympy's limit of KL(softmax(z) || softmax(z + t v)) / t^2 at z = (0, -5e-324), v = (1, 0) is -oo; the true
    limit is v^T F v / 2 = 1/8.  The values at t = 10^-20 and 10^-40 do not bear -oo out: the point is undecided."""
    from fim_audit.claims.builders.limits import _Decision

    def kl(x, y):
        return op.sum(op.softmax(x) * (op.log_softmax(x) - op.log_softmax(y)))

    over = fa.space(z=fa.logits(), v=fa.vectors(), t=fa.real(-1.0, 1.0), max_n=2)
    decision = _Decision(
        lambda z, v, t: kl(z, z + t * v) / t**2,
        lambda z, v: op.dot(v, fisher(op.softmax(z)) @ v) / 2,
        "t",
        sp.Integer(0),
        "+",
        over,
        "KL / t^2",
    )
    point = {"z": np.array([0.0, -5e-324]), "v": np.array([1.0, 0.0]), "t": np.array(0.0)}
    assert decision.at(point, 60) is None


def test_a_counterexample_is_reported_at_the_simplest_rational_that_rounds_to_it(audit_context):
    """The float 0.001 is 1152921504606847/1152921504606846976; where the statement fails at 1/1000 too, the
    certificate names 1/1000 (at a corner and after a search), and where it fails only at the binary value (a bound
    between the two) the binary point is kept: the point reported is the point certified."""
    scalar = fa.space(c=fa.real(0.001, 0.5))
    for check in fa.at_least(lambda c: c * c, lambda c: c, over=scalar, what="c^2 >= c"):
        result = check.run(audit_context)
        assert result.refutes
        shown = result.counterexample.observed.get("exact_point", result.counterexample.inputs)
        assert shown == {"c": "1/1000"}, shown
    binary = sp.Rational(*float(0.001).as_integer_ratio())  # 1/1000 + 2.1e-20
    fixed = fa.space(c=fa.real(0.001, 0.001))
    (_, search) = fa.at_most(lambda c: c, lambda c: 0 * c + sp.Rational(1, 1000), over=fixed, what="c <= 1/1000")
    assert search.run(audit_context).status is Status.PASSED  # a fixed value (an interval of width 0) is searchable
    relation = _statement.Relation(
        "c <= 1/1000", fixed, *_statement.pointwise(lambda c: c, lambda c: 0 * c + sp.Rational(1, 1000)), "<="
    )
    certified, _, values = _statement.certifier(relation)({"c": np.array(0.001)})
    assert certified and values["exact_point"] == {"c": exact.exact_text(binary)}  # holds at 1/1000: binary kept


def _gershgorin():
    """lambda_max(diag p - p p^T) <= 1/2: Gershgorin's discs have centre and radius p_i (1 - p_i), and
    2 p (1 - p) <= 1/2."""
    from fim_audit.symbolic.outcome import from_steps

    p = sp.Symbol("p_i", nonnegative=True)
    half = sp.Rational(1, 2)
    return from_steps(
        {
            "row i of diag p - p p^T: centre p_i (1 - p_i), radius sum_(j != i) p_i p_j = p_i (1 - p_i)": True,
            "1/2 - 2 p (1 - p) = 2 (p - 1/2)^2": sp.expand(half - 2 * p * (1 - p) - 2 * (p - half) ** 2) == 0,
        },
        "Gershgorin",
        "lambda_max(diag p - p p^T) <= max_i 2 p_i (1 - p_i) <= 1/2",
        1,
        "every n >= 1 and p in the simplex",
    )


@pytest.mark.parametrize("proof", [_gershgorin, None], ids=["proved bound", "bound only searched"])
def test_a_proved_bound_disproves_an_existence_and_a_searched_one_does_not(proof, audit_context):
    """ "There are n and p with lambda_max(diag p - p p^T) > 1/2" is false; a failed search certifies nothing, the
    impossibility lemma "lambda_max <= 1/2 for every n and p" decides it when (and only when) the lemma is proved."""
    bound = fa.lemma(
        "lambda_max(diag p - p p^T) <= 1/2 for every n and p",
        fa.eigenvalue_bounds(fisher, upper=lambda p: 0.5, over=P, what="lambda_max <= 1/2", proof=proof),
    )
    largest = lambda p: op.max(op.eigvalsh(fisher(p))) - 0.5  # noqa: E731
    record = decide(fa.exists(largest, over=P, what="lambda_max > 1/2", impossibility=bound), audit_context)
    assert record.verdict is (Verdict.REFUTED if proof else Verdict.OPEN), record.decision.reason


@pytest.mark.parametrize("max_n, verdict", [(None, Verdict.OPEN), (4, Verdict.REFUTED)])
def test_a_swept_lemma_disproves_an_existence_only_over_the_sizes_it_swept(max_n, verdict, audit_context):
    """M 1 = 0 for M = diag p - p p^T is proved by the exact sweep for n <= symbolic_max_n only: it decides "some p
    has |M 1|^2 > 0" over n <= 4, and says nothing over every n (n = 7 was never looked at)."""
    over = fa.space(p=fa.probabilities(), max_n=max_n)
    kernel = fa.lemma(
        "(diag p - p p^T) 1 = 0", fa.identity(lambda p: op.sum(fisher(p)), lambda p: 0 * p, over=over, what="M 1 = 0")
    )
    residual = lambda p: op.sum(op.sum(fisher(p)) ** 2)  # noqa: E731
    record = decide(fa.exists(residual, over=over, what="|M 1|^2 > 0", impossibility=kernel), audit_context)
    assert record.verdict is verdict, record.decision.reason
    if verdict is Verdict.OPEN:
        (impossible,) = [c for c in record.readings[0].all_checks if "impossible" in c.check.name]
        assert "ranges over n >= 1" in impossible.result.detail


def test_a_refuted_lemma_disproves_nothing(audit_context):
    wrong = fa.lemma("p_i <= 1/4", fa.at_most(lambda p: p, lambda p: 0.25, over=P, what="p_i <= 1/4"))
    existence = fa.exists(lambda p: op.max(p) - 0.5, over=P, what="max p > 1/2", impossibility=wrong)
    record = decide(existence, audit_context)
    assert record.verdict is Verdict.PROVED, record.decision.reason
