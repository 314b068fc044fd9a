"""Values with a bound on their rounding error: a statement's formula, evaluated once in the working dtype, also
yields how far from the exact value it can be, so a numeric check needs no hand-derived tolerance.

A :class:`Bounded` is a tensor ``value`` and a tensor ``error`` >= 0 of the same shape: a bound on
``|value - exact|``, where *exact* is the formula evaluated in exact arithmetic at the same (exactly representable)
inputs.  Every operation propagates the bound to first order in the unit roundoff u (running error analysis,
Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1-3.3), and adds the smallest normal number
eta where it may underflow:

=================  ==========================================================================================
operation           error of the result
=================  ==========================================================================================
a +- b              e_a + e_b + u |a +- b|
a * b               e_a |b| + e_b |a| + u |a b| + eta
a / b               (e_a + |a / b| e_b) / |b| + u |a / b| + eta
exp(a)              exp(a) (e_a + 2u) + eta          (torch's exp is within 1-2 ulps)
log(a), a > 0       e_a / a + 2u |log a|
sqrt(a), a >= 0     min(e_a / (2 sqrt a), sqrt e_a) + u sqrt a
sum of k terms      sum e + gamma_(k-1) sum |terms|   (recursive summation; torch's pairwise sum is tighter)
A @ B, inner k      e_A |B| + |A| e_B + gamma_k |A| |B|
eigvalsh(M)         ||e_M||_F + gamma_(n+8) ||M||_F    (Weyl's theorem and the backward stability of eigh)
max, min, abs       the larger operand error          (exact operations on perturbed operands)
=================  ==========================================================================================

Inputs are exact (the drawn float *is* the point; an exact certificate re-evaluates at its binary value).  A
Python constant is exact when the dtype represents it, else carries u |c|.  First order means the bound ignores
products of errors; :data:`numeric.tolerance.SAFETY` covers that and the library kernels' own operation counts.

A value may carry a *tangent* (a :class:`Bounded` directional derivative), propagated by the same rules through
the derivative of each operation (forward-mode differentiation), so a derivative identity gets a bound for
autograd's side too (:func:`jacobian`).  A tangent may carry a tangent of its own: a chain (f, f', f'') along one
direction, where each rule applies to the tangent the operation's derivative on the operands one level shorter
(:func:`_primal` drops the deepest level), so the second level is the second directional derivative, with its
bound (:func:`hessian`, by polarisation).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from fim_audit.numeric.tolerance import gamma, unit_roundoff


class Bounded:
    """A tensor, a bound on its absolute rounding error, and optionally a tangent (itself Bounded)."""

    __slots__ = ("value", "error", "tangent")

    def __init__(self, value: torch.Tensor, error: torch.Tensor | None = None, tangent: Bounded | None = None):
        self.value = value
        self.error = torch.zeros_like(value) if error is None else error
        self.tangent = tangent

    # --- structure (exact) ---------------------------------------------------------------------------------------
    @property
    def shape(self) -> torch.Size:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.dim()

    def __len__(self) -> int:
        return self.value.shape[0]

    def __getitem__(self, index: Any) -> Bounded:
        return _structural(self, lambda t: t[index])

    @property
    def T(self) -> Bounded:  # noqa: N802 - numpy's and torch's name
        return _structural(self, lambda t: t.mT if t.dim() >= 2 else t)

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    # --- arithmetic ------------------------------------------------------------------------------------------------
    def __neg__(self) -> Bounded:
        return Bounded(-self.value, self.error, None if self.tangent is None else -self.tangent)

    def __add__(self, other: Any) -> Bounded:
        return _add(self, lift(other, self), 1.0)

    def __radd__(self, other: Any) -> Bounded:
        return _add(lift(other, self), self, 1.0)

    def __sub__(self, other: Any) -> Bounded:
        return _add(self, lift(other, self), -1.0)

    def __rsub__(self, other: Any) -> Bounded:
        return _add(lift(other, self), self, -1.0)

    def __mul__(self, other: Any) -> Bounded:
        return _mul(self, lift(other, self))

    def __rmul__(self, other: Any) -> Bounded:
        return _mul(lift(other, self), self)

    def __truediv__(self, other: Any) -> Bounded:
        return _div(self, lift(other, self))

    def __rtruediv__(self, other: Any) -> Bounded:
        return _div(lift(other, self), self)

    def __pow__(self, exponent: int) -> Bounded:
        if not isinstance(exponent, int):
            raise TypeError(f"only integer powers are supported (got {exponent!r}); write exp(k log x) for others")
        if exponent < 0:
            return 1.0 / self**-exponent
        result = lift(1.0, self)
        for _ in range(exponent):
            result = result * self
        return result

    def __matmul__(self, other: Any) -> Bounded:
        return matmul(self, lift(other, self))

    def __rmatmul__(self, other: Any) -> Bounded:
        return matmul(lift(other, self), self)

    # --- comparisons: exact 0/1 masks in the value's dtype (for where, or to count entries) --------------------------
    def __gt__(self, other: Any) -> Bounded:
        return _mask(self, self.value > lift(other, self).value)

    def __ge__(self, other: Any) -> Bounded:
        return _mask(self, self.value >= lift(other, self).value)

    def __lt__(self, other: Any) -> Bounded:
        return _mask(self, self.value < lift(other, self).value)

    def __le__(self, other: Any) -> Bounded:
        return _mask(self, self.value <= lift(other, self).value)

    def __repr__(self) -> str:
        return f"Bounded(value={self.value!r}, error={self.error!r})"


def lift(x: Any, like: Bounded) -> Bounded:
    """A constant or tensor as an exact Bounded in ``like``'s dtype and device (u |c| when not representable)."""
    if isinstance(x, Bounded):
        return x
    if not isinstance(x, (int, float, torch.Tensor)) and hasattr(x, "__float__") and not hasattr(x, "shape"):
        # an exact number of the formula's own (op.log(len(z)) is sympy's log(3)): its double, within 2 u |c|
        number = float(x)
        value = torch.tensor(number, dtype=like.value.dtype, device=like.value.device)
        return Bounded(value, 2 * value.abs() * unit_roundoff(value.dtype))
    value = torch.as_tensor(x, dtype=like.value.dtype, device=like.value.device)
    if isinstance(x, (int, float)) and float(value) != x:
        return Bounded(value, value.abs() * unit_roundoff(value.dtype))
    return Bounded(value)


