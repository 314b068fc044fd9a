"""numeric/fisher_metrics.py, the dense float64 reference of the fim-metrics doc: every documented edge
case, known exact spectra up to n = 1024, agreement with exact sympy eigenvalues, batching and bad input."""

from __future__ import annotations

import math
import random

import pytest
import sympy as sp
import torch

from fim_audit.numeric.fisher_metrics import METRICS, fisher_metrics_reference, softmax_fisher, softmax_fisher_spectrum
from fim_audit.numeric.validate import InputError

F64 = torch.float64


def _metrics(p: list[float], tau: float = 1.0) -> dict[str, float]:
    return {k: float(v) for k, v in fisher_metrics_reference(torch.tensor(p, dtype=F64), tau).items()}


def test_single_outcome_is_defined_not_nan():
    assert _metrics([1.0]) == {"eigmax": 0.0, "trace": 0.0, "energy_r8": 1.0, "energy_r16": 1.0, "decay": 1.0}


def test_one_hot_has_zero_fisher():
    assert _metrics([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]) == _metrics([1.0])


@pytest.mark.parametrize("n", [2, 5, 6, 9, 17, 1024])
def test_uniform_spectrum_is_known_exactly(n):
    """Uniform p: eigenvalue 1/n with multiplicity n - 1, and 0 once."""
    m = _metrics([1.0 / n] * n)
    assert m["eigmax"] == pytest.approx(1 / n, rel=1e-12)
    assert m["trace"] == pytest.approx((n - 1) / n, rel=1e-12)
    assert m["energy_r8"] == pytest.approx(min(8, n - 1) / (n - 1), rel=1e-12)
    assert m["energy_r16"] == pytest.approx(min(16, n - 1) / (n - 1), rel=1e-12)
    assert m["decay"] == (math.inf if n <= 5 else pytest.approx(1.0, rel=1e-12))


def test_rows_shorter_than_the_rank_cut():
    m = _metrics([0.5, 0.3, 0.2])
    assert m["energy_r8"] == m["energy_r16"] == 1.0  # all modes are in the top 8
    assert m["decay"] == math.inf  # lambda_5 does not exist: taken as 0


def test_two_equal_masses_attain_the_eigmax_bound():
    m = _metrics([0.5, 0.0, 0.0, 0.5])
    assert m["eigmax"] == pytest.approx(0.5, rel=1e-15) and m["trace"] == pytest.approx(0.5, rel=1e-15)


def test_temperature_scales_eigmax_and_trace_only():
    p = [0.4, 0.3, 0.1, 0.1, 0.05, 0.03, 0.02]
    base, hot = _metrics(p), _metrics(p, tau=3.0)
    assert hot["eigmax"] == pytest.approx(base["eigmax"] / 9, rel=1e-12)
    assert hot["trace"] == pytest.approx(base["trace"] / 9, rel=1e-12)
    for name in ("energy_r8", "energy_r16", "decay"):
        assert hot[name] == pytest.approx(base[name], rel=1e-10)


def test_ties_and_zero_eigenvalues_are_exact_zeros():
    spectrum = softmax_fisher_spectrum(torch.tensor([0.25, 0.25, 0.25, 0.25, 0.0, 0.0], dtype=F64))
    assert spectrum[3:].tolist() == [0.0, 0.0, 0.0] and (spectrum[:3] > 0).all()


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_exact_eigenvalues(seed):
    """Against the exact eigenvalues of the rational F at a random rational p (n <= 6)."""
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    weights = [sp.Rational(rng.randint(0, 9), 1) for _ in range(n)]
    weights[0] += 1
    p = [w / sum(weights) for w in weights]
    exact = sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T
    eigenvalues = sorted((float(sp.re(v.evalf(30))) for v in exact.eigenvals(multiple=True)), reverse=True)
    computed = softmax_fisher_spectrum(torch.tensor([float(x) for x in p], dtype=F64)).tolist()
    assert computed == pytest.approx(eigenvalues, abs=1e-15)


def test_batched_shapes():
    p = torch.full((2, 3, 7), 1 / 7, dtype=F64)
    metrics = fisher_metrics_reference(p, 0.5)
    assert set(metrics) == set(METRICS) and all(v.shape == (2, 3) for v in metrics.values())


@pytest.mark.parametrize(
    "p, message",
    [
        (torch.tensor([0.5, float("nan")], dtype=F64), "non-finite"),
        (torch.tensor([1.5, -0.5], dtype=F64), "negative"),
        (torch.tensor([0.5, 0.4], dtype=F64), "not normalised"),
        (torch.zeros(0, dtype=F64), "empty"),
        (torch.tensor(1.0, dtype=F64), "at least 1 dimension"),
        (torch.tensor([1, 0]), "dtype torch.int64"),
        ([0.5, 0.5], "must be a torch.Tensor"),
    ],
)
def test_bad_input_is_rejected(p, message):
    with pytest.raises(InputError, match=message):
        fisher_metrics_reference(p)


def test_bad_temperature_is_rejected():
    with pytest.raises(InputError, match="tau"):
        softmax_fisher(torch.tensor([1.0], dtype=F64), tau=0.0)
