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
* :func:`strict_value` evaluates an exact number to CERTIFY_DIGITS guaranteed digits or says it cannot, and
  :func:`arithmetic` names what decided it.

Exact means no float entered: while a formula is evaluated here (:func:`float_literals_as_intended`), a Python float
that meets a sympy number (``0.5 * x``) becomes the rational its author meant, so the constant never turns an exact
computation into a 15-digit one.  The one inexact step left is :func:`eigvalsh` of a matrix with irrational entries
(mpmath at EIGEN_DIGITS digits); its results are sympy Floats, and a value that contains a Float is known only to
within its resolution (:func:`resolution`): it decides a sign only beyond REFUTATION_MARGIN times that.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction
from typing import Any, Iterator

import mpmath
import numpy as np
import sympy as sp
from sympy.core.sympify import _sympy_converter, converter

from fim_audit.numeric.tolerance import REFUTATION_MARGIN
from fim_audit.symbolic import interval

CERTIFY_DIGITS = 50
"""Significant digits of a certification, read from an interval enclosure (:mod:`symbolic.interval`)."""


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
EIGEN_KEPT_DIGITS = EIGEN_DIGITS - 10
"""Digits those eigenvalues are returned with."""
RESOLUTION_SLACK_DIGITS = 20
"""A value holding Floats of d digits is known to 10^-(d - RESOLUTION_SLACK_DIGITS) (1 + sum of the Floats' sizes):
for eigenvalues (d = 70, error <= n^3 10^-80 ||M||) that covers n <= 10^6 and ||M|| <= 10^20 with room to spare."""


def eigvalsh(m: Any) -> Any:
    """Ascending eigenvalues of a symmetric matrix of exact numbers.

    Rational entries: the exact real roots of the characteristic polynomial.  Other exact numbers (exp(1/3), say):
    entries evaluated to EIGEN_DIGITS digits from interval enclosures, eigenvalues by mpmath's symmetric
    eigensolver at that precision; by Weyl's theorem and its backward stability each is within about
    n^3 10^-EIGEN_DIGITS ||M|| of the exact one, and a value computed from them decides a sign only beyond its
    :func:`resolution`.  Symbolic entries: :class:`NotExact`.
    """
    matrix = sp.Matrix(m.tolist())
    if matrix.free_symbols:
        raise NotExact("eigenvalues of a matrix with symbolic entries are not decided exactly")
    if all(entry.is_Rational for entry in matrix):
        roots = sp.real_roots(matrix.charpoly(sp.Dummy("lambda")))
        if len(roots) != matrix.rows:
            raise NotExact("the characteristic polynomial does not have n real roots (the matrix is not symmetric)")
        return np.array(sorted(roots, key=lambda r: sp.N(r, CERTIFY_DIGITS)), dtype=object)
    try:
        entries = [[interval.midpoint(e, EIGEN_DIGITS) for e in row] for row in matrix.tolist()]
    except interval.Unsupported as exc:
        raise NotExact(str(exc)) from None
    with mpmath.workdps(EIGEN_DIGITS):
        values = mpmath.eigsy(mpmath.matrix(entries), eigvals_only=True)
        ordered = sorted(values[k] for k in range(matrix.rows))
        kept = [sp.Float(mpmath.nstr(v, EIGEN_KEPT_DIGITS), EIGEN_KEPT_DIGITS) for v in ordered]
        return np.array(kept, dtype=object)


def diag(v: Any) -> Any:
    return np.diag(np.asarray(v, dtype=object))


def eye(n: int, like: Any = None) -> Any:
    return np.array(sp.eye(n).tolist(), dtype=object)


def _label(index: Any, n: int, what: str) -> int:
    """A label as an int in 0..n-1: exact only for a concrete integer (a symbolic label has no entrywise form; the
    exact sweep enumerates labels instead)."""
    index = sp.sympify(index)
    if not index.is_Integer:
        raise NotExact(f"{what} needs a concrete index, not {index}")
    if not 0 <= int(index) < n:
        raise ValueError(f"index {index} is outside 0..{n - 1}")
    return int(index)


def onehot(index: Any, like: Any) -> Any:
    """e_index, a vector of ``like``'s length, for a concrete integer index (:func:`_label`)."""
    n = len(like)
    k = _label(index, n, "a one-hot vector")
    return np.array([sp.Integer(int(j == k)) for j in range(n)], dtype=object)


def pick(v: Any, index: Any) -> Any:
    """v_index (of a matrix: along its last axis), for a concrete integer index (:func:`_label`)."""
    entries = np.asarray(v, dtype=object)
    k = _label(index, entries.shape[-1], "an entry at a label")
    return entries[..., k] if entries.ndim > 1 else entries[k]


def softmax(z: Any, tau: Any = 1) -> Any:
    """sigma(z / tau) = exp(z / tau) / sum exp(z / tau) (no shift: it is exact here, and a Max would not cancel)."""
    e = exp(np.asarray(z, dtype=object) / tau)
    return e / total(e)


