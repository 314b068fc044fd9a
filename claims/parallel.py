"""Claims in parallel: ``fim-audit run --jobs N`` runs claims in N worker processes with the results of one.

Claims hold formulas (lambdas), which do not pickle, so the workers are forked from the process that loaded the
papers and find the claims where it left them; each runs whole claims and sends back only what its checks found
(results and seeds, plain data).  The parent puts each result beside its own check and applies the verdict rule, so
a record is the one a sequential run builds: every check's seed depends on its name alone, and every process
computes with one thread (:mod:`numeric.threads`).  A check shared by two claims runs in each claim's worker, with the
same seed, hence the same result.

Forking needs the ``fork`` start method (Linux, macOS) and a CPU run (a CUDA context does not survive a fork);
elsewhere the audit runs in one process.  Forking a process that runs threads of its own can deadlock a worker (a
pytest session did, once); the command line forks from a process that has none, and ``--jobs`` is 1 unless asked.
Spawned workers (which load the papers afresh) avoid that; they once gave other Hypothesis case counts than one
process in 3 of 39 claims, most likely because numba's threading layer, started by the first compiled kernel, reset
torch's thread count to every core (fixed in :mod:`numeric.threads`); they are not used yet.  A full seed audit with
``--jobs 2`` is byte-identical to ``--jobs 1`` (timing fields aside).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace
from typing import Callable

from fim_audit.claims.engine import CheckRecord, ClaimRecord, checks_run_by, run_claim
from fim_audit.claims.model import Check, CheckResult, Claim
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.threads import one_thread, share_cores  # noqa: F401 - one_thread serves the engine

_CLAIMS: list[Claim] = []
"""The claims of the running audit, for the forked workers to find."""
_CONTEXT: list[RunContext] = []

Found = tuple[list[tuple[CheckResult, int]], float]
"""What a worker sends back for one claim: (each check's result and seed, in :func:`checks_run_by` order; seconds)."""


def available(ctx: RunContext) -> bool:
    return ctx.device.type == "cpu" and "fork" in multiprocessing.get_all_start_methods()


def run_claims(
    claims: list[Claim], ctx: RunContext, jobs: int, on_record: Callable[[ClaimRecord], None] | None
) -> list[ClaimRecord]:
    """Run ``claims`` in ``jobs`` forked workers; records in claim order, each reported as soon as it and the
    claims before it are decided."""
    _CLAIMS[:], _CONTEXT[:] = claims, [ctx]
    records = []
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(claims)), initializer=share_cores) as pool:
            for claim, found in zip(claims, pool.imap(_run_one, range(len(claims))), strict=True):
                record = _record(claim, ctx, found)
                if on_record is not None:
                    on_record(record)
                records.append(record)
    finally:
        _CLAIMS.clear()
        _CONTEXT.clear()
    return records


def _run_one(index: int) -> Found:
    claim = _CLAIMS[index]
    record = run_claim(claim, _CONTEXT[0])
    by_check: dict[Check, CheckRecord] = {
        c.check: c
        for reading in record.readings + ((record.correction,) if record.correction else ())
        for c in reading.all_checks
    }
    return [(by_check[check].result, by_check[check].seed) for check in checks_run_by(claim)], record.seconds


def _record(claim: Claim, ctx: RunContext, found: Found) -> ClaimRecord:
    """The claim's record from its checks' results (the verdict rule runs here, on the parent's checks)."""
    results, seconds = found
    done = {
        check: CheckRecord(check, result, seed)
        for check, (result, seed) in zip(checks_run_by(claim), results, strict=True)
    }
    start = time.perf_counter()
    record = run_claim(claim, ctx, done)
    return replace(record, seconds=seconds + time.perf_counter() - start)
