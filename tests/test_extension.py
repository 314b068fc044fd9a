"""The extension path (issue 16): a paper outside the package, audited by `fim-audit run --papers` and by the
pytest plugin against its own lock; `fim-audit new-paper`; and one clear line, exit 2, for what cannot be loaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fim_audit.claims.lock import LOCK_SCHEMA
from fim_audit.report.cli import EXIT_FLIPPED, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "softmax_facts"


def _run(*argv: str) -> int:
    return main(list(argv))


def test_new_paper_writes_a_skeleton_that_audits(tmp_path, capsys):
    assert _run("new-paper", "my-paper", "--out", str(tmp_path), "--ci") == EXIT_OK
    module = tmp_path / "my_paper.py"
    workflow = (tmp_path / ".github" / "workflows" / "fim-audit.yml").read_text()
    assert f"--papers {module} --check" in workflow and "upload-artifact" in workflow and "junit.xml" in workflow
    out = str(tmp_path / "out")
    assert _run("run", "--papers", str(module), "--update-lock", "--out", out) == EXIT_OK
    lock = json.loads((tmp_path / "my_paper.lock.json").read_text())["verdicts"]
    assert lock == {"my-paper.shift-invariance": "PROVED", "my-paper.eigmax-quarter": "REFUTED"}
    assert _run("run", "--papers", str(module), "--check", "--out", out) == EXIT_OK
    assert _run("new-paper", "my-paper", "--out", str(tmp_path)) == EXIT_USAGE  # never overwrites
    assert "exists" in capsys.readouterr().err


def test_a_flipped_verdict_fails_the_check(tmp_path):
    paper = tmp_path / "flip.py"
    shutil.copy(EXAMPLE / "softmax_facts.py", paper)
    lock = json.loads((EXAMPLE / "softmax_facts.lock.json").read_text())
    lock["verdicts"]["softmax-facts.shift-invariance"] = "REFUTED"
    (tmp_path / "flip.lock.json").write_text(json.dumps(lock))
    argv = ("run", "--papers", str(paper), "--only", "softmax-facts.shift", "--check", "--out", str(tmp_path / "o"))
    assert _run(*argv) == EXIT_FLIPPED


def test_the_example_paper_holds_its_lock_through_the_cli(tmp_path):
    assert _run("run", "--papers", str(EXAMPLE / "softmax_facts.py"), "--check", "--out", str(tmp_path)) == EXIT_OK
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["claims"]) == 10
    assert {c["verdict"] for c in results["claims"]} == {"PROVED", "SUPPORTED", "REFUTED"}


def _pytest(folder: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("FIM_AUDIT_PROFILE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", *options]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_the_pytest_plugin_runs_the_example_claims_as_tests(tmp_path):
    folder = tmp_path / "paper"
    shutil.copytree(EXAMPLE, folder)
    done = _pytest(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed, 4 xfailed" in done.stdout
    assert "XFAIL fim-audit::softmax-facts.scale-invariance - REFUTED" in done.stdout
    # a flipped lock makes the claim's test fail, strict as xfail_strict (that claim alone: -k selects it)
    lock = json.loads((folder / "softmax_facts.lock.json").read_text())
    lock["verdicts"]["softmax-facts.scale-invariance"] = "PROVED"
    (folder / "softmax_facts.lock.json").write_text(json.dumps(lock))
    done = _pytest(folder, "-k", "scale-invariance")
    assert done.returncode == 1 and "verdict flipped: computed REFUTED, locked PROVED" in done.stdout


RAISING_PAPER = """
from fim_audit.claims.model import Check, Claim, Formalization, Kind, Source

def _broken(ctx):
    raise RuntimeError("a bug in the check")

READING = Formalization("r", "s", (Check("broken check", Kind.NUMERIC, "-", _broken),))
CLAIMS = (Claim("raising.c", Source("raising", "s.txt", "1", "s"), (READING,)),)
"""


def test_an_open_claim_whose_check_raised_fails_under_the_plugin_as_run_exits_3(tmp_path):
    """The README's rule (issue 26, item 9): OPEN is skipped, but a check that raised makes the evidence incomplete,
    so the claim's test fails, as `fim-audit run` exits 3, even when the lock says OPEN."""
    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "raising.py").write_text(RAISING_PAPER)
    (folder / "raising.lock.json").write_text(json.dumps({"schema": LOCK_SCHEMA, "verdicts": {"raising.c": "OPEN"}}))
    (folder / "pytest.ini").write_text("[pytest]\nfim_audit_papers = raising.py\n")
    done = _pytest(folder)
    assert done.returncode == 1 and "checks raised" in done.stdout and "a bug in the check" in done.stdout
    assert _run("run", "--papers", str(folder / "raising.py"), "--check", "--out", str(tmp_path / "out")) == 3


@pytest.mark.parametrize(
    "papers, says",
    [
        ("no-such-paper", "no paper 'no-such-paper'"),
        ("missing/paper.py", "no paper at missing/paper.py"),
    ],
)
def test_unknown_papers_are_a_usage_error(papers, says, capsys, tmp_path):
    assert _run("run", "--papers", papers, "--out", str(tmp_path)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_bad_papers_are_one_line_naming_the_claim(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    assert _run("list", "--papers", str(empty)) == EXIT_USAGE
    assert "declares no CLAIMS" in capsys.readouterr().err
    twin = tmp_path / "twin.py"
    twin.write_text((EXAMPLE / "softmax_facts.py").read_text().replace('"softmax-facts.rank"', '"fim-attn.lemma1"'))
    assert _run("list", "--papers", f"seeds,{twin}") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "'fim-attn.lemma1' is declared in 'fim_audit.claims.papers.fim_attn' and in" in err and err.count("\n") == 1
    broken = tmp_path / "broken.py"
    broken.write_text((EXAMPLE / "softmax_facts.py").read_text().replace("lambda p: 0.5", "lambda p: p[7] / 2"))
    assert _run("list", "--papers", str(broken)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "claim 'softmax-facts.eigmax-half'" in err and "IndexError" in err and err.count("\n") == 1


def test_a_lock_of_another_schema_is_refused(tmp_path, capsys):
    lock = tmp_path / "lock.json"
    lock.write_text(json.dumps({"schema": LOCK_SCHEMA + "x", "verdicts": {}}))
    argv = ("run", "--papers", str(EXAMPLE / "softmax_facts.py"), "--only", "softmax-facts.shift", "--lock", str(lock))
    assert _run(*argv, "--out", str(tmp_path)) == EXIT_USAGE
