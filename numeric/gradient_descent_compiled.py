"""The gradient descent of :mod:`numeric.gradient_descent` on the log-sum-exp potential, compiled for the CPU with
numba: the same arithmetic, step by step, as the torch loop there, in one pass over the row per step instead of
about eleven tensor operations of a few microseconds each (rows of a few dozen entries, thousands of steps).

Per step and row, with u = s / tau and m = max_j u_j: e_j = exp(u_j - m), p_j = e_j / sum_k e_k, s_j <- s_j - eta
p_j / tau, then s <- s - mean(s).  Only the order of the two sums (left to right here) and exp's last bit may
differ from torch's; the rounding bound of :mod:`claims.checks.dynamics` assumes neither.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def descend_log_partition(s: np.ndarray, eta: np.ndarray, tau: float, steps: int) -> np.ndarray:
    """``steps`` centred gradient steps on every row of ``s`` (rows, n), row r with step size eta[r]; a new array."""
    rows, n = s.shape
    out = s.copy()
    e = np.empty(n)
    for r in range(rows):
        x = out[r]
        for _ in range(steps):
            m = -np.inf
            for j in range(n):
                m = max(m, x[j] / tau)
            total = 0.0
            for j in range(n):
                e[j] = np.exp(x[j] / tau - m)
                total += e[j]
            mean = 0.0
            for j in range(n):
                x[j] = x[j] - eta[r] * (e[j] / total) / tau
                mean += x[j]
            mean /= n
            for j in range(n):
                x[j] -= mean
    return out
