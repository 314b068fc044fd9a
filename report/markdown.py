"""``report.md``: the verdict table, then per claim its readings, checks, counterexample and correction,
then the provenance.  Rendered from a results document, so an old results.json can be re-rendered."""

from __future__ import annotations

import json
from typing import Any, Mapping

from fim_audit.report.evidence import evidence_of
from fim_audit.report.results import VERDICT_ORDER, claims_by_paper, paper_outline, profile_name


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines folded."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _summary(document: Mapping[str, Any]) -> list[str]:
    summary = document["summary"]
    lines = ["## Summary", ""]
    lines += table(["verdict", "claims"], [[v, summary["verdicts"].get(v, 0)] for v in VERDICT_ORDER])
    lines.append("")
    for paper, groups in claims_by_paper(document["claims"]).items():
        members, parts = paper_outline(groups, "does not hold")
        count = f"{members} claim{'s' if members != 1 else ''}"
        lines.append(f"- **{paper}** ({count}) — " + "; ".join(parts))
    if summary["flipped"]:
        lines += ["", f"**Verdicts differing from the lock:** {', '.join(summary['flipped'])}"]
    if summary.get("unlocked"):
        lines += ["", f"**Claims not in the lock yet:** {', '.join(summary['unlocked'])}"]
    if summary["errors"]:
        lines += ["", f"**Claims with a check that raised:** {', '.join(summary['errors'])}"]
    return lines


def _claim_table(document: Mapping[str, Any]) -> list[str]:
    rows = [
        [
            f"[{c['id']}](#{c['id'].replace('.', '')})",
            c["where"],
            f"**{c['verdict']}**",
            c.get("locked_verdict") or "—",
            evidence_of(c),
            c["cases"],
            f"{c['seconds']:.2f}s",
        ]
        for c in document["claims"]
    ]
    return ["## Claims", "", *table(["id", "where", "verdict", "locked", "decisive evidence", "cases", "time"], rows)]


def _json_block(value: Any) -> list[str]:
    return ["```json", json.dumps(value, indent=2, ensure_ascii=False), "```"]


def _reading(reading: Mapping[str, Any], title: str) -> list[str]:
    lines = [
        f"#### {title} `{reading['key']}` — {reading['verdict']}",
        "",
        reading["statement"],
        "",
        f"*Why:* {reading['reason']}",
        "",
    ]
    lines += _checks_table(reading["checks"])
    scopes = [f"- {c['name']}: {c['scope']}" for c in reading["checks"] if c["scope"]]
    if scopes:
        lines += ["", "*Scope of the proofs:*", *scopes]
    lemmas = reading.get("lemmas") or []
    if lemmas:
        lines += ["", "*Lemmas (supporting facts, decided apart; they never weigh against a counterexample):*", ""]
        for lemma in lemmas:
            lines += [f"- **{lemma['verdict']}** {lemma['statement']} — {lemma['reason']}", ""]
            lines += ["  " + line for line in _checks_table(lemma["checks"])]
        if reading.get("argument"):
            lines += ["", f"*Argument from the lemmas:* {reading['argument']}"]
    return lines + [""]


def _checks_table(checks: list[Mapping[str, Any]]) -> list[str]:
    rows = [[c["kind"], c["name"], c["outcome"], c["cases"], f"{c['seconds']:.2f}s", c["detail"]] for c in checks]
    return table(["kind", "check", "outcome", "cases", "time", "detail"], rows)


def _certification(counterexample: Mapping[str, Any]) -> str:
    if counterexample["certified"]:
        return "certified: " + counterexample["certificate"]
    return "not certified: " + counterexample["certificate"]


def _claim(claim: Mapping[str, Any]) -> list[str]:
    lines = [
        f"### {claim['id']}",
        "",
        f"**{claim['verdict']}** — {claim['reason']}",
        "",
        f"*{claim['paper']}, {claim['where']}* (`{claim['seed_file']}`):",
        "",
        "> " + claim["statement"],
        "",
    ]
    for reading in claim["formalizations"]:
        lines += _reading(reading, "Reading")
    if claim["counterexample"]:
        ce = claim["counterexample"]
        lines += [
            f"**Counterexample** ({_certification(ce)}):",
            "",
            *_json_block({"inputs": ce["inputs"], "observed": ce["observed"]}),
            "",
        ]
    if claim["correction"]:
        lines += _reading(claim["correction"], "Corrected statement")
    for figure in claim.get("figures", []):
        lines += [f"![{figure['name']}]({figure['file']})", "", f"*{figure['caption']}*", ""]
    if claim.get("notes"):
        lines += [f"*Notes:* {claim['notes']}", ""]
    return lines


def _environment(environment: Mapping[str, Any]) -> list[str]:
    rows = [
        [key, json.dumps(value) if isinstance(value, (dict, list)) else value] for key, value in environment.items()
    ]
    return ["## Provenance", "", *table(["field", "value"], rows)]


def render(document: Mapping[str, Any]) -> str:
    env = document["environment"]
    head = [
        "# fim-audit verification report",
        "",
        f"Commit `{env.get('git_commit') or 'unknown'}`{' (dirty)' if env.get('git_dirty') else ''} · "
        "profile "
        f"`{profile_name(env)}` · device `{env.get('device')}` ({env.get('device_name')}) · "
        f"{env.get('dtype')} · seed {env.get('seed')} · {env.get('started_at')}",
        "",
    ]
    body = [line for claim in document["claims"] for line in _claim(claim)]
    sections = [
        *head,
        *_summary(document),
        "",
        *_claim_table(document),
        "",
        "## Details",
        "",
        *body,
        *_environment(env),
    ]
    return "\n".join(sections) + "\n"
