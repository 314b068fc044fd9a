"""A statement's formula, written once, evaluated in torch (with its rounding bound) and in sympy (exactly).

A formula is a Python function of the statement's variables, by name, built from arithmetic (``+ - * / **``),
``@``, indexing, ``.T``, ``len`` and the functions of :data:`op`::

    fisher = lambda p, tau: (op.diag(p) - op.outer(p, p)) / tau**2
    jacobian = lambda z: op.diag(op.softmax(z)) - op.outer(op.softmax(z), op.softmax(z))

It is written for *one* point (a vector p of length n, a scalar tau).  The numeric path evaluates it on
:class:`numeric.bounded.Bounded` values, batched by ``torch.func.vmap``, which yields the value and a bound on its
rounding error (the tolerance of every numeric comparison); the symbolic path evaluates it on numpy object arrays
of sympy expressions (:mod:`symbolic.formula`), which decides it exactly.  ``op`` picks the backend from its
arguments, so the same function serves both.
"""

from __future__ import annotations

import functools
import inspect
from types import ModuleType
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp
import torch

from fim_audit.numeric import bounded
from fim_audit.numeric.bounded import Bounded
from fim_audit.symbolic import formula as exact

Formula = Callable[..., Any]
"""A function of the statement's variables (by name) returning a scalar, a vector or a matrix."""


def _backend(*values: Any) -> ModuleType:
    return bounded if any(isinstance(v, Bounded) for v in values) else exact


class Ops:
    """The functions a formula may call.  Each has the same meaning on torch and on sympy values."""

    # primitives, one implementation per backend
    def exp(self, x: Any) -> Any:
        return _backend(x).exp(x)

    def log(self, x: Any) -> Any:
        return _backend(x).log(x)

    def sqrt(self, x: Any) -> Any:
        return _backend(x).sqrt(x)

    def abs(self, x: Any) -> Any:
        return _backend(x).absolute(x)

    def sum(self, x: Any) -> Any:
        """The sum of a vector's entries (of a matrix: over its last axis)."""
        return _backend(x).total(x)

    def max(self, x: Any) -> Any:
        return _backend(x).extremum(x, largest=True)

    def min(self, x: Any) -> Any:
        return _backend(x).extremum(x, largest=False)

    def diag(self, v: Any) -> Any:
        return _backend(v).diag(v)

    def eye(self, n: int, like: Any) -> Any:
        return _backend(like).eye(n, like)

    def onehot(self, index: Any, like: Any) -> Any:
        """e_index, the standard basis vector of ``like``'s length (``index``: a label, :func:`labels`)."""
        return _backend(index, like).onehot(index, like)

    def pick(self, v: Any, index: Any) -> Any:
        """v_index, the entry of a vector at a label (``op.pick(op.log_softmax(z), y)``: the log-likelihood of y)."""
        return _backend(v, index).pick(v, index)

    def softmax(self, z: Any, tau: Any = 1) -> Any:
        return _backend(z, tau).softmax(z, tau)

    def log_softmax(self, z: Any, tau: Any = 1) -> Any:
        return _backend(z, tau).log_softmax(z, tau)

    def eigvalsh(self, m: Any) -> Any:
        """Ascending eigenvalues of a symmetric matrix (exactly only for exact numbers)."""
        return _backend(m).eigvalsh(m)

    def sort(self, x: Any, descending: bool = False) -> Any:
        return _backend(x).sort(x, descending)

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        """a where the condition holds (a comparison such as ``p > 0``), else b."""
        if _backend(condition, a, b) is bounded:
            like = next(v for v in (a, b, condition) if isinstance(v, Bounded))
            return bounded.where(condition, bounded.lift(a, like), bounded.lift(b, like))
        return exact.where(condition, a, b)

    def stack(self, parts: list[Any]) -> Any:
        return _backend(*parts).stack(list(parts))

    # composites, written once for both backends
    def dot(self, x: Any, y: Any) -> Any:
        return self.sum(x * y)

    def outer(self, x: Any, y: Any) -> Any:
        return x[:, None] * y[None, :]

    def trace(self, m: Any) -> Any:
        return sum((m[i, i] for i in range(1, len(m))), m[0, 0])

    def logsumexp(self, z: Any) -> Any:
        return z[0] - self.log_softmax(z)[0]

    def xlogx(self, p: Any) -> Any:
        """p log p entrywise, with 0 log 0 = 0."""
        positive = p > 0
        return self.where(positive, p * self.log(self.where(positive, p, 1)), 0)

    def entropy(self, p: Any) -> Any:
        """H(p) = -sum p log p (0 log 0 = 0)."""
        return -self.sum(self.xlogx(p))

    def entrywise(self, kernel: Callable[..., Any], x: Any, *parameters: Any) -> Any:
        """M[i, j] = kernel(x_i, x_j, delta_ij, *parameters): the entry-kernel form of :mod:`numeric.formulas`."""
        n = len(x)
        return kernel(x[:, None], x[None, :], self.eye(n, x), *parameters) + 0 * self.outer(x, x)


