"""claims/files.py and every writer that uses it (issue 27, item 3): a write that fails leaves the previous file as
it was, and text UTF-8 cannot encode is escaped, never a traceback.  A file-size limit (RLIMIT_FSIZE, with SIGXFSZ
ignored so that the write fails with EFBIG) stands in for a full disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fim_audit.claims.files import write_text_atomic
from fim_audit.report.cli import EXIT_OK, EXIT_USAGE, main

pytestmark = pytest.mark.xdist_group("test_files")  # module-scoped fixtures: computed once, in one xdist worker

resource = pytest.importorskip("resource")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "softmax_facts" / "softmax_facts.py"


def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("previous")

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_text_atomic(target, "new")
    assert target.read_text() == "previous" and [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_unencodable_text_is_escaped_and_the_mode_kept(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "a lone surrogate \udcff here")
    assert target.read_text(encoding="utf-8") == "a lone surrogate \\udcff here"
    assert target.stat().st_mode & 0o777 == 0o640


LIMITED_RUN = """
import resource, signal, sys
from fim_audit.report.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
sys.exit(main(sys.argv[2:]))
"""


def _limited(limit: int, *argv: str) -> subprocess.CompletedProcess:
    """``fim-audit ARGV`` in a process that cannot write a file larger than ``limit`` bytes."""
    command = [sys.executable, "-c", LIMITED_RUN, str(limit), *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("atomic")
    assert main(["run", "--papers", str(EXAMPLE), "--only", "softmax-facts.shift", "--out", str(out)]) == EXIT_OK
    return out


@pytest.mark.parametrize("command", ["run", "report"])
def test_a_run_that_cannot_write_keeps_every_previous_file(audited, command, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    previous = {name: (audited / name).read_bytes() for name in ("results.json", "report.md", "report.html")}
    for name, data in previous.items():
        (out / name).write_bytes(data)
    limit = min(len(data) for data in previous.values()) // 2
    if command == "run":
        argv = ["run", "--papers", str(EXAMPLE), "--only", "softmax-facts.shift", "--out", str(out)]
    else:
        argv = ["report", str(audited / "results.json"), "--out", str(out)]
    done = _limited(limit, *argv)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr and "File too large" in done.stderr
    assert {name: (out / name).read_bytes() for name in previous} == previous
    assert sorted(p.name for p in out.iterdir()) == sorted(previous)  # no temporary file left behind


def test_a_statement_with_a_lone_surrogate_is_written_escaped(audited, tmp_path):
    document = json.loads((audited / "results.json").read_text(encoding="utf-8"))
    document["claims"][0]["statement"] = "broken \udcff text"
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document), encoding="utf-8")  # ensure_ascii: stored as the escape \udcff
    assert main(["report", str(results), "--out", str(tmp_path)]) == EXIT_OK
    assert "broken \\udcff text" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_run_whose_statement_has_a_lone_surrogate_writes_its_results(tmp_path):
    paper = tmp_path / "surrogate.py"
    paper.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        + "\nimport dataclasses\n"
        + "CLAIMS = (dataclasses.replace(SHIFT, source=dataclasses.replace(SHIFT.source, statement='x \\udcff y')),)\n",
        encoding="utf-8",
    )
    lock = EXAMPLE.with_suffix(".lock.json")
    assert main(["run", "--papers", str(paper), "--lock", str(lock), "--out", str(tmp_path / "out")]) == EXIT_OK
    document = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert document["claims"][0]["statement"] == "x \udcff y"
