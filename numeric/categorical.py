"""Expectations under a categorical distribution over n outcomes, computed from their definition
E_{i~p}[f(i)] = sum_i p_i f(i) (fim-attn, Theorem 1 proof, steps 1 and 4)."""

from __future__ import annotations

import torch

from fim_audit.numeric.validate import (
    InputError,
    finite_result,
    float_tensor,
    nonnegative,
    probability_vectors,
    same_placement,
)


def expectation(p: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """E_{i~p}[values_i] for probability rows ``p`` (..., n) and ``values`` (..., n, *event)."""
    probability_vectors(p, "p")
    float_tensor(values, "values", min_dim=p.dim())
    same_placement(p=p, values=values)
    if values.shape[: p.dim()] != p.shape:
        raise InputError(f"values shape {tuple(values.shape)} does not start with p's shape {tuple(p.shape)}")
    weights = p.reshape(*p.shape, *([1] * (values.dim() - p.dim())))
    return finite_result((weights * values).sum(dim=p.dim() - 1), "E_(i~p)[values_i]")


def centered_second_moment(w: torch.Tensor) -> torch.Tensor:
    """sum_i w_i (e_i - w)(e_i - w)^T for non-negative rows ``w`` (..., n), by explicit summation.

    For w on the simplex this is E_{i~w}[(e_i - w)(e_i - w)^T]; the weights are deliberately *not*
    required to sum to 1, so statements that drop that assumption can be evaluated (and refuted).
    """
    nonnegative(w, "w")
    n = w.shape[-1]
    deviations = torch.eye(n, dtype=w.dtype, device=w.device) - w[..., None, :]  # row i: e_i - w
    moment = torch.einsum("...i,...ik,...il->...kl", w, deviations, deviations)
    return finite_result(moment, "sum_i w_i (e_i - w)(e_i - w)^T")


def sample_outcomes(p: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """``count`` independent draws i ~ p for every row of ``p`` (..., n): indices of shape (..., count)."""
    probability_vectors(p, "p")
    flat = p.reshape(-1, p.shape[-1])
    draws = torch.multinomial(flat, count, replacement=True, generator=generator)
    return draws.reshape(*p.shape[:-1], count)
