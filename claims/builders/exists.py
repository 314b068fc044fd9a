"""Existence: some x of a space has ``quantity(x) > 0`` (``relation=">"``) or ``quantity(x) = 0`` (``"="``).

* ``sympy: ... exact witness``: the quantity evaluated exactly at a witness you give (``witness``: exact values by
  variable name, e.g. ``{"p": ["1/5"] * 5}``) and at the space's corner points: PROVED at the first point that
  satisfies the relation exactly; INCONCLUSIVE otherwise.
* ``impossibility``: a derivation that no x can satisfy it (DISPROVED with its general argument), if you have one;
  or a :class:`claims.model.Lemma` stating the negation over the same space ("q(x) <= 0 for every x", with its own
  checks: a bound proved elsewhere in the paper, its checks reused).  The lemma disproves the existence when its own
  checks prove it (:func:`claims.verdict.decide_lemma`) *and* a proof's scope covers every size the existence ranges
  over: a sweep that proved the bound for n <= 6 says nothing about n = 7, so it disproves "there are n and p ..."
  only for a space with ``max_n`` <= 6 (a derivation's stated scope is taken at its word, and shown).
* ``torch: search for a witness``: Hypothesis looks for a point whose quantity clears its own rounding bound
  (> 0 by more than SAFETY times the bound), or, for "=", lies within it.  A found witness is numeric evidence; a
  failed search certifies nothing (so a false existence claim stays OPEN unless an impossibility proof decides it).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch

import re

from fim_audit.claims.builders.domains import Space
from fim_audit.claims.builders.formula import Formula, exact_values, numeric_values
from fim_audit.claims.builders.primitives import derivation_check, search_witness, symbolic_check
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Lemma, Status, Verdict
from fim_audit.claims.verdict import decide_lemma
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.outcome import Derivation

RELATIONS = (">", "=")


def exists(
    quantity: Formula,
    *,
    over: Space,
    what: str,
    relation: str = ">",
    witness: Mapping[str, Any] | None = None,
    impossibility: Callable[[], Derivation] | Lemma | None = None,
) -> tuple[Check, ...]:
    """Some point of ``over`` has ``quantity > 0`` (or ``= 0``)."""
    if relation not in RELATIONS:
        raise ValueError(f"relation {relation!r} is not one of {RELATIONS}")

    def satisfied(value: Any) -> bool:
        strict = exact.strict_value(value)
        if strict is None or not strict.is_real:
            return False
        return bool(strict > 0) if relation == ">" else bool(strict.is_Rational and strict == 0)

    def candidates(ctx: RunContext) -> list[dict[str, Any]]:
        points = [] if witness is None else [{k: _exact(v) for k, v in witness.items()}]
        return points + [over.exact_point(corner) for corner in over.corners(ctx, sizes=(1, 2, 5))]

    def exact_run(ctx: RunContext) -> CheckResult:
        tried = 0
        for values in candidates(ctx):
            tried += 1
            value = exact_values(quantity, values)
            if satisfied(value.item() if value.shape == () else value.ravel()[0]):
                return CheckResult(
                    Status.PROVED,
                    f"{what}: exact witness {over.describe(values)}, quantity {exact.exact_text(value)}",
                    cases=tried,
                    scope="existence, by an exact witness",
                )
        return CheckResult(Status.INCONCLUSIVE, f"{what}: no exact witness among {tried} points", cases=tried)

    def margin(drawn: Mapping[str, np.ndarray], ctx: RunContext) -> float:
        inputs = {key: ctx.tensor(value) for key, value in drawn.items()}
        value = numeric_values(quantity, inputs)
        bound = (SAFETY * value.error).clamp_min(torch.finfo(value.value.dtype).tiny)
        if relation == ">":
            return float((value.value / bound).max())
        return float((bound / value.value.abs().clamp_min(torch.finfo(value.value.dtype).tiny)).max())

    def describe(drawn: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {key: value[0].tolist() for key, value in drawn.items()}

    def search(ctx: RunContext) -> CheckResult:
        return search_witness(over.strategy(ctx), margin, describe, ctx)

    checks = [] if impossibility is None else [impossibility_check(impossibility, over, what)]
    checks.append(
        symbolic_check(f"sympy: {what}, exact witness", exact_run, catches="no exact witness among the points")
    )
    checks.append(Check(f"torch: search for {what}", Kind.NUMERIC, "no witness within the search budget", search))
    return tuple(checks)


def _exact(value: Any) -> Any:
    """A witness value as exact sympy numbers: "1/5" -> 1/5, lists -> object arrays."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.array([_exact(v) for v in value], dtype=object)
    return sp.sympify(value)


_BOUNDED_SCOPE = re.compile(r"every n (?:<= (?P<upper>\d+)|in (?P<low>\d+)\.\.(?P<high>\d+))")
"""The scopes the framework's own sweeps write ("every n <= 6, ...", "every n in 2..6 of ...")."""


def _covers(scope: str | None, over: Space) -> bool:
    """Whether a proof with this scope covers every size of ``over``: a sweep's sizes must contain the space's
    (an unbounded space is never covered by a sweep); any other scope is a derivation's, taken at its word."""
    swept = _BOUNDED_SCOPE.search(scope or "")
    if swept is None or not over.sized:
        return True
    low, high = (1, int(swept["upper"])) if swept["upper"] else (int(swept["low"]), int(swept["high"]))
    return over.max_n is not None and low <= over.min_n and over.max_n <= high


def impossibility_check(impossibility: Callable[[], Derivation] | Lemma, over: Space, what: str) -> Check:
    """The check that no point of ``over`` satisfies the statement: a derivation, or a lemma stating the negation
    (see the module docstring)."""
    if not isinstance(impossibility, Lemma):
        return derivation_check(f"sympy: {what} is impossible", impossibility, catches="a witness after all")
    lemma = impossibility

    def run(ctx: RunContext) -> CheckResult:
        from fim_audit.claims.engine import run_check  # the engine runs claims, which are built from builders

        results = [(check.name, check.kind, run_check(check, ctx.derive(check.name))) for check in lemma.checks]
        decision = decide_lemma(results)
        if decision.verdict is not Verdict.PROVED:
            return CheckResult(
                Status.INCONCLUSIVE, f"{what}: the impossibility lemma is {decision.verdict.value}: {decision.reason}"
            )
        proofs = [(name, r) for name, kind, r in results if kind is Kind.SYMBOLIC and r.status is Status.PROVED]
        covering = [(name, r) for name, r in proofs if _covers(r.scope, over)]
        if not covering:
            scopes = "; ".join(f"{name}: {r.scope}" for name, r in proofs)
            sizes = f"n >= {over.min_n}" if over.max_n is None else f"n in {over.min_n}..{over.max_n}"
            return CheckResult(
                Status.INCONCLUSIVE,
                f"{what}: the impossibility lemma is proved only for the sizes its proof covers ({scopes}), and the "
                f"existence ranges over {sizes}",
            )
        name, proof = covering[0]
        certificate = (
            f"proof of the negation: the lemma {lemma.statement!r} is proved by {name!r} ({proof.scope}), so no point "
            "of the space is a witness"
        )
        return CheckResult(
            Status.DISPROVED,
            f"{what} is impossible: {lemma.statement} ({decision.reason})",
            cases=sum(r.cases for _, _, r in results),
            scope=proof.scope,
            counterexample=Counterexample(
                {"impossibility": lemma.statement}, {"proof": proof.detail}, True, certificate
            ),
        )

    return symbolic_check(f"sympy: {what} is impossible ({lemma.statement[:60]})", run, catches="a witness after all")
