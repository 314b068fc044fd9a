"""claims/engine.py on synthetic claims (no torch, no sympy work): checks are contained, timed, seeded and run
once per audit; records keep their order; the counterexample, errors and case counts a report shows come from
the right checks.  Written for the mutation run of issue 20, whose selection for the engine is this file."""

from __future__ import annotations

import time

import pytest

from fim_audit.claims.engine import run_audit, run_check, run_claim, run_reading
from fim_audit.claims.model import (
    Check,
    CheckResult,
    Claim,
    Counterexample,
    Formalization,
    Kind,
    Source,
    Status,
    Verdict,
)
from fim_audit.numeric.context import DTYPES, RunContext

CTX = RunContext.create("default")
SOURCE = Source("test", "none.txt", "here", "a statement")


class Counting:
    """A check body that counts its calls and returns a fixed result."""

    def __init__(self, result: CheckResult) -> None:
        self.result, self.calls, self.seeds = result, 0, []

    def __call__(self, ctx: RunContext) -> CheckResult:
        self.calls += 1
        self.seeds.append(ctx.seed)
        return self.result


def _check(name: str, status: Status, kind: Kind = Kind.NUMERIC, *, cases: int = 1, certified=None, part=None):
    counterexample = None if certified is None else Counterexample({"x": name}, {}, certified, "exact")
    body = Counting(CheckResult(status, f"{name} says {status.value}", cases, None, counterexample))
    return Check(name, kind, "nothing", body, part=part), body


def _claim(claim_id: str, *readings: Formalization, correction: Formalization | None = None) -> Claim:
    return Claim(claim_id, SOURCE, readings, correction=correction)


def test_a_raising_check_is_an_error_naming_the_exception_and_where():
    def broken(ctx):
        raise KeyError("missing")

    result = run_check(Check("broken", Kind.NUMERIC, "nothing", broken), CTX)
    assert result.status is Status.ERROR
    assert result.detail.startswith("KeyError: 'missing' (at ") and "test_engine.py:" in result.detail


def test_a_check_is_timed():
    def slow(ctx):
        time.sleep(0.05)
        return CheckResult(Status.PASSED, "ok", cases=1, seconds=123.0)

    assert 0.05 <= run_check(Check("slow", Kind.NUMERIC, "nothing", slow), CTX).seconds < 5


def test_a_shared_check_runs_once_with_its_own_seed():
    shared, body = _check("shared", Status.PASSED)
    first = Formalization("first", "s", (shared,))
    second = Formalization("second", "s", (shared, _check("other", Status.PASSED)[0]))
    done: dict = {}
    reading = run_reading(first, CTX, done)
    run_reading(second, CTX, done)
    assert body.calls == 1 and body.seeds == [CTX.derive("shared").seed]
    assert reading.checks[0].seed == CTX.derive("shared").seed and reading.checks[0].check is shared
    records = run_audit([_claim("a.b", first), _claim("c.d", second)], CTX)
    assert body.calls == 2  # one more audit, one more run: the memo lives for one audit
    assert [c.check.name for c in records[1].readings[0].checks] == ["shared", "other"]


def test_a_symbolic_or_exact_check_runs_in_float64_on_the_cpu_whatever_the_audit_dtype():
    seen = []

    def body(ctx):
        seen.append((ctx.dtype, ctx.device.type, ctx.seed, ctx.profile.name))
        return CheckResult(Status.PASSED, "exact", cases=1)

    symbolic = Check("exact", Kind.SYMBOLIC, "nothing", body)
    exact = Check("exact search", Kind.NUMERIC, "nothing", body, exact=True)
    wide = Check("monte carlo", Kind.NUMERIC, "nothing", body, float64=True)
    numeric = Check("numeric", Kind.NUMERIC, "nothing", body)
    float32 = RunContext.create("default", dtype="float32")
    run_reading(Formalization("r", "s", (symbolic, exact, wide, numeric)), float32, {})
    names = ("exact", "exact search", "monte carlo")
    cpu64 = [(DTYPES["float64"], "cpu", CTX.derive(name).seed, "default") for name in names]
    assert seen[:3] == cpu64  # so a float32 audit may reuse a float64 record
    assert seen[3][0] is DTYPES["float32"]
    checks = (symbolic, exact, wide, numeric)
    assert [c.runs_exactly for c in checks] == [True, True, False, False]
    assert [c.dtype_free for c in checks] == [True, True, True, False]


