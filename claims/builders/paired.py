"""Paired empirical comparisons: a measured difference, one value per seed (or per problem), decided by its 95%
Student t interval (:mod:`numeric.confidence`), the one interval rule of every experiment check:

* the interval lies on the claimed side of 0: PASSED;
* it lies on the other side: FAILED with a certified counterexample (the runs are seeded and deterministic; the
  certificate states the interval and how far its near end is from 0 in units of the compared quantity's rounding
  bound);
* it contains 0: FAILED, uncertified: undecided at this budget (more seeds would decide it), so the reading stays
  OPEN.

``paired(measure, claimed=...)`` builds the check from a function of the run context that returns a
:class:`Sample`; :func:`decide` applies the rule to a sample directly (the training checks use it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.confidence import describe, mean_interval
from fim_audit.numeric.context import RunContext

SIGNS = {"positive": 1, "negative": -1}


@dataclass(frozen=True)
class Sample:
    """Per-seed differences (treatment minus baseline), what they measure, and the rounding bound of one
    difference (in the dtype the runs computed in)."""

    differences: Sequence[float]
    what: str
    rounding: float
    detail: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    scale: float | None = None
    """The size of the compared quantity: when given, the decision states the resolution, the interval's
    half-width as a fraction of it (the smallest relative effect these seeds can tell from 0)."""


def decide(sample: Sample, claimed: str) -> CheckResult:
    """The interval rule for ``claimed`` = "positive" (the mean difference is > 0) or "negative"."""
    if claimed not in SIGNS:
        raise ValueError(f"claimed sign {claimed!r} is not one of {sorted(SIGNS)}")
    differences = [float(d) for d in sample.differences]
    mean, low, high = interval = mean_interval(differences)
    near, far = (low, high) if SIGNS[claimed] > 0 else (-high, -low)
    text = f"{sample.what}: {describe(interval)} over {len(differences)} seeds ({[round(d, 4) for d in differences]})"
    if sample.detail:
        text += f"; {sample.detail}"
    if sample.scale is not None:
        half = (high - low) / 2
        text += (
            f"; resolution: 95% half-width {half:.3g} = {100 * half / sample.scale:.1f}% of {sample.scale:.3g} with "
            f"{len(differences)} seeds"
        )
    observed = {"mean": mean, "ci95": [low, high], "per_seed": differences}
    if near > 0:
        return CheckResult(Status.PASSED, text, cases=len(differences))
    certified = far < 0
    certificate = (
        f"seeded deterministic runs; the 95% t interval excludes 0 on the side opposite to the claim, its near end "
        f"{-far / sample.rounding:.3g} rounding bounds ({sample.rounding:.2g}) from 0"
        if certified
        else "the 95% interval contains 0: undecided at this budget (more seeds or steps would decide it)"
    )
    counterexample = Counterexample(dict(sample.inputs), observed, certified, certificate)
    return CheckResult(Status.FAILED, text, len(differences), counterexample=counterexample)


def paired(measure: Callable[[RunContext], Sample], *, claimed: str, name: str, catches: str) -> Check:
    """An experiment check: ``measure(ctx)`` runs (or reads from the cache) the paired runs, ``claimed`` is the
    sign the statement gives the mean difference."""
    if claimed not in SIGNS:
        raise ValueError(f"claimed sign {claimed!r} is not one of {sorted(SIGNS)}")
    return Check(name, Kind.EXPERIMENT, catches, lambda ctx: decide(measure(ctx), claimed))
