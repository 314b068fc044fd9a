"""The ``fim-audit`` command.

    fim-audit run [--out DIR] [--only PATTERN] [--profile default|ci|thorough] [--device auto|cpu|cuda]
                  [--dtype float64|float32] [--seed N] [--durations N] [--jobs N] [--check | --update-lock]
                  [--lock PATH]
    fim-audit list [--only PATTERN]
    fim-audit report RESULTS.json [--out DIR] [--pdf]
    fim-audit readme RESULTS.json [--readme README.md] [--check]
    fim-audit diff OLD.json NEW.json
    fim-audit screenshot [REPORT.html] [--out IMAGE.png]
    fim-audit spectrum [--model PATH] [--windows N] [--length T] [--device auto|cpu|cuda]
                       [--aggregate rows|pooled] [--knlp] [--seed S] [--out DIR]
    fim-audit experiment NAME [--profile default|ci|thorough] [--device auto|cpu|cuda] [--seed N] [--out DIR]
    fim-audit new-paper NAME [--out DIR] [--ci]

Exit status (issue 27), so that CI can tell a flipped verdict from a crash:

* 0 done;
* 1 ``--check`` found a verdict differing from the lock (or a stale README table), or ``diff`` found a change;
* 2 bad arguments, input or environment: no claim matched, a paper that cannot be loaded (one that calls
  ``sys.exit`` or is interrupted while imported included), no CUDA, an unreadable lock or results file (a
  duplicated claim id is a schema error), an output that cannot be written (every earlier file is left as it was);
* 3 a check raised an error, or a figure failed: the audit is incomplete (what was computed is written);
* 4 an internal error of fim-audit: one line here, the traceback in a log file named by that line;
* 130 interrupted (Ctrl-C): one line, no traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import traceback
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

from fim_audit.numeric.context import DEFAULT_SEED, DTYPES, PROFILES, ConfigurationError, RunContext, resolve_device
from fim_audit.numeric.threads import one_thread, usable_cores
from fim_audit.claims.engine import ClaimRecord, run_audit
from fim_audit.claims.model import Claim
from fim_audit.claims.lock import LockError, read_locks, update_locks
from fim_audit.claims.registry import DEFAULT_PAPERS, Paper, RegistryError, load_papers, lock_paths, select
from fim_audit.report import browser, diff, html, junit, markdown
from fim_audit.report.environment import collect
from fim_audit.report.figures import render_figures
from fim_audit.report.results import ResultsError, load_results, results_document, write_incomplete, write_results
from fim_audit.claims.files import write_text_atomic
from fim_audit.report.entry import INTERRUPTED

EXIT_OK, EXIT_FLIPPED, EXIT_USAGE, EXIT_CHECK_ERROR, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = INTERRUPTED


class UsageError(Exception):
    """A problem with the arguments or the environment, found before any work is done."""


def path_argument(text: str) -> Path:
    """An argparse ``type`` for file and folder arguments: a NUL character is refused at parse time (no file
    system accepts one, and Python raises a bare ValueError deep inside the first file operation)."""
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path: it contains a NUL character")
    return Path(text)


def _integer_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for a count: an integer >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


_count_argument = _integer_at_least(0)
"""--durations N: 0 meaning all, as in pytest's --durations."""
_seed_count = _integer_at_least(2)
"""--seeds N: a 95% interval needs two seeds."""


def _jobs_argument(text: str) -> int:
    """--jobs N: a positive number of worker processes."""
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{jobs} is not a positive number of processes")
    return jobs


def _jobs(args: argparse.Namespace) -> int:
    """--jobs, by default the cores this process may use."""
    return getattr(args, "jobs", None) or usable_cores()


def _print_durations(records: Sequence[ClaimRecord], count: int) -> None:
    """The ``count`` slowest claims (all when 0), slowest first, each with its slowest check."""
    ranked = sorted(records, key=lambda r: r.seconds, reverse=True)
    shown = ranked[:count] if count else ranked
    print(f"fim-audit: the {len(shown)} slowest of {len(records)} claim(s):")
    for record in shown:
        readings = record.readings + ((record.correction,) if record.correction else ())
        slowest = max((c for r in readings for c in r.checks), key=lambda c: c.result.seconds, default=None)
        where = f"  (slowest check {slowest.result.seconds:.2f}s: {slowest.check.name})" if slowest else ""
        print(f"  {record.seconds:7.2f}s  {record.claim.id:<32}{where}")


