"""numeric/attention_fisher.py and the attn-natgrad helpers against dense float64 references: the closed-form
gradients and Fishers against autograd and the definition, the cancellation-free forms against exact rationals,
and fim-attn Thm 1's decomposition against an independent implementation, curvlinops' exact GGN (for the
cross-entropy loss the GGN is the Fisher of the categorical model)."""

from __future__ import annotations

import importlib.util
import math
import os
from fractions import Fraction

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.func import jacrev

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.attention_fisher import (
    pair_gradients,
    parameter_fisher,
    score_fisher_product,
    score_natural_gradient,
    self_attention_gradient,
)
from fim_audit.numeric.attention_model import attention, attention_scores, log_attention
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.numeric.natural_gradient_rate import run, slope_interval
from fim_audit.numeric.search.strategies import AttentionProblem, attention_problems
from fim_audit.numeric.tolerance import rounding_tolerance, softmax_depth

F64 = torch.float64
CTX = RunContext.create()


def _layer(problem: AttentionProblem):
    x, w_q, w_k = (CTX.tensor(v) for v in (problem.x, problem.w_q, problem.w_k))
    a = attention(x, w_q, w_k)
    tokens, d = x.shape
    depth = float(softmax_depth(attention_scores(x, w_q, w_k)).max()) + 2 * tokens + 3 * d + 8
    return x, w_q, w_k, a, depth


