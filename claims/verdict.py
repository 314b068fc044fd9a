"""The one rule that turns check outcomes into verdicts.

Per formalization (one precise reading), over the checks of the statement itself, in this order:

1. A certified counterexample together with a closed proof is a contradiction between two checks, i.e. a
   bug in the suite: OPEN, naming both.
2. A certified counterexample (a symbolic DISPROVED, or a numeric FAILED whose counterexample was
   certified exactly or by a wide float margin): REFUTED.  Lemmas are never weighed against it: a true
   supporting fact beside a false statement is what a wrong proof looks like.
3. A check that raised: OPEN (the evidence is incomplete).
4. A numeric failure that could not be certified (within reach of rounding): OPEN.
5. A closed proof and passing numeric evidence: PROVED (within the proof's stated scope).
6. Passing numeric evidence, a written argument from lemmas to the statement, and every lemma PROVED:
   PROVED (by the lemmas and the argument, which the report shows).
7. Passing numeric evidence otherwise: SUPPORTED (the reason names a lemma that did not close).
8. Anything else (only inconclusive derivations): OPEN.

A lemma is decided by its own checks (:func:`decide_lemma`): a closed proof and no counterexample PROVED,
a certified counterexample REFUTED, a raised check or only inconclusive derivations OPEN, passing numeric
checks alone SUPPORTED.

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
from typing import Mapping, Sequence

from fim_audit.claims.model import CheckResult, Kind, Status, Verdict


@dataclass(frozen=True)
class Decision:
    """A verdict and the reason for it, in words a reader can check against the evidence."""

    verdict: Verdict
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError(f"a {self.verdict.value} decision needs a reason in words, got {self.reason!r}")


Results = Sequence[tuple[str, Kind, CheckResult]]
"""``(check name, kind, result)`` triples."""


@dataclass(frozen=True)
class _Evidence:
    refuting: list[str]
    proofs: list[str]
    passes: list[str]
    errors: list[str]
    uncertified: list[str]

    @classmethod
    def of(cls, results: Results) -> "_Evidence":
        return cls(
            refuting=[name for name, _, r in results if r.refutes],
            proofs=[name for name, kind, r in results if kind is Kind.SYMBOLIC and r.status is Status.PROVED],
            passes=[name for name, kind, r in results if kind is not Kind.SYMBOLIC and r.status is Status.PASSED],
            errors=[name for name, _, r in results if r.status is Status.ERROR],
            uncertified=[name for name, _, r in results if r.status is Status.FAILED and not r.refutes],
        )


def decide_lemma(results: Results) -> Decision:
    """The verdict of one lemma from its checks (see the module docstring)."""
    evidence = _Evidence.of(results)
    if evidence.refuting and evidence.proofs:
        return Decision(
            Verdict.OPEN,
            f"the lemma's checks contradict each other ({_names(evidence.refuting)} against {_names(evidence.proofs)})",
        )
    if evidence.refuting:
        return Decision(Verdict.REFUTED, f"certified counterexample to the lemma from {_names(evidence.refuting)}")
    if evidence.errors or evidence.uncertified:
        return Decision(
            Verdict.OPEN,
            f"the lemma's checks raised or failed uncertified: {_names(evidence.errors + evidence.uncertified)}",
        )
    if evidence.proofs:
        return Decision(Verdict.PROVED, f"lemma proved ({_names(evidence.proofs)})")
    if evidence.passes:
        return Decision(Verdict.SUPPORTED, f"lemma checked numerically ({_names(evidence.passes)}), not proved")
    return Decision(Verdict.OPEN, "no check decided the lemma")


def decide_formalization(
    results: Results,
    lemmas: Sequence[tuple[str, Decision]] = (),
    argument: str | None = None,
    parts: Mapping[str, str | None] | None = None,
) -> Decision:
    """Apply the per-reading rule to the statement's check results and its lemmas' ``(statement, decision)``
    pairs; ``argument`` is the reading's written step from its lemmas to the statement, if any.

    ``parts`` maps check names to the conjunct of the statement a check decides, for a statement that is a
    conjunction (a kernel: "the basis is in it" and "its dimension"; two-sided bounds): a proof of one conjunct
    proves only that conjunct, so it contradicts only a counterexample to the same conjunct (or to the whole), and
    the reading is proved when every conjunct is.  Checks without a part decide the whole statement."""
    evidence = _Evidence.of(results)
    refuting, proofs, passes = evidence.refuting, evidence.proofs, evidence.passes
    errors, uncertified = evidence.errors, evidence.uncertified
    part = dict(parts or {})
    conjuncts = {part.get(name) for name, _, _ in results} - {None}
    contradicted = [
        (proof, counter)
        for proof in proofs
        for counter in refuting
        if part.get(proof) is None or part.get(counter) is None or part.get(proof) == part.get(counter)
    ]
    proved = bool(proofs) and (
        any(part.get(name) is None for name in proofs) or conjuncts <= {part.get(name) for name in proofs}
    )

    if contradicted:
        proofs, refuting = sorted({p for p, _ in contradicted}), sorted({c for _, c in contradicted})
        return Decision(
            Verdict.OPEN,
            f"checks contradict each other (proof by {_names(proofs)}, counterexample from "
            f"{_names(refuting)}): one of them is wrong",
        )
    if refuting:
        beside = f"; {len(lemmas)} lemma(s) decided beside it, which do not weigh against it" if lemmas else ""
        return Decision(Verdict.REFUTED, f"certified counterexample from {_names(refuting)}{beside}")
    if errors:
        return Decision(Verdict.OPEN, f"check(s) raised an error: {_names(errors)}")
    if uncertified:
        return Decision(
            Verdict.OPEN,
            f"numeric failure not certified beyond rounding in {_names(uncertified)}",
        )
    if proved and passes:
        return Decision(
            Verdict.PROVED, f"derivation closed ({_names(proofs)}) and numeric agreement ({_names(passes)})"
        )
    open_lemmas = [statement for statement, decision in lemmas if decision.verdict is not Verdict.PROVED]
    if passes and argument is not None and lemmas and not open_lemmas:
        return Decision(
            Verdict.PROVED,
            f"every lemma proved ({len(lemmas)}), the argument from them is stated, and numeric agreement "
            f"({_names(passes)})",
        )
    if passes:
        why = "no closed derivation" if not proofs else "no closed derivation of every part"
        if lemmas and argument is None:
            why += " (its lemmas carry no argument to the statement)"
        elif open_lemmas:
            why += f" (lemma(s) not proved: {_names([s[:80] for s in open_lemmas])})"
        return Decision(Verdict.SUPPORTED, f"numeric agreement ({_names(passes)}) but {why}")
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
