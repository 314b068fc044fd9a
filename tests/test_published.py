"""The published-statements catalogue (examples/published, issue 26): 21 statements from papers and textbooks on
softmax, attention, information geometry and optimisation, each beside a false variant of the same shape, declared
from outside the package.  Every verdict must be right against the catalogue's key (a true statement PROVED or
SUPPORTED, a false one REFUTED with a certified counterexample), in float64 and in float32, and must agree with the
catalogue's lock, the verdicts a person accepted."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import pytest

from fim_audit.claims.engine import CheckRecord, run_claim
from fim_audit.claims.model import Check, Verdict
from fim_audit.numeric.context import DTYPES

CATALOGUE = Path(__file__).resolve().parent.parent / "examples" / "published"


def _load():
    spec = importlib.util.spec_from_file_location("fim_audit_published_catalogue", CATALOGUE / "published.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PUBLISHED = _load()
LOCK = json.loads((CATALOGUE / "published.lock.json").read_text(encoding="utf-8"))
CERTIFIED_BY = {
    "published.dot-product-variance.false-factor": ("sympy.stats",),  # the expectation in closed form
    "published.gumbel-max.false-noise": ("fresh draws", "Bernstein"),  # no closed form: Monte Carlo, certified
}
"""Words the certificate of a refutation must hold where the builder has several ways to certify."""


def test_the_catalogue_has_forty_statements_half_of_them_true():
    assert len(PUBLISHED.CLAIMS) >= 40
    assert sum(PUBLISHED.TRUTH.values()) * 2 == len(PUBLISHED.CLAIMS)
    assert set(LOCK["verdicts"]) == {c.id for c in PUBLISHED.CLAIMS}


@pytest.mark.parametrize("claim", PUBLISHED.CLAIMS, ids=lambda c: c.id.removeprefix("published."))
def test_every_verdict_is_right(claim, audit_context):
    """Each statement in float64, then in float32.  The float32 audit reuses the float64 run's dtype-free records:
    symbolic, exact and Monte Carlo checks compute in float64 whatever the audit's dtype (:attr:`Check.dtype_free`),
    so running them again would repeat the same computation (the exact KL limits: about 45 s a statement, the
    Gumbel-max trick's Monte Carlo 28 s)."""
    reused: dict[Check, CheckRecord] = {}
    for dtype in ("float64", "float32"):
        record = run_claim(claim, replace(audit_context, dtype=DTYPES[dtype]), dict(reused))
        reused = {r.check: r for r in record.all_checks if r.check.dtype_free}
        if PUBLISHED.TRUTH[claim.id]:
            assert record.verdict in (Verdict.PROVED, Verdict.SUPPORTED), f"{dtype}: {record.decision.reason}"
        else:
            certified = record.verdict is Verdict.REFUTED and record.counterexample.certified
            assert certified, f"{dtype}: {record.decision.reason}"
            for words in CERTIFIED_BY.get(claim.id, ()):
                assert words in record.counterexample.certificate, f"{dtype}: {record.counterexample.certificate}"
        assert record.verdict.value == LOCK["verdicts"][claim.id], f"{dtype}: differs from the catalogue's lock"

