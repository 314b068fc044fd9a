"""The fim-audit command: its outputs, its lock handling, and its refusals before doing any work."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

from fim_audit.claims.lock import LOCK_SCHEMA, read_lock
from fim_audit.report.cli import EXIT_FLIPPED, EXIT_OK, EXIT_USAGE, main

CLAIM = "fim-attn.thm1-inner"  # the quickest claim


def _run(tmp_path, *extra: str) -> int:
    return main(["run", "--only", CLAIM, "--out", str(tmp_path / "out"), *extra])


def _lock(tmp_path, verdict: str):
    path = tmp_path / "lock.json"
    path.write_text(json.dumps({"schema": LOCK_SCHEMA, "verdicts": {CLAIM: verdict}}))
    return path


def test_run_writes_the_three_reports(tmp_path, capsys):
    assert _run(tmp_path) == EXIT_OK
    out = capsys.readouterr().out
    assert f"PROVED     {CLAIM}" in out  # one line per claim as it finishes
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["schema"] == "fim-audit/1"
    assert {"torch", "device", "dtype", "seed", "git_commit", "profile"} <= results["environment"].keys()
    (claim,) = results["claims"]
    assert claim["id"] == CLAIM and claim["verdict"] == "PROVED" and claim["lock"] == "pass"
    for check in claim["checks"]:
        assert check["kind"] in {"symbolic", "numeric", "experiment"}
        assert check["outcome"] in {"pass", "fail", "error", "inconclusive"}
        assert {"detail", "cases", "seconds"} <= check.keys()
    assert CLAIM in (tmp_path / "out" / "report.md").read_text()
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "0"


def test_check_fails_and_names_the_flipped_claim(tmp_path, capsys):
    assert _run(tmp_path, "--check", "--lock", str(_lock(tmp_path, "REFUTED"))) == EXIT_FLIPPED
    assert f"{CLAIM} is PROVED but the lock says REFUTED" in capsys.readouterr().err


def test_a_claim_not_in_the_lock_is_unlocked_not_flipped(tmp_path, capsys):
    """A first run (no lock yet) used to say "lock": "flipped" for every claim (issue 26, item 9): nothing flipped.
    It is "unlocked"; --check still fails until the verdict is accepted."""
    empty = tmp_path / "empty-lock.json"
    empty.write_text(json.dumps({"schema": LOCK_SCHEMA, "verdicts": {}}))
    assert _run(tmp_path, "--lock", str(empty)) == EXIT_OK
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["claims"][0]["lock"] == "unlocked"
    assert results["summary"]["flipped"] == [] and results["summary"]["unlocked"] == [CLAIM]
    assert _run(tmp_path, "--check", "--lock", str(empty)) == EXIT_FLIPPED
    assert f"{CLAIM} is PROVED and not in the lock" in capsys.readouterr().err
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert suite.get("failures") == "1"


def test_check_passes_against_a_matching_lock(tmp_path):
    assert _run(tmp_path, "--check", "--lock", str(_lock(tmp_path, "PROVED"))) == EXIT_OK


def test_update_lock_writes_the_computed_verdicts(tmp_path):
    lock = tmp_path / "fresh-lock.json"
    assert _run(tmp_path, "--update-lock", "--lock", str(lock)) == EXIT_OK
    assert {k: v.value for k, v in read_lock(lock).items()} == {CLAIM: "PROVED"}


def test_durations_lists_the_slowest_claims(tmp_path, capsys):
    assert _run(tmp_path, "--durations", "5") == EXIT_OK
    out = capsys.readouterr().out
    assert "the 1 slowest of 1 claim(s):" in out
    assert CLAIM in out.split("slowest of")[1] and "slowest check" in out


def test_no_matching_claim_is_an_error(tmp_path, capsys):
    assert main(["run", "--only", "nomatch", "--out", str(tmp_path)]) == EXIT_USAGE
    assert "no claim matched 'nomatch'" in capsys.readouterr().err


def test_experiment_seeds_must_allow_an_interval(capsys):
    """``fim-audit experiment --seeds N`` needs N >= 2 (a 95% interval needs two seeds); refused at parse time."""
    with pytest.raises(SystemExit) as stop:
        main(["experiment", "reciprocal", "--seeds", "1"])
    assert stop.value.code == 2 and "expected an integer >= 2" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_an_error(tmp_path, capsys):
    assert _run(tmp_path, "--device", "cuda") == EXIT_USAGE
    assert "no usable CUDA device" in capsys.readouterr().err


def test_unwritable_output_fails_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["run", "--out", str(blocker / "sub")]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "cannot write to output directory" in captured.err and "PROVED" not in captured.out


def test_missing_lock_is_an_error_unless_creating_it(tmp_path, capsys):
    assert _run(tmp_path, "--lock", str(tmp_path / "absent.json")) == EXIT_USAGE
    assert "--update-lock" in capsys.readouterr().err


def test_report_rerenders_and_rejects_bad_files(tmp_path, capsys):
    assert _run(tmp_path) == EXIT_OK
    results = tmp_path / "out" / "results.json"
    assert main(["report", str(results), "--out", str(tmp_path / "again")]) == EXIT_OK
    assert (tmp_path / "again" / "report.md").read_text() == (tmp_path / "out" / "report.md").read_text()
    truncated = tmp_path / "truncated.json"
    truncated.write_text(results.read_text()[:200])
    assert main(["report", str(truncated)]) == EXIT_USAGE
    assert "not valid JSON" in capsys.readouterr().err


def test_list_and_console_script(capsys):
    assert main(["list"]) == EXIT_OK
    assert CLAIM in capsys.readouterr().out
    executable = shutil.which("fim-audit")
    if executable is None:
        pytest.skip("fim-audit is not on PATH (package not installed)")
    done = subprocess.run([executable, "list", "--only", "fim-attn.lemma1"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("fim-attn.lemma1")


QUICK_EXIT = """
import atexit, sys
from fim_audit.claims.quick_exit import leave_after_exit_handlers
status = {status}
leave_after_exit_handlers(lambda: status)
atexit.register(print, "a later handler ran")
print("unflushed", end="")
sys.exit(5)
"""


@pytest.mark.parametrize(("status", "code"), [(3, 3), (None, 5)])
def test_a_quick_exit_runs_later_handlers_flushes_and_ends_with_the_status(status, code):
    """The console script's end (claims.quick_exit): the exit handlers registered after it run, the streams are
    flushed, the process ends with the status it was given, or, given none, as the interpreter ends it."""
    import sys

    done = subprocess.run([sys.executable, "-c", QUICK_EXIT.format(status=status)], capture_output=True, text=True)
    assert done.returncode == code and done.stdout == "unflusheda later handler ran\n"


def test_figures_are_written_referenced_and_deterministic(tmp_path):
    """A claim with figures gets SVG files under figures/, listed in results.json and embedded in report.md,
    byte-identical across two runs."""
    claim = "fim-attn.thm3-step4"
    for name in ("first", "second"):
        assert main(["run", "--only", claim, "--out", str(tmp_path / name)]) == EXIT_OK
    (entry,) = json.loads((tmp_path / "first" / "results.json").read_text())["claims"]
    (figure,) = entry["figures"]
    first, second = (tmp_path / name / figure["file"] for name in ("first", "second"))
    assert first.read_bytes() == second.read_bytes() and first.read_text().lstrip().startswith("<?xml")
    assert f"]({figure['file']})" in (tmp_path / "first" / "report.md").read_text()


def test_a_figure_that_raises_is_reported_and_the_verdicts_are_kept(tmp_path, monkeypatch, capsys):
    from fim_audit.report import cli

    def broken(claim, ctx, out):
        raise RuntimeError("planted")

    monkeypatch.setattr(cli, "render_figures", broken)
    out = tmp_path / "out"
    assert main(["run", "--only", "fim-attn.thm3-step4", "--jobs", "1", "--out", str(out)]) == cli.EXIT_CHECK_ERROR
    assert "a figure of fim-attn.thm3-step4 raised RuntimeError: planted" in capsys.readouterr().err
    (claim,) = json.loads((out / "results.json").read_text())["claims"]
    assert claim["verdict"] and claim["figures"] == []


def test_experiment_runs_the_claims_it_decides(tmp_path, capsys):
    """`fim-audit experiment NAME` audits exactly that experiment's claims, with figures, and says where runs
    are cached; an unknown name is a usage error."""
    out = tmp_path / "exp"
    assert main(["experiment", "temperature-schedule", "--out", str(out)]) == EXIT_OK
    document = json.loads((out / "results.json").read_text())
    assert [claim["id"] for claim in document["claims"]] == ["fim-attn.thm3", "fim-attn.thm3-step4"]
    assert document["claims"][0]["figures"] and "cached in" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "no-such-experiment"])
    assert exit_info.value.code == EXIT_USAGE


def test_a_failed_write_keeps_what_was_computed(tmp_path, monkeypatch, capsys):
    """Issue 16: if results.json cannot be written as validated, what was computed is still written, marked
    incomplete, and the exit status is 3."""
    from fim_audit.report import cli
    from fim_audit.report.results import ResultsError

    def refuse(document, path):
        raise ResultsError("refusing to write an invalid results document: planted")

    monkeypatch.setattr(cli, "write_results", refuse)
    assert _run(tmp_path) == cli.EXIT_CHECK_ERROR
    assert "marked incomplete" in capsys.readouterr().err
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "planted" in written["incomplete"]
    assert [claim["verdict"] for claim in written["claims"]] == ["PROVED"]


# --- exit statuses (issue 27, item 5): CI can tell a flipped verdict (1) from a crash (3, 4) -------------------


def test_an_internal_error_is_exit_4_with_the_traceback_in_a_log(tmp_path, monkeypatch, capsys):
    from fim_audit.report import cli

    def broken(*_):
        raise ZeroDivisionError("planted bug")

    monkeypatch.setattr(cli, "results_document", broken)
    assert _run(tmp_path) == cli.EXIT_INTERNAL == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError: planted bug" in err and "Traceback" not in err
    log = err.rsplit("traceback in ", 1)[1].rstrip(")\n")
    assert "Traceback" in open(log, encoding="utf-8").read() and "planted bug" in open(log, encoding="utf-8").read()


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, monkeypatch, capsys):
    from fim_audit.report import cli, entry

    def interrupted(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_audit", interrupted)
    assert _run(tmp_path) == cli.EXIT_INTERRUPTED == entry.INTERRUPTED == 130
    assert capsys.readouterr().err == "fim-audit: interrupted\n"
    monkeypatch.setattr(cli, "main", interrupted)  # Ctrl-C before the command starts (the imports): same line
    with pytest.raises(SystemExit) as stop:
        entry.main()
    assert stop.value.code == 130 and capsys.readouterr().err == "fim-audit: interrupted\n"


SLEEPING_PAPER = """
import time
from fim_audit.claims.model import Check, CheckResult, Claim, Formalization, Kind, Source, Status