def _writable_directory(path: Path) -> Path:
    """Create ``path`` if needed and prove it writable now, so a long run cannot fail at the end."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".fim-audit-write-test-"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to output directory {path}: {exc.strerror or exc}") from None
    return path


def _write_renderings(document: dict, out: Path, base: Path) -> list[Path]:
    """report.md, report.html and junit.xml from a results document; figure paths are relative to ``base``."""
    paths = [out / "report.md", out / "report.html", out / "junit.xml"]
    write_text_atomic(paths[0], markdown.render(document))
    write_text_atomic(paths[1], html.render(document, base))
    write_text_atomic(paths[2], junit.render(document))
    return paths


def _print_record(record: ClaimRecord, locked) -> None:
    flag = "" if locked is record.verdict else f"  [lock: {locked.value if locked else 'absent'}]"
    errors = f"  [{len(record.errors)} check error(s)]" if record.errors else ""
    print(
        f"{record.verdict.value:<10} {record.claim.id:<32} {record.seconds:7.2f}s  "
        f"{record.cases:>6} cases{flag}{errors}",
        flush=True,
    )


def claim_figures(claim: Claim, ctx: RunContext, out: Path) -> list[dict[str, Any]] | str | None:
    """``claim``'s figures rendered into ``out`` (:func:`report.figures.render_figures`): their entries, None for a
    claim without figures, or the error of a figure that raised, as text (a plot must not take the verdicts with it).
    The audit runs it for each claim after the checks (``run_audit``'s ``finish``: in a worker under ``--jobs``)."""
    if not claim.figures:
        return None
    try:
        return render_figures(claim, ctx, out)
    except Exception as exc:  # noqa: BLE001 - reported, and the audit exits 3
        return f"a figure of {claim.id} raised {type(exc).__name__}: {exc}"


class _Figures:
    """The figures of an audit's claims as they arrive (``run_audit``'s ``on_finish``), and the claims whose figure
    raised, each reported on stderr."""

    def __init__(self) -> None:
        self.entries: dict[str, list[dict[str, Any]]] = {}
        self.errors: list[str] = []

    def __call__(self, claim: Claim, found: list[dict[str, Any]] | str | None) -> None:
        if isinstance(found, str):
            self.errors.append(claim.id)
            print(f"fim-audit: error: {found}", file=sys.stderr)
        elif found is not None:
            self.entries[claim.id] = found


def _papers(args: argparse.Namespace) -> tuple[Paper, ...]:
    try:
        return load_papers(args.papers)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    with one_thread():  # from the papers' loading on (a value cached then is used later), as in every worker
        return _run_audit(args)


def _run_audit(args: argparse.Namespace) -> int:
    try:
        ctx = RunContext.create(args.profile, args.device, args.dtype, args.seed, getattr(args, "seeds", None))
    except ConfigurationError as exc:
        raise UsageError(str(exc)) from None
    papers = _papers(args)
    claims = _selected(args.only, papers)
    out = _writable_directory(args.out)
    every_lock = lock_paths(papers, args.lock)
    locks = {claim.id: every_lock[claim.id] for claim in claims}
    lock = read_locks(locks, missing_ok=args.update_lock)

    command = "fim-audit " + shlex.join(args.argv)
    environment = collect(ctx, command)
    print(
        f"fim-audit: {len(claims)} claim(s), profile {ctx.profile.name}, device {ctx.device} "
        f"({environment['device_name']}), {environment['dtype']}, seed {ctx.seed}",
        flush=True,
    )
    report = lambda r: _print_record(r, lock.get(r.claim.id))  # noqa: E731
    drawn = _Figures()
    figures_of = partial(claim_figures, out=out)
    records = run_audit(claims, ctx, report, _jobs(args), args.papers, finish=figures_of, on_finish=drawn)
    figures, figure_errors = drawn.entries, drawn.errors
    document = results_document(records, environment, lock, figures)
    try:
        write_results(document, out / "results.json")
    except ResultsError as exc:
        write_incomplete(document, out / "results.json", str(exc))
        print(
            f"fim-audit: error: {exc}; what was computed is in {out / 'results.json'}, marked incomplete",
            file=sys.stderr,
        )
        return EXIT_CHECK_ERROR
    paths = [out / "results.json", *_write_renderings(document, out, out)]

    summary = document["summary"]
    counts = ", ".join(f"{n} {v}" for v, n in summary["verdicts"].items() if n)
    print(f"fim-audit: {counts}; {summary['cases']} numeric cases; {summary['seconds']:.1f}s of checks")
    rendered = sum(len(entries) for entries in figures.values())
    print("fim-audit: wrote " + ", ".join(str(p) for p in paths) + (f" and {rendered} figure(s)" if rendered else ""))
    if args.durations is not None:
        _print_durations(records, args.durations)
    if args.update_lock:
        for path in update_locks(locks, {r.claim.id: r.verdict for r in records}):
            print(f"fim-audit: updated verdict lock {path}")
    else:
        for claim in document["claims"]:
            if claim["lock"] == "flipped":
                print(
                    f"fim-audit: {claim['id']} is {claim['verdict']} but the lock says {claim['locked_verdict']}",
                    file=sys.stderr,
                )
            elif claim["lock"] == "unlocked" and args.check:
                print(
                    f"fim-audit: {claim['id']} is {claim['verdict']} and not in the lock (accept with --update-lock)",
                    file=sys.stderr,
                )
    if summary["errors"]:
        print(f"fim-audit: checks raised errors in {', '.join(summary['errors'])}", file=sys.stderr)
        return EXIT_CHECK_ERROR
    if figure_errors:
        return EXIT_CHECK_ERROR
    if args.check and (summary["flipped"] or summary["unlocked"]):
        return EXIT_FLIPPED
    return EXIT_OK


def _selected(only: str | None, papers: Sequence[Paper]) -> tuple:
    """The claims of ``papers`` matching ``--only``; none is a usage error that says which of the two is empty."""
    claims = select(only, papers)
    if claims:
        return claims
    if only is None:
        raise UsageError(f"{', '.join(p.source for p in papers)} declare(s) no claims: CLAIMS is empty")
    raise UsageError(f"no claim matched {only!r}; `fim-audit list` shows the registered ids")


def _list(args: argparse.Namespace) -> int:
    claims = _selected(args.only, _papers(args))
    for claim in claims:
        print(f"{claim.id:<32} {claim.source.paper:<13} {claim.source.where}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    try:
        document = load_results(args.results)
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    out = _writable_directory(args.out or args.results.parent)
    paths = _write_renderings(document, out, args.results.parent)
    if args.pdf:
        paths.append(_print_pdf(document, args.results.parent, out / "report.pdf"))
    print("fim-audit: wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def _print_pdf(document: dict, base: Path, target: Path) -> Path:
    """report.pdf: the page with every section open, printed by headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="fim-audit-print-") as folder:
        page = Path(folder) / "report-print.html"
        write_text_atomic(page, html.render(document, base, expanded=True))
        try:
            browser.pdf(page, target)
        except browser.BrowserUnavailable as exc:
            raise UsageError(f"cannot write {target}: {exc}") from None
    print(f"fim-audit: {target} has {browser.pdf_pages(target)} pages")
    return target


def _readme(args: argparse.Namespace) -> int:
    from fim_audit.report import markers, readme

    try:
        document = load_results(args.results)
        text = args.readme.read_text(encoding="utf-8")
        updated = readme.with_table(text, document)
    except (ResultsError, markers.MarkerError, OSError) as exc:
        raise UsageError(str(exc)) from None
    if args.check:
        stale = updated != text
        print(f"fim-audit: {args.readme}'s results table is {'stale' if stale else 'current'}")
        return EXIT_FLIPPED if stale else EXIT_OK
    write_text_atomic(args.readme, updated)
    print(f"fim-audit: wrote the results table of {args.readme}")
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    try:
        old, new = load_results(args.old), load_results(args.new)
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    changes = diff.compare(old, new)
    print(diff.render(changes, args.old, args.new), end="")
    return EXIT_OK if changes.empty else EXIT_FLIPPED


def _screenshot(args: argparse.Namespace) -> int:
    page = args.report
    if not page.is_file():
        raise UsageError(f"no report at {page}; run `fim-audit run` first")
    image = args.out or page.with_name("report-screenshot.png")
    _writable_directory(image.parent)
    try:
        browser.screenshot(page, image)
    except browser.BrowserUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(f"fim-audit: wrote {image}")
    return EXIT_OK


def _spectrum(args: argparse.Namespace) -> int:
    from fim_audit.numeric.attention_capture import ModelUnavailable, load_model
    from fim_audit.numeric.validate import InputError
    from fim_audit.report import spectrum

    try:
        device = str(resolve_device(args.device))
    except ConfigurationError as exc:
        raise UsageError(str(exc)) from None
    out = _writable_directory(args.out)
    try:
        loaded = load_model(args.model, device)
        if args.knlp and args.aggregate != "pooled":
            raise UsageError("--knlp reproduces knlp's pooled metrics: use it with --aggregate pooled")
        result = spectrum.measure(
            loaded, args.windows, args.length, device, aggregate=args.aggregate, knlp=args.knlp, seed=args.seed
        )
    except (ModelUnavailable, InputError) as exc:
        raise UsageError(str(exc)) from None
    paths = spectrum.write(result, out)
    for layer in result["per_layer"]:
        if args.aggregate == "pooled":
            print(
                f"layer {layer['layer']}: pooled eigmax {layer['eigmax_mean']:.4g}, "
                f"energy_r8 {layer['energy_r8_mean']:.3f} (means over heads)"
            )
        else:
            print(
                f"layer {layer['layer']}: median eigmax {layer['eigmax_median']:.4g}, "
                f"mean energy_r8 {layer['energy_r8_mean']:.3f} over {layer['rows']} rows"
            )
    print("fim-audit: wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


EXPERIMENTS = {
    "optimizers": "tt-fim.sec4-faster",
    "attention-dynamics": "tt-fim.thm3.1,holistic.rg-temperature,fim-attn.prop2",
    "reciprocal": "fim-metrics.ra-lower-eigmax",
    "temperature-schedule": "fim-attn.thm3",
}
"""Each training experiment (numeric/training/experiments.py, numeric/natural_gradient_rate.py) and the claims it
decides, as id prefixes (so ``temperature-schedule`` also reports Thm 3's proof step 4); ``all`` runs every one."""


def _experiment(args: argparse.Namespace) -> int:
    """An experiment is the audit of the claims it decides: the same checks, cached runs, figures and report."""
    from fim_audit.numeric.training.cache import cache_directory

    args.only = ",".join(EXPERIMENTS.values()) if args.name == "all" else EXPERIMENTS[args.name]
    args.dtype, args.durations, args.lock, args.check, args.update_lock = "float64", None, None, False, False
    args.papers = DEFAULT_PAPERS
    print(f"fim-audit: experiment {args.name}; training runs cached in {cache_directory() or 'nothing (cache off)'}")
    return _run(args)


def _new_paper(args: argparse.Namespace) -> int:
    from fim_audit.report import scaffold

    try:
        path = scaffold.paper_module(args.name, _writable_directory(args.out))
        written = [path] + ([scaffold.workflow(str(path), args.out)] if args.ci else [])
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print("fim-audit: wrote " + ", ".join(str(p) for p in written))
    print(f"fim-audit: next, `fim-audit run --papers {path} --update-lock`, review the verdicts, commit the lock")
    return EXIT_OK


def _positive_count(text: str) -> int:
    value = _count_argument(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got 0")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="fim-audit", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the audit and write results.json, report.md, junit.xml")
    run.add_argument(
        "--out", type=path_argument, default=Path("audit-report"), help="output directory (default: audit-report/)"
    )
    run.add_argument("--only", help="claim ids to run: glob patterns or id prefixes, comma-separated")
    run.add_argument("--profile", default="default", choices=sorted(PROFILES), help="search depth (default: default)")
    run.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="torch device (default: cpu)")
    run.add_argument("--dtype", default="float64", choices=sorted(DTYPES), help="numeric dtype (default: float64)")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"global seed (default: {DEFAULT_SEED})")
    run.add_argument(
        "--durations", type=_count_argument, metavar="N", help="list the N slowest claims, each with its slowest check"
    )
    run.add_argument(
        "--jobs",
        type=_jobs_argument,
        metavar="N",
        help="claims run in N worker processes, with the results of one (default: the cores this process may use; "
        "1 runs in this process; a CUDA run uses one)",
    )
    run.add_argument(
        "--papers",
        default=DEFAULT_PAPERS,
        metavar="PAPERS",
        help="papers to audit, comma-separated: entry-point names, module names or .py paths (default: seeds)",
    )
    run.add_argument(
        "--lock", type=path_argument, help="verdict lock file for every claim run (default: each paper's own)"
    )
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a verdict differs from the lock")
    mode.add_argument("--update-lock", action="store_true", help="write the computed verdicts into the lock")
    run.set_defaults(handler=_run)

    listing = commands.add_parser("list", help="list the registered claims")
    listing.add_argument("--only", help="glob patterns or id prefixes, comma-separated")
    listing.add_argument("--papers", default=DEFAULT_PAPERS, help="papers to list (as for run; default: seeds)")
    listing.set_defaults(handler=_list)

    rerender = commands.add_parser("report", help="re-render report.md, report.html and junit.xml from a results.json")
    rerender.add_argument("results", type=path_argument, help="path to a results.json written by `fim-audit run`")
    rerender.add_argument("--out", type=path_argument, help="output directory (default: the results file's directory)")
    rerender.add_argument("--pdf", action="store_true", help="also print report.pdf (headless Chromium)")
    rerender.set_defaults(handler=_report)

    table = commands.add_parser("readme", help="regenerate the README's results table from a results.json")
    table.add_argument("results", type=path_argument, help="a results.json of the default audit")
    table.add_argument("--readme", type=path_argument, default=Path("README.md"), help="default: README.md")
    table.add_argument("--check", action="store_true", help="write nothing; exit 1 when the table is stale")
    table.set_defaults(handler=_readme)

    compare = commands.add_parser("diff", help="list verdict changes and new/removed claims between two results")
    compare.add_argument("old", type=path_argument, help="the earlier results.json")
    compare.add_argument("new", type=path_argument, help="the later results.json")
    compare.set_defaults(handler=_diff)

    shot = commands.add_parser("screenshot", help="a PNG of report.html rendered by headless Chromium")
    shot.add_argument(
        "report",
        nargs="?",
        type=path_argument,
        default=Path("audit-report/report.html"),
        help="default: audit-report/report.html",
    )
    shot.add_argument("--out", type=path_argument, help="image path (default: report-screenshot.png beside the report)")
    shot.set_defaults(handler=_screenshot)

    spectrum = commands.add_parser(
        "spectrum", help="FIM spectrum metrics of every attention row of a pretrained transformer"
    )
    spectrum.add_argument(
        "--model", type=path_argument, help="a local Hugging Face model directory (default: all-MiniLM-L6-v2)"
    )
    spectrum.add_argument("--windows", type=_positive_count, default=4, help="text windows (default: 4)")
    spectrum.add_argument("--length", type=_positive_count, default=256, help="tokens per window (default: 256)")
    spectrum.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="torch device")
    spectrum.add_argument(
        "--aggregate",
        default="rows",
        choices=("rows", "pooled"),
        help="rows: every row's own metrics (default); pooled: each head's row-averaged Fisher, as knlp logs it",
    )
    spectrum.add_argument(
        "--knlp", action="store_true", help="with --aggregate pooled: knlp's computation (64 sampled rows, float32)"
    )
    spectrum.add_argument("--seed", type=int, default=0, help="seed of --knlp's row sampling (default: 0)")
    spectrum.add_argument("--out", type=path_argument, default=Path("spectrum-report"), help="output directory")
    spectrum.set_defaults(handler=_spectrum)

    experiment = commands.add_parser(
        "experiment", help="run one training experiment (cached) and write its report, figures and numbers"
    )
    experiment.add_argument("name", choices=(*EXPERIMENTS, "all"), help="which experiment")
    experiment.add_argument(
        "--profile", default="default", choices=sorted(PROFILES), help="budget (thorough: full size, GPU advised)"
    )
    experiment.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"), help="torch device")
    experiment.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"global seed (default: {DEFAULT_SEED})")
    experiment.add_argument(
        "--seeds",
        type=_seed_count,
        default=None,
        help="training seeds per arm (default: the profile's 5; the first ones are the audit's own, cached)",
    )
    experiment.add_argument("--out", type=path_argument, default=Path("experiment-report"), help="output directory")
    experiment.set_defaults(handler=_experiment)

    scaffold = commands.add_parser(
        "new-paper", help="write a paper module skeleton with one true and one false example claim"
    )
    scaffold.add_argument("name", help="the paper's short name (letters, digits, '-', '_')")
    scaffold.add_argument("--out", type=path_argument, default=Path("."), help="folder to write it in (default: .)")
    scaffold.add_argument("--ci", action="store_true", help="also write .github/workflows/fim-audit.yml there")
    scaffold.set_defaults(handler=_new_paper)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """The command; returns its exit status (module docstring).  argparse's own usage errors exit 2 through
    SystemExit, as every argparse program does."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    args.argv = argv
    try:
        return args.handler(args)
    except (UsageError, LockError) as exc:
        print(f"fim-audit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a write that failed (full disk, file-size limit, permissions) or a vanished input
        where = f" {exc.filename}" if exc.filename else ""
        print(f"fim-audit: error: cannot complete I/O on{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("fim-audit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a bug of ours: one line, the traceback in a file
        log = _traceback_log(exc)
        print(f"fim-audit: internal error: {type(exc).__name__}: {exc} (traceback in {log})", file=sys.stderr)
        return EXIT_INTERNAL


def _traceback_log(exc: BaseException) -> str:
    """Write ``exc``'s traceback to a new file in the temporary folder and return its path (or why not)."""
    text = "".join(traceback.format_exception(exc))
    try:
        descriptor, path = tempfile.mkstemp(prefix="fim-audit-traceback-", suffix=".log")
        with open(descriptor, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(text)
    except OSError as error:
        return f"nowhere: {error.strerror or error}"
    return path


if __name__ == "__main__":
    sys.exit(main())
