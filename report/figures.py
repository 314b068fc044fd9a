"""Saving claim figures: one SVG per figure, byte-identical across runs (fixed hash salt, no date)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from claims.model import Claim, Figure  # noqa: E402
from numeric.context import RunContext  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "fim-audit", "figure.figsize": (6.0, 4.0), "font.size": 9})

FIGURE_DIRECTORY = "figures"


def render_figures(claim: Claim, ctx: RunContext, out: Path) -> list[dict[str, Any]]:
    """Render ``claim``'s figures into ``out / figures`` and describe them for results.json."""
    entries = []
    for figure in claim.figures:
        relative = Path(FIGURE_DIRECTORY) / f"{claim.id}__{figure.name}.svg"
        (out / FIGURE_DIRECTORY).mkdir(parents=True, exist_ok=True)
        save_svg(renderer(figure)(ctx), out / relative)
        entries.append({"name": figure.name, "caption": figure.caption, "file": relative.as_posix()})
    return entries


def renderer(figure: Figure) -> Callable[[RunContext], Any]:
    """The function a figure declaration names (``"package.module:function"``)."""
    module, _, function = figure.render.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"figure {figure.name!r}: cannot load {figure.render!r}: {exc}") from None


def save_svg(figure, path: Path) -> None:
    """Write ``figure`` as a deterministic SVG (no date) and release it."""
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)


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
