"""Nothing executable in report.html (issue 27, item 2): every string a results file carries (statements, readings,
lemmas, reasons, details, MathML, captions, ids) and every figure file beside it is hostile here, and the page that
``fim-audit report`` writes is read back by an HTML5 parser (html5lib, as a browser parses it, not a regex) and
searched for a script other than the page's own sorter, an event handler, a ``javascript:`` (or other non-local)
URL, and the elements that smuggle markup (annotation-xml, foreignObject, iframe, object, embed, base)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fim_audit.report import html
from fim_audit.report.cli import EXIT_OK, main
from fim_audit.report.html import SORT_SCRIPT
from fim_audit.report.markup import safe_mathml, safe_svg
from fim_audit.report.results import schema_problem

pytestmark = pytest.mark.xdist_group("test_report_safety")  # module-scoped fixtures: computed once, in one xdist worker

html5lib = pytest.importorskip("html5lib")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "softmax_facts" / "softmax_facts.py"
PAYLOADS = [
    "<script>alert(1)</script>",
    "$\\text{<script>alert(1)</script>}$",
    "$$\\text{<img src=x onerror=alert(1)>}$$",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\href{JaVaScRiPt:alert(1)}{x}$",
    "$\\mathrm{<script>alert(1)</script>}$",
    "$\\operatorname{<svg onload=alert(1)>}$",
    "$\\text{</math><script>alert(1)</script>}$",
    "**$\\text{<script>alert(1)</script>}$**",
    "`<script>alert(1)</script>`",
    "```<script>alert(1)</script>```",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "<math><annotation-xml encoding='text/html'><script>alert(1)</script></annotation-xml></math>",
    "<math><mi href='javascript:alert(1)'>x</mi></math>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<math><semantics><mi>x</mi><annotation-xml encoding='application/xhtml+xml'><img onerror=alert(1)>"
    "</annotation-xml></semantics></math>",
    "<math><!--<script>alert(1)</script>--><mi>x</mi></math>",
    "\udcff<script>alert(1)</script>",
]
SVG_PAYLOADS = [
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><g/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml" '
    'onload="alert(1)"/></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<use xlink:href="javascript:alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/track.png"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://example.org/x.css);</style></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><g style="fill: url(javascript:alert(1))"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="onload" to="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "<script>alert(1)</script>">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><text><![CDATA[</text><script>alert(1)</script>]]></text></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><title></title><script>alert(1)</script></svg>',
]
SMUGGLING = {"script", "iframe", "object", "embed", "base", "annotation-xml", "foreignobject", "frame", "applet"}
_CONTROL = re.compile(r"[\x00-\x20]+")


def _hazards(page: str) -> list[str]:
    """What a browser would run or fetch in ``page``, read from the DOM html5lib builds."""
    root = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in SMUGGLING and not (tag == "script" and element.text == SORT_SCRIPT):
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1].lower()
            plain = _CONTROL.sub("", value).lower()
            if name.startswith("on"):
                found.append(f"handler {name}")
            if name in ("href", "src", "action", "formaction", "data", "xlink:href") and not (
                plain.startswith("#") or plain.startswith("data:image/png;base64,")
            ):
                found.append(f"{name}={value[:40]!r}")
            if "url(" in plain and not re.fullmatch(r"[^()]*(url\(#[^()]*\)[^()]*)*", plain):
                found.append(f"{name}: non-local url(")
    return found


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[dict[str, Any], Path]:
    """A real results document of the example paper (two claims), with a lemma and a figure entry added so that
    every kind of rendered string is present."""
    out = tmp_path_factory.mktemp("safety")
    claims = "softmax-facts.shift,softmax-facts.eig"
    assert main(["run", "--papers", str(EXAMPLE), "--only", claims, "--out", str(out)]) == EXIT_OK
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    reading = document["claims"][0]["formalizations"][0]
    lemma = {"statement": "a lemma", "verdict": "PROVED", "reason": "why", "checks": reading["checks"][:1]}
    reading["lemmas"] = [lemma]
    reading["checks"][0]["math"] = "<math><mi>x</mi></math>"
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "f.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>', encoding="utf-8")
    document["claims"][0]["figures"] = [{"name": "f", "caption": "a caption", "file": "figures/f.svg"}]
    return document, out


def _strings(value: Any, path: tuple = ()) -> list[tuple]:
    """The path of every string leaf of a JSON value."""
    if isinstance(value, str):
        return [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, item in items for found in _strings(item, (*path, key))]


def _render(document: dict[str, Any], folder: Path, name: str = "hostile.json") -> str | None:
    """report.html of ``document`` written beside ``folder``'s figures, or None when the document is refused."""
    results = folder / name
    results.write_text(json.dumps(document), encoding="utf-8", errors="surrogatepass")
    rendered = folder / "rendered"
    rendered.mkdir(exist_ok=True)
    if main(["report", str(results), "--out", str(rendered)]) != EXIT_OK:
        return None
    return (rendered / "report.html").read_text(encoding="utf-8")


