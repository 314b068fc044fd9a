"""The mutation catalogue: how well the audit's checks can fail, measured (issue 9).

Two kinds of mutant, each named by its mutation operator:

* **Formula mutants** are wrong variants of the formulas the registered claims use (a sign flip, a missing
  factor tau or 1/tau^2, a a^T doubled or dropped, delta_ij swapped for 1 - delta_ij, a transposed Jacobian,
  an off-by-one in a sum's bounds, a dropped hypothesis).  Each goes through the very check builder that
  decides the real claim (:mod:`claims.builders.softmax`), with the registered reading as its correction, and
  must come out REFUTED with a certified counterexample, killed by the symbolic path (an exact certificate at
  the smallest n) *and* by the numeric path (a certified float counterexample).
* **Implementation mutants** are bugs in the audit's own float references (softmax over the wrong axis, a
  transposed autograd Jacobian, a reference Fisher without p p^T, ...), patched in wherever the reference is
  bound.  The registered claims that rely on the reference must then disagree with the verdict lock, which
  is what fails CI; and since the symbolic path shares no code with them, the failure can never turn into a
  certified refutation of a true claim.

Mutants are decided in the default profile, the audit ``fim-audit run`` performs, whatever the session's profile:
the catalogue measures the power of the audit a referee runs (the session's profile, ci in CI, audits the claims
themselves; deciding the mutants in it as well took 90 s of a worker against 50 s).

A mutant that is *equivalent* (the same function as the original, e.g. the transposed softmax Jacobian,
which is symmetric) cannot be killed; it is listed with the reason, and the audit must prove it equal.  The
kill rate is printed at the end of the pytest run (tests/conftest.py).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, replace
from typing import Callable

import pytest
import torch

from fim_audit.claims.engine import ClaimRecord, run_claim
from fim_audit.claims.papers.fim_attn import (
    categorical_covariance_entry,
    tau_derivative_entry,
)
from fim_audit.claims.papers.fim_metrics import softmax_fisher_entry
from fim_audit.claims.lock import read_lock
from fim_audit.claims.model import Check, Claim, Formalization, Kind, Source, Status, Verdict
from fim_audit.claims.registry import all_claims
from fim_audit.numeric.context import PROFILES, RunContext
from fim_audit.claims.builders.softmax import (
    fisher_decomposition_checks,
    inner_expectation_checks,
    potential_hessian_checks,
    score_chain_checks,
    score_fisher_checks,
    softmax_derivative_checks,
    tau_derivative_checks,
)
from tests.mutation_log import MutantOutcome, record_mutant

pytestmark = pytest.mark.xdist_group("test_mutants")  # module-scoped fixtures: computed once, in one xdist worker

REGISTERED = {claim.id: claim for claim in all_claims()}
LOCK = read_lock()


def _reading(claim_id: str, key: str) -> Formalization:
    return next(f for f in REGISTERED[claim_id].formalizations if f.key == key)


@dataclass(frozen=True)
class FormulaMutant:
    """A wrong formula through the builder of the registered reading ``original`` (claim id, reading key).
    ``equivalent`` explains why the mutant is the same function as the original, if it is."""

    name: str
    operator: str
    checks: Callable[[], tuple[Check, ...]]
    original: tuple[str, str]
    equivalent: str | None = None


def _lemma1(kernel) -> Callable[[], tuple[Check, ...]]:
    return lambda: softmax_derivative_checks(kernel, "softmax")


def _score(kernel) -> Callable[[], tuple[Check, ...]]:
    return lambda: softmax_derivative_checks(kernel, "log_softmax")


def _inner(kernel, domain: str = "simplex") -> Callable[[], tuple[Check, ...]]:
    return lambda: inner_expectation_checks(kernel, domain)


def _dtau(kernel) -> Callable[[], tuple[Check, ...]]:
    return lambda: tau_derivative_checks(kernel)


def _lse(kernel) -> Callable[[], tuple[Check, ...]]:
    return lambda: potential_hessian_checks(kernel, "lse", "the mutant")


LEMMA1 = ("fim-attn.lemma1", "jacobian-entries")
SCORE = ("fim-attn.thm1-score", "logit-space")
INNER = ("fim-attn.thm1-inner", "simplex")
THM1 = ("fim-attn.thm1", "categorical-fisher")
DTAU = ("fim-attn.appA-dtau", "derivative")
LSE = ("fim-metrics.hessian-lse", "log-partition")

FORMULA_MUTANTS = [
    FormulaMutant(
        "lemma1: sigma_i (sigma_j - delta_ij)", "sign flip", _lemma1(lambda s_i, s_j, d: s_i * (s_j - d)), LEMMA1
    ),
    FormulaMutant(
        "lemma1: sigma_i (delta_ij + sigma_j)", "sign flip", _lemma1(lambda s_i, s_j, d: s_i * (d + s_j)), LEMMA1
    ),
    FormulaMutant("lemma1: missing factor sigma_i", "dropped factor", _lemma1(lambda s_i, s_j, d: d - s_j), LEMMA1),
    FormulaMutant(
        "lemma1: diag(sigma) - 2 sigma sigma^T",
        "a a^T doubled",
        _lemma1(lambda s_i, s_j, d: s_i * (d - 2 * s_j)),
        LEMMA1,
    ),
    FormulaMutant(
        "lemma1: sigma_i (1 - delta_ij - sigma_j)",
        "delta_ij swapped",
        _lemma1(lambda s_i, s_j, d: s_i * (1 - d - s_j)),
        LEMMA1,
    ),
    FormulaMutant(
        "lemma1: transposed, sigma_j (delta_ij - sigma_i)",
        "transposed Jacobian",
        _lemma1(lambda s_i, s_j, d: s_j * (d - s_i)),
        LEMMA1,
        equivalent="the softmax Jacobian diag(sigma) - sigma sigma^T is symmetric, so its transpose is the same "
        "matrix: no check can, or should, tell them apart",
    ),
    FormulaMutant(
        "thm1-score: transposed, delta_ij - sigma_i", "transposed Jacobian", _score(lambda s_i, s_j, d: d - s_i), SCORE
    ),
    FormulaMutant("thm1-score: sigma_j - delta_ij", "sign flip", _score(lambda s_i, s_j, d: s_j - d), SCORE),
    FormulaMutant(
        "thm1-score: 1 - delta_ij - sigma_j", "delta_ij swapped", _score(lambda s_i, s_j, d: 1 - d - s_j), SCORE
    ),
    FormulaMutant(
        "thm1-score in theta: transposed",
        "transposed Jacobian",
        lambda: score_chain_checks(lambda s_i, s_j, d: d - s_i),
        ("fim-attn.thm1-score", "parameter-space"),
    ),
    FormulaMutant(
        "thm1-inner: diag(a) - 2 a a^T", "a a^T doubled", _inner(lambda a_i, a_j, d: d * a_i - 2 * a_i * a_j), INNER
    ),
    FormulaMutant("thm1-inner: diag(a) alone", "a a^T dropped", _inner(lambda a_i, a_j, d: d * a_i), INNER),
    FormulaMutant(
        "thm1-inner: (1 - delta_ij) a_i - a_i a_j",
        "delta_ij swapped",
        _inner(lambda a_i, a_j, d: (1 - d) * a_i - a_i * a_j),
        INNER,
    ),
    FormulaMutant(
        "thm1-inner: dropping sum a = 1",
        "dropped hypothesis",
        _inner(categorical_covariance_entry, "nonnegative"),
        INNER,
    ),
    FormulaMutant(
        "thm1: J^T (diag(a) - 2 a a^T) J",
        "a a^T doubled",
        lambda: fisher_decomposition_checks(lambda a_i, a_j, d: d * a_i - 2 * a_i * a_j),
        THM1,
    ),
    FormulaMutant(
        "thm1: J^T diag(a) J (second moment instead of covariance)",
        "a a^T dropped",
        lambda: fisher_decomposition_checks(lambda a_i, a_j, d: d * a_i),
        THM1,
    ),
    FormulaMutant(
        "thm1: -J^T (diag(a) - a a^T) J",
        "sign flip",
        lambda: fisher_decomposition_checks(lambda a_i, a_j, d: a_i * a_j - d * a_i),
        THM1,
    ),
    FormulaMutant(
        "appA-dtau: +(1/tau^2)(...)", "sign flip", _dtau(lambda z_i, s_i, m, tau: (z_i * s_i - s_i * m) / tau**2), DTAU
    ),
    FormulaMutant(
        "appA-dtau: without 1/tau^2",
        "missing factor 1/tau^2",
        _dtau(lambda z_i, s_i, m, tau: -(z_i * s_i - s_i * m)),
        DTAU,
    ),
    FormulaMutant(
        "appA-dtau: 1/tau for 1/tau^2",
        "missing factor 1/tau",
        _dtau(lambda z_i, s_i, m, tau: -(z_i * s_i - s_i * m) / tau),
        DTAU,
    ),
    FormulaMutant(
        "appA-dtau: sum over k != i",
        "off-by-one in a sum's bounds",
        _dtau(lambda z_i, s_i, m, tau: tau_derivative_entry(z_i, s_i, m - z_i * s_i, tau)),
        DTAU,
    ),
    FormulaMutant(
        "hessian-lse: diag(p) - p p^T without 1/tau^2",
        "missing factor 1/tau^2",
        _lse(lambda p_i, p_j, d, tau: tau**2 * softmax_fisher_entry(p_i, p_j, d, tau)),
        LSE,
    ),
    FormulaMutant(
        "hessian-lse: -(1/tau^2)(diag p - p p^T)",
        "sign flip",
        _lse(lambda p_i, p_j, d, tau: -softmax_fisher_entry(p_i, p_j, d, tau)),
        LSE,
    ),
    FormulaMutant(
        "hessian-lse: diag(p) / tau^2", "a a^T dropped", _lse(lambda p_i, p_j, d, tau: d * p_i / tau**2), LSE
    ),
    FormulaMutant(
        "hessian-lse: Fisher in s with 1/tau for 1/tau^2",
        "missing factor 1/tau",
        lambda: score_fisher_checks(
            lambda p_i, p_j, d, tau: tau * softmax_fisher_entry(p_i, p_j, d, tau), "the mutant"
        ),
        LSE,
    ),
]


@dataclass(frozen=True)
class ImplementationMutant:
    """A bug in a float reference: ``module.attribute`` replaced by ``mutate(original)`` wherever it is bound,
    then the registered ``claims`` audited.  Killed when one of them disagrees with the verdict lock."""

    name: str
    operator: str
    target: tuple[str, str]
    mutate: Callable[[Callable], Callable]
    claims: tuple[str, ...]


def _softmax_over_first_axis(_: Callable) -> Callable:
    return lambda z, tau=1.0: torch.softmax(z / tau, dim=0)


def _transposed(original: Callable) -> Callable:
    return lambda *args, **kwargs: original(*args, **kwargs).transpose(-1, -2)


def _ignoring_tau(original: Callable) -> Callable:
    return lambda z, tau=1.0: original(z, 1.0)


def _all_but_last_term(original: Callable) -> Callable:
    return lambda a, dim=-1: original(a[..., :-1] if a.shape[dim] > 1 else a, dim)


def _reversed_spectrum(original: Callable) -> Callable:
    def spectrum(m):
        values = original(m)
        return type(values)(values.value.flip(-1), values.error.flip(-1))

    return spectrum


def _negated(original: Callable) -> Callable:
    return lambda *args, **kwargs: -original(*args, **kwargs)


def _all_but_last_outcome(_: Callable) -> Callable:
    def moment(w: torch.Tensor) -> torch.Tensor:
        deviations = torch.eye(w.shape[-1], dtype=w.dtype, device=w.device) - w[..., None, :]
        kept = deviations[..., :-1, :]
        return torch.einsum("...i,...ik,...il->...kl", w[..., :-1], kept, kept)

    return moment


IMPLEMENTATION_MUTANTS = [
    ImplementationMutant(
        "softmax over the batch axis",
        "wrong axis of softmax",
        ("fim_audit.numeric.softmax", "pure_softmax"),
        _softmax_over_first_axis,
        ("fim-attn.lemma1", "fim-attn.appA-dtau"),
    ),
    ImplementationMutant(
        "autograd Jacobians of softmax and log-softmax transposed",
        "transposed Jacobian",
        ("fim_audit.numeric.softmax", "batched_jacobian"),
        _transposed,
        ("fim-attn.lemma1", "fim-attn.thm1-score"),
    ),
    ImplementationMutant(
        "softmax ignores tau",
        "missing factor 1/tau",
        ("fim_audit.numeric.softmax", "pure_softmax"),
        _ignoring_tau,
        ("fim-attn.appA-dtau", "fim-metrics.hessian-lse"),
    ),
    ImplementationMutant(
        "builder sums drop their last term",
        "off-by-one in a sum's bounds",
        ("fim_audit.numeric.bounded", "total"),
        _all_but_last_term,
        ("fim-metrics.trace",),
    ),
    ImplementationMutant(
        "builder eigenvalues in descending order",
        "wrong order",
        ("fim_audit.numeric.bounded", "eigvalsh"),
        _reversed_spectrum,
        ("fim-metrics.interlacing", "fim-metrics.eigmax-bounds"),
    ),
    ImplementationMutant(
        "tolerances dropped (SAFETY = 0)",
        "tolerance removed",
        ("fim_audit.numeric.tolerance", "SAFETY"),
        lambda original: 0.0,
        ("fim-metrics.trace", "holistic.boltzmann"),
    ),
    ImplementationMutant(
        "explicit second moment negated",
        "sign flip",
        ("fim_audit.numeric.categorical", "centered_second_moment"),
        _negated,
        ("fim-attn.thm1-inner",),
    ),
    ImplementationMutant(
        "explicit second moment sums i < n",
        "off-by-one in a sum's bounds",
        ("fim_audit.numeric.categorical", "centered_second_moment"),
        _all_but_last_outcome,
        ("fim-attn.thm1-inner",),
    ),
]


# --- formula mutants ----------------------------------------------------------------------------------------


def _claim(mutant: FormulaMutant) -> Claim:
    return Claim(
        id=f"mutant.{mutant.name}",
        source=Source("mutant", "-", "tests/test_mutants.py", mutant.name),
        formalizations=(Formalization("mutant", mutant.name, mutant.checks()),),
        correction=_reading(*mutant.original),
    )


def _killed_by(record: ClaimRecord) -> tuple[bool, bool]:
    """(an exact certificate, a certified float counterexample) among the mutant reading's checks."""
    results = [(c.check.kind, c.result) for c in record.readings[0].checks]
    symbolic = any(kind is Kind.SYMBOLIC and r.status is Status.DISPROVED for kind, r in results)
    numeric = any(kind is Kind.NUMERIC and r.status is Status.FAILED and r.refutes for kind, r in results)
    return symbolic, numeric


