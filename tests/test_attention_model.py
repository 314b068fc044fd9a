"""numeric/attention_model.py against a float64 numpy reference: scores, masked attention, the log P(i -> j)
gradient by autograd against central differences, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fim_audit.numeric.attention_model import attention, attention_scores, causal_mask, log_attention
from fim_audit.numeric.search.strategies import FINITE
from fim_audit.numeric.tolerance import rounding_tolerance
from fim_audit.numeric.validate import InputError

F64 = torch.float64


@st.composite
def layers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    tokens, width, key = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    scale = draw(st.sampled_from([0.5, 1.0, 3.0]))
    entries = st.floats(-1.0, 1.0, **FINITE)
    x = draw(arrays(np.float64, (tokens, width), elements=entries)) * scale
    w_q = draw(arrays(np.float64, (width, key), elements=entries)) * scale
    w_k = draw(arrays(np.float64, (width, key), elements=entries)) * scale
    return x, w_q, w_k, draw(st.booleans())


def _reference(x, w_q, w_k, causal):
    scores = (x @ w_q) @ (x @ w_k).T / math.sqrt(w_q.shape[1])
    if causal:
        scores = np.where(np.tril(np.ones_like(scores)) > 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return scores, e / e.sum(axis=-1, keepdims=True)


@given(layers())
def test_matches_the_numpy_reference(layer):
    x, w_q, w_k, causal = layer
    tensors = [torch.from_numpy(a) for a in (x, w_q, w_k)]
    mask = causal_mask(x.shape[0]) if causal else None
    scores, expected = _reference(x, w_q, w_k, causal)
    a = attention(*tensors, mask)
    magnitude = (np.abs(x) @ np.abs(w_q)) @ (np.abs(x) @ np.abs(w_k)).T / math.sqrt(w_q.shape[1])
    tolerance = rounding_tolerance(2 * x.shape[1] + w_q.shape[1] + x.shape[0] + 8, torch.from_numpy(1 + magnitude), F64)
    assert bool(((a - torch.from_numpy(expected)).abs() <= tolerance).all())
    assert bool(((a.sum(-1) - 1).abs() <= 1e-14).all())
    if causal:
        assert bool((a[~mask] == 0).all()) and bool(torch.isneginf(log_attention(*tensors, mask)[~mask]).all())
    else:
        finite = torch.from_numpy(scores)
        assert torch.allclose(attention_scores(*tensors), finite, rtol=0, atol=float(tolerance.max()))


def test_log_probability_gradient_matches_central_differences():
    """d log A_ij / d W_Q by autograd against central differences (step 1e-6, error O(h^2) ~ 1e-12)."""
    generator = torch.Generator().manual_seed(0)
    x, w_q, w_k = (torch.randn(shape, generator=generator, dtype=F64) for shape in ((5, 3), (3, 2), (3, 2)))
    i, j = 3, 1

    def log_p(w: torch.Tensor) -> torch.Tensor:
        return log_attention(x, w, w_k, causal_mask(5))[i, j]

    gradient = torch.func.grad(log_p)(w_q)
    step = 1e-6
    numeric = torch.zeros_like(w_q)
    for index in np.ndindex(*w_q.shape):
        e = torch.zeros_like(w_q)
        e[index] = step
        numeric[index] = (log_p(w_q + e) - log_p(w_q - e)) / (2 * step)
    assert torch.allclose(gradient, numeric, rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((torch.ones(3, dtype=F64), torch.ones(1, 2, dtype=F64), torch.ones(1, 2, dtype=F64)), "dimension"),
        ((torch.ones(3, 2, dtype=F64), torch.ones(3, 2, dtype=F64), torch.ones(3, 2, dtype=F64)), "width 2"),
        ((torch.ones(3, 2, dtype=F64), torch.ones(2, 2, dtype=F64), torch.ones(2, 3, dtype=F64)), "same shape"),
        ((torch.ones(3, 2, dtype=F64), torch.ones(2, 2, dtype=torch.float32), torch.ones(2, 2, dtype=F64)), "dtype"),
        ((torch.full((3, 2), math.nan, dtype=F64), torch.ones(2, 2, dtype=F64), torch.ones(2, 2, dtype=F64)), "finite"),
        ((torch.full((3, 2), 1e200, dtype=F64), torch.ones(2, 2, dtype=F64), torch.ones(2, 2, dtype=F64)), "overflow"),
    ],
)
def test_bad_input_is_rejected(arguments, message):
    with pytest.raises(InputError, match=message):
        attention(*arguments)


def test_fully_masked_rows_and_bad_masks_are_rejected():
    x, w = torch.ones(3, 2, dtype=F64), torch.ones(2, 2, dtype=F64)
    mask = causal_mask(3)
    mask[1] = False
    with pytest.raises(InputError, match="query 1 attends to no key"):
        attention(x, w, w, mask)
    with pytest.raises(InputError, match="bool tensor of shape"):
        attention(x, w, w, torch.ones(2, 2, dtype=torch.bool))
    with pytest.raises(InputError, match="integer >= 1"):
        causal_mask(0)
