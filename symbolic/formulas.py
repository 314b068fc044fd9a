"""Evaluating a paper's formula, written once as a scalar entry kernel, on sympy expressions.

The twin of :mod:`numeric.formulas`: the same ``kernel(x_i, x_j, delta_ij)`` function is applied to sympy
scalars, either entry by entry for a fixed n or to indexed symbols with a KroneckerDelta for symbolic n.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp

EntryKernel = Callable[..., object]


def entry_matrix(kernel: EntryKernel, v: Sequence[sp.Expr], *parameters: sp.Expr) -> sp.Matrix:
    """M[i, j] = kernel(v_i, v_j, delta_ij, *parameters) for a fixed-length vector ``v``."""
    n = len(v)
    return sp.Matrix(n, n, lambda i, j: sp.sympify(kernel(v[i], v[j], sp.Integer(int(i == j)), *parameters)))


def general_entry(
    kernel: EntryKernel, x_i: sp.Expr, x_j: sp.Expr, i: sp.Symbol, j: sp.Symbol, *parameters: sp.Expr
) -> sp.Expr:
    """kernel(x_i, x_j, KroneckerDelta(i, j), *parameters) for symbolic indices i, j."""
    return sp.sympify(kernel(x_i, x_j, sp.KroneckerDelta(i, j), *parameters))
