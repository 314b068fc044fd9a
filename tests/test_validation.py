"""Bad input to the numeric helpers raises InputError naming the problem; edge cases that are defined
(n = 1, logits of magnitude 1e4, exact zeros in a distribution) give the right number."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fim_audit.numeric.categorical import centered_second_moment, expectation
from fim_audit.numeric.fisher_definition import fisher_exact, fisher_monte_carlo
from fim_audit.numeric.logit_maps import LinearScorer
from fim_audit.numeric.softmax import log_softmax, softmax, softmax_jacobian
from fim_audit.numeric.tolerance import SAFETY, gamma
from fim_audit.numeric.validate import InputError

F64 = torch.float64


@pytest.mark.parametrize(
    "z, message",
    [
        (torch.tensor([0.0, float("nan")], dtype=F64), "non-finite"),
        (torch.tensor([float("inf"), 1.0], dtype=F64), "non-finite"),
        (torch.zeros(0, dtype=F64), "empty"),
        (torch.zeros(3, 0, dtype=F64), "empty"),
        (torch.tensor(1.0, dtype=F64), "at least 1 dimension"),
        (torch.tensor([1, 2]), "dtype torch.int64"),
        (torch.tensor([1.0, 2.0], dtype=torch.float16), "dtype torch.float16"),
        (torch.tensor([1.0, 2.0], dtype=torch.bfloat16), "dtype torch.bfloat16"),
        ([1.0, 2.0], "must be a torch.Tensor"),
    ],
)
def test_softmax_rejects_bad_logits(z, message):
    for fn in (softmax, log_softmax, softmax_jacobian):
        with pytest.raises(InputError, match=message):
            fn(z)


@pytest.mark.parametrize("tau", [0.0, -1.0, float("nan"), float("inf"), True, "1"])
def test_softmax_rejects_bad_temperature(tau):
    with pytest.raises(InputError, match="tau"):
        softmax(torch.zeros(2, dtype=F64), tau)


def test_length_one_is_defined():
    z = torch.tensor([[3.5]], dtype=F64)
    assert softmax(z).tolist() == [[1.0]]
    assert softmax_jacobian(z).tolist() == [[[0.0]]]


def test_extreme_logits_stay_finite_and_normalised():
    z = torch.tensor([[1e4, -1e4, 1e4 - 1e-9, 0.0]], dtype=F64)
    p = softmax(z)
    assert torch.isfinite(p).all() and abs(float(p.sum()) - 1) <= 1e-15
    assert torch.isfinite(log_softmax(z)).all()


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 16)),
        elements=st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )
)
def test_softmax_is_a_distribution_for_any_finite_logits(z):
    p = softmax(torch.from_numpy(z))
    n = z.shape[-1]
    assert torch.isfinite(p).all() and (p >= 0).all()
    assert (p.sum(-1) - 1).abs().max() <= SAFETY * float(gamma(n + 8, F64))


def test_expectation_rejects_non_distributions():
    values = torch.ones(3, 2, dtype=F64)
    with pytest.raises(InputError, match="negative"):
        expectation(torch.tensor([1.2, -0.2, 0.0], dtype=F64), values)
    with pytest.raises(InputError, match="not normalised"):
        expectation(torch.tensor([0.5, 0.4, 0.0], dtype=F64), values)
    with pytest.raises(InputError, match="dtype"):
        expectation(torch.tensor([0.5, 0.5, 0.0], dtype=F64), values.float())
    with pytest.raises(InputError, match="does not start with"):
        expectation(torch.tensor([0.5, 0.5], dtype=F64), values)


def test_expectation_allows_exact_zeros():
    p = torch.tensor([1.0, 0.0, 0.0], dtype=F64)
    assert expectation(p, torch.arange(3, dtype=F64)).item() == 0.0


def test_centered_second_moment_rejects_negative_weights():
    with pytest.raises(InputError, match="negative"):
        centered_second_moment(torch.tensor([0.5, -0.5], dtype=F64))


def test_fisher_rejects_wrong_shapes_and_mixed_dtypes():
    scorer = LinearScorer(n=3, d=2)
    theta = torch.zeros(scorer.num_parameters, dtype=F64)
    xs = torch.zeros(4, 2, dtype=F64)
    with pytest.raises(InputError, match="theta has shape"):
        fisher_exact(scorer, theta[:-1], xs)
    with pytest.raises(InputError, match="xs has shape"):
        fisher_exact(scorer, theta, torch.zeros(4, 3, dtype=F64))
    with pytest.raises(InputError, match="dtype"):
        fisher_exact(scorer, theta.float(), xs)
    generator = torch.Generator().manual_seed(0)
    with pytest.raises(InputError, match="non-finite"):
        fisher_monte_carlo(scorer, theta, xs.fill_(float("nan")), 16, generator, 1e-9)
