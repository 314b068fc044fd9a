"""Gradient descent on the log-sum-exp potential Phi(s) = log sum_j exp(s_j / tau), whose gradient is
sigma(s / tau) / tau and whose Hessian is the Fisher of one attention row (fim-metrics doc, "eigmax (Maximum
Eigenvalue)": "Learning rate needs to be smaller than 2/eigmax for stability"; claim fim-metrics.lr-bound).

Phi(s + c 1) = Phi(s) + c / tau, so the mean of s drifts by eta / (n tau) per step for ever (Phi has no minimiser)
while the centred part evolves on its own: the iteration is tracked modulo constants, re-centred each step, which
is exact and keeps the iterate, hence its rounding, at the scale of the centred part.

On the CPU in float64 the steps run compiled (:mod:`numeric.gradient_descent_compiled`, one pass over the row per
step); on other devices and dtypes as torch operations on the whole batch, the same arithmetic.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.softmax import pure_softmax, validated_logits
from fim_audit.numeric.validate import finite_result


def centred(s: torch.Tensor) -> torch.Tensor:
    """The component of s orthogonal to the constant direction (along which Phi is linear)."""
    return s - s.mean(dim=-1, keepdim=True)


def descend_log_partition(s: torch.Tensor, eta: torch.Tensor, tau: float, steps: int) -> torch.Tensor:
    """``steps`` steps s <- s - eta grad Phi(s) from the rows of ``s`` (rows, n), row r with step size eta[r],
    tracked modulo constants: the centred iterate, (rows, n).

    The start is validated (finite, s / tau representable) and so is the end: a step that overflowed turns every
    later iterate into NaN, so checking each of the thousands of steps (a host synchronisation apiece, half the
    torch loop's time) would find nothing more.
    """
    s, tau = validated_logits(centred(s), tau)
    eta = eta.to(s.dtype).expand(s.shape[0])
    if _compiled_serves(s):
        from fim_audit.numeric import gradient_descent_compiled

        rows, etas = s.contiguous().numpy(), eta.contiguous().numpy()
        end = torch.from_numpy(gradient_descent_compiled.descend_log_partition(rows, etas, tau, steps))
    else:
        end = s
        for _ in range(steps):
            end = centred(end - eta[:, None] * pure_softmax(end, tau) / tau)
    return finite_result(end, f"gradient descent on log sum exp(s / tau) at tau = {tau:.3g}")


def _compiled_serves(s: torch.Tensor) -> bool:
    """Whether the compiled CPU kernel runs these rows (the torch loop runs every other device and dtype; the tests
    switch this off to compare the two)."""
    return s.device.type == "cpu" and s.dtype == torch.float64 and not s.requires_grad
