"""``report.html``: the whole verification report in one self-contained file, rendered from a results document
(so an old results.json can be re-rendered), for a referee to read in one sitting.

Order: the summary and the claim table (one line of decisive evidence per claim, :mod:`report.evidence`), then
one section per paper with its holds / fails / open line, each claim a collapsible ``<details>`` whose readings
and checks are collapsible again.  Statements are MathML (:mod:`report.statement`), counterexamples are
mathematics (:mod:`report.values`), figures are inline SVG.  Inline CSS with a print stylesheet (``fim-audit
report --pdf`` prints the page with every section open), and a few lines of script to sort the claim table.

Every string from the results is escaped; MathML comes from latex2mathml and sympy's printer.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

from fim_audit.report.markup import safe_mathml, safe_svg
from fim_audit.report import statement, values
from fim_audit.report.evidence import evidence_of
from fim_audit.report.results import VERDICT_ORDER, claims_by_paper, paper_outline, profile_name

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
h4 { margin: 14px 0 6px; }
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
.statement { margin: 6px 0; padding: 6px 12px; background: #fafafa; border-left: 4px solid #ccc; }
.tex-fallback { font-family: ui-monospace, monospace; background: #fff3cd; border: 1px dashed #8a5a00; }
.tex-fallback::before { content: "unrendered LaTeX: "; font-weight: 600; color: #8a5a00; }
code.block { display: block; white-space: pre-wrap; margin: 4px 0; }
details.source summary, .search { color: #555; font-size: 12.5px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
details.claim { border-top: 1px solid #e3e3e3; padding: 6px 0; }
details.claim > summary { cursor: pointer; font-size: 15px; }
details.claim > summary .where { color: #444; } details.claim > summary .evidence { color: #555; font-size: 13px; }
details.reading { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px 12px; margin: 8px 0; }
details.reading > summary { cursor: pointer; font-weight: 600; }
details.correction { border-color: var(--proved); }
table.values { width: auto; } table.values th { font-weight: 500; font-family: ui-monospace, monospace; }
table.values th.part { font-family: inherit; font-style: italic; background: #fff; }
figure { margin: 12px 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 12.5px; color: #444; }
math[display=block] { margin: 6px 0; overflow-x: auto; }
.detail { font-family: ui-monospace, monospace; font-size: 12px; }
nav a { margin-right: 12px; }
@media print {
  nav, details.source, .back { display: none; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.paper { break-before: page; }
  h2, h3, summary { break-after: avoid; }
  figure, tr, math[display=block], table.values { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  th.sortable::after { content: ""; }
  pre { max-height: none; }
}
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


def _paper_anchor(paper: str) -> str:
    return f"paper-{paper}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], *, sortable: bool = False, css: str = "") -> str:
    """A table whose cells are already-escaped HTML fragments."""
    classes = " ".join(filter(None, ("sortable" if sortable else "", css)))
    head = "".join(f"<th{' class=sortable' if sortable else ''}>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _details(summary: str, body: str, css: str, expanded: bool, *, attributes: str = "") -> str:
    return (
        f'<details class="{css}"{attributes}{" open" if expanded else ""}><summary>{summary}</summary>{body}</details>'
    )


def _summary(document: Mapping[str, Any]) -> str:
    claims = document["claims"]
    counts = Counter(c["verdict"] for c in claims)
    rows = [[_badge(v), str(counts.get(v, 0)), escape(VERDICT_MEANING[v])] for v in VERDICT_ORDER]
    papers = []
    for paper, groups in claims_by_paper(claims).items():
        members, parts = paper_outline(groups, "does not hold as stated")
        papers.append(
            f'<li><a href="#{escape(_paper_anchor(paper))}"><b>{escape(paper)}</b></a> ({members} claims) — '
            f"{escape('; '.join(parts))}</li>"
        )
    summary = document.get("summary", {})
    flags = ""
    if summary.get("flipped"):
        flags += f"<p><b>Verdicts differing from the lock:</b> {escape(', '.join(summary['flipped']))}</p>"
    if summary.get("unlocked"):
        flags += f"<p><b>Claims not in the lock yet:</b> {escape(', '.join(summary['unlocked']))}</p>"
    if summary.get("errors"):
        flags += f"<p><b>Claims with a check that raised:</b> {escape(', '.join(summary['errors']))}</p>"
    return (
        f'<h2 id="summary">Summary</h2>{_table(["verdict", "claims", "meaning"], rows)}'
        f"<ul>{''.join(papers)}</ul>{flags}"
    )


def _claim_table(document: Mapping[str, Any]) -> str:
    rows = [
        [
            f'<a href="#{escape(_anchor(claim["id"]))}">{escape(claim["id"])}</a>',
            escape(claim["where"]),
            f'<span data-key="{VERDICT_ORDER.index(claim["verdict"])}">{_badge(claim["verdict"])}</span>',
            escape(evidence_of(claim)),
            str(claim.get("cases", 0)),
            f"{claim.get('seconds', 0):.2f}",
        ]
        for claim in document["claims"]
    ]
    header = ["id", "where", "verdict", "decisive evidence", "cases", "seconds"]
    return f'<h2 id="claims">Claims</h2>{_table(header, rows, sortable=True)}'


def _outcome(outcome: str) -> str:
    return f'<span class="outcome-{escape(outcome)}">{escape(outcome)}</span>'


_SIDES = ("lhs", "rhs", "lhs - rhs", "definition", "claimed", "difference", "exact_difference")
"""Observed fields that are the two sides of the failed statement or their difference: listed first."""


def _ordered(values_by_name: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) pairs, the sides of the statement and their difference first."""
    names = sorted(values_by_name, key=lambda name: (name not in _SIDES, _SIDES.index(name) if name in _SIDES else 0))
    return [(name, values_by_name[name]) for name in names]