@pytest.fixture(scope="module")
def mutant_context(audit_context) -> RunContext:
    """The session's context in the default profile (module docstring)."""
    return replace(audit_context, profile=PROFILES["default"])


@pytest.fixture(scope="module")
def shared_records() -> dict:
    """Check records shared by the formula mutants: the registered readings used as corrections run once."""
    return {}


@pytest.fixture(scope="module", params=FORMULA_MUTANTS, ids=[m.name for m in FORMULA_MUTANTS])
def formula_record(request, mutant_context, shared_records) -> tuple[FormulaMutant, ClaimRecord]:
    mutant = request.param
    record = run_claim(_claim(mutant), mutant_context, shared_records)
    symbolic, numeric = _killed_by(record)
    killed = record.verdict is Verdict.REFUTED and record.counterexample is not None
    record_mutant(
        request.config,
        MutantOutcome(mutant.name, mutant.operator, "formula", killed, (symbolic, numeric), mutant.equivalent),
    )
    return mutant, record


def test_formula_mutant_is_refuted_with_certified_counterexample(formula_record):
    mutant, record = formula_record
    if mutant.equivalent:
        assert record.verdict is Verdict.PROVED, f"an equivalent mutant must be proved equal: {record.decision.reason}"
        return
    assert record.verdict is Verdict.REFUTED, record.decision.reason
    assert record.counterexample is not None and record.counterexample.certified


