"""Where mathematics becomes checks: the outcome of a derivation (:class:`symbolic.outcome.Derivation`) or of a
numeric search (:class:`numeric.search.property.SearchOutcome`) read as a :class:`claims.model.CheckResult`, and
the four kinds of check every builder is made of:

* :func:`derivation_check`: a derivation that does not depend on the profile (a general-n proof, an exact family);
* :func:`sweep_check`: an identity decided exactly for each n up to the profile's ``symbolic_max_n``;
* :func:`property_check`: a batched numeric property searched by Hypothesis, with certification of a failure;
* :func:`witness_check`: a numeric search for a witness of an existence statement.

The statement-shaped builders (:mod:`claims.builders`) are written with these; a paper module may use them too,
for a check no builder covers, with the reason written beside it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

from hypothesis import strategies as st

from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.search import property as search
from fim_audit.numeric.search.property import CannotCertify, Certifier, Evaluation, SearchOutcome
from fim_audit.symbolic.budget import OutOfTime, time_budget
from fim_audit.symbolic.exact import Instance, prove_up_to
from fim_audit.symbolic.outcome import Derivation, Finding

__all__ = [
    "CannotCertify",
    "Certifier",
    "Evaluation",
    "check_property",
    "derivation_check",
    "from_derivation",
    "from_search",
    "property_check",
    "search_witness",
    "sweep_check",
    "symbolic_check",
    "witness_check",
]

_STATUS = {
    Finding.PROVED: Status.PROVED,
    Finding.DISPROVED: Status.DISPROVED,
    Finding.INCONCLUSIVE: Status.INCONCLUSIVE,
}


def from_derivation(derivation: Derivation) -> CheckResult:
    """A derivation's outcome as a symbolic check result."""
    if not isinstance(derivation, Derivation):
        raise TypeError(f"a derivation must return symbolic.outcome.Derivation, got {type(derivation).__name__}")
    certificate = derivation.counterexample
    counterexample = (
        None
        if certificate is None
        else Counterexample(certificate.inputs, certificate.observed, certificate.certified, certificate.how)
    )
    return CheckResult(
        _STATUS[derivation.status],
        derivation.detail,
        cases=derivation.cases,
        scope=derivation.scope,
        counterexample=counterexample,
        math=derivation.math,
    )


def from_search(outcome: SearchOutcome) -> CheckResult:
    """A numeric search's outcome as a numeric check result; a search that met no case (every drawn point outside
    the statement's hypothesis, or skipped) passed vacuously and is INCONCLUSIVE, never support."""
    if outcome.passed and outcome.cases == 0:
        return CheckResult(Status.INCONCLUSIVE, f"no case examined: {outcome.detail}", cases=0)
    if outcome.passed:
        return CheckResult(Status.PASSED, outcome.detail, cases=outcome.cases, ratio=outcome.ratio)
    counterexample = Counterexample(outcome.inputs or {}, outcome.observed or {}, outcome.certified, outcome.how)
    return CheckResult(
        Status.FAILED, outcome.detail, cases=outcome.cases, counterexample=counterexample, ratio=outcome.ratio
    )


def symbolic_check(
    name: str,
    run: Callable[[RunContext], CheckResult],
    *,
    catches: str,
    validate: Callable[[], None] | None = None,
) -> Check:
    """A symbolic check whose sympy work runs within the profile's time budget (``sympy_seconds``): running out
    is INCONCLUSIVE, with the time spent, never a hang (:mod:`symbolic.budget`).  Every symbolic check is made here."""

    def budgeted(ctx: RunContext) -> CheckResult:
        started = time.monotonic()
        try:
            with time_budget(ctx.profile.sympy_seconds, name):
                return run(ctx)
        except OutOfTime as exc:
            return CheckResult(Status.INCONCLUSIVE, f"{exc} ({time.monotonic() - started:.1f} s spent)")

    return Check(name, Kind.SYMBOLIC, catches, budgeted, validate=validate)


def derivation_check(name: str, derive: Callable[[], Derivation], *, catches: str) -> Check:
    """A symbolic check whose outcome does not depend on the profile (a general derivation)."""
    return symbolic_check(name, lambda ctx: from_derivation(derive()), catches=catches)


def sweep_check(
    name: str,
    build: Callable[[int], Instance],
    what: str,
    *,
    catches: str,
    scope: str | None = None,
    max_n: int | None = None,
) -> Check:
    """A symbolic check deciding ``build(n)`` exactly for n = 1..the profile's ``symbolic_max_n``.

    ``scope``, when given, says what a proof covers beyond the sizes swept (e.g. every logit map);
    ``max_n`` caps the sweep for instances whose cost grows factorially (determinants of symbolic matrices).
    """

    def run(ctx: RunContext) -> CheckResult:
        bound = ctx.profile.symbolic_max_n if max_n is None else min(max_n, ctx.profile.symbolic_max_n)
        result = from_derivation(prove_up_to(build, bound, what))
        if scope is not None and result.status is Status.PROVED:
            return replace(result, scope=f"every n <= {bound}, {scope}")
        return result

    return symbolic_check(name, run, catches=catches)


def check_property(
    strategy: st.SearchStrategy[Any],
    evaluate: Callable[[Any, RunContext], Evaluation],
    ctx: RunContext,
    *,
    certify: Certifier | None = None,
    examples: Sequence[Any] = (),
) -> CheckResult:
    """:func:`numeric.search.property.check_property`, read as a check result; the certifier's sympy work runs
    within the profile's time budget (running out: the float margin rule decides, as for any failure that cannot
    be re-evaluated exactly)."""
    budgeted = None if certify is None else _within_budget(certify, ctx.profile.sympy_seconds)
    return from_search(search.check_property(strategy, evaluate, ctx, certify=budgeted, examples=examples))


def _within_budget(certify: Certifier, seconds: float) -> Certifier:
    def run(inputs: Mapping[str, Any]) -> tuple[bool, str, Mapping[str, Any]]:
        try:
            with time_budget(seconds, "the exact re-evaluation"):
                return certify(inputs)
        except OutOfTime as exc:
            raise CannotCertify(str(exc)) from None

    return run


def search_witness(
    strategy: st.SearchStrategy[Any],
    margin: Callable[[Any, RunContext], float],
    describe: Callable[[Any], dict[str, Any]],
    ctx: RunContext,
) -> CheckResult:
    """:func:`numeric.search.property.search_witness`, read as a check result."""
    return from_search(search.search_witness(strategy, margin, describe, ctx))


def property_check(
    name: str,
    strategy_of: Callable[[RunContext], st.SearchStrategy],
    evaluate: Callable[[Any, RunContext], Evaluation],
    *,
    catches: str,
    certify: Certifier | None = None,
    examples: Sequence[Any] = (),
) -> Check:
    """A numeric check: ``evaluate`` each example drawn from ``strategy_of(ctx)`` (the profile sizes the search)."""

    def run(ctx: RunContext) -> CheckResult:
        return check_property(strategy_of(ctx), evaluate, ctx, certify=certify, examples=examples)

    return Check(name, Kind.NUMERIC, catches, run)


def witness_check(
    name: str,
    strategy_of: Callable[[RunContext], st.SearchStrategy],
    margin: Callable[[Any, RunContext], float],
    describe: Callable[[Any], dict[str, Any]],
    *,
    catches: str,
) -> Check:
    """A numeric search for a witness whose ``margin`` exceeds 1 (a failed search is never certified)."""

    def run(ctx: RunContext) -> CheckResult:
        return search_witness(strategy_of(ctx), margin, describe, ctx)

    return Check(name, Kind.NUMERIC, catches, run)
