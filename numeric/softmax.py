"""The softmax sigma(z / tau) and its log, implemented once (fim-attn, Definition 1 and Lemma 1).

With s = z / tau and m = max_j s_j, sigma(z / tau) = exp(s - m) / sum_j exp(s_j - m) and
log sigma(z / tau) = (s - m) - log sum_j exp(s_j - m).  The shift by the maximum keeps logits up to
|z| ~ 1e4 (far past exp's float64 overflow at 709) finite, and, unlike exp(s - logsumexp(s)), it keeps
the result normalised to within gamma_n: logsumexp would be rounded at magnitude |m|, losing |m| * u of
normalisation.  The shift is detached from autograd: sigma does not depend on it, so its exact derivative
is zero.  The public functions validate their input; the ``pure_*`` variants skip validation so that
torch.func transforms (vmap, jacrev, jacfwd) can trace them.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.autodiff import batched_jacobian
from fim_audit.numeric.validate import InputError, finite_result, float_tensor, positive_scalar


def pure_softmax(z: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """sigma(z / tau) along the last dimension, without validation (for use under torch.func)."""
    shifted = _shifted(z, tau)
    e = torch.exp(shifted)
    return e / e.sum(dim=-1, keepdim=True)


def pure_log_softmax(z: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """log sigma(z / tau) along the last dimension, without validation (for use under torch.func)."""
    shifted = _shifted(z, tau)
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def _shifted(z: torch.Tensor, tau: float) -> torch.Tensor:
    """s - max(s) for s = z / tau, the maximum detached (sigma is invariant to the shift)."""
    s = z / tau
    return s - s.amax(dim=-1, keepdim=True).detach()


def pure_log_partition(z: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """log sum_j exp(z_j / tau), the log-sum-exp potential, without validation (for use under torch.func).

    Its gradient is sigma(z / tau) / tau and its Hessian (diag(p) - p p^T) / tau^2 (claim
    fim-metrics.hessian-lse).
    """
    s = z / tau
    m = s.amax(dim=-1, keepdim=True).detach()
    return (m + torch.log(torch.exp(s - m).sum(dim=-1, keepdim=True))).squeeze(-1)


def validated_logits(z: torch.Tensor, tau: float) -> tuple[torch.Tensor, float]:
    """Finite float logits and a positive temperature whose quotient z / tau is finite in z's dtype (it
    overflows for |z| / tau above the dtype's maximum, and would turn sigma into NaN)."""
    float_tensor(z, "logits")
    tau = positive_scalar(tau, "tau")
    if not bool(torch.isfinite(z / tau).all()):
        raise InputError(
            f"logits / tau overflows {z.dtype} (max |logit| {z.abs().max().item():.3g}, tau {tau:.3g}); "
            "rescale the logits or raise tau"
        )
    return z, tau


def softmax(z: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """sigma(z / tau) over the last dimension of finite float logits ``z`` (any leading batch shape)."""
    return pure_softmax(*validated_logits(z, tau))


def log_softmax(z: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """log sigma(z / tau) over the last dimension of finite float logits ``z`` (an error where it is below
    the dtype's range: log sigma_i = s_i - max s - log sum exp(s - max s) overflows for s_i near -max)."""
    return finite_result(pure_log_softmax(*validated_logits(z, tau)), "log sigma(z / tau)")


def softmax_jacobian(z: torch.Tensor, tau: float = 1.0, mode: str = "reverse") -> torch.Tensor:
    """d sigma_i / d z_j by automatic differentiation of :func:`pure_softmax`: shape (..., n, n).

    This is the reference the Lemma 1 formula is checked against; it uses only torch's derivatives of
    exp and logsumexp, never the formula itself.
    """
    z, tau = validated_logits(z, tau)
    return finite_result(batched_jacobian(lambda v: pure_softmax(v, tau), z, mode), f"d sigma / dz at tau = {tau:.3g}")


def log_softmax_jacobian(z: torch.Tensor, tau: float = 1.0, mode: str = "reverse") -> torch.Tensor:
    """d log sigma_i / d z_j by automatic differentiation: row i is the score of outcome i, (..., n, n)."""
    z, tau = validated_logits(z, tau)
    jacobian = batched_jacobian(lambda v: pure_log_softmax(v, tau), z, mode)
    return finite_result(jacobian, f"d log sigma / dz at tau = {tau:.3g}")
