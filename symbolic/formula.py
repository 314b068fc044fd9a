"""Evaluating a statement's formula exactly: the sympy twin of :mod:`numeric.bounded`.

Values are numpy object arrays of sympy expressions (vectors and matrices) or sympy scalars, so a formula written
with arithmetic, ``@``, indexing and ``.T`` means the same thing here as on torch tensors.  The functions below
have the names and meanings of their torch twins; they are applied entrywise where that is what they mean.

Exact decisions:

* :func:`normalise` prepares an entry for :func:`symbolic.exact.canonical`, which decides an identity at fixed n:
  exp(log x) = x, exp of a sum split, logarithms expanded over products of positive symbols, so that every exp and
  log atom can be treated as an independent variable.  A canonical residual that is literally 0 is a proof (an
  expression that vanishes identically with independent atoms vanishes for every value of them); anything else is
  not.
* :func:`strict_value` evaluates an exact number to CERTIFY_DIGITS guaranteed digits or says it cannot.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

CERTIFY_DIGITS = 50
"""Significant digits of a certification; evalf(strict=True) guarantees them or raises."""


class NotExact(ValueError):
    """The formula uses an operation that has no exact evaluation on these (symbolic) values."""


def _entrywise(function, x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.vectorize(function, otypes=[object])(x)
    return function(sp.sympify(x))


def exp(x: Any) -> Any:
    return _entrywise(sp.exp, x)


def log(x: Any) -> Any:
    return _entrywise(sp.log, x)


def sqrt(x: Any) -> Any:
    return _entrywise(sp.sqrt, x)


def absolute(x: Any) -> Any:
    return _entrywise(sp.Abs, x)


def total(x: Any, dim: int = -1) -> Any:
    summed = np.sum(x, axis=dim) if isinstance(x, np.ndarray) and x.ndim > 1 else sp.Add(*np.ravel(x).tolist())
    return summed


def matmul(a: Any, b: Any) -> Any:
    return a @ b


def extremum(x: Any, largest: bool, dim: int = -1) -> Any:
    if isinstance(x, np.ndarray) and x.ndim > 1:
        return np.apply_along_axis(lambda row: extremum(row, largest), dim, x)
    entries = np.ravel(x).tolist()
    return sp.Max(*entries) if largest else sp.Min(*entries)


EIGEN_DIGITS = 80
"""Working precision of eigenvalues of matrices with irrational entries."""


def eigvalsh(m: Any) -> Any:
    """Ascending eigenvalues of a symmetric matrix of exact numbers.

    Rational entries: the exact real roots of the characteristic polynomial.  Other exact numbers (exp(1/3), say):
    entries evaluated to EIGEN_DIGITS guaranteed digits, eigenvalues by mpmath's symmetric eigensolver at that
    precision; by Weyl's theorem and its backward stability each is within about n^2 10^-EIGEN_DIGITS ||M|| of the
    exact one, far below the CERTIFY_DIGITS a certificate uses.  Symbolic entries: :class:`NotExact`.
    """
    matrix = sp.Matrix(m.tolist())
    if matrix.free_symbols:
        raise NotExact("eigenvalues of a matrix with symbolic entries are not decided exactly")
    if all(entry.is_Rational for entry in matrix):
        roots = sp.real_roots(matrix.charpoly(sp.Dummy("lambda")))
        if len(roots) != matrix.rows:
            raise NotExact("the characteristic polynomial does not have n real roots (the matrix is not symmetric)")
        return np.array(sorted(roots, key=lambda r: sp.N(r, CERTIFY_DIGITS)), dtype=object)
    with mpmath.workdps(EIGEN_DIGITS):
        entries = [[mpmath.mpf(str(sp.N(e, EIGEN_DIGITS, strict=True))) for e in row] for row in matrix.tolist()]
        values = mpmath.eigsy(mpmath.matrix(entries), eigvals_only=True)
        ordered = sorted(values[k] for k in range(matrix.rows))
        return np.array([sp.Float(mpmath.nstr(v, EIGEN_DIGITS - 10), EIGEN_DIGITS - 10) for v in ordered], dtype=object)


def diag(v: Any) -> Any:
    return np.diag(np.asarray(v, dtype=object))


def eye(n: int, like: Any = None) -> Any:
    return np.array(sp.eye(n).tolist(), dtype=object)


def softmax(z: Any, tau: Any = 1) -> Any:
    """sigma(z / tau) = exp(z / tau) / sum exp(z / tau) (no shift: it is exact here, and a Max would not cancel)."""
    e = exp(np.asarray(z, dtype=object) / tau)
    return e / total(e)


def log_softmax(z: Any, tau: Any = 1) -> Any:
    s = np.asarray(z, dtype=object) / tau
    return s - sp.log(total(exp(s)))


def sort(x: Any, descending: bool = False) -> Any:
    """Sorted exact numbers (symbols have no order here: :class:`NotExact`)."""
    entries = np.ravel(x).tolist()
    keys = [strict_value(v) for v in entries]
    if any(k is None or not k.is_number or not k.is_real for k in keys):
        raise NotExact("only exact real numbers can be sorted")
    order = sorted(range(len(entries)), key=lambda k: keys[k], reverse=descending)
    return np.array([entries[k] for k in order], dtype=object)


def stack(parts: list[Any], dim: int = 0) -> Any:
    return np.stack([np.asarray(p, dtype=object) for p in parts], axis=dim)


def where(condition: Any, a: Any, b: Any) -> Any:
    """Entrywise selection; the condition must be decidable (exact numbers, or signs known from assumptions)."""
    cond = np.asarray(condition, dtype=object)
    decided = np.vectorize(_decide, otypes=[bool])(cond)
    return np.where(decided, a, b) if isinstance(cond, np.ndarray) and cond.ndim else (a if bool(decided) else b)


def _decide(condition: Any) -> bool:
    truth = sp.sympify(condition)
    if truth is sp.true or truth is sp.false:
        return truth is sp.true
    raise NotExact(f"cannot decide {condition} exactly")


def normalise(expr: Any) -> sp.Expr:
    """exp(a + b) = exp(a) exp(b) and log(x y) = log x + log y for positive factors, so that exp and log atoms can
    be treated as independent variables."""
    return sp.expand_log(sp.expand(sp.sympify(expr), power_exp=True, mul=False, multinomial=False), force=False)


def strict_value(value: Any) -> sp.Expr | None:
    """``value`` as an exact rational, or to CERTIFY_DIGITS guaranteed digits; None when sympy cannot guarantee
    them (a value that may be exactly 0)."""
    value = sp.sympify(value)
    if value.is_Rational:
        return value
    if not value.is_number:
        return None
    try:
        return sp.N(value, CERTIFY_DIGITS, strict=True)
    except (sp.core.evalf.PrecisionExhausted, TypeError, ValueError):
        return None


def exact_text(value: Any) -> Any:
    """A JSON-ready exact value: '1/3', 'log(2)', or nested lists of such strings."""
    if isinstance(value, np.ndarray):
        return [exact_text(v) for v in value.tolist()] if value.ndim else exact_text(value.item())
    if isinstance(value, (list, tuple)):
        return [exact_text(v) for v in value]
    return sp.sstr(sp.sympify(value), full_prec=False)
