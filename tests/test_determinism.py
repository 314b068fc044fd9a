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
