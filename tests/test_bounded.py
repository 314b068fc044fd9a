"""numeric/bounded.py: the rounding bound a formula carries must cover its actual rounding error.

For a catalogue of formulas (the operations of claims.builders.op, alone and composed), evaluated in float32 with
their float32 bound, the float64 value (whose own error is about 2^-29 of float32's) must lie within SAFETY times
that bound; and in float64 the value must lie within the float64 bound of a 50-digit mpmath evaluation.  A bound
that is too tight fails here; the mutation catalogue shows that one too loose (zero) turns true identities OPEN.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fim_audit.claims.builders import op
from fim_audit.claims.builders.formula import exact_values, numeric_values
from fim_audit.numeric.search.strategies import distribution_rows, logit_rows
from fim_audit.numeric.tolerance import SAFETY

FORMULAS = {
    "softmax": lambda z: op.softmax(z),
    "softmax at tau": lambda z: op.softmax(z, 0.3),
    "log_softmax": lambda z: op.log_softmax(z),
    "logsumexp": lambda z: op.logsumexp(z),
    "entropy of softmax": lambda z: op.entropy(op.softmax(z)),
    "Fisher quadratic form": lambda z: op.dot(z, (op.diag(op.softmax(z)) - op.outer(op.softmax(z), op.softmax(z))) @ z),
    "eigenvalues of the Fisher": lambda z: op.eigvalsh(op.diag(op.softmax(z)) - op.outer(op.softmax(z), op.softmax(z))),
    "exp, log, sqrt and division": lambda z: op.sqrt(op.exp(z / 8) + 1) / (op.log(op.exp(z / 8) + 2) + z * z),
}


@st.composite
def logit_batches(draw):
    n = draw(st.integers(1, 8))
    return logit_rows(draw, n, draw(st.integers(1, 8))) / 8  # |z| <= 1250: float32 exp of z / 0.3 stays finite


@pytest.mark.parametrize("name", FORMULAS)
@settings(max_examples=40, deadline=None)
@given(rows=logit_batches())
# LAPACK's float32 eigensolver failed to converge on this Fisher (CI, 2026-12-02); eigvalsh now solves in float64
@example(rows=np.array([[0.0, 0.0, 101.5625, 101.5625]]))
def test_the_float32_bound_covers_the_float32_error(name, rows):
    formula = FORMULAS[name]
    low = numeric_values(formula, {"z": torch.tensor(rows, dtype=torch.float32)})
    high = numeric_values(formula, {"z": torch.tensor(rows, dtype=torch.float64)})
    finite = torch.isfinite(low.value) & torch.isfinite(high.value)
    gap = (low.value.double() - high.value)[finite].abs()
    bound = SAFETY * low.error.double()[finite] + SAFETY * high.error[finite] + torch.finfo(torch.float32).tiny
    assert bool((gap <= bound).all()), f"{name}: error {float(gap.max()):.3g} beyond the bound"


def _exact(formula, row: np.ndarray):
    point = {"z": np.array([sp.Rational(float(v)) for v in row], dtype=object)}
    values = np.atleast_1d(exact_values(formula, point))
    return np.array([float(mpmath.mpf(str(sp.N(v, 50)))) for v in values.ravel()])


@pytest.mark.parametrize("name", [k for k in FORMULAS if k != "eigenvalues of the Fisher"])
@settings(max_examples=15, deadline=None)
@given(rows=logit_batches())
def test_the_float64_bound_covers_the_error_against_50_digits(name, rows):
    formula = FORMULAS[name]
    computed = numeric_values(formula, {"z": torch.tensor(rows[:1], dtype=torch.float64)})
    reference = _exact(formula, rows[0])
    gap = np.abs(computed.value.numpy().ravel() - reference)
    assert (gap <= SAFETY * computed.error.numpy().ravel() + 1e-300).all(), f"{name}: {gap.max():.3g}"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_derivatives_carry_a_bound_too(data):
    """Forward-mode tangents: d softmax / dz by the Bounded tangent against the closed form in float64."""
    from fim_audit.claims.builders.formula import numeric_derivative

    rows = data.draw(logit_batches())
    z = torch.tensor(rows, dtype=torch.float32)
    jacobian = numeric_derivative(lambda z: op.softmax(z), "z", {"z": z})
    s = torch.softmax(torch.tensor(rows, dtype=torch.float64), -1)
    closed = torch.diag_embed(s) - s[..., :, None] * s[..., None, :]
    assert bool(((jacobian.value.double() - closed).abs() <= SAFETY * jacobian.error.double() + 1e-30).all())


def test_a_distribution_with_exact_zeros_has_a_finite_entropy_bound():
    @settings(max_examples=20, deadline=None)
    @given(st.data())
    def run(data):
        p = torch.tensor(distribution_rows(data.draw, data.draw(st.integers(1, 6)), 4), dtype=torch.float64)
        entropy = numeric_values(lambda p: op.entropy(p), {"p": p})
        assert bool(torch.isfinite(entropy.value).all() and torch.isfinite(entropy.error).all())

    run()


def test_an_entry_at_a_label_is_exact_and_a_bad_label_is_nan():
    """op.pick is a gather: the entry at y and its bound, bit for bit, its derivative too; the exact path takes the
    same entry; a label outside 0..n-1 or not an integer gives NaN (a silent 0, or another entry, would pass as a
    value)."""
    from fim_audit.claims.builders.formula import numeric_derivative

    z = torch.tensor([[0.5, -1.0, 2.0]] * 4, dtype=torch.float64)
    y = torch.tensor([0.0, 2.0, 3.0, 1.5], dtype=torch.float64)
    inputs = {"z": z, "y": y}
    whole = numeric_values(lambda z: op.log_softmax(z), {"z": z})
    picked = numeric_values(lambda z, y: op.pick(op.log_softmax(z), y), inputs)
    assert picked.value[:2].tolist() == [whole.value[0, 0].item(), whole.value[1, 2].item()]
    assert picked.error[:2].tolist() == [whole.error[0, 0].item(), whole.error[1, 2].item()]
    assert bool(torch.isnan(picked.value[2:]).all())
    gradient = numeric_derivative(lambda z, y: op.pick(op.log_softmax(z), y), "z", inputs)
    expected = torch.eye(3, dtype=torch.float64)[[0, 2]] - torch.softmax(z[:2], -1)
    assert bool(((gradient.value[:2] - expected).abs() <= SAFETY * gradient.error[:2] + 1e-300).all())
    row = np.array([sp.Rational(1, 2), sp.Integer(-1), sp.Integer(2)], dtype=object)
    assert exact_values(lambda z, y: op.pick(z, y), {"z": row, "y": sp.Integer(2)}).item() == 2
    with pytest.raises(ValueError, match="outside 0..2"):
        exact_values(lambda z, y: op.pick(z, y), {"z": row, "y": sp.Integer(3)})