def _with_difference(observed: Mapping[str, Any]) -> dict[str, Any]:
    """``observed``, with lhs - rhs added when both sides are finite floats and no difference is recorded."""
    shown = dict(observed)
    lhs, rhs = observed.get("lhs"), observed.get("rhs")
    if isinstance(lhs, float) and isinstance(rhs, float) and "exact_difference" not in observed:
        shown.setdefault("lhs - rhs", lhs - rhs)
    return shown


def _counterexample(counterexample: Mapping[str, Any] | None) -> str:
    """A certified counterexample as a table of mathematics (inputs, then the sides, their difference and the
    rest of what was observed); an uncertified one (a failed search, an undecided interval) in one line."""
    if not counterexample:
        return ""
    observed = _with_difference(counterexample["observed"])
    if not counterexample["certified"]:
        recorded = {**counterexample["inputs"], **observed}
        inline = ", ".join(f"{escape(name)} = {values.to_mathml(value)}" for name, value in recorded.items())
        return f'<p class="search"><i>Not certified</i> ({escape(counterexample["certificate"])}): {inline}</p>'
    body = "".join(
        f'<tr><th colspan="2" class="part">{part}</th></tr>'
        + "".join(f"<tr><th>{escape(name)}</th><td>{values.to_mathml(value)}</td></tr>" for name, value in shown)
        for part, shown in (("inputs", _ordered(counterexample["inputs"])), ("observed", _ordered(observed)))
    )
    return (
        f"<p><b>Counterexample</b> (certified: {escape(counterexample['certificate'])})</p>"
        f'<table class="values"><tbody>{body}</tbody></table>'
    )


