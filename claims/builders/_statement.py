"""The machinery every statement-shaped builder shares: a relation between two formulas over a space, decided

* exactly for each n up to the profile bound (:func:`sweep`, identities only: an inequality between rational
  functions has no canonical form),
* exactly at the space's corner points (:func:`corner_check`: uniform, one-hot, ties...),
* numerically on Hypothesis draws with the rounding bound carried through both formulas (:func:`numeric_check`),
  a failure certified by exact re-evaluation at the binary value of the failing floats (:func:`certifier`).

A relation is "=" (entrywise equality of scalars, vectors or matrices), "<=" or "<" (entrywise).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch
from hypothesis import strategies as st

from fim_audit.claims.builders import worst_case
from fim_audit.claims.builders.domains import Space, Symbolic, rows_of
from fim_audit.claims.builders.formula import exact_values, numeric_values
from fim_audit.claims.builders.primitives import (
    CannotCertify,
    Evaluation,
    check_property,
    from_derivation,
    symbolic_check,
)
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.bounded import Bounded
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.exact import Instance, prove_up_to

RELATIONS = ("=", "<=", "<")
"""Entrywise equality, lhs <= rhs, and lhs < rhs (numerically the same as <=: rounding cannot tell a strict
inequality from equality; exact re-evaluation, at corners and of a failure, counts equality as a violation)."""


class Vacuous(exact.NotExact):
    """The relation does not apply at this point (two equal parameter values, two points the order ties): neither
    a case nor a counterexample, whatever the relation."""


@dataclass(frozen=True)
class Relation:
    """``lhs relation rhs`` over ``over``: the two sides as one function (so derived sides, such as a Jacobian or
    a value at a second point, are computed once for both backends)."""

    what: str
    over: Space
    numeric_sides: Callable[[Mapping[str, torch.Tensor]], tuple[Bounded, Bounded]]
    exact_sides: Callable[[Mapping[str, Symbolic]], tuple[Any, Any]]
    relation: str = "="

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"relation {self.relation!r} is not one of {RELATIONS}")

    # --- exact ---------------------------------------------------------------------------------------------------
    def instance(self, n: int, fixed: Mapping[str, Any] | None = None) -> tuple[Any, Any, dict[str, Symbolic]]:
        """Both sides at size n in symbols; ``fixed``: exact values of discrete variables (labels), which have no
        entrywise symbolic form."""
        symbolic = self.over.symbolic(n)
        symbolic.update({name: Symbolic(value, (), (), lambda _: {}) for name, value in (fixed or {}).items()})
        lhs, rhs = self.exact_sides(symbolic)
        return np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object), symbolic

    def exact_at(self, inputs: Mapping[str, Any], simplest: bool = False) -> tuple[Any, Any, dict[str, Any]]:
        """Both sides exactly at the point a float counterexample stands for (``simplest``: at the simplest rationals
        that round to its floats, :meth:`Space.exact_point`), and that point: evaluated on the exact values directly
        (eigenvalues, sorting and selections need numbers), or, for what needs symbols (a derivative), built
        symbolically at that n and then evaluated there."""
        point_values = self.over.exact_point(inputs, simplest)
        concrete = {name: Symbolic(value, (), (), lambda _: {}) for name, value in point_values.items()}
        try:
            lhs, rhs = self.exact_sides(concrete)
            return np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object), point_values
        except Vacuous:
            raise
        except exact.NotExact:
            pass
        discrete = {name: point_values[name] for name, v in self.over.variables.items() if v.values is not None}
        lhs, rhs, symbolic = self.instance(self.over.size_of(inputs), discrete)
        substitution: dict[sp.Symbol, sp.Expr] = {}
        for name, variable in symbolic.items():
            substitution.update(variable.point(point_values[name]))
        return _substitute(lhs, substitution), _substitute(rhs, substitution), point_values

    def violation(self, lhs: Any, rhs: Any) -> tuple[tuple[int, ...], sp.Expr, str] | None:
        """The first entry where the relation fails beyond doubt (:func:`symbolic.formula.strict_value`: exactly, to
        50 guaranteed digits, or a finite-precision value beyond its resolution), or None: (the entry, lhs - rhs
        there, the arithmetic that decided it)."""
        lhs, rhs = np.atleast_1d(lhs), np.atleast_1d(rhs)
        if lhs.ndim != rhs.ndim:  # a vector against a scalar bound
            lhs, rhs = np.broadcast_arrays(
                *(a.reshape(a.shape + (1,) * (max(lhs.ndim, rhs.ndim) - a.ndim)) for a in (lhs, rhs))
            )
        difference = lhs - rhs
        for index in np.ndindex(difference.shape):
            value = exact.strict_value(difference[index])
            if value is None or not value.is_real:
                continue
            if {"=": value != 0, "<=": value > 0, "<": value >= 0}[self.relation]:
                return index, value, exact.arithmetic(difference[index])
        return None

    # --- numeric -------------------------------------------------------------------------------------------------
    def ratio(self, lhs: Bounded, rhs: Bounded) -> torch.Tensor:
        """Per case, the worst entry's (lhs - rhs) / tolerance ("<=") or |lhs - rhs| / tolerance ("="), with the
        tolerance SAFETY times the two sides' rounding bounds (never below the smallest normal number)."""
        lhs_value, rhs_value, lhs_error, rhs_error = _aligned(lhs.value, rhs.value, lhs.error, rhs.error)
        tolerance = (SAFETY * (lhs_error + rhs_error)).clamp_min(torch.finfo(lhs_value.dtype).tiny)
        gap = lhs_value - rhs_value
        ratio = (gap.abs() if self.relation == "=" else gap) / tolerance
        ratio = torch.where(torch.isnan(ratio), torch.inf, ratio)
        return ratio.flatten(start_dim=1).amax(dim=1) if ratio.dim() > 1 else ratio


