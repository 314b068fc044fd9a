"""Sums and asymptotic orders: ``sum_(t=1)^T term(t) = closed(T)`` for every T >= 1 (``partial_sum``), and
``a_T = O(g(T))``, ``Theta(g(T))`` or ``o(g(T))`` as T -> oo (``asymptotic``), for sequences given directly or as
partial sums of a term.  Parameters (tau_0 > 0, say) are scalar variables of an optional space.

Exact paths: sympy's summation in closed form (a residual that simplifies to 0 proves every T); else the exact
rational sums for T = 1..EXACT_T (DISPROVED at the first failing T).  For an order, the exact limit of a_T / g(T):
finite proves O, +-oo refutes it (Theta: finite and non-zero; o: zero).  Numeric paths: the sums in float64 with
correctly rounded summation (math.fsum) at T = 2^k, k <= 20, against the closed form within both sides' rounding
bounds; for an order, the ratio a_T / g(T) along T = 2^k, failing when it rises over the run while its increments do
not die out (log T growth against O(1): constant increments), which can only ever be evidence (a finite T does not
decide an asymptotic statement), so its failure is never certified.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import sympy as sp
import torch

from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.formula import Formula, call, numeric_values
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY, unit_roundoff
from fim_audit.symbolic import formula as exact

EXACT_T = 64
"""T up to which an unclosed summation is checked with exact rational sums."""
NUMERIC_K = 20
"""Numeric paths use T = 2^0 .. 2^NUMERIC_K."""
RELATIONS = ("O", "Theta", "o")


def _symbols(over: Space | None) -> dict[str, Any]:
    """The parameters as sympy symbols (none without a space)."""
    return {} if over is None else {name: v.value for name, v in over.symbolic(1).items()}


def _exact_corners(over: Space | None, ctx: RunContext) -> list[dict[str, Any]]:
    if over is None:
        return [{}]
    return [over.exact_point(corner) for corner in over.corners(ctx)]


def _float_corners(over: Space | None, ctx: RunContext) -> list[dict[str, torch.Tensor]]:
    if over is None:
        return [{}]
    batch = over.fixed(ctx)[0]
    depth = len(next(iter(batch.values())))
    return [
        {name: torch.as_tensor(batch[name][k : k + 1], dtype=torch.float64) for name in batch} for k in range(depth)
    ]


def _describe(over: Space | None, point: Mapping[str, Any]) -> dict[str, Any]:
    return {} if over is None else over.describe(point)


def _repeated(values: Mapping[str, torch.Tensor], count: int) -> dict[str, torch.Tensor]:
    return {name: value.expand(count) for name, value in values.items()}


def partial_sum(
    term: Formula, closed: Formula, *, index: str = "t", upper: str = "T", over: Space | None = None, what: str
) -> tuple[Check, ...]:
    """``sum_(index=1)^upper term = closed`` for every upper >= 1 (and every parameter value of ``over``)."""
    t, big_t = sp.Symbol(index, integer=True, positive=True), sp.Symbol(upper, integer=True, positive=True)

    def symbolic_run(ctx: RunContext) -> CheckResult:
        values = _symbols(over)
        summed = sp.summation(sp.sympify(call(term, {**values, index: t})), (t, 1, big_t))
        residual = sp.simplify(summed - sp.sympify(call(closed, {**values, upper: big_t})))
        if residual == 0:
            return CheckResult(
                Status.PROVED, f"{what}: sympy's summation closes, residual 0", 1, scope=f"every {upper} >= 1, exact"
            )
        for corner in _exact_corners(over, ctx):
            running = sp.Integer(0)
            for k in range(1, EXACT_T + 1):
                running += sp.sympify(call(term, {**corner, index: sp.Integer(k)}))
                difference = exact.strict_value(running - sp.sympify(call(closed, {**corner, upper: sp.Integer(k)})))
                if difference is not None and difference != 0:
                    inputs = {upper: k, **_describe(over, corner)}
                    observed = {"sum": exact.exact_text(running), "difference": exact.exact_text(difference)}
                    return CheckResult(
                        Status.DISPROVED,
                        f"{what}: fails at {upper} = {k} (exact)",
                        cases=k,
                        counterexample=Counterexample(inputs, observed, True, "exact rational sums (sympy)"),
                    )
        return CheckResult(
            Status.INCONCLUSIVE,
            f"{what}: summation not closed ({sp.sstr(residual)}); exact sums agree to T = {EXACT_T}",
        )

    def numeric_run(ctx: RunContext) -> CheckResult:
        worst, cases = 0.0, 0
        for values in _float_corners(over, ctx):
            for k in range(NUMERIC_K + 1):
                big = 2**k
                steps = torch.arange(1, big + 1, dtype=torch.float64)
                terms = numeric_values(term, {**_repeated(values, big), index: steps})
                total = math.fsum(terms.value.tolist())
                error = float(terms.error.sum()) + unit_roundoff(torch.float64) * abs(total)
                claimed = numeric_values(closed, {**values, upper: torch.tensor([float(big)], dtype=torch.float64)})
                tolerance = SAFETY * (error + float(claimed.error[0])) + torch.finfo(torch.float64).tiny
                ratio = abs(total - float(claimed.value[0])) / tolerance
                cases += 1
                worst = max(worst, ratio)
                if ratio > 1:
                    observed = {"fsum": total, "closed_form": float(claimed.value[0]), "error_over_tolerance": ratio}
                    inputs = {upper: big, **{n: float(v[0]) for n, v in values.items()}}
                    certificate = "fsum is correctly rounded and the terms carry their rounding bounds"
                    return CheckResult(
                        Status.FAILED,
                        f"{what}: off by {ratio:.3g} tolerances at {upper} = {big}",
                        cases=cases,
                        counterexample=Counterexample(inputs, observed, ratio >= 1e4, f"float margin: {certificate}"),
                        ratio=ratio,
                    )
        return CheckResult(
            Status.PASSED, f"{what}: {cases} partial sums within tolerance, largest {worst:.3g}", cases, ratio=worst
        )

    return (
        Check(f"sympy: {what}, summation", Kind.SYMBOLIC, "a closed form that misses the sum at some T", symbolic_run),
        Check(
            f"float64: {what}, fsum at T = 2^k", Kind.NUMERIC, "a closed form off the sum beyond rounding", numeric_run
        ),
    )


def asymptotic(
    sequence: Formula,
    order: Formula,
    *,
    relation: str = "O",
    of: str = "T",
    summed_over: str | None = None,
    over: Space | None = None,
    what: str,
) -> tuple[Check, ...]:
    """``sequence(T) = relation(order(T))`` as T -> oo.  With ``summed_over="t"`` the sequence is the partial sum
    ``sum_(t=1)^T sequence(t)``."""
    if relation not in RELATIONS:
        raise ValueError(f"relation {relation!r} is not one of {RELATIONS}")
    big_t = sp.Symbol(of, integer=True, positive=True)

    def exact_sequence(values: Mapping[str, Any]) -> sp.Expr:
        if summed_over is None:
            return sp.sympify(call(sequence, {**values, of: big_t}))
        t = sp.Symbol(summed_over, integer=True, positive=True)
        return sp.summation(sp.sympify(call(sequence, {**values, summed_over: t})), (t, 1, big_t))

    def symbolic_run(ctx: RunContext) -> CheckResult:
        values = _symbols(over)
        a_t = exact_sequence(values)
        ratio = sp.limit(a_t / sp.sympify(call(order, {**values, of: big_t})), big_t, sp.oo)
        holds = {"O": ratio.is_finite, "Theta": ratio.is_finite and ratio != 0, "o": ratio == 0}[relation]
        text = f"{what}: lim a_{of} / g({of}) = {sp.sstr(ratio)} (a_{of} = {sp.sstr(a_t)})"
        if holds:
            return CheckResult(Status.PROVED, text, 1, scope=f"{of} -> oo, every parameter value, exact limit")
        fails = {
            "O": ratio in (sp.oo, -sp.oo),
            "Theta": ratio in (sp.oo, -sp.oo, 0),
            "o": ratio.is_finite is not None and ratio != 0,
        }
        if fails[relation] and not isinstance(ratio, sp.AccumBounds):
            return CheckResult(
                Status.DISPROVED,
                text,
                1,
                counterexample=Counterexample(
                    {of: "-> oo", **{name: str(v) for name, v in values.items()}},
                    {"limit_of_ratio": sp.sstr(ratio), "a_T": sp.sstr(a_t)},
                    True,
                    f"sympy's exact limit (Gruntz) of a_{of} / g({of})",
                ),
            )
        return CheckResult(Status.INCONCLUSIVE, text)

    def numeric_run(ctx: RunContext) -> CheckResult:
        values = _float_corners(over, ctx)[0]
        marks = [2**k for k in range(1, NUMERIC_K + 1)]
        points = torch.tensor([float(m) for m in marks], dtype=torch.float64)
        if summed_over is None:
            a_t = numeric_values(sequence, {**_repeated(values, len(marks)), of: points}).value
        else:
            steps = torch.arange(1, marks[-1] + 1, dtype=torch.float64)
            terms = numeric_values(sequence, {**_repeated(values, len(steps)), summed_over: steps})
            running = np.cumsum(terms.value.numpy())
            a_t = torch.tensor([running[m - 1] for m in marks], dtype=torch.float64)
        g_t = numeric_values(order, {**_repeated(values, len(marks)), of: points}).value
        ratios = (a_t / g_t).tolist()
        # growth signal: the ratio rises over the run and its increments along T = 2^k do not die out (a log T
        # growth has constant increments; a convergent ratio's shrink)
        steps = [abs(b - a) for a, b in zip(ratios, ratios[1:], strict=False)]
        settling = sum(steps[-3:]) <= 0.5 * sum(steps[:3])
        rising = abs(ratios[-1]) > max(abs(r) for r in ratios[: len(ratios) // 2])
        detail = f"{what}: a_{of} / g({of}) at {of} = 2^1..2^{NUMERIC_K}: " + ", ".join(f"{r:.4g}" for r in ratios[::4])
        bounded = settling or not rising
        ok = {
            "O": bounded,
            "Theta": bounded and abs(ratios[-1]) > 0,
            "o": settling and abs(ratios[-1]) < abs(ratios[0]),
        }
        ok = ok[relation]
        if ok:
            return CheckResult(Status.PASSED, detail, len(marks))
        return CheckResult(
            Status.FAILED,
            detail,
            len(marks),
            counterexample=Counterexample(
                {of: marks[-1]}, {"ratios": ratios}, False, "a finite T never decides an asymptotic statement"
            ),
        )

    return (
        Check(
            f"sympy: {what}, exact limit of the ratio",
            Kind.SYMBOLIC,
            "a sequence outside the claimed order",
            symbolic_run,
        ),
        Check(f"float64: {what}, ratio along {of} = 2^k", Kind.NUMERIC, "a ratio that keeps growing", numeric_run),
    )
