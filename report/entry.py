"""The console script ``fim-audit``: :func:`fim_audit.report.cli.main` with Ctrl-C at any moment, the first
imports of torch and sympy included, as one line and exit status 130 instead of a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130
"""The exit status of a Ctrl-C (cli.EXIT_INTERRUPTED is this value; the import of cli may not have finished)."""


def main() -> None:
    try:
        from fim_audit.report.cli import main as command

        status = command()
    except KeyboardInterrupt:
        print("fim-audit: interrupted", file=sys.stderr)
        status = INTERRUPTED
    sys.exit(status)