def _checks(checks: Iterable[Mapping[str, Any]], shown: Mapping[str, Any] | None) -> str:
    """A table of checks, then the MathML of their derivations and their counterexamples (the claim's own
    counterexample, ``shown`` above, is not repeated)."""
    rows, maths = [], []
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
            math = safe_mathml(check["math"])
            shown_math = math or f'<span class="tex-fallback">unrendered MathML: {escape(str(check["math"]))}</span>'
            maths.append(f"<p><i>{escape(check['name'])}</i></p>{shown_math}")
        counterexample = check.get("counterexample")
        if counterexample and check["outcome"] == "fail" and counterexample != shown:
            maths.append(f"<p><i>{escape(check['name'])}</i></p>{_counterexample(counterexample)}")
    return f"{_table(['kind', 'check', 'outcome', 'cases', 'seconds', 'detail'], rows)}{''.join(maths)}"


def _reading(reading: Mapping[str, Any], title: str, shown: Mapping[str, Any] | None, expanded: bool) -> str:
    lemmas = "".join(
        f"<li>{_badge(lemma['verdict'])} {statement.to_html(lemma['statement'])} <i>({escape(lemma['reason'])})</i>"
        f"{_checks(lemma['checks'], shown)}</li>"
        for lemma in reading.get("lemmas") or []
    )
    if lemmas:
        argument = reading.get("argument")
        lemmas = (
            "<p><i>Lemmas</i> (supporting facts, decided apart; they never weigh against a counterexample):</p>"
            f"<ul>{lemmas}</ul>" + (f"<p><i>Argument from the lemmas:</i> {escape(argument)}</p>" if argument else "")
        )
    primary = " (primary)" if reading.get("primary") else ""
    summary = f"{escape(title)} <code>{escape(reading['key'])}</code>{primary} {_badge(reading['verdict'])}"
    body = (
        f"<p>{statement.to_html(reading['statement'])}</p><p><i>Why:</i> {escape(reading['reason'])}</p>"
        f"{_checks(reading['checks'], shown)}{lemmas}"
    )
    css = "reading correction" if title.startswith("Corrected") else "reading"
    return _details(summary, body, css, expanded)


_SVG_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def _inline_svg(svg: str, prefix: str) -> str:
    """Sanitised SVG (:func:`safe_svg`) as inline markup, every id (and reference to one) prefixed, so that
    figures on one page cannot capture each other's clip paths or markers."""
    return _SVG_REFERENCE.sub(lambda match: f"{match.group(1)}{prefix}{match.group(2)}", svg)


def _figure_file(base: Path, file: str) -> tuple[Path | None, str]:
    """The figure's path when it is a plain .svg file inside ``base`` (no ``..`` out of it, no symbolic link on
    the way), else None and why not: a results file is not trusted to name what the page embeds."""
    relative = Path(file)
    if relative.is_absolute() or ".." in relative.parts:
        return None, "refused: outside the results folder"
    if relative.suffix.lower() != ".svg":
        return None, "refused: not an .svg file"
    path = base
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            return None, "refused: a symbolic link"
    if not path.is_file():
        return None, "missing"
    return path, ""


