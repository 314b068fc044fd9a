"""Fuzzing the fim-audit command (issue 9): hostile argument lists, lock files and results files.

Every invocation must end in one of the documented exit statuses with a one-line message, never a Python
traceback: 0 done, 1 a verdict differs from the lock (``--check``) or ``diff`` found a change, 2 bad arguments
or input (argparse's own usage errors included).  Status 3 (a check raised) must not occur: the claims are
fixed, only the command line is hostile.  Where the command succeeds its outputs are checked: results.json
validates against the schema and the HTML page never carries an injected script.

``run`` is always restricted with ``--only`` to one quick claim or to patterns that match nothing, and the
audit itself is replaced by the records of one real audit of that claim computed beforehand (Hypothesis
cannot nest, and the checks are fuzzed in test_fuzz_numeric): everything the command does around the audit
(arguments, lock, output folder, results, renderings) runs for real.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fim_audit.numeric.context import RunContext
from fim_audit.claims.engine import run_audit
from fim_audit.claims.lock import LOCK_SCHEMA, LockError, read_lock
from fim_audit.claims.registry import select
from fim_audit.report import cli
from fim_audit.report.cli import EXIT_FLIPPED, EXIT_OK, EXIT_USAGE, main
from fim_audit.report.results import load_results, schema_problem

pytestmark = pytest.mark.xdist_group("test_fuzz_cli")  # module-scoped fixtures: computed once, in one xdist worker

CLAIM = "fim-attn.thm1-inner"  # the quickest claim
FIGURE_CLAIM = "fim-attn.thm3-step4"  # a quick claim with figures, so renderings embed files
FUZZ = settings(
    max_examples=max(10, settings.default.max_examples // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOSTILE_STRINGS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-", "--", "\x00", "a\x00b", "..", "/", "-1", "1e3", "0x10", "9" * 30, "\udcff", "é"]),
)
HOSTILE_JSON_VALUES = st.sampled_from(
    [None, True, -1, 0, 1e308, -1e308, "", "x" * 5000, "<script>alert(1)</script>", "../escape.svg", "/etc/passwd",
     "figures/absent.svg", "\x00", [], {}, [None], {"": None}, "PROVED", "inf", "nan"]
)  # fmt: skip


@contextlib.contextmanager
def _scratch():
    """A fresh working directory (relative output paths land there), restored afterwards."""
    with tempfile.TemporaryDirectory(prefix="fim-audit-fuzz-") as folder:
        previous = os.getcwd()
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(previous)


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in process: its exit status (argparse's SystemExit included), stdout and stderr.  Any
    other exception propagates and fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    assert code in (EXIT_OK, EXIT_FLIPPED, EXIT_USAGE), f"exit {code} for {argv!r}: {stderr}"
    if code == EXIT_USAGE:
        assert "error" in stderr.lower(), f"exit 2 without a message for {argv!r}"
    return code, out.getvalue(), stderr


# --- hostile lock files -------------------------------------------------------------------------------------

LOCK_CONTENTS = st.one_of(
    st.binary(max_size=64),
    st.just(b"[" * 100_000),
    st.builds(
        lambda schema, verdicts: json.dumps({"schema": schema, "verdicts": verdicts}).encode(),
        st.sampled_from([LOCK_SCHEMA, "fim-audit-lock/0", None]),
        st.one_of(
            st.dictionaries(
                st.sampled_from([CLAIM, "x"]), st.one_of(HOSTILE_JSON_VALUES, st.sampled_from(["PROVED", "REFUTED"]))
            ),
            HOSTILE_JSON_VALUES,
        ),
    ),
)


def _lock_path(folder: Path, kind: str, content: bytes) -> str:
    """A lock argument of the given kind: a file with ``content``, a directory, an absent file, a NUL path."""
    if kind == "file":
        path = folder / "lock.json"
        path.write_bytes(content)
        return str(path)
    return {"directory": str(folder), "absent": str(folder / "absent.json"), "nul": "lock\x00.json"}[kind]


@FUZZ
@given(st.sampled_from(["file", "file", "directory", "absent", "nul"]), LOCK_CONTENTS)
def test_read_lock_refuses_or_reads(kind, content):
    with _scratch() as folder:
        try:
            lock = read_lock(Path(_lock_path(folder, kind, content)))
        except LockError as error:
            assert str(error).strip()
            return
    assert all(isinstance(claim_id, str) for claim_id in lock)


# --- run ----------------------------------------------------------------------------------------------------


def _mostly(*good_then_bad: str, good: int = 2) -> st.SearchStrategy[str]:
    """The first ``good`` values about 2 * good times out of 2 * good + 1, else one of the rest."""
    return st.sampled_from(list(good_then_bad[:good]) * 2 * len(good_then_bad[good:]) + list(good_then_bad[good:]))


@st.composite
def run_arguments(draw: st.DrawFn, folder: Path) -> list[str]:
    """``run`` with a hostile subset of its options in any order, always restricted by ``--only``."""
    only = draw(st.one_of(*[st.just(CLAIM)] * 3, HOSTILE_STRINGS.map(lambda s: "zz-" + s.replace(",", ""))))
    options: dict[str, list[str]] = {"--only": [only]}
    if draw(st.booleans()):
        options["--out"] = [draw(_mostly("out", str(folder), str(folder / "a-file" / "sub"), "o\x00ut"))]
    if draw(st.booleans()):
        options["--seed"] = [draw(_mostly("0", "-1", "9" * 30, "1.5", "x", ""))]
    for option, values in (
        ("--profile", ["default", "ci", "bogus", ""]),
        ("--device", ["cpu", "auto", "cuda", "gpu"]),
        ("--dtype", ["float64", "float32", "float16", "bogus"]),
        ("--durations", ["3", "0", "-1", "x"]),
    ):
        if draw(st.booleans()):
            options[option] = [draw(_mostly(*values))]
    mode = draw(st.sampled_from([None, None, "--check", "--update-lock", "both"]))
    if mode is not None or draw(st.booleans()):
        kind = draw(_mostly("file", "file", "directory", "absent", "nul"))
        valid = json.dumps({"schema": LOCK_SCHEMA, "verdicts": {CLAIM: "PROVED"}}).encode()
        content = draw(st.one_of(*[st.just(valid)] * 3, LOCK_CONTENTS))
        options["--lock"] = [_lock_path(folder, kind, content)]
    flags = {"both": ["--check", "--update-lock"], None: []}.get(mode, [mode])
    extra = draw(st.sampled_from([[]] * 8 + [["--bogus"], ["extra"], ["--help"], ["--only"]]))
    pieces = [[name, *values] for name, values in options.items()] + [[flag] for flag in flags] + [extra]
    order = draw(st.permutations(range(len(pieces))))
    return ["run", *(token for index in order for token in pieces[index])]


def _lock_points_into(argv: list[str], folder: Path) -> bool:
    """--update-lock must never write the committed lock: only fuzz it with --lock under the scratch folder."""
    if "--update-lock" not in argv:
        return True
    where = [argv[i + 1] for i, token in enumerate(argv[:-1]) if token == "--lock"]
    return bool(where) and all(Path(w).is_absolute() and folder in Path(w).parents for w in where)


@pytest.fixture(scope="module")
def audited() -> tuple:
    """The records of one real audit of CLAIM, which the fuzzed ``run`` commands report."""
    return tuple(run_audit(select(CLAIM), RunContext.create(), lambda record: None))


@FUZZ
@given(st.data())
def test_run_fails_cleanly_or_writes_valid_results(audited, data):
    def replayed(claims, ctx, progress, *_, **__):
        return [progress(record) or record for record in audited]

    replay = mock.patch.object(cli, "run_audit", replayed)
    with _scratch() as folder, replay:
        (folder / "a-file").write_text("")
        argv = data.draw(run_arguments(folder))
        if not _lock_points_into(argv, folder):
            argv = [token for token in argv if token != "--update-lock"]
        code, stdout, _ = invoke(argv)
        wrote = code == EXIT_OK and "usage:" not in stdout
        event(f"exit {code}" + (" with results" if wrote else ""))  # shown by --hypothesis-show-statistics
        if wrote:
            out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else folder / "audit-report"
            document = json.loads((folder / out / "results.json").read_text())
            assert schema_problem(document) is None
            assert [claim["id"] for claim in document["claims"]] == [CLAIM]


def test_run_refusals_say_what_is_wrong(tmp_path):
    """A few of the fuzzed refusals, with the message a user needs."""
    for argv, expected in (
        (["run", "--only", CLAIM, "--out", "o\x00ut"], "contains a NUL character"),
        (["run", "--only", CLAIM, "--out", str(tmp_path), "--lock", str(tmp_path)], "cannot read verdict lock"),
        (["run", "--only", CLAIM, "--out", str(tmp_path), "--lock", "l\x00ck"], "contains a NUL character"),
        (["run", "--only", CLAIM, "--out", str(tmp_path), "--update-lock", "--lock", str(tmp_path)], "cannot read"),
        (
            ["run", "--only", CLAIM, "--out", str(tmp_path), "--update-lock", "--lock", str(tmp_path / "no" / "l")],
            "cannot write",
        ),
    ):
        code, _, stderr = invoke(argv)
        assert code == EXIT_USAGE and expected in stderr, (argv, stderr)


# --- report and diff on hostile results files ---------------------------------------------------------------


@pytest.fixture(scope="module")
def results_text(tmp_path_factory) -> str:
    """A real results.json of two quick claims (one with figures), and its folder holding the figures."""
    folder = tmp_path_factory.mktemp("fuzz-results")
    code, _, _ = invoke(["run", "--only", f"{CLAIM},{FIGURE_CLAIM}", "--out", str(folder)])
    assert code == EXIT_OK
    return str(folder / "results.json")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (a tuple of keys and indices) into a JSON value."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated_results(draw: st.DrawFn, original: str) -> bytes:
    """The real document with one value replaced or removed, truncated, or replaced by random bytes."""
    text = Path(original).read_text()
    kind = draw(st.sampled_from(["replace", "replace", "replace", "delete", "truncate", "bytes"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))].encode()
    if kind == "bytes":
        return draw(st.binary(max_size=256))
    document = json.loads(text)
    path = draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if kind == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(HOSTILE_JSON_VALUES)
    return json.dumps(document).encode()


@FUZZ
@given(st.data())
def test_report_and_diff_accept_only_valid_results(results_text, data):
    content = data.draw(mutated_results(results_text))
    with _scratch() as folder:
        mutated = Path(results_text).parent / "mutated.json"  # beside the original, so its figures resolve
        mutated.write_bytes(content)
        try:
            valid = schema_problem(json.loads(content)) is None
        except ValueError:  # not JSON at all (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            valid = False
        except RecursionError:
            valid = False
        code, _, stderr = invoke(["report", str(mutated), "--out", str(folder)])
        event("valid" if valid else "refused")
        assert code == (EXIT_OK if valid else EXIT_USAGE), stderr
        if valid:
            page = (folder / "report.html").read_text()
            assert "<script>alert(1)" not in page, "an injected string reached the HTML unescaped"
            assert load_results(mutated) == json.loads(content)
        code, _, stderr = invoke(["diff", results_text, str(mutated)])
        assert code in ((EXIT_OK, EXIT_FLIPPED) if valid else (EXIT_USAGE,)), stderr


def test_report_on_a_directory_or_nul_path_is_refused(tmp_path):
    for path, message in ((str(tmp_path), "cannot read results file"), ("re\x00sults.json", "NUL character")):
        code, _, stderr = invoke(["report", path])
        assert code == EXIT_USAGE and message in stderr


def test_screenshot_refuses_unwritable_image_paths(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<html></html>")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for image, message in ((str(blocker / "shot.png"), "cannot write"), ("sh\x00ot.png", "NUL character")):
        code, _, stderr = invoke(["screenshot", str(page), "--out", image])
        assert code == EXIT_USAGE and message in stderr
