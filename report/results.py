"""The machine-readable result, ``results.json`` (schema ``fim-audit/1`` of shared/CLAIMS.md, with extra
fields: per-reading verdicts, per-check seeds and scopes, the lock comparison, a summary)."""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jsonschema

from fim_audit.claims.engine import CheckRecord, ClaimRecord, LemmaRecord, ReadingRecord
from fim_audit.claims.lock import expectation
from fim_audit.claims.model import Verdict
from fim_audit.report.evidence import evidence_line
from fim_audit.claims.files import write_text_atomic

SCHEMA = "fim-audit/1"


class ResultsError(ValueError):
    """A results file that cannot be read as schema fim-audit/1."""


def _check(record: CheckRecord, reading: str, role: str = "statement") -> dict[str, Any]:
    result = record.result
    return {
        "formalization": reading,
        "role": role,
        "part": record.check.part,
        "name": record.check.name,
        "kind": record.check.kind.value,
        "outcome": result.status.outcome,
        "status": result.status.value,
        "detail": result.detail,
        "cases": result.cases,
        "error_over_tolerance": result.ratio,
        "seconds": round(result.seconds, 4),
        "seed": record.seed,
        "scope": result.scope,
        "catches": record.check.catches,
        "counterexample": result.counterexample.to_json() if result.counterexample else None,
        "math": result.math,
    }


def _lemma(lemma: LemmaRecord, reading: str) -> dict[str, Any]:
    return {
        "statement": lemma.lemma.statement,
        "verdict": lemma.decision.verdict.value,
        "reason": lemma.decision.reason,
        "checks": [_check(c, reading, "lemma") for c in lemma.checks],
    }


def _reading(reading: ReadingRecord) -> dict[str, Any]:
    key = reading.formalization.key
    return {
        "key": key,
        "statement": reading.formalization.statement,
        "primary": reading.formalization.primary,
        "verdict": reading.decision.verdict.value,
        "reason": reading.decision.reason,
        "checks": [_check(c, key) for c in reading.checks],
        "lemmas": [_lemma(lemma, key) for lemma in reading.lemmas],
        "argument": reading.formalization.argument,
    }


