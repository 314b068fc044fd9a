"""A claim's verbatim statement as a reader should see it: the seeds' Markdown with LaTeX (``$…$`` inline,
``$$…$$`` display, ``**bold**``, `` `code` ``, fenced code) as HTML whose mathematics is MathML, converted by
``latex2mathml`` when the report is written (no script and no network needed to display it).

A fragment the converter cannot parse, or one it would turn into an unknown command shown as text (``\\foo``
becomes ``<mi>\\foo</mi>``), falls back to its escaped source inside a visibly marked ``span.tex-fallback``,
so a bad statement never breaks the page and never passes for rendered mathematics.
"""

from __future__ import annotations

import re
from html import escape

from latex2mathml.converter import convert

from fim_audit.report.markup import safe_mathml

FALLBACK_CLASS = "tex-fallback"
FALLBACK_TITLE = "this LaTeX could not be rendered; its source is shown"

_TOKENS = re.compile(
    r"```(?P<fence>.+?)```"  # fenced code, kept verbatim
    r"|\$\$(?P<display>.+?)\$\$"  # display maths
    r"|\$(?P<inline>[^$]+?)\$"  # inline maths
    r"|`(?P<code>[^`]+)`"  # inline code
    r"|\*\*(?P<bold>.+?)\*\*",  # bold, one level
    re.S,
)
_TEXT_NODE = re.compile(r">([^<]*)<")
_ESCAPED_UNDERSCORE = re.compile(r"(\\text\{[^{}]*?)\\_")
_MISSING_OPERATORS = re.compile(r"\\(arg)(?![A-Za-z])")
"""Standard LaTeX operator names latex2mathml (3.81) does not know: written as \\operatorname, which it does."""


def _mathml(source: str, display: bool) -> str:
    """MathML for one TeX fragment; raises ValueError when it does not convert faithfully."""
    tex = source.strip()
    while _ESCAPED_UNDERSCORE.search(tex):  # \text{FIM\_block}: latex2mathml would keep the backslash
        tex = _ESCAPED_UNDERSCORE.sub(r"\1_", tex)
    tex = _MISSING_OPERATORS.sub(r"\\operatorname{\1}", tex)
    try:
        markup = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - latex2mathml raises many unrelated exception types
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    unknown = [text for text in _TEXT_NODE.findall(markup) if "\\" in text]
    if unknown:
        raise ValueError(f"unknown command {unknown[0]!r}")
    safe = safe_mathml(markup)  # latex2mathml unescapes \text{<script>} and passes \href{javascript:...} through
    if safe is None:
        raise ValueError("markup outside the MathML whitelist")
    return safe


def fallback(source: str, why: str) -> str:
    """The escaped source of a fragment that could not be rendered, marked as such."""
    return f'<span class="{FALLBACK_CLASS}" title="{escape(FALLBACK_TITLE)}: {escape(why)}">{escape(source)}</span>'


def _text(text: str) -> str:
    return escape(text).replace("\n\n", "<br><br>")


def to_html(text: str) -> str:
    """``text`` (Markdown with LaTeX) as HTML: prose escaped, maths as MathML, unrenderable maths marked."""
    parts, position = [], 0
    for match in _TOKENS.finditer(text):
        parts.append(_text(text[position : match.start()]))
        position = match.end()
        kind = match.lastgroup
        body = match.group(kind)
        if kind in ("display", "inline"):
            try:
                parts.append(_mathml(body, display=kind == "display"))
            except ValueError as exc:
                parts.append(fallback(match.group(0), str(exc)))
        elif kind == "fence":
            parts.append(f"<code class=block>{escape(body.strip())}</code>")
        elif kind == "code":
            parts.append(f"<code>{escape(body)}</code>")
        else:
            parts.append(f"<b>{to_html(body)}</b>")
    rest = text[position:]
    if "$" in rest:  # an unmatched dollar: the maths after it cannot be delimited
        cut = rest.index("$")
        parts += [_text(rest[:cut]), fallback(rest[cut:], "unmatched $")]
    else:
        parts.append(_text(rest))
    return "".join(parts)
