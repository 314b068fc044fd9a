"""The claim audit: one test per registered claim, run by the same engine as `fim-audit run` and read
against the committed verdict lock (claims/verdicts.lock.json).

A claim that holds (PROVED/SUPPORTED) passes; one that does not (REFUTED/ILL_POSED) is an expected failure
whose reason is its counterexample; an OPEN one is skipped with its reason.  A verdict that differs from
the lock fails, so the lock makes every xfail strict: a refuted claim that starts to "hold" is a flip.
"""

from __future__ import annotations

import pytest

from claims.engine import run_claim
from claims.lock import Expectation, expectation, read_lock
from claims.registry import all_claims
from report.junit import outcome_message
from report.results import claim_entry

CLAIMS = all_claims()
LOCK = read_lock()


def test_lock_covers_exactly_the_registry():
    registered = {claim.id for claim in CLAIMS}
    assert registered - LOCK.keys() == set(), "claims missing from the lock: run `fim-audit run --update-lock`"
    assert LOCK.keys() - registered == set(), "the lock names claims that are no longer registered"


@pytest.mark.parametrize("claim", CLAIMS, ids=[claim.id for claim in CLAIMS])
def test_claim(claim, audit_context):
    record = run_claim(claim, audit_context)
    locked = LOCK.get(claim.id)
    errors = [f"{c.check.name}: {c.result.detail}" for c in record.errors]
    assert not errors, f"checks raised: {errors}"
    outcome = expectation(record.verdict, locked)
    message = outcome_message(claim_entry(record, locked))
    if outcome is Expectation.FLIPPED:
        pytest.fail(f"verdict flipped: computed {record.verdict.value}, locked {locked and locked.value} ({message})")
    if outcome is Expectation.XFAIL:
        pytest.xfail(message)
    if outcome is Expectation.SKIP:
        pytest.skip(message)
