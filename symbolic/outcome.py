"""What a symbolic derivation found, in the mathematics' own terms.

A derivation ends PROVED (with the scope it covers: "all n >= 1", "every n <= 6"), DISPROVED (always with an exact
certificate: the point, the two sides' exact values, and how they were decided) or INCONCLUSIVE (sympy could not
close it; never read as a proof).  The claims layer reads a :class:`Derivation` as a check result
(:mod:`claims.builders.primitives`); nothing here knows about claims, readings or verdicts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping


class Finding(str, enum.Enum):
    """How a derivation ended."""

    PROVED = "proved"
    DISPROVED = "disproved"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Certificate:
    """A point at which a statement fails: ``inputs`` (JSON-ready, exact values as strings such as ``"1/3"``),
    what each side evaluated to (``observed``), whether the failure is beyond doubt (``certified``) and how it was
    decided (``how``: exact rational arithmetic, guaranteed digits of a strict evaluation)."""

    inputs: Mapping[str, Any]
    observed: Mapping[str, Any]
    certified: bool
    how: str


@dataclass(frozen=True)
class Derivation:
    """The outcome of one derivation: ``cases`` counts the sizes or instances decided, ``scope`` states what a
    proof covers, ``math`` is the decided identity as presentation MathML."""

    status: Finding
    detail: str
    cases: int = 0
    scope: str | None = None
    counterexample: Certificate | None = None
    math: str | None = None

    def __post_init__(self) -> None:
        if self.status is Finding.DISPROVED and (self.counterexample is None or not self.counterexample.certified):
            raise ValueError("a DISPROVED derivation must carry a certified counterexample")


def from_steps(steps: Mapping[str, bool], what: str, detail: str, cases: int, scope: str) -> Derivation:
    """A written argument whose named algebraic steps sympy checked: PROVED (with ``detail`` and the steps listed)
    when every step holds, INCONCLUSIVE naming the ones that did not close otherwise."""
    failed = [name for name, ok in steps.items() if not ok]
    if failed:
        return Derivation(Finding.INCONCLUSIVE, f"{what}: sympy did not close {failed}")
    return Derivation(Finding.PROVED, f"{detail}. Steps verified: {'; '.join(steps)}", cases=cases, scope=scope)
