"""The audit engine: run every check of a claim, time it, contain its failures, and apply the verdict
rule of :mod:`claims.verdict`."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from fim_audit.claims.model import (
    Check,
    CheckResult,
    Claim,
    Counterexample,
    Formalization,
    Kind,
    Lemma,
    Status,
    Verdict,
)
from fim_audit.claims.verdict import Decision, decide_claim, decide_formalization, decide_lemma

if TYPE_CHECKING:  # the engine only passes the context on (and derives each check's seed from it)
    from fim_audit.numeric.context import RunContext


@dataclass(frozen=True)
class CheckRecord:
    """One check's result, with the seed it ran under."""

    check: Check
    result: CheckResult
    seed: int


@dataclass(frozen=True)
class LemmaRecord:
    """One lemma's checks and the verdict they earn."""

    lemma: Lemma
    checks: tuple[CheckRecord, ...]
    decision: Decision


@dataclass(frozen=True)
class ReadingRecord:
    """One formalization's checks (of the statement), its lemmas, and the verdict they earn."""

    formalization: Formalization
    checks: tuple[CheckRecord, ...]
    decision: Decision
    lemmas: tuple[LemmaRecord, ...] = ()

    @property
    def all_checks(self) -> tuple[CheckRecord, ...]:
        return self.checks + tuple(c for lemma in self.lemmas for c in lemma.checks)

    @property
    def counterexample(self) -> Counterexample | None:
        """The certified counterexample of this reading, preferring an exact symbolic one."""
        refuting = [r.result for r in self.checks if r.result.refutes]
        refuting.sort(key=lambda result: result.status is not Status.DISPROVED)
        return refuting[0].counterexample if refuting else None


@dataclass(frozen=True)
class ClaimRecord:
    """Everything the audit learned about one claim."""

    claim: Claim
    readings: tuple[ReadingRecord, ...]
    decision: Decision
    correction: ReadingRecord | None
    seconds: float

    @property
    def verdict(self) -> Verdict:
        return self.decision.verdict

    @property
    def counterexample(self) -> Counterexample | None:
        return next((r.counterexample for r in self.readings if r.counterexample is not None), None)

    @property
    def all_checks(self) -> tuple[CheckRecord, ...]:
        """The records of every reading's checks and lemmas, then the correction's, in run order (a check shared by
        two readings appears in each)."""
        readings = self.readings + ((self.correction,) if self.correction else ())
        return tuple(c for r in readings for c in r.all_checks)

    @property
    def errors(self) -> tuple[CheckRecord, ...]:
        return tuple(c for c in self.all_checks if c.result.status is Status.ERROR)

    @property
    def cases(self) -> int:
        """Numeric and experiment cases examined over all readings."""
        return sum(c.result.cases for r in self.readings for c in r.checks if c.check.kind is not Kind.SYMBOLIC)


def run_check(check: Check, ctx: RunContext) -> CheckResult:
    """Run one check, timing it; an exception, or a return value that is not a CheckResult, becomes an ERROR
    result naming where it happened (a malformed counterexample raises :class:`claims.model.MalformedResult`
    when it is built, inside the check, so it lands here and not in the writing of results.json)."""
    start = time.perf_counter()
    try:
        result = check.run(ctx)
        if not isinstance(result, CheckResult):
            raise TypeError(f"check {check.name!r} returned {type(result).__name__}, not a CheckResult")
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken check (even one calling sys.exit) must not
        # take the audit down with it, nor end it with an exit status of its choosing; Ctrl-C still stops the run
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        result = CheckResult(Status.ERROR, f"{type(exc).__name__}: {exc} (at {frame.filename}:{frame.lineno})")
    return replace(result, seconds=time.perf_counter() - start)


def check_record(check: Check, ctx: RunContext) -> CheckRecord:
    """Run one check of an audit in ``ctx``: under its own seed (from its name), a symbolic or exact one in float64
    on the CPU (:attr:`Check.runs_exactly`), a ``float64`` one in float64 on the audit's device."""
    check_ctx = ctx.derive(check.name)
    if check.runs_exactly:
        check_ctx = check_ctx.exact_work()
    elif check.float64:
        check_ctx = check_ctx.float64_work()
    return CheckRecord(check, run_check(check, check_ctx), check_ctx.seed)


