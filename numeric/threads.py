"""The threads the computations use: torch's intra-op pool (matrix products, reductions) and numba's parallel loops
(the compiled secular kernel, :mod:`numeric.secular_compiled`, one row per thread).

* :func:`one_thread`: torch on one thread.  A float reduction split across threads sums in a thread-count-dependent
  order, so its last bits, and through Hypothesis' ``target`` and training's feedback every later number, would
  depend on the machine.  numba's loops are left alone: each row is computed by one thread whatever their count.
* :func:`share_cores`: both on one thread for the rest of a worker process that shares the cores with sibling
  workers.  numba's OpenMP threads contend with the siblings' own: measured on a 2-core machine, two processes
  training side by side each ran 5x slower than one alone until numba was given one thread.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Compute with one torch intra-op thread within (restored after)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def share_cores() -> None:
    """One torch thread and one numba thread from now on, for a process that runs beside sibling workers."""
    import numba

    torch.set_num_threads(1)
    numba.set_num_threads(1)