def _mask(like: Bounded, condition: torch.Tensor) -> Bounded:
    """An exact 0/1 value of ``like``'s dtype (a comparison of values, not of their error bounds)."""
    return Bounded(condition.to(like.value.dtype))


def _u(x: Bounded) -> float:
    return unit_roundoff(x.value.dtype)


def _eta(x: Bounded) -> float:
    return torch.finfo(x.value.dtype).tiny


def _structural(x: Bounded, f: Callable[[torch.Tensor], torch.Tensor]) -> Bounded:
    return Bounded(f(x.value), f(x.error), None if x.tangent is None else _structural(x.tangent, f))


def _primal(x: Bounded) -> Bounded:
    """x with the deepest level of its tangent chain dropped: (f, f', f'') -> (f, f'); (f, f') -> f."""
    deeper = x.tangent is not None and x.tangent.tangent is not None
    return Bounded(x.value, x.error, _primal(x.tangent) if deeper else None)


def _second_order(x: Bounded) -> bool:
    return x.tangent is not None and x.tangent.tangent is not None


def _result_primal(result: Bounded, operands: tuple[Bounded, ...], recompute: Callable[[], Bounded]) -> Bounded:
    """The value of an operation, one tangent level shorter than its operand, for the operation's own derivative rule
    (exp' = exp): the result itself at first order; recomputed on the shortened operand at second order (the
    result's tangent is what the rule is computing)."""
    return recompute() if any(_second_order(o) for o in operands) else _primal(result)


def _tangent(x: Bounded) -> Bounded:
    return x.tangent if x.tangent is not None else Bounded(torch.zeros_like(x.value))


def _with_tangent(result: Bounded, *operands: Bounded, rule: Callable[[], Bounded]) -> Bounded:
    if any(o.tangent is not None for o in operands):
        result.tangent = rule()
    return result


