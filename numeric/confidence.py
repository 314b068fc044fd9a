"""Confidence intervals for experiment outcomes: the mean of a few per-seed (or per-problem) values with its
two-sided 95% Student t interval.  Used by every experiment check, so that one interval rule decides them all.
"""

from __future__ import annotations

import math
from typing import Sequence

T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
"""t_(0.975, dof) for dof = 1..30 (from any t table); beyond 30 the normal quantile 1.96 is used."""


def t_quantile(dof: int) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom."""
    if dof < 1:
        raise ValueError(f"a t interval needs at least 2 values, got dof = {dof}")
    return T_975[dof - 1] if dof <= len(T_975) else 1.96


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``values`` (finite floats, at least 2) with its 95% t interval."""
    finite = [float(v) for v in values if math.isfinite(v)]
    if len(finite) < 2:
        raise ValueError(f"a t interval needs at least 2 finite values, got {list(values)}")
    mean = sum(finite) / len(finite)
    variance = sum((v - mean) ** 2 for v in finite) / (len(finite) - 1)
    half = t_quantile(len(finite) - 1) * math.sqrt(variance / len(finite))
    return mean, mean - half, mean + half


def describe(interval: tuple[float, float, float], digits: int = 3) -> str:
    """'mean m, 95% CI [low, high]' with ``digits`` significant digits."""
    mean, low, high = interval
    return f"mean {mean:.{digits}g}, 95% CI [{low:.{digits}g}, {high:.{digits}g}]"
