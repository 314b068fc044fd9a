"""numeric/gradient_descent.py: gradient descent on the log-sum-exp potential, the compiled CPU kernel against
the torch loop other devices run (the same arithmetic, up to the order of two sums and exp's last bit), and its
behaviour on each side of the fixed point's threshold eta = 2 n tau^2, which fim-metrics.lr-bound decides."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fim_audit.numeric import gradient_descent
from fim_audit.numeric.gradient_descent import centred, descend_log_partition
from fim_audit.numeric.tolerance import gamma
from fim_audit.numeric.validate import InputError

STEPS = 300


@st.composite
def starts(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Rows of centred logits, a temperature, and a step size per row below the fixed point's threshold (the
    iteration contracts, so rounding differences do not grow)."""
    rows, n = draw(st.integers(1, 3)), draw(st.integers(2, 12))
    s = draw(arrays(np.float64, (rows, n), elements=st.floats(-3.0, 3.0)))
    tau = draw(st.sampled_from([0.5, 1.0, 2.0]))
    fraction = draw(arrays(np.float64, (rows,), elements=st.floats(0.05, 0.95)))
    return torch.from_numpy(s), torch.from_numpy(fraction) * 2 * n * tau**2, tau


@given(starts())
def test_the_compiled_kernel_steps_as_the_torch_loop(drawn):
    s, eta, tau = drawn
    compiled = descend_log_partition(s, eta, tau, STEPS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gradient_descent, "_compiled_serves", lambda s: False)
        looped = descend_log_partition(s, eta, tau, STEPS)
    n = s.shape[-1]
    scale = float(centred(s).abs().max()) + tau  # the iterate's scale, and the gradient's eta / tau per step
    bound = 2 * STEPS * float(gamma(n + 8, torch.float64)) * scale
    torch.testing.assert_close(compiled, looped, rtol=0, atol=bound)


def test_the_fixed_point_attracts_below_its_threshold_and_repels_above():
    """Near uniform p the iteration is s <- (I - eta F) s with eigmax(F) = 1 / (n tau^2): it contracts for eta
    below 2 n tau^2 and grows above, until the non-linearity bounds it."""
    n, tau = 5, 0.7
    s0 = 1e-4 * torch.tensor([[1.0, -2.0, 0.5, 0.25, 0.25]], dtype=torch.float64).expand(2, -1)
    eta = 2 * n * tau**2 * torch.tensor([0.9, 1.1], dtype=torch.float64)
    below, above = descend_log_partition(s0, eta, tau, 400).norm(dim=-1) / centred(s0[:1]).norm()
    assert below < 1e-12 < 1e-1 < above


def test_an_overflowing_start_is_refused():
    with pytest.raises(InputError):
        descend_log_partition(torch.tensor([[1e308, -1e308]]), torch.tensor([1.0]), 1e-3, 10)