def _aligned(*tensors: torch.Tensor) -> list[torch.Tensor]:
    """Batched sides of different ranks (a vector against a scalar bound) broadcast entrywise: a lower-rank side
    gains trailing dimensions, so the batch dimension stays first."""
    rank = max(t.dim() for t in tensors)
    padded = [t.reshape(*t.shape, *([1] * (rank - t.dim()))) for t in tensors]
    return list(torch.broadcast_tensors(*padded))


def _substitute(values: Any, substitution: Mapping[sp.Symbol, sp.Expr]) -> Any:
    if isinstance(values, np.ndarray):
        return np.vectorize(lambda v: sp.sympify(v).xreplace(substitution), otypes=[object])(values)
    return sp.sympify(values).xreplace(substitution)


def _matrix(values: Any) -> sp.Matrix:
    array = np.atleast_1d(np.asarray(values, dtype=object))
    rows = array.reshape(array.shape[0], -1) if array.ndim <= 2 else array.reshape(-1, 1)
    return sp.Matrix([[exact.normalise(v) for v in row] for row in rows.tolist()])


def sweep(relation: Relation, *, catches: str, max_n: int | None = None) -> Check:
    """The identity decided exactly for each n in [min_n, the profile's symbolic_max_n] (a scalar-only space: once):
    PROVED with that scope, or DISPROVED at the smallest failing n with an exact point."""
    if relation.relation != "=":
        raise ValueError("only identities are swept exactly")
    over = relation.over

    def size(n: int) -> int:
        return max(n, over.min_n) if over.sized else 1

    def build(n: int) -> Instance:
        cases = over.symbolic_cases(size(n))
        sides = [
            tuple(np.asarray(side, dtype=object) for side in relation.exact_sides(symbolic)) for _, symbolic in cases
        ]
        symbolic = cases[0][1]
        positive = tuple(s for v in symbolic.values() for s in v.positive)
        real = tuple(s for v in symbolic.values() for s in v.real)

        def describe(point: Mapping[sp.Symbol, sp.Expr]) -> dict[str, Any]:
            return {
                name: exact.exact_text(_substitute(np.asarray(v.value, dtype=object), point))
                for name, v in symbolic.items()
            }

        if len(cases) == 1:
            return Instance(positive, real, _matrix(sides[0][0]), _matrix(sides[0][1]), describe)
        # one row per combination of the discrete variables' values (the failing row names them, see run)
        lhs_rows, rhs_rows = [], []
        for lhs, rhs in sides:
            left, right = np.broadcast_arrays(lhs, rhs)
            lhs_rows.append([exact.normalise(v) for v in left.ravel()])
            rhs_rows.append([exact.normalise(v) for v in right.ravel()])
        return Instance(positive, real, sp.Matrix(lhs_rows), sp.Matrix(rhs_rows), describe)

    def named(result: CheckResult) -> CheckResult:
        """A failing row of an enumerated instance is a combination of discrete values: put them in the point."""
        counterexample = result.counterexample
        cases = over.symbolic_cases(size(counterexample.observed["n"] + (over.min_n - 1 if over.sized else 0)))
        if len(cases) == 1:
            return result
        fixed = cases[counterexample.observed["entry"][0]][0]
        inputs = {**counterexample.inputs, **{name: exact.exact_text(value) for name, value in fixed.items()}}
        return replace(result, counterexample=replace(counterexample, inputs=inputs))

    def run(ctx: RunContext) -> CheckResult:
        bound = ctx.profile.symbolic_max_n if max_n is None else min(max_n, ctx.profile.symbolic_max_n)
        if not over.sized:
            bound = 1
        if bound < over.min_n and over.sized:
            return CheckResult(Status.INCONCLUSIVE, f"{relation.what}: n >= {over.min_n} exceeds the exact bound")
        offset = over.min_n - 1 if over.sized else 0
        try:
            result = from_derivation(prove_up_to(lambda k: build(k + offset), bound - offset, relation.what))
        except exact.NotExact as exc:  # eigenvalues, sorting: no exact form for symbolic entries
            return CheckResult(Status.INCONCLUSIVE, f"{relation.what}: no exact form for symbolic n ({exc})")
        if result.status is Status.DISPROVED:
            result = named(result)
        if result.status is Status.DISPROVED and over.assume is not None:
            point = {name: _parse(value) for name, value in result.counterexample.inputs.items()}
            if over.holds(point) is not True:
                return CheckResult(
                    Status.INCONCLUSIVE,
                    f"{relation.what}: the sweep's failing point does not meet the hypothesis; the hypothesis is not "
                    "encoded symbolically",
                    cases=result.cases,
                )
        if result.status is Status.PROVED:
            sizes = f"every n in {over.min_n}..{bound}" if over.sized else "every value"
            return CheckResult(
                Status.PROVED,
                result.detail.replace(f"every n <= {bound - offset}", sizes),
                cases=result.cases,
                scope=f"{sizes} of {_conditions(over)}, exact rational-function identity",
                math=result.math,
            )
        return result

    name = f"sympy: {relation.what}, exact for each n" if over.sized else f"sympy: {relation.what}, exact"
    return symbolic_check(name, run, catches=catches, validate=lambda: _validate(relation))


