"""numeric/search/property.py, read as check results through claims/builders/primitives.py: case counting,
shrinking to a minimal counterexample, certification, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import strategies as st

from fim_audit.claims.builders.primitives import Evaluation, check_property
from fim_audit.claims.model import MalformedResult, Status
from fim_audit.numeric.search import property as search
from fim_audit.numeric.search.strategies import logit_batches
from fim_audit.numeric.tolerance import REFUTATION_MARGIN


def _evaluator(ratio_of_row):
    def evaluate(rows: np.ndarray, ctx) -> Evaluation:
        ratios = torch.tensor([ratio_of_row(row) for row in rows], dtype=torch.float64)
        return Evaluation(ratios, lambda k: ({"z": rows[k].tolist()}, {}))

    return evaluate


def _strategy(ctx):
    return logit_batches(ctx.profile.max_n, ctx.profile.max_batch)


def test_passing_property_counts_every_row(audit_context):
    result = check_property(_strategy(audit_context), _evaluator(lambda row: 0.5), audit_context)
    assert result.status is Status.PASSED
    assert result.cases >= audit_context.profile.max_examples  # at least one row per example


def test_failure_shrinks_to_a_minimal_counterexample(audit_context):
    """Rows of length >= 3 'fail': the reported case is exactly three zero logits."""
    result = check_property(
        _strategy(audit_context), _evaluator(lambda row: 1e6 if len(row) >= 3 else 0.0), audit_context
    )
    assert result.status is Status.FAILED
    assert result.counterexample.inputs == {"z": [0.0, 0.0, 0.0]}


def test_margin_rule_certifies_only_far_beyond_rounding(audit_context):
    marginal = check_property(_strategy(audit_context), _evaluator(lambda row: 2.0), audit_context)
    wide = check_property(_strategy(audit_context), _evaluator(lambda row: 10 * REFUTATION_MARGIN), audit_context)
    nan = check_property(_strategy(audit_context), _evaluator(lambda row: math.nan), audit_context)
    assert marginal.status is wide.status is nan.status is Status.FAILED
    assert not marginal.refutes and wide.refutes and not nan.refutes


def test_certifier_decides_certification(audit_context):
    seen = []

    def certify(inputs):
        seen.append(inputs)
        return False, "exact re-evaluation found no discrepancy", {"exact": "0"}

    result = check_property(_strategy(audit_context), _evaluator(lambda row: 1e9), audit_context, certify=certify)
    assert seen == [result.counterexample.inputs]
    assert not result.refutes and result.counterexample.observed["exact"] == "0"


def test_same_seed_same_outcome(audit_context):
    evaluate = _evaluator(lambda row: 1e6 if float(np.abs(row).max()) > 5 else 0.0)
    first = check_property(_strategy(audit_context), evaluate, audit_context)
    second = check_property(_strategy(audit_context), evaluate, audit_context)
    assert first.counterexample.inputs == second.counterexample.inputs and first.cases == second.cases


def test_exceptions_in_a_property_propagate(audit_context):
    def evaluate(rows, ctx):
        raise RuntimeError("broken check")

    try:
        check_property(_strategy(audit_context), evaluate, audit_context)
    except RuntimeError as exc:
        assert "broken check" in str(exc)
    else:
        raise AssertionError("an exception inside a property must not be swallowed")


def test_the_numeric_runner_knows_nothing_of_claims(audit_context):
    outcome = search.check_property(_strategy(audit_context), _evaluator(lambda row: 1e9), audit_context)
    assert isinstance(outcome, search.SearchOutcome) and not outcome.passed and outcome.certified


def test_a_certifier_returning_sympy_true_is_refused_when_read(audit_context):
    """Issue 16: sympy's True passed every check and killed the run when results.json was written.  Now the
    counterexample is refused when it is built, inside the check (the engine turns that into an ERROR)."""

    def certify(inputs):
        return sp.true, "sympy decided it", {}

    with pytest.raises(MalformedResult, match="not a bool"):
        check_property(_strategy(audit_context), _evaluator(lambda row: 1e9), audit_context, certify=certify)


# numeric/search/property.py read directly, pinned by mutation testing (issue 20).
def _fixed(ratios, describe=None):
    def evaluate(drawn, ctx):
        return search.Evaluation(
            torch.tensor(ratios, dtype=torch.float64), describe or (lambda k: ({"drawn": drawn, "k": k}, {"side": 1}))
        )

    return evaluate


def test_a_pass_counts_its_cases_and_reports_the_largest_ratio(audit_context):
    outcome = search.check_property(st.just(1), _fixed([0.5, 0.25]), audit_context)
    assert outcome == search.SearchOutcome(True, "2 cases within tolerance; largest error / tolerance = 0.5", 2, 0.5)


def test_a_failure_reports_the_case_its_ratio_and_the_float_margin(audit_context):
    outcome = search.check_property(st.just(7), _fixed([0.5, REFUTATION_MARGIN]), audit_context)
    assert outcome.passed is False and outcome.cases == 0 and outcome.ratio == REFUTATION_MARGIN
    assert outcome.detail == f"counterexample: error / tolerance = {REFUTATION_MARGIN:.3g}, in the first example tried"
    assert outcome.inputs == {"drawn": 7, "k": 1}
    assert outcome.observed == {"side": 1, "error_over_tolerance": REFUTATION_MARGIN}
    assert outcome.certified is True  # exactly the margin certifies
    assert outcome.how == "float margin: the error is 1e+04 times the rounding tolerance (certifying needs >= 10000)"
    below = search.check_property(st.just(7), _fixed([REFUTATION_MARGIN / 2]), audit_context)
    assert below.passed is False and below.certified is False


def test_a_certifier_decides_and_adds_its_exact_values(audit_context):
    def certify(inputs):
        return True, f"exact at {inputs['drawn']}", {"exact_difference": "1/3"}

    outcome = search.check_property(st.just(2), _fixed([5.0]), audit_context, certify=certify)
    assert outcome.certified is True and outcome.how == "exact at 2"
    assert outcome.observed == {"side": 1, "error_over_tolerance": 5.0, "exact_difference": "1/3"}


def test_fixed_examples_run_before_the_strategy(audit_context):
    def evaluate(drawn, ctx):
        return search.Evaluation(torch.tensor([2.0 if drawn == "adversarial" else 0.0]), lambda k: ({"x": drawn}, {}))

    outcome = search.check_property(st.just("friendly"), evaluate, audit_context, examples=["adversarial"])
    assert outcome.passed is False and outcome.inputs == {"x": "adversarial"}
    assert search.check_property(st.just("friendly"), evaluate, audit_context).passed is True


@pytest.mark.parametrize("contrary_database", [False, True])  # derandomize=True excludes a database
def test_settings_do_not_inherit_from_the_loaded_profile(audit_context, contrary_database):
    """Every setting the audit relies on is set explicitly: under a profile that differs in each of them, the
    audit's settings (and the witness search's budget) are unchanged."""
    from hypothesis import settings as hypothesis_settings
    from hypothesis.database import InMemoryExampleDatabase

    from tests.conftest import PROFILE

    contrary = hypothesis_settings(
        **({"database": InMemoryExampleDatabase()} if contrary_database else {"derandomize": True}),
        max_examples=3,
        deadline=250,
        verbosity=search.Verbosity.verbose,
        phases=(search.Phase.explicit, search.Phase.generate),  # generate: find must still run
        suppress_health_check=(),
        print_blob=True,
        report_multiple_bugs=True,
    )
    hypothesis_settings.register_profile("contrary-for-test", contrary)
    hypothesis_settings.load_profile("contrary-for-test")
    try:
        chosen = search.settings_for(audit_context.profile)
        witnessless = search.search_witness(st.integers(), lambda x, ctx: 0.0, lambda x: {}, audit_context)
    finally:
        hypothesis_settings.load_profile(PROFILE)
    assert witnessless.cases == audit_context.profile.max_examples  # the audit's budget, not the loaded 3
    assert chosen.max_examples == audit_context.profile.max_examples and chosen.deadline is None
    assert chosen.derandomize is False and chosen.database is None and chosen.verbosity is search.Verbosity.quiet
    assert tuple(chosen.phases) == (
        search.Phase.explicit,
        search.Phase.generate,
        search.Phase.target,
        search.Phase.shrink,
    )
    assert set(chosen.suppress_health_check) == {search.HealthCheck.too_slow, search.HealthCheck.data_too_large}
    assert chosen.print_blob is False and chosen.report_multiple_bugs is False


def test_a_witness_search_reports_what_it_found(audit_context):
    outcome = search.search_witness(st.integers(0, 20), lambda x, ctx: x / 4, lambda x: {"x": x}, audit_context)
    assert outcome.passed is True and outcome.cases >= 1
    # shrunk to the smallest x with x / 4 > 1
    assert outcome.detail == f"witness found after {outcome.cases} candidates (margin 1.25): {{'x': 5}}"


def test_a_failed_witness_search_certifies_nothing(audit_context):
    margins = iter([0.25, -math.inf, math.nan, 1.0] * 1000)  # inf would be a witness; 1 is not (needs > 1)
    outcome = search.search_witness(st.integers(), lambda x, ctx: next(margins), lambda x: {"x": x}, audit_context)
    assert outcome.passed is False and outcome.certified is False
    assert outcome.inputs == {"candidates": outcome.cases} and outcome.observed == {"best_margin": 1.0}
    assert outcome.detail == f"no witness among {outcome.cases} candidates; best margin 1 (needs > 1)"
    assert outcome.how == "a failed search certifies nothing"


def test_a_witness_search_counts_its_candidates_and_passes_the_context(audit_context):
    seen = []

    def margin(x, ctx):
        assert ctx is audit_context
        seen.append(x)
        return 0.25 if x % 2 else -math.inf

    outcome = search.search_witness(st.integers(), margin, lambda x: {"x": x}, audit_context)
    assert outcome.cases == len(seen) and outcome.observed == {"best_margin": 0.25}
    again = []
    search.search_witness(st.integers(), lambda x, ctx: again.append(x) or 0.0, lambda x: {}, audit_context)
    assert again == seen  # seeded by the context: the same candidates every run
    calls = []

    def counted(x, ctx):
        assert ctx is audit_context  # the detail's re-evaluation of the witness too
        calls.append(x)
        return x

    found = search.search_witness(st.integers(0, 9), counted, lambda x: {}, audit_context)
    assert found.passed and found.cases == len(calls) - 1  # the detail re-evaluates the witness once


def test_local_minimum_descends_to_the_nearest_minimum_and_keeps_a_bad_start():
    """L-BFGS from a drawn start reaches the minimiser of a smooth objective; a start where the objective is not
    finite is returned as it is."""
    target = torch.tensor([1.5, -2.0], dtype=torch.float64)
    reached = search.local_minimum(
        lambda x: ((x - target) ** 2).sum() + torch.cos(x).sum() * 0, torch.zeros(2, dtype=torch.float64)
    )
    torch.testing.assert_close(reached, target)
    start = torch.tensor([-1.0], dtype=torch.float64)
    assert search.local_minimum(lambda x: torch.log(x).sum(), start) is start


def test_the_engines_property_tests_are_derandomised():
    """Issue 27, item 7: the same commit draws the same examples in every run (FIM_AUDIT_EXPLORE=1 opts out)."""
    import os

    from hypothesis import given, settings
    from hypothesis import strategies as st

    explore = os.environ.get("FIM_AUDIT_EXPLORE") == "1"
    assert settings.default.derandomize is not explore and settings.default.database is None
    drawn: list[list[float]] = []
    for _ in range(2):
        drawn.append([])

        @given(st.floats(0, 1))
        def draw(x):
            drawn[-1].append(x)

        draw()
    assert explore or drawn[0] == drawn[1]
