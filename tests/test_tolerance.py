"""numeric/tolerance.py: the rounding model's arithmetic and its refusal of meaningless bounds."""

from __future__ import annotations

import math

import pytest
import torch

from fim_audit.numeric.tolerance import (
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


# Pinned by mutation testing (issue 20): each assertion below failed under a planted bug in numeric/tolerance.py.


def test_gamma_is_exact_float64_and_refuses_half_a_unit():
    u = 2.0**-53
    value = gamma(3, torch.float64)
    assert value.dtype is torch.float64 and float(value) == 3 * u / (1 - 3 * u)
    assert float(gamma(2.0**51, torch.float64)) == 0.25 / 0.75  # k u = 1/4: the denominator is 1 - ku exactly
    with pytest.raises(ToleranceError):
        gamma(2.0**52, torch.float64)  # k u = 1/2 exactly: meaningless, refused


def test_rounding_tolerance_follows_the_magnitude_dtype_and_device():
    depth = torch.tensor([3.0, 4.0])
    tolerance = rounding_tolerance(depth, torch.ones(2, dtype=torch.float32), torch.float32)
    assert tolerance.dtype is torch.float32
    # the meta device stands in for a second device: a bound left on the CPU would not combine with it
    assert rounding_tolerance(depth, torch.ones(2, device="meta"), torch.float64).device.type == "meta"
    underflow = rounding_tolerance(depth, torch.zeros(2, dtype=torch.float32), torch.float32)
    assert underflow.dtype is torch.float32
    assert torch.equal(underflow, (SAFETY * depth * torch.finfo(torch.float32).tiny).float())


def test_softmax_depth_per_row_of_a_batch():
    logits = torch.tensor([[[0.0, 1.0, -5.0], [2.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [9.0, 1.0, 0.0]]])
    depth = softmax_depth(logits.float())
    assert depth.dtype is torch.float64 and depth.shape == (2, 2)
    assert depth.tolist() == [[3 + 8 + 10, 3 + 8 + 4], [3 + 8 + 0, 3 + 8 + 18]]


def test_excess_and_violation_reduce_only_the_trailing_dimensions():
    from fim_audit.numeric.tolerance import violation

    actual = torch.zeros(2, 3, 4)
    expected = torch.zeros(2, 3, 4)
    expected[1, 2, 0] = 1.0
    tolerance = torch.ones(2, 3, 4)
    assert excess(actual, expected, tolerance, dims=1).tolist() == [[0, 0, 0], [0, 0, 1]]
    assert violation(expected, actual, tolerance, dims=1).tolist() == [[0, 0, 0], [0, 0, 1]]
    larger = torch.full((2, 4), 3.0)
    smaller = torch.tensor([[1.0, 2.0, 3.0, 7.0], [0.0, 0.0, 0.0, 0.0]])
    assert violation(smaller, larger, torch.full((2, 4), 2.0), dims=1).tolist() == [2.0, -1.5]
    assert torch.equal(excess(actual, expected, tolerance, dims=0), (actual - expected).abs())


def test_safe_norm_scales_each_slice_by_its_own_maximum():
    assert float(safe_norm(torch.zeros(3))) == 0.0 and safe_norm(torch.zeros(2, 3), dim=1).tolist() == [0.0, 0.0]
    assert float(safe_norm(torch.full((4,), 1e-200, dtype=torch.float64))) == pytest.approx(2e-200, rel=1e-15, abs=0)
    rows = torch.tensor([[1e-200, 1e-200], [1e200, 1e200], [3.0, 4.0]], dtype=torch.float64)
    expected = [math.sqrt(2) * 1e-200, math.sqrt(2) * 1e200, 5.0]
    assert safe_norm(rows, dim=1).tolist() == pytest.approx(expected, rel=1e-15, abs=0)
    assert safe_norm(torch.tensor([[0.0, 0.0], [0.5, 0.0]], dtype=torch.float64), dim=1).tolist() == [0.0, 0.5]
