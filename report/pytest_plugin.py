"""fim-audit's pytest plugin: a repository's claims as tests, read against its verdict lock.

Installed with fim-audit as the ``pytest11`` entry point ``fim_audit``.  It does nothing until papers are named,
on the command line or in the ini file (``[tool.pytest.ini_options]`` of pyproject.toml)::

    pytest --fim-audit-papers papers/mypaper.py [--fim-audit-lock papers/mypaper.lock.json]

    [tool.pytest.ini_options]
    fim_audit_papers = ["papers/mypaper.py"]      # entry-point names, module names or .py paths
    fim_audit_lock = "papers/mypaper.lock.json"   # optional: default, each paper's own lock

Each claim is one test, ``fim-audit::<claim id>``, decided by the same engine as ``fim-audit run``:

* a claim that holds (PROVED, SUPPORTED) as locked passes;
* one that does not hold (REFUTED, ILL_POSED) as locked is an expected failure whose reason is its counterexample;
* an OPEN one, as locked, is skipped with its reason;
* a verdict that differs from the lock, a claim missing from it, or a check that raised, fails.

So the lock makes every expected failure strict.  One more test, ``fim-audit::lock``, fails when a lock names
claims that are no longer declared.  Papers named in the ini file are audited when pytest collects its default
paths (no path arguments); ``--fim-audit-papers`` on the command line adds them to any run.  The profile comes
from ``--fim-audit-profile``, else ``FIM_AUDIT_PROFILE``, else ``ci`` under ``CI=true``, else ``default``; the
device from ``FIM_AUDIT_DEVICE`` (default cpu).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the plugin loads in every pytest run of an environment that has fim-audit: nothing heavy here
    from fim_audit.claims.model import Claim, Verdict
    from fim_audit.claims.registry import Paper
    from fim_audit.numeric.context import RunContext


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fim-audit", "fim-audit claim audit")
    group.addoption("--fim-audit-papers", help="papers whose claims to run as tests (comma-separated)")
    group.addoption("--fim-audit-lock", help="one verdict lock for every claim (default: each paper's own)")
    group.addoption("--fim-audit-profile", help="search depth of the claim audit (default, ci, thorough)")
    parser.addini("fim_audit_papers", "papers whose claims to run as tests", type="linelist", default=[])
    parser.addini("fim_audit_lock", "one verdict lock for every claim", default="")


def audit_profile(config: pytest.Config | None = None) -> str:
    """The profile of the claim audit (see the module docstring)."""
    chosen = config.getoption("fim_audit_profile") if config is not None else None
    return chosen or os.environ.get("FIM_AUDIT_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "default")


def audit_device() -> str:
    return os.environ.get("FIM_AUDIT_DEVICE", "cpu")


def _named_papers(config: pytest.Config) -> list[str]:
    given = config.getoption("fim_audit_papers")
    if given:
        return [name.strip() for name in given.split(",") if name.strip()]
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        return []  # `pytest tests/test_x.py` runs that file, not the whole audit
    return list(config.getini("fim_audit_papers"))


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect, so they apply to claims too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    names = _named_papers(config)
    if not names:
        return
    from fim_audit.claims.lock import LockError, read_locks
    from fim_audit.claims.registry import RegistryError, load_papers, lock_paths
    from fim_audit.numeric.context import ConfigurationError, RunContext

    try:
        papers = load_papers(names)
        context = RunContext.create(audit_profile(config), audit_device())
    except (RegistryError, ConfigurationError) as exc:
        raise pytest.UsageError(f"fim-audit: {exc}") from None
    override = config.getoption("fim_audit_lock") or config.getini("fim_audit_lock") or None
    locks = lock_paths(papers, Path(override) if override else None)
    try:  # read once; an unreadable lock fails every claim's test, naming it
        locked, problem = read_locks(locks), None
    except LockError as exc:
        locked, problem = {}, str(exc)
    done: dict = {}  # each check's record, shared by the claims that reuse it
    items.append(LockItem.from_parent(session, name="lock", nodeid="fim-audit::lock", papers=papers, locks=locks))
    for paper in papers:
        for claim in paper.claims:
            items.append(
                ClaimItem.from_parent(
                    session,
                    name=claim.id,
                    nodeid=f"fim-audit::{claim.id}",
                    claim=claim,
                    lock=locks[claim.id],
                    locked=locked.get(claim.id),
                    lock_problem=problem,
                    context=context,
                    done=done,
                )
            )


class ClaimItem(pytest.Item):
    """One claim, audited and read against its lock."""

    def __init__(
        self,
        *,
        claim: Claim,
        lock: Path,
        locked: Verdict | None,
        lock_problem: str | None,
        context: RunContext,
        done: dict,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.claim, self.lock, self.locked, self.lock_problem = claim, lock, locked, lock_problem
        self.context, self.done = context, done

    def runtest(self) -> None:
        from fim_audit.claims.engine import run_claim
        from fim_audit.claims.lock import Expectation, expectation
        from fim_audit.report.junit import outcome_message
        from fim_audit.report.results import claim_entry

        if self.lock_problem is not None:
            pytest.fail(self.lock_problem, pytrace=False)
        locked = self.locked
        record = run_claim(self.claim, self.context, self.done)  # one thread, as fim-audit run computes
        errors = [f"{c.check.name}: {c.result.detail}" for c in record.errors]
        if errors:
            pytest.fail(f"checks raised: {errors}", pytrace=False)
        outcome = expectation(record.verdict, locked)
        message = outcome_message(claim_entry(record, locked))
        if outcome is Expectation.UNLOCKED:
            pytest.fail(f"{record.verdict.value}, not in {self.lock} yet ({message})", pytrace=False)
        if outcome is Expectation.FLIPPED:
            pytest.fail(
                f"verdict flipped: computed {record.verdict.value}, locked {locked.value} ({message})", pytrace=False
            )
        if outcome is Expectation.XFAIL:
            pytest.xfail(message)
        if outcome is Expectation.SKIP:
            pytest.skip(message)

    def reportinfo(self):
        return self.lock, None, f"fim-audit claim {self.claim.id}"


class LockItem(pytest.Item):
    """Every lock names exactly the claims of the papers that use it."""

    def __init__(self, *, papers: tuple[Paper, ...], locks: dict[str, Path], **kwargs) -> None:
        super().__init__(**kwargs)
        self.papers, self.locks = papers, locks

    def runtest(self) -> None:
        from fim_audit.claims.lock import LockError, read_lock

        problems = []
        for path in sorted(set(self.locks.values())):
            declared = {claim_id for claim_id, where in self.locks.items() if where == path}
            try:
                locked = set(read_lock(path))
            except LockError as exc:
                problems.append(str(exc))
                continue
            if declared - locked:
                problems.append(f"claims missing from {path}: {sorted(declared - locked)} (run --update-lock)")
            if locked - declared:
                problems.append(f"{path} names claims that are not declared: {sorted(locked - declared)}")
        if problems:
            pytest.fail("; ".join(problems), pytrace=False)

    def reportinfo(self):
        return "fim-audit", None, "fim-audit verdict locks"