op = Ops()
"""The namespace formulas are written with (see the module docstring)."""


def arguments(formula: Formula, values: Mapping[str, Any]) -> dict[str, Any]:
    """The variables a formula takes, by name (a formula names only those it uses; ``**values`` takes all; a
    parameter with a default is passed only when the space has it, so ``op.softmax`` is a formula of ``z``)."""
    required, optional, everything = _parameters(formula)
    if everything:
        return dict(values)
    missing = [name for name in required if name not in values]
    if missing:
        raise TypeError(
            f"{_name(formula)} takes {missing}, which are not variables of the space ({sorted(values)})"
            + _binding_hint(formula, values)
        )
    return {name: values[name] for name in (*required, *optional) if name in values}


def require_variable(formula: Formula, variable: str, space_variables: Sequence[str], role: str) -> None:
    """Refuse, when a claim is declared, a formula that does not take ``variable`` although the statement is about
    its dependence on it (a limit, a derivative, a monotonicity in ``variable``): it would be constant in it, and a
    true statement about that dependence would be refuted or a false one proved.  ``op.softmax`` over a space with
    ``T`` is the usual case: its temperature is named ``tau``."""
    required, optional, everything = _parameters(formula)
    if everything or variable in (*required, *optional) and variable in space_variables:
        return
    raise ValueError(
        f"{role} in {variable!r}, but {_name(formula)} does not take {variable!r} (it takes "
        f"{', '.join((*required, *optional)) or 'nothing'})" + _binding_hint(formula, dict.fromkeys(space_variables))
    )


def _name(formula: Formula) -> str:
    return f"op.{formula.__name__}" if getattr(formula, "__self__", None) is op else "the formula"


def _binding_hint(formula: Formula, values: Mapping[str, Any]) -> str:
    """For an ``op`` function passed as a formula: it binds the space's variables by its own parameter names."""
    if getattr(formula, "__self__", None) is not op:
        return ""
    names = ", ".join(values)
    return (
        f"; op.{formula.__name__} binds variables by its own parameter names, so write it as a formula of the "
        f"space's: lambda {names}: op.{formula.__name__}(...)"
    )


