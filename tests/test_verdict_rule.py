"""The verdict rule of claims/verdict.py, branch by branch, on synthetic check results."""

from __future__ import annotations

import pytest

from claims.model import CheckResult, Counterexample, Kind, Status, Verdict
from claims.verdict import Decision, decide_claim, decide_formalization, decide_lemma


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


LEMMA_PROVED = ("the variance identity", decide_lemma([PROVED]))
LEMMA_REFUTED = ("a false step", decide_lemma([DISPROVED]))
LEMMA_OPEN = ("an unfinished step", decide_lemma([INCONCLUSIVE]))


@pytest.mark.parametrize(
    "results, verdict",
    [
        ([PROVED], Verdict.PROVED),  # a lemma may rest on its proof alone
        ([DISPROVED], Verdict.REFUTED),
        ([PROVED, FAILED_CERTIFIED], Verdict.OPEN),
        ([PROVED, ERROR], Verdict.OPEN),
        ([INCONCLUSIVE, FAILED_MARGINAL], Verdict.OPEN),
        ([INCONCLUSIVE, PASSED], Verdict.SUPPORTED),
        ([INCONCLUSIVE], Verdict.OPEN),
    ],
)
def test_lemma_rule(results, verdict):
    assert decide_lemma(results).verdict is verdict


def test_a_proved_lemma_never_contradicts_a_counterexample_to_the_statement():
    """Issue 16: a proof of a supporting identity beside a false statement made the reading OPEN."""
    decision = decide_formalization([FAILED_CERTIFIED], [LEMMA_PROVED], argument="Popoviciu")
    assert decision.verdict is Verdict.REFUTED
    assert "lemma" in decision.reason and "numeric" in decision.reason
    # the same proof declared as a proof of the statement is a contradiction: a bug in the suite
    assert decide_formalization([PROVED, FAILED_CERTIFIED]).verdict is Verdict.OPEN


@pytest.mark.parametrize(
    "lemmas, argument, verdict, says",
    [
        ([LEMMA_PROVED], "Popoviciu", Verdict.PROVED, "every lemma proved"),
        ([LEMMA_PROVED], None, Verdict.SUPPORTED, "no argument"),
        ([LEMMA_PROVED, LEMMA_OPEN], "steps", Verdict.SUPPORTED, "an unfinished step"),
        ([LEMMA_PROVED, LEMMA_REFUTED], "steps", Verdict.SUPPORTED, "a false step"),
        ([], None, Verdict.SUPPORTED, "no closed derivation"),
    ],
)
def test_lemmas_prove_a_reading_only_with_an_argument_and_numeric_agreement(lemmas, argument, verdict, says):
    decision = decide_formalization([PASSED], lemmas, argument)
    assert decision.verdict is verdict
    assert says in decision.reason
    assert decide_formalization([INCONCLUSIVE], lemmas, argument).verdict is Verdict.OPEN  # no numeric evidence


def test_reasons_name_the_checks_that_decided():
    """The reason is what the report shows every reader: it names the deciding checks."""
    assert "proof" in decide_formalization([PROVED, PASSED]).reason
    assert "exact" in decide_formalization([DISPROVED, PASSED]).reason
    assert "broken" in decide_formalization([PROVED, ERROR]).reason
    assert "numeric" in decide_formalization([INCONCLUSIVE, FAILED_MARGINAL]).reason
    assert "numeric" in decide_formalization([PASSED]).reason


def test_a_proof_of_one_conjunct_does_not_contradict_a_counterexample_to_another():
    parts = {"proof": "the basis is in the kernel", "numeric": "the dimension"}
    assert decide_formalization([PROVED, FAILED_CERTIFIED], parts=parts).verdict is Verdict.REFUTED
    same = {"proof": "the dimension", "numeric": "the dimension"}
    assert decide_formalization([PROVED, FAILED_CERTIFIED], parts=same).verdict is Verdict.OPEN
    whole = {"proof": None, "numeric": "the dimension"}
    assert decide_formalization([PROVED, FAILED_CERTIFIED], parts=whole).verdict is Verdict.OPEN


def test_a_conjunction_is_proved_only_when_every_conjunct_is():
    one = ("proof", Kind.SYMBOLIC, CheckResult(Status.PROVED, "closed"))
    other = ("other proof", Kind.SYMBOLIC, CheckResult(Status.PROVED, "closed"))
    parts = {"proof": "lower", "other proof": "upper", "numeric": "upper"}
    assert decide_formalization([one, PASSED], parts=parts).verdict is Verdict.SUPPORTED
    assert "every part" in decide_formalization([one, PASSED], parts=parts).reason
    assert decide_formalization([one, other, PASSED], parts=parts).verdict is Verdict.PROVED
