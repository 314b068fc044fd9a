"""numeric/fisher_spectrum.py, the secular-equation solver, checked against two references: the dense float64
eigvalsh of numeric/fisher_metrics (within its own backward-error bound, on Hypothesis-generated and
adversarial rows) and 60-digit mpmath eigenvalues of exactly normalised dyadic rows (to a few units of
roundoff of lambda_max: the accuracy dense eigvalsh loses on near-one-hot rows)."""

from __future__ import annotations

import math
import random

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from numeric.fisher_metrics import METRICS, fisher_eigenvalues, fisher_metrics_reference, zero_floor
from numeric.fisher_spectrum import fisher_metrics, softmax_fisher_eigvalsh, softmax_fisher_topk
from numeric.search.strategies import adversarial_distributions
from numeric.tolerance import rounding_tolerance, unit_roundoff
from numeric.validate import InputError

F64 = torch.float64
ULPS = 8
"""Accuracy promised against exact eigenvalues: ULPS units of roundoff of lambda_max."""


def _dense_bound(p: torch.Tensor, tau: float) -> torch.Tensor:
    """The error the dense reference itself may make, per row: its eigenvalues are exact for a matrix within
    gamma_(n+8) max(p) / tau^2 of F (forming F, then Householder tridiagonalisation), so the two spectra
    may differ by that plus the solver's own few ulps of the same scale."""
    return 2 * zero_floor(p, tau)


@given(adversarial_distributions(64, 4), st.sampled_from([1.0, 0.5, 3.0]))
def test_full_spectrum_matches_dense_eigvalsh(rows, tau):
    p = torch.from_numpy(rows)
    fast = softmax_fisher_eigvalsh(p, tau)
    dense = fisher_eigenvalues(p, tau).flip(-1)
    assert fast.shape == p.shape and bool(torch.isfinite(fast).all())
    assert bool(((fast - dense).abs() <= _dense_bound(p, tau)).all()), (fast - dense).abs().max()
    assert bool((fast[..., 1:] >= fast[..., :-1]).all()), "not ascending"


@given(adversarial_distributions(64, 4), st.integers(1, 64))
def test_top_k_is_the_top_of_the_full_spectrum(rows, k):
    p = torch.from_numpy(rows)
    k = min(k, p.shape[-1])
    top = softmax_fisher_topk(p, k)
    full = softmax_fisher_eigvalsh(p).flip(-1)[..., :k]
    assert top.shape == (*p.shape[:-1], k)
    assert bool(((top - full).abs() <= 4 * unit_roundoff(F64) * p.amax(-1, keepdim=True)).all())


@given(adversarial_distributions(40, 3), st.sampled_from([1.0, 0.25, 2.0]))
def test_metrics_match_the_dense_reference(rows, tau):
    """Same definitions and edge cases: eigmax and trace within the dense bound; the energies and the decay
    wherever the reference's floor decision is not within rounding of a boundary."""
    p = torch.from_numpy(rows)
    fast, reference = fisher_metrics(p, tau), fisher_metrics_reference(p, tau)
    assert set(fast) == set(reference) == set(METRICS)
    bound = _dense_bound(p, tau)[..., 0]
    n = p.shape[-1]
    for name in ("eigmax", "trace"):
        assert bool(((fast[name] - reference[name]).abs() <= n * bound).all()), name
    trace = reference["trace"]
    clear = trace > 1e3 * n * bound
    for name in ("energy_r8", "energy_r16"):
        error = (fast[name] - reference[name]).abs()
        assert bool((error[clear] <= 1e3 * n * bound[clear] / trace[clear]).all()), name
        assert bool((fast[name][~clear] <= 1 + 1e-12).all())
    spectrum = fisher_eigenvalues(p, tau)
    if n >= 5:
        fifth = spectrum[..., 4]
        decided = (fifth > 1e3 * bound) | (fifth < -1e3 * bound) | ((fifth.abs() <= bound / 4) & (bound > 0))
        same = torch.isclose(fast["decay"], reference["decay"], rtol=1e-6) | (fast["decay"] == reference["decay"])
        assert bool(same[decided].all()), "decay"


def _exact_eigenvalues(p: list[float]) -> list[float]:
    """60-digit eigenvalues of diag(p) - p p^T for an exactly normalised float row."""
    with mpmath.workdps(60):
        q = [mpmath.mpf(x) for x in p]
        matrix = mpmath.matrix([[(x if i == j else 0) - x * y for j, y in enumerate(q)] for i, x in enumerate(q)])
        return sorted(float(v) for v in mpmath.eigsy(matrix, eigvals_only=True))


def _dyadic_row(rng: random.Random, n: int, sharpness: int) -> list[float]:
    """A row of dyadic rationals summing to exactly 1 (its largest entry absorbs the remainder), with
    entries spread over ``sharpness`` binades: near-one-hot for large sharpness."""
    ints = [rng.randint(1, 2**20) << rng.randint(0, sharpness) for _ in range(n)]
    scale = 2 ** (sum(ints).bit_length() + 1)
    row = [x / scale for x in ints]
    top = row.index(max(row))
    row[top] = float(1 - mpmath.fsum(x for i, x in enumerate(row) if i != top))
    assert mpmath.fsum(row) == 1
    return row