def _figure(figure: Mapping[str, Any], base: Path, prefix: str) -> str:
    path, problem = _figure_file(base, figure["file"])
    svg = None
    if path is not None:
        try:
            svg = safe_svg(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # unreadable, undecodable
            problem = f"refused: unreadable ({type(exc).__name__})"
        problem = problem or ("" if svg is not None else "refused: content outside the SVG whitelist")
    if svg is None:
        return f"<p><i>figure {escape(figure['name'])} {escape(problem)} ({escape(figure['file'])})</i></p>"
    caption = escape(figure["caption"])
    return (
        f'<figure role="img" aria-label="{caption}">{_inline_svg(svg, prefix)}<figcaption>{caption}</figcaption>'
        "</figure>"
    )


def _statement(text: str) -> str:
    return (
        f'<div class="statement">{statement.to_html(text)}</div>'
        f'<details class="source"><summary>source</summary><pre>{escape(text)}</pre></details>'
    )


def _claim(claim: Mapping[str, Any], base: Path, expanded: bool) -> str:
    shown = claim.get("counterexample")
    meta = (
        f'<p class="meta">{escape(claim["paper"])}, {escape(claim["where"])} '
        f"(<code>{escape(claim['seed_file'])}</code>)"
        f" · {claim.get('cases', 0)} numeric cases · {claim.get('seconds', 0):.2f}s"
        + (f" · locked: {escape(claim['locked_verdict'])}" if claim.get("locked_verdict") else "")
        + "</p>"
    )
    parts = [
        meta,
        _statement(claim["statement"]),
        f"<p><b>Verdict:</b> {escape(claim['reason'])}</p>",
        f"<p><b>Decisive evidence:</b> {escape(evidence_of(claim))}</p>",
        _counterexample(shown),
    ]
    if claim.get("notes"):
        parts.append(f"<p><i>Notes:</i> {escape(claim['notes'])}</p>")
    parts += [_reading(reading, "Reading", shown, expanded) for reading in claim["formalizations"]]
    if claim.get("correction"):
        parts.append(_reading(claim["correction"], "Corrected statement", shown, expanded))
    parts += [_figure(figure, base, f"{claim['id']}-{index}-") for index, figure in enumerate(claim.get("figures", []))]
    parts.append('<p class="back"><a href="#claims">back to the claim table</a></p>')
    summary = (
        f"<b>{escape(claim['id'])}</b> {_badge(claim['verdict'])} <span class=where>{escape(claim['where'])}</span>"
    )
    anchor = f' id="{escape(_anchor(claim["id"]))}"'
    return _details(summary, "".join(parts), "claim", expanded, attributes=anchor)


def _papers(document: Mapping[str, Any], base: Path, expanded: bool) -> str:
    sections = []
    for paper, groups in claims_by_paper(document["claims"]).items():
        members, parts = paper_outline(groups, "does not hold as stated")
        claims = "".join(_claim(claim, base, expanded) for claim in document["claims"] if claim["paper"] == paper)
        sections.append(
            f'<section class="paper" id="{escape(_paper_anchor(paper))}"><h2>{escape(paper)}</h2>'
            f'<p class="meta">{members} claims — {escape("; ".join(parts))}</p>{claims}</section>'
        )
    return "".join(sections)


def _provenance(environment: Mapping[str, Any]) -> str:
    def shown(value: Any) -> str:
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)

    rows = [[escape(key), f'<span class="detail">{escape(shown(value))}</span>'] for key, value in environment.items()]
    return f'<h2 id="provenance">Provenance</h2>{_table(["field", "value"], rows)}'


def render(document: Mapping[str, Any], base: Path, *, expanded: bool = False) -> str:
    """The report page; ``base`` is the directory that figure paths in the document are relative to.
    ``expanded`` opens every collapsible section (the page ``fim-audit report --pdf`` prints)."""
    env = document["environment"]
    profile = profile_name(env)

    def field(name: str) -> str:
        return escape(str(env.get(name)))

    papers = "".join(
        f'<a href="#{escape(_paper_anchor(paper))}">{escape(paper)}</a>'
        for paper in claims_by_paper(document["claims"])
    )
    header = (
        f"<h1>fim-audit verification report</h1><p class=meta>commit <code>{field('git_commit')}</code>"
        f"{' (dirty)' if env.get('git_dirty') else ''} · profile {escape(str(profile))} · device {field('device')}"
        f" ({field('device_name')}) · {field('dtype')} · seed {field('seed')} · {field('started_at')}</p>"
        f'<nav><a href="#summary">summary</a><a href="#claims">claims</a>{papers}'
        '<a href="#provenance">provenance</a></nav>'
    )
    body = f"{header}{_summary(document)}{_claim_table(document)}{_papers(document, base, expanded)}{_provenance(env)}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>fim-audit report</title><style>{STYLE}</style></head><body>{body}<script>{SORT_SCRIPT}</script>"
        "</body></html>\n"
    )
