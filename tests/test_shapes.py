"""The statement shapes real papers use beyond identities and bounds (issue 26, item 8), each decided through the
public builders, with a true statement beside a false variant of the same shape:

* ``hessian``: d^2 f / dx^2 = claimed, exact (sympy differentiates twice) and with second-order forward-mode tangents
  whose rounding bound covers the polarisation;
* integer and label variables (``labels()``: y in 0..n-1, used through ``op.onehot`` and ``op.pick``;
  ``integers(low, high)``): drawn as integers, kept fixed by the local search, enumerated by the exact sweep;
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import fim_audit.claims.builders as fa
from fim_audit.claims.builders import op
from fim_audit.claims.engine import run_claim
from fim_audit.claims.model import Verdict
from fim_audit.numeric import bounded
from fim_audit.numeric.bounded import Bounded
from fim_audit.numeric.context import RunContext


def decide(checks, ctx):
    claim = fa.claim("outside.s", fa.Source("outside", "-", "-", "s"), fa.reading("r", "s", checks))
    return run_claim(claim, ctx)


@pytest.fixture(params=["float64", "float32"])
def any_dtype(request, audit_context):
    return replace(audit_context, dtype=RunContext.create(dtype=request.param).dtype)


def sigma(z):
    return op.softmax(z)


def fisher(p):
    return op.diag(p) - op.outer(p, p)


@pytest.mark.parametrize(
    "claimed, verdict",
    [
        (lambda z: fisher(sigma(z)), Verdict.PROVED),  # Boyd & Vandenberghe §3.1.5
        (lambda z: op.diag(sigma(z)), Verdict.REFUTED),  # the outer product dropped
        (lambda z: fisher(sigma(z)) / 2, Verdict.REFUTED),  # a factor
    ],
    ids=["diag - outer", "diag", "half"],
)
def test_the_hessian_of_log_sum_exp(claimed, verdict, any_dtype):
    checks = fa.hessian(op.logsumexp, claimed, wrt="z", over=fa.space(z=fa.logits()), what="Hessian of lse")
    assert decide(checks, any_dtype).verdict is verdict


def test_a_scalar_hessian(audit_context):
    entropy_term = lambda t: t * op.log(t)  # noqa: E731
    over = fa.space(t=fa.positive())
    for claimed, verdict in ((lambda t: 1 / t, Verdict.PROVED), (lambda t: -1 / t, Verdict.REFUTED)):
        checks = fa.hessian(entropy_term, claimed, wrt="t", over=over, what="f''")
        assert decide(checks, audit_context).verdict is verdict


def test_a_hessian_is_of_a_scalar_formula():
    with pytest.raises(ValueError, match="scalar formula"):
        fa.hessian(sigma, lambda z: op.diag(z), wrt="z", over=fa.space(z=fa.logits()), what="H")[0].validate()


@given(st.lists(st.floats(-30, 30), min_size=1, max_size=6))
def test_second_order_tangents_agree_with_autograd_within_their_bound(entries):
    """The bound is a bound: |H - H_autograd| <= SAFETY x (bound + autograd's own rounding, of the same order)."""
    from fim_audit.numeric.tolerance import SAFETY

    x = torch.tensor(entries, dtype=torch.float64)

    def f(z):
        return bounded.total(bounded.sqrt(z * z + 1.0) * bounded.exp(bounded.softmax(z)))

    def reference(z):
        return (torch.sqrt(z * z + 1) * torch.exp(torch.softmax(z, -1))).sum()

    computed = bounded.hessian(f, Bounded(x))
    expected = torch.autograd.functional.hessian(reference, x)
    assert bool(((computed.value - expected).abs() <= SAFETY * 2 * computed.error + 1e-300).all())


LABELLED = fa.space(z=fa.logits(), y=fa.labels())


def cross_entropy(z, y):
    return -op.pick(op.log_softmax(z), y)


@pytest.mark.parametrize(
    "claimed, verdict",
    [
        (lambda z, y: op.softmax(z) - op.onehot(y, z), Verdict.PROVED),  # the gradient of softmax cross-entropy
        (lambda z, y: op.onehot(y, z) - op.softmax(z), Verdict.REFUTED),  # its sign
        (lambda z, y: op.softmax(z), Verdict.REFUTED),  # the label dropped
    ],
    ids=["sigma - e_y", "e_y - sigma", "sigma"],
)
def test_the_gradient_of_cross_entropy_at_a_label(claimed, verdict, any_dtype):
    record = decide(fa.derivative(cross_entropy, claimed, wrt="z", over=LABELLED, what="CE gradient"), any_dtype)
    assert record.verdict is verdict
    if verdict is Verdict.REFUTED:
        assert "y" in record.counterexample.inputs  # the certified point names its label


def test_the_hessian_of_cross_entropy_does_not_depend_on_the_label(audit_context):
    checks = fa.hessian(cross_entropy, lambda z, y: fisher(sigma(z)), wrt="z", over=LABELLED, what="CE Hessian")
    record = decide(checks, audit_context)
    assert record.verdict is Verdict.PROVED
    (sweep,) = [c for c in record.readings[0].all_checks if "exact for each n" in c.check.name]
    assert sweep.result.cases == audit_context.profile.symbolic_max_n  # every label at every n <= 6, one row each


def test_an_integer_variable_is_drawn_enumerated_and_refuted_at_an_integer(audit_context):
    over = fa.space(t=fa.positive(), k=fa.integers(1, 4))
    true = fa.at_most(lambda t, k: t, lambda t, k: k * t, over=over, what="t <= k t")
    false = fa.at_most(lambda t, k: 2 * t, lambda t, k: k * t, over=over, what="2 t <= k t")
    assert decide(true, audit_context).verdict is Verdict.SUPPORTED
    record = decide(false, audit_context)
    assert record.verdict is Verdict.REFUTED and record.counterexample.inputs["k"] in ("1", 1.0)
    scaled = fa.identity(lambda t, k: k * (t + 1), lambda t, k: k * t + k, over=over, what="k (t + 1) = k t + k")
    assert decide(scaled, audit_context).verdict is Verdict.PROVED


def test_a_label_is_never_moved_off_the_integers():
    with pytest.raises(ValueError, match="not an integer"):
        fa.labels().exact(0.5)
    assert fa.space(y=fa.labels(), x=fa.logits(), w=fa.labels()).pairs == []
