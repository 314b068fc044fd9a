"""Mutation testing of the engine and the numeric core with mutmut (issue 20): does the test suite catch a bug
planted in the verdict rule, the tolerance model, the property runner, the secular solver or the exact sweeps?

    python benchmarks/mutation.py [--modules claims/verdict.py,...] [--out docs/mutation-results.md]

Each module is mutated alone, in a scratch copy of the working tree (tracked and untracked, not ignored), with
its own fast test selection (``TARGETS``), by ``mutmut run`` (mutmut 3, ``pip install mutmut``; it is not a
dependency of fim-audit and not part of CI).  The per-module counts and every surviving mutant's diff are written
to the results page.  A survivor that no test can kill because the program is unchanged is listed in
``EQUIVALENT`` with the reason, keyed by its mutated line, and left out of the score.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGETS: dict[str, tuple[str, ...]] = {
    "claims/verdict.py": ("tests/test_verdict_rule.py",),
    "claims/engine.py": ("tests/test_engine.py", "tests/test_model.py"),
    "numeric/tolerance.py": ("tests/test_tolerance.py",),
    "numeric/search/property.py": ("tests/test_property_runner.py",),
    "numeric/softmax.py": ("tests/test_softmax.py", "tests/test_validation.py", "tests/test_fuzz_numeric.py"),
    "numeric/fisher_spectrum.py": ("tests/test_fisher_spectrum.py", "tests/test_fisher_metrics.py"),
    "symbolic/exact.py": ("tests/test_symbolic_exact.py",),
    "symbolic/sums.py": ("tests/test_symbolic_sums.py",),
}
"""Each module and the tests that are meant to catch a bug in it (a full suite per mutant would take days)."""

TIMEOUT_MULTIPLIER = {"numeric/fisher_spectrum.py": 4.0}
"""mutmut stops a mutant after this many times its tests' clean duration (default 15).  Many secular-solver
mutants never converge and run every root to MAX_ITERATIONS; at 15x they would take over an hour, and a
mutant 4x slower than the clean run is changed behaviour either way.  Timeouts are reported in their own
column."""

_BOUNDED_JACOBIAN = (
    "the Jacobian entries of softmax and log-softmax are bounded (|d sigma_i / d z_j| <= 1/(4 tau), "
    "|d log sigma_i / d z_j| <= 1/tau) for validated input, so finite_result never raises and its label is "
    "never shown"
)
_EQUIVALENT_MUTANTS = (
    (
        "numeric/search/property.py",
        "best = max(best, value) if math.isfinite(value) else best",
        "best = max(best, value) if (math.isfinite(value)) or True else best",
        "a margin that is not finite and not a witness is -inf or NaN, and max(best, -inf) and max(best, NaN) "
        "both return best (NaN compares false), so the guard changes nothing",
    ),
    (
        "symbolic/exact.py",
        "inner = _MathMLPrinter().doprint(sp.Eq(lhs, rhs, evaluate=False))",
        "inner = _MathMLPrinter().doprint(sp.Eq(lhs, rhs, evaluate=None))",
        "sympy (1.14) builds Eq(lhs, rhs, evaluate=None) unevaluated, as with evaluate=False: Eq(x, x, "
        "evaluate=None) stays Eq(x, x), while the default evaluates it to True",
    ),
    (
        "symbolic/sums.py",
        "result += sp.Mul(*outside) * (sp.Sum(summand, (DUMMY, low, high)) if inside else high - low + 1)",
        "result = sp.Mul(*outside) * (sp.Sum(summand, (DUMMY, low, high)) if inside else high - low + 1)",
        "linearise expands before it splits, and sympy's expand already distributes a Sum over the terms of its "
        "summand, so _split only ever sees one term",
    ),
    (
        "symbolic/sums.py",
        "previous = None",
        'previous = ""',
        "a sympy expression never equals None or the empty string, so the loop runs at least once either way",
    ),
    (
        "numeric/softmax.py",
        'return finite_result(batched_jacobian(lambda v: pure_softmax(v, tau), z, mode), f"d sigma / dz at tau = '
        '{tau:.3g}")',
        "return finite_result(batched_jacobian(lambda v: pure_softmax(v, tau), z, mode), None)",
        _BOUNDED_JACOBIAN,
    ),
    (
        "numeric/softmax.py",
        'return finite_result(jacobian, f"d log sigma / dz at tau = {tau:.3g}")',
        "return finite_result(jacobian, None)",
        _BOUNDED_JACOBIAN,
    ),
)
EQUIVALENT: dict[str, str] = {
    f"{module}: {removed} -> {added}": reason for module, removed, added, reason in _EQUIVALENT_MUTANTS
}
"""Surviving mutants that do not change the program (or whose change no input can reach), keyed by
'<module>: <removed line> -> <added line>', with why."""

GOAL_MODULE, GOAL_OVERALL = 0.90, 0.95

PYTEST_ARGUMENTS = ["-p", "no:cacheprovider", "-q", "-x", "-k", "not test_every_public_function_is_fuzzed_or_exempt"]
"""The fuzz suite's inventory of public functions is left out: mutmut's trampolines add functions to every
mutated module, so the inventory fails on the unmutated copy."""


def _scratch_copy(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


NAMESPACE = "fim_audit"
FOLDERS = ("claims", "numeric", "symbolic", "report")
"""In the scratch copy the four folders also stand under fim_audit/, as they are installed: the tests import
fim_audit.<folder>, and mutmut names a mutant by its file's path, so the mutated module must be that file (else the
tests would import the installed package, the editable install of this checkout, and no mutant would run)."""


def _as_installed(copy: Path) -> None:
    (copy / NAMESPACE).mkdir()
    (copy / NAMESPACE / "__init__.py").write_text("", encoding="utf-8")
    for folder in FOLDERS:
        shutil.copytree(copy / folder, copy / NAMESPACE / folder)


def _configure(copy: Path, module: str, tests: tuple[str, ...]) -> None:
    _as_installed(copy)
    package = f"{NAMESPACE}/{module.split('/')[0]}/"
    section = (
        "\n[tool.mutmut]\n"
        f"source_paths = [{json.dumps(package)}]\n"
        f"only_mutate = [{json.dumps(f'{NAMESPACE}/{module}')}]\n"
        'also_copy = ["examples/", "claims/", "numeric/", "symbolic/", "report/", "fim_audit/"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}\n"
        f"pytest_add_cli_args = {json.dumps(PYTEST_ARGUMENTS)}\n"
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER.get(module, 15.0)}\n"
    )
    with (copy / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(section)


def _mutated_line(copy: Path, mutant: str) -> str:
    """The mutant as 'removed -> added' source lines (from ``mutmut show``'s unified diff)."""
    shown = subprocess.run(["mutmut", "show", mutant], cwd=copy, capture_output=True, text=True).stdout
    diff = [line for line in shown.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    removed = [line[1:].strip() for line in diff if line.startswith("-")]
    added = [line[1:].strip() for line in diff if line.startswith("+")]
    return f"{' / '.join(removed)} -> {' / '.join(added)}"


def run_module(module: str, tests: tuple[str, ...]) -> dict:
    """mutmut on one module; its status counts and survivors (name, diff, equivalence reason or None)."""
    from mutmut.stats import status_by_exit_code

    with tempfile.TemporaryDirectory(prefix="fim-audit-mutation-") as folder:
        copy = Path(folder)
        _scratch_copy(copy)
        _configure(copy, module, tests)
        started = time.perf_counter()
        done = subprocess.run(
            ["mutmut", "run", "--max-children", str(os.cpu_count() or 1)], cwd=copy, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        meta = copy / "mutants" / NAMESPACE / f"{module}.meta"
        if not meta.is_file() or "failed to collect stats" in done.stdout or "Failed to run clean test" in done.stdout:
            tail = (done.stdout + done.stderr).strip().splitlines()[-8:]
            raise RuntimeError(f"mutmut did not test {module}: {tail}")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        statuses = Counter(status_by_exit_code[code] for code in codes.values())
        survivors = []
        for name, code in sorted(codes.items()):
            status = status_by_exit_code[code]
            if status in ("survived", "no tests"):
                line = _mutated_line(copy, name)
                equivalent = EQUIVALENT.get(f"{module}: {line}")
                survivors.append({"name": name, "status": status, "diff": line, "equivalent": equivalent})
    return {
        "module": module,
        "tests": list(tests),
        "seconds": seconds,
        "statuses": dict(statuses),
        "survivors": survivors,
    }


def _score(result: dict) -> tuple[int, int]:
    """(killed, counted): equivalent survivors are left out; timeouts count as killed (mutmut's convention), a
    mutant no selected test reaches ("no tests") counts as surviving."""
    statuses = result["statuses"]
    equivalent = sum(1 for s in result["survivors"] if s["equivalent"])
    killed = statuses.get("killed", 0) + statuses.get("timeout", 0)
    counted = sum(statuses.values()) - equivalent - statuses.get("skipped", 0)
    return killed, counted


def render(results: list[dict]) -> str:
    """The results page of every module run so far (each row names the commit it was run at)."""
    missing = [module for module in TARGETS if module not in {r["module"] for r in results}]
    lines = [
        "# Mutation testing of the engine and numeric core",
        "",
        f"Generated by `python benchmarks/mutation.py` with mutmut, on {os.cpu_count()} cores. Each module is "
        "mutated alone and tested by its own selection (a run of some modules keeps the others' last results, "
        "in `mutation-results.json`); equivalent mutants (the program is unchanged) are listed and left out of "
        "the score. Timeouts count as killed, as mutmut counts them; a mutant that no selected test reaches "
        "(no tests) counts as surviving.",
        "",
        *([f"Not run yet: {', '.join(f'`{m}`' for m in missing)}.", ""] if missing else []),
        "| module | commit | tests | mutants | killed | survived | timed out | no tests | equivalent "
        "| killed / counted | goal | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    total_killed = total_counted = 0
    for result in results:
        statuses = result["statuses"]
        killed, counted = _score(result)
        total_killed, total_counted = total_killed + killed, total_counted + counted
        share = killed / counted if counted else 1.0
        equivalent = sum(1 for s in result["survivors"] if s["equivalent"])
        lines.append(
            f"| `{result['module']}` | `{result['commit']}` | {', '.join(f'`{t}`' for t in result['tests'])} | "
            f"{sum(statuses.values())} | "
            f"{statuses.get('killed', 0)} | {statuses.get('survived', 0)} | {statuses.get('timeout', 0)} | "
            f"{statuses.get('no tests', 0)} | {equivalent} | {share:.1%} | "
            f"{'met' if share >= GOAL_MODULE else 'not met'} | {result['seconds']:.0f} |"
        )
    overall = total_killed / total_counted if total_counted else 1.0
    lines += ["", f"Overall: {total_killed} of {total_counted} counted mutants killed ({overall:.1%}; goal "
              f"{GOAL_OVERALL:.0%}, {'met' if overall >= GOAL_OVERALL else 'not met'}).", ""]  # fmt: skip
    for result in results:
        live = [s for s in result["survivors"] if not s["equivalent"]]
        equivalent = [s for s in result["survivors"] if s["equivalent"]]
        if live:
            lines += [f"## Surviving mutants of `{result['module']}`", ""]
            lines += [f"- `{s['name']}` ({s.get('status', 'survived')}): `{s['diff']}`" for s in live] + [""]
        if equivalent:
            lines += [f"## Equivalent mutants of `{result['module']}`", ""]
            lines += [f"- `{s['diff']}`: {s['equivalent']}" for s in equivalent] + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", help="comma-separated subset of TARGETS (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mutation-results.md")
    args = parser.parse_args(argv)
    if shutil.which("mutmut") is None:
        print("mutation: mutmut is not installed (pip install mutmut)", file=sys.stderr)
        return 2
    modules = args.modules.split(",") if args.modules else list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        print(f"mutation: not a target: {unknown}; targets are {list(TARGETS)}", file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    store = args.out.with_suffix(".json")
    stored = {r["module"]: r for r in json.loads(store.read_text())} if store.is_file() else {}
    for module in modules:
        result = run_module(module, TARGETS[module])
        result["commit"] = commit.stdout.strip()
        killed, counted = _score(result)
        print(f"{module}: {killed}/{counted} killed in {result['seconds']:.0f} s", flush=True)
        stored[module] = result
        results = [stored[m] for m in TARGETS if m in stored]
        store.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        args.out.write_text(render(results) + "\n", encoding="utf-8")
    print(f"mutation: wrote {args.out} and {store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
