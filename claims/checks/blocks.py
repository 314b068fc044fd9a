"""Numeric checks of eigen-statements about B = blockdiag(A, C) (holistic §2.4, §3.1) on symmetric blocks
drawn by :func:`numeric.search.strategies.block_pairs`, some built to share an eigenvalue.

Tolerance: a backward-stable symmetric eigensolver returns eigenpairs (lambda, u) of A with residual
||A u - lambda u|| <= gamma_(k+8) ||A||_F (whatever the eigengap), so every residual below is compared with
SAFETY * gamma_(k+m+8) * (||A||_F + ||C||_F).

Bespoke, and why: the statements are about eigenvectors of two symmetric matrices of different sizes, some drawn to
share an eigenvalue exactly; the builders' variables are vectors and scalars of one size n, and eigenvectors (not
eigenvalues) have no exact form in symbolic/formula.py.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, Kind
from fim_audit.claims.builders.primitives import Evaluation, check_property
from fim_audit.numeric.search.strategies import BlockPair, block_pairs
from fim_audit.numeric.tolerance import excess, rounding_tolerance, safe_norm

MAX_BLOCK = 6


def _blocks(pair: BlockPair, ctx: RunContext) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    a = ctx.tensor(pair.a)
    c = ctx.tensor(pair.c)
    b = torch.block_diag(a, c)
    tolerance = rounding_tolerance(b.shape[0] + 8, safe_norm(a) + safe_norm(c), ctx.dtype)
    return a, c, b, tolerance


def _block_check(
    name: str,
    evaluate: Callable[[BlockPair, RunContext], tuple[torch.Tensor, dict[str, Any]]],
    catches: str,
    shared: bool | None = None,
) -> Check:
    def run(ctx: RunContext):
        def evaluation(pair: BlockPair, ctx: RunContext) -> Evaluation:
            ratio, observed = evaluate(pair, ctx)
            inputs = {"A": pair.a.tolist(), "C": pair.c.tolist(), "shared_eigenvalue": pair.shared}
            return Evaluation(ratio.reshape(1), lambda _: (inputs, observed))

        return check_property(block_pairs(MAX_BLOCK, shared), evaluation, ctx)

    return Check(name, Kind.NUMERIC, catches, run)


def _residual(b: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """||B v - rho v|| for unit v, rho the Rayleigh quotient (the best eigenvalue for v): zero iff v is an
    eigenvector."""
    v = v / safe_norm(v)
    return safe_norm(b @ v - (v @ b @ v) * v)


def stacked_eigenvectors(catches: str) -> Check:
    """[u; w] for every eigenvector u of A and w of C is an eigenvector of B (the residual vanishes)."""

    def evaluate(pair: BlockPair, ctx: RunContext):
        a, c, b, tolerance = _blocks(pair, ctx)
        _, u = torch.linalg.eigh(a)
        _, w = torch.linalg.eigh(c)
        residuals = torch.stack(
            [_residual(b, torch.cat([u[:, i], w[:, j]])) for i in range(u.shape[1]) for j in range(w.shape[1])]
        )
        worst = int(residuals.argmax())
        observed = {"worst_pair": divmod(worst, w.shape[1]), "residual": float(residuals[worst])}
        return excess(residuals, torch.zeros_like(residuals), tolerance, dims=1), observed

    return _block_check("torch: stacked [v_A; v_C] is an eigenvector of B", evaluate, catches)


def blockwise_eigenvectors(catches: str) -> Check:
    """Every eigenvector v of B (from eigh(B)) splits as [v_A; v_C] with A v_A = lambda v_A and C v_C = lambda
    v_C (each part an eigenvector of its block or zero)."""

    def evaluate(pair: BlockPair, ctx: RunContext):
        a, c, b, tolerance = _blocks(pair, ctx)
        eigenvalues, vectors = torch.linalg.eigh(b)
        k = a.shape[0]
        top, bottom = vectors[:k], vectors[k:]
        residual = torch.maximum(
            safe_norm(a @ top - top * eigenvalues, dim=0),
            safe_norm(c @ bottom - bottom * eigenvalues, dim=0),
        )
        return excess(residual, torch.zeros_like(residual), tolerance, dims=1), {
            "largest_residual": float(residual.max())
        }

    return _block_check("torch: eigenvectors of B split into block eigenvectors", evaluate, catches)


def spectrum_union(catches: str) -> Check:
    """The sorted eigenvalues of B equal the sorted union (with multiplicity) of those of A and C."""

    def evaluate(pair: BlockPair, ctx: RunContext):
        a, c, b, tolerance = _blocks(pair, ctx)
        of_b = torch.linalg.eigvalsh(b)
        union = torch.cat([torch.linalg.eigvalsh(a), torch.linalg.eigvalsh(c)]).sort().values
        return excess(of_b, union, tolerance, dims=1), {"spectrum_B": of_b.tolist(), "union": union.tolist()}

    return _block_check("torch: spectrum of B = spectrum of A + spectrum of C", evaluate, catches)


def padded_eigenbasis(catches: str) -> Check:
    """Q = blockdiag(U_A, U_C) of the blocks' orthonormal eigenvectors is an orthonormal eigenbasis of B:
    B Q = Q diag(Lambda_A, Lambda_C) and Q^T Q = I."""

    def evaluate(pair: BlockPair, ctx: RunContext):
        a, c, b, tolerance = _blocks(pair, ctx)
        lambda_a, u = torch.linalg.eigh(a)
        lambda_c, w = torch.linalg.eigh(c)
        q = torch.block_diag(u, w)
        eigenvalues = torch.cat([lambda_a, lambda_c])
        equation = excess(b @ q, q * eigenvalues, tolerance, dims=2)
        identity = torch.eye(q.shape[0], dtype=q.dtype, device=q.device)
        orthonormal = excess(q.T @ q, identity, rounding_tolerance(q.shape[0] + 8, torch.ones(()), ctx.dtype), dims=2)
        return torch.maximum(equation, orthonormal), {"eigenvalues": eigenvalues.tolist()}

    return _block_check("torch: zero-padded block eigenvectors form an eigenbasis of B", evaluate, catches)


def no_mixed_eigenvectors(catches: str) -> Check:
    """Every eigenvector of B is a zero-padded eigenvector of A or of C (one part is zero).

    Tested on the vector that could break it: with A and C sharing an eigenvalue lambda (eigenvectors u, w),
    v = [u; w] / sqrt(2).  If v is an eigenvector (residual within tolerance), the ratio reported is
    min(||v_A||, ||v_C||) / tolerance.
    """

    def evaluate(pair: BlockPair, ctx: RunContext):
        a, c, b, tolerance = _blocks(pair, ctx)
        lambda_a, u = torch.linalg.eigh(a)
        lambda_c, w = torch.linalg.eigh(c)
        i, j = divmod(int((lambda_a[:, None] - lambda_c[None, :]).abs().argmin()), lambda_c.shape[0])
        v = torch.cat([u[:, i], w[:, j]]) / math.sqrt(2)
        residual = _residual(b, v)
        is_eigenvector = residual <= tolerance
        smaller_part = torch.minimum(safe_norm(v[: a.shape[0]]), safe_norm(v[a.shape[0] :]))
        ratio = torch.where(is_eigenvector, smaller_part / tolerance, torch.zeros_like(smaller_part))
        observed = {
            "v": v.tolist(),
            "residual": float(residual),
            "eigenvalue_A": float(lambda_a[i]),
            "eigenvalue_C": float(lambda_c[j]),
        }
        return ratio, observed

    return _block_check("torch: no eigenvector of B mixes the blocks", evaluate, catches, shared=True)
