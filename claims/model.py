"""The registry's data model: claims, their readings, the checks that decide them, and check outcomes.

A claim is pure data plus references to check functions.  Nothing here holds a verdict: verdicts are
computed from :class:`CheckResult` values by :mod:`claims.verdict`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from fim_audit.numeric.context import RunContext


class Kind(str, enum.Enum):
    """What sort of evidence a check produces."""

    SYMBOLIC = "symbolic"
    NUMERIC = "numeric"
    EXPERIMENT = "experiment"


class Status(str, enum.Enum):
    """The outcome of one check.

    Symbolic checks end PROVED, DISPROVED (always with an exact certificate) or INCONCLUSIVE (sympy
    could not close the derivation; never read as a proof).  Numeric and experiment checks end PASSED
    (every case within tolerance) or FAILED (with a counterexample), or INCONCLUSIVE when a search met no case at all.
    ERROR means the check itself raised.
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


class MalformedResult(ValueError):
    """A check built a counterexample or result that cannot be reported (a value that is not JSON-ready, a
    certificate flag that is not a real bool).  Raised when the object is created, inside the check, so the
    engine turns it into that check's ERROR instead of losing the whole run when results.json is written."""


def json_ready_problem(value: Any, where: str = "value", depth: int = 0) -> str | None:
    """Why ``value`` cannot be written to results.json as it is, or None.

    JSON-ready means: str, int, float (non-finite floats are written as strings), bool, None, and lists,
    tuples and str-keyed dicts of those, nested at most 64 deep.  sympy and numpy scalars, tensors and other
    objects are refused by name, so the check that produced them can convert them (``float(x)``, ``str(x)``,
    ``bool(x)``) where it knows what they mean.
    """
    if depth > 64:
        return f"{where} is nested more than 64 levels deep"
    if type(value) in (bool, int, type(None)) or isinstance(value, (str, float)):  # numpy's float64 is a float
        return None
    if type(value) in (list, tuple):
        for index, item in enumerate(value):
            problem = json_ready_problem(item, f"{where}[{index}]", depth + 1)
            if problem:
                return problem
        return None
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                return f"{where} has a key {key!r} of type {type(key).__name__} (keys must be str)"
            problem = json_ready_problem(item, f"{where}[{key!r}]", depth + 1)
            if problem:
                return problem
        return None
    return f"{where} is {_short(value)} of type {type(value).__module__}.{type(value).__qualname__}, not JSON-ready"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise MalformedResult(message)


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

    def __post_init__(self) -> None:
        _require(
            type(self.certified) is bool,
            f"counterexample: certified is {self.certified!r} of type "
            f"{type(self.certified).__name__}, not a bool (sympy's True is not Python's)",
        )
        _require(type(self.certificate) is str, f"counterexample: certificate is not a str: {self.certificate!r}")
        for name in ("inputs", "observed"):
            value = getattr(self, name)
            _require(isinstance(value, Mapping), f"counterexample: {name} is not a mapping: {value!r}")
            problem = json_ready_problem(dict(value), f"counterexample {name}")
            _require(problem is None, str(problem))

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
        _require(isinstance(self.status, Status), f"result: status {self.status!r} is not a Status")
        _require(type(self.detail) is str, f"result: detail is not a str: {self.detail!r}")
        _require(type(self.cases) is int and self.cases >= 0, f"result: cases is {self.cases!r}, not an int >= 0")
        for name in ("scope", "math"):
            value = getattr(self, name)
            _require(value is None or type(value) is str, f"result: {name} is {value!r}, not a str or None")
        _require(
            self.counterexample is None or isinstance(self.counterexample, Counterexample),
            f"result: counterexample is {self.counterexample!r}, not a Counterexample",
        )
        _require(
            self.ratio is None or isinstance(self.ratio, float),
            f"result: ratio is {self.ratio!r} of type {type(self.ratio).__name__}, not a float or None",
        )
        _require(isinstance(self.seconds, (float, int)), f"result: seconds is {self.seconds!r}, not a number")
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
    device, dtype, seeds) and returns a :class:`CheckResult`.  ``validate``, set by the builders, evaluates the
    check's formulas once on a tiny input (in sympy and in torch) and raises if they do not evaluate; the registry
    calls it when a paper is loaded, so a broken formula is reported before anything runs.  ``part`` names the
    conjunct of a reading's statement the check decides, when the statement is a conjunction (see
    :func:`claims.verdict.decide_formalization`); None: the whole statement.  ``exact`` marks a numeric check
    that computes in exact arithmetic only (sympy at the exact points of drawn floats, say: no float arithmetic
    decides its outcome); it runs like a symbolic one (:attr:`runs_exactly`).  ``float64`` marks a numeric check
    that computes in float64 whatever the audit's dtype (a Monte Carlo estimate of an exact expectation): it runs in
    float64 on the audit's device.  Either way its record does not depend on the audit's dtype
    (:attr:`dtype_free`).
    """

    name: str
    kind: Kind
    catches: str
    run: Callable[["RunContext"], CheckResult]
    validate: Callable[[], None] | None = None
    part: str | None = None
    exact: bool = False
    float64: bool = False

    @property
    def runs_exactly(self) -> bool:
        """Whether the check runs in float64 on the CPU whatever the audit's dtype and device
        (:meth:`RunContext.exact_work`): a symbolic check, or one marked ``exact``.  Its record then depends on the
        profile and its seed only, so an audit in another dtype may reuse it."""
        return self.kind is Kind.SYMBOLIC or self.exact

    @property
    def dtype_free(self) -> bool:
        """Whether the check's record is the same whatever the audit's dtype (it runs exactly, or in float64), so an
        audit of the same profile and seed in another dtype may reuse it."""
        return self.runs_exactly or self.float64


@dataclass(frozen=True)
class Lemma:
    """A supporting fact of a reading: a step of its proof (the variance identity behind an eigenvalue bound,
    dH/dT = Var/T^3 behind a monotonicity), decided by its own checks.

    A lemma is not the statement.  Its proof never proves the reading by itself, and it never contradicts a
    counterexample to the statement (a true lemma beside a false statement is the normal case of a wrong
    proof).  A reading whose ``argument`` says how its lemmas imply it is PROVED when every lemma is proved
    and the statement's own numeric checks pass (:mod:`claims.verdict`).
    """

    statement: str
    checks: tuple[Check, ...]

    def __post_init__(self) -> None:
        _require_checks(f"lemma {self.statement[:60]!r}", self.checks)


def _require_checks(owner: str, checks: tuple[Check, ...]) -> None:
    if not checks:
        raise ValueError(f"{owner} has no checks")
    if not all(isinstance(check, Check) for check in checks):
        raise ValueError(f"{owner}: every check must be a Check, got {[type(c).__name__ for c in checks]}")
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ValueError(f"{owner} has duplicate check names: {names}")


@dataclass(frozen=True)
class Formalization:
    """One precise mathematical reading of a claim.

    A claim whose words admit several readings lists each; ``primary`` marks the one that decides the
    claim when readings disagree (fixed by the paper's own definitions or proof; the claim's ``notes``
    say why), if any.  Every formalization has at least one numeric or experiment check of the statement
    itself, so that no verdict rests on a derivation alone.

    ``lemmas`` are supporting facts with their own checks (:class:`Lemma`); ``argument`` is the written step
    from the lemmas to the statement (for instance "Popoviciu's inequality bounds a variance by (max - min)^2
    / 4"), which the suite does not mechanise and the report shows beside them.
    """

    key: str
    statement: str
    checks: tuple[Check, ...]
    primary: bool = False
    lemmas: tuple[Lemma, ...] = ()
    argument: str | None = None

    def __post_init__(self) -> None:
        _require_checks(f"formalization {self.key!r}", self.checks)
        if not any(check.kind is not Kind.SYMBOLIC for check in self.checks):
            raise ValueError(f"formalization {self.key!r} needs a numeric or experiment check of the statement")
        if self.argument is not None and not self.lemmas:
            raise ValueError(f"formalization {self.key!r} has an argument from lemmas but no lemmas")
        names = [check.name for check in self.all_checks]
        if len(set(names)) != len(names):
            raise ValueError(f"formalization {self.key!r} uses a check both for the statement and a lemma: {names}")

    @property
    def all_checks(self) -> tuple[Check, ...]:
        """The statement's checks, then every lemma's."""
        return self.checks + tuple(check for lemma in self.lemmas for check in lemma.checks)


@dataclass(frozen=True)
class Figure:
    """A plot that belongs to a claim's evidence (error against tau or entropy, with the claimed bound), declared
    as data: ``render`` names the function that draws it, as ``"package.module:function"``, which the report layer
    imports and calls with the run context (:func:`report.figures.render_figures`).  A paper outside the package
    names its own plotting functions the same way.
    """

    name: str
    caption: str
    render: str

    def __post_init__(self) -> None:
        module, _, function = self.render.partition(":")
        if not (module and function.isidentifier() and all(part.isidentifier() for part in module.split("."))):
            raise ValueError(f"figure {self.name!r}: render {self.render!r} is not 'package.module:function'")


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

    ``decisive`` optionally names the checks whose details are the claim's one line of decisive evidence in
    the report's and the README's tables; left empty, the report picks them by the verdict
    (:mod:`report.evidence`).
    """

    id: str
    source: Source
    formalizations: tuple[Formalization, ...]
    correction: Formalization | None = None
    notes: str = ""
    figures: tuple[Figure, ...] = ()
    decisive: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.formalizations:
            raise ValueError(f"claim {self.id!r} has no formalization")
        names = {check.name for f in self.formalizations for check in f.all_checks}
        unknown = [name for name in self.decisive if name not in names]
        if unknown:
            raise ValueError(f"claim {self.id!r} names decisive checks it does not have: {unknown}")
        keys = [f.key for f in self.formalizations]
        if len(set(keys)) != len(keys):
            raise ValueError(f"claim {self.id!r} has duplicate formalization keys: {keys}")
        if sum(f.primary for f in self.formalizations) > 1:
            raise ValueError(f"claim {self.id!r} marks more than one formalization primary")
