"""Inequalities and spectral statements: ``lhs(x) <= rhs(x)`` entrywise (``at_most``, ``at_least``), the Loewner
order of symmetric matrices (``loewner``), bounds on an eigenvalue (``eigenvalue_bounds``), and the rank of a
symmetric matrix (``rank``).

An inequality between functions has no canonical form, so the exact path is: the relation evaluated exactly at
the space's corner points (uniform, one-hot, two-point, ties, at n = 1, 2, 5), which refutes at a corner and proves
nothing otherwise; plus a proof you supply (``proof``: a general derivation), or lemmas with an argument declared
on the reading (:class:`claims.model.Lemma`).  The numeric path searches adversarial draws with the rounding bound
of both sides, and certifies a failure by exact re-evaluation (exact eigenvalues are roots of the characteristic
polynomial).  Without a proof a true inequality is SUPPORTED, never PROVED.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch

from fim_audit.claims.builders import _statement
from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.formula import Formula, call, exact_values, numeric_values, op
from fim_audit.claims.builders.identity import identity
from fim_audit.claims.builders.primitives import Evaluation, check_property, derivation_check, symbolic_check
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic.outcome import Derivation

CORNER_CATCHES = "a bound that fails at a corner of the domain (one-hot, uniform, two-point, n = 1), exactly"
NUMERIC_CATCHES = (
    "a bound exceeded by more than both sides' rounding bounds on some drawn or corner input, shrunk and certified "
    "by exact re-evaluation"
)
PROOF_CATCHES = "a bound that the supplied derivation does not establish (alone it never refutes)"


def at_most(
    lhs: Formula,
    rhs: Formula,
    *,
    over: Space,
    what: str,
    strict: bool = False,
    proof: Callable[[], Derivation] | None = None,
) -> tuple[Check, ...]:
    """``lhs <= rhs`` (``strict``: ``<``) entrywise on ``over``; ``rhs`` may be a scalar bound for a vector lhs."""
    numeric, exact_sides = _statement.pointwise(lhs, rhs)
    relation = _statement.Relation(what, over, numeric, exact_sides, "<" if strict else "<=")
    return inequality_checks(relation, proof)


def at_least(
    lhs: Formula,
    rhs: Formula,
    *,
    over: Space,
    what: str,
    strict: bool = False,
    proof: Callable[[], Derivation] | None = None,
) -> tuple[Check, ...]:
    """``lhs >= rhs`` entrywise on ``over`` (``strict``: ``>``): the same checks as :func:`at_most` with the sides
    exchanged."""
    return at_most(rhs, lhs, over=over, what=what, strict=strict, proof=proof)


def loewner(
    lower: Formula, upper: Formula, *, over: Space, what: str, proof: Callable[[], Derivation] | None = None
) -> tuple[Check, ...]:
    """``lower <= upper`` in the Loewner order of symmetric matrices: every eigenvalue of upper - lower is >= 0."""

    def smallest(**values: Any) -> Any:
        return op.min(op.eigvalsh(call(upper, values) - call(lower, values)))

    return at_most(lambda **values: 0, smallest, over=over, what=what, proof=proof)


def eigenvalue_bounds(
    matrix: Formula,
    *,
    over: Space,
    what: str,
    lower: Formula | None = None,
    upper: Formula | None = None,
    index: int = -1,
    proof: Callable[[], Derivation] | None = None,
) -> tuple[Check, ...]:
    """``lower <= lambda <= upper`` for the eigenvalue at ``index`` of the ascending spectrum of a symmetric matrix
    (-1: the largest, 0: the smallest)."""
    if lower is None and upper is None:
        raise ValueError("eigenvalue_bounds needs a lower or an upper bound")

    def eigenvalue(**values: Any) -> Any:
        return op.eigvalsh(call(matrix, values))[index]

    checks: list[Check] = []
    if lower is not None:
        checks += conjunct(at_most(lower, eigenvalue, over=over, what=f"{what} (lower bound)"), "lower bound")
    if upper is not None:
        checks += conjunct(at_most(eigenvalue, upper, over=over, what=f"{what} (upper bound)"), "upper bound")
    if proof is not None:
        checks.insert(0, derivation_check(f"sympy: {what}, proof", proof, catches=PROOF_CATCHES))
    return tuple(checks)


def inequality_checks(
    relation: _statement.Relation, proof: Callable[[], Derivation] | None, **search: Any
) -> tuple[Check, ...]:
    """A proof (if any), the exact corner check and the numeric search of one inequality; ``search`` goes to
    :func:`claims.builders._statement.numeric_check` (``draws``, ``expand``, ``max_batch``) and, but for the batch
    cap, to the corner check."""
    checks = [] if proof is None else [derivation_check(f"sympy: {relation.what}, proof", proof, catches=PROOF_CATCHES)]
    corners = {key: value for key, value in search.items() if key != "max_batch"}
    checks.append(_statement.corner_check(relation, catches=CORNER_CATCHES, **corners))
    name = f"torch: {relation.what} (rounding bound carried)"
    checks.append(_statement.numeric_check(relation, name, catches=NUMERIC_CATCHES, **search))
    return tuple(checks)


EXACT_RANK_MAX_N = 8
"""Largest n at which a case that rounding cannot resolve is decided by the exact rank during the search."""


def rank(matrix: Formula, claimed: Callable[..., int], *, over: Space, what: str) -> tuple[Check, ...]:
    """``rank matrix(x) = claimed(x)`` for a symmetric matrix, where ``claimed`` takes the variables as float numpy
    arrays (e.g. ``lambda p: int((p > 0).sum()) - 1``).

    Numerically an eigenvalue counts as non-zero when it clears SAFETY times its rounding bound.  More such
    eigenvalues than claimed is a failure (certified by the exact rank of the exact matrix, Gaussian elimination over
    the rationals); fewer may be rounding (a tiny eigenvalue, not a zero one), so such a case is decided by the exact
    rank on the spot up to n = EXACT_RANK_MAX_N and skipped (and counted) beyond.  Exactly: the rank at the corner
    points.
    """

    def numeric_rank(inputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Per case, the eigenvalues that clear SAFETY times their rounding bound."""
        eigenvalues = numeric_values(lambda **v: op.eigvalsh(call(matrix, v)), inputs)
        return (eigenvalues.value.abs() > SAFETY * eigenvalues.error).sum(dim=-1)

    def exact_rank(inputs: Mapping[str, Any]) -> tuple[int, int, dict[str, Any]]:
        point = over.exact_point(inputs)
        computed = sp.Matrix(exact_values(matrix, point).tolist()).rank(simplify=True)
        return computed, int(call(claimed, {k: np.asarray(v, dtype=float) for k, v in point.items()})), point

    def certify(inputs: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        computed, expected, point = exact_rank(inputs)
        values = {"exact_point": over.describe(point), "exact_rank": computed, "claimed_rank": expected}
        if over.holds(point) is not True:
            return False, "the exact point does not meet the statement's hypothesis exactly", values
        if computed != expected:
            return True, f"exact rank {computed} of the exact matrix, claimed {expected}", values
        return False, f"the exact matrix has the claimed rank {expected}: rounding could not resolve it", values

    def evaluate(drawn: Mapping[str, np.ndarray], ctx: RunContext) -> Evaluation:
        inputs = {key: ctx.tensor(value) for key, value in drawn.items()}
        if over.assume is not None:  # the hypothesis: only the points that meet it are cases
            keep = over.holds(inputs)
            if not bool(keep.any()):
                return Evaluation(torch.zeros(1, dtype=torch.float64), lambda k: ({}, {}), cases=0)
            drawn = {key: value[keep.cpu().numpy()] for key, value in drawn.items()}
            inputs = {key: value[keep] for key, value in inputs.items()}
        resolved = numeric_rank(inputs)
        rows = [{k: v[b] for k, v in drawn.items()} for b in range(len(resolved))]
        expected = [int(call(claimed, row)) for row in rows]
        ratio = torch.zeros(len(rows), dtype=torch.float64)
        unresolved = 0
        for b, row in enumerate(rows):
            if expected[b] < int(resolved[b]):  # more eigenvalues clear their rounding bound than the claim allows
                ratio[b] = torch.inf
            elif expected[b] > int(resolved[b]):  # eigenvalues below their bound may be tiny, not zero: decide exactly
                if over.size_of(row) <= EXACT_RANK_MAX_N:
                    ratio[b] = torch.inf if exact_rank(row)[0] != expected[b] else 0.0
                else:
                    unresolved += 1
        skipped[0] += unresolved

        def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
            return {key: value[k].tolist() for key, value in inputs.items()}, {
                "eigenvalues_beyond_rounding": int(resolved[k]),
                "claimed_rank": expected[k],
            }

        return Evaluation(ratio, describe)

    skipped = [0]

    def numeric_run(ctx: RunContext) -> CheckResult:
        skipped[0] = 0
        result = check_property(over.strategy(ctx), evaluate, ctx, certify=certify, examples=over.fixed(ctx))
        if skipped[0]:
            note = f"; {skipped[0]} cases with eigenvalues below their rounding bound at n > {EXACT_RANK_MAX_N} skipped"
            result = replace(result, detail=result.detail + note)
        return result

    def corner_run(ctx: RunContext) -> CheckResult:
        tried = 0
        for inputs in over.corners(ctx, sizes=(1, 2, 5)):
            if over.holds(over.exact_point(inputs)) is not True:
                continue
            tried += 1
            computed, expected, point = exact_rank(inputs)
            if computed != expected:
                return CheckResult(
                    Status.DISPROVED,
                    f"{what}: exact rank {computed}, claimed {expected} at {over.describe(point)}",
                    cases=tried,
                    counterexample=Counterexample(
                        over.describe(point),
                        {"exact_rank": computed, "claimed_rank": expected},
                        True,
                        "exact rank over the rationals (sympy)",
                    ),
                )
        return CheckResult(Status.INCONCLUSIVE, f"{what}: the claimed rank holds at {tried} exact corner points", tried)

    return (
        symbolic_check(f"sympy: {what} at the corner points, exact", corner_run, catches=CORNER_CATCHES),
        Check(
            f"torch: {what} (eigenvalues beyond their rounding bound)",
            Kind.NUMERIC,
            "a rank off by one or more on some drawn input, certified by the exact rank",
            numeric_run,
        ),
    )


def kernel(
    matrix: Formula, basis: Formula, dimension: Callable[..., int], *, over: Space, what: str
) -> tuple[Check, ...]:
    """ker matrix(x) is spanned by the columns of ``basis(x)`` and has dimension ``dimension(x)`` (a function of the
    variables as float numpy arrays): ``matrix @ basis = 0`` as an identity (an exact sweep and a numeric search),
    and ``rank matrix = n - dimension`` (:func:`rank`).  Together they say the kernel is exactly that span."""

    inside = identity(
        lambda **v: call(matrix, v) @ call(basis, v),
        lambda **v: 0 * call(basis, v),
        over=over,
        what=f"{what}: the basis is in the kernel",
    )
    dimension_checks = rank(
        matrix, lambda **v: over.size_of(v) - int(call(dimension, v)), over=over, what=f"{what}: rank"
    )
    return (*conjunct(inside, "the basis is in the kernel"), *conjunct(dimension_checks, "the dimension"))


def conjunct(checks: tuple[Check, ...], part: str) -> tuple[Check, ...]:
    """``checks`` as those of one conjunct ``part`` of a statement (see :func:`claims.verdict.decide_formalization`)."""
    return tuple(replace(check, part=part) for check in checks)


def sequence_bounds(*bounds: tuple[Formula, Formula], over: Space, what: str) -> tuple[Check, ...]:
    """Several inequalities of one statement (``(lhs, rhs)`` pairs, each ``lhs <= rhs``), such as interlacing
    ``p_(k+1) <= lambda_k <= p_(k)``: one check set per pair, named ``what`` with its position."""
    return tuple(
        check
        for k, (lhs, rhs) in enumerate(bounds)
        for check in conjunct(at_most(lhs, rhs, over=over, what=f"{what} [{k + 1}]"), f"inequality {k + 1}")
    )


__all__ = [
    "at_least",
    "at_most",
    "eigenvalue_bounds",
    "inequality_checks",
    "kernel",
    "loewner",
    "rank",
    "sequence_bounds",
]