def test_formula_mutant_is_killed_by_both_paths(formula_record):
    mutant, record = formula_record
    if mutant.equivalent:
        pytest.skip(f"equivalent mutant: {mutant.equivalent}")
    symbolic, numeric = _killed_by(record)
    assert symbolic, "no exact certificate"
    assert numeric, "no certified numeric counterexample"


def test_formula_mutant_never_gets_a_symbolic_proof(formula_record):
    mutant, record = formula_record
    if not mutant.equivalent:
        assert not any(c.result.status is Status.PROVED for c in record.readings[0].checks)


def test_correction_is_the_registered_reading_and_proved(formula_record):
    mutant, record = formula_record
    assert LOCK[mutant.original[0]] in (Verdict.PROVED, Verdict.ILL_POSED)
    assert record.correction.decision.verdict is Verdict.PROVED


def test_exact_certificate_is_minimal_in_n(formula_record):
    """The exact sweep reports the smallest failing n (n = 1 or 2 for every mutant here)."""
    mutant, record = formula_record
    if mutant.equivalent:
        return
    disproof = next(c.result for c in record.readings[0].checks if c.result.status is Status.DISPROVED)
    assert disproof.counterexample.observed["n"] <= 2


# --- implementation mutants ---------------------------------------------------------------------------------


