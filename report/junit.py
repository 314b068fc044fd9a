"""``junit.xml``: one test case per claim, read against the verdict lock exactly as the pytest audit
reads it (:func:`claims.lock.expectation`): holding claims pass, refuted and ill-posed ones are skipped
as expected failures (pytest's xfail convention) with the counterexample as message, open ones are
skipped with the reason, a verdict differing from the lock is a failure, and a check that raised is an
error."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any, Mapping


def outcome_message(claim: Mapping[str, Any]) -> str:
    """One line: the verdict, why, and the counterexample's inputs when there is one."""
    if claim["counterexample"]:
        inputs = json.dumps(claim["counterexample"]["inputs"])
        return f"{claim['verdict']}: {claim['reason']}; counterexample {inputs}"
    return f"{claim['verdict']}: {claim['reason']}"


def _testcase(claim: Mapping[str, Any]) -> tuple[ET.Element, str]:
    case = ET.Element("testcase", classname=claim["paper"], name=claim["id"], time=f"{claim['seconds']:.3f}")
    properties = ET.SubElement(case, "properties")
    for name in ("verdict", "locked_verdict", "where"):
        ET.SubElement(properties, "property", name=name, value=str(claim.get(name)))
    errors = [c for c in claim["checks"] if c["outcome"] == "error"]
    lock = claim.get("lock")
    if errors:
        kind = "error"
        ET.SubElement(case, "error", message="; ".join(f"{c['name']}: {c['detail']}" for c in errors))
    elif lock == "flipped":
        kind = "failure"
        ET.SubElement(
            case,
            "failure",
            message=f"verdict {claim['verdict']} differs from locked {claim.get('locked_verdict')}",
        )
    elif lock == "unlocked":
        kind = "failure"
        ET.SubElement(case, "failure", message=f"verdict {claim['verdict']} is not in the lock yet")
    elif lock in ("xfail", "skip"):
        kind = "skipped"
        ET.SubElement(
            case,
            "skipped",
            type="pytest.xfail" if lock == "xfail" else "pytest.skip",
            message=outcome_message(claim),
        )
    else:
        kind = "pass"
    out = ET.SubElement(case, "system-out")
    out.text = "\n".join(f"[{c['outcome']}] {c['name']}: {c['detail']}" for c in claim["checks"])
    return case, kind


def render(document: Mapping[str, Any]) -> str:
    root = ET.Element("testsuites", name="fim-audit")
    by_paper: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for claim in document["claims"]:
        by_paper[claim["paper"]].append(claim)
    totals: dict[str, int] = defaultdict(int)
    for paper, claims in by_paper.items():
        suite = ET.SubElement(root, "testsuite", name=paper)
        counts: dict[str, int] = defaultdict(int)
        for claim in claims:
            case, kind = _testcase(claim)
            suite.append(case)
            counts[kind] += 1
        seconds = sum(c["seconds"] for c in claims)
        suite.attrib.update(
            tests=str(len(claims)),
            failures=str(counts["failure"]),
            errors=str(counts["error"]),
            skipped=str(counts["skipped"]),
            time=f"{seconds:.3f}",
        )
        for key, value in counts.items():
            totals[key] += value
        totals["tests"] += len(claims)
    root.attrib.update(
        tests=str(totals["tests"]),
        failures=str(totals["failure"]),
        errors=str(totals["error"]),
        skipped=str(totals["skipped"]),
    )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
