"""claims/checks/metrics_table.py: the doc's FIM table against uniform causal attention measured the same way.
The same builder decides a table that uniform attention reproduces (the doc's) and one it does not."""

from __future__ import annotations

import pytest

from fim_audit.claims.checks.metrics_table import TABLE, null_measurements, table_check, uniform_causal
from fim_audit.claims.model import Status
from fim_audit.numeric.context import RunContext

CTX = RunContext.create("default")
STRUCTURED = {"peaked": {"eigmax": 0.12, "energy_r8": 0.60, "energy_r16": 0.75}}
"""Numbers of sharply structured attention, far outside uniform attention's band."""


def test_uniform_causal_rows_attend_to_the_past_evenly():
    rows = uniform_causal(4)
    assert rows.tolist() == [[1, 0, 0, 0], [1 / 2, 1 / 2, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0], [1 / 4] * 4]


def test_the_docs_table_does_not_distinguish_its_attention_from_uniform():
    result = table_check(TABLE, distinguishes=True, catches="").run(CTX)
    assert result.status is Status.FAILED and result.counterexample.certified
    assert max(abs(z) for z in result.counterexample.observed["z"].values()) < 1
    assert table_check(TABLE, distinguishes=False, catches="").run(CTX).status is Status.PASSED


def test_a_structured_table_is_distinguished():
    assert table_check(STRUCTURED, distinguishes=True, catches="").run(CTX).status is Status.PASSED
    result = table_check(STRUCTURED, distinguishes=False, catches="").run(CTX)
    assert result.status is Status.FAILED and result.counterexample.certified


def test_the_null_is_seeded_and_centred_on_the_exact_pooled_value():
    first, again = null_measurements(8, 3), null_measurements.__wrapped__(8, 3)
    assert first == again
    assert set(first) == {"eigmax", "energy_r8", "energy_r16"}
    assert all(len(values) == 8 for values in first.values())
    assert pytest.approx(sum(first["eigmax"]) / 8, rel=0.1) == 0.0346
