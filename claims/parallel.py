"""Claims in parallel: ``fim-audit run --jobs N`` runs claims in N worker processes with the results of one.

Claims hold formulas (lambdas), which do not pickle, so each worker is a fresh (spawned) process that loads the same
papers from the names they were loaded by, finds each claim it is sent by its id, runs the whole claim and sends
back only what its checks found (results and seeds, plain data, with the checks' names).  The parent puts each
result beside its own check, after comparing the names (a paper that declares other checks when loaded again is an
error, not a silent mismatch), and applies the verdict rule, so a record is the one a sequential run builds: every
check's seed depends on its name alone, and every process computes with one thread (:mod:`numeric.threads`).  A
check shared by two claims runs in each claim's worker, with the same seed, hence the same result.

Workers are spawned, not forked: numba's OpenMP threading layer (GNU libgomp) is not fork-safe, and the parent
starts it before any claim runs (:func:`numeric.threads.one_thread`); a worker forked from it hung in a futex wait
at its first parallel region.  Spawning costs each worker its imports and the papers' loading (a few seconds, in
parallel) and works on every platform.  Claims that train go first: the seed campaigns are the longest claims, and
a pool that starts them last waits for them alone.  The workers are not daemonic (``ProcessPoolExecutor``), so a
claim that trains spreads its runs over processes of its own (:func:`numeric.training.experiments.runs`); a worker
whose claim needs runs another worker is training waits for them (one process trains per cache) while the
trainer's processes use its core.  A CUDA run stays in one process (the checks batch on the
device, and worker processes would contend for it).
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Callable, Sequence

from fim_audit.claims.engine import CheckRecord, ClaimRecord, checks_run_by, run_claim
from fim_audit.claims.model import Check, CheckResult, Claim, Kind
from fim_audit.claims.registry import claims_of, load_papers
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.threads import share_cores

_WORKER: dict[str, object] = {}
"""A worker's claims (by id) and run context, loaded once by :func:`_start_worker`."""

Found = tuple[tuple[str, ...], list[tuple[CheckResult, int]], float]
"""What a worker sends back for one claim: (the names of its checks and each one's result and seed, in
:func:`checks_run_by` order; seconds)."""


class WorkerMismatch(RuntimeError):
    """A worker loaded a claim with other checks than the parent's: the paper is not the same when loaded again."""


def available(ctx: RunContext) -> bool:
    return ctx.device.type == "cpu"


def run_claims(
    claims: list[Claim],
    ctx: RunContext,
    jobs: int,
    on_record: Callable[[ClaimRecord], None] | None,
    papers: str | Sequence[str],
) -> list[ClaimRecord]:
    """Run ``claims`` (loaded from ``papers``, the names :func:`claims.registry.load_papers` took) in ``jobs``
    spawned workers; records in claim order, each reported as soon as it and the claims before it are decided."""
    order = sorted(range(len(claims)), key=lambda i: not _trains(claims[i]))
    pending: dict[int, Found] = {}
    records: list[ClaimRecord] = []
    pool = ProcessPoolExecutor(
        min(jobs, len(claims)), multiprocessing.get_context("spawn"), _start_worker, (papers, ctx)
    )
    try:
        futures = [pool.submit(_run_one, claims[i].id) for i in order]
        for index, future in zip(order, futures, strict=True):
            pending[index] = future.result()
            while len(records) in pending:
                claim = claims[len(records)]
                record = _record(claim, ctx, pending.pop(len(records)))
                if on_record is not None:
                    on_record(record)
                records.append(record)
    finally:  # interrupted: the claims not started are dropped, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
    return records


def _trains(claim: Claim) -> bool:
    return any(check.kind is Kind.EXPERIMENT for check in checks_run_by(claim))


def _start_worker(papers: str | Sequence[str], ctx: RunContext) -> None:
    """A worker's start: one thread for torch and numba (it shares the cores), then the papers, loaded under the
    thread settings the parent loaded them under."""
    share_cores()
    _WORKER["ctx"] = ctx
    try:
        _WORKER["claims"] = {claim.id: claim for claim in claims_of(load_papers(papers))}
    except Exception as exc:  # noqa: BLE001 - raised again, named, at the first claim (a failed initializer
        _WORKER["error"] = exc  # only breaks the pool, with no word of why)


def _run_one(claim_id: str) -> Found:
    if "error" in _WORKER:
        raise WorkerMismatch(f"a worker process could not load the papers: {_WORKER['error']}")
    claim = _WORKER["claims"][claim_id]  # type: ignore[index]
    record = run_claim(claim, _WORKER["ctx"])  # type: ignore[arg-type]
    by_check: dict[Check, CheckRecord] = {
        c.check: c
        for reading in record.readings + ((record.correction,) if record.correction else ())
        for c in reading.all_checks
    }
    checks = checks_run_by(claim)
    return tuple(c.name for c in checks), [(by_check[c].result, by_check[c].seed) for c in checks], record.seconds


def _record(claim: Claim, ctx: RunContext, found: Found) -> ClaimRecord:
    """The claim's record from its checks' results (the verdict rule runs here, on the parent's checks)."""
    names, results, seconds = found
    checks = checks_run_by(claim)
    if names != tuple(c.name for c in checks):
        raise WorkerMismatch(
            f"claim {claim.id!r} has other checks when its paper is loaded again in a worker process: "
            "a paper module must declare the same claims each time it is imported"
        )
    done = {check: CheckRecord(check, result, seed) for check, (result, seed) in zip(checks, results, strict=True)}
    start = time.perf_counter()
    record = run_claim(claim, ctx, done)
    return replace(record, seconds=seconds + time.perf_counter() - start)
