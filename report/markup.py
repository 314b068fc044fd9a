"""Markup made safe to inline in report.html, where nothing from a paper or a results file may run (issue 27).

* MathML: a derivation's identity reaches results.json as presentation MathML (symbolic/exact.py), a statement's
  LaTeX becomes MathML through latex2mathml (which unescapes ``\\text{<script>}``), and ``fim-audit report``
  re-renders a results file that may not be ours.  :func:`safe_mathml` parses the markup and rebuilds it through a
  whitelist of MathML elements and attributes, its text and attribute values escaped again; anything else (a
  script, an event handler, an ``href``, ``annotation-xml``, a comment, unbalanced tags) rejects it whole.
* SVG: a figure file beside a results file may not be ours either.  :func:`safe_svg` parses it as XML and rebuilds
  it through a whitelist of the elements and attributes matplotlib writes; references may only point inside the
  figure (``#id``, ``url(#id)``) or be an inline PNG; anything else (a script, ``onload``, ``foreignObject``, a
  ``javascript:`` or external URL, an entity) rejects the figure whole.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html import escape
from html.parser import HTMLParser

TAGS = frozenset(
    "math semantics mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mfenced menclose mpadded "
    "mphantom mstyle merror mtable mtr mtd munder mover munderover mmultiscripts mprescripts none".split()
)
ATTRIBUTES = frozenset(
    "display mathvariant mathsize stretchy fence separator separators open close form largeop movablelimits "
    "symmetric accent accentunder lspace rspace width height depth linethickness notation columnalign rowalign "
    "columnspacing rowspacing columnlines rowlines frame equalrows equalcolumns align scriptlevel displaystyle "
    "xmlns linebreak".split()
)


class _Rebuilt(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []
        self.safe = True

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if tag not in TAGS or any(name not in ATTRIBUTES for name, _ in attrs):
            self.safe = False
            return
        values = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in attrs)
        self.parts.append(f"<{tag}{values}{close}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, "")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, "/")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.safe = False
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(escape(data))

    def _unsafe(self, *_: object) -> None:
        self.safe = False

    handle_comment = handle_decl = handle_pi = unknown_decl = _unsafe


def safe_mathml(markup: object) -> str | None:
    """``markup`` rebuilt from whitelisted MathML when it is one balanced <math> element, else None."""
    if not isinstance(markup, str) or not markup.lstrip().startswith("<math"):
        return None
    parser = _Rebuilt()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts) if parser.safe and not parser.open else None


SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
SVG_TAGS = frozenset(
    "svg g defs style clipPath mask pattern symbol use path rect circle ellipse line polyline polygon text tspan "
    "title desc image linearGradient radialGradient stop".split()
)
SVG_ATTRIBUTES = frozenset(
    "id class style transform d x y x1 x2 y1 y2 cx cy r rx ry dx dy points width height viewBox version type "
    "preserveAspectRatio clip-path clipPathUnits mask fill fill-opacity fill-rule stroke stroke-width stroke-opacity "
    "stroke-linecap stroke-linejoin stroke-dasharray stroke-dashoffset stroke-miterlimit opacity font-family "
    "font-size font-style font-weight text-anchor dominant-baseline patternUnits patternTransform gradientUnits "
    "gradientTransform offset stop-color stop-opacity href".split()
)
_SVG_START = re.compile(r"<svg[\s>]")
_LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z0-9_.:-]*\s*\)")
_INLINE_PNG = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=\s]*")
_LOCAL_REFERENCE = re.compile(r"#[A-Za-z0-9_.:-]+")
_UNSAFE_CSS = re.compile(r"url\(|@import|expression|javascript|\\|<", re.I)


def _safe_value(name: str, value: str) -> bool:
    if name == "href":
        return bool(_LOCAL_REFERENCE.fullmatch(value) or _INLINE_PNG.fullmatch(value))
    return not _UNSAFE_CSS.search(_LOCAL_URL.sub("", value))


def _svg_element(element: ElementTree.Element, parts: list[str]) -> bool:
    namespace, _, tag = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
    if namespace != SVG_NAMESPACE or tag not in SVG_TAGS:
        return False
    attributes = []
    for key, value in element.attrib.items():
        space, _, name = key[1:].partition("}") if key.startswith("{") else ("", "", key)
        if space not in ("", XLINK_NAMESPACE) or name not in SVG_ATTRIBUTES or not _safe_value(name, value):
            return False
        if tag == "style" and name == "type" and value != "text/css":
            return False
        attributes.append(f' {"xlink:" if space else ""}{name}="{escape(value, quote=True)}"')
    if tag == "svg" and not parts:
        attributes.append(f' xmlns="{SVG_NAMESPACE}" xmlns:xlink="{XLINK_NAMESPACE}"')
    text = element.text or ""
    if tag == "style" and not _safe_value("style", text):
        return False
    parts.append(f"<{tag}{''.join(attributes)}>{escape(text, quote=False)}")
    for child in element:
        if not _svg_element(child, parts):
            return False
        parts.append(escape(child.tail or "", quote=False))
    parts.append(f"</{tag}>")
    return True


def safe_svg(markup: str) -> str | None:
    """An SVG document rebuilt from whitelisted elements and attributes (its XML prologue and DOCTYPE dropped),
    or None when anything in it falls outside the whitelist or it does not parse."""
    start = _SVG_START.search(markup)
    if start is None:
        return None
    try:
        root = ElementTree.fromstring(markup[start.start() :])
    except ElementTree.ParseError:  # an entity defined in a dropped DOCTYPE is undefined here: refused
        return None
    parts: list[str] = []
    return "".join(parts) if _svg_element(root, parts) else None
