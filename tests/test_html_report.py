"""report/html.py read as a reader would: escaped text, no external assets, working internal links, and (where
Chromium is installed) a page that renders without console errors and shows every claim."""

from __future__ import annotations

import html as html_text
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fim_audit.report import browser, html, statement
from fim_audit.report.cli import EXIT_FLIPPED, EXIT_OK, main
from tests.test_reports import _claim, _document

pytestmark = pytest.mark.xdist_group("default-audit")
"""Under pytest-xdist (``--dist loadgroup``, the README's test command) these tests share one worker, so the
session's full default audit (the ``default_audit`` fixture) runs once."""


class _Links(HTMLParser):
    """Collects element ids, internal link targets and every external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            value = attributes.get(name) or ""
            if value.startswith("#"):
                self.targets.append(value[1:])
            elif value and not value.startswith("data:"):
                self.external.append(value)


def _links(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    return parser


def test_special_characters_are_escaped(tmp_path):
    hostile = _claim(
        "x.y",
        "REFUTED",
        "xfail",
        counterexample={
            "inputs": {"a": "<script>alert(1)</script>"},
            "observed": {},
            "certified": True,
            "certificate": "<b>exact</b>",
        },
    )
    hostile["statement"] = 'a < b & "c" <img src=x onerror=alert(1)>'
    page = html.render(_document(hostile), tmp_path)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;exact&lt;/b&gt;" in page


def test_page_is_self_contained_with_working_links(tmp_path):
    page = html.render(_document(_claim("a.b", "PROVED", "pass"), _claim("c.d", "OPEN", "skip")), tmp_path)
    links = _links(page)
    assert links.external == []
    assert set(links.targets) <= links.ids, f"broken internal links: {set(links.targets) - links.ids}"
    assert {"claim-a.b", "claim-c.d"} <= links.ids


def test_real_report_embeds_figures_and_maths(default_audit):
    page = (default_audit / "report.html").read_text()
    links = _links(page)
    assert links.external == [] and set(links.targets) <= links.ids
    assert "<svg" in page and "<math" in page
    assert "fim-attn.thm3-step4" in page and "fim-attn.thm1-inner" in page


class _VisibleText(HTMLParser):
    """The text a reader can see once every section is open: scripts, styles, the on-demand LaTeX source and
    the marked fallbacks for unrenderable LaTeX left out."""

    HIDDEN = {"script", "style"}
    VOID = {"br", "img", "meta", "link", "hr", "input", "mspace", "path", "use", "rect", "circle", "line", "image"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in self.HIDDEN or "source" in classes or statement.FALLBACK_CLASS in classes
        self.stack.append(hidden or bool(self.stack and self.stack[-1]))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


RAW_TEX = re.compile(r"\$[^$\n]+\$|\\[A-Za-z]{2,}")


def test_full_report_is_one_compact_structured_page(default_audit):
    """Under 1 MB with every figure inline; summary and claim table first; one section per paper with its
    verdict line; every claim a collapsible section with its decisive evidence; every figure captioned."""
    page = (default_audit / "report.html").read_text()
    document = json.loads((default_audit / "results.json").read_text())
    assert len(page.encode()) < 1_000_000, f"report.html is {len(page.encode())} bytes"
    assert page.index('id="summary"') < page.index('id="claims"') < page.index('class="paper"')
    papers = {claim["paper"] for claim in document["claims"]}
    assert page.count('<section class="paper"') == len(papers)
    assert page.count('<details class="claim"') == len(document["claims"])
    figures = sum(len(claim["figures"]) for claim in document["claims"])
    assert figures >= 10 and page.count("<svg") == figures == page.count("<figcaption>")
    assert "data:image/svg" not in page and " open>" not in page  # collapsed until the reader opens it
    assert all(claim["evidence"] and html_text.escape(claim["evidence"]) in page for claim in document["claims"])
    links = _links(page)
    assert links.external == [] and set(links.targets) <= links.ids


@pytest.mark.skipif(browser.executable() is None, reason="Chromium is not installed (Debian package chromium)")
def test_full_report_reads_as_mathematics_in_headless_chromium(default_audit, tmp_path_factory):
    """The full default audit in headless Chromium: no console errors, every claim in the DOM, no raw $...$ or
    \\command visible with every section open, and screenshots of the summary, one refuted claim's details and
    one figure (saved under $FIM_AUDIT_SCREENSHOTS when set, else in the session's temporary directory)."""
    document = json.loads((default_audit / "results.json").read_text())
    page = default_audit / "report.html"
    rendering = browser.render(page)
    assert rendering.console_errors == (), rendering.console
    assert all(f'id="claim-{claim["id"]}"' in rendering.dom for claim in document["claims"])

    opened = default_audit / "report-open.html"
    opened.write_text(html.render(document, default_audit, expanded=True))
    visible = _VisibleText()
    visible.feed(browser.render(opened).dom)
    raw = RAW_TEX.findall("".join(visible.text))
    assert raw == [], f"raw LaTeX visible in the rendered report: {raw[:5]}"

    shots = Path(os.environ.get("FIM_AUDIT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    refuted = next(c for c in document["claims"] if c["verdict"] == "REFUTED" and c["counterexample"])
    pictured = next(c for c in document["claims"] if c["figures"])
    images = [browser.screenshot(page, shots / "summary.png", height=1600)]
    for name, claim in (("refuted-claim", refuted), ("figure", pictured)):
        single = default_audit / f"{name}.html"
        single.write_text(html.render({**document, "claims": [claim]}, default_audit, expanded=True))
        images.append(browser.screenshot(single, shots / f"{name}.png", height=2400))
    assert all(image.stat().st_size > 10_000 for image in images)


@pytest.mark.skipif(browser.executable() is None, reason="Chromium is not installed (Debian package chromium)")
def test_report_prints_to_pdf(default_audit, tmp_path):
    out = tmp_path / "printed"
    assert main(["report", str(default_audit / "results.json"), "--out", str(out), "--pdf"]) == EXIT_OK
    pdf = out / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and browser.pdf_pages(pdf) >= 20


@pytest.mark.skipif(browser.executable() is None, reason="Chromium is not installed (Debian package chromium)")
def test_screenshot_command_writes_beside_the_report(default_audit):
    """`fim-audit screenshot` writes a screenshot next to the report."""
    assert main(["screenshot", str(default_audit / "report.html")]) == EXIT_OK
    assert (default_audit / "report-screenshot.png").stat().st_size > 10_000


def test_diff_lists_changes_and_exits_nonzero(tmp_path, capsys):
    old = _document(_claim("a.b", "PROVED", "pass"), _claim("c.d", "OPEN", "skip"))
    new = _document(_claim("a.b", "REFUTED", "flipped"), _claim("e.f", "PROVED", "pass"))
    paths = []
    for name, document in (("old.json", old), ("new.json", new)):
        path = tmp_path / name
        path.write_text(json.dumps(document))
        paths.append(str(path))
    assert main(["diff", *paths]) == EXIT_FLIPPED
    out = capsys.readouterr().out
    assert "changed  a.b" in out and "PROVED -> REFUTED" in out and "added    e.f" in out and "removed  c.d" in out
    assert main(["diff", paths[0], paths[0]]) == EXIT_OK
    assert "no verdict changes" in capsys.readouterr().out
