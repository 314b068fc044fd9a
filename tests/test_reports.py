"""report/: results.json validation, Markdown escaping, and JUnit's reading of each lock expectation."""

from __future__ import annotations

import json
import math
import time
import xml.etree.ElementTree as ET

import pytest

from fim_audit.report import junit, markdown
from fim_audit.claims.lock import Expectation
from fim_audit.claims.model import Kind, Status, Verdict
from fim_audit.report.results import SCHEMA, SCHEMA_PATH, ResultsError, load_results, write_results


def _claim(claim_id: str, verdict: str, lock: str, outcome: str = "pass", counterexample=None) -> dict:
    return {
        "id": claim_id,
        "paper": "p",
        "seed_file": "s.txt",
        "where": "Lemma | 1",
        "statement": "a | b <c>",
        "verdict": verdict,
        "reason": "why",
        "locked_verdict": verdict,
        "lock": lock,
        "cases": 3,
        "seconds": 0.5,
        "formalizations": [],
        "correction": None,
        "notes": "",
        "counterexample": counterexample,
        "checks": [
            {
                "formalization": "r",
                "name": "c",
                "kind": "numeric",
                "outcome": outcome,
                "status": "x",
                "detail": "d",
                "cases": 3,
                "seconds": 0.5,
                "seed": 1,
                "scope": None,
                "catches": "",
                "counterexample": None,
            }
        ],
    }


def _figure_claim(file: str) -> dict:
    return {**_claim("x.y", "PROVED", "pass"), "figures": [{"name": "f", "caption": "c", "file": file}]}


def _document(*claims: dict) -> dict:
    return {
        "schema": SCHEMA,
        "environment": {"profile": {"name": "default"}},
        "summary": {"verdicts": {}, "flipped": [], "errors": []},
        "claims": list(claims),
    }


def test_load_results_names_the_problem(tmp_path):
    path = tmp_path / "r.json"
    for content, message in [
        ("{", "not valid JSON"),
        ("[]", "top level: \\[\\] is not of type 'object'"),
        (json.dumps({"schema": "other/9"}), "schema is 'other/9'"),
        (json.dumps({"schema": SCHEMA, "environment": {}, "summary": {}}), "'claims' is a required property"),
        (json.dumps({**_document(), "claims": [{"id": "x"}]}), "claims/0: 'paper' is a required property"),
        (
            json.dumps(_document({**_claim("x", "PROVED", "pass"), "verdict": "TRUE"})),
            "claims/0/verdict: 'TRUE' is not one of",
        ),
        (json.dumps(_document(_figure_claim("/etc/passwd.svg"))), "claims/0/figures/0/file"),
        (json.dumps(_document(_figure_claim("../../x.svg"))), "claims/0/figures/0/file"),
    ]:
        path.write_text(content)
        with pytest.raises(ResultsError, match=message):
            load_results(path)
    with pytest.raises(ResultsError, match="cannot read"):
        load_results(tmp_path / "absent.json")


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def test_results_file_is_strict_json(tmp_path):
    counterexample = {
        "inputs": {"z": [0.0, -math.inf]},
        "observed": {"ratio": math.nan},
        "certified": False,
        "certificate": "none",
    }
    path = tmp_path / "results.json"
    write_results(_document(_claim("x.y", "REFUTED", "pass", counterexample=counterexample)), path)
    document = json.loads(path.read_text(), parse_constant=_reject_constant)
    assert document["claims"][0]["counterexample"]["inputs"]["z"] == [0.0, "-inf"]
    assert document["claims"][0]["counterexample"]["observed"]["ratio"] == "nan"


def test_markdown_escapes_table_cells():
    text = markdown.render(_document(_claim("x.y", "PROVED", "pass")))
    assert "Lemma \\| 1" in text


def test_junit_reads_each_expectation():
    ce = {"inputs": {"z": [0.0]}, "observed": {}, "certified": True, "certificate": "exact"}
    document = _document(
        _claim("pass", "PROVED", "pass"),
        _claim("xfail", "REFUTED", "xfail", outcome="fail", counterexample=ce),
        _claim("skip", "OPEN", "skip"),
        _claim("flip", "PROVED", "flipped"),
        _claim("error", "OPEN", "skip", outcome="error"),
    )
    root = ET.fromstring(junit.render(document))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert list(cases["pass"].iter("failure")) == [] and list(cases["pass"].iter("skipped")) == []
    xfail = cases["xfail"].find("skipped")
    assert xfail.get("type") == "pytest.xfail" and '"z": [0.0]' in xfail.get("message")
    assert cases["skip"].find("skipped").get("type") == "pytest.skip"
    assert cases["flip"].find("failure") is not None
    assert cases["error"].find("error") is not None
    assert root.get("tests") == "5" and root.get("failures") == "1" and root.get("errors") == "1"


def test_schema_enumerations_match_the_engine():
    """The schema's vocabularies are the engine's enums, so neither can change without the other."""
    definitions = json.loads(SCHEMA_PATH.read_text())["$defs"]
    assert set(definitions["verdict"]["enum"]) == {v.value for v in Verdict}
    assert set(definitions["check"]["properties"]["kind"]["enum"]) == {k.value for k in Kind}
    assert set(definitions["check"]["properties"]["outcome"]["enum"]) == {s.outcome for s in Status}
    assert set(definitions["claim"]["properties"]["lock"]["enum"]) == {e.value for e in Expectation}


def test_the_profile_lists_each_check_run_once_with_its_rate():
    """results.json's profile: one line per check run, in run order; a check shared by two claims appears once,
    under the first; cases per second is cases / seconds, None for a check without cases."""
    from fim_audit.claims.engine import run_audit
    from fim_audit.claims.model import Formalization
    from fim_audit.report.results import results_document
    from tests.test_engine import CTX, _check, _claim

    from fim_audit.claims.model import Check, CheckResult

    def slow(ctx):
        time.sleep(0.02)
        return CheckResult(Status.PASSED, "ok", cases=40)

    shared = Check("shared", Kind.NUMERIC, "nothing", slow)
    exact, _ = _check("exact", Status.PROVED, Kind.SYMBOLIC, cases=0)
    first = _claim("a.b", Formalization("first", "s", (shared, exact)))
    second = _claim("c.d", Formalization("second", "s", (shared, _check("other", Status.PASSED, cases=3)[0])))
    document = results_document(run_audit([first, second], CTX), {}, {})
    lines = document["profile"]
    assert [(line["claim"], line["check"], line["kind"]) for line in lines] == [
        ("a.b", "shared", "numeric"),
        ("a.b", "exact", "symbolic"),
        ("c.d", "other", "numeric"),
    ]
    assert lines[0]["cases_per_second"] == pytest.approx(40 / lines[0]["seconds"], rel=1e-2)
    assert lines[1]["cases_per_second"] is None
