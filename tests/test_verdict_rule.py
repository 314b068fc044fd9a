"""The verdict rule of claims/verdict.py, branch by branch, on synthetic check results."""

from __future__ import annotations

import pytest

from claims.model import CheckResult, Counterexample, Kind, Status, Verdict
from claims.verdict import Decision, decide_claim, decide_formalization


def _ce(certified: bool) -> Counterexample:
    return Counterexample({"z": [0.0]}, {}, certified, "test")


PROVED = ("proof", Kind.SYMBOLIC, CheckResult(Status.PROVED, "closed"))
INCONCLUSIVE = ("proof", Kind.SYMBOLIC, CheckResult(Status.INCONCLUSIVE, "stuck"))
DISPROVED = ("exact", Kind.SYMBOLIC, CheckResult(Status.DISPROVED, "cert", counterexample=_ce(True)))
PASSED = ("numeric", Kind.NUMERIC, CheckResult(Status.PASSED, "ok", cases=10))
FAILED_CERTIFIED = ("numeric", Kind.NUMERIC, CheckResult(Status.FAILED, "bad", counterexample=_ce(True)))
FAILED_MARGINAL = ("numeric", Kind.NUMERIC, CheckResult(Status.FAILED, "edge", counterexample=_ce(False)))
ERROR = ("broken", Kind.NUMERIC, CheckResult(Status.ERROR, "boom"))


@pytest.mark.parametrize(
    "results, verdict",
    [
        ([PROVED, PASSED], Verdict.PROVED),
        ([INCONCLUSIVE, PASSED], Verdict.SUPPORTED),
        ([PASSED], Verdict.SUPPORTED),
        ([DISPROVED, PASSED], Verdict.REFUTED),
        ([INCONCLUSIVE, FAILED_CERTIFIED], Verdict.REFUTED),
        ([DISPROVED, ERROR], Verdict.REFUTED),
        ([INCONCLUSIVE, FAILED_MARGINAL], Verdict.OPEN),
        ([PROVED, ERROR], Verdict.OPEN),
        ([PROVED, FAILED_CERTIFIED], Verdict.OPEN),  # a proof and a counterexample: a bug, never a verdict
        ([PROVED], Verdict.OPEN),  # a derivation alone is not enough for PROVED
        ([INCONCLUSIVE], Verdict.OPEN),
    ],
)
def test_reading_rule(results, verdict):
    assert decide_formalization(results).verdict is verdict


def test_contradiction_names_both_checks():
    reason = decide_formalization([PROVED, FAILED_CERTIFIED]).reason
    assert "proof" in reason and "numeric" in reason


def _reading(key: str, verdict: Verdict, primary: bool = False):
    return key, primary, Decision(verdict, f"{key} is {verdict.value}")


@pytest.mark.parametrize(
    "readings, verdict",
    [
        ([_reading("a", Verdict.PROVED)], Verdict.PROVED),
        ([_reading("a", Verdict.REFUTED), _reading("b", Verdict.REFUTED)], Verdict.REFUTED),
        ([_reading("a", Verdict.PROVED), _reading("b", Verdict.REFUTED)], Verdict.ILL_POSED),
        ([_reading("a", Verdict.SUPPORTED), _reading("b", Verdict.REFUTED)], Verdict.ILL_POSED),
        ([_reading("a", Verdict.PROVED, primary=True), _reading("b", Verdict.REFUTED)], Verdict.PROVED),
        ([_reading("a", Verdict.PROVED), _reading("b", Verdict.REFUTED, primary=True)], Verdict.REFUTED),
        ([_reading("a", Verdict.PROVED), _reading("b", Verdict.SUPPORTED)], Verdict.SUPPORTED),
        ([_reading("a", Verdict.PROVED), _reading("b", Verdict.OPEN)], Verdict.OPEN),
        ([_reading("a", Verdict.REFUTED), _reading("b", Verdict.OPEN)], Verdict.OPEN),
    ],
)
def test_claim_rule(readings, verdict):
    assert decide_claim(readings).verdict is verdict


def test_disproved_needs_a_certified_counterexample():
    with pytest.raises(ValueError, match="certified"):
        CheckResult(Status.DISPROVED, "no certificate", counterexample=_ce(False))
    with pytest.raises(ValueError, match="counterexample"):
        CheckResult(Status.FAILED, "no counterexample")
