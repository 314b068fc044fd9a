"""Negated bounds: ``sup_x quantity(x) = +oo`` over a space ("f is not Lipschitz", "the ratio is not bounded"),
shown by an explicit witness family t -> x(t) in the space along which the quantity tends to +oo as t -> oo.

* ``sympy: ... along the witness family``: the family at a symbolic t = 1 + s (s > 0), each of its values shown
  to lie in its variable's domain for every t >= 1 (sympy's assumptions; undecided: INCONCLUSIVE), then the exact
  limit of the quantity along it as t -> oo: PROVED when it is +oo, INCONCLUSIVE otherwise (one family that stays
  bounded says nothing about the others).
* ``torch: ... along the witness family``: the family at t = 2^k, k = 0..GROWTH_STEPS, each point shown exactly to lie
  in the space, and the quantity there with its rounding bound: passes when it keeps rising with increments that do
  not decay like a summable sequence (:func:`claims.builders.sums.settles`, the rule ``asymptotic`` reads the other
  way: log t and log log t pass, 1 - 1/t and min(t, 10^9) do not); evidence, never a proof.  Fails uncertified
  otherwise.
* ``impossibility``: a bound "quantity <= C on the space" as a lemma or a derivation, which disproves the statement
  when it is proved over every size (:func:`claims.builders.exists.impossibility_check`): a false "not bounded"
  is refuted only by a proof of a bound.

The family is a function of t returning the point, variable by variable, written with ``op`` (``op.stack`` for a
vector), so it evaluates in both backends: ``family=lambda t: {"x": 1 / t, "y": 0 * t}`` (sqrt is not Lipschitz on
[0, 1000]).  It must lie in the space for every t >= 1.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch

from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.exists import impossibility_check
from fim_audit.claims.builders.formula import Formula, exact_values, numeric_values
from fim_audit.claims.builders.primitives import symbolic_check
from fim_audit.claims.builders.sums import settles
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Lemma, Status
from fim_audit.numeric.bounded import Bounded
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.outcome import Derivation

GROWTH_STEPS = 60
"""The numeric path evaluates the family at t = 2^0 .. 2^GROWTH_STEPS."""

Family = Callable[[Any], Mapping[str, Any]]


def unbounded(
    quantity: Formula,
    *,
    over: Space,
    family: Family,
    what: str,
    impossibility: Callable[[], Derivation] | Lemma | None = None,
) -> tuple[Check, ...]:
    """``quantity`` is not bounded above on ``over``, witnessed by ``family`` (t -> a point of the space) along
    which it tends to +oo as t -> oo; write "not bounded below" as the quantity's negative."""
    checks = [] if impossibility is None else [impossibility_check(impossibility, over, what)]
    checks.append(
        symbolic_check(
            f"sympy: {what} along the witness family",
            lambda ctx: _exact(quantity, over, family, what),
            catches="a family that leaves the space, or along which the quantity stays bounded",
        )
    )
    checks.append(
        Check(
            f"torch: {what} along the witness family",
            Kind.NUMERIC,
            "a quantity that stops growing along the family (beyond its rounding bound)",
            lambda ctx: _numeric(quantity, over, family, what, ctx),
        )
    )
    return tuple(checks)


def _point(family: Family, t: Any, over: Space) -> dict[str, Any]:
    point = dict(family(t))
    if set(point) != set(over.variables):
        raise ValueError(f"the witness family gives {sorted(point)}, the space has {sorted(over.variables)}")
    return point


