"""Shared fixtures: the audit profile (``FIM_AUDIT_PROFILE``, else ``ci`` under CI=true, else ``default``),
the device (``FIM_AUDIT_DEVICE``, default cpu), and Hypothesis profiles of the same names for the
engine's own property tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import Verbosity, settings

from claims.context import PROFILES, RunContext
from numeric.property import settings_for
from tests.mutation_log import summary_lines

PROFILE = os.environ.get("FIM_AUDIT_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "default")
DEVICE = os.environ.get("FIM_AUDIT_DEVICE", "cpu")

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, settings(settings_for(_profile), verbosity=Verbosity.normal))
settings.load_profile(PROFILE)


@pytest.fixture(scope="session")
def audit_context() -> RunContext:
    return RunContext.create(PROFILE, DEVICE)


def pytest_report_header(config: pytest.Config) -> str:
    return f"fim-audit profile: {PROFILE}, device: {DEVICE}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = summary_lines(config)
    if lines:
        terminalreporter.write_sep("=", "mutation catalogue")
        for line in lines:
            terminalreporter.write_line(line)