def test_parts_reach_the_verdict_rule():
    lower, _ = _check("lower proof", Status.PROVED, Kind.SYMBOLIC, part="lower")
    numeric, _ = _check("upper numeric", Status.PASSED, part="upper")
    reading = run_reading(Formalization("two-sided", "s", (lower, numeric)), CTX, {})
    assert reading.decision.verdict is Verdict.SUPPORTED and "every part" in reading.decision.reason


def test_run_audit_reports_every_record_in_order():
    claims = [_claim(f"c.{k}", Formalization("r", "s", (_check(f"n{k}", Status.PASSED)[0],))) for k in range(3)]
    seen = []
    records = run_audit(claims, CTX, seen.append)
    assert [r.claim.id for r in records] == ["c.0", "c.1", "c.2"] and seen == records
    assert [r.verdict for r in run_audit(claims, CTX)] == [r.verdict for r in records] == [Verdict.SUPPORTED] * 3


def test_finish_runs_for_every_claim_after_the_checks_and_reports_in_claim_order():
    events = []
    check, body = _check("n", Status.PASSED)
    claims = [_claim(f"c.{k}", Formalization("r", "s", (check,))) for k in range(2)]

    def finish(claim, ctx):
        events.append(("finish", claim.id, body.calls))
        return claim.id.upper()

    records = run_audit(claims, CTX, lambda r: events.append(("record", r.claim.id)), finish=finish,
                        on_finish=lambda claim, value: events.append(("value", claim.id, value)))  # fmt: skip
    assert [r.claim.id for r in records] == ["c.0", "c.1"]
    assert events == [
        ("record", "c.0"), ("record", "c.1"),  # every check first (the shared check ran once)
        ("finish", "c.0", 1), ("finish", "c.1", 1),
        ("value", "c.0", "C.0"), ("value", "c.1", "C.1"),
    ]  # fmt: skip


def test_claim_record_prefers_the_exact_counterexample_and_counts_only_numeric_cases():
    symbolic, _ = _check("exact", Status.DISPROVED, Kind.SYMBOLIC, cases=7, certified=True)
    numeric, _ = _check("float", Status.FAILED, cases=5, certified=True)
    passing, _ = _check("passing", Status.PASSED, cases=11)
    record = run_claim(_claim("x.y", Formalization("r", "s", (numeric, symbolic, passing))), CTX)
    assert record.verdict is Verdict.REFUTED
    assert record.counterexample.inputs == {"x": "exact"}
    assert record.cases == 16 and record.seconds > 0


def test_a_reading_without_a_certified_failure_has_no_counterexample():
    marginal, _ = _check("marginal", Status.FAILED, certified=False)
    record = run_claim(_claim("x.y", Formalization("r", "s", (marginal,))), CTX)
    assert record.readings[0].counterexample is None and record.counterexample is None
    assert record.verdict is Verdict.OPEN


def test_the_correction_is_run_and_its_errors_are_reported():
    refuting, _ = _check("refuting", Status.FAILED, certified=True)
    broken = Check("broken", Kind.NUMERIC, "nothing", lambda ctx: 1 / 0)
    correction = Formalization("corrected", "s", (broken,))
    record = run_claim(_claim("x.y", Formalization("r", "s", (refuting,)), correction=correction), CTX)
    assert record.correction is not None and record.correction.decision.verdict is Verdict.OPEN
    assert [c.check.name for c in record.errors] == ["broken"]
    assert record.verdict is Verdict.REFUTED


@pytest.mark.parametrize("status", [Status.PASSED, Status.ERROR])
def test_errors_lists_only_checks_that_raised(status):
    check, _ = _check("only", status)
    record = run_claim(_claim("x.y", Formalization("r", "s", (check,))), CTX)
    assert len(record.errors) == (status is Status.ERROR)


def test_lemma_records_keep_their_checks_and_a_claim_times_itself():
    from fim_audit.claims.model import Lemma

    proof, _ = _check("lemma proof", Status.PROVED, Kind.SYMBOLIC)
    statement, _ = _check("statement", Status.PASSED)
    reading = Formalization("r", "s", (statement,), lemmas=(Lemma("a step", (proof,)),), argument="so")
    record = run_claim(_claim("x.y", reading), CTX)
    (lemma,) = record.readings[0].lemmas
    assert [c.check.name for c in lemma.checks] == ["lemma proof"] and lemma.decision.verdict is Verdict.PROVED
    assert 0 < record.seconds < 60


def test_a_check_returning_a_non_result_is_named_with_its_type():
    result = run_check(Check("odd", Kind.NUMERIC, "nothing", lambda ctx: 3), CTX)
    assert result.status is Status.ERROR and result.detail.startswith("TypeError: check 'odd' returned int, not")
