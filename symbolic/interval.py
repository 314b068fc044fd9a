"""Certified values of exact numbers by interval arithmetic: an enclosure of a sympy number computed with outward
rounding (mpmath's ``iv`` context) at growing precision, until it excludes 0 or the precision runs out.

Why not ``sympy.N(value, strict=True)``: it returned "50 guaranteed digits" of -1.1e-4346 for
KL(softmax(10000, 0) || softmax(10000 + 2^-10/sqrt 2, -2^-10/sqrt 2)), whose value is +5.4e-4350 (12 000-digit
mpmath), so Gibbs' inequality was REFUTED with a certificate.  An enclosure cannot be wrong that way: every
operation rounds outwards, so the true value lies in the interval, and a sign is read only from an interval that
excludes 0.  Supported: rationals, Floats (their binary values), real roots of polynomials (sympy's CRootOf, by its
exact isolating intervals), pi and E, +, *, powers (integer, half-integer, and positive bases), exp, log, Abs, Max,
Min.  Anything else is :class:`Unsupported` (no certified value).
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp
from mpmath import iv

PRECISIONS = (128, 512, 2048, 8192, 16384, 32768)
"""Working precisions tried, in bits (32768 bits: about 9900 digits, enough for terms like exp(-10^4)).  A value of
size exp(-10^4) beside terms of size 1 (the KL corners at z = 10^4) needs about 14 500 bits: 16384 decides it at a
quarter of the cost of 32768 (mpmath's exp series is superlinear in the precision)."""


class Unsupported(ValueError):
    """The expression holds an operation with no enclosure here, or one undefined on the enclosure (log of an
    interval reaching 0)."""


def enclosure(value: sp.Expr, bits: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The ends (lower, upper) of an interval holding the exact value of a closed sympy number, computed at ``bits``
    of precision with outward rounding."""
    previous = iv.prec
    iv.prec = bits
    try:
        low, high = _enclose(sp.sympify(value))._mpi_
    finally:
        iv.prec = previous
    return mpmath.mp.make_mpf(low), mpmath.mp.make_mpf(high)


def _ends(box: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    """An interval's ends, exactly (no rounding to the working precision of mpmath's ``mp`` context)."""
    low, high = box._mpi_
    return mpmath.mp.make_mpf(low), mpmath.mp.make_mpf(high)


def _enclose(expr: sp.Expr) -> Any:
    if expr.is_Integer:
        return iv.mpf(int(expr))
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / iv.mpf(int(expr.q))
    if expr.is_Float:  # its binary value, unrounded (mpmath.mpf(tuple) would round it to 53 bits)
        return iv.mpf(mpmath.mp.make_mpf(expr._mpf_))
    if isinstance(expr, sp.CRootOf) and expr.is_real:
        # sympy isolates real roots with exact rational arithmetic: a rational within dx of the root
        bits = iv.prec
        dx = sp.Rational(1, 2**bits)
        approximation = expr.eval_rational(dx=dx, n=int(bits * 0.30103) + 5)
        return _enclose(approximation) + iv.mpf([-1, 1]) * _enclose(dx)
    if expr is sp.pi:
        return iv.pi
    if expr is sp.E:
        return iv.e
    if expr.is_Add:
        total = iv.mpf(0)
        for term in expr.args:
            total = total + _enclose(term)
        return total
    if expr.is_Mul:
        product = iv.mpf(1)
        for factor in expr.args:
            product = product * _enclose(factor)
        return product
    if expr.is_Pow:
        return _power(expr.base, expr.exp)
    if isinstance(expr, sp.exp):
        return iv.exp(_enclose(expr.args[0]))
    if isinstance(expr, sp.log) and len(expr.args) == 1:
        argument = _enclose(expr.args[0])
        if not _ends(argument)[0] > 0:
            raise Unsupported(f"log of an interval reaching 0: {expr}")
        return iv.log(argument)
    if isinstance(expr, sp.Abs):
        inner = _enclose(expr.args[0])
        return _absolute(inner)
    if isinstance(expr, (sp.Max, sp.Min)):
        ends = [_ends(_enclose(arg)) for arg in expr.args]
        pick = max if isinstance(expr, sp.Max) else min
        return iv.mpf([pick(low for low, _ in ends), pick(high for _, high in ends)])
    raise Unsupported(f"no enclosure for {type(expr).__name__}")


def _power(base: sp.Expr, exponent: sp.Expr) -> Any:
    inner = _enclose(base)
    low, high = _ends(inner)
    if exponent.is_Integer:
        if int(exponent) < 0 and not (low > 0 or high < 0):
            raise Unsupported("a negative power of an interval holding 0")
        return inner ** int(exponent)
    if exponent.is_Rational and exponent.q == 2 and low >= 0:
        root = iv.sqrt(inner)
        if exponent.p < 0 and not _ends(root)[0] > 0:
            raise Unsupported("a negative power of an interval holding 0")
        return root ** int(exponent.p)
    if low > 0:
        return iv.exp(_enclose(exponent) * iv.log(inner))
    raise Unsupported(f"a power {exponent} of an interval not bounded away from 0")


def _absolute(box: Any) -> Any:
    low, high = _ends(box)
    if low >= 0:
        return box
    if high <= 0:
        return -box
    return iv.mpf([0, max(-low, high)])


def certified(value: sp.Expr, digits: int) -> sp.Float | None:
    """``value`` to ``digits`` significant digits, read from an enclosure that excludes 0 (so its sign is certain
    and its digits are within the enclosure), or None when no precision up to the last of PRECISIONS separates it
    from 0, or it has no enclosure."""
    for bits in PRECISIONS:
        try:
            low, high = enclosure(value, bits)
        except (Unsupported, ZeroDivisionError, ValueError, OverflowError):
            return None
        if low > 0 or high < 0:
            with mpmath.workprec(bits):
                middle = (low + high) / 2
                if high - low <= abs(middle) * mpmath.mpf(10) ** (-digits) or bits == PRECISIONS[-1]:
                    return sp.Float(middle, digits)
    return None


def midpoint(value: sp.Expr, digits: int) -> mpmath.mpf:
    """``value`` to within 10^-digits (1 + |value|) (the middle of a narrow enough enclosure), for a computation in
    finite precision that states its own error (eigenvalues of a matrix with irrational entries)."""
    for bits in PRECISIONS:
        try:
            low, high = enclosure(value, bits)
        except (Unsupported, ZeroDivisionError, ValueError, OverflowError) as exc:
            raise Unsupported(f"no enclosure of {value}: {exc}") from None
        with mpmath.workprec(bits):
            middle = (low + high) / 2
            if high - low <= (1 + abs(middle)) * mpmath.mpf(10) ** (-digits):
                return middle
    raise Unsupported(f"no enclosure of {value} narrower than 10^-{digits}")
