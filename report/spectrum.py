"""``fim-audit spectrum``: the fim-metrics doc's FIM spectrum metrics (seed 004_a860e49dea2b827a.txt, "FIM
Metrics We Track") on every attention row of every head of a real pretrained transformer, computed exactly
by the secular-equation solver (numeric/fisher_spectrum.py), with no sampling of rows.

Writes into the output folder: ``spectrum.json`` (per layer and per head), ``spectrum.md`` (the same as
tables) and two SVG figures (the distribution of eigmax per layer, and the mean energy curve of the top 16
eigenvalues per layer).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from numeric.attention_capture import LoadedModel, attention_rows, english_text, token_windows
from numeric.fisher_spectrum import fisher_top_and_metrics
from report.figures import plt, save_svg
from report.results import strict_json


def window_metrics(rows: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The metrics of every row of one window (layers, heads, queries, keys), each (layers, heads, queries),
    and the cumulative share of the trace in the top k eigenvalues, k = 1..16: (layers, heads, queries, 16),
    from the same floored eigenvalues as the metrics (so k = 8 and 16 are energy_r8 and energy_r16)."""
    top, metrics = fisher_top_and_metrics(rows)
    trace = metrics["trace"][..., None]
    curve = torch.where(trace > 0, top.cumsum(dim=-1) / torch.where(trace > 0, trace, 1), 1)
    return metrics, curve


def _summary(metrics: dict[str, torch.Tensor]) -> dict[str, float]:
    """Medians (eigmax, trace, decay), the 90th percentile of eigmax, mean energies, and how often the decay
    is infinite (lambda_5 = 0)."""
    decay = metrics["decay"]
    finite = decay[torch.isfinite(decay)]
    return {
        "rows": int(decay.numel()),
        "eigmax_median": float(metrics["eigmax"].median()),
        "eigmax_p90": float(torch.quantile(metrics["eigmax"], 0.9)),
        "trace_median": float(metrics["trace"].median()),
        "energy_r8_mean": float(metrics["energy_r8"].mean()),
        "energy_r16_mean": float(metrics["energy_r16"].mean()),
        "decay_median": float(decay.median()),
        "decay_finite_median": float(finite.median()) if finite.numel() else float("inf"),
        "decay_inf_fraction": float((~torch.isfinite(decay)).double().mean()),
    }


def measure(loaded: LoadedModel, windows: int, length: int, device: str, progress: bool = True) -> dict[str, Any]:
    """Capture every attention row of ``windows`` text windows and summarise the metrics per head and layer."""
    from tqdm import tqdm

    ids = token_windows(loaded, english_text(), length, windows)
    parts: dict[str, list[torch.Tensor]] = {}
    start = time.perf_counter()
    for rows in tqdm(attention_rows(loaded, ids, device), total=windows, desc="windows", disable=not progress):
        metrics, curve = window_metrics(rows)
        for name, value in {**metrics, "curve": curve}.items():
            parts.setdefault(name, []).append(value.cpu())
    # every row of every window, by (layer, head): (layers, heads, rows) and (layers, heads, rows, 16)
    joined = {name: torch.cat(values, dim=2) for name, values in parts.items()}
    curves = joined.pop("curve")
    by_layer = {
        layer: {name: value[layer].flatten() for name, value in joined.items()} for layer in range(loaded.layers)
    }
    per_head = [
        {"layer": layer, "head": head, **_summary({name: value[layer, head] for name, value in joined.items()})}
        for layer in range(loaded.layers)
        for head in range(loaded.heads)
    ]
    return {
        "model": loaded.name,
        "layers": loaded.layers,
        "heads": loaded.heads,
        "windows": windows,
        "length": length,
        "device": device,
        "seconds": time.perf_counter() - start,
        "text": "CPython's pydoc_data.topics (reference documentation), windows of exactly `length` tokens",
        "per_layer": [{"layer": layer, **_summary(by_layer[layer])} for layer in range(loaded.layers)],
        "per_head": per_head,
        "energy_curve": [
            {"layer": layer, "mean_cumulative_energy": curves[layer].flatten(0, 1).mean(dim=0).tolist()}
            for layer in range(loaded.layers)
        ],
        "eigmax_by_layer": {layer: by_layer[layer]["eigmax"] for layer in by_layer},
    }


COLUMNS = (
    ("rows", "{:d}"),
    ("eigmax_median", "{:.4g}"),
    ("eigmax_p90", "{:.4g}"),
    ("trace_median", "{:.4g}"),
    ("energy_r8_mean", "{:.3f}"),
    ("energy_r16_mean", "{:.3f}"),
    ("decay_finite_median", "{:.3g}"),
    ("decay_inf_fraction", "{:.3f}"),
)


def _table(entries: list[dict[str, Any]], keys: tuple[str, ...]) -> list[str]:
    header = [*keys, *(name for name, _ in COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in entries:
        cells = [str(entry[key]) for key in keys] + [fmt.format(entry[name]) for name, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# FIM spectrum of {result['model']}: every attention row, exact",
        "",
        f"{result['windows']} windows of {result['length']} tokens of {result['text'].split(',')[0]}; "
        f"{result['layers']} layers x {result['heads']} heads; device {result['device']}; "
        f"{result['seconds']:.1f} s. Metrics as defined in numeric/fisher_metrics.py (tau = 1): eigmax, trace,",
        "energy_r8/r16 (share of the trace in the top 8/16 eigenvalues) and decay = lambda_1 / lambda_5 (its",
        "median over the rows where lambda_5 > 0, and the share of rows where lambda_5 = 0).",
        "",
        "## Per layer",
        "",
        *_table(result["per_layer"], ("layer",)),
        "",
        "## Per head",
        "",
        *_table(result["per_head"], ("layer", "head")),
        "",
        "![eigmax per layer](eigmax-by-layer.svg)",
        "",
        "![energy curves](energy-curves.svg)",
    ]
    return "\n".join(lines) + "\n"


def figures(result: dict[str, Any], out: Path) -> None:
    figure, axes = plt.subplots()
    layers = sorted(result["eigmax_by_layer"])
    data = [np.log10(result["eigmax_by_layer"][layer].clamp(min=1e-18).numpy()) for layer in layers]
    axes.boxplot(data, showfliers=False)
    axes.set_xticks(range(1, len(layers) + 1), [str(layer) for layer in layers])
    axes.set_title(f"{result['model']}: eigmax of every attention row, per layer")
    axes.set_xlabel("layer")
    axes.set_ylabel("log10 eigmax")
    save_svg(figure, out / "eigmax-by-layer.svg")
    figure, axes = plt.subplots()
    for entry in result["energy_curve"]:
        curve = entry["mean_cumulative_energy"]
        axes.plot(range(1, len(curve) + 1), curve, marker=".", label=f"layer {entry['layer']}")
    axes.set_title(f"{result['model']}: mean share of the trace in the top k eigenvalues")
    axes.set_xlabel("k")
    axes.set_ylabel("sum of the top k eigenvalues / trace")
    axes.legend()
    axes.grid(True, alpha=0.3)
    save_svg(figure, out / "energy-curves.svg")


def write(result: dict[str, Any], out: Path) -> list[Path]:
    """spectrum.json, spectrum.md and the two figures in ``out``."""
    figures(result, out)
    document = {key: value for key, value in result.items() if key != "eigmax_by_layer"}
    paths = [out / "spectrum.json", out / "spectrum.md"]
    paths[0].write_text(json.dumps(strict_json(document), indent=1) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(result), encoding="utf-8")
    return [*paths, out / "eigmax-by-layer.svg", out / "energy-curves.svg"]
