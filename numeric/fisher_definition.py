"""The Fisher information of the categorical model i ~ softmax(z(x, theta)), from its definition.

fim-attn Theorem 1, proof step 1: FIM_theta = E_x E_{i ~ f(x, theta)} [g_i g_i^T] with the score
g_i = grad_theta log f_i(x, theta).  Here the scores come from automatic differentiation of the
log-likelihood, and the expectation over i is either exact (a sum over the n outcomes) or Monte Carlo
with a Hoeffding confidence radius.  The expectation over x is the uniform average over the given inputs
(an empirical input distribution).  Nothing here uses the decomposition being tested.
"""

from __future__ import annotations

import math

import torch
from torch.func import hessian, jacrev, vmap

from fim_audit.numeric.categorical import expectation, sample_outcomes
from fim_audit.numeric.logit_maps import LogitMap
from fim_audit.numeric.softmax import pure_log_softmax, softmax
from fim_audit.numeric.validate import InputError, float_tensor, same_placement


def _inputs(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> None:
    float_tensor(theta, "theta")
    float_tensor(xs, "xs", min_dim=1 + len(logit_map.input_shape))
    same_placement(theta=theta, xs=xs)
    if theta.shape != (logit_map.num_parameters,):
        raise InputError(f"theta has shape {tuple(theta.shape)}, expected ({logit_map.num_parameters},)")
    if tuple(xs.shape[1:]) != logit_map.input_shape:
        raise InputError(f"xs has shape {tuple(xs.shape)}, expected (m, {', '.join(map(str, logit_map.input_shape))})")


def logits_and_jacobian(
    logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """z(x, theta) (m, n) and dz/dtheta (m, n, p) for every input x in ``xs`` (m, *input_shape)."""
    _inputs(logit_map, theta, xs)
    z = vmap(logit_map, in_dims=(None, 0))(theta, xs)
    jac = vmap(jacrev(logit_map), in_dims=(None, 0))(theta, xs)
    return z, jac


def scores(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention distributions a (m, n) and scores g (m, n, p): g[x, i] = grad_theta log a_i(x, theta)."""
    _inputs(logit_map, theta, xs)

    def log_likelihood(th: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return pure_log_softmax(logit_map(th, x))

    z = vmap(logit_map, in_dims=(None, 0))(theta, xs)
    g = vmap(jacrev(log_likelihood), in_dims=(None, 0))(theta, xs)
    return softmax(z), g


def log_likelihood_hessians(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """Hess_theta log a_i(x, theta) for every input and outcome, by autograd: (m, n, p, p)."""
    _inputs(logit_map, theta, xs)
    return vmap(hessian(lambda th, x: pure_log_softmax(logit_map(th, x))), in_dims=(None, 0))(theta, xs)


def jacobian_magnitude(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """Rounding magnitude of dz/dtheta, (m, n, p): the Jacobian of the map's first-order magnitude surrogate
    at (|theta|, |x|) (see :mod:`numeric.logit_maps`)."""
    _inputs(logit_map, theta, xs)
    return vmap(jacrev(logit_map.magnitude_surrogate(1)), in_dims=(None, 0))(theta.abs(), xs.abs()).abs()


def hessian_magnitude(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """Rounding magnitude of Hess_theta z, (m, n, p, p), from the second-order magnitude surrogate."""
    _inputs(logit_map, theta, xs)
    return vmap(hessian(logit_map.magnitude_surrogate(2)), in_dims=(None, 0))(theta.abs(), xs.abs()).abs()


def fisher_per_input(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """E_{i~a(x)} [g_i g_i^T] for every input x, summed exactly over the n outcomes: (m, p, p)."""
    a, g = scores(logit_map, theta, xs)
    return expectation(a, g[..., :, None] * g[..., None, :])


def fisher_exact(logit_map: LogitMap, theta: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """E_x E_{i~a(x)} [g_i g_i^T]: the per-input Fisher averaged over the given inputs, (p, p)."""
    return fisher_per_input(logit_map, theta, xs).mean(dim=0)


def fisher_monte_carlo(
    logit_map: LogitMap,
    theta: torch.Tensor,
    xs: torch.Tensor,
    samples: int,
    generator: torch.Generator,
    delta: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A Monte-Carlo estimate of the Fisher and its entrywise confidence radius: (estimate, radius), (p, p).

    For every input x, ``samples`` outcomes i ~ a(x) are drawn and g_i g_i^T averaged.  Each sampled entry
    lies in [-R_x, R_x] with R_x = max_i |g_i| |g_i|^T, so by Hoeffding's inequality and a union bound over
    the p(p+1)/2 distinct entries, every entry of the estimate is within

        radius = sqrt(2 * sum_x R_x^2 * log(p (p+1) / delta) / (m^2 * samples))

    of the exact Fisher with probability at least 1 - delta.
    """
    a, g = scores(logit_map, theta, xs)
    m, n, p = g.shape
    draws = sample_outcomes(a, samples, generator)  # (m, samples)
    sampled = torch.gather(g, 1, draws[..., None].expand(m, samples, p))  # (m, samples, p)
    estimate = torch.einsum("msa,msb->ab", sampled, sampled) / (m * samples)
    bound = (g.abs()[..., :, None] * g.abs()[..., None, :]).amax(dim=1)  # R_x, (m, p, p)
    # sqrt(sum_x R_x^2) as R_max * sqrt(sum_x (R_x / R_max)^2): R_x^2 underflows for tiny scores.
    largest = bound.amax(dim=0)
    relative = bound / largest.clamp_min(torch.finfo(bound.dtype).tiny)
    root_sum_sq = largest * torch.sqrt((relative**2).sum(dim=0))
    return estimate, root_sum_sq * math.sqrt(2 * math.log(p * (p + 1) / delta) / (m**2 * samples))
