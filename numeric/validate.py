"""Input validation for every public numeric helper: bad input raises :class:`InputError` with a message
naming the argument and the problem, instead of producing a silently wrong number.
"""

from __future__ import annotations

import math

import torch

from fim_audit.numeric.tolerance import SAFETY, gamma

SUPPORTED_DTYPES = (torch.float32, torch.float64)
HALF_DTYPES = (torch.float16, torch.bfloat16)
"""Accepted by the helpers that upcast their input to float64 before computing (the Fisher spectrum of an
attention row, numeric/fisher_spectrum.py); every other helper refuses them."""
ROW_DTYPES = (*SUPPORTED_DTYPES, *HALF_DTYPES)
"""Every dtype those upcasting helpers accept (numeric/fisher_spectrum.py, numeric/pooled_fisher.py)."""
SUPPORTED_DEVICES = ("cpu", "cuda")


class InputError(ValueError):
    """An argument a numeric helper cannot use (non-finite, wrong dtype, wrong shape, not a distribution)."""


def float_tensor(
    x: object,
    name: str,
    *,
    min_dim: int = 1,
    dtypes: tuple[torch.dtype, ...] = SUPPORTED_DTYPES,
    finite: bool = True,
) -> torch.Tensor:
    """``x`` must be a tensor of one of ``dtypes`` (float32/float64 unless a helper upcasts) on cpu or
    cuda with at least ``min_dim`` dimensions, finite (unless the caller checks that itself, ``finite``
    False), non-empty."""
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.device.type not in SUPPORTED_DEVICES:
        raise InputError(f"{name} is on device {x.device}; only cpu and cuda tensors hold values to check")
    if x.dtype in HALF_DTYPES and x.dtype not in dtypes:
        raise InputError(
            f"{name} has dtype {x.dtype}, too coarse for this helper's tolerance model; upcast it (the Fisher "
            "spectrum helpers accept it and upcast it themselves)"
        )
    if x.dtype not in dtypes:
        raise InputError(
            f"{name} has dtype {x.dtype}; only float32 and float64 are supported "
            "(integer inputs are ambiguous and half precision is too coarse for the tolerance model)"
        )
    if x.dim() < min_dim:
        raise InputError(f"{name} must have at least {min_dim} dimension(s), got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise InputError(f"{name} is empty (shape {tuple(x.shape)})")
    return _finite(x, name) if finite else x


def _finite(x: torch.Tensor, name: str) -> torch.Tensor:
    if not bool(torch.isfinite(x).all()):
        bad = (~torch.isfinite(x)).nonzero()[0].tolist()
        raise InputError(f"{name} contains a non-finite value ({x[tuple(bad)].item()} at index {bad})")
    return x


def same_placement(**tensors: torch.Tensor) -> None:
    """All tensors on one device with one dtype; mixing them is an error, not a silent cast."""
    items = list(tensors.items())
    first_name, first = items[0]
    for name, t in items[1:]:
        if t.device != first.device:
            raise InputError(f"{name} is on {t.device} but {first_name} is on {first.device}")
        if t.dtype != first.dtype:
            raise InputError(f"{name} has dtype {t.dtype} but {first_name} has dtype {first.dtype}")


def positive_scalar(value: float, name: str) -> float:
    """A finite, strictly positive Python number (a temperature, a step size)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return float(value)


def inverse_square(tau: float, name: str = "tau") -> float:
    """1 / tau^2 for a temperature tau, refused when it overflows float64 (tau below about 1.5e-154): every
    eigenvalue would be infinite, and a floor or a product with 0 would then report 0 instead."""
    tau = positive_scalar(tau, name)
    scale = 1 / tau / tau
    if not math.isfinite(scale):
        raise InputError(f"1 / {name}^2 overflows float64 at {name} = {tau:.3g}")
    return scale


def nonnegative(x: torch.Tensor, name: str, dtypes: tuple[torch.dtype, ...] = SUPPORTED_DTYPES) -> torch.Tensor:
    """A finite float tensor with no negative entries (weights of a categorical sum)."""
    float_tensor(x, name, dtypes=dtypes)
    if bool((x < 0).any()):
        raise InputError(f"{name} has a negative entry ({x.min().item()})")
    return x


def probability_vectors(p: torch.Tensor, name: str, dtypes: tuple[torch.dtype, ...] = SUPPORTED_DTYPES) -> torch.Tensor:
    """Rows (last dimension) that are probability vectors: non-negative and summing to 1.

    The sum may miss 1 by the rounding of a float softmax, |sum - 1| <= SAFETY * gamma_{n+8}; anything
    further off is an unnormalised input and rejected.  A float16 or bfloat16 row (where ``dtypes`` admits
    them) is the entrywise rounding of a softmax computed in float32, which is how torch computes softmax
    in these dtypes: it misses 1 by at most u (sum_i |p_i - rounded p_i| <= u sum_i p_i) plus float32's
    own gamma_{n+8}, so SAFETY * 2 u is allowed.
    """
    float_tensor(p, name, dtypes=dtypes, finite=False)
    sums = p.sum(dim=-1, dtype=torch.float64)
    # A non-finite entry makes its row's sum non-finite, so one pass serves both checks; only then is the
    # tensor scanned for the entry to name (a sum that overflows from finite entries fails as unnormalised).
    if not bool(torch.isfinite(sums).all()):
        _finite(p, name)
    if bool(p.amin() < 0):
        raise InputError(f"{name} has a negative entry ({p.min().item()})")
    n = p.shape[-1]
    deficit = (sums - 1).abs().max().item()
    if p.dtype in HALF_DTYPES:
        allowed = SAFETY * 2 * torch.finfo(p.dtype).eps / 2
    else:
        allowed = SAFETY * float(gamma(n + 8, p.dtype))
    if deficit > allowed:
        raise InputError(
            f"{name} is not normalised: a row misses sum 1 by {deficit:.3g} "
            f"(allowed {allowed:.3g} for n={n}, {p.dtype})"
        )
    return p


def finite_result(x: torch.Tensor, what: str) -> torch.Tensor:
    """A computed ``x`` that must be finite: an overflow means the exact result lies outside the dtype's
    range for these inputs, which is reported instead of returning inf or NaN."""
    if not bool(torch.isfinite(x).all()):
        raise InputError(f"{what} overflows {x.dtype} for these inputs (the exact result is out of range)")
    return x
