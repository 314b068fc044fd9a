"""The claim model refuses malformed data when it is built (issue 16, "fail early, lose nothing"): a check that
builds an unreportable counterexample or result raises inside the check, and the engine makes that check ERROR
instead of the run dying when results.json is written."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from fim_audit.numeric.context import RunContext
from fim_audit.claims.engine import run_check, run_claim
from fim_audit.claims.model import (
    Check,
    CheckResult,
    Claim,
    Counterexample,
    Formalization,
    Kind,
    Lemma,
    MalformedResult,
    Source,
    Status,
    Verdict,
    json_ready_problem,
)

CTX = RunContext.create("default")


@pytest.mark.parametrize(
    "value",
    [
        {"z": [0.0, 1.5], "n": 3, "exact": "1/3", "flag": True, "none": None, "nested": {"a": [[1, 2], (3, 4)]}},
        {"x": np.float64(0.5)},  # numpy's float64 subclasses float and serialises as one
        {"x": float("inf")},  # written as the string "inf" (strict JSON)
    ],
)
def test_json_ready_values_pass(value):
    assert json_ready_problem(value) is None


@pytest.mark.parametrize(
    "value, named",
    [
        ({"x": sp.Rational(1, 3)}, "Rational"),
        ({"x": sp.true}, "BooleanTrue"),
        ({"x": np.int64(3)}, "int64"),
        ({"x": torch.tensor(1.0)}, "Tensor"),
        ({"x": {1: "a"}}, "keys must be str"),
        ({"x": {"y": [object()]}}, "object"),
    ],
)
def test_unreportable_values_are_named(value, named):
    assert named in json_ready_problem(value)


def test_certified_must_be_a_real_bool():
    """Issue 16: a certifier returning sympy's True passed every check and killed the run at the end."""
    with pytest.raises(MalformedResult, match="not a bool"):
        Counterexample({"z": [0.0]}, {}, sp.true, "sympy said so")
    with pytest.raises(MalformedResult, match="not a bool"):
        Counterexample({"z": [0.0]}, {}, np.True_, "numpy said so")
    with pytest.raises(MalformedResult, match="JSON-ready"):
        Counterexample({"z": [sp.Integer(0)]}, {}, True, "exact")


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"cases": 1.5}, "cases"),
        ({"cases": -1}, "cases"),
        ({"ratio": torch.tensor(0.5)}, "ratio"),
        ({"scope": 3}, "scope"),
        ({"detail": None}, "detail"),
    ],
)
def test_malformed_results_are_refused(fields, named):
    with pytest.raises(MalformedResult, match=named):
        CheckResult(**{"status": Status.PASSED, "detail": "ok", **fields})


def _check(run) -> Check:
    return Check("a check that builds its result", Kind.NUMERIC, "nothing", run)


def test_a_malformed_counterexample_makes_its_check_error_not_the_run():
    def run(ctx):
        return CheckResult(
            Status.FAILED, "bad", counterexample=Counterexample({"z": [0.0]}, {}, sp.true, "sympy"), cases=1
        )

    result = run_check(_check(run), CTX)
    assert result.status is Status.ERROR
    assert "MalformedResult" in result.detail and "not a bool" in result.detail


def test_a_check_returning_something_else_errors():
    result = run_check(_check(lambda ctx: True), CTX)
    assert result.status is Status.ERROR and "not a CheckResult" in result.detail


def _passing(name: str, kind: Kind = Kind.NUMERIC) -> Check:
    status = Status.PASSED if kind is not Kind.SYMBOLIC else Status.PROVED
    return Check(name, kind, "nothing", lambda ctx: CheckResult(status, "ok", cases=1))


def _refuting(name: str) -> Check:
    counterexample = Counterexample({"x": 1}, {"lhs": 1, "rhs": 2}, True, "exact")
    return Check(name, Kind.NUMERIC, "nothing", lambda ctx: CheckResult(Status.FAILED, "bad", 1, None, counterexample))


def _claim(checks: tuple[Check, ...], lemmas: tuple[Lemma, ...], argument: str | None) -> Claim:
    reading = Formalization("reading", "a statement", checks, lemmas=lemmas, argument=argument)
    return Claim("test.lemma", Source("test", "none.txt", "here", "a statement"), (reading,))


def test_the_engine_runs_lemmas_and_reports_them_apart():
    lemma = Lemma("a supporting identity", (_passing("lemma proof", Kind.SYMBOLIC),))
    record = run_claim(_claim((_refuting("statement check"),), (lemma,), "it follows"), CTX)
    assert record.verdict is Verdict.REFUTED
    (reading,) = record.readings
    assert [c.check.name for c in reading.checks] == ["statement check"]
    assert reading.lemmas[0].decision.verdict is Verdict.PROVED
    record = run_claim(_claim((_passing("statement check"),), (lemma,), "it follows"), CTX)
    assert record.verdict is Verdict.PROVED


def test_formalization_rules_for_lemmas():
    lemma = Lemma("a step", (_passing("proof", Kind.SYMBOLIC),))
    with pytest.raises(ValueError, match="no lemmas"):
        Formalization("r", "s", (_passing("n"),), argument="it follows")
    with pytest.raises(ValueError, match="numeric or experiment check of the statement"):
        Formalization("r", "s", (_passing("p", Kind.SYMBOLIC),), lemmas=(Lemma("x", (_passing("n"),)),))
    with pytest.raises(ValueError, match="both for the statement and a lemma"):
        Formalization("r", "s", (_passing("proof"),), lemmas=(Lemma("x", (_passing("proof"),)),))
    assert Formalization("r", "s", (_passing("n"),), lemmas=(lemma,)).all_checks[-1].name == "proof"
