"""Monotonicity: a quantity that moves one way as a parameter grows (``monotone(q, in_="tau")``), or as the points
are ordered by another quantity (``monotone(q, along=order)``: a more concentrated distribution never has a larger
gap).

Both are decided on pairs of points: the space is doubled (a second value of the parameter, or a second copy of
every variable, named ``<name>_2``), and the pair is ordered before the quantity is compared, so every draw is a
case.  The exact path evaluates ordered corner pairs exactly; a failure found numerically is certified by exact
re-evaluation at both points.  A monotonicity proof (say, the sign of a derivative for symbolic n) can be supplied
as ``proof`` or as a lemma with an argument on the reading.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp
import torch

from fim_audit.claims.builders import _statement
from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.formula import Formula, call, exact_values, numeric_values, require_variable
from fim_audit.claims.builders.inequality import inequality_checks
from fim_audit.numeric import bounded
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.outcome import Derivation

DIRECTIONS = ("increasing", "decreasing")


def monotone(
    quantity: Formula,
    *,
    over: Space,
    what: str,
    direction: str,
    in_: str | None = None,
    along: Formula | None = None,
    strict: bool = False,
    proof: Callable[[], Derivation] | None = None,
):
    """``quantity`` is non-decreasing (``direction="increasing"``) or non-increasing in the parameter ``in_``, or
    along the order that ``along`` puts on the points of ``over``.  ``strict``: strictly."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not one of {DIRECTIONS}")
    if (in_ is None) == (along is None):
        raise ValueError("give exactly one of in_ (a parameter) and along (an order on the points)")
    if in_ is not None:
        require_variable(quantity, in_, list(over.variables), "a monotonicity")
        relation, paired = _in_parameter(quantity, in_, over, what, direction, strict), [in_]
    else:
        relation, paired = _along_order(quantity, along, over, what, direction, strict), list(over.variables)
    return inequality_checks(relation, proof, draws=over, expand=_pairs_of(paired), max_batch=PAIR_BATCH)


PAIR_BATCH = 6
"""Rows per drawn batch of a pair search: 30 ordered pairs per example; larger batches find a disagreeing pair no
sooner and cost far more to shrink (16 rows: 240 pairs, 22 s of shrinking for one counterexample)."""


def _pairs_of(names: list[str]) -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """Every ordered pair (i, j), i != j, of a drawn batch's rows as a case: the point of row i, with ``names`` also
    taken from row j as ``<name>_2`` (a batch of B rows gives B (B - 1) cases; two rows that two orders rank
    differently, or two temperatures of one point, are rare among the rows of one draw, and corner pairs need
    distinct corners)."""

    def expand(drawn: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows = len(next(iter(drawn.values())))
        first, second = np.array([(i, j) for i in range(rows) for j in range(rows) if i != j] or [(0, 0)]).T
        return {**{k: v[first] for k, v in drawn.items()}, **{f"{k}_2": drawn[k][second] for k in names}}

    return expand


def _doubled(over: Space, names: list[str]) -> Space:
    """The space of pairs: a second copy ``<name>_2`` of each of ``names``; the hypothesis must hold at both."""
    variables = dict(over.variables)
    variables.update({f"{name}_2": over.variables[name] for name in names})
    assume = over.assume
    if assume is not None:

        def both(**values: Any) -> Any:
            second = {**values, **{name: values[f"{name}_2"] for name in names}}
            return call(assume, values) * call(assume, second)

        assume = both
    return Space(variables, over.min_n, over.max_n, (), assume, over.condition)


def _in_parameter(quantity: Formula, name: str, over: Space, what: str, direction: str, strict: bool):
    if name not in over.variables or over.variables[name].vector:
        raise ValueError(f"monotone in {name!r}: it must be a scalar variable of the space")
    pair = _doubled(over, [name])
    other = f"{name}_2"

    def ends(values: dict[str, Any], smaller: Callable, larger: Callable) -> tuple[Any, Any]:
        low, high = smaller(values[name], values[other]), larger(values[name], values[other])
        at_low, at_high = exact_values(quantity, {**values, name: low}), exact_values(quantity, {**values, name: high})
        return (at_low, at_high) if direction == "increasing" else (at_high, at_low)

    def numeric(inputs):
        low, high = torch.minimum(inputs[name], inputs[other]), torch.maximum(inputs[name], inputs[other])
        at_low = numeric_values(quantity, {**inputs, name: low})
        at_high = numeric_values(quantity, {**inputs, name: high})
        return (at_low, at_high) if direction == "increasing" else (at_high, at_low)

    def exact_sides(symbolic):
        values = {key: v.value for key, v in symbolic.items()}
        if exact.strict_value(values[name] - values[other]) == 0:
            raise _statement.Vacuous("equal parameter values compare nothing")
        return ends(values, sp.Min, sp.Max)

    return _statement.Relation(what, pair, numeric, exact_sides, "<" if strict else "<=")


def _along_order(quantity: Formula, order: Formula, over: Space, what: str, direction: str, strict: bool):
    names = list(over.variables)
    pair = _doubled(over, names)

    def first(values: dict[str, Any]) -> dict[str, Any]:
        return {name: values[name] for name in names}

    def second(values: dict[str, Any]) -> dict[str, Any]:
        return {name: values[f"{name}_2"] for name in names}

    def numeric(inputs):
        a, b = first(inputs), second(inputs)
        order_a, order_b = numeric_values(order, a), numeric_values(order, b)
        q_a, q_b = numeric_values(quantity, a), numeric_values(quantity, b)
        # every pair is a case: the point the order ranks higher (beyond rounding) against the other; a tie is vacuous
        resolution = SAFETY * (order_a.error + order_b.error)
        a_higher, b_higher = order_a.value - order_b.value > resolution, order_b.value - order_a.value > resolution
        a_higher, tie = (_like(mask, q_a) for mask in (a_higher, ~(a_higher | b_higher)))
        higher, lower = bounded.where(a_higher, q_a, q_b), bounded.where(a_higher, q_b, q_a)
        lower = bounded.where(tie, higher, lower)
        return (lower, higher) if direction == "increasing" else (higher, lower)

    def exact_sides(symbolic):
        values = {key: v.value for key, v in symbolic.items()}
        a, b = first(values), second(values)
        difference = exact.strict_value(np.ravel(exact_values(order, a) - exact_values(order, b))[0])
        if difference is None or not difference.is_real:
            raise exact.NotExact("the order of the two points is not decided exactly")
        if difference == 0:
            raise _statement.Vacuous("the order ties the two points")
        q_a, q_b = exact_values(quantity, a), exact_values(quantity, b)
        higher, lower = (q_a, q_b) if difference > 0 else (q_b, q_a)
        return (lower, higher) if direction == "increasing" else (higher, lower)

    return _statement.Relation(what, pair, numeric, exact_sides, "<" if strict else "<=")


def _like(mask, value: bounded.Bounded):
    """A per-case mask shaped to select entries of ``value`` (batch first)."""
    return mask.reshape(mask.shape + (1,) * (value.value.dim() - mask.dim()))