def claim_entry(
    record: ClaimRecord, locked: Verdict | None, figures: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    source = record.claim.source
    readings = [_reading(r) for r in record.readings]
    counterexample = record.counterexample
    entry = {
        "id": record.claim.id,
        "paper": source.paper,
        "seed_file": source.seed_file,
        "where": source.where,
        "statement": source.statement,
        "verdict": record.verdict.value,
        "reason": record.decision.reason,
        "locked_verdict": locked.value if locked else None,
        "lock": expectation(record.verdict, locked).value,
        "cases": record.cases,
        "seconds": round(record.seconds, 4),
        "formalizations": readings,
        "checks": [
            check
            for reading in readings
            for check in (*reading["checks"], *(c for lemma in reading["lemmas"] for c in lemma["checks"]))
        ],
        "counterexample": counterexample.to_json() if counterexample else None,
        "correction": _reading(record.correction) if record.correction else None,
        "notes": record.claim.notes,
        "figures": [dict(figure) for figure in figures],
        "decisive": list(record.claim.decisive),
    }
    entry["evidence"] = evidence_line(entry)
    return entry


def results_document(
    records: Iterable[ClaimRecord],
    environment: Mapping[str, Any],
    lock: Mapping[str, Verdict],
    figures: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The results document; ``figures`` maps claim ids to their rendered figures (file paths relative to the
    results file)."""
    figures, records = figures or {}, list(records)
    claims = [claim_entry(r, lock.get(r.claim.id), figures.get(r.claim.id, ())) for r in records]
    verdicts = Counter(c["verdict"] for c in claims)
    return {
        "schema": SCHEMA,
        "environment": dict(environment),
        "summary": {
            "claims": len(claims),
            "verdicts": {v.value: verdicts.get(v.value, 0) for v in Verdict},
            "cases": sum(c["cases"] for c in claims),
            "seconds": round(sum(c["seconds"] for c in claims), 4),
            "flipped": [c["id"] for c in claims if c["lock"] == "flipped"],
            "unlocked": [c["id"] for c in claims if c["lock"] == "unlocked"],
            "errors": [c["id"] for c in claims if any(k["outcome"] == "error" for k in c["checks"])],
        },
        "claims": claims,
        "profile": profile(records),
    }


def profile(records: Iterable[ClaimRecord]) -> list[dict[str, Any]]:
    """Where the time went: one line per check run, in run order (a check shared by claims runs once, for the first
    of them), with its seconds and its cases per second (None for a check that examines no cases)."""
    lines, seen = [], set()
    for record in records:
        for checked in record.all_checks:
            if checked.check in seen:
                continue
            seen.add(checked.check)
            result = checked.result
            rate = result.cases / result.seconds if result.cases and result.seconds > 0 else None
            lines.append(
                {
                    "claim": record.claim.id,
                    "check": checked.check.name,
                    "kind": checked.check.kind.value,
                    "seconds": round(result.seconds, 4),
                    "cases": result.cases,
                    "cases_per_second": None if rate is None else round(rate, 1),
                }
            )
    return lines


def strict_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by the string "inf", "-inf" or "nan": strict JSON
    (RFC 8259, and so JavaScript's JSON.parse) has no literal for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def profile_name(environment: Mapping[str, Any]) -> Any:
    """The audit profile's name from a results document's environment (an object with a name; a bare string in
    hand-made documents)."""
    profile = environment.get("profile")
    return profile.get("name") if isinstance(profile, dict) else profile


VERDICT_ORDER = tuple(v.value for v in Verdict)
"""The verdicts in the order every rendering lists them."""


def claims_by_paper(claims: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """Per paper, in document order, the ids of its claims that hold (PROVED, SUPPORTED), that do not hold as
    stated (REFUTED, ILL_POSED) and that are open: the summary every rendering words its own way."""
    outcome = {"PROVED": "holding", "SUPPORTED": "holding", "REFUTED": "failing", "ILL_POSED": "failing"}
    papers: dict[str, dict[str, list[str]]] = {}
    for claim in claims:
        groups = papers.setdefault(claim["paper"], {"holding": [], "failing": [], "open": []})
        groups[outcome.get(claim["verdict"], "open")].append(claim["id"])
    return papers


def paper_outline(groups: Mapping[str, list[str]], failing: str) -> tuple[int, list[str]]:
    """(number of claims, ["holds: ...", "<failing>: ...", "open: ..."]) for one paper of claims_by_paper, empty
    groups left out except 'holds' (which says 'none'); ``failing`` is each rendering's wording."""
    parts = [f"holds: {', '.join(groups['holding']) or 'none'}"]
    if groups["failing"]:
        parts.append(f"{failing}: {', '.join(groups['failing'])}")
    if groups["open"]:
        parts.append(f"open: {', '.join(groups['open'])}")
    return sum(len(ids) for ids in groups.values()), parts


TIMING_FIELDS = frozenset({"seconds", "started_at", "cases_per_second"})
"""The only fields of a results document that may differ between two runs at the same commit, profile, seed,
dtype, device and output path (tests/test_determinism.py)."""


def without_timing(value: Any) -> Any:
    """``value`` with every TIMING_FIELDS entry removed, at any depth."""
    if isinstance(value, Mapping):
        return {key: without_timing(item) for key, item in value.items() if key not in TIMING_FIELDS}
    if isinstance(value, list):
        return [without_timing(item) for item in value]
    return value


def write_results(document: Mapping[str, Any], path: Path) -> None:
    """Write ``document`` as strict JSON, after checking it against the schema (a writer bug fails here)."""
    document = strict_json(document)
    problem = schema_problem(document)
    if problem is not None:
        raise ResultsError(f"refusing to write an invalid results document: {problem}")
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    write_text_atomic(path, text + "\n")


def write_incomplete(document: Mapping[str, Any], path: Path, reason: str) -> None:
    """Write what was computed although the full document failed to validate or serialise: the same document,
    marked ``"incomplete": reason``, with any value JSON cannot hold written as its ``repr``.  The audit then
    exits 3 (a check or the writer failed), and nothing computed is lost."""
    marked = {"schema": SCHEMA, "incomplete": reason, **{k: v for k, v in document.items() if k != "schema"}}
    text = json.dumps(strict_json(marked), indent=2, ensure_ascii=False, allow_nan=False, default=repr)
    write_text_atomic(path, text + "\n")


SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_problem(document: Any) -> str | None:
    """The most relevant violation of report/results.schema.json, with its location, or None.  One rule JSON
    Schema cannot state is checked here too: claim ids are unique (``diff`` and the HTML anchors key on them)."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "top level"
        return f"{where}: {error.message}"
    repeated = [claim_id for claim_id, n in Counter(c["id"] for c in document["claims"]).items() if n > 1]
    return f"claims: the id {repeated[0]!r} appears more than once" if repeated else None


def load_results(path: Path) -> dict[str, Any]:
    """Read a results file and validate it against the schema, naming the first problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # ValueError: undecodable bytes, or a NUL in the path
        raise ResultsError(f"cannot read results file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path} is not valid JSON (truncated?): {exc}") from None
    except RecursionError:
        raise ResultsError(f"{path} is nested too deeply to be a results file") from None
    if isinstance(document, dict) and "schema" in document and document["schema"] != SCHEMA:
        raise ResultsError(f"{path}: schema is {document['schema']!r}, expected {SCHEMA!r}")
    problem = schema_problem(document)
    if problem is not None:
        raise ResultsError(f"{path} is not a fim-audit/1 results file: {problem}")
    return document
