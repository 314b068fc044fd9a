"""The one line of decisive evidence per claim that the report's claim table and the README's results table
show, generated from a results entry (never typed in).

A claim may name its decisive checks (``Claim.decisive``, recorded in results.json).  Otherwise the line is
picked from the readings that decide the verdict (the primary one if any; under ILL_POSED one reading that
holds and one that fails; else the first reading with the claim's verdict), and in each such reading:

* REFUTED: the check with the certified counterexample, an exact (symbolic) one first;
* PROVED: the closed derivation of widest scope (general n before an exact sweep), and how many numeric checks
  agree;
* SUPPORTED: the experiment or numeric check that passed;
* OPEN: the check that failed without a certificate, else the first inconclusive one.
"""

from __future__ import annotations

from typing import Any, Mapping

Check = Mapping[str, Any]
Reading = Mapping[str, Any]

_HOLDS = ("PROVED", "SUPPORTED")
_FAILS = ("REFUTED",)


def _checks(reading: Reading) -> list[Check]:
    return [*reading["checks"], *(c for lemma in reading.get("lemmas") or [] for c in lemma["checks"])]


def _certified(check: Check) -> bool:
    return check["outcome"] == "fail" and bool(check["counterexample"]) and check["counterexample"]["certified"]


def _pick(reading: Reading) -> list[Check]:
    """The decisive checks of one reading, by its verdict (see the module docstring)."""
    checks, verdict = _checks(reading), reading["verdict"]
    if verdict == "REFUTED":
        refuting = sorted((c for c in checks if _certified(c)), key=lambda c: c["kind"] != "symbolic")
        return refuting[:1]
    if verdict == "PROVED":
        proofs = sorted(
            (c for c in checks if c["kind"] == "symbolic" and c["outcome"] == "pass"), key=lambda c: bool(c["scope"])
        )
        return proofs[:1]
    if verdict == "SUPPORTED":
        passing = [c for c in checks if c["kind"] != "symbolic" and c["outcome"] == "pass"]
        return sorted(passing, key=lambda c: c["kind"] != "experiment")[:1]
    undecided = [c for c in checks if c["outcome"] == "fail" and not _certified(c)]
    return (undecided or [c for c in checks if c["outcome"] in ("inconclusive", "error")] or checks)[:1]


def _deciding_readings(claim: Mapping[str, Any]) -> list[Reading]:
    readings = claim["formalizations"]
    if not readings:
        return []
    primary = [r for r in readings if r.get("primary")]
    if primary:
        return primary
    if claim["verdict"] == "ILL_POSED":
        holding = [r for r in readings if r["verdict"] in _HOLDS][:1]
        failing = [r for r in readings if r["verdict"] in _FAILS][:1]
        return holding + failing or readings[:1]
    return [next((r for r in readings if r["verdict"] == claim["verdict"]), readings[0])]


def _numeric_tally(reading: Reading) -> str:
    """How many numeric checks agree.  Checks, not cases: the case count of a Hypothesis search can differ
    between two runs at the same commit and seed (seen on 3 of the seeds' checks, fim-attn.lemma1's jacfwd
    check drawing 651 cases in one full audit and 687 in the next), and this line goes into the README, which
    a test regenerates."""
    agreeing = sum(1 for c in _checks(reading) if c["kind"] != "symbolic" and c["outcome"] == "pass")
    if not agreeing:
        return ""
    return "; 1 numeric check agrees" if agreeing == 1 else f"; {agreeing} numeric checks agree"


def _compact(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "(" + ", ".join(_compact(item) for item in value) + ")"
    if isinstance(value, Mapping):
        return ", ".join(f"{key} = {_compact(item)}" for key, item in value.items())
    return str(value)


def _line(check: Check) -> str:
    """A check's detail; for a Hypothesis counterexample, the point and its certificate instead, since the
    detail's search history ("after 22 passing cases") is not reproducible between runs while the shrunk
    point is."""
    counterexample = check["counterexample"]
    if check["kind"] == "numeric" and check["outcome"] == "fail" and counterexample and counterexample["certified"]:
        certificate = counterexample["certificate"].split(" (certifying needs")[0]
        return f"at {_compact(counterexample['inputs'])}: {certificate}"
    return " ".join(check["detail"].split())


def decisive_checks(claim: Mapping[str, Any]) -> list[tuple[Reading, Check]]:
    """(reading, check) pairs whose details make the claim's evidence line."""
    named = claim.get("decisive") or []
    if named:
        found = [(r, c) for r in claim["formalizations"] for c in _checks(r) if c["name"] in named]
        return sorted(found, key=lambda pair: named.index(pair[1]["name"]))
    return [(reading, check) for reading in _deciding_readings(claim) for check in _pick(reading)]


def evidence_line(claim: Mapping[str, Any]) -> str:
    """The claim's decisive evidence in one line (the reading named when the claim has several)."""
    pairs = decisive_checks(claim)
    several = len(claim["formalizations"]) > 1
    parts = []
    for reading, check in pairs:
        tally = _numeric_tally(reading) if reading["verdict"] == "PROVED" and check["kind"] == "symbolic" else ""
        prefix = f"{reading['key']} ({reading['verdict']}): " if several else ""
        parts.append(prefix + _line(check) + tally)
    return "; ".join(dict.fromkeys(parts)) or claim["reason"]  # each distinct part once, in order


def evidence_of(claim: Mapping[str, Any]) -> str:
    """The line recorded in results.json, or the one computed now for a results file written before the
    field existed."""
    return claim.get("evidence") or evidence_line(claim)