def run_reading(formalization: Formalization, ctx: RunContext, done: dict[Check, CheckRecord]) -> ReadingRecord:
    """Run a reading's checks; a check already run in this audit (shared by several readings, a correction or
    several claims) is not run again.  Its seed depends on the check's name only, so reusing the record is
    the same as running it again, whichever claims were selected and in whatever order.  A symbolic, exact or
    float64 check computes in float64 whatever the audit's dtype (:attr:`Check.dtype_free`), so its record may also
    be reused by an audit of the same profile and seed in another dtype."""
    for check in formalization.all_checks:
        if check not in done:
            done[check] = check_record(check, ctx)
    records = tuple(done[check] for check in formalization.checks)
    lemmas = tuple(_lemma_record(lemma, done) for lemma in formalization.lemmas)
    decision = decide_formalization(
        _triples(records),
        [(r.lemma.statement, r.decision) for r in lemmas],
        formalization.argument,
        {r.check.name: r.check.part for r in records},
    )
    return ReadingRecord(formalization, records, decision, lemmas)


def _triples(records: Iterable[CheckRecord]) -> list[tuple[str, Kind, CheckResult]]:
    return [(r.check.name, r.check.kind, r.result) for r in records]


def _lemma_record(lemma: Lemma, done: dict[Check, CheckRecord]) -> LemmaRecord:
    records = tuple(done[check] for check in lemma.checks)
    return LemmaRecord(lemma, records, decide_lemma(_triples(records)))


def run_claim(claim: Claim, ctx: RunContext, done: dict[Check, CheckRecord] | None = None) -> ClaimRecord:
    """Run every reading of ``claim`` (and its correction, if any) and decide its verdict; ``done`` holds the
    records of checks already run in this audit.  The checks compute with one CPU thread
    (:meth:`RunContext.one_thread`), also when a claim is run on its own (the pytest plugin, a test)."""
    start = time.perf_counter()
    done = {} if done is None else done
    with ctx.one_thread():
        readings = tuple(run_reading(f, ctx, done) for f in claim.formalizations)
        decision = decide_claim([(r.formalization.key, r.formalization.primary, r.decision) for r in readings])
        correction = run_reading(claim.correction, ctx, done) if claim.correction else None
    return ClaimRecord(claim, readings, decision, correction, time.perf_counter() - start)


def run_audit(
    claims: Iterable[Claim],
    ctx: RunContext,
    on_record: Callable[[ClaimRecord], None] | None = None,
    jobs: int = 1,
    papers: str | Sequence[str] | None = None,
    finish: Callable[[Claim, RunContext], Any] | None = None,
    on_finish: Callable[[Claim, Any], None] | None = None,
) -> list[ClaimRecord]:
    """Run claims, reporting each record (in claim order) as soon as it is decided; with ``jobs`` > 1, claims run
    in that many worker processes (:mod:`claims.parallel`), with the same results.  The workers load the claims
    afresh from ``papers``, the names :func:`claims.registry.load_papers` loaded them by (needed for ``jobs`` > 1).

    ``finish(claim, ctx)`` is work for each claim that needs none of its results (the report's figures): it runs
    after the checks, in the workers under ``jobs`` > 1 (queued behind every check, so it fills the cores the last
    checks leave idle; it must pickle: a module-level function or a partial of one), and its value reaches
    ``on_finish(claim, value)`` here, in claim order, after the last record.

    Every check computes with one CPU thread: float reductions split across threads sum in a thread-count-dependent
    order, so their last bits (and through Hypothesis' ``target`` the examples drawn next) would depend on the
    machine; parallelism comes from processes instead."""
    from fim_audit.claims import parallel  # the worker pool imports the engine

    claims = list(claims)
    if jobs > 1 and papers is None:
        raise ValueError("run_audit with jobs > 1 needs papers: the names the claims were loaded by")
    with ctx.one_thread():
        if papers is not None and jobs > 1 and len(claims) > 1 and parallel.available(ctx):
            records, finished = parallel.run_claims(claims, ctx, jobs, on_record, papers, finish)
        else:
            records = []
            done: dict[Check, CheckRecord] = {}
            for claim in claims:
                record = run_claim(claim, ctx, done)
                if on_record is not None:
                    on_record(record)
                records.append(record)
            finished = [finish(claim, ctx) for claim in claims] if finish is not None else []
    if on_finish is not None:
        for claim, value in zip(claims, finished):
            on_finish(claim, value)
    return records


def checks_run_by(claim: Claim) -> tuple[Check, ...]:
    """Every check :func:`run_claim` runs for ``claim``, in a fixed order (readings, their lemmas, the correction)."""
    readings = claim.formalizations + ((claim.correction,) if claim.correction else ())
    return tuple(dict.fromkeys(check for reading in readings for check in reading.all_checks))
