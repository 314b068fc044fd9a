"""Small, explicit logit maps z(x, theta) in R^n for testing fim-attn Theorem 1 on real models.

Each map takes a flat parameter vector theta (p,) and one input x, and returns n logits.  ``depth`` is the
longest chain of roundings in one forward pass (inner-product lengths plus a few), used by the tolerance
model in :mod:`numeric.tolerance`.

``magnitude_surrogate(order)`` returns a map whose derivatives of that order, taken at (|theta|, |x|), bound
entrywise the sum of absolute values of the terms computed in the real map's derivatives: the magnitude M
of the rounding model for dz/dtheta (order 1) and for Hess_theta z (order 2).  A map that is a polynomial in
(theta, x) with coefficients of modulus 1 is its own surrogate.  Bounding by |dz/dtheta| itself would be
wrong whenever the derivative is a difference of nearly equal numbers (1 - tanh(u)^2 at a saturated unit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch


@dataclass(frozen=True)
class LinearScorer:
    """z = W x + b with W (n x d), b (n); theta = (W, b) flattened.  x has shape (d,)."""

    n: int
    d: int

    @property
    def num_parameters(self) -> int:
        return self.n * (self.d + 1)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.d,)

    @property
    def depth(self) -> int:
        return self.d + 2

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        w = theta[: self.n * self.d].reshape(self.n, self.d)
        return w @ x + theta[self.n * self.d :]

    def magnitude_surrogate(self, order: int) -> LinearScorer:
        return self


@dataclass(frozen=True)
class MLPScorer:
    """z = W2 tanh(W1 x + b1) + b2 with hidden width h; theta = (W1, b1, W2, b2) flattened."""

    n: int
    d: int
    hidden: int

    @property
    def num_parameters(self) -> int:
        return self.hidden * (self.d + 1) + self.n * (self.hidden + 1)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.d,)

    @property
    def depth(self) -> int:
        return self.d + self.hidden + 6

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self._forward(theta, x, torch.tanh)

    def _forward(self, theta: torch.Tensor, x: torch.Tensor, activation: Callable) -> torch.Tensor:
        h, d, n = self.hidden, self.d, self.n
        w1 = theta[: h * d].reshape(h, d)
        b1 = theta[h * d : h * d + h]
        rest = theta[h * d + h :]
        w2 = rest[: n * h].reshape(n, h)
        return w2 @ activation(w1 @ x + b1) + rest[n * h :]

    def magnitude_surrogate(self, order: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """The MLP with tanh replaced by a polynomial phi, evaluated at t = sum |W1||x| + |b1|.

        tanh' = 1 - y^2 and tanh'' = -2 y (1 - y^2) are computed from y = tanh(u) with terms of modulus at
        most 2 and 4, and the rounding of u (absolute error about t times the unit roundoff) moves them by at
        most t max|tanh''| <= t and t max|tanh'''| <= 2t.  So the surrogate needs phi' >= 2 + t and
        phi'' >= 4 + 2t, and phi >= 1 + t for the W2 entries: phi_1(t) = 1 + 2t + t^2/2 (first order) and
        phi_2(t) = 1 + 2t + 2t^2 + t^3/3 (second order) satisfy them for t >= 0.
        """
        phi = {1: lambda t: 1 + 2 * t + t**2 / 2, 2: lambda t: 1 + 2 * t + 2 * t**2 + t**3 / 3}[order]
        return lambda theta, x: self._forward(theta, x, phi)


@dataclass(frozen=True)
class AttentionScore:
    """One attention head's scores for the first token: z_j = <x_0 W_Q, x_j W_K> / sqrt(k).

    x holds n tokens (n x d); theta = (W_Q, W_K), each d x k, flattened.  a = softmax(z) is then the
    attention distribution of query token 0 over the n keys, the object of fim-attn Definition 1.
    """

    n: int
    d: int
    key_dim: int

    @property
    def num_parameters(self) -> int:
        return 2 * self.d * self.key_dim

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.n, self.d)

    @property
    def depth(self) -> int:
        return 2 * self.d + self.key_dim + 4

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        size = self.d * self.key_dim
        w_q = theta[:size].reshape(self.d, self.key_dim)
        w_k = theta[size:].reshape(self.d, self.key_dim)
        return (x @ w_k) @ (x[0] @ w_q) / math.sqrt(self.key_dim)

    def magnitude_surrogate(self, order: int) -> AttentionScore:
        return self


@dataclass(frozen=True)
class ElementwiseScorer:
    """z_k = theta_k x_k (n = p = input dimension): the Jacobian diag(x) has full row rank whenever x has no
    zero entry, and no direction of theta shifts every logit equally for all inputs at once, so averaged
    over varied inputs its Fisher can be positive definite (fim-attn Def. 2 item 3)."""

    n: int

    @property
    def num_parameters(self) -> int:
        return self.n

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.n,)

    @property
    def depth(self) -> int:
        return 2

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return theta * x

    def magnitude_surrogate(self, order: int) -> ElementwiseScorer:
        return self


@dataclass(frozen=True)
class PhaseScorer:
    """Two logits z = (s, s + delta), delta = c + A sin(f s + phi) + eps arctan(theta_2), s = <omega, theta>,
    theta in R^2; the input is x = (omega_1, omega_2, phi, c, A, f).  The logit difference stays within
    |delta - c| <= A + eps pi / 2, so attention never saturates when c = 0 and A is of order 1, and for omega_1 != 0
    the Jacobian has determinant omega_1 eps / (1 + theta_2^2) != 0: full row rank at every theta.  Over the inputs
    of :data:`PHASE_INPUTS` its Fisher is bounded below uniformly in theta (fim-attn Def. 2 item 3 for every theta;
    the proof is :func:`symbolic.fisher_models.uniform_witness`); :func:`saturated_input` is the far input of the
    family behind fim-attn Thm 3's uniform-constants reading."""

    eps: float

    @property
    def num_parameters(self) -> int:
        return 2

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (6,)

    @property
    def depth(self) -> int:
        return 10

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        s = x[0] * theta[0] + x[1] * theta[1]
        delta = x[3] + x[4] * torch.sin(x[5] * s + x[2]) + self.eps * torch.atan(theta[1])
        return torch.stack((s, s + delta))

    def magnitude_surrogate(self, order: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """Polynomials whose derivatives at (|theta|, |x|) dominate the terms of the real ones: |cos|, |sin|,
        |arctan'| <= 1 and |arctan''| <= 3 sqrt(3) / 8 < 1, so (s, s + c + A f s + eps theta_2) bounds the first
        derivatives and (s^2 / 2, s^2 / 2 + A f^2 s^2 / 2 + eps theta_2^2 / 2) the second."""

        def first(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            s = x[0] * theta[0] + x[1] * theta[1]
            return torch.stack((s, s + x[3] + x[4] * x[5] * s + self.eps * theta[1]))

        def second(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            s = x[0] * theta[0] + x[1] * theta[1]
            return torch.stack((s**2 / 2, (1 + x[4] * x[5] ** 2) * s**2 / 2 + self.eps * theta[1] ** 2 / 2))

        return {1: first, 2: second}[order]


PHASE_EPS = 0.1
PHASE_INPUTS = tuple((*omega, phi, 0.0, 1.0, 1.0) for omega in ((1.0, 0.0), (1.0, 1.0)) for phi in (0.0, math.pi / 2))
"""The uniform witness's inputs (omega_1, omega_2, phi, c, A, f): directions e_1 and (1, 1), each at phases 0 and
pi / 2, no offset, unit amplitude and frequency."""


def saturated_input(r: float) -> tuple[float, ...]:
    """The far input of fim-attn Thm 3's family: delta = 2r + 40 + r sin(theta_1 / sqrt r) + eps arctan(theta_2),
    saturated everywhere (delta >= r + 39), with second derivatives at most 1 and first derivative sqrt(r) at
    theta = 0 (:func:`symbolic.fisher_models.family_in_one_class`)."""
    return (1.0, 0.0, 0.0, 2 * r + 40, r, r**-0.5)


LogitMap = LinearScorer | MLPScorer | AttentionScore | ElementwiseScorer | PhaseScorer

LOGIT_MAPS: dict[str, Callable[[int, int, int], LogitMap]] = {
    "linear": lambda n, d, width: LinearScorer(n, d),
    "mlp": lambda n, d, width: MLPScorer(n, d, width),
    "attention": lambda n, d, width: AttentionScore(n, d, width),
    "elementwise": lambda n, d, width: ElementwiseScorer(n),
}
"""Constructors by name, each from (n logits, input dimension d, width: hidden size or key dimension)."""
