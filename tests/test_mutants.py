"""Self-tests of the engine: known-false variants of the fim-attn formulas, passed through the very check
sets that decide the real claims, must come out REFUTED with a certified counterexample, and each must be
killed by a symbolic path (exact certificate) and by a numeric path (certified float counterexample).
The true formulas, through the same builders, are the registered claims and must stay PROVED
(tests/test_audit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from claims.engine import run_claim
from claims.fim_attn import categorical_covariance_entry, log_softmax_gradient_entry, softmax_jacobian_entry
from claims.model import Check, Claim, Formalization, Kind, Source, Status, Verdict
from claims.softmax_checks import (
    fisher_decomposition_checks,
    inner_expectation_checks,
    score_chain_checks,
    softmax_derivative_checks,
)


@dataclass(frozen=True)
class Mutant:
    name: str
    checks: Callable[[], tuple[Check, ...]]
    correction: Callable[[], tuple[Check, ...]]


MUTANTS = [
    Mutant(
        "lemma1: sigma_i (delta_ij + sigma_j)",
        lambda: softmax_derivative_checks(lambda s_i, s_j, d: s_i * (d + s_j), "softmax"),
        lambda: softmax_derivative_checks(softmax_jacobian_entry, "softmax"),
    ),
    Mutant(
        "lemma1: missing factor sigma_i",
        lambda: softmax_derivative_checks(lambda s_i, s_j, d: d - s_j, "softmax"),
        lambda: softmax_derivative_checks(softmax_jacobian_entry, "softmax"),
    ),
    Mutant(
        "thm1-score: transposed, delta_ij - sigma_i",
        lambda: softmax_derivative_checks(lambda s_i, s_j, d: d - s_i, "log_softmax"),
        lambda: softmax_derivative_checks(log_softmax_gradient_entry, "log_softmax"),
    ),
    Mutant(
        "thm1-score: sign flip, sigma_j - delta_ij",
        lambda: softmax_derivative_checks(lambda s_i, s_j, d: s_j - d, "log_softmax"),
        lambda: softmax_derivative_checks(log_softmax_gradient_entry, "log_softmax"),
    ),
    Mutant(
        "thm1-score in theta: transposed",
        lambda: score_chain_checks(lambda s_i, s_j, d: d - s_i),
        lambda: score_chain_checks(log_softmax_gradient_entry),
    ),
    Mutant(
        "thm1-inner: diag(a) - 2 a a^T",
        lambda: inner_expectation_checks(lambda a_i, a_j, d: d * a_i - 2 * a_i * a_j, "simplex"),
        lambda: inner_expectation_checks(categorical_covariance_entry, "simplex"),
    ),
    Mutant(
        "thm1-inner: dropping sum a = 1",
        lambda: inner_expectation_checks(categorical_covariance_entry, "nonnegative"),
        lambda: inner_expectation_checks(categorical_covariance_entry, "simplex"),
    ),
    Mutant(
        "thm1-inner: diag(a) alone",
        lambda: inner_expectation_checks(lambda a_i, a_j, d: d * a_i, "simplex"),
        lambda: inner_expectation_checks(categorical_covariance_entry, "simplex"),
    ),
    Mutant(
        "thm1: J^T (diag(a) - 2 a a^T) J",
        lambda: fisher_decomposition_checks(lambda a_i, a_j, d: d * a_i - 2 * a_i * a_j),
        lambda: fisher_decomposition_checks(categorical_covariance_entry),
    ),
    Mutant(
        "thm1: J^T diag(a) J (second moment instead of covariance)",
        lambda: fisher_decomposition_checks(lambda a_i, a_j, d: d * a_i),
        lambda: fisher_decomposition_checks(categorical_covariance_entry),
    ),
]


def _claim(mutant: Mutant) -> Claim:
    return Claim(
        id=f"mutant.{mutant.name}",
        source=Source("mutant", "-", "tests/test_mutants.py", mutant.name),
        formalizations=(Formalization("mutant", mutant.name, mutant.checks()),),
        correction=Formalization("correction", "the registered formula", mutant.correction()),
    )


@pytest.fixture(scope="module", params=MUTANTS, ids=[m.name for m in MUTANTS])
def mutant_record(request, audit_context):
    return run_claim(_claim(request.param), audit_context)


def test_mutant_is_refuted_with_certified_counterexample(mutant_record):
    assert mutant_record.verdict is Verdict.REFUTED, mutant_record.decision.reason
    assert mutant_record.counterexample is not None and mutant_record.counterexample.certified


def test_mutant_is_killed_by_both_paths(mutant_record):
    results = [(c.check.kind, c.result) for c in mutant_record.readings[0].checks]
    assert any(kind is Kind.SYMBOLIC and r.status is Status.DISPROVED for kind, r in results), "no exact certificate"
    assert any(kind is Kind.NUMERIC and r.status is Status.FAILED and r.refutes for kind, r in results), (
        "no certified numeric counterexample"
    )


def test_mutant_never_gets_a_symbolic_proof(mutant_record):
    assert not any(c.result.status is Status.PROVED for c in mutant_record.readings[0].checks)


def test_correction_is_itself_proved(mutant_record):
    assert mutant_record.correction.decision.verdict is Verdict.PROVED


def test_exact_certificate_is_minimal_in_n(mutant_record):
    """The exact sweep reports the smallest failing n (n = 1 or 2 for every mutant here)."""
    disproof = next(c.result for c in mutant_record.readings[0].checks if c.result.status is Status.DISPROVED)
    assert disproof.counterexample.observed["n"] <= 2