def _definition_fisher(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """sum_i sum_j A_ij vec(g_ij) vec(g_ij)^T with g_ij = grad_W log P(i -> j) by autograd (the FIM's definition)."""
    eye = torch.eye(x.shape[-1], dtype=x.dtype)
    scores = jacrev(lambda v: log_attention(x, v, eye))(w).flatten(start_dim=-2)
    a = attention(x, w, eye)
    return torch.einsum("ij,ijp,ijq->pq", a, scores, scores)


@given(attention_problems(6))
def test_pair_gradients_and_fisher_match_autograd_and_definition(problem: AttentionProblem) -> None:
    x, w_q, w_k, a, depth = _layer(problem)
    w = w_q @ w_k.T
    eye = torch.eye(x.shape[-1], dtype=F64)
    scale = 1 / math.sqrt(x.shape[-1])
    autograd = jacrev(lambda v: log_attention(x, v, eye))(w)
    ax = x.abs()
    magnitude = scale * ax[:, None, :, None] * (ax[None, :, :] + (a @ ax)[:, None, :])[..., None, :]
    assert ((autograd - pair_gradients(x, a, scale)).abs() <= rounding_tolerance(depth, magnitude, F64)).all()
    diagonal = autograd.diagonal(dim1=0, dim2=1).sum(dim=-1)
    assert torch.allclose(
        self_attention_gradient(x, a, scale),
        diagonal,
        rtol=0,
        atol=float(rounding_tolerance(depth, magnitude.diagonal(dim1=0, dim2=1).sum(dim=-1), F64).max()),
    )
    fisher = parameter_fisher(x, a, scale)
    reference = _definition_fisher(x, w)
    bound = rounding_tolerance(2 * depth, parameter_fisher(ax, a, scale).abs() + 4 * magnitude.abs().max() ** 2, F64)
    assert ((fisher - reference).abs() <= bound).all()


@given(st.integers(2, 6), st.floats(20.0, 60.0), st.integers(0, 2**31 - 1))
def test_score_forms_are_accurate_on_sharp_rows(n: int, sharpness: float, seed: int) -> None:
    """M h on rows with entries down to e^-60, against exact rational arithmetic: the direct diag(a) h - a (a.h)
    loses every digit of the small entries, the summed form keeps them."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.softmax(torch.randn(n, generator=generator, dtype=F64) * sharpness, dim=-1)
    h = torch.randn(n, generator=generator, dtype=F64)
    exact_a = [Fraction(v) for v in a.tolist()]
    exact_a = [v / sum(exact_a) for v in exact_a]
    exact_h = [Fraction(v) for v in h.tolist()]
    dot = sum(p * q for p, q in zip(exact_a, exact_h, strict=True))
    exact = [p * (q - dot) for p, q in zip(exact_a, exact_h, strict=True)]
    computed = score_fisher_product(a, h)
    for value, reference in zip(computed.tolist(), exact, strict=True):
        assert abs(Fraction(value) - reference) <= abs(reference) * 64 * n * 2**-53 + Fraction(n) * 2**-1022


def test_score_natural_gradient_is_the_pseudo_inverse_on_flat_rows() -> None:
    a = torch.tensor([0.2, 0.3, 0.5], dtype=F64)
    h = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    m = softmax_fisher(a)
    assert torch.allclose(torch.linalg.pinv(m, hermitian=True) @ (m @ h), score_natural_gradient(h), atol=1e-12)


def test_rate_experiment_is_deterministic_and_decays() -> None:
    first, second = run(11, problems=8, iterations=64), run(11, problems=8, iterations=64)
    assert torch.equal(first.best, second.best)
    assert (first.best[:, -1] < first.best[:, 0]).all()
    mean, low, high = slope_interval(torch.tensor([-1.0, -1.2, -0.8, -1.1, -0.9, -1.0, -1.05, -0.95], dtype=F64))
    assert low < mean < high and math.isclose(mean, -1.0)


# --- independent reference: curvlinops ------------------------------------------------------------------------

CURVLINOPS = importlib.util.find_spec("curvlinops") is not None


@pytest.mark.skipif(not CURVLINOPS and os.environ.get("CI") != "true", reason="curvlinops is not installed")
@pytest.mark.parametrize("sharpness", [0.0, 1.0, 4.0])
def test_fim_attn_thm1_decomposition_matches_curvlinops_ggn(sharpness: float) -> None:
    """fim-attn Thm 1 on an attention classifier (every query row a categorical over the keys, theta = W): the
    decomposition sum_x J^T (diag a - aa^T) J with J from autograd, and our closed form, against curvlinops' exact
    GGN of the cross-entropy loss.  Tolerance: the Fisher's rounding bound at its magnitude."""
    from curvlinops import GGNLinearOperator

    batch, tokens, d = 6, 5, 3
    generator = torch.Generator().manual_seed(int(sharpness * 10) + 1)
    x = torch.randn(batch, tokens, d, generator=generator, dtype=F64)
    w = torch.nn.Parameter(sharpness * torch.randn(d, d, generator=generator, dtype=F64))
    eye = torch.eye(d, dtype=F64)

    class Scorer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = w

        def forward(self, tokens_batch: torch.Tensor) -> torch.Tensor:
            return attention_scores(tokens_batch, self.w, eye).reshape(-1, tokens_batch.shape[-2])

    model = Scorer()
    labels = torch.zeros(batch * tokens, dtype=torch.long)
    ggn = GGNLinearOperator(
        model,
        torch.nn.CrossEntropyLoss(reduction="sum"),
        [model.w],
        [(x, labels)],
        batch_size_fn=lambda inputs: inputs.shape[0] * inputs.shape[1],
    ) @ torch.eye(d * d, dtype=F64)

    detached = w.detach()
    a = attention(x, detached, eye)
    jacobian = jacrev(lambda v: attention_scores(x, v, eye))(detached).flatten(start_dim=-2)  # (B, T, T, d^2)
    decomposition = torch.einsum("bitp,bits,bisq->pq", jacobian, softmax_fisher(a), jacobian)
    closed = parameter_fisher(x, a, 1 / math.sqrt(d)).sum(dim=0)
    magnitude = torch.einsum(
        "bitp,bits,bisq->pq",
        jacobian.abs(),
        softmax_fisher(a).abs() + 2 * a[..., None] * a[..., None, :],
        jacobian.abs(),
    )
    depth = float(softmax_depth(attention_scores(x, detached, eye)).max()) + batch * tokens * tokens + 16
    tolerance = rounding_tolerance(depth, magnitude, F64)
    assert ((ggn - decomposition).abs() <= tolerance).all()
    assert ((ggn - closed).abs() <= tolerance).all()
    assert float(torch.linalg.matrix_norm(ggn)) > 0


def test_a_rate_run_read_from_the_cache_is_the_run_bit_for_bit(tmp_path, monkeypatch):
    """The NGD rate runs (Thm 2, the adversarial family, Thm 3's schedule) are kept in the experiment cache: a run
    read back has every tensor's dtype, shape and bits (NaN slopes included) of the run computed fresh."""
    import dataclasses

    from fim_audit.numeric import natural_gradient_rate as rate

    monkeypatch.setenv("FIM_AUDIT_CACHE", str(tmp_path))
    arguments = (7, 2, 64, rate.TAU0, rate.ADVERSARIAL_KEY_SPREAD)
    fresh = rate.run.__wrapped__(*arguments)
    monkeypatch.setattr(rate, "_run", lambda *a: pytest.fail("the cached run was computed again"))
    cached = rate.run.__wrapped__(*arguments)
    for field in dataclasses.fields(rate.RateRun):
        one, two = getattr(fresh, field.name), getattr(cached, field.name)
        if isinstance(one, torch.Tensor):
            assert one.dtype == two.dtype and one.shape == two.shape and one.isnan().equal(two.isnan())
            assert torch.equal(one.nan_to_num(), two.nan_to_num()), field.name
        else:
            assert one == two, field.name
