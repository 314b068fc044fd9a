"""Batched Jacobians with torch.func, the one place forward and reverse mode are chosen."""

from __future__ import annotations

from typing import Callable

import torch
from torch.func import hessian, jacfwd, jacrev, vmap

MODES: dict[str, Callable] = {"reverse": jacrev, "forward": jacfwd}


def batched_jacobian(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, mode: str = "reverse"
) -> torch.Tensor:
    """Jacobian of a vector function ``fn: R^n -> R^m`` at every row of ``x`` (shape (..., n)).

    Returns shape (..., m, n).  ``mode`` picks reverse (jacrev) or forward (jacfwd) differentiation; the
    two share no code path in torch, so agreeing with both is stronger than agreeing with one.
    """
    if mode not in MODES:
        raise ValueError(f"unknown differentiation mode {mode!r}; expected one of {sorted(MODES)}")
    flat = x.reshape(-1, x.shape[-1])
    jac = vmap(MODES[mode](fn))(flat)
    return jac.reshape(*x.shape[:-1], *jac.shape[1:])


def batched_hessian(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Hessian of ``fn: R^n -> R^m`` (forward-over-reverse) at every row of ``x`` (..., n): (..., m, n, n),
    or (..., n, n) for a scalar function."""
    flat = x.reshape(-1, x.shape[-1])
    hess = vmap(hessian(fn))(flat)
    return hess.reshape(*x.shape[:-1], *hess.shape[1:])
