"""Shared fixtures: the audit profile and device (the claim audit's own, :mod:`report.pytest_plugin`:
``FIM_AUDIT_PROFILE``, else ``ci`` under CI=true, else ``default``; ``FIM_AUDIT_DEVICE``, default cpu), and
Hypothesis profiles of the same names for the engine's own property tests.

The claim audit itself is the fim-audit pytest plugin, pointed at the seed papers by ``fim_audit_papers`` in
pyproject.toml: one test ``fim-audit::<claim id>`` per claim.  It is registered by installing the package; a run
without it would silently leave the claims out, so it is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import Verbosity, settings

from numeric.context import PROFILES, RunContext
from numeric.search.property import settings_for
from report.pytest_plugin import audit_device, audit_profile
from tests.mutation_log import summary_lines

PROFILE = audit_profile()
DEVICE = audit_device()

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, settings(settings_for(_profile), verbosity=Verbosity.normal))
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


@pytest.fixture(scope="session")
def default_audit(tmp_path_factory) -> Path:
    """The full default audit (`fim-audit run`, profile default, whatever the session's profile), run once per
    session: the report a referee reads and the README table are both generated from it."""
    from report.cli import EXIT_OK, main

    out = tmp_path_factory.mktemp("default-audit")
    assert main(["run", "--profile", "default", "--out", str(out)]) == EXIT_OK
    return out


def pytest_report_header(config: pytest.Config) -> str:
    return f"fim-audit profile: {audit_profile(config)}, device: {DEVICE}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = summary_lines(config)
    if lines:
        terminalreporter.write_sep("=", "mutation catalogue")
        for line in lines:
            terminalreporter.write_line(line)
