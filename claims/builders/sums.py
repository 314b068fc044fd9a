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
from fim_audit.claims.builders.formula import Formula, exact_values, numeric_values
from fim_audit.claims.builders.primitives import symbolic_check
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
        summed = sp.summation(_scalar(term, {**values, index: t}), (t, 1, big_t))
        residual = sp.simplify(summed - _scalar(closed, {**values, upper: big_t}))
        if residual == 0:
            return CheckResult(
                Status.PROVED, f"{what}: sympy's summation closes, residual 0", 1, scope=f"every {upper} >= 1, exact"
            )
        for corner in _exact_corners(over, ctx):
            running = sp.Integer(0)
            for k in range(1, EXACT_T + 1):
                running += _scalar(term, {**corner, index: sp.Integer(k)})
                residual = running - _scalar(closed, {**corner, upper: sp.Integer(k)})
                difference = exact.strict_value(residual)
                if difference is not None and difference != 0:
                    inputs = {upper: k, **_describe(over, corner)}
                    observed = {"sum": exact.exact_text(running), "difference": exact.exact_text(difference)}
                    arithmetic = exact.arithmetic(residual)
                    return CheckResult(
                        Status.DISPROVED,
                        f"{what}: fails at {upper} = {k} ({arithmetic})",
                        cases=k,
                        counterexample=Counterexample(inputs, observed, True, f"exact sums, {arithmetic}"),
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
        symbolic_check(
            f"sympy: {what}, summation", symbolic_run, catches="a closed form that misses the sum at some T"
        ),
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
    ``sum_(t=1)^T sequence(t)``.

    Exactly: the limit L of a_T / g(T), by sympy's limit of the closed form when the summation closes, else by
    Stolz-Cesaro (g increasing and unbounded: L = lim s(T) / (g(T) - g(T - 1))) or, for a bounded order, by sympy's
    convergence tests of the series (a divergent series of terms of one sign has unbounded partial sums).  Anything
    sympy cannot close is INCONCLUSIVE with its reason.  Numerically: the ratio along T = 2^k (:func:`settles`)."""
    if relation not in RELATIONS:
        raise ValueError(f"relation {relation!r} is not one of {RELATIONS}")
    big_t = sp.Symbol(of, integer=True, positive=True)

    def symbolic_run(ctx: RunContext) -> CheckResult:
        values = _symbols(over)
        try:
            g = _scalar(order, {**values, of: big_t})
            if summed_over is None:
                a_t = _scalar(sequence, {**values, of: big_t})
                found = (sp.limit(a_t / g, big_t, sp.oo), f"sympy's exact limit (Gruntz) of a_{of} / g({of})", a_t)
            else:
                found = _limit_of_partial_sums(sequence, g, summed_over, big_t, values)
        except (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError) as exc:
            return CheckResult(
                Status.INCONCLUSIVE, f"{what}: sympy cannot decide the limit ({type(exc).__name__}: {exc})"
            )
        ratio, how, a_t = found
        if ratio is None:
            return CheckResult(Status.INCONCLUSIVE, f"{what}: {how}")
        holds = {"O": ratio.is_finite, "Theta": ratio.is_finite and ratio.is_zero is False, "o": ratio.is_zero}[
            relation
        ]
        text = f"{what}: lim a_{of} / g({of}) = {sp.sstr(ratio)} ({how}; a_{of} = {sp.sstr(a_t)})"
        if holds:
            return CheckResult(Status.PROVED, text, 1, scope=f"{of} -> oo, every parameter value, exact limit")
        fails = {
            "O": ratio in (sp.oo, -sp.oo),
            "Theta": ratio in (sp.oo, -sp.oo) or ratio.is_zero is True,
            "o": ratio in (sp.oo, -sp.oo) or (ratio.is_finite is True and ratio.is_zero is False),
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
                    how,
                ),
            )
        return CheckResult(Status.INCONCLUSIVE, text)

    def numeric_run(ctx: RunContext) -> CheckResult:
        values = _float_corners(over, ctx)[0]
        marks = [2**k for k in range(1, NUMERIC_K + 1)]
        points = torch.tensor([float(m) for m in marks], dtype=torch.float64)
        if summed_over is None:
            a = numeric_values(sequence, {**_repeated(values, len(marks)), of: points})
            a_t, a_error = a.value, a.error
        else:
            steps = torch.arange(1, marks[-1] + 1, dtype=torch.float64)
            terms = numeric_values(sequence, {**_repeated(values, len(steps)), summed_over: steps})
            running = np.cumsum(terms.value.numpy())
            magnitude = np.cumsum(np.abs(terms.value.numpy()) + terms.error.numpy())
            index = [m - 1 for m in marks]
            a_t = torch.tensor(running[index], dtype=torch.float64)
            # recursive summation of m terms: error <= gamma_m sum |terms| (Higham (4.4)) plus the terms' own bounds
            a_error = torch.tensor([m * unit_roundoff(torch.float64) * magnitude[m - 1] for m in marks])
        g = numeric_values(order, {**_repeated(values, len(marks)), of: points})
        ratios = (a_t / g.value).tolist()
        noise = (SAFETY * (a_error + (a_t / g.value).abs() * g.error) / g.value.abs()).tolist()
        verdict, why = settles(ratios, noise, relation)
        detail = (
            f"{what}: a_{of} / g({of}) at {of} = 2^1..2^{NUMERIC_K}: "
            + ", ".join(f"{r:.4g}" for r in ratios[::4])
            + f", {ratios[-1]:.4g}; {why}"
        )
        if verdict:
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
        symbolic_check(
            f"sympy: {what}, exact limit of the ratio", symbolic_run, catches="a sequence outside the claimed order"
        ),
        Check(f"float64: {what}, ratio along {of} = 2^k", Kind.NUMERIC, "a ratio that keeps growing", numeric_run),
    )


def _scalar(formula: Formula, values: Mapping[str, Any]) -> sp.Expr:
    """A formula's exact value at sympy values (its float constants read as the rationals they stand for)."""
    return exact_values(formula, values).item()


def _limit_of_partial_sums(
    term: Formula, g: sp.Expr, index: str, big_t: sp.Symbol, values: Mapping[str, Any]
) -> tuple[sp.Expr | None, str, sp.Expr]:
    """lim_(T -> oo) (sum_(t <= T) term(t)) / g(T), how it was found, and the partial sum (closed or not); the limit
    is None (with the reason) where no exact argument applies."""
    t = sp.Symbol(index, integer=True, positive=True)
    summand = _scalar(term, {**values, index: t})
    partial = sp.summation(summand, (t, 1, big_t))
    if not partial.has(sp.Sum):
        return sp.limit(partial / g, big_t, sp.oo), "closed-form summation, then sympy's exact limit (Gruntz)", partial
    at_t = summand.xreplace({t: big_t})
    g_limit = sp.limit(g, big_t, sp.oo)
    if g_limit.is_finite and g_limit != 0:  # a bounded order: O(g) is O(1); decide by the series' convergence
        convergent = sp.Sum(summand, (t, 1, sp.oo)).is_convergent()
        if convergent is sp.true or convergent is True:
            # the partial sums converge to the series' sum S (positive when every term is): the ratio -> S / lim g
            limit = sp.Symbol("S_over_g", finite=True, nonzero=True if summand.is_positive else None)
            return limit, "the series converges (sympy's convergence tests), so a_T -> its sum S", partial
        one_sign = summand.is_nonnegative or summand.is_nonpositive
        if (convergent is sp.false or convergent is False) and one_sign:
            infinity = sp.oo if summand.is_nonnegative else -sp.oo
            how = "the series diverges (sympy's convergence tests) and its terms have one sign: partial sums -> +-oo"
            return infinity * sp.sign(g_limit), how, partial
        return (
            None,
            f"summation not closed and the series' convergence undecided (is_convergent: {convergent})",
            partial,
        )
    if g_limit is sp.oo and sp.diff(g, big_t).is_positive:
        increment = sp.simplify(g - g.xreplace({big_t: big_t - 1}))
        ratio = sp.limit(at_t / increment, big_t, sp.oo)
        if isinstance(ratio, sp.AccumBounds) or ratio.has(sp.Limit) or ratio is sp.nan or ratio is sp.zoo:
            return None, f"Stolz-Cesaro: lim s(T) / (g(T) - g(T-1)) does not exist ({sp.sstr(ratio)})", partial
        return (
            ratio,
            "Stolz-Cesaro with sympy's exact limit of s(T) / (g(T) - g(T-1)) (g increasing, unbounded)",
            partial,
        )
    return None, f"summation not closed, and g = {sp.sstr(g)} is neither bounded nor increasing to oo", partial


DECAY_POWER = 1.5
"""A ratio that rises along T = 2^k is read as settling only when its increments over the last doublings decay at
least like k^-DECAY_POWER (summable with room): log T growth has constant increments (power 0), log log T growth
increments 1/k (power 1).  A finite T never decides an asymptotic statement: this is evidence, never certified."""
TAIL = 8
"""Increments (doublings of T) the decay is fitted on."""


def settles(ratios: list[float], noise: list[float], relation: str) -> tuple[bool, str]:
    """Whether the ratios along T = 2^1..2^K are evidence for ``relation`` (each ratio known to within ``noise``),
    and why in words.  O: the ratio does not rise beyond noise over the run, or its increments decay fast enough
    (DECAY_POWER); Theta: the same and it does not fall towards 0; o: it falls and settles."""
    size = [abs(r) for r in ratios]
    half = len(ratios) // 2
    rising = size[-1] > max(size[:half]) + noise[-1]
    increments = [b - a for a, b in zip(size, size[1:], strict=False)][-TAIL:]
    ks = list(range(len(ratios) - len(increments), len(ratios)))
    positive = [(k, d) for k, d in zip(ks, increments, strict=True) if d > noise[k]]
    if not rising:
        settles, why = True, "the ratio does not rise beyond rounding over the run"
    elif len(positive) < 3:
        settles, why = True, "the ratio rises, but its last increments are within rounding"
    else:
        logs = np.log([k for k, _ in positive]), np.log([d for _, d in positive])
        power = -float(np.polyfit(logs[0], logs[1], 1)[0])
        settles = power >= DECAY_POWER
        reading = "summable: consistent with a bound" if settles else f"slower than k^-{DECAY_POWER}: no bound in sight"
        why = f"the ratio keeps rising; its increments per doubling go like k^{-power:.2f} ({reading})"
    falling = size[-1] < size[0] and not rising
    if relation == "O":
        return settles, why
    if relation == "Theta":
        away = size[-1] >= max(size) / 4
        return settles and away, why + ("" if away else "; it falls towards 0")
    steps = [abs(d) for d in increments]
    settling = sum(steps[-3:]) <= 0.5 * sum(steps[:3])
    return (
        falling and settling,
        "the ratio falls and settles" if falling and settling else "the ratio does not fall to 0",
    )