def _add(a: Bounded, b: Bounded, sign: float) -> Bounded:
    value = a.value + sign * b.value
    result = Bounded(value, a.error + b.error + _u(a) * value.abs())
    return _with_tangent(result, a, b, rule=lambda: _add(_tangent(a), _tangent(b), sign))


def _mul(a: Bounded, b: Bounded) -> Bounded:
    value = a.value * b.value
    error = a.error * b.value.abs() + b.error * a.value.abs() + _u(a) * value.abs() + _eta(a)
    result = Bounded(value, error)
    return _with_tangent(
        result, a, b, rule=lambda: _add(_mul(_tangent(a), _primal(b)), _mul(_primal(a), _tangent(b)), 1.0)
    )


def _div(a: Bounded, b: Bounded) -> Bounded:
    value = a.value / b.value
    error = (a.error + value.abs() * b.error) / b.value.abs() + _u(a) * value.abs() + _eta(a)
    result = Bounded(value, error)

    def rule() -> Bounded:  # d(a / b) = (da - (a / b) db) / b
        quotient = _result_primal(result, (a, b), lambda: _div(_primal(a), _primal(b)))
        return _div(_add(_tangent(a), _mul(quotient, _tangent(b)), -1.0), _primal(b))

    return _with_tangent(result, a, b, rule=rule)


def exp(a: Bounded) -> Bounded:
    value = torch.exp(a.value)
    result = Bounded(value, value * (a.error + 2 * _u(a)) + _eta(a))
    return _with_tangent(
        result, a, rule=lambda: _mul(_result_primal(result, (a,), lambda: exp(_primal(a))), _tangent(a))
    )


def log(a: Bounded) -> Bounded:
    value = torch.log(a.value)
    result = Bounded(value, a.error / a.value.abs() + 2 * _u(a) * value.abs())
    return _with_tangent(result, a, rule=lambda: _div(_tangent(a), _primal(a)))


def sqrt(a: Bounded) -> Bounded:
    """sqrt(a + d) - sqrt(a) is at most |d| / (2 sqrt a) to first order and sqrt|d| always: the smaller (at a = 0,
    where the first is 0 / 0, the second)."""
    value = torch.sqrt(a.value)
    linear = torch.where(value > 0, a.error / (2 * value), torch.inf)
    result = Bounded(value, torch.minimum(linear, torch.sqrt(a.error)) + _u(a) * value)
    root = lambda: _result_primal(result, (a,), lambda: sqrt(_primal(a)))  # noqa: E731
    return _with_tangent(result, a, rule=lambda: _div(_tangent(a), _mul(lift(2.0, a), root())))


def absolute(a: Bounded) -> Bounded:
    result = Bounded(a.value.abs(), a.error)
    return _with_tangent(result, a, rule=lambda: _mul(_tangent(a), Bounded(torch.sign(a.value))))


def total(a: Bounded, dim: int = -1) -> Bounded:
    """The sum over ``dim`` (recursive-summation bound)."""
    terms = a.value.shape[dim]
    value = a.value.sum(dim=dim)
    spread = gamma(max(terms - 1, 0), a.value.dtype).to(a.value) * a.value.abs().sum(dim=dim)
    result = Bounded(value, a.error.sum(dim=dim) + spread)
    return _with_tangent(result, a, rule=lambda: total(_tangent(a), dim))


def matmul(a: Bounded, b: Bounded) -> Bounded:
    inner = a.value.shape[-1]
    value = a.value @ b.value
    magnitude = a.value.abs() @ b.value.abs()
    error = a.error @ b.value.abs() + a.value.abs() @ b.error + gamma(inner, a.value.dtype).to(a.value) * magnitude
    result = Bounded(value, error + _eta(a) * inner)
    return _with_tangent(
        result,
        a,
        b,
        rule=lambda: _add(matmul(_tangent(a), _primal(b)), matmul(_primal(a), _tangent(b)), 1.0),
    )


