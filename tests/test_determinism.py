"""Determinism: two runs of ``fim-audit run`` at the same commit, profile and seed write the same
results.json byte for byte once the timing fields are removed, even with different hash seeds (each run is a
fresh process, as a user or CI runs it), and with claims run in parallel worker processes (``--jobs``).  The claims
cover every verdict and evidence kind: an exact proof, float and exact counterexamples, an ill-posed claim with
several readings, a figure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from fim_audit.report.results import without_timing

CLAIMS = "fim-attn.thm1-inner,fim-attn.lemma2,fim-attn.thm3-step4,holistic.block-eig-union,fim-metrics.decay-defined"


def _audit(out, hash_seed: str, jobs: int = 1) -> bytes:
    executable = shutil.which("fim-audit")
    if executable is None:
        pytest.fail("the fim-audit console script is not installed (pip install -e .)")
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [executable, "run", "--only", CLAIMS, "--out", str(out), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert done.returncode == 0, done.stderr
    return (out / "results.json").read_bytes()


def test_results_are_byte_identical_without_timing(tmp_path):
    out = tmp_path / "audit"
    first, second = (json.loads(_audit(out, hash_seed)) for hash_seed in ("1", "2"))
    assert first["environment"]["started_at"] and first["summary"]["seconds"] > 0  # the fields removed exist
    first_bytes, second_bytes = (json.dumps(without_timing(d), indent=2).encode() for d in (first, second))
    assert first_bytes == second_bytes
    assert len(first["claims"]) == len(CLAIMS.split(","))


def test_claims_in_parallel_give_the_results_of_one_process(tmp_path):
    """fim-audit run --jobs 2 forks workers that run whole claims; every check computes with one thread, and a fit
    that LAPACK solved with different last bits in a forked process is solved exactly, so the bytes agree (the
    command line aside)."""
    one, two = (json.loads(_audit(tmp_path / f"jobs{jobs}", "1", jobs)) for jobs in (1, 2))
    for document in (one, two):
        del document["environment"]["command"]
    assert json.dumps(without_timing(one), indent=2) == json.dumps(without_timing(two), indent=2)


_THREADS_AFTER_A_KERNEL = """
import torch
from fim_audit.numeric.fisher_spectrum import fisher_metrics
from fim_audit.numeric.threads import one_thread, share_cores
with one_thread():
    fisher_metrics(torch.full((4, 8), 0.125, dtype=torch.float64))  # the first compiled kernel of the process
    print(torch.get_num_threads())
share_cores()
import numba
print(torch.get_num_threads(), numba.get_num_threads())
"""


def test_one_thread_holds_after_the_first_compiled_kernel():
    """numba's OpenMP layer resets the process's OpenMP thread count when it starts (at the first compiled kernel):
    torch computed with every core again from there on, inside one_thread.  In a fresh process, as the audit runs."""
    done = subprocess.run([sys.executable, "-c", _THREADS_AFTER_A_KERNEL], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "1"]
