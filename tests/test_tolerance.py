"""numeric/tolerance.py: the rounding model's arithmetic and its refusal of meaningless bounds."""

from __future__ import annotations

import math

import pytest
import torch

from numeric.tolerance import (
    SAFETY,
    ToleranceError,
    excess,
    gamma,
    rounding_tolerance,
    safe_norm,
    softmax_depth,
    unit_roundoff,
)


def test_unit_roundoff_is_half_epsilon():
    assert unit_roundoff(torch.float64) == 2.0**-53
    assert unit_roundoff(torch.float32) == 2.0**-24


def test_gamma_matches_higham():
    u = 2.0**-53
    assert float(gamma(10, torch.float64)) == pytest.approx(10 * u / (1 - 10 * u), rel=1e-15)


def test_meaningless_bound_is_an_error():
    with pytest.raises(ToleranceError, match="too badly scaled"):
        gamma(1e7, torch.float32)


def test_tolerance_includes_the_underflow_term():
    tol = rounding_tolerance(4, torch.zeros(1, dtype=torch.float64), torch.float64)
    assert float(tol) == SAFETY * 4 * torch.finfo(torch.float64).tiny


def test_softmax_depth_grows_with_logit_magnitude():
    small, large = softmax_depth(torch.tensor([[0.0, 1.0]])), softmax_depth(torch.tensor([[0.0, 1e4]]))
    assert float(large) - float(small) == pytest.approx(2 * (1e4 - 1))


def test_excess():
    a = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    tol = torch.full_like(a, 0.5)
    assert excess(a, a, tol, dims=1).tolist() == [0.0]
    assert excess(a, a + 1, tol, dims=1).tolist() == [2.0]
    assert excess(a, a, torch.zeros_like(a), dims=1).tolist() == [0.0]
    assert math.isnan(excess(a, a * math.nan, tol, dims=1).item())
    with pytest.raises(ValueError, match="shapes differ"):
        excess(a, a[:, :1], tol, dims=1)


def test_safe_norm_does_not_underflow_or_overflow():
    """torch.linalg.vector_norm squares entries: 1e-200 entries give norm 0 (a bug found by the ci profile)."""
    tiny = torch.full((3, 3), 2.3e-201, dtype=torch.float64)
    assert float(torch.linalg.vector_norm(tiny)) == 0.0
    assert float(safe_norm(tiny)) == pytest.approx(3 * 2.3e-201, rel=1e-15)
    huge = torch.tensor([1e200, 1e200], dtype=torch.float64)
    assert float(safe_norm(huge)) == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15)
    rows = torch.tensor([[3e-300, 4e-300], [0.0, 0.0]], dtype=torch.float64)
    assert safe_norm(rows, dim=-1).tolist() == pytest.approx([5e-300, 0.0], rel=1e-15)
