"""Running a batched numeric property under Hypothesis, and searching for a witness.

A property evaluates one drawn example (a batch of cases) and returns, per case, the ratio of the
observed error to its rounding tolerance (:mod:`numeric.tolerance`).  A ratio above 1 (or NaN) fails the
example; Hypothesis then shrinks it, and the minimal failing case becomes the counterexample.  ``target``
steers the search towards large ratios, so near-misses are pushed over the edge when they exist.

Both runners return a :class:`SearchOutcome`, which the claims layer reads as a check result
(:mod:`claims.builders.primitives`).
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch
from hypothesis import HealthCheck, Phase, Verbosity, example, find, given, seed, settings, target
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from fim_audit.numeric.context import AuditProfile, RunContext
from fim_audit.numeric.tolerance import REFUTATION_MARGIN

Certifier = Callable[[Mapping[str, Any]], tuple[bool, str, Mapping[str, Any]]]
"""Given a counterexample's inputs, re-decide it exactly: (certified, how, exact values); raise
:class:`CannotCertify` where the exact re-evaluation cannot run at all."""


class CannotCertify(Exception):
    """Raised by a certifier whose exact re-evaluation cannot run at this point (no exact form of an operation, or
    sympy out of time): the failure is then decided by the float margin rule, as a check without a certifier is.
    (An exact re-evaluation that runs and finds the statement holding is an answer, never this.)"""


@dataclass(frozen=True)
class SearchOutcome:
    """What a search found.

    ``passed``: the property held on every case (:func:`check_property`), or a witness was found
    (:func:`search_witness`).  ``cases`` counts the cases or candidates examined; ``ratio`` is the largest error /
    tolerance over passing cases, or the ratio at the failing case.  A failed search carries the failing case
    (``inputs``, ``observed``, JSON-ready), whether it is ``certified`` beyond rounding, and ``how``.
    """

    passed: bool
    detail: str
    cases: int
    ratio: float | None = None
    inputs: Mapping[str, Any] | None = None
    observed: Mapping[str, Any] | None = None
    certified: bool = False
    how: str = ""


@dataclass(frozen=True)
class Evaluation:
    """One example's outcome: per-case excess ratios (error / tolerance), and a describer of case k
    returning (inputs, observed) as JSON-ready dicts.  ``cases`` overrides the count of cases examined (a
    statement with hypotheses leaves out the drawn points that do not meet them: zero cases, ratio 0)."""

    ratio: torch.Tensor
    describe: Callable[[int], tuple[dict[str, Any], dict[str, Any]]]
    cases: int | None = None


def settings_for(profile: AuditProfile) -> settings:
    """Hypothesis settings of an audit profile: no deadline (GPU paths and sympy certification are slow
    and variable), no example database (runs depend only on the seed), quiet output."""
    return settings(
        max_examples=profile.max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
        print_blob=False,
        report_multiple_bugs=False,
    )


@contextlib.contextmanager
def source_constants_left_out() -> Iterator[None]:
    """Within: Hypothesis draws no constants from the source of the modules this process has loaded.

    Hypothesis (6.131 on) draws, with a small probability per number, a literal found in the source of the "local"
    modules in ``sys.modules`` (those outside site-packages and the standard library).  That pool depends on which
    modules the process has imported so far (the command line's, a pytest session's, a worker process's, those a
    cold training cache imports on the way) and on how fim-audit is installed (an editable install is "local"), so
    one seed drew other examples, and other case counts, from one run to the next.  Hypothesis has no setting for
    it; its provider asks ``providers._get_local_constants`` for the pool, which is pinned to an empty one here (the
    global constants, the nasty floats Hypothesis always tries, stay).  The permitted-constants cache is cleared on
    the way in and out, so a pool seen before cannot leak in, nor ours out.  Without that hook (another Hypothesis
    version), nothing is changed; tests/test_determinism.py tells whether draws still depend on the loaded modules.
    """
    from hypothesis.internal.conjecture import providers

    pool = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if pool is None or cache is None:
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = pool
        cache.cache.clear()


class _CaseFailed(Exception):
    """Raised inside the Hypothesis test to mark a failing example."""


def check_property(
    strategy: st.SearchStrategy[Any],
    evaluate: Callable[[Any, RunContext], Evaluation],
    ctx: RunContext,
    *,
    certify: Certifier | None = None,
    examples: Sequence[Any] = (),
) -> SearchOutcome:
    """Run ``evaluate`` on examples from ``strategy`` until the profile's budget or a failure.

    ``examples`` are fixed adversarial inputs run before the random ones (uniform, one-hot, n = 1024...).
    A pass carries the number of cases checked; a failure carries the shrunk counterexample, certified by
    ``certify`` (exact re-evaluation) when given, else by the float margin rule of
    :data:`numeric.tolerance.REFUTATION_MARGIN`.
    """
    cases = 0
    worst_ratio = 0.0
    last_failure: list[tuple[Evaluation, int, float]] = []

    @settings_for(ctx.profile)
    @seed(ctx.seed)
    @given(strategy)
    def prop(drawn: Any) -> None:
        nonlocal cases, worst_ratio
        evaluation = evaluate(drawn, ctx)
        ratios = evaluation.ratio.detach().to("cpu", torch.float64)
        worst = int(torch.nan_to_num(ratios, nan=math.inf).argmax())
        ratio = float(ratios[worst])
        if math.isfinite(ratio):
            target(ratio, label="error / tolerance")
        if not ratio <= 1.0:
            last_failure[:] = [(evaluation, worst, ratio)]
            raise _CaseFailed
        cases += len(ratios) if evaluation.cases is None else evaluation.cases
        worst_ratio = max(worst_ratio, ratio)

    for fixed in reversed(examples):
        prop = example(fixed)(prop)
    try:
        with source_constants_left_out():
            prop()
    except _CaseFailed:
        evaluation, worst, ratio = last_failure[0]
        inputs, observed = evaluation.describe(worst)
        observed = {**observed, "error_over_tolerance": ratio}
        certified, how = margin_rule(ratio)
        if certify is not None:
            try:
                certified, how, exact = certify(inputs)
                observed = {**observed, **exact}
            except CannotCertify as exc:
                how = f"{exc}; {how}"
        return SearchOutcome(
            False,
            f"counterexample: error / tolerance = {ratio:.3g}, "
            + (f"after {cases} cases within tolerance" if cases else "in the first example tried"),
            cases,
            ratio,
            inputs,
            observed,
            certified,  # as the certifier returned it: the claims layer refuses a non-bool (MalformedResult)
            how,
        )
    return SearchOutcome(
        True, f"{cases} cases within tolerance; largest error / tolerance = {worst_ratio:.3g}", cases, worst_ratio
    )


def margin_rule(ratio: float) -> tuple[bool, str]:
    """A failure without an exact re-evaluation: certified when the error clears REFUTATION_MARGIN tolerances."""
    certified = ratio >= REFUTATION_MARGIN  # False for NaN: a NaN certifies nothing
    return certified, (
        f"float margin: the error is {ratio:.3g} times the rounding tolerance "
        f"(certifying needs >= {REFUTATION_MARGIN:g})"
    )


DESCENT_ITERATIONS = 25
"""L-BFGS iterations of :func:`local_minimum` from each drawn start."""


def local_minimum(objective: Callable[[torch.Tensor], torch.Tensor], start: torch.Tensor) -> torch.Tensor:
    """The point L-BFGS (strong Wolfe line search) reaches from ``start`` minimising a differentiable scalar
    ``objective``: a drawn example refined to the nearest local minimum, so that a search for the infimum of a smooth
    quantity over a continuum (the smallest Fisher eigenvalue over theta) is not left to random draws near it.
    Deterministic; returns ``start`` itself when the objective is not finite there."""
    point = start.detach().clone().requires_grad_(True)
    if not bool(torch.isfinite(objective(point.detach()))):
        return start
    optimiser = torch.optim.LBFGS([point], max_iter=DESCENT_ITERATIONS, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = objective(point)
        value.backward()
        return value

    optimiser.step(closure)
    refined = point.detach()
    return refined if bool(torch.isfinite(refined).all()) else start


def search_witness(
    strategy: st.SearchStrategy[Any],
    margin: Callable[[Any, RunContext], float],
    describe: Callable[[Any], dict[str, Any]],
    ctx: RunContext,
) -> SearchOutcome:
    """Numeric evidence for an existence claim: look for an input whose ``margin`` exceeds 1.

    ``margin`` measures how far a candidate clears the claim's condition, in units of its rounding
    tolerance (e.g. lambda_min / rounding floor for "positive definite").  A pass carries the shrunk
    witness; a failure means no witness in the profile's budget: its record says so and is never certified,
    since not finding a witness proves nothing (a symbolic impossibility proof decides such readings).
    """
    tried = 0
    best = 0.0

    def is_witness(candidate: Any) -> bool:
        nonlocal tried, best
        tried += 1
        value = margin(candidate, ctx)
        best = max(best, value) if math.isfinite(value) else best
        return value > 1.0

    try:
        with source_constants_left_out():
            witness = find(strategy, is_witness, settings=settings_for(ctx.profile), random=random.Random(ctx.seed))
    except NoSuchExample:
        return SearchOutcome(
            False,
            f"no witness among {tried} candidates; best margin {best:.3g} (needs > 1)",
            tried,
            inputs={"candidates": tried},
            observed={"best_margin": best},
            how="a failed search certifies nothing",
        )
    return SearchOutcome(
        True, f"witness found after {tried} candidates (margin {margin(witness, ctx):.3g}): {describe(witness)}", tried
    )
