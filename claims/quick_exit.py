"""Ending a process without the interpreter's teardown of its modules.

When a Python process exits, the interpreter runs its exit handlers (``atexit``), then tears down every module and
frees every object one by one.  With torch, sympy and the papers' claims loaded that teardown takes about 1 s in the
``fim-audit`` process and 1.5 s in each audit worker (measured on a 2-core AMD EPYC), writes nothing, and the
command waits for it: the parent joins its workers before its own teardown, so a warm audit ended 2.4 s after its
last line.  :func:`leave_after_exit_handlers` cuts it off.

Registered before anything else in the process, the cut runs after every exit handler registered later (they run
last-registered first): the training pool's terminate, temporary folders, flushed logs.  A handler registered before
it (a coverage tool started with the interpreter, say) does not run.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Callable


def leave_after_exit_handlers(status: Callable[[], int | None]) -> None:
    """At exit, after the exit handlers registered from now on: flush the standard streams and end the process
    with ``status()`` at once, or, where it is None (the process ends otherwise than its code planned: an
    exception, ``sys.exit`` from a library), go on with the interpreter's own exit."""
    atexit.register(_leave, status)


def _leave(status: Callable[[], int | None]) -> None:
    code = status()
    if code is None:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (fim-audit run | head) or stream: nothing more to say
            pass
    os._exit(code)
