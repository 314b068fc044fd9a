"""The rules both secular-equation kernels follow (numeric/secular_compiled.py on the CPU,
numeric/secular_torch.py on other devices), stated once; numeric/fisher_spectrum.py derives the accuracy
they give."""

import torch

MAX_ITERATIONS = 60
"""A safeguard: bisection alone would halve the bracket 53 times to reach float64 resolution, and the
rational steps converge in 3 to 6 iterations on every row measured (near-one-hot rows, ties, sink rows and
poles one ulp apart)."""
RELATIVE_TIE = float(torch.finfo(torch.float64).eps)
"""An interval (d_(j-1), d_j) at most RELATIVE_TIE * d_j wide holds its eigenvalue within half that width
of the midpoint, u * d_j: the midpoint is returned without iterating.  Exact ties (repeated values of p)
give the eigenvalue d_j exactly."""
STOP_FACTOR = 8.0
"""dlaed4's stopping rule: |f| <= STOP_FACTOR * eps * (sum |terms| + |mu| f'), the rounding error of f's
own evaluation."""
FAR_RATIO = 0.5
"""Poles at most FAR_RATIO times below every root they serve (the top-k roots all lie above p_(k+1)) enter
through power moments: d / (d - x) = -sum_m (d / x)^m, each moment at most FAR_RATIO times the last."""
FAR_TERMS = 64
"""At most this many moments (a multiple of 4): FAR_RATIO^64 / (1 - FAR_RATIO) = 2^-63, below an eighth of
an ulp of the far poles' value (the moments usually stop earlier, once they fall below u / 8 of the first)."""
DEEP_RATIO = 0.125
"""Far poles at most DEEP_RATIO times below the roots need only DEEP_TERMS moments."""
DEEP_TERMS = 20
"""DEEP_RATIO^20 / (1 - DEEP_RATIO) = 2^-59.8: the deep poles' truncation stays below u / 8."""
SKIP_TOWARD_POLE = 2.0**-64
"""When a bisection's bracket still ends at the pole itself, the next point is this fraction of the far
end: a root within 1e-200 of the interval's width from its pole is bracketed in 11 such steps, then found by
geometric bisection and the rational steps."""