def log_softmax(z: Any, tau: Any = 1) -> Any:
    s = np.asarray(z, dtype=object) / tau
    return s - sp.log(total(exp(s)))


def sort(x: Any, descending: bool = False) -> Any:
    """Sorted exact numbers (symbols have no order here: :class:`NotExact`)."""
    entries = [sp.sympify(v) for v in np.ravel(x).tolist()]
    keys = [0 if v == 0 else _digits(v) for v in entries]
    if any(k is None or not sp.sympify(k).is_real for k in keys):
        raise NotExact("only exact real numbers that are 0 or certified away from it can be sorted")
    order = sorted(range(len(entries)), key=lambda k: keys[k], reverse=descending)
    ordered = [entries[k] for k in order]
    for first, second in zip(ordered, ordered[1:], strict=False):  # the order itself certified, ties exact
        gap = second - first if descending else first - second
        if gap == 0:
            continue
        certain = _digits(gap)
        if certain is None or certain > 0:
            raise NotExact("two entries cannot be ordered exactly (equal or closer than the certified digits)")
    return np.array(ordered, dtype=object)


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


def _digits(value: Any) -> sp.Expr | None:
    """``value`` as an exact rational, or to CERTIFY_DIGITS digits read from an interval enclosure that excludes 0
    (:func:`symbolic.interval.certified`; sympy's ``N(strict=True)`` once returned wrong "guaranteed" digits);
    None when no enclosure separates it from 0 (a value that may be exactly 0)."""
    value = sp.sympify(value)
    if value.is_Rational:
        return value
    if not value.is_number or value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return None
    return interval.certified(value, CERTIFY_DIGITS)


def resolution(value: Any) -> sp.Float | None:
    """How well a value holding finite-precision Floats (eigenvalues of an irrational matrix) is known, or None for a
    value with none (exact)."""
    floats = sp.sympify(value).atoms(sp.Float)
    if not floats:
        return None
    digits = min(mpmath.libmp.prec_to_dps(f._prec) for f in floats)
    size = 1 + sum(abs(f) for f in floats)
    return sp.Float(10) ** (RESOLUTION_SLACK_DIGITS - digits) * size


def strict_value(value: Any) -> sp.Expr | None:
    """``value`` as an exact rational, or to CERTIFY_DIGITS guaranteed digits; None when sympy cannot guarantee
    them (a value that may be exactly 0), or when the value holds finite-precision Floats and is within
    REFUTATION_MARGIN times its :func:`resolution` of 0 (its sign is not known: a residual of 10^-83 left by
    80-digit eigenvalues decides nothing)."""
    digits = _digits(value)
    blur = resolution(value)
    if digits is None or blur is None:
        return digits
    return digits if abs(digits) > REFUTATION_MARGIN * blur else None


def arithmetic(value: Any) -> str:
    """The arithmetic that decided ``value`` (by :func:`strict_value`), for a certificate."""
    value = sp.sympify(value)
    if value.is_Rational:
        return "exact rational arithmetic (sympy)"
    blur = resolution(value)
    if blur is None:
        return f"interval arithmetic (mpmath iv, outward rounding): the enclosure excludes 0; {CERTIFY_DIGITS} digits"
    return (
        f"finite precision (mpmath, {EIGEN_DIGITS}-digit eigenvalues): the value clears {REFUTATION_MARGIN:g} times "
        f"its resolution {sp.sstr(blur, full_prec=False)}"
    )


def intended_rational(number: float) -> sp.Rational:
    """The rational a float constant in a formula stands for: the simplest one with denominator at most 10^6 that
    rounds to it (1/3 for 0.333...), else its binary value."""
    simple = Fraction(number).limit_denominator(10**6)
    exact = simple if float(simple) == number else Fraction(number)
    return sp.Rational(exact.numerator, exact.denominator)


_PLAIN_FLOAT = _sympy_converter[float]


def _literal(number: float) -> sp.Expr:
    number = float(number)
    return intended_rational(number) if math.isfinite(number) else _PLAIN_FLOAT(number)


@contextlib.contextmanager
def float_literals_as_intended() -> Iterator[None]:
    """Within: every Python float sympy meets (``0.5 * x``, ``x < 1.5``, numpy float64 scalars) becomes
    :func:`intended_rational`, through sympy's public ``converter`` table, so that a constant never makes an exact
    computation a 15-digit one (infinities and NaN keep their meaning).  Re-entrant; not thread-safe (the table is
    global), which the audit, one check at a time per process, does not need."""
    previous = converter.get(float)
    converter[float] = _literal
    try:
        yield
    finally:
        if previous is None:
            converter.pop(float, None)
        else:
            converter[float] = previous


def exact_text(value: Any) -> Any:
    """A JSON-ready exact value: '1/3', 'log(2)', or nested lists of such strings."""
    if isinstance(value, np.ndarray):
        return [exact_text(v) for v in value.tolist()] if value.ndim else exact_text(value.item())
    if isinstance(value, (list, tuple)):
        return [exact_text(v) for v in value]
    return sp.sstr(sp.sympify(value), full_prec=False)
