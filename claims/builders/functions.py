"""A class of functions as a space: "for every L-smooth f bounded below, ..." quantifies over functions, which no
space of vectors holds.  :class:`SmoothFamily` is a parametrised adversarial family of such functions whose
parameters are ordinary space variables (so every builder searches over them, the worst-case refinement included),
with its value, gradient and a smoothness constant L written as formulas (exact and numeric alike):

    f(x) = mu |x|^2 / 2 + sum_i a_i softplus(b_i x_i + c_i),   softplus(u) = log(1 + e^u),

separable, non-convex where some a_i < 0, bounded below when mu > 0 (the quadratic outgrows every softplus term, which
grows at most linearly), and L-smooth with

    L = mu + max_i |a_i| b_i^2 / 4                (softplus'' = s (1 - s) <= 1/4 for s = logistic(u)),

a valid constant (the Hessian is diagonal with entries mu + a_i b_i^2 softplus''), attained (L equals the largest
curvature) where a = 0: the quadratics.  A statement decided over the family is decided for those functions only:
SUPPORTED at best, as for any search (the report's scope says "the smooth family"), and a counterexample is a
concrete member, certified exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fim_audit.claims.builders.domains import Variable, positive, vectors
from fim_audit.claims.builders.formula import op


@dataclass(frozen=True)
class SmoothFamily:
    """The family's parameters (``mu`` > 0 a scalar; ``a``, ``b``, ``c`` vectors of the space's size n, one term per
    coordinate of x) and its formulas; ``variables()`` goes into the space beside the statement's own, e.g.
    ``space(x=vectors(), **family.variables())``, and the formulas take the parameters by name."""

    mu_low: float = 0.01
    mu_high: float = 10.0

    def variables(self) -> dict[str, Variable]:
        return {
            "mu": positive(self.mu_low, self.mu_high, condition=f"{self.mu_low:g} <= mu <= {self.mu_high:g}"),
            "a": vectors("a in R^n (term weights, either sign)"),
            "b": vectors("b in R^n (term slopes)"),
            "c": vectors("c in R^n (term offsets)"),
        }

    @staticmethod
    def value(x: Any, mu: Any, a: Any, b: Any, c: Any) -> Any:
        """f(x) = mu |x|^2 / 2 + sum_i a_i log(1 + exp(b_i x_i + c_i))."""
        return mu * op.dot(x, x) / 2 + op.sum(a * _softplus(b * x + c))

    @staticmethod
    def gradient(x: Any, mu: Any, a: Any, b: Any, c: Any) -> Any:
        """grad f(x)_i = mu x_i + a_i b_i logistic(b_i x_i + c_i)."""
        return mu * x + a * b * _logistic(b * x + c)

    @staticmethod
    def smoothness(mu: Any, a: Any, b: Any, c: Any) -> Any:
        """L = mu + max_i |a_i| b_i^2 / 4, a Lipschitz constant of the gradient."""
        return mu + op.max(op.abs(a) * b * b) / 4

    def descent(self, x: Any, steps: int, mu: Any, a: Any, b: Any, c: Any, step: float = 1.0) -> list[Any]:
        """The iterates x_0 = x, ..., x_steps of gradient descent with step size ``step`` / L."""
        member = {"mu": mu, "a": a, "b": b, "c": c}
        smoothness = self.smoothness(**member)
        iterates = [x]
        for _ in range(steps):
            iterates.append(iterates[-1] - step * self.gradient(iterates[-1], **member) / smoothness)
        return iterates


def _softplus(u: Any) -> Any:
    """log(1 + e^u), written so that it does not overflow: max(u, 0) + log(1 + e^-|u|)."""
    return op.where(u > 0, u, 0 * u) + op.log(1 + op.exp(-op.abs(u)))


def _logistic(u: Any) -> Any:
    """1 / (1 + e^-u), through the same stable split."""
    e = op.exp(-op.abs(u))
    return op.where(u > 0, 1 / (1 + e), e / (1 + e))
