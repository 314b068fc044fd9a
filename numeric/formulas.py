"""Evaluating a paper's formula, written once as a scalar entry kernel, on torch tensors.

A claim states its matrix formula as a Python function ``kernel(x_i, x_j, delta_ij)`` built from plain
arithmetic, e.g. Lemma 1's ``lambda s_i, s_j, d: s_i * (d - s_j)``.  The same function is evaluated
here with broadcasting tensors and in :mod:`symbolic.formulas` with sympy expressions, so the statement
under test is typed exactly once.
"""

from __future__ import annotations

from typing import Callable

import torch

from fim_audit.numeric.validate import InputError, finite_result, float_tensor, same_placement

EntryKernel = Callable[..., object]


def entry_matrix(kernel: EntryKernel, v: torch.Tensor, *parameters: object) -> torch.Tensor:
    """M[..., i, j] = kernel(v_i, v_j, delta_ij, *parameters) for a batch of vectors ``v`` (..., n).

    ``parameters`` (e.g. a temperature, as a tensor broadcastable to (..., 1, 1)) are passed through.
    """
    float_tensor(v, "v")
    n = v.shape[-1]
    delta = torch.eye(n, dtype=v.dtype, device=v.device)
    out = kernel(v[..., :, None], v[..., None, :], delta, *parameters)
    matrix = torch.broadcast_to(torch.as_tensor(out, dtype=v.dtype, device=v.device), (*v.shape, n))
    return finite_result(matrix, "the formula's matrix")


def sandwich(jacobian: torch.Tensor, middle: torch.Tensor) -> torch.Tensor:
    """J^T M J for batches of J (..., n, p) and M (..., n, n): the pull-back of M through J."""
    float_tensor(jacobian, "jacobian", min_dim=2)
    float_tensor(middle, "middle", min_dim=2)
    same_placement(jacobian=jacobian, middle=middle)
    n = jacobian.shape[-2]
    if middle.shape[-2:] != (n, n):
        raise InputError(
            f"middle has shape {tuple(middle.shape)}; J^T M J needs (..., {n}, {n}) for J of shape "
            f"{tuple(jacobian.shape)}"
        )
    try:
        torch.broadcast_shapes(jacobian.shape[:-2], middle.shape[:-2])
    except RuntimeError:
        raise InputError(
            f"batch shapes of jacobian {tuple(jacobian.shape)} and middle {tuple(middle.shape)} do not broadcast"
        ) from None
    return finite_result(jacobian.mT @ middle @ jacobian, "J^T M J")
