"""A time budget for sympy: a computation that has not finished when its budget runs out is interrupted with
:class:`OutOfTime`, which the checks read as INCONCLUSIVE ("sympy ran out of its time budget after 30 s"), so no
derivation, limit or exact re-evaluation can hang an audit.

sympy is pure Python, so the interruption is an exception raised between two bytecodes of the running computation:
on the main thread by a ``SIGPROF`` timer (``signal.setitimer(ITIMER_PROF)``), on any other thread by an asynchronous
exception (CPython's ``PyThreadState_SetAsyncExc``) from a watchdog timer.  Budgets nest: an inner budget never
outlives the outer one, and an expiry is reported by the budget that expired.

On the main thread (where the audit runs) a budget counts the process's CPU seconds, not wall seconds: a budget in
wall time shrank whenever other processes shared the cores (the audit's own ``--jobs`` workers, pytest-xdist, a CI
neighbour), and an exact limit that takes 6 s alone ran out of its 10 s (and 20 s) under load, so a false statement
lost its only refuting corner and came out SUPPORTED.  CPU time makes a verdict independent of the machine's load
(not of its speed).  A watchdog thread has no CPU-time timer; on other threads the budget is wall time.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import signal
import threading
import time
from types import FrameType
from typing import Iterator


REPEAT = 0.05
"""Seconds between repeated expiries once a deadline has passed: an interruption can land where Python swallows it
(an ``except:`` of the computation, a ``__del__``), so it is raised again until the budget's ``with`` block has been
left.  On the main thread an expiry that finds a garbage-collector callback running (Hypothesis times the collector
with one; Python would swallow the exception there and print "Exception ignored") is deferred to the next repeat, which
raises it in the computation itself, at most DEFERRALS times in a row."""

DEFERRALS = 20
"""Expiries deferred in a row (REPEAT apart) before one is raised wherever it lands: a computation that spends nearly
all its time in collector callbacks still ends within about a second of its deadline."""


ALARM_SLACK = 1e-3
"""A timer may fire this much before its deadline (it is armed from a clock read a moment earlier)."""


class OutOfTime(Exception):
    """A budgeted computation ran out of time (``seconds`` allowed, ``what`` it was)."""

    def __init__(self, seconds: float, what: str) -> None:
        super().__init__(f"{what}: sympy ran out of its time budget after {seconds:g} s of CPU time")
        self.seconds = seconds
        self.what = what


class _Expired(BaseException):
    """Raised into the computation when a budget expires (a BaseException, so that the computation's own ``except
    Exception`` clauses do not swallow it); turned into :class:`OutOfTime` by the budget it belongs to."""


_local = threading.local()


def _stack() -> list[float]:
    """The deadlines (``time.monotonic()``) of the budgets open on this thread, outermost first."""
    if not hasattr(_local, "deadlines"):
        _local.deadlines = []
    return _local.deadlines


def _clock() -> float:
    """The budgets' clock on this thread: the process's CPU seconds on the main thread, else wall seconds."""
    return time.process_time() if threading.current_thread() is threading.main_thread() else time.monotonic()


def _alarm(signum: int, frame: FrameType | None) -> None:
    deadlines = _stack()
    if deadlines and _clock() >= deadlines[-1] - ALARM_SLACK:  # a late signal of a closed budget: ignored
        _local.deferred = getattr(_local, "deferred", 0) + 1
        if _local.deferred > DEFERRALS or not _in_gc_callback(frame):
            _local.deferred = 0
            raise _Expired


def _in_gc_callback(frame: FrameType | None) -> bool:
    """Whether the interrupted code runs inside one of the garbage collector's callbacks (``gc.callbacks``)."""
    callbacks = {getattr(getattr(callback, "__func__", callback), "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks:
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def time_budget(seconds: float, what: str) -> Iterator[None]:
    """Run the body for at most ``seconds`` (never past an enclosing budget); on expiry raise :class:`OutOfTime`.
    ``seconds <= 0`` or infinite: no budget."""
    if not 0 < seconds < float("inf"):
        yield
        return
    deadlines = _stack()
    outer = deadlines[-1] if deadlines else float("inf")
    deadline = min(_clock() + seconds, outer)
    on_main = threading.current_thread() is threading.main_thread()
    outermost = not deadlines
    watchdog = None
    previous_handler = signal.signal(signal.SIGPROF, _alarm) if on_main and outermost else None
    deadlines.append(deadline)
    try:
        if on_main:  # repeating after the deadline: an expiry swallowed by a gc callback or an `except:` recurs
            signal.setitimer(signal.ITIMER_PROF, max(deadline - _clock(), 1e-3), REPEAT)
        else:
            watchdog = _watchdog(threading.get_ident(), max(deadline - _clock(), 1e-3))
        try:
            yield
        except _Expired:
            if deadline < outer:
                raise OutOfTime(seconds, what) from None
            raise  # the enclosing budget expired: it reports
    finally:
        deadlines.pop()
        if not deadlines:  # the deferrals count within one expiry: none carries over to the next budget
            _local.deferred = 0
        if watchdog is not None:
            watchdog.cancel()
        if on_main:
            # re-arm the enclosing budget's timer (already past its deadline: almost at once), or disarm
            if deadlines:
                signal.setitimer(signal.ITIMER_PROF, max(outer - _clock(), 1e-3), REPEAT)
            else:
                signal.setitimer(signal.ITIMER_PROF, 0)
            if outermost:
                signal.signal(signal.SIGPROF, previous_handler)


class _Watchdog(threading.Thread):
    """Raises :class:`_Expired` in another thread at its deadline, and again every REPEAT seconds until cancelled."""

    def __init__(self, thread_id: int, seconds: float) -> None:
        super().__init__(daemon=True)
        self.thread_id, self.seconds, self.stopped = thread_id, seconds, threading.Event()

    def run(self) -> None:
        wait = self.seconds
        while not self.stopped.wait(wait):
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id), ctypes.py_object(_Expired))
            wait = REPEAT

    def cancel(self) -> None:
        self.stopped.set()


def _watchdog(thread_id: int, seconds: float) -> _Watchdog:
    watchdog = _Watchdog(thread_id, seconds)
    watchdog.start()
    return watchdog
