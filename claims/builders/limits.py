"""Limits in a parameter: ``lim_(t -> at) quantity(x, t) = claimed(x)`` for every x of a space.

A limit is decided exactly, by sympy's limit (Gruntz's algorithm) of the quantity at exact values of the other
variables (:func:`symbolic.limits.exact_limit`: first in the quantity's expanded, cancelled form):

* at the space's corner points (``sympy: ... at the corner points``): DISPROVED at the first corner where the exact
  limit differs from the claimed one (ties of logits, one-hot and uniform distributions live here), INCONCLUSIVE
  otherwise;
* at points drawn by Hypothesis (a search of at most ``SEARCH_EXAMPLES`` points of size at most ``SEARCH_MAX_N``,
  each decided exactly): points between two corner points of one size (:meth:`_Decision.between_corners`) and
  points drawn freely from the space.  A mismatch is certified, agreement is evidence over the points tried.  Free
  draws alone were mostly n = 1, zero vectors, or floats whose exact limits run out of time: 12 of them left
  lim KL(softmax(z) || softmax(z + t v)) / t^2 = v^T F v (twice the true value) unrefuted.

A proof for symbolic variables can be supplied (``proof``).  A point where sympy cannot compute the limit is skipped
and counted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch
from hypothesis import strategies as st

from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.formula import Formula, exact_values, require_variable
from fim_audit.claims.builders.primitives import Evaluation, check_property, derivation_check, symbolic_check
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic import interval
from fim_audit.symbolic.budget import OutOfTime, time_budget
from fim_audit.symbolic.limits import exact_limit
from fim_audit.symbolic.outcome import Derivation

SEARCH_EXAMPLES = 12
SEARCH_MAX_N = 4
"""The exact search's budget: sympy's limit costs about 0.05-0.5 s per point at these sizes."""
PROBES = (20, 40)
PROBE_DIGITS = 60
"""A limit that refutes is corroborated by the quantity's values 10^-20 and 10^-40 from the limit point."""
CORNER_SHARE = 6
SEARCH_SHARE = 30
"""A corner's limits get 1/CORNER_SHARE of the profile's sympy time budget (10 s in the default profile), a drawn
point's 1/SEARCH_SHARE (2 s: random floats make slow exact limits, and there are more of them); a point that takes
longer is skipped and counted.  The local KL-Fisher quotient took over 20 minutes at one corner before there were
budgets; at the corner z = (0, 1), v = (1, -1) the plain limit takes 6 s (2 s in the expanded, cancelled form), and a
2 s budget there skipped every informative corner, leaving a false variant to a search that mostly times out."""

MIXTURE_STEPS = 8
"""A point between two corners c and c' is c + (k / MIXTURE_STEPS)(c' - c), k = 1 .. MIXTURE_STEPS - 1."""

POINTS = {"0": sp.Integer(0), "oo": sp.oo, "-oo": -sp.oo}


def limit(
    quantity: Formula,
    claimed: Formula,
    *,
    param: str,
    at: float | str,
    over: Space,
    what: str,
    side: str = "+",
    proof: Callable[[], Derivation] | None = None,
) -> tuple[Check, ...]:
    """``lim_(param -> at) quantity = claimed`` (``at``: a number, "oo" or "-oo"; ``side``: "+" from above, "-"
    from below, ignored at infinity); ``claimed`` must not take ``param``."""
    if param not in over.variables or over.variables[param].vector:
        raise ValueError(f"limit in {param!r}: it must be a scalar variable of the space")
    require_variable(quantity, param, list(over.variables), "a limit")
    if side not in ("+", "-"):
        raise ValueError(f"side {side!r} is not '+' or '-'")
    target = POINTS.get(str(at), None) if isinstance(at, str) else sp.nsimplify(at)
    if target is None:
        raise ValueError(f"limit point {at!r} is not a number, 'oo' or '-oo'")
    decide = _Decision(quantity, claimed, param, target, side, over, what)
    checks = (
        []
        if proof is None
        else [derivation_check(f"sympy: {what}, proof", proof, catches="a limit the derivation does not establish")]
    )
    checks.append(
        symbolic_check(
            f"sympy: {what} at the corner points, exact",
            decide.corners,
            catches="a claimed limit that differs from the exact one at a corner (ties, one-hot, uniform)",
        )
    )
    checks.append(
        Check(
            f"search: {what}, exact limits at drawn points",
            Kind.NUMERIC,
            "a claimed limit that differs from the exact one at some drawn point, certified exactly",
            decide.search,
            validate=decide.validate,
            exact=True,  # sympy's limits at exact points: no float decides it, so it runs once for every dtype
        )
    )
    return tuple(checks)


