"""Two attention heads over the same tokens, and the Fisher of each joint model of them, from its definition
(fim-attn App. C.4: "FIM_theta = sum over scales of E[(d phi / d theta)^T M (d phi / d theta)]").

Head 1 is the one-head score map of :class:`numeric.logit_maps.AttentionScore` (query token 0); head 2 is the
same map on the tokens rolled by one (query token 1).  With ``shared`` both heads read one parameter vector,
otherwise theta = (theta_1, theta_2).  Two joint models are defined: independent draws (i, j) ~ a_1 x a_2,
whose log-likelihood is log a_1i + log a_2j, and one categorical over the mixture (a_1 + a_2) / 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch.func import jacrev

from fim_audit.numeric.categorical import expectation
from fim_audit.numeric.formulas import EntryKernel, entry_matrix, sandwich
from fim_audit.numeric.logit_maps import AttentionScore
from fim_audit.numeric.softmax import pure_log_softmax, pure_softmax, softmax


@dataclass(frozen=True)
class TwoHeads:
    head: AttentionScore
    shared: bool

    @property
    def num_parameters(self) -> int:
        return self.head.num_parameters * (1 if self.shared else 2)

    def head_logits(self, h: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """z_h(theta, x) for head h in {0, 1}, as a function of the full parameter vector."""
        p = self.head.num_parameters

        def logits(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            own = theta if self.shared else theta[h * p : (h + 1) * p]
            return self.head(own, torch.roll(x, -h, dims=0))

        return logits

    def head_magnitude(self, h: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """The head's first-order magnitude surrogate (see numeric.logit_maps) on the full parameter vector."""
        p = self.head.num_parameters
        surrogate = self.head.magnitude_surrogate(1)

        def logits(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            own = theta if self.shared else theta[h * p : (h + 1) * p]
            return surrogate(own, torch.roll(x, -h, dims=0))

        return logits


def head_scores(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per head, the attention distribution a_h (n,) and the scores grad_theta log a_h,i (n, p), by autograd."""
    out = []
    for h in (0, 1):
        logits = model.head_logits(h)
        a = softmax(logits(theta, x))
        g = jacrev(lambda th, logits=logits: pure_log_softmax(logits(th, x)))(theta)
        out.append((a, g))
    return out


def independent_fisher(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """sum_(i,j) a_1i a_2j (g_1i + g_2j)(g_1i + g_2j)^T: the Fisher of (i, j) ~ a_1 x a_2, (p, p)."""
    (a1, g1), (a2, g2) = head_scores(model, theta, x)
    joint = g1[:, None, :] + g2[None, :, :]  # (n, n, p): score of the pair (i, j)
    weights = (a1[:, None] * a2[None, :]).flatten()
    outer = joint[..., :, None] * joint[..., None, :]
    return expectation(weights, outer.flatten(end_dim=1))


def mixture_fisher(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """sum_i m_i grad log m_i grad log m_i^T for the single categorical m = (a_1 + a_2) / 2, (p, p)."""

    def mixture(th: torch.Tensor) -> torch.Tensor:
        return (pure_softmax(model.head_logits(0)(th, x)) + pure_softmax(model.head_logits(1)(th, x))) / 2

    m = mixture(theta)
    g = jacrev(lambda th: torch.log(mixture(th)))(theta)
    return expectation(m, g[:, :, None] * g[:, None, :])


def per_head_sum(model: TwoHeads, kernel: EntryKernel, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """sum over heads of J_h^T K(a_h) J_h, the claimed decomposition, (p, p)."""
    total = torch.zeros(model.num_parameters, model.num_parameters, dtype=theta.dtype, device=theta.device)
    for h in (0, 1):
        logits = model.head_logits(h)
        jac = jacrev(logits)(theta, x)
        total = total + sandwich(jac, entry_matrix(kernel, softmax(logits(theta, x))))
    return total


def score_bounds(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per head, a_h and an entrywise bound b_h (n, p) on the terms of its scores: the score of outcome i is
    J_i - sum_k a_k J_k, so |g_i| <= |J_i| + abar with abar = |J|^T a, |J| the head's Jacobian magnitude."""
    bounds = []
    for h in (0, 1):
        a = softmax(model.head_logits(h)(theta, x))
        jac_magnitude = jacrev(model.head_magnitude(h))(theta.abs(), x.abs()).abs()
        bounds.append((a, jac_magnitude + (a[:, None] * jac_magnitude).sum(dim=0)))
    return bounds


def independent_magnitude(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """E_((i,j) ~ a_1 x a_2)[(b_1i + b_2j)(b_1i + b_2j)^T]: the rounding magnitude of :func:`independent_fisher`."""
    (a1, b1), (a2, b2) = score_bounds(model, theta, x)
    pair = b1[:, None, :] + b2[None, :, :]
    weights = a1[:, None, None, None] * a2[None, :, None, None]
    return (weights * pair[..., :, None] * pair[..., None, :]).sum(dim=(0, 1))


def mixture_magnitude(model: TwoHeads, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """E_(i ~ m)[(b_1i + b_2i)(b_1i + b_2i)^T]: the mixture's score is a convex combination of the heads' scores
    at the same outcome, so this bounds the terms of :func:`mixture_fisher`."""
    (a1, b1), (a2, b2) = score_bounds(model, theta, x)
    combined = b1 + b2
    return (((a1 + a2) / 2)[:, None, None] * combined[:, :, None] * combined[:, None, :]).sum(dim=0)
