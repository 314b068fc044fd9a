"""``report.html``: the whole verification report in one self-contained file (inline CSS, a few lines of inline
script to sort the claim table, figures embedded as data URIs, maths as MathML), rendered from a results
document so that an old results.json can be re-rendered.

Every string from the results is escaped; MathML comes from sympy's printer and is inserted as markup.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

from report.results import VERDICT_ORDER, claims_by_paper, paper_outline

VERDICT_MEANING = {
    "PROVED": "holds: derivation closed and numeric agreement",
    "SUPPORTED": "holds numerically, no closed derivation",
    "REFUTED": "false: certified counterexample",
    "ILL_POSED": "truth depends on a choice the paper leaves open",
    "OPEN": "undecided",
}

STYLE = """
:root { --proved:#1b7f3b; --supported:#3d7ea6; --refuted:#b3261e; --ill_posed:#8a5a00; --open:#5f6368; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1180px;
       padding: 0 24px 64px; color: #1f1f1f; }
h1 { margin: 28px 0 4px; } h2 { margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { margin: 28px 0 6px; } h4 { margin: 18px 0 6px; }
.meta { color: #555; font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } th.sortable { cursor: pointer; } th.sortable::after { content: " \\2195"; color: #999; }
.verdict { display: inline-block; padding: 1px 7px; border-radius: 10px; color: #fff; font-weight: 600;
           font-size: 12px; white-space: nowrap; }
.PROVED { background: var(--proved); } .SUPPORTED { background: var(--supported); }
.REFUTED { background: var(--refuted); } .ILL_POSED { background: var(--ill_posed); } .OPEN { background: var(--open); }
.outcome-pass { color: var(--proved); font-weight: 600; } .outcome-fail { color: var(--refuted); font-weight: 600; }
.outcome-error { color: #000; font-weight: 700; } .outcome-inconclusive { color: var(--open); font-weight: 600; }
blockquote.statement { margin: 6px 0; padding: 6px 12px; background: #fafafa; border-left: 4px solid #ccc;
                       font-family: ui-monospace, monospace; font-size: 12.5px; white-space: pre-wrap; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 420px; }
.reading { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px 12px 8px; margin: 10px 0; }
.correction { border-color: var(--proved); }
figure { margin: 12px 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 12.5px; color: #444; }
math[display=block] { margin: 6px 0; overflow-x: auto; }
.detail { font-family: ui-monospace, monospace; font-size: 12px; }
nav a { margin-right: 12px; }
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th.sortable").forEach(function (header, column) {
    header.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var ascending = header.dataset.order !== "asc";
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.key || a.cells[column].textContent;
        var y = b.cells[column].dataset.key || b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      header.dataset.order = ascending ? "asc" : "desc";
    });
  });
});
"""


def _badge(verdict: str) -> str:
    meaning = escape(VERDICT_MEANING.get(verdict, ""))
    return f'<span class="verdict {escape(verdict)}" title="{meaning}">{escape(verdict)}</span>'


def _anchor(claim_id: str) -> str:
    return f"claim-{claim_id}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], *, sortable: bool = False) -> str:
    """A table whose cells are already-escaped HTML fragments."""
    css = ' class="sortable"' if sortable else ""
    head = "".join(f"<th{' class=sortable' if sortable else ''}>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(document: Mapping[str, Any]) -> str:
    claims = document["claims"]
    counts = Counter(c["verdict"] for c in claims)
    rows = [[_badge(v), str(counts.get(v, 0)), escape(VERDICT_MEANING[v])] for v in VERDICT_ORDER]
    papers = []
    for paper, groups in claims_by_paper(claims).items():
        members, parts = paper_outline(groups, "does not hold as stated")
        papers.append(f"<li><b>{escape(paper)}</b> ({members} claims) — {escape('; '.join(parts))}</li>")
    summary = document.get("summary", {})
    flags = ""
    if summary.get("flipped"):
        flags += f"<p><b>Verdicts differing from the lock:</b> {escape(', '.join(summary['flipped']))}</p>"
    if summary.get("errors"):
        flags += f"<p><b>Claims with a check that raised:</b> {escape(', '.join(summary['errors']))}</p>"
    return (
        f'<h2 id="summary">Summary</h2>{_table(["verdict", "claims", "meaning"], rows)}'
        f"<ul>{''.join(papers)}</ul>{flags}"
    )


def _claim_table(document: Mapping[str, Any]) -> str:
    rows = []
    for claim in document["claims"]:
        statement = claim["statement"]
        short = statement if len(statement) <= 140 else statement[:137] + "..."
        rows.append(
            [
                f'<a href="#{escape(_anchor(claim["id"]))}">{escape(claim["id"])}</a>',
                escape(claim["paper"]),
                escape(claim["where"]),
                f'<span class="detail">{escape(short)}</span>',
                f'<span data-key="{VERDICT_ORDER.index(claim["verdict"])}">{_badge(claim["verdict"])}</span>',
                escape(", ".join(sorted({c["kind"] for c in claim["checks"]}))),
                str(claim.get("cases", 0)),
                f"{claim.get('seconds', 0):.2f}",
            ]
        )
    header = ["id", "paper", "where", "statement", "verdict", "evidence", "cases", "seconds"]
    return f'<h2 id="claims">Claims</h2>{_table(header, rows, sortable=True)}'


def _outcome(outcome: str) -> str:
    return f'<span class="outcome-{escape(outcome)}">{escape(outcome)}</span>'


def _counterexample(counterexample: Mapping[str, Any] | None) -> str:
    if not counterexample:
        return ""
    status = "certified: " if counterexample["certified"] else "not certified: "
    body = json.dumps({"inputs": counterexample["inputs"], "observed": counterexample["observed"]}, indent=2)
    return f"<p><b>Counterexample</b> ({escape(status + counterexample['certificate'])})</p><pre>{escape(body)}</pre>"


def _reading(reading: Mapping[str, Any], title: str, css: str = "reading") -> str:
    lemmas = "".join(
        f"<li>{_badge(lemma['verdict'])} {escape(lemma['statement'])} <i>({escape(lemma['reason'])})</i>"
        f"{_checks(lemma['checks'])}</li>"
        for lemma in reading.get("lemmas") or []
    )
    if lemmas:
        argument = reading.get("argument")
        lemmas = (
            "<p><i>Lemmas</i> (supporting facts, decided apart; they never weigh against a counterexample):</p>"
            f"<ul>{lemmas}</ul>" + (f"<p><i>Argument from the lemmas:</i> {escape(argument)}</p>" if argument else "")
        )
    return (
        f'<div class="{css}"><h4>{escape(title)} <code>{escape(reading["key"])}</code> '
        f"{_badge(reading['verdict'])}</h4>"
        f"<p>{escape(reading['statement'])}</p><p><i>Why:</i> {escape(reading['reason'])}</p>"
        f"{_checks(reading['checks'])}{lemmas}</div>"
    )


def _checks(checks: Iterable[Mapping[str, Any]]) -> str:
    """A table of checks, then the MathML of their derivations and their counterexamples."""
    rows = []
    maths = []
    for check in checks:
        rows.append(
            [
                escape(check["kind"]),
                escape(check["name"]),
                _outcome(check["outcome"]),
                str(check["cases"]),
                f"{check['seconds']:.2f}",
                f'<span class="detail">{escape(check["detail"])}</span>'
                + (f"<br><i>scope:</i> {escape(check['scope'])}" if check.get("scope") else ""),
            ]
        )
        if check.get("math"):
            maths.append(f"<p><i>{escape(check['name'])}</i></p>{check['math']}")
        counterexample = _counterexample(check.get("counterexample"))
        if counterexample and check["outcome"] == "fail":
            maths.append(f"<p><i>{escape(check['name'])}</i></p>{counterexample}")
    return f"{_table(['kind', 'check', 'outcome', 'cases', 'seconds', 'detail'], rows)}{''.join(maths)}"


def _figure(figure: Mapping[str, Any], base: Path) -> str:
    path = base / figure["file"]
    if not path.is_file():
        return f"<p><i>figure {escape(figure['name'])} missing ({escape(figure['file'])})</i></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = escape(figure["caption"])
    return f'<figure><img alt="{alt}" src="data:image/svg+xml;base64,{data}"><figcaption>{alt}</figcaption></figure>'


def _claim(claim: Mapping[str, Any], base: Path) -> str:
    parts = [
        f'<section id="{escape(_anchor(claim["id"]))}"><h3>{escape(claim["id"])} {_badge(claim["verdict"])}</h3>',
        f'<p class="meta">{escape(claim["paper"])}, {escape(claim["where"])} '
        f"(<code>{escape(claim['seed_file'])}</code>)"
        f" · {claim.get('cases', 0)} numeric cases · {claim.get('seconds', 0):.2f}s"
        + (f" · locked: {escape(claim['locked_verdict'])}" if claim.get("locked_verdict") else "")
        + "</p>",
        f'<blockquote class="statement">{escape(claim["statement"])}</blockquote>',
        f"<p><b>Verdict:</b> {escape(claim['reason'])}</p>",
        _counterexample(claim.get("counterexample")),
    ]
    if claim.get("notes"):
        parts.append(f"<p><i>Notes:</i> {escape(claim['notes'])}</p>")
    parts += [_reading(reading, "Reading") for reading in claim["formalizations"]]
    if claim.get("correction"):
        parts.append(_reading(claim["correction"], "Corrected statement", "reading correction"))
    parts += [_figure(figure, base) for figure in claim.get("figures", [])]
    parts.append('<p><a href="#claims">back to the claim table</a></p></section>')
    return "".join(parts)


def _provenance(environment: Mapping[str, Any]) -> str:
    def shown(value: Any) -> str:
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)

    rows = [[escape(key), f'<span class="detail">{escape(shown(value))}</span>'] for key, value in environment.items()]
    return f'<h2 id="provenance">Provenance</h2>{_table(["field", "value"], rows)}'


def render(document: Mapping[str, Any], base: Path) -> str:
    """The report page; ``base`` is the directory that figure paths in the document are relative to."""
    env = document["environment"]
    profile = env.get("profile", {}).get("name") if isinstance(env.get("profile"), dict) else env.get("profile")

    def field(name: str) -> str:
        return escape(str(env.get(name)))

    header = (
        f"<h1>fim-audit verification report</h1><p class=meta>commit <code>{field('git_commit')}</code>"
        f"{' (dirty)' if env.get('git_dirty') else ''} · profile {escape(str(profile))} · device {field('device')}"
        f" ({field('device_name')}) · {field('dtype')} · seed {field('seed')} · {field('started_at')}</p>"
        '<nav><a href="#summary">summary</a><a href="#claims">claims</a><a href="#details">details</a>'
        '<a href="#provenance">provenance</a></nav>'
    )
    details = "".join(_claim(claim, base) for claim in document["claims"])
    body = (
        f'{header}{_summary(document)}{_claim_table(document)}<h2 id="details">Details</h2>{details}{_provenance(env)}'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>fim-audit report</title><style>{STYLE}</style></head><body>{body}<script>{SORT_SCRIPT}</script>"
        "</body></html>\n"
    )