def _conditions(over: Space) -> str:
    words = ", ".join(f"{name}: {v.condition}" for name, v in over.variables.items())
    return f"{words}, {over.condition or 'under the hypothesis'}" if over.assume is not None else words


def _parse(value: Any) -> Any:
    """An exact value described as text ('1/3', ['log(2)', ...]) back as sympy."""
    if isinstance(value, list):
        return np.array([_parse(v) for v in value], dtype=object)
    return sp.sympify(value)


def certifier(relation: Relation) -> Callable[[Mapping[str, Any]], tuple[bool, str, dict[str, Any]]]:
    """Re-decide a numeric counterexample exactly: first at the simplest rationals that round to its floats (0.001 is
    reported as 1/1000 when the statement fails there too), else at the binary value of its floats (distributions:
    divided by their exact sum).  Certified when some entry fails the relation beyond doubt
    (:meth:`Relation.violation`) at a point that meets the hypothesis exactly."""

    def at(inputs: Mapping[str, Any], simplest: bool) -> tuple[bool, str, dict[str, Any]]:
        lhs, rhs, point = relation.exact_at(inputs, simplest)
        failing = relation.violation(lhs, rhs)
        values = {"exact_point": relation.over.describe(point)}
        if relation.over.holds(point) is not True:
            return False, "the exact point does not meet the statement's hypothesis exactly", values
        if failing is None:
            return False, "exact re-evaluation at the binary point: the relation holds there", values
        index, difference, arithmetic = failing
        shown = f"entry {list(index)} of lhs - rhs = {sp.sstr(difference, full_prec=False)}"
        how = f"re-evaluation at the exact point: {shown} ({arithmetic})"
        return True, how, {**values, "exact_difference": exact.exact_text(difference)}

    def certify(inputs: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
        try:
            try:
                found = at(inputs, simplest=True)
            except exact.NotExact:  # two values that round to one simple rational (Vacuous), or no exact form
                found = (False, "", {})
            return found if found[0] else at(inputs, simplest=False)
        except exact.NotExact as exc:  # the float margin rule decides (numeric.search.property.CannotCertify)
            raise CannotCertify(f"no exact re-evaluation: {exc}") from None

    return certify


def numeric_check(
    relation: Relation,
    name: str,
    *,
    catches: str,
    certify: bool = True,
    draws: Space | None = None,
    expand: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]] | None = None,
    max_batch: int | None = None,
) -> Check:
    """The relation on Hypothesis draws from the space and its corners, with the rounding bound of both sides; for
    an inequality, then the worst case: the best draws refined to local maxima of the relative violation
    (:mod:`claims.builders.worst_case`), checked the same way, and the largest violation found recorded.

    ``draws`` and ``expand``: draw from another space and turn each drawn batch into the relation's cases (every
    ordered pair of a batch's rows, for a statement about pairs of points); ``max_batch`` caps the rows drawn
    per example (a batch of pairs grows quadratically, and so does the cost of shrinking it)."""
    source = draws or relation.over
    searched = relation.relation != "=" and expand is None

    def evaluator(pool: worst_case.Candidates | None) -> Callable[[Mapping[str, np.ndarray], RunContext], Evaluation]:
        """The evaluation of one drawn batch; with a ``pool``, its cases are also offered as worst-case starts."""

        def evaluate(drawn: Mapping[str, np.ndarray], ctx: RunContext) -> Evaluation:
            cases = expand(drawn) if expand is not None else drawn
            inputs = {key: ctx.tensor(value) for key, value in cases.items()}
            if relation.over.assume is not None:  # the hypothesis: only the points that meet it are cases
                keep = relation.over.holds(inputs)
                if not bool(keep.any()):
                    return Evaluation(torch.zeros(1, dtype=torch.float64), lambda k: ({}, {}), cases=0)
                inputs = {key: value[keep] for key, value in inputs.items()}
            lhs, rhs = relation.numeric_sides(inputs)
            ratio = relation.ratio(lhs, rhs)
            if pool is not None:
                pool.offer(*_aligned(lhs.value, rhs.value), inputs)

            def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
                shown = {key: value[k].tolist() for key, value in inputs.items()}
                bound = _row(SAFETY * (lhs.error + rhs.error), k)
                return shown, {"lhs": _row(lhs.value, k), "rhs": _row(rhs.value, k), "rounding_bound": bound}

            return Evaluation(ratio, describe)

        return evaluate

    def sides(inputs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        lhs, rhs = relation.numeric_sides(inputs)
        left, right = _aligned(lhs.value, rhs.value)
        return left, right

    def run(ctx: RunContext) -> CheckResult:
        certify_with = certifier(relation) if certify else None
        pool = worst_case.Candidates() if searched else None
        result = check_property(
            source.strategy(ctx, max_batch), evaluator(pool), ctx, certify=certify_with, examples=source.fixed(ctx)
        )
        if result.status is not Status.PASSED or pool is None:
            return result
        refined, kept = worst_case.refine(sides, relation.over, pool, ctx.profile.max_dense_n)
        if not refined:
            return result
        wide = ctx.promoted(torch.float64)
        found = check_property(st.sampled_from(refined), evaluator(None), wide, certify=certify_with, examples=refined)
        starts = f"the {worst_case.STARTS} best draws per objective (float64"
        starts += f"; {kept} larger than n = {ctx.profile.max_dense_n} kept as drawn)" if kept else ")"
        if found.status is not Status.PASSED:
            detail = (
                f"counterexample: error / tolerance = {found.ratio:.3g} at a point refined by local maximisation of "
                f"the violation from {starts}, after {result.cases} drawn cases within tolerance"
            )
            return replace(found, detail=detail, cases=result.cases + found.cases)
        return replace(
            result,
            detail=f"{result.detail}; {_worst(relation, refined, wide, starts)}",
            cases=result.cases + found.cases,
        )

    return Check(name, Kind.NUMERIC, catches, run, validate=lambda: _validate(relation))


def _worst(relation: Relation, refined: list[dict[str, np.ndarray]], ctx: RunContext, starts: str) -> str:
    """The evidence a referee reads: the largest violations found by the local search, and where (the relative one
    only where the sides clear their rounding bound, else it measures rounding)."""
    found: dict[str, tuple[float, Any]] = {"damped": (-np.inf, None), "relative": (-np.inf, None)}
    with torch.no_grad():
        for batch in refined:
            lhs, rhs = relation.numeric_sides({name: ctx.tensor(value) for name, value in batch.items()})
            left, right, left_error, right_error = _aligned(lhs.value, rhs.value, lhs.error, rhs.error)
            clear = left.abs() + right.abs() > SAFETY * (left_error + right_error)
            resolved = clear.flatten(start_dim=1).all(dim=1) if clear.dim() > 1 else clear
            measures = {
                "damped": worst_case.damped_violation(left, right),
                "relative": torch.where(resolved, worst_case.relative_violation(left, right), -torch.inf),
            }
            for key, values in measures.items():
                k = int(torch.argmax(values))
                if float(values[k]) > found[key][0]:
                    found[key] = (float(values[k]), {name: np.round(v[k], 6).tolist() for name, v in batch.items()})
    (damped, at_damped), (relative, at_relative) = found["damped"], found["relative"]
    words = f"worst case after local maximisation from {starts}: (lhs - rhs) / (1 + |lhs| + |rhs|) = {damped:.3g}"
    words += f" at {at_damped}"
    if at_relative is not None:
        words += f"; (lhs - rhs) / (|lhs| + |rhs|) = {relative:.6g}{_quotient(relative)} at {at_relative}"
    return words


def _quotient(gap: float) -> str:
    """The ratio lhs / rhs a relative violation stands for, when both sides are positive (a constant's sup)."""
    return f", i.e. lhs / rhs = {(1 + gap) / (1 - gap):.6g} where both sides are positive" if -1 < gap < 1 else ""


def _row(values: torch.Tensor, k: int) -> Any:
    row = values[k] if values.dim() else values
    return row.tolist()


def corner_check(
    relation: Relation,
    *,
    catches: str,
    draws: Space | None = None,
    expand: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]] | None = None,
) -> Check:
    """The relation evaluated exactly at the space's corner points (at n = 1, 2 and 5; with ``draws`` and
    ``expand``, as for :func:`numeric_check`, every ordered pair of corners): DISPROVED at the first that fails,
    else INCONCLUSIVE (a few points prove nothing)."""

    def run(ctx: RunContext) -> CheckResult:
        tried = 0
        batches = (draws or relation.over).fixed(ctx, sizes=(1, 2, 5))
        for batch in (expand(b) for b in batches) if expand is not None else batches:
            for inputs in rows_of(batch):
                found = [
                    (lhs, rhs, point, relation.violation(lhs, rhs))
                    for lhs, rhs, point in _exact_points(relation, inputs)
                    if relation.over.holds(point) is True
                ]
                if not found:
                    continue
                tried += 1
                lhs, rhs, point, failing = next((f for f in found if f[3] is not None), found[-1])
                if failing is not None:
                    index, difference, arithmetic = failing
                    observed = {
                        "lhs": exact.exact_text(lhs),
                        "rhs": exact.exact_text(rhs),
                        "entry": list(index),
                        "difference": exact.exact_text(difference),
                    }
                    return CheckResult(
                        Status.DISPROVED,
                        f"{relation.what}: fails at the corner {relation.over.describe(point)} ({arithmetic})",
                        cases=tried,
                        counterexample=Counterexample(
                            relation.over.describe(point), observed, True, f"{arithmetic}, at a corner point"
                        ),
                    )
        return CheckResult(Status.INCONCLUSIVE, f"{relation.what}: holds at {tried} exact corner points", cases=tried)

    return symbolic_check(f"sympy: {relation.what} at the corner points, exact", run, catches=catches)


