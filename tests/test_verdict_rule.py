"""The verdict rule of claims/verdict.py, branch by branch, on synthetic check results."""

from __future__ import annotations

import pytest

from fim_audit.claims.model import CheckResult, Counterexample, Kind, Status, Verdict
from fim_audit.claims.verdict import Decision, decide_claim, decide_formalization, decide_lemma


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


# The reason is what every reader of the report sees next to a verdict: each branch's exact wording is pinned,
# with two names wherever a list of checks is joined (mutation testing found these unread, issue 20).
BROKEN_TOO = ("also broken", Kind.NUMERIC, CheckResult(Status.ERROR, "boom"))
NUMERIC_INCONCLUSIVE = ("undecided", Kind.NUMERIC, CheckResult(Status.INCONCLUSIVE, "no margin"))
LONG_LEMMA = "a lemma whose statement is longer than the eighty characters a reason quotes of it, by a margin"
PROVED_LEMMA = ("the first lemma", Decision(Verdict.PROVED, "closed"))
OPEN_LEMMA = (LONG_LEMMA, Decision(Verdict.OPEN, "undecided"))


@pytest.mark.parametrize(
    "results, reason",
    [
        ([PROVED, FAILED_CERTIFIED], "the lemma's checks contradict each other (numeric against proof)"),
        ([FAILED_CERTIFIED], "certified counterexample to the lemma from numeric"),
        ([ERROR, FAILED_MARGINAL], "the lemma's checks raised or failed uncertified: broken, numeric"),
        ([PROVED, PASSED], "lemma proved (proof)"),
        ([PASSED], "lemma checked numerically (numeric), not proved"),
        ([INCONCLUSIVE], "no check decided the lemma"),
        ([NUMERIC_INCONCLUSIVE], "no check decided the lemma"),  # an inconclusive numeric check is no pass
    ],
)
def test_lemma_reasons(results, reason):
    assert decide_lemma(results).reason == reason


@pytest.mark.parametrize(
    "results, lemmas, argument, reason",
    [
        (
            [PROVED, FAILED_CERTIFIED],
            (),
            None,
            "checks contradict each other (proof by proof, counterexample from numeric): one of them is wrong",
        ),
        ([FAILED_CERTIFIED], (), None, "certified counterexample from numeric"),
        (
            [FAILED_CERTIFIED],
            (PROVED_LEMMA,),
            None,
            "certified counterexample from numeric; 1 lemma(s) decided beside it, which do not weigh against it",
        ),
        ([ERROR, BROKEN_TOO], (), None, "check(s) raised an error: broken, also broken"),
        ([FAILED_MARGINAL], (), None, "numeric failure not certified beyond rounding in numeric"),
        ([PROVED, PASSED], (), None, "derivation closed (proof) and numeric agreement (numeric)"),
        (
            [PASSED],
            (PROVED_LEMMA,),
            "because",
            "every lemma proved (1), the argument from them is stated, and numeric agreement (numeric)",
        ),
        ([PASSED], (), None, "numeric agreement (numeric) but no closed derivation"),
        (
            [PASSED],
            (PROVED_LEMMA,),
            None,
            "numeric agreement (numeric) but no closed derivation (its lemmas carry no argument to the statement)",
        ),
        (
            [PASSED],
            (PROVED_LEMMA, OPEN_LEMMA),
            "because",
            f"numeric agreement (numeric) but no closed derivation (lemma(s) not proved: {LONG_LEMMA[:80]})",
        ),
        ([INCONCLUSIVE], (), None, "no check decided this reading"),
        ([NUMERIC_INCONCLUSIVE], (), None, "no check decided this reading"),
    ],
)
def test_reading_reasons(results, lemmas, argument, reason):
    assert decide_formalization(results, lemmas, argument).reason == reason


def test_reading_reason_for_a_conjunction_proved_in_part():
    one = ("proof", Kind.SYMBOLIC, CheckResult(Status.PROVED, "closed"))
    parts = {"proof": "lower", "other proof": "upper", "numeric": "upper"}
    reason = decide_formalization([one, PASSED], parts=parts).reason
    assert reason == "numeric agreement (numeric) but no closed derivation of every part"


@pytest.mark.parametrize(
    "readings, reason",
    [
        ([_reading("a", Verdict.PROVED), _reading("b", Verdict.PROVED)], "all 2 readings agree"),
        (
            [_reading("a", Verdict.PROVED, primary=True), _reading("b", Verdict.REFUTED)],
            "primary reading 'a' decides (a: PROVED; b: REFUTED)",
        ),
        (
            [_reading("a", Verdict.PROVED), _reading("b", Verdict.REFUTED)],
            "the statement's truth depends on a choice the paper leaves open (a: PROVED; b: REFUTED)",
        ),
        (
            [_reading("a", Verdict.REFUTED), _reading("b", Verdict.OPEN)],
            "some readings refuted, others undecided (a: REFUTED; b: OPEN)",
        ),
        (
            [_reading("a", Verdict.PROVED), _reading("b", Verdict.SUPPORTED)],
            "weakest of the readings (a: PROVED; b: SUPPORTED)",
        ),
    ],
)
def test_claim_reasons(readings, reason):
    assert decide_claim(readings).reason == reason


def test_a_single_reading_is_the_claim_decision():
    (only,) = readings = [_reading("a", Verdict.SUPPORTED)]
    assert decide_claim(readings) is only[2]


@pytest.mark.parametrize("reason", [None, "", "   ", 3])
def test_a_decision_needs_a_reason(reason):
    with pytest.raises(ValueError, match="reason"):
        Decision(Verdict.OPEN, reason)