CASES = [
    [1 - 3 * 2**-40, 2**-40, 2**-39],  # near one-hot: dense loses ~5000 ulps of lambda_max here
    [1 - 15 * 2**-45] + [k * 2**-45 for k in (1, 2, 3, 4, 5)],
    [1 - 3 * 2**-53, 2**-53, 2**-52],  # below the deflation threshold
    [0.25, 0.25, 0.25, 0.25],
    [0.5, 0.0, 0.5, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [1.0],
    [0.5, 0.25 + 2**-52, 0.25 - 2**-52],  # two poles one ulp apart
]


@pytest.mark.parametrize("row", CASES + [_dyadic_row(random.Random(s), 3 + 5 * s, 4 * s) for s in range(8)])
def test_agrees_with_60_digit_eigenvalues(row):
    exact = _exact_eigenvalues(row)
    fast = softmax_fisher_eigvalsh(torch.tensor(row, dtype=F64)).tolist()
    scale = max(exact) if max(exact) > 0 else 1.0
    errors = [abs(a - b) / scale for a, b in zip(fast, exact, strict=True)]
    assert max(errors) <= ULPS * unit_roundoff(F64), f"{max(errors) / unit_roundoff(F64):.1f} ulps of lambda_max"


def test_exact_spectra_of_uniform_one_hot_and_masked_rows():
    uniform = softmax_fisher_eigvalsh(torch.full((7,), 1 / 7, dtype=F64))
    assert uniform[0] == 0 and bool((uniform[1:] == 1 / 7).all())
    assert bool((softmax_fisher_eigvalsh(torch.tensor([0.0, 1.0, 0.0], dtype=F64)) == 0).all())
    masked = torch.tensor([[0.5, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]], dtype=F64)
    assert softmax_fisher_eigvalsh(masked).tolist() == [[0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("n", [1024, 4096])
def test_large_uniform_and_two_level_rows(n):
    """Known spectra at the benchmark sizes: uniform (1/n, n - 1 times, and 0) and a two-level row (a
    deflated block at each level, one secular root in between)."""
    assert bool((softmax_fisher_eigvalsh(torch.full((n,), 1 / n, dtype=F64))[1:] == 1 / n).all())
    a, b = 3 / (2 * n), 1 / (2 * n)
    spectrum = softmax_fisher_eigvalsh(torch.tensor([a] * (n // 2) + [b] * (n // 2), dtype=F64))
    # The one secular root solves (n/2) a / (a - x) + (n/2) b / (b - x) = 0: x = 2ab / (a + b).
    assert spectrum[n // 2].item() == pytest.approx(2 * a * b / (a + b), rel=4 * unit_roundoff(F64))
    assert spectrum[0] == 0 and bool((spectrum[1 : n // 2] == b).all()) and bool((spectrum[n // 2 + 1 :] == a).all())


@given(adversarial_distributions(48, 3))
def test_float32_within_its_own_rounding(rows):
    p64 = torch.from_numpy(rows)
    p32 = p64.float()
    fast32 = softmax_fisher_eigvalsh(p32)
    assert fast32.dtype == torch.float32
    reference = softmax_fisher_eigvalsh(p64)  # rounding p to float32 moves each eigenvalue by <= 2 u32 max p
    bound = rounding_tolerance(p64.shape[-1] + 8, p64.amax(-1, keepdim=True), torch.float32)
    assert bool(((fast32.double() - reference).abs() <= bound).all())


def test_batches_keep_their_shape_and_rows_are_independent():
    torch.manual_seed(0)
    p = torch.softmax(torch.randn(2, 3, 9, dtype=F64) * 2, dim=-1)
    together = softmax_fisher_eigvalsh(p)
    assert together.shape == (2, 3, 9)
    assert torch.equal(together[1, 2], softmax_fisher_eigvalsh(p[1, 2]))
    assert softmax_fisher_topk(p, 4).shape == (2, 3, 4)
    assert all(value.shape == (2, 3) for value in fisher_metrics(p).values())


def test_temperature_scales_the_spectrum():
    p = torch.tensor([0.4, 0.3, 0.2, 0.1], dtype=F64)
    assert torch.allclose(softmax_fisher_eigvalsh(p, 0.5), 4 * softmax_fisher_eigvalsh(p), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("p", "message"),
    [
        (torch.tensor([0.5, math.nan], dtype=F64), "non-finite"),
        (torch.tensor([1.5, -0.5], dtype=F64), "negative"),
        (torch.tensor([0.5, 0.6], dtype=F64), "not normalised"),
        (torch.tensor([], dtype=F64), "empty"),
        (torch.tensor(1.0, dtype=F64), "dimension"),
        (torch.tensor([1, 0]), "dtype"),
        (torch.tensor([0.5, 0.5], dtype=torch.float16), "dtype"),
        (np.array([0.5, 0.5]), "torch.Tensor"),
    ],
)
def test_bad_input_is_rejected(p, message):
    for call in (softmax_fisher_eigvalsh, lambda q: softmax_fisher_topk(q, 1), fisher_metrics):
        with pytest.raises(InputError, match=message):
            call(p)


def test_bad_temperature_and_k_are_rejected():
    p = torch.tensor([0.5, 0.5], dtype=F64)
    for tau in (0.0, -1.0, math.inf, math.nan, 1e-200):
        with pytest.raises(InputError):
            softmax_fisher_eigvalsh(p, tau)
    for k in (0, 3, 1.5, True):
        with pytest.raises(InputError, match="k must be"):
            softmax_fisher_topk(p, k)
