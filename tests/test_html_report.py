"""report/html.py read as a reader would: escaped text, no external assets, working internal links, and (where
Chromium is installed) a page that renders without console errors and shows every claim."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report import browser, html
from report.cli import EXIT_FLIPPED, EXIT_OK, main
from tests.test_reports import _claim, _document


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


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """A real audit of a refuted claim with a figure and a proved one with MathML."""
    out = tmp_path_factory.mktemp("audit")
    assert main(["run", "--only", "fim-attn.thm3-step4,fim-attn.thm1-inner", "--out", str(out)]) == EXIT_OK
    return out


def test_real_report_embeds_figures_and_maths(audited):
    page = (audited / "report.html").read_text()
    links = _links(page)
    assert links.external == [] and set(links.targets) <= links.ids
    assert "data:image/svg+xml;base64," in page and "<math" in page
    assert "fim-attn.thm3-step4" in page and "fim-attn.thm1-inner" in page


@pytest.mark.skipif(browser.executable() is None, reason="Chromium is not installed (Debian package chromium)")
def test_report_renders_in_headless_chromium(audited):
    """Open report.html in headless Chromium: no console errors, every claim id in the rendered DOM, and a
    screenshot saved next to the report by the same code as `fim-audit screenshot`."""
    page = audited / "report.html"
    rendering = browser.render(page)
    assert rendering.console_errors == (), rendering.console
    claims = [c["id"] for c in json.loads((audited / "results.json").read_text())["claims"]]
    assert all(f'id="claim-{claim_id}"' in rendering.dom for claim_id in claims)
    assert main(["screenshot", str(page)]) == EXIT_OK
    assert (audited / "report-screenshot.png").stat().st_size > 10_000


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
