"""The console script ``fim-audit``: :func:`fim_audit.report.cli.main` with Ctrl-C at any moment, the first
imports of torch and sympy included, as one line and exit status 130 instead of a traceback; the process ends
without the interpreter's teardown of its modules (:mod:`claims.quick_exit`)."""

from __future__ import annotations

import sys

from fim_audit.claims.quick_exit import leave_after_exit_handlers

INTERRUPTED = 130
"""The exit status of a Ctrl-C (cli.EXIT_INTERRUPTED is this value; the import of cli may not have finished)."""


def main() -> None:
    status = None  # until the command returns one: argparse's usage errors exit 2 through SystemExit
    leave_after_exit_handlers(lambda: status)
    try:
        from fim_audit.report.cli import main as command

        status = command()
    except KeyboardInterrupt:
        print("fim-audit: interrupted", file=sys.stderr)
        status = INTERRUPTED
    sys.exit(status)