def extremum(a: Bounded, largest: bool, dim: int = -1) -> Bounded:
    """max or min over ``dim``: exact on the perturbed entries, so the error is at most the largest entry error;
    the tangent is that of the selected entry (a one-sided derivative at ties)."""
    values, index = a.value.max(dim=dim) if largest else a.value.min(dim=dim)
    result = Bounded(values, a.error.amax(dim=dim))
    return _with_tangent(
        result, a, rule=lambda: _structural(_tangent(a), lambda t: t.gather(dim, index.unsqueeze(dim)).squeeze(dim))
    )


def eigvalsh(m: Bounded) -> Bounded:
    """Ascending eigenvalues of a symmetric matrix.  No tangent: eigenvalues are not differentiable at ties."""
    if m.tangent is not None:
        raise ValueError("eigenvalues have no derivative at repeated eigenvalues; differentiate another quantity")
    n = m.value.shape[-1]
    # LAPACK's float32 solver fails to converge on valid matrices (the Fisher of [0, 0, 101.56, 101.56] in
    # float32, a triple eigenvalue with zero rows), so every dtype is solved in float64 and rounded back: one
    # more rounding, within the bound below.
    values = torch.linalg.eigvalsh(m.value.to(torch.float64)).to(m.value.dtype)
    frobenius = torch.linalg.matrix_norm(m.value)
    bound = torch.linalg.matrix_norm(m.error) + gamma(n + 8, m.value.dtype).to(m.value) * frobenius
    return Bounded(values, bound[..., None].expand_as(values).clone())


def diag(v: Bounded) -> Bounded:
    """The diagonal matrix of a vector (exact)."""
    return _structural(v, torch.diag_embed)


def eye(n: int, like: Bounded) -> Bounded:
    return Bounded(torch.eye(n, dtype=like.value.dtype, device=like.value.device))


def onehot(index: Bounded, like: Bounded) -> Bounded:
    """e_index, a vector of ``like``'s length (exact); ``index`` holds an integer value (a label)."""
    n = like.shape[-1]
    positions = torch.arange(n, dtype=like.value.dtype, device=like.value.device)
    return _mask(like, positions == lift(index, like).value)


def pick(v: Bounded, index: Bounded) -> Bounded:
    """v_index along the last axis: the entry and its error bound, exactly (a gather; v . e_index summed n entries and
    carried their rounding bound).  An index that is not an integer in 0..n-1 gives NaN, never another entry."""
    n = v.shape[-1]
    label = lift(index, v).value
    position = label.long().clamp(0, n - 1)
    valid = position.to(label.dtype) == label

    def at(t: torch.Tensor) -> torch.Tensor:
        picked = t.gather(-1, position.expand(t.shape[:-1]).unsqueeze(-1)).squeeze(-1)
        return torch.where(valid, picked, torch.nan)

    return _structural(v, at)


def softmax(z: Bounded, tau: Any = 1.0) -> Bounded:
    """sigma(z / tau), shifted by the maximum (exp never overflows; the shift is exact on the perturbed values)."""
    s = z / tau
    shifted = s - extremum(s, largest=True)
    e = exp(shifted)
    return e / total(e)


def log_softmax(z: Bounded, tau: Any = 1.0) -> Bounded:
    s = z / tau
    shifted = s - extremum(s, largest=True)
    return shifted - log(total(exp(shifted)))


def sort(x: Bounded, descending: bool = False) -> Bounded:
    """Sorted values; each carries the error of the entry it came from (a sorted list moves by at most the largest
    perturbation, so the bound stays valid entrywise after taking the maximum)."""
    values, index = torch.sort(x.value, descending=descending)
    result = Bounded(values, x.error.amax(dim=-1, keepdim=True).expand_as(values).clone())
    return _with_tangent(result, x, rule=lambda: _structural(_tangent(x), lambda t: t.gather(-1, index)))


def stack(parts: list[Bounded], dim: int = 0) -> Bounded:
    result = Bounded(torch.stack([p.value for p in parts], dim), torch.stack([p.error for p in parts], dim))
    return _with_tangent(result, *parts, rule=lambda: stack([_tangent(p) for p in parts], dim))


