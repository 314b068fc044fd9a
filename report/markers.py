"""A generated block inside a hand-written text file, between two marker comments: the README's results table
(:mod:`report.readme`) and the float32 parity table of docs/trust.md (``benchmarks/float32_parity.py``)."""

from __future__ import annotations


class MarkerError(ValueError):
    """The file has no block, more than one, or its markers in the wrong order."""


def _span(text: str, start: str, end: str) -> tuple[int, int]:
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise MarkerError(f"needs exactly one block between {start!r} and {end!r}")
    return text.index(start) + len(start), text.index(end)


def block(text: str, start: str, end: str) -> str:
    """What stands between the markers now, stripped."""
    first, last = _span(text, start, end)
    return text[first:last].strip()


def with_block(text: str, start: str, end: str, body: str) -> str:
    """``text`` with the block between the markers replaced by ``body`` (on lines of its own)."""
    first, last = _span(text, start, end)
    return f"{text[:first]}\n{body}\n{text[last:]}"
