"""numeric/softmax.py: the one softmax, its log and their autograd Jacobians, checked against torch's own
softmax at the default temperature and against the closed forms; every error names what was wrong.  Written
for the mutation run of issue 20 (a planted bug in a default, a name or a mode must fail here)."""

from __future__ import annotations

import pytest
import torch

from fim_audit.numeric.softmax import (
    log_softmax,
    log_softmax_jacobian,
    pure_log_partition,
    pure_log_softmax,
    pure_softmax,
    softmax,
    softmax_jacobian,
)
from fim_audit.numeric.validate import InputError

Z = torch.tensor([[0.5, -1.0, 2.0], [3.0, 3.0, -7.0]], dtype=torch.float64)
REFERENCE = torch.softmax(Z, dim=-1)


def _closed_form_jacobian(p: torch.Tensor) -> torch.Tensor:
    return torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)


@pytest.mark.parametrize("function", [softmax, pure_softmax])
def test_the_default_temperature_is_one(function):
    torch.testing.assert_close(function(Z), REFERENCE, rtol=1e-15, atol=0)
    torch.testing.assert_close(function(Z, 2.0), torch.softmax(Z / 2, dim=-1), rtol=1e-15, atol=0)


@pytest.mark.parametrize("function", [log_softmax, pure_log_softmax])
def test_the_log_default_temperature_is_one(function):
    torch.testing.assert_close(function(Z), torch.log_softmax(Z, dim=-1), rtol=1e-15, atol=1e-15)
    torch.testing.assert_close(function(Z, 0.5), torch.log_softmax(Z / 0.5, dim=-1), rtol=1e-15, atol=1e-15)


def test_log_partition_is_log_sum_exp():
    torch.testing.assert_close(pure_log_partition(Z), torch.logsumexp(Z, dim=-1), rtol=1e-15, atol=0)
    torch.testing.assert_close(pure_log_partition(Z, 4.0), torch.logsumexp(Z / 4, dim=-1), rtol=1e-15, atol=0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobians_at_the_default_temperature_and_in_both_modes(mode):
    expected = _closed_form_jacobian(REFERENCE)
    torch.testing.assert_close(softmax_jacobian(Z, mode=mode), expected, rtol=0, atol=1e-15)
    score = torch.eye(3, dtype=torch.float64) - REFERENCE.unsqueeze(-2)
    torch.testing.assert_close(log_softmax_jacobian(Z, mode=mode), score, rtol=0, atol=1e-15)
    hot = torch.softmax(Z / 0.25, dim=-1)
    torch.testing.assert_close(softmax_jacobian(Z, 0.25, mode), _closed_form_jacobian(hot) / 0.25, rtol=0, atol=1e-14)


@pytest.mark.parametrize("function", [softmax_jacobian, log_softmax_jacobian])
def test_an_unknown_differentiation_mode_is_refused(function):
    with pytest.raises(ValueError, match="unknown differentiation mode 'sideways'"):
        function(Z, mode="sideways")


@pytest.mark.parametrize("function", [softmax, log_softmax, softmax_jacobian, log_softmax_jacobian])
def test_errors_name_the_logits_and_the_temperature(function):
    with pytest.raises(InputError, match="^logits must be a torch.Tensor"):
        function([0.0, 1.0])
    with pytest.raises(InputError, match="^tau must be finite and > 0"):
        function(Z, -1.0)
    with pytest.raises(InputError, match=r"logits / tau overflows torch.float64 .*; rescale the logits or raise tau$"):
        function(torch.tensor([1e300, 0.0], dtype=torch.float64), 1e-10)


def test_log_softmax_names_what_overflowed():
    with pytest.raises(InputError, match=r"^log sigma\(z / tau\) overflows torch.float64"):
        log_softmax(torch.tensor([1e308, -1e308], dtype=torch.float64))


def test_log_partition_reduces_the_last_dimension_of_a_batch():
    batch = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4) / 5
    torch.testing.assert_close(pure_log_partition(batch), torch.logsumexp(batch, dim=-1), rtol=1e-15, atol=0)
    assert pure_log_partition(batch).shape == (2, 3)


def test_log_partition_shifts_each_row_by_its_own_maximum():
    """A shift shared by the batch would underflow exp for the row far below the batch maximum."""
    rows = torch.tensor([[0.0, 0.0], [1000.0, 1000.0]], dtype=torch.float64)
    expected = torch.tensor([0.0, 1000.0], dtype=torch.float64) + torch.log(torch.tensor(2.0, dtype=torch.float64))
    torch.testing.assert_close(pure_log_partition(rows), expected, rtol=1e-15, atol=0)
