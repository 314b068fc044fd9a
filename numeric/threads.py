"""The threads the computations use: torch's intra-op pool (matrix products, reductions) and numba's parallel loops
(the compiled secular kernel, :mod:`numeric.secular_compiled`, one row per thread).

* :func:`one_thread`: torch on one thread.  A float reduction split across threads sums in a thread-count-dependent
  order, so its last bits, and through Hypothesis' ``target`` and training's feedback every later number, would
  depend on the machine.  numba's loops are left alone: each row is computed by one thread whatever their count.
* :func:`share_cores`: both on one thread for the rest of a worker process that shares the cores with sibling
  workers.  numba's OpenMP threads contend with the siblings' own: measured on a 2-core machine, two processes
  training side by side each ran 5x slower than one alone until numba was given one thread.

Both start numba's threading layer first.  Its OpenMP layer shares libgomp with torch and, when it starts, sets the
process's OpenMP thread count to numba's own (the number of cores): torch's count, set to 1 before, silently became
2 again at the first compiled kernel, so every later large reduction (2^15 elements and more) summed in another
order, and results depended on whether a kernel had run before (found through a REM fit whose last bits differed
between ``--jobs 1`` and ``--jobs 2``; tests/test_determinism.py).
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import torch


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start_numba() -> None:
    """Start numba's threading layer now (once per process), so that it cannot reset torch's thread count later."""
    import numba

    numba.get_num_threads()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Compute with one torch intra-op thread within (restored after)."""
    _start_numba()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def share_cores() -> None:
    """One torch thread and one numba thread from now on, for a process that runs beside sibling workers."""
    import numba

    _start_numba()
    numba.set_num_threads(1)
    torch.set_num_threads(1)