def test_the_unmodified_report_is_clean(results):
    document, folder = results
    page = _render(document, folder, "clean.json")
    assert page is not None and _hazards(page) == [] and "<svg" in page


def _replaced(document: dict[str, Any], paths: list[tuple], payload: str) -> dict[str, Any]:
    hostile = json.loads(json.dumps(document))
    for path in paths:
        parent = hostile
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = payload
    return hostile


def _free_text(document: dict[str, Any]) -> list[tuple]:
    """The string fields the schema lets hold any text (not a verdict, an outcome or a figure path), claim ids
    left out (they must stay unique; the random test puts payloads in them one at a time)."""
    paths = [path for path in _strings(document) if path[-1] != "id"]
    return [path for path in paths if schema_problem(_replaced(document, [path], "<b>x</b>")) is None]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_every_free_text_field_holding_a_payload_renders_inert(results, payload):
    """Each payload in every free-text field at once (statements, readings, lemmas, reasons, details, MathML,
    captions, notes, provenance), through the command."""
    document, folder = results
    fields = _free_text(document)
    assert len(fields) > 100
    page = _render(_replaced(document, fields, payload), folder)
    assert page is not None and _hazards(page) == [], _hazards(page or "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_payload_in_any_field_renders_inert_or_is_refused(results, data):
    """One random string (a payload or any text) in one random field, enum fields included."""
    document, folder = results
    path = data.draw(st.sampled_from(_strings(document)))
    payload = data.draw(st.sampled_from(PAYLOADS) | st.text(max_size=40))
    page = _render(_replaced(document, [path], payload), folder)
    assert page is None or _hazards(page) == [], (path, payload, _hazards(page))


@pytest.mark.parametrize("svg", SVG_PAYLOADS)
def test_a_hostile_figure_is_refused(results, svg, tmp_path):
    document, folder = results
    (folder / "figures" / "f.svg").write_text(svg, encoding="utf-8")
    try:
        page = _render(document, folder)
    finally:
        (folder / "figures" / "f.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>')
    rebuilt = safe_svg(svg)  # refused whole, or (CDATA) kept as escaped text
    assert page is not None and _hazards(page) == [] and ("refused" in page) is (rebuilt is None)
    assert rebuilt is None or "<script" not in rebuilt


@pytest.mark.parametrize("kind", ["symlink", "not-svg", "outside"])
def test_figure_files_must_be_plain_svg_inside_the_results_folder(results, kind):
    document, folder = results
    secret = folder.parent / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>SECRET</text></svg>', encoding="utf-8")
    hostile = json.loads(json.dumps(document))
    figure = hostile["claims"][0]["figures"][0]
    if kind == "symlink":
        link = folder / "figures" / "link.svg"
        link.unlink(missing_ok=True)
        os.symlink(secret, link)
        figure["file"] = "figures/link.svg"
    elif kind == "not-svg":
        (folder / "figures" / "note.txt").write_text("<svg><text>SECRET</text></svg>")
        figure["file"] = "figures/note.txt"
    else:
        figure["file"] = "../secret.svg"
    page = _render(hostile, folder)  # the schema refuses a non-.svg or '..' path before rendering (exit 2)
    assert (page is not None) is (kind == "symlink")
    direct = html.render(hostile, folder)  # and the renderer on its own refuses all three
    assert all("SECRET" not in text and "refused" in text for text in (page or direct, direct))


def test_the_whitelists_keep_what_fim_audit_writes():
    assert safe_mathml('<math display="block"><mfrac><mi>a</mi><mn>2</mn></mfrac></math>') is not None
    svg = (
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg xmlns:xlink='
        '"http://www.w3.org/1999/xlink" viewBox="0 0 4 4" xmlns="http://www.w3.org/2000/svg"><defs><style '
        'type="text/css">*{stroke-linejoin: round}</style><clipPath id="c"><rect width="4" height="4"/></clipPath>'
        '</defs><g clip-path="url(#c)"><use xlink:href="#m" x="1" y="2" style="fill: #1f77b4"/></g></svg>'
    )
    rebuilt = safe_svg(svg)
    assert rebuilt is not None and "clipPath" in rebuilt and 'xlink:href="#m"' in rebuilt and "DOCTYPE" not in rebuilt


@pytest.mark.parametrize(
    "page",
    [
        "<p><script>alert(1)</script></p>",
        "<img src=x onerror=alert(1)>",
        "<a href=' javascript:alert(1)'>x</a>",
        "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
        "<math><semantics><mi>x</mi><annotation-xml encoding='text/html'><b>x</b></annotation-xml></semantics></math>",
        "<svg><foreignObject><p>x</p></foreignObject></svg>",
        "<svg><g style='fill: url(https://example.org/x)'/></svg>",
    ],
)
def test_the_hazard_detector_finds_what_it_looks_for(page):
    """The DOM check itself can fail: each of these is found."""
    assert _hazards(page)
