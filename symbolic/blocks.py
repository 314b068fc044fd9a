"""Eigen-structure of a block-diagonal matrix B = blockdiag(A, C) (holistic §2.4 and §3.1), with sympy's
block-matrix algebra for symbolic block sizes k and m, and exact instances for fixed sizes."""

from __future__ import annotations

from typing import Any

import sympy as sp

from fim_audit.symbolic.outcome import Certificate, Derivation, Finding
from fim_audit.symbolic.exact import Instance, Point, exact_string, shifted_determinant

_K, _M = sp.symbols("k m", integer=True, positive=True)
_A = sp.MatrixSymbol("A", _K, _K)
_C = sp.MatrixSymbol("C", _M, _M)
_X = sp.MatrixSymbol("x", _K, 1)
_Y = sp.MatrixSymbol("y", _M, 1)
_LAMBDA = sp.Symbol("lambda")
_B = sp.BlockMatrix([[_A, sp.ZeroMatrix(_K, _M)], [sp.ZeroMatrix(_M, _K), _C]])
SCOPE = "all block sizes k, m >= 1, all square blocks A (k x k), C (m x m)"


def _blocks_vanish(difference: sp.Expr) -> bool:
    collapsed = sp.block_collapse(difference)
    blocks = collapsed.blocks if isinstance(collapsed, sp.BlockMatrix) else sp.Matrix([[collapsed]])
    return all(sp.expand(block) == sp.ZeroMatrix(*block.shape) for block in blocks)


def _decided(holds: bool, what: str) -> Derivation:
    if holds:
        return Derivation(Finding.PROVED, f"{what}: block residual expands to the zero matrix", cases=1, scope=SCOPE)
    return Derivation(Finding.INCONCLUSIVE, f"{what}: block residual does not expand to zero")


def blockwise_eigen_equation() -> Derivation:
    """B [x; y] - lambda [x; y] = [(A - lambda I) x; (C - lambda I) y]: so [x; y] is an eigenvector of B for
    lambda iff A x = lambda x and C y = lambda y, each part an eigenvector of its block or zero."""
    v = sp.BlockMatrix([[_X], [_Y]])
    expected = sp.BlockMatrix([[(_A - _LAMBDA * sp.Identity(_K)) * _X], [(_C - _LAMBDA * sp.Identity(_M)) * _Y]])
    return _decided(_blocks_vanish(_B * v - _LAMBDA * v - expected), "B v - lambda v blockwise")


def padded_eigenvectors() -> Derivation:
    """B [x; 0] = [A x; 0] and B [0; y] = [0; C y]: zero-padded eigenvectors of A and of C are eigenvectors
    of B with the same eigenvalues."""
    top = sp.BlockMatrix([[_X], [sp.ZeroMatrix(_M, 1)]])
    bottom = sp.BlockMatrix([[sp.ZeroMatrix(_K, 1)], [_Y]])
    holds = _blocks_vanish(_B * top - sp.BlockMatrix([[_A * _X], [sp.ZeroMatrix(_M, 1)]])) and _blocks_vanish(
        _B * bottom - sp.BlockMatrix([[sp.ZeroMatrix(_K, 1)], [_C * _Y]])
    )
    return _decided(holds, "B [x; 0] = [A x; 0] and B [0; y] = [0; C y]")


def characteristic_polynomial_factorises() -> Derivation:
    """det(B - lambda I) = det(A - lambda I) det(C - lambda I) for symbolic block sizes: the spectrum of B is
    that of A and that of C, with multiplicities."""
    product = sp.det(sp.BlockDiagMatrix(_A - _LAMBDA * sp.Identity(_K), _C - _LAMBDA * sp.Identity(_M)))
    expected = sp.det(_A - _LAMBDA * sp.Identity(_K)) * sp.det(_C - _LAMBDA * sp.Identity(_M))
    if sp.simplify(product - expected) == 0:
        return Derivation(Finding.PROVED, "det(B - lambda I) = det(A - lambda I) det(C - lambda I)", 1, SCOPE)
    return Derivation(Finding.INCONCLUSIVE, f"determinant did not factorise: {product}")


def characteristic_instance(n: int) -> Instance:
    """Fully symbolic n x n blocks: det(B - lambda I) - det(A - lambda I) det(C - lambda I) expands to 0."""
    a = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))
    c = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"c{i}{j}", real=True))
    b = sp.diag(a, c)

    def charpoly(m: sp.Matrix) -> sp.Expr:
        return shifted_determinant(m, _LAMBDA).as_expr()

    variables = (*a, *c, _LAMBDA)

    def describe(point: Point) -> dict[str, Any]:
        return {str(v): exact_string(point[v]) for v in variables}

    return Instance((), variables, sp.Matrix([[charpoly(b)]]), sp.Matrix([[charpoly(a) * charpoly(c)]]), describe)


def stacked_instance(n: int) -> Instance:
    """v = [e_1; e_1] for diagonal blocks A = diag(a), C = diag(c) of size n: if v were an eigenvector of B its
    eigenvalue would be the Rayleigh quotient rho = v^T B v / v^T v, so B v - rho v must vanish."""
    a = sp.symbols(f"a0:{n}", real=True)
    c = sp.symbols(f"c0:{n}", real=True)
    b = sp.diag(*a, *c)
    v = sp.Matrix([1 if i in (0, n) else 0 for i in range(2 * n)])
    rho = (v.T * b * v)[0] / (v.T * v)[0]

    def describe(point: Point) -> dict[str, Any]:
        return {
            "A": f"diag({', '.join(exact_string(point[x]) for x in a)})",
            "C": f"diag({', '.join(exact_string(point[x]) for x in c)})",
            "v_A": "e_1",
            "v_C": "e_1",
        }

    return Instance((), (*a, *c), b * v, rho * v, describe)


def mixed_eigenvector() -> Derivation:
    """A counterexample to "every eigenvector of B is a zero-padded eigenvector of A or of C": with A = C =
    (1), B = I_2 and v = (1, 1) is an eigenvector of B with both parts non-zero."""
    a = c = sp.Matrix([[1]])
    b = sp.diag(a, c)
    v = sp.Matrix([1, 1])
    residual = b * v - v
    if not residual.is_zero_matrix:
        return Derivation(Finding.INCONCLUSIVE, "the constructed vector is not an eigenvector")
    return Derivation(
        Finding.DISPROVED,
        "A = C = (1): v = (1, 1) satisfies B v = v, yet neither part of v is zero",
        cases=1,
        counterexample=Certificate(
            {"A": "(1)", "C": "(1)", "v": ["1", "1"]},
            {"B v": ["1", "1"], "eigenvalue": "1", "shared eigenvalue of A and C": "1"},
            True,
            "exact integer arithmetic",
        ),
    )
