"""Normalising finite sums over a symbolic range, so that identities in symbolic n can be decided by
plain cancellation: every Sum is split over the terms of its expanded summand, factors free of the
summation index are pulled out, dummy indices get one canonical name, and Sum(p_m, (m, 1, n)) can be
replaced by 1 on the simplex.  Each step is an equivalence, so a residual that normalises to 0 is 0."""

from __future__ import annotations

import sympy as sp

DUMMY = sp.Symbol("m_", integer=True, positive=True)


def _split(total: sp.Sum) -> sp.Expr:
    ((index, low, high),) = total.limits
    result = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(total.function)):
        inside = [f for f in sp.Mul.make_args(term) if f.has(index)]
        outside = [f for f in sp.Mul.make_args(term) if not f.has(index)]
        summand = sp.Mul(*inside).subs(index, DUMMY)
        result += sp.Mul(*outside) * (sp.Sum(summand, (DUMMY, low, high)) if inside else high - low + 1)
    return result


def linearise(expr: sp.Expr) -> sp.Expr:
    """Apply :func:`_split` to every single-index Sum until nothing changes."""
    previous = None
    while previous != expr:
        previous = expr
        expr = sp.expand(expr)  # KroneckerDelta(i, j)^k with k >= 1 is already KroneckerDelta(i, j) in sympy
        expr = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, _split))
    return expr


def with_total(expr: sp.Expr, x: sp.IndexedBase, n: sp.Symbol, total: sp.Expr) -> sp.Expr:
    """``expr`` with sum_{m=1}^n x_m replaced by ``total`` (after linearising, so every such sum is visible)."""
    return linearise(linearise(expr).subs(sp.Sum(x[DUMMY], (DUMMY, 1, n)), total))


def on_simplex(expr: sp.Expr, p: sp.IndexedBase, n: sp.Symbol) -> sp.Expr:
    """``expr`` with sum_{m=1}^n p_m = 1 applied."""
    return with_total(expr, p, n, 1)