def _sleep(ctx):
    print("checking", flush=True)
    for _ in range(1200):  # 120 s in slices: CPython notices a signal at its next bytecode, and the kernel may run
        time.sleep(0.1)  # the C-level handler on another thread (numba's, torch's), leaving this one asleep
    return CheckResult(Status.PASSED, "slept", 1)

READING = Formalization("r", "s", (Check("c", Kind.NUMERIC, "-", _sleep),))
CLAIMS = (Claim("sleepy.c", Source("sleepy", "s.txt", "1", "s"), (READING,)),)
"""


def test_a_real_sigint_during_the_audit_is_exit_130_without_traceback(tmp_path):
    import signal
    import sys

    paper = tmp_path / "sleepy.py"
    paper.write_text(SLEEPING_PAPER)
    command = [sys.executable, "-c", "from fim_audit.report.entry import main; main()", "run", "--papers", str(paper)]
    # A Ctrl-C at a terminal: SIGINT at its default disposition in the child.  pytest itself may run with SIGINT
    # ignored (a CI job started in the background of a non-interactive shell: POSIX sets SIG_IGN there, the child
    # inherits it, Python then installs no KeyboardInterrupt handler, and the audit slept through the signal).
    # Nor blocked: the child inherits the signal mask of the thread that forks it (an xdist worker's main thread).
    def at_a_terminal() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    process = subprocess.Popen(
        [*command, "--update-lock", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=at_a_terminal,
    )
    for line in process.stdout:
        if line.startswith(b"checking"):
            break
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # say what the child's threads did with the signal, then stop it
        threads = Path(f"/proc/{process.pid}/task")
        masks = {
            t.name: [line for line in (t / "status").read_text().splitlines() if line.startswith(("Sig", "ShdPnd"))]
            for t in threads.iterdir()
        }
        process.kill()
        raise AssertionError(f"the audit outlived a SIGINT by 60 s; its threads' signal state: {masks}") from None
    assert process.returncode == 130 and err == b"fim-audit: interrupted\n"


@pytest.mark.parametrize(
    "body, says",
    [
        ("import sys\nsys.exit(0)\n", "it called sys.exit(0) while being imported"),
        ("raise SystemExit('stop')\n", "it called sys.exit('stop') while being imported"),
        ("raise KeyboardInterrupt\n", "interrupted (KeyboardInterrupt) while being imported"),
    ],
)
def test_a_paper_that_exits_while_imported_is_exit_2_naming_it(tmp_path, capsys, body, says):
    paper = tmp_path / "quitter.py"
    paper.write_text(body)
    assert main(["run", "--papers", str(paper), "--check", "--out", str(tmp_path / "out")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(paper) in err and says in err


def test_a_check_that_calls_sys_exit_is_a_check_error(tmp_path):
    paper = tmp_path / "exits.py"
    paper.write_text(SLEEPING_PAPER.replace("time.sleep(0.1)", "raise SystemExit(0)"))
    assert main(["run", "--papers", str(paper), "--update-lock", "--out", str(tmp_path / "out")]) == 3


def test_a_paper_without_claims_says_so(tmp_path, capsys):
    paper = tmp_path / "empty_claims.py"
    paper.write_text("CLAIMS = ()\n")
    assert main(["list", "--papers", str(paper)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "declare(s) no claims" in err and "None" not in err


def test_duplicate_claim_ids_in_a_results_file_are_a_schema_error(tmp_path, capsys):
    assert _run(tmp_path) == EXIT_OK
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    document["claims"].append(document["claims"][0])
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps(document))
    once = str(tmp_path / "out" / "results.json")
    report = ["report", str(twice), "--out", str(tmp_path / "r")]
    for argv in (report, ["diff", once, str(twice)], ["diff", str(twice), once]):
        assert main(argv) == EXIT_USAGE
        assert f"the id {CLAIM!r} appears more than once" in capsys.readouterr().err
