"""Stored MathML made safe to inline: a derivation's identity reaches results.json as presentation MathML
(symbolic/exact.py), and ``fim-audit report`` re-renders a results file that may not be ours.  The markup is
parsed and rebuilt through a whitelist of MathML elements and attributes, its text and attribute values
escaped again; anything else (a script, an event handler, a comment, unbalanced tags) rejects it whole.
"""

from __future__ import annotations

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
    "xmlns".split()
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
