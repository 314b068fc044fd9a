"""numeric/temperature.py: entropy, the zero-temperature limit (ties explicit), the logit gap and the one-hot
second moment, on edge cases and bad input."""

from __future__ import annotations

import math

import pytest
import torch

from fim_audit.numeric.softmax import log_softmax, softmax
from fim_audit.numeric.temperature import entropy, logit_gap, one_hot_second_moment, zero_temperature_limit
from fim_audit.numeric.validate import InputError

F64 = torch.float64


def test_entropy_edge_cases():
    assert entropy(torch.tensor([1.0, 0.0, 0.0], dtype=F64)).item() == 0.0  # 0 log 0 = 0
    assert entropy(torch.full((4,), 0.25, dtype=F64)).item() == pytest.approx(math.log(4), rel=1e-15)


@pytest.mark.parametrize(
    "p, message",
    [
        (torch.tensor([0.5, -0.5, 1.0], dtype=F64), "negative"),
        (torch.tensor([0.5, 0.4], dtype=F64), "not normalised"),
        (torch.tensor([0.5, float("nan")], dtype=F64), "non-finite"),
    ],
)
def test_entropy_rejects_bad_distributions(p, message):
    with pytest.raises(InputError, match=message):
        entropy(p)


def test_ties_in_the_zero_temperature_limit_are_explicit():
    z = torch.tensor([[1.0, 1.0, 0.0], [3.0, -1.0, 2.0], [2.0, 2.0, 2.0]], dtype=F64)
    assert zero_temperature_limit(z).tolist() == [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]
    assert logit_gap(z).tolist() == [1.0, 1.0, math.inf]


def test_zero_temperature_limit_rejects_non_finite_logits():
    with pytest.raises(InputError, match="non-finite"):
        zero_temperature_limit(torch.tensor([0.0, math.inf], dtype=F64))


@pytest.mark.parametrize("tau", [0.0, -1e-3, math.nan, math.inf])
def test_temperatures_must_be_positive_and_finite(tau):
    with pytest.raises(InputError, match="tau"):
        softmax(torch.zeros(3, dtype=F64), tau)


def test_extreme_logits_at_small_temperature_stay_finite():
    z = torch.tensor([[1e4, -1e4, 1e4 - 1.0, 0.0]], dtype=F64)
    p, logp = softmax(z, 1e-3), log_softmax(z, 1e-3)
    assert torch.isfinite(p).all() and torch.isfinite(logp).all()
    assert p[0, 0].item() == 1.0 and logp[0, 2].item() == pytest.approx(-1000.0, rel=1e-12)


def test_one_hot_second_moment_is_diag():
    q = torch.tensor([0.2, 0.3, 0.5], dtype=F64)
    assert torch.equal(one_hot_second_moment(q), torch.diag(q))
