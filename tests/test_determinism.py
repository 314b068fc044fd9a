"""Determinism: two runs of ``fim-audit run`` at the same commit, profile and seed write the same
results.json byte for byte once the timing fields are removed, even with different hash seeds (each run is a
fresh process, as a user or CI runs it), and with claims run in parallel worker processes (``--jobs``).  The claims
cover every verdict and evidence kind: an exact proof, float and exact counterexamples, an ill-posed claim with
several readings, a figure."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import torch
from hypothesis import strategies as st

from fim_audit.claims.engine import run_claim
from fim_audit.claims.model import Check, CheckResult, Claim, Formalization, Kind, Source, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.search import property as search
from fim_audit.report.results import without_timing

CLAIMS = "fim-attn.thm1-inner,fim-attn.lemma2,fim-attn.thm3-step4,holistic.block-eig-union,fim-metrics.decay-defined"


pytestmark = pytest.mark.xdist_group("test_determinism")  # one worker: the audits below are run once per module


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Callable[[str, int], tuple[dict, Path]]:
    """``audit(hash_seed, jobs)``: the results.json (parsed) and output folder of ``fim-audit run`` over CLAIMS in a
    fresh process with that hash seed and --jobs; each run once per module (two tests compare against the same
    one-process run)."""
    runs: dict[tuple[str, int], tuple[dict, Path]] = {}

    def run(hash_seed: str, jobs: int) -> tuple[dict, Path]:
        if (hash_seed, jobs) not in runs:
            executable = shutil.which("fim-audit")
            if executable is None:
                pytest.fail("the fim-audit console script is not installed (pip install -e .)")
            where = tmp_path_factory.mktemp(f"hash{hash_seed}-jobs{jobs}")
            done = subprocess.run(  # the same command line in each folder (results.json records it)
                [executable, "run", "--only", CLAIMS, "--out", "audit", "--jobs", str(jobs)],
                capture_output=True,
                text=True,
                cwd=where,
                env={**os.environ, "PYTHONHASHSEED": hash_seed},
            )
            out = where / "audit"
            assert done.returncode == 0, done.stderr
            runs[hash_seed, jobs] = json.loads((out / "results.json").read_bytes()), out
        return runs[hash_seed, jobs]

    return run


def test_results_are_byte_identical_without_timing(audit):
    first, second = (audit(hash_seed, 1)[0] for hash_seed in ("1", "2"))
    assert first["environment"]["started_at"] and first["summary"]["seconds"] > 0  # the fields removed exist
    first_bytes, second_bytes = (json.dumps(without_timing(d), indent=2).encode() for d in (first, second))
    assert first_bytes == second_bytes
    assert len(first["claims"]) == len(CLAIMS.split(","))


def test_claims_in_parallel_give_the_results_of_one_process(audit):
    """fim-audit run --jobs 2 spawns workers that load the papers afresh and run the checks, then draw the figures;
    every check computes with one thread, and Hypothesis draws no constants from the modules a process happens to
    have loaded, so the bytes agree (the command line aside), the figures' too."""
    (one, one_out), (two, two_out) = audit("1", 1), audit("1", 2)
    one, two = copy.deepcopy(one), copy.deepcopy(two)
    for document in (one, two):
        del document["environment"]["command"]
    assert json.dumps(without_timing(one), indent=2) == json.dumps(without_timing(two), indent=2)
    figures = [figure["file"] for claim in one["claims"] for figure in claim["figures"]]
    drawn = [(one_out / f).read_bytes() == (two_out / f).read_bytes() for f in figures]
    assert drawn and all(drawn)


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


def test_a_claim_run_on_its_own_computes_with_one_thread():
    """run_claim (the plugin's and the tests' entry) keeps the audit's one-thread rule, and restores the count."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []

    def body(ctx):
        seen.append(torch.get_num_threads())
        return CheckResult(Status.PASSED, "ok", cases=1)

    reading = Formalization("r", "s", (Check("c", Kind.NUMERIC, "-", body),))
    claim = Claim("t.one", Source("t", "-", "-", "s"), (reading,))
    try:
        run_claim(claim, RunContext.create())
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


_ODD_CONSTANTS = [1.2345678901, 2.3456789012, 3.4567890123, 4.5678901234, 5.6789012345, 6.7890123456]


def _draws() -> list[float]:
    drawn: list[float] = []

    def evaluate(values, ctx):
        drawn.extend(values)
        return search.Evaluation(torch.zeros(len(values), dtype=torch.float64), lambda k: ({}, {}))

    strategy = st.lists(st.floats(0, 10), min_size=1, max_size=8)
    search.check_property(strategy, evaluate, RunContext.create())
    return drawn


def test_draws_do_not_depend_on_the_modules_loaded(tmp_path, monkeypatch):
    """Hypothesis draws literals from the source of the 'local' modules loaded, so one seed drew other examples
    once another module was imported (a worker process, a cold training cache, the pytest plugin).  Searches run
    with that pool left out: loading a module full of odd constants changes no draw.  With the pool in (now holding
    at least those constants), the same search draws other numbers (so this test can fail)."""
    before = _draws()
    source = tmp_path / "odd_constants.py"
    source.write_text("".join(f"C{k} = {c!r}\n" for k, c in enumerate(_ODD_CONSTANTS)))
    spec = importlib.util.spec_from_file_location("odd_constants", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "odd_constants", module)
    assert _draws() == before
    assert not set(before) & set(_ODD_CONSTANTS)
    monkeypatch.setattr(search, "source_constants_left_out", contextlib.nullcontext)
    assert _draws() != before