def _patch_everywhere(patch: pytest.MonkeyPatch, module_name: str, attribute: str, replacement) -> int:
    """Replace ``module_name.attribute`` in every loaded fim-audit module that binds the same object."""
    original = getattr(importlib.import_module(module_name), attribute)
    modules = [m for name, m in list(sys.modules.items()) if name.startswith("fim_audit.")]
    bound = [m for m in modules if getattr(m, attribute, None) is original]
    for module in bound:
        patch.setattr(module, attribute, replacement)
    return len(bound)


@pytest.fixture(scope="module", params=IMPLEMENTATION_MUTANTS, ids=[m.name for m in IMPLEMENTATION_MUTANTS])
def implementation_records(request, mutant_context) -> tuple[ImplementationMutant, list[ClaimRecord]]:
    mutant = request.param
    module_name, attribute = mutant.target
    original = getattr(importlib.import_module(module_name), attribute)
    with pytest.MonkeyPatch.context() as patch:
        assert _patch_everywhere(patch, module_name, attribute, mutant.mutate(original)) >= 1
        records = [run_claim(REGISTERED[claim_id], mutant_context) for claim_id in mutant.claims]
    flagged = [r.claim.id for r in records if r.verdict is not LOCK[r.claim.id]]
    record_mutant(
        request.config, MutantOutcome(mutant.name, mutant.operator, "implementation", bool(flagged), flagged, None)
    )
    return mutant, records


def test_implementation_mutant_changes_a_locked_verdict(implementation_records):
    mutant, records = implementation_records
    verdicts = {r.claim.id: (r.verdict.value, LOCK[r.claim.id].value) for r in records}
    assert any(r.verdict is not LOCK[r.claim.id] for r in records), f"survived: {verdicts}"


def test_implementation_mutant_never_refutes_a_true_claim(implementation_records):
    """A float reference bug may make a proved claim OPEN (checks contradict each other), never REFUTED:
    the exact path shares no code with the float references."""
    mutant, records = implementation_records
    for record in records:
        if LOCK[record.claim.id] is Verdict.PROVED:
            assert record.verdict is not Verdict.REFUTED, record.decision.reason