def where(condition: Bounded | torch.Tensor, a: Bounded, b: Bounded) -> Bounded:
    """Entrywise selection by an exact condition (a 0/1 mask such as p > 0, or a bool tensor), for formulas with a
    removable case such as 0 log 0."""
    if isinstance(condition, Bounded):
        condition = condition.value > 0.5
    result = Bounded(torch.where(condition, a.value, b.value), torch.where(condition, a.error, b.error))
    return _with_tangent(result, a, b, rule=lambda: where(condition, _tangent(a), _tangent(b)))


def jacobian(f: Callable[[Bounded], Bounded], x: Bounded) -> Bounded:
    """d f_i / d x_j for a vector x (n,), as an (m, n) Bounded: the forward-mode tangent along each e_j, all n
    directions in one vectorised pass (:func:`_along_each`)."""
    eye = torch.eye(x.shape[-1], dtype=x.value.dtype, device=x.value.device)
    columns = _along_each(lambda direction: _tangent(f(Bounded(x.value, x.error, Bounded(direction)))), eye)
    return _structural(columns, lambda t: t.movedim(0, -1))


def hessian(f: Callable[[Bounded], Bounded], x: Bounded) -> Bounded:
    """d^2 f / d x_i d x_j for a scalar f of a vector x (n,), as an (n, n) Bounded: the second directional derivative
    D^2 f[u] = u^T H u along e_i (the diagonal) and e_i + e_j (i < j), second-order forward passes vectorised over
    the directions (:func:`_along_each`), and H_ij = H_ji = (D^2 f[e_i + e_j] - H_ii - H_jj) / 2 in the same
    arithmetic (so the bound covers the polarisation too)."""
    n = x.shape[-1]
    eye = torch.eye(n, dtype=x.value.dtype, device=x.value.device)

    def second(direction: torch.Tensor) -> Bounded:
        seeded = Bounded(x.value, x.error, Bounded(direction, tangent=Bounded(torch.zeros_like(direction))))
        return _tangent(_tangent(f(seeded)))

    diagonal = _along_each(second, eye)
    if n == 1:
        return _structural(diagonal, lambda t: t.unsqueeze(-1))
    first, other = torch.triu_indices(n, n, offset=1, device=x.value.device)
    mixed = (_along_each(second, eye[first] + eye[other]) - diagonal[first] - diagonal[other]) * 0.5
    entries = Bounded(torch.cat([diagonal.value, mixed.value]), torch.cat([diagonal.error, mixed.error]))
    position = torch.arange(n, device=x.value.device).diag()  # H_ii is entry i, H_ij and H_ji entry n + k
    position[first, other] = position[other, first] = torch.arange(n, n + len(first), device=x.value.device)
    return entries[position]


DIRECTION_ENTRIES = 2**14
"""Entries of the directions one vectorised pass of :func:`_along_each` holds: at n <= 24 (the ci profile's largest
n) a Hessian's n (n + 1) / 2 directions go in one pass; at n = 256 (the thorough profile) a pass takes 64 of its
32896 directions, so that every intermediate stays at 64 n entries per case instead of 32896 n (17 GB at a batch of
256 in float64)."""


def _along_each(derivative: Callable[[torch.Tensor], Bounded], directions: torch.Tensor) -> Bounded:
    """``derivative(u)`` (a directional derivative without tangent of its own) for each row u of ``directions``, in
    passes vectorised over the rows (``torch.func.vmap``, DIRECTION_ENTRIES at a time), stacked along a new first
    dimension."""

    def one(direction: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = derivative(direction)
        return out.value, out.error

    chunk = max(1, DIRECTION_ENTRIES // directions.shape[-1])
    value, error = torch.func.vmap(one, chunk_size=chunk)(directions)
    return Bounded(value, error)


__all__ = [
    "Bounded",
    "absolute",
    "diag",
    "eye",
    "log_softmax",
    "onehot",
    "pick",
    "softmax",
    "sort",
    "eigvalsh",
    "exp",
    "extremum",
    "hessian",
    "jacobian",
    "lift",
    "log",
    "matmul",
    "sqrt",
    "stack",
    "total",
    "where",
]