def _exact_points(relation: Relation, inputs: Mapping[str, Any]) -> list[tuple[Any, Any, dict[str, Any]]]:
    """Both sides at the simplest rationals that round to a corner's floats (the uniform corner 1/3 exactly), and at
    their binary values; those that have an exact form."""
    points = []
    for simplest in (True, False):
        try:
            points.append(relation.exact_at(inputs, simplest))
        except exact.NotExact:
            continue
    return points


def _validate(relation: Relation) -> None:
    """Evaluate both sides once, numerically at n = 2 and exactly at n = 2, so that a formula that does not
    evaluate is reported when its paper is loaded (an operation with no exact form on symbols, such as sorting,
    is fine: those relations are decided exactly at points only)."""
    size = max(2, relation.over.min_n) if relation.over.sized else 1
    try:
        relation.exact_sides(relation.over.symbolic(size))
    except exact.NotExact:
        pass
    drawn = {
        name: torch.as_tensor(np.asarray(v.corners(size)[0], dtype=np.float64))[None]
        for name, v in relation.over.variables.items()
    }
    lhs, rhs = relation.numeric_sides(drawn)
    relation.ratio(lhs, rhs)


def pointwise(formula_lhs: Callable[..., Any], formula_rhs: Callable[..., Any]):
    """The (numeric, exact) side functions of a relation between two formulas of the space's variables."""

    def numeric(inputs: Mapping[str, torch.Tensor]) -> tuple[Bounded, Bounded]:
        return numeric_values(formula_lhs, inputs), numeric_values(formula_rhs, inputs)

    def exact_sides(symbolic: Mapping[str, Symbolic]) -> tuple[Any, Any]:
        values = {name: v.value for name, v in symbolic.items()}
        return exact_values(formula_lhs, values), exact_values(formula_rhs, values)

    return numeric, exact_sides
