"""The README's two commands exist, .ci/run runs exactly the README's test command, and the README's
results table agrees with the verdict lock and is the one generated from the default audit."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fim_audit.claims.lock import read_lock
from fim_audit.report import readme
from fim_audit.report.results import load_results

ROOT = Path(__file__).resolve().parent.parent


def _command(marker: str) -> str:
    script = ROOT / ".ci" / "readme-command"
    return subprocess.run(["bash", str(script), marker], capture_output=True, text=True, check=True).stdout.strip()


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    audit, test = _command("audit"), _command("test")
    assert "fim-audit run" in audit and "pytest" in test
    assert readme.index("<!-- command:audit -->") < readme.index("<!-- command:test -->") < readme.index("\n## ", 1)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'readme-command" test' in ci or "readme-command test" in ci
    assert "exit code 5" in ci  # pytest's 'no tests collected' must fail CI


_GROUPED_TESTS = """
import os, pathlib, pytest, time
pytestmark = pytest.mark.xdist_group("one")
@pytest.mark.parametrize("k", range(4))
def test_records_its_worker(k):
    time.sleep(0.2)  # long enough that an idle worker would take the next test
    out = pathlib.Path(os.environ["GROUPED_OUT"])
    (out / f"{k}").write_text(os.environ.get("PYTEST_XDIST_WORKER", "none"))
"""


def test_the_readme_test_command_keeps_a_group_in_one_worker(tmp_path):
    """--dist loadgroup sends every test of an xdist_group to one worker: the suite relies on it for its module- and
    session-scoped fixtures (the full default audit runs once per run, not once per worker).  pytest 9.2 broke it
    silently (pytest-xdist issue #1386: the group no longer reaches the node id, and the tests are spread over the
    workers), so the test extra pins pytest below 9.2; this test fails where an install groups nothing."""
    (tmp_path / "test_grouped.py").write_text(_GROUPED_TESTS)
    out = tmp_path / "workers"
    out.mkdir()
    command = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, str(tmp_path / "test_grouped.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "GROUPED_OUT": str(out)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workers = {path.name: path.read_text() for path in out.iterdir()}
    assert len(workers) == 4 and len(set(workers.values())) == 1, workers


def test_readme_results_table_matches_the_lock():
    """The README's 'Current results' rows must state the locked verdicts (the lock is the authority)."""
    lock = read_lock()
    readme = (ROOT / "README.md").read_text()
    table_ids = re.findall(r"^\| `([a-z-]+\.[\w.-]+)` \|", readme, re.M)
    rows = re.findall(r"^\| `([\w.-]+)` \|(?:[^|\\]|\\.)*\| (PROVED|SUPPORTED|REFUTED|ILL_POSED|OPEN) \|", readme, re.M)
    assert rows and [claim_id for claim_id, _ in rows] == table_ids, "a results row could not be parsed"
    assert {claim_id: lock[claim_id].value for claim_id, _ in rows} == dict(rows)


@pytest.mark.xdist_group("default-audit")  # with tests/test_html_report.py: one default audit per run
def test_readme_results_table_is_generated_from_the_default_audit(default_audit):
    """The committed table is exactly what `fim-audit readme` writes from the default audit at this commit."""
    committed = readme.current_table((ROOT / "README.md").read_text())
    generated = readme.results_table(load_results(default_audit / "results.json")).strip()
    stale = "\n".join(difflib.unified_diff(committed.splitlines(), generated.splitlines(), lineterm="", n=0))
    assert committed == generated, (
        f"the README's results table is stale; run `fim-audit run && fim-audit readme audit-report/results.json`:\n"
        f"{stale}"
    )
