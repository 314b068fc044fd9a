"""Shared fixtures: the audit profile and device (the claim audit's own, :mod:`report.pytest_plugin`:
``FIM_AUDIT_PROFILE``, else ``ci`` under CI=true, else ``default``; ``FIM_AUDIT_DEVICE``, default cpu), and
Hypothesis profiles of the same names for the engine's own property tests.

Those property tests are derandomised (each draws from a seed derived from the test itself), so the same commit
gives the same result on every machine and in every CI run (issue 27: a fresh clone once failed on an example no
earlier run had drawn).  Random exploration, a new seed each run, is for developers hunting bugs:
``FIM_AUDIT_EXPLORE=1 python -m pytest``; a failure it finds is pinned with ``@example`` before it is fixed.

The claim audit itself is the fim-audit pytest plugin, pointed at the seed papers by ``fim_audit_papers`` in
pyproject.toml: one test ``fim-audit::<claim id>`` per claim.  It is registered by installing the package; a run
without it would silently leave the claims out, so it is refused.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import Verbosity, settings

from fim_audit.numeric.context import PROFILES, RunContext
from fim_audit.numeric.search.property import settings_for
from fim_audit.numeric.threads import share_cores
from fim_audit.report.pytest_plugin import audit_device, audit_profile
from tests.mutation_log import summary_lines

PROFILE = audit_profile()
DEVICE = audit_device()

if os.environ.get("PYTEST_XDIST_WORKER"):
    # A test process beside its sibling workers computes with one torch and one numba thread, as an audit worker
    # does: torch's OpenMP threads spin at barriers for cores the other processes hold (20-35 times slower).
    share_cores()

EXPLORE = os.environ.get("FIM_AUDIT_EXPLORE") == "1"

for _name, _profile in PROFILES.items():
    settings.register_profile(
        _name, settings(settings_for(_profile), verbosity=Verbosity.normal, derandomize=not EXPLORE)
    )
settings.load_profile(PROFILE)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.get_plugin("fim_audit") is None:
        raise pytest.UsageError(
            "the fim-audit pytest plugin is not registered, so the claim audit would not run: install the package "
            "(pip install -e '.[test]', see the README)"
        )


@pytest.fixture(scope="session")
def audit_context() -> RunContext:
    return RunContext.create(PROFILE, DEVICE)


@pytest.fixture(params=["float64", "float32"])
def any_dtype(request, audit_context) -> RunContext:
    """The session's audit context in each working dtype."""
    return replace(audit_context, dtype=RunContext.create(dtype=request.param).dtype)


@pytest.fixture(scope="session")
def default_audit(tmp_path_factory) -> Path:
    """The full default audit (`fim-audit run`, profile default, whatever the session's profile), run once per
    session: the report a referee reads and the README table are both generated from it."""
    from fim_audit.report.cli import EXIT_OK, main

    out = tmp_path_factory.mktemp("default-audit")
    assert main(["run", "--profile", "default", "--out", str(out)]) == EXIT_OK
    return out


def pytest_report_header(config: pytest.Config) -> str:
    hypothesis = "random exploration (FIM_AUDIT_EXPLORE=1)" if EXPLORE else "derandomised"
    return f"fim-audit profile: {audit_profile(config)}, device: {DEVICE}; property tests {hypothesis}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = summary_lines(config)
    if lines:
        terminalreporter.write_sep("=", "mutation catalogue")
        for line in lines:
            terminalreporter.write_line(line)
