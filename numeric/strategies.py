"""Hypothesis strategies for the numeric checks: batches of logits, distributions, weights, and small
logit-map problems.  They draw NumPy float64 arrays (no subnormals, no NaN/inf); checks move them to the
run's device and dtype.  Every size and scale shrinks towards the simplest case (n = 1, one row, all
zeros, unit scale), so a failure is reported at a minimal counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numeric.logit_maps import LOGIT_MAPS, LogitMap
from numeric.softmax import softmax

FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}

LOGIT_SCALES = (1.0, 8.0, 64.0, 1e3, 1e4)
"""Magnitudes of drawn logits: unit, sharp, very sharp, and 1e3 / 1e4 where exp(z) would overflow float64
without the log-sum-exp shift."""


def _unit_batch(n: int, batch: int) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, (batch, n), elements=st.floats(-1.0, 1.0, **FINITE))


@st.composite
def logit_batches(draw: st.DrawFn, max_n: int, max_batch: int) -> np.ndarray:
    """Logit rows (batch, n), n in 1..max_n, of magnitude up to 1e4, some with near-ties.

    A near-tie sets the first k+1 entries of every row within a few ulps of one another, the hardest case
    for argmax-based reasoning and for cancellation in sigma_i - sigma_j.
    """
    n = draw(st.integers(1, max_n), label="n")
    batch = draw(st.integers(1, max_batch), label="batch")
    scale = draw(st.sampled_from(LOGIT_SCALES), label="scale")
    z = draw(_unit_batch(n, batch)) * scale
    ties = draw(st.integers(0, n - 1), label="near-ties")
    if ties:
        ulps = draw(arrays(np.int64, (batch, ties), elements=st.integers(-4, 4)))
        anchor = z[:, :1]
        z[:, 1 : ties + 1] = anchor + ulps * np.spacing(np.abs(anchor))
    return z


def simplex_batches(max_n: int, max_batch: int) -> st.SearchStrategy[np.ndarray]:
    """Probability rows (batch, n) on the simplex: softmax of :func:`logit_batches`, so uniform,
    near-one-hot and exactly sparse (underflowed) distributions all occur."""
    return logit_batches(max_n, max_batch).map(lambda z: softmax(torch.from_numpy(z)).numpy())


@st.composite
def nonnegative_batches(draw: st.DrawFn, max_n: int, max_batch: int) -> np.ndarray:
    """Non-negative weight rows (batch, n) that need not sum to 1, with entries up to 8."""
    n = draw(st.integers(1, max_n), label="n")
    batch = draw(st.integers(1, max_batch), label="batch")
    return draw(arrays(np.float64, (batch, n), elements=st.floats(0.0, 8.0, **FINITE)))


@dataclass(frozen=True)
class LogitMapProblem:
    """A logit map with parameters theta (p,), m inputs xs (m, *input_shape) and a sampling seed."""

    logit_map: LogitMap
    theta: np.ndarray
    xs: np.ndarray
    sampling_seed: int


@st.composite
def logit_map_problems(draw: st.DrawFn, name: str, max_n: int) -> LogitMapProblem:
    """A random instance of the logit map ``name`` (see :data:`numeric.logit_maps.LOGIT_MAPS`).

    Sizes stay small (n <= min(max_n, 8), d <= 4, width <= 4, m <= 4 inputs) because the Fisher is p x p;
    the scale of parameters and inputs ranges from flat (0.5) to sharp (3) attention.
    """
    n = draw(st.integers(1, min(max_n, 8)), label="n")
    d = draw(st.integers(1, 4), label="d")
    width = draw(st.integers(1, 4), label="width")
    m = draw(st.integers(1, 4), label="inputs")
    scale = draw(st.sampled_from((1.0, 0.5, 3.0)), label="scale")
    logit_map = LOGIT_MAPS[name](n, d, width)
    theta = draw(arrays(np.float64, (logit_map.num_parameters,), elements=st.floats(-1.0, 1.0, **FINITE)))
    xs = draw(arrays(np.float64, (m, *logit_map.input_shape), elements=st.floats(-1.0, 1.0, **FINITE)))
    seed = draw(st.integers(0, 2**31 - 1), label="sampling seed")
    return LogitMapProblem(logit_map, theta * scale, xs * scale, seed)
