"""The registry's data model: claims, their readings, the checks that decide them, and check outcomes.

A claim is pure data plus references to check functions.  Nothing here holds a verdict: verdicts are
computed from :class:`CheckResult` values by :mod:`claims.verdict`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from claims.context import RunContext


class Kind(str, enum.Enum):
    """What sort of evidence a check produces."""

    SYMBOLIC = "symbolic"
    NUMERIC = "numeric"
    EXPERIMENT = "experiment"


class Status(str, enum.Enum):
    """The outcome of one check.

    Symbolic checks end PROVED, DISPROVED (always with an exact certificate) or INCONCLUSIVE (sympy
    could not close the derivation; never read as a proof).  Numeric and experiment checks end PASSED
    (every case within tolerance) or FAILED (with a counterexample).  ERROR means the check itself raised.
    """

    PROVED = "proved"
    DISPROVED = "disproved"
    INCONCLUSIVE = "inconclusive"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"

    @property
    def outcome(self) -> str:
        """The coarse outcome written to ``results.json``: pass, fail, error or inconclusive."""
        return {
            Status.PROVED: "pass",
            Status.PASSED: "pass",
            Status.DISPROVED: "fail",
            Status.FAILED: "fail",
            Status.ERROR: "error",
            Status.INCONCLUSIVE: "inconclusive",
        }[self]


class Verdict(str, enum.Enum):
    """The verdict vocabulary of ``shared/CLAIMS.md``."""

    PROVED = "PROVED"
    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    ILL_POSED = "ILL_POSED"
    OPEN = "OPEN"


@dataclass(frozen=True)
class Counterexample:
    """A point at which a statement fails.

    ``inputs`` are exact, JSON-ready values (rationals as strings such as ``"1/3"``, floats as Python
    floats, which JSON round-trips exactly).  ``observed`` holds what each side evaluated to.
    ``certified`` says whether the failure is beyond doubt, and ``certificate`` says how: exact rational
    arithmetic, a high-precision re-evaluation, or a float margin far beyond the rounding bound.
    """

    inputs: Mapping[str, Any]
    observed: Mapping[str, Any]
    certified: bool
    certificate: str

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": dict(self.inputs),
            "observed": dict(self.observed),
            "certified": self.certified,
            "certificate": self.certificate,
        }


@dataclass(frozen=True)
class CheckResult:
    """What one run of a check found.

    ``cases`` counts the concrete instances examined (numeric rows, exact sizes n).  ``scope`` states
    the generality of a proof ("all n >= 1", "n <= 6, exact"), so that a PROVED verdict never claims more
    than was shown.  ``seconds`` is filled in by the engine.  ``math`` is the identity a symbolic check
    decided, as presentation MathML (for the report).  ``ratio`` is a numeric property's largest error /
    tolerance: over all passing cases for PASSED (<= 1; how close the checks came to failing), at the
    counterexample for FAILED; None for checks without a tolerance.
    """

    status: Status
    detail: str
    cases: int = 0
    scope: str | None = None
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    math: str | None = None
    ratio: float | None = None

    def __post_init__(self) -> None:
        if self.status is Status.DISPROVED and (self.counterexample is None or not self.counterexample.certified):
            raise ValueError("a DISPROVED result must carry a certified counterexample")
        if self.status is Status.FAILED and self.counterexample is None:
            raise ValueError("a FAILED result must carry its counterexample")

    @property
    def refutes(self) -> bool:
        """True when this result alone shows the statement false: a certified counterexample."""
        return self.counterexample is not None and self.counterexample.certified


@dataclass(frozen=True)
class Check:
    """One way of deciding a formalization.

    ``catches`` names the wrong formula this check is built to expose; the engine's self-tests
    (``tests/test_mutants.py``) hold each check to it.  ``run`` receives the run context (profile,
    device, dtype, seeds) and returns a :class:`CheckResult`.
    """

    name: str
    kind: Kind
    catches: str
    run: Callable[["RunContext"], CheckResult]


@dataclass(frozen=True)
class Formalization:
    """One precise mathematical reading of a claim.

    A claim whose words admit several readings lists each; ``primary`` marks the one that decides the
    claim when readings disagree (fixed by the paper's own definitions or proof; the claim's ``notes``
    say why), if any.  Every formalization has at least one numeric or
    experiment check, so that no verdict rests on a derivation alone.
    """

    key: str
    statement: str
    checks: tuple[Check, ...]
    primary: bool = False

    def __post_init__(self) -> None:
        if not self.checks:
            raise ValueError(f"formalization {self.key!r} has no checks")
        names = [check.name for check in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"formalization {self.key!r} has duplicate check names: {names}")
        if not any(check.kind is not Kind.SYMBOLIC for check in self.checks):
            raise ValueError(f"formalization {self.key!r} needs a numeric or experiment check")


@dataclass(frozen=True)
class Figure:
    """A plot that belongs to a claim's evidence (error against tau or entropy, with the claimed bound).

    ``render`` returns a matplotlib figure for the run context; the report layer saves it.
    """

    name: str
    caption: str
    render: Callable[["RunContext"], Any]


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: the paper's short name, its seed file, the section, the verbatim text."""

    paper: str
    seed_file: str
    where: str
    statement: str


@dataclass(frozen=True)
class Claim:
    """A registered claim: its fixed id, its source, its readings, and optionally a corrected statement.

    ``correction`` is itself a formalization with checks; it is run beside the claim and its own
    verdict is recorded, so a correction is never asserted without evidence.
    """

    id: str
    source: Source
    formalizations: tuple[Formalization, ...]
    correction: Formalization | None = None
    notes: str = ""
    figures: tuple[Figure, ...] = ()

    def __post_init__(self) -> None:
        if not self.formalizations:
            raise ValueError(f"claim {self.id!r} has no formalization")
        keys = [f.key for f in self.formalizations]
        if len(set(keys)) != len(keys):
            raise ValueError(f"claim {self.id!r} has duplicate formalization keys: {keys}")
        if sum(f.primary for f in self.formalizations) > 1:
            raise ValueError(f"claim {self.id!r} marks more than one formalization primary")