class _Decision:
    def __init__(self, quantity, claimed, param, target, side, over: Space, what: str) -> None:
        self.quantity, self.claimed, self.param, self.target = quantity, claimed, param, target
        self.direction = side if target not in (sp.oo, -sp.oo) else ("-" if target is sp.oo else "+")
        self.over, self.what = over, what
        self.symbol = (
            sp.Symbol(param, positive=True) if over.variables[param].kind == "positive" else sp.Symbol(param, real=True)
        )

    def at(self, inputs: Mapping[str, Any], seconds: float) -> tuple[Any, Any, dict[str, Any], int] | None:
        """(exact limit, claimed, exact point, index of the first mismatch or -1), or None if sympy cannot tell
        within ``seconds``."""
        try:
            with time_budget(seconds, f"{self.what}: the exact limit at one point"):
                return self._at(inputs, seconds)
        except OutOfTime:
            return None

    def _at(self, inputs: Mapping[str, Any], seconds: float) -> tuple[Any, Any, dict[str, Any], int] | None:
        point = self.over.exact_point(inputs)
        if self.over.holds(point) is not True:  # outside the statement's hypothesis
            return None
        n = self.over.size_of(point)
        if any(  # a point between two corners leaves a domain that is not convex (a variable declared outside)
            name != self.param and variable.contains is not None and variable.contains(point[name], n) is not True
            for name, variable in self.over.variables.items()
        ):
            return None
        values = {**point, self.param: self.symbol}
        expression = np.atleast_1d(exact_values(self.quantity, values))
        claimed = np.atleast_1d(exact_values(self.claimed, {k: v for k, v in values.items() if k != self.param}))
        limits = []
        for entry in expression.ravel():
            try:
                value = exact_limit(entry, self.symbol, self.target, self.direction, seconds)
            except (NotImplementedError, ValueError, TypeError):
                return None
            if value.has(sp.Limit) or isinstance(value, sp.AccumBounds):
                return None
            limits.append(value)
        limits = np.array(limits, dtype=object).reshape(expression.shape)
        limits, claimed, entries = np.broadcast_arrays(limits, claimed, expression)
        for index, (value, expected) in enumerate(zip(limits.ravel(), claimed.ravel(), strict=True)):
            difference = exact.strict_value(value - expected) if value.is_finite else None
            if (value.is_finite is False) or (difference is not None and difference != 0):
                if not self._corroborated(entries.ravel()[index], value, expected):
                    return None  # sympy's limit is not borne out by the values near the point: undecided
                return limits, claimed, point, index
        return limits, claimed, point, -1

    def _corroborated(self, entry: sp.Expr, value: sp.Expr, expected: sp.Expr) -> bool:
        """Whether the quantity's exact values at two points near the limit point (10^-20 and 10^-40 away, or
        10^20 and 10^40 out; interval arithmetic) bear out sympy's limit against the claimed one: sympy's limit
        returned -oo for KL(softmax(z) || softmax(z + t v)) / t^2 at z = (0, -5e-324), whose limit is 1/8."""
        near = []
        for k in PROBES:
            if self.target in (sp.oo, -sp.oo):
                at = sp.Integer(10) ** k * (1 if self.target is sp.oo else -1)
            else:
                at = self.target + sp.Integer(10) ** -k * (1 if self.direction == "+" else -1)
            try:
                near.append(interval.midpoint(entry.xreplace({self.symbol: at}), PROBE_DIGITS))
            except interval.Unsupported:
                return False
        first, second = (sp.Float(v, PROBE_DIGITS) for v in near)
        if value.is_finite:
            return abs(second - value) <= abs(value - expected) / 100
        return bool(second * value > 0 and abs(second - expected) > abs(first - expected) + 1)

    def _failure(self, found: tuple[Any, Any, dict[str, Any], int]) -> tuple[dict[str, Any], dict[str, Any]]:
        limits, claimed, point, index = found
        described = self.over.describe({name: v for name, v in point.items() if name != self.param})
        return described, {
            "exact_limit": exact.exact_text(limits),
            "claimed_limit": exact.exact_text(claimed),
            "entry": index,
        }

    def corners(self, ctx: RunContext) -> CheckResult:
        tried = unresolved = 0
        for corner in self.over.corners(ctx, sizes=(1, 2, 3)):
            found = self.at(corner, ctx.profile.sympy_seconds / CORNER_SHARE)
            tried += 1
            if found is None:
                unresolved += 1
                continue
            if found[3] >= 0:
                inputs, observed = self._failure(found)
                return CheckResult(
                    Status.DISPROVED,
                    f"{self.what}: the exact limit differs at the corner {inputs}",
                    cases=tried,
                    counterexample=Counterexample(
                        inputs,
                        observed,
                        True,
                        "sympy's exact limit (Gruntz) at a corner, corroborated by interval values",
                    ),
                )
        return CheckResult(
            Status.INCONCLUSIVE,
            f"{self.what}: exact limits agree at {tried - unresolved} corner points ({unresolved} not computed within "
            f"{ctx.profile.sympy_seconds / CORNER_SHARE:g} s each, or outside the hypothesis)",
            cases=tried,
        )

    def search(self, ctx: RunContext) -> CheckResult:
        small = replace(
            ctx,
            profile=replace(
                ctx.profile,
                max_examples=min(ctx.profile.max_examples, SEARCH_EXAMPLES),
                max_batch=1,
                max_n=min(ctx.profile.max_n, SEARCH_MAX_N),
            ),
        )
        skipped = [0]
        # each point's answer, computed once: Hypothesis replays a failing point, and a limit that ran out of time
        # the second time would make the failure flaky (an error, not a counterexample)
        decided: dict[tuple, Any] = {}

        def evaluate(drawn: Mapping[str, np.ndarray], run: RunContext) -> Evaluation:
            inputs = {name: value[0] for name, value in drawn.items()}
            key = tuple((name, np.asarray(value, dtype=np.float64).tobytes()) for name, value in inputs.items())
            if key not in decided:
                decided[key] = self.at(inputs, ctx.profile.sympy_seconds / SEARCH_SHARE)
            found = decided[key]
            if found is None:
                skipped[0] += 1
            failed = found is not None and found[3] >= 0
            ratio = torch.tensor([torch.inf if failed else 0.0], dtype=torch.float64)

            def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
                return {name: np.asarray(v).tolist() for name, v in inputs.items()}, (
                    self._failure(found)[1] if failed else {}
                )

            return Evaluation(ratio, describe, cases=0 if found is None else 1)  # a skipped point is no case

        def certify(inputs: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
            return (
                True,
                "sympy's exact limit (Gruntz) at the exact point of the drawn floats, corroborated by the exact "
                "values 10^-20 and 10^-40 from the limit point (interval arithmetic)",
                {},
            )

        points = st.one_of(self.between_corners(small), self.over.strategy(small))
        result = check_property(points, evaluate, small, certify=certify)
        if skipped[0]:
            result = replace(
                result,
                detail=f"{result.detail}; {skipped[0]} points outside the hypothesis or where sympy gave no limit "
                f"(within {ctx.profile.sympy_seconds / SEARCH_SHARE:g} s each)",
            )
        return replace(result, detail=f"exact limits: {result.detail}")

    def between_corners(self, ctx: RunContext) -> st.SearchStrategy[dict[str, np.ndarray]]:
        """Points (batches of one) between two corner points of one size: c + w (c' - c) entrywise, w = k / 8, a
        discrete variable (a label) at its value in c.  The builders' domains are convex, so the point stays in them;
        each variable's ``contains`` and the statement's hypothesis are checked at the exact point (:meth:`_at`,
        which skips a point outside either: a variable declared outside the package may not be convex).  Its entries
        are short dyadic rationals where the corners' are (sympy's limits there are quick), and it leaves the corners'
        symmetries: between v = (1, -1) and v = (1, 1), w = 1/2 gives v = (1, 0)."""
        by_size: dict[int, list[dict[str, Any]]] = {}
        for corner in self.over.corners(ctx, sizes=(2, SEARCH_MAX_N)):
            by_size.setdefault(self.over.size_of(corner), []).append(corner)

        @st.composite
        def points(draw: st.DrawFn) -> dict[str, np.ndarray]:
            corners = by_size[draw(st.sampled_from(sorted(by_size)))]
            first, second = draw(st.sampled_from(corners)), draw(st.sampled_from(corners))
            w = draw(st.integers(1, MIXTURE_STEPS - 1)) / MIXTURE_STEPS
            return {
                name: np.asarray(
                    first[name] if variable.values is not None else first[name] + w * (second[name] - first[name])
                )[None]
                for name, variable in self.over.variables.items()
            }

        return points()

    def validate(self) -> None:
        """Both formulas evaluated once at a corner (exact numbers: a claimed limit often selects maximisers)."""
        inputs = {
            name: np.asarray(v.corners(2 if self.over.sized else 1)[0]) for name, v in self.over.variables.items()
        }
        point = self.over.exact_point(inputs)
        exact_values(self.quantity, point)
        exact_values(self.claimed, {k: v for k, v in point.items() if k != self.param})