@functools.lru_cache(maxsize=None)
def _parameters(formula: Formula) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(required names, names with defaults, takes **kwargs) of a formula's signature."""
    signature = inspect.signature(formula)
    kinds = inspect.Parameter
    named = [p for p in signature.parameters.values() if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
    required = tuple(p.name for p in named if p.default is kinds.empty)
    optional = tuple(p.name for p in named if p.default is not kinds.empty)
    return required, optional, any(p.kind is kinds.VAR_KEYWORD for p in signature.parameters.values())


def call(formula: Formula, values: Mapping[str, Any]) -> Any:
    """``formula`` at ``values``; a float constant that meets a sympy value becomes the rational it stands for
    (:func:`symbolic.formula.float_literals_as_intended`), so the exact path is exact from its first operation."""
    with exact.float_literals_as_intended():
        return formula(**arguments(formula, values))


def numeric_values(formula: Formula, inputs: Mapping[str, torch.Tensor]) -> Bounded:
    """``formula`` at each row of the batched ``inputs`` (leading dimension: the batch), with its rounding bound."""
    names = list(inputs)

    def one(*values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        point = {name: Bounded(v) for name, v in zip(names, values, strict=True)}
        out = _as_bounded(call(formula, point), values[0])
        return out.value, out.error

    value, error = torch.func.vmap(one)(*(inputs[name] for name in names))
    return Bounded(value, error)


def numeric_derivative(formula: Formula, wrt: str, inputs: Mapping[str, torch.Tensor]) -> Bounded:
    """d formula / d wrt at each row: (..., n) for a vector variable (the last axis indexes wrt's entries), the
    formula's own shape for a scalar one, with the rounding bound of forward-mode differentiation."""
    return _numeric_derivatives(formula, wrt, inputs, second=False)


def numeric_hessian(formula: Formula, wrt: str, inputs: Mapping[str, torch.Tensor]) -> Bounded:
    """d^2 formula / d wrt^2 at each row, for a scalar formula: (n, n) for a vector variable, a scalar for a scalar
    one, with the rounding bound of second-order forward-mode differentiation (:func:`numeric.bounded.hessian`)."""
    return _numeric_derivatives(formula, wrt, inputs, second=True)


def _numeric_derivatives(formula: Formula, wrt: str, inputs: Mapping[str, torch.Tensor], second: bool) -> Bounded:
    names = list(inputs)

    def one(*values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        point = {name: Bounded(v) for name, v in zip(names, values, strict=True)}
        variable = point[wrt]

        def along(x: Bounded) -> Bounded:
            out = _as_bounded(call(formula, {**point, wrt: x}), values[0])
            if second and out.ndim != 0:
                raise ValueError(f"a Hessian is of a scalar formula; this one has shape {tuple(out.shape)}")
            return out

        if variable.ndim == 0:
            zero = torch.zeros_like(variable.value)
            seed = Bounded(torch.ones_like(variable.value), tangent=Bounded(zero) if second else None)
            out = along(Bounded(variable.value, variable.error, seed))
            result = out.tangent.tangent if second and out.tangent is not None else out.tangent
            result = result if result is not None else Bounded(torch.zeros_like(out.value))
        else:
            result = (bounded.hessian if second else bounded.jacobian)(along, variable)
        return result.value, result.error

    value, error = torch.func.vmap(one)(*(inputs[name] for name in names))
    return Bounded(value, error)


def _as_bounded(out: Any, like: torch.Tensor) -> Bounded:
    if isinstance(out, Bounded):
        return out
    if isinstance(out, (int, float)) or (isinstance(out, sp.Expr) and out.is_number and out.is_real):
        return bounded.lift(out, Bounded(like))  # a constant of the formula's own: 0.5, log(len(p))
    raise TypeError(f"a formula must return a value built from its arguments, not {type(out).__name__}")


def exact_values(formula: Formula, inputs: Mapping[str, Any]) -> Any:
    """``formula`` at one exact point (sympy values or object arrays), as an object array (scalars: 0-d).

    A Python float constant in a formula (``0.5``, ``1 / len(z)``) stands for the simplest rational with denominator
    at most 10^6 that rounds to it (1/3 for 0.333...), if there is one, else for its binary value: what the formula's
    author meant, which the torch side approximates within the constant's own rounding bound
    (:func:`numeric.bounded.lift`).  It becomes that rational where it first meets a sympy value (:func:`call`), so
    ``0.5 * (I - J)`` is exact all the way through (eigenvalues included), and a constant returned as it is, or a
    15-digit sympy Float, is replaced at the end.

    numpy's float warnings are silenced here: object arrays hold sympy numbers, and numpy warns when a comparison
    such as ``p > 0`` of an entry like exp(-1250) passes through a Python float, which decides nothing."""
    with np.errstate(all="ignore"):
        try:
            values = np.asarray(call(formula, inputs), dtype=object)
        except TypeError as exc:  # numpy asks bool() of a comparison of symbols (``u > 0`` for symbolic u)
            if "truth value of Relational" not in str(exc):
                raise
            raise exact.NotExact(f"a comparison that depends on the symbols: {exc}") from None
        return np.vectorize(_exact_constants, otypes=[object])(values)


def _exact_constants(value: Any) -> Any:
    """Floats of double precision (a sympy Float written into a formula) by their intended rationals; higher-precision
    Floats (the digits of an eigenvalue, :func:`symbolic.formula.eigvalsh`) are results, kept as they are."""
    with exact.float_literals_as_intended():
        value = sp.sympify(value)
    floats = [f for f in value.atoms(sp.Float) if f._prec <= 53]
    return value.xreplace({f: exact.intended_rational(float(f)) for f in floats}) if floats else value