def _exact(quantity: Formula, over: Space, family: Family, what: str) -> CheckResult:
    s = sp.Symbol("s", positive=True)
    t = 1 + s  # the family need only lie in the space for t >= 1
    with exact.float_literals_as_intended():
        point = {name: np.asarray(value, dtype=object) for name, value in _point(family, t, over).items()}
    n = over.size_of(point)
    if over.sized and not (over.min_n <= n and (over.max_n is None or n <= over.max_n)):
        return CheckResult(Status.INCONCLUSIVE, f"{what}: the family has size n = {n}, outside the space's sizes")
    outside = {name: over.variables[name].contains for name in point}
    undecided = [name for name, contains in outside.items() if contains is None or contains(point[name], n) is not True]
    if undecided:
        return CheckResult(
            Status.INCONCLUSIVE, f"{what}: not shown to lie in the domain for every t >= 1: {', '.join(undecided)}"
        )
    if over.assume is not None and over.holds({name: point[name] for name in over.variables}) is not True:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: the family is not shown to meet the hypothesis")
    along = exact.normalise(exact_values(quantity, point).item())
    value = sp.limit(along, s, sp.oo)
    shown = {name: exact.exact_text(_substitute(v, s, sp.Symbol("t") - 1)) for name, v in point.items()}
    if value is not sp.oo:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: along the family {shown} the quantity tends to {value}")
    return CheckResult(
        Status.PROVED,
        f"{what}: along the family {shown} (in the space for every t >= 1) the quantity "
        f"{sp.sstr(_substitute(along, s, sp.Symbol('t') - 1))} -> oo as t -> oo",
        cases=1,
        scope="sup over the space = +oo, by an explicit family in it; exact limit (sympy)",
    )


def _substitute(value: Any, symbol: sp.Symbol, by: sp.Expr) -> Any:
    if isinstance(value, np.ndarray):
        return np.vectorize(lambda v: sp.simplify(sp.sympify(v).subs(symbol, by)), otypes=[object])(value)
    return sp.simplify(sp.sympify(value).subs(symbol, by))


def _numeric(quantity: Formula, over: Space, family: Family, what: str, ctx: RunContext) -> CheckResult:
    t = [2.0**k for k in range(GROWTH_STEPS + 1)]
    rows: dict[str, list[torch.Tensor]] = {name: [] for name in over.variables}
    for k, at in enumerate(t):
        point = {
            name: value.value if isinstance(value, Bounded) else torch.as_tensor(value, dtype=ctx.dtype)
            for name, value in _point(family, Bounded(torch.tensor(at, dtype=ctx.dtype)), over).items()
        }  # the point the family's floats are is the point evaluated (inputs are exact, as for every draw)
        exact_point = over.exact_point({name: value.cpu().numpy() for name, value in point.items()})
        n = over.size_of(exact_point)
        outside = [name for name, value in exact_point.items() if over.variables[name].contains(value, n) is not True]
        if outside or (over.assume is not None and over.holds(exact_point) is not True):
            observed = {"t": at, "outside": outside or ["the hypothesis"]}
            return CheckResult(
                Status.FAILED,
                f"{what}: the family is not in the space at t = 2^{k} ({', '.join(observed['outside'])})",
                cases=k + 1,
                counterexample=Counterexample({}, observed, False, "a family outside the space witnesses nothing"),
            )
        for name, value in point.items():
            rows[name].append(value)
    inputs = {name: torch.stack(values).to(ctx.device) for name, values in rows.items()}
    result = numeric_values(quantity, inputs)
    value, error = result.value.reshape(len(t)), result.error.reshape(len(t))
    values, noise = value.tolist(), (SAFETY * error).tolist()
    finite = all(np.isfinite(values)) and all(np.isfinite(noise))
    bounded, why = settles(values, noise, "O") if finite else (True, "the quantity is not finite along the family")
    shown = f"{values[0]:.4g} at t = 1 to {values[-1]:.4g} at t = 2^{GROWTH_STEPS}"
    if finite and not bounded:
        words = f"{what}: along the family the quantity goes from {shown}; {why}"
        return CheckResult(Status.PASSED, words, cases=len(t))
    observed = {"t": t[-1], "quantity": values[-1], "start": values[0]}
    return CheckResult(
        Status.FAILED,
        f"{what}: along the family the quantity goes from {shown}; {why}",
        cases=len(t),
        counterexample=Counterexample({}, observed, False, "a growth test along one family certifies nothing"),
    )
