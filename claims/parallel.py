"""Claims in parallel: ``fim-audit run --jobs N`` runs the claims' checks in N worker processes with the results of
one.

Claims hold formulas (lambdas), which do not pickle, so each worker is a fresh (spawned) process that loads the same
papers from the names they were loaded by; a task names one check by its claim's id and its place among the claim's
checks, and the worker runs it as the engine does (:func:`claims.engine.check_record`) and sends back only what it
found (its name, result and seed: plain data).  The parent puts each result beside its own check, after comparing
the names (a paper that declares other checks when loaded again is an error, not a silent mismatch), and applies
the verdict rule, so a record is the one a sequential run builds: every check's seed depends on its name alone, and
every process computes with one thread (:mod:`numeric.threads`).  A check shared by several claims runs once.

Workers are spawned, not forked: numba's OpenMP threading layer (GNU libgomp) is not fork-safe, and the parent
starts it before any claim runs (:func:`numeric.threads.one_thread`); a worker forked from it hung in a futex wait
at its first parallel region.  Spawning costs each worker its imports and the papers' loading (a few seconds, in
parallel) and works on every platform.  The workers are not daemonic (``ProcessPoolExecutor``), so a check that
trains spreads its runs over processes of its own (:func:`numeric.training.experiments.runs`); a worker whose check
needs runs another worker is training waits for them (one process trains per cache) while the trainer's processes
use its core.  A CUDA run stays in one process (the checks batch on the device, and worker processes would contend
for it).
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any, Callable, Sequence

from fim_audit.claims.engine import CheckRecord, ClaimRecord, check_record, checks_run_by, run_claim
from fim_audit.claims.model import Check, CheckResult, Claim, Kind
from fim_audit.claims.quick_exit import leave_after_exit_handlers
from fim_audit.claims.registry import claims_of, load_papers
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.threads import share_cores

_WORKER: dict[str, object] = {}
"""A worker's claims (by id) and run context, loaded once by :func:`_start_worker`."""

Found = tuple[str, CheckResult, int]
"""What a worker sends back for one check: its name, its result and its seed (plain data)."""


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
    finish: Callable[[Claim, RunContext], Any] | None = None,
) -> tuple[list[ClaimRecord], list[Any]]:
    """Run ``claims`` (loaded from ``papers``, the names :func:`claims.registry.load_papers` took) in ``jobs``
    spawned workers, one check per task: records in claim order, each reported as soon as its checks and the claims
    before it are decided; and ``finish(claim, ctx)`` of each claim (:func:`claims.engine.run_audit`), one task per
    claim queued behind every check, its values in claim order."""
    tasks = _tasks(claims)
    done: dict[Check, CheckRecord] = {}
    records: list[ClaimRecord] = []
    pool = ProcessPoolExecutor(
        min(jobs, len(tasks)), multiprocessing.get_context("spawn"), _start_worker, (papers, ctx)
    )
    try:
        futures = {check: pool.submit(_run_one, *where) for check, where in tasks.items()}
        finishing = [pool.submit(_finish_one, finish, claim.id) for claim in claims] if finish is not None else []
        for claim in claims:
            checks = checks_run_by(claim)
            for check in checks:
                if check not in done:
                    done[check] = _checked(claim, check, futures[check].result())
            start = time.perf_counter()
            record = run_claim(claim, ctx, done)
            ran_here = sum(done[c].result.seconds for c in checks if tasks[c][0] == claim.id)
            record = replace(record, seconds=ran_here + time.perf_counter() - start)
            if on_record is not None:
                on_record(record)
            records.append(record)
        finished = [future.result() for future in finishing]
    finally:  # interrupted: the tasks not started are dropped, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
    return records, finished


def _tasks(claims: list[Claim]) -> dict[Check, tuple[str, int]]:
    """Each check the claims run, once (a check shared by several claims runs once, as in one process), named by
    where a worker finds it: (the first claim that runs it, its index in :func:`checks_run_by`).  The checks that
    train go first: the seed campaigns are the longest tasks, and a pool that starts them last waits for them alone.
    A task is a check rather than a claim so that the workers stay busy to the end (one claim's checks take up to
    11 s, the audit's longest check 7 s)."""
    where: dict[Check, tuple[str, int]] = {}
    for claim in claims:
        for index, check in enumerate(checks_run_by(claim)):
            where.setdefault(check, (claim.id, index))
    return dict(sorted(where.items(), key=lambda item: item[0].kind is not Kind.EXPERIMENT))


def _start_worker(papers: str | Sequence[str], ctx: RunContext) -> None:
    """A worker's start: its exit without the interpreter's teardown (:mod:`claims.quick_exit`: the parent waits
    for it), one thread for torch and numba (it shares the cores), then the papers, loaded under the thread settings
    the parent loaded them under."""
    leave_after_exit_handlers(lambda: 0)  # a worker ends by the executor's signal: its work is done
    share_cores()
    _WORKER["ctx"] = ctx
    try:
        _WORKER["claims"] = {claim.id: claim for claim in claims_of(load_papers(papers))}
    except Exception as exc:  # noqa: BLE001 - raised again, named, at the first check (a failed initializer
        _WORKER["error"] = exc  # only breaks the pool, with no word of why)


def _claim(claim_id: str) -> Claim:
    """The worker's claim of that id (if its papers did not load: that error, named)."""
    if "error" in _WORKER:
        raise WorkerMismatch(f"a worker process could not load the papers: {_WORKER['error']}")
    return _WORKER["claims"][claim_id]  # type: ignore[index]


def _run_one(claim_id: str, index: int) -> Found:
    check = checks_run_by(_claim(claim_id))[index]
    record = check_record(check, _WORKER["ctx"])  # type: ignore[arg-type] - one thread: share_cores()
    return check.name, record.result, record.seed


def _finish_one(finish: Callable[[Claim, RunContext], Any], claim_id: str) -> Any:
    return finish(_claim(claim_id), _WORKER["ctx"])  # type: ignore[arg-type]


def _checked(claim: Claim, check: Check, found: Found) -> CheckRecord:
    """The parent's check with the result a worker found for the check of that name."""
    name, result, seed = found
    if name != check.name:
        raise WorkerMismatch(
            f"claim {claim.id!r} has other checks when its paper is loaded again in a worker process ({name!r} "
            f"where the parent has {check.name!r}): a paper module must declare the same claims each time it is "
            "imported"
        )
    return CheckRecord(check, result, seed)
