"""The one rule that turns check outcomes into verdicts.

Per formalization (one precise reading), in this order:

1. A certified counterexample together with a closed proof is a contradiction between two checks, i.e. a
   bug in the suite: OPEN, naming both.
2. A certified counterexample (a symbolic DISPROVED, or a numeric FAILED whose counterexample was
   certified exactly or by a wide float margin): REFUTED.
3. A check that raised: OPEN (the evidence is incomplete).
4. A numeric failure that could not be certified (within reach of rounding): OPEN.
5. A closed proof and passing numeric evidence: PROVED (within the proof's stated scope).
6. Passing numeric evidence and no closed proof: SUPPORTED.
7. Anything else (only inconclusive derivations): OPEN.

Per claim, over its formalizations:

* all readings agree: that verdict;
* otherwise, if some reading is marked primary (the claim's notes say why): the primary verdict;
* otherwise, if one reading holds (PROVED/SUPPORTED) and another is REFUTED, the claim's truth depends on
  a choice the paper leaves open: ILL_POSED;
* otherwise the weakest verdict, in the order OPEN < SUPPORTED < PROVED (a reading that is undecided
  leaves the claim undecided).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from claims.model import CheckResult, Kind, Status, Verdict


@dataclass(frozen=True)
class Decision:
    """A verdict and the reason for it, in words a reader can check against the evidence."""

    verdict: Verdict
    reason: str


def decide_formalization(results: Sequence[tuple[str, Kind, CheckResult]]) -> Decision:
    """Apply the per-reading rule to ``(check name, kind, result)`` triples."""
    refuting = [name for name, _, r in results if r.refutes]
    proofs = [name for name, kind, r in results if kind is Kind.SYMBOLIC and r.status is Status.PROVED]
    passes = [name for name, kind, r in results if kind is not Kind.SYMBOLIC and r.status is Status.PASSED]
    errors = [name for name, _, r in results if r.status is Status.ERROR]
    uncertified = [name for name, _, r in results if r.status is Status.FAILED and not r.refutes]

    if refuting and proofs:
        return Decision(
            Verdict.OPEN,
            f"checks contradict each other (proof by {_names(proofs)}, counterexample from "
            f"{_names(refuting)}): one of them is wrong",
        )
    if refuting:
        return Decision(Verdict.REFUTED, f"certified counterexample from {_names(refuting)}")
    if errors:
        return Decision(Verdict.OPEN, f"check(s) raised an error: {_names(errors)}")
    if uncertified:
        return Decision(
            Verdict.OPEN,
            f"numeric failure not certified beyond rounding in {_names(uncertified)}",
        )
    if proofs and passes:
        return Decision(
            Verdict.PROVED, f"derivation closed ({_names(proofs)}) and numeric agreement ({_names(passes)})"
        )
    if passes:
        return Decision(Verdict.SUPPORTED, f"numeric agreement ({_names(passes)}) but no closed derivation")
    return Decision(Verdict.OPEN, "no check decided this reading")


_STRENGTH = {Verdict.OPEN: 0, Verdict.SUPPORTED: 1, Verdict.PROVED: 2}


def decide_claim(readings: Sequence[tuple[str, bool, Decision]]) -> Decision:
    """Apply the per-claim rule to ``(formalization key, primary, decision)`` triples."""
    verdicts = {decision.verdict for _, _, decision in readings}
    if len(verdicts) == 1:
        (verdict,) = verdicts
        if len(readings) == 1:
            return readings[0][2]
        return Decision(verdict, f"all {len(readings)} readings agree")

    listing = "; ".join(f"{key}: {decision.verdict.value}" for key, _, decision in readings)
    primary = [(key, decision) for key, is_primary, decision in readings if is_primary]
    if primary:
        key, decision = primary[0]
        return Decision(decision.verdict, f"primary reading {key!r} decides ({listing})")
    holds = verdicts & {Verdict.PROVED, Verdict.SUPPORTED}
    if holds and Verdict.REFUTED in verdicts:
        return Decision(
            Verdict.ILL_POSED,
            f"the statement's truth depends on a choice the paper leaves open ({listing})",
        )
    if Verdict.REFUTED in verdicts:
        return Decision(Verdict.OPEN, f"some readings refuted, others undecided ({listing})")
    weakest = min(verdicts, key=_STRENGTH.__getitem__)
    return Decision(weakest, f"weakest of the readings ({listing})")


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)
