"""Saving claim figures: one SVG per figure, byte-identical across runs (fixed hash salt, no date)."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from fim_audit.claims.model import Claim, Figure  # noqa: E402
from fim_audit.numeric.context import RunContext  # noqa: E402
from fim_audit.claims.files import write_text_atomic

plt.rcParams.update(
    # text as <text>, not glyph paths: a tenth of the bytes, and selectable in the report and its PDF
    {"svg.hashsalt": "fim-audit", "svg.fonttype": "none", "figure.figsize": (6.0, 4.0), "font.size": 9}
)

FIGURE_DIRECTORY = "figures"


def render_figures(claim: Claim, ctx: RunContext, out: Path) -> list[dict[str, Any]]:
    """Render ``claim``'s figures into ``out / figures`` and describe them for results.json.  A figure with an
    unlabelled axis is refused (ValueError), which the audit reports as a figure error (exit status 3)."""
    entries = []
    for figure in claim.figures:
        relative = Path(FIGURE_DIRECTORY) / f"{claim.id}__{figure.name}.svg"
        (out / FIGURE_DIRECTORY).mkdir(parents=True, exist_ok=True)
        drawn = renderer(figure)(ctx)
        unlabelled = [axes.get_title() or str(index) for index, axes in enumerate(drawn.axes) if not _labelled(axes)]
        if unlabelled:
            plt.close(drawn)
            raise ValueError(f"figure {figure.name!r}: axes without an x or y label: {unlabelled}")
        save_svg(drawn, out / relative)
        entries.append({"name": figure.name, "caption": figure.caption, "file": relative.as_posix()})
    return entries


def _labelled(axes) -> bool:
    """Every panel of a report figure names both of its axes (the report is read without the code)."""
    return bool(axes.get_xlabel().strip() and axes.get_ylabel().strip())


def renderer(figure: Figure) -> Callable[[RunContext], Any]:
    """The function a figure declaration names (``"package.module:function"``)."""
    module, _, function = figure.render.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"figure {figure.name!r}: cannot load {figure.render!r}: {exc}") from None


def save_svg(figure, path: Path) -> None:
    """Write ``figure`` as a deterministic, compact SVG (no date, :func:`compact_svg`) and release it.  Artists
    drawn with ``rasterized=True`` (dense scatters) are embedded as a RASTER_DPI image."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, dpi=RASTER_DPI)
    plt.close(figure)
    write_text_atomic(path, compact_svg(buffer.getvalue()))


RASTER_DPI = 150
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)
_GEOMETRY = re.compile(r'(\s(?:d|x|y|x1|x2|y1|y2|transform|points)=")([^"]*)"')
_DIGITS = re.compile(r"(\d\.\d{2})\d+")
_GROUP_ID = re.compile(r'<g id="[^"]*"')
_BETWEEN_TAGS = re.compile(r">\s+<")
_SPACES = re.compile(r"\s*\n\s*")


def _rounded(attribute: re.Match) -> str:
    return attribute.group(1) + _DIGITS.sub(r"\1", attribute.group(2)) + '"'


def compact_svg(text: str) -> str:
    """Matplotlib's SVG without its RDF metadata, group ids (nothing refers to them), line breaks inside path
    data and coordinates beyond 1/100 pt (a 432 x 288 pt figure; text is left alone): about half the bytes,
    the same picture."""
    text = _METADATA.sub("", text)
    text = _GROUP_ID.sub("<g", text)
    text = _GEOMETRY.sub(_rounded, text)
    text = _SPACES.sub(" ", text)
    return _BETWEEN_TAGS.sub("><", text).strip() + "\n"


def log_axes(title: str, xlabel: str, ylabel: str):
    """A new figure with log-log axes, labelled."""
    figure, axes = plt.subplots()
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(True, which="major", alpha=0.3)
    return figure, axes
