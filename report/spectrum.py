"""``fim-audit spectrum``: the fim-metrics doc's FIM spectrum metrics (seed 004_a860e49dea2b827a.txt, "FIM
Metrics We Track") on every attention row of every head of a real pretrained transformer, computed exactly
by the secular-equation solver (numeric/fisher_spectrum.py), with no sampling of rows.

Two aggregates (``--aggregate``): ``rows`` (the default) gives every row's own metrics, summarised per head
and layer; ``pooled`` gives the metrics of each head's row-averaged Fisher over all its rows, as the
metrics doc's code logs them (numeric/pooled_fisher.py), exactly, or with ``knlp=True`` as knlp computes
them (64 sampled rows, float32, its thresholds) for comparison with knlp's logs.

Writes into the output folder: ``spectrum.json`` (per layer and per head), ``spectrum.md`` (the same as
tables) and SVG figures (the distribution of eigmax per layer; for ``rows`` also the mean energy curve of
the top 16 eigenvalues per layer).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fim_audit.numeric.attention_capture import LoadedModel, attention_rows, english_text, token_windows
from fim_audit.numeric.fisher_metrics import METRICS
from fim_audit.numeric.fisher_spectrum import fisher_top_and_metrics
from fim_audit.numeric.pooled_fisher import knlp_fisher_metrics, pooled_fisher_metrics
from fim_audit.report.figures import plt, save_svg
from fim_audit.report.results import strict_json
from fim_audit.claims.files import write_text_atomic


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


AGGREGATES = ("rows", "pooled")


def measure(
    loaded: LoadedModel,
    windows: int,
    length: int,
    device: str,
    progress: bool = True,
    aggregate: str = "rows",
    knlp: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """Capture every attention row of ``windows`` text windows and summarise the metrics per head and layer,
    per row (``aggregate="rows"``) or of each head's pooled Fisher (``"pooled"``; ``knlp`` and ``seed``, the
    seed of knlp's row sampling, only there)."""
    from tqdm import tqdm

    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    ids = token_windows(loaded, english_text(), length, windows)
    start = time.perf_counter()
    captured = tqdm(attention_rows(loaded, ids, device), total=windows, desc="windows", disable=not progress)
    measured = _per_row(loaded, captured) if aggregate == "rows" else _pooled(loaded, captured, knlp, seed)
    return {
        "model": loaded.name,
        "layers": loaded.layers,
        "heads": loaded.heads,
        "windows": windows,
        "length": length,
        "device": device,
        "aggregate": aggregate,
        "knlp": knlp,
        **({"sampling_seed": seed} if knlp else {}),
        "seconds": time.perf_counter() - start,
        "text": "CPython's pydoc_data.topics (reference documentation), windows of exactly `length` tokens",
        **measured,
    }


def _per_row(loaded: LoadedModel, captured) -> dict[str, Any]:
    parts: dict[str, list[torch.Tensor]] = {}
    for rows in captured:
        metrics, curve = window_metrics(rows)
        for name, value in {**metrics, "curve": curve}.items():
            parts.setdefault(name, []).append(value.cpu())
    # every row of every window, by (layer, head): (layers, heads, rows) and (layers, heads, rows, 16)
    joined = {name: torch.cat(values, dim=2) for name, values in parts.items()}
    curves = joined.pop("curve")
    by_layer = {
        layer: {name: value[layer].flatten() for name, value in joined.items()} for layer in range(loaded.layers)
    }
    return {
        "per_layer": [{"layer": layer, **_summary(by_layer[layer])} for layer in range(loaded.layers)],
        "per_head": [
            {"layer": layer, "head": head, **_summary({name: value[layer, head] for name, value in joined.items()})}
            for layer in range(loaded.layers)
            for head in range(loaded.heads)
        ],
        "energy_curve": [
            {"layer": layer, "mean_cumulative_energy": curves[layer].flatten(0, 1).mean(dim=0).tolist()}
            for layer in range(loaded.layers)
        ],
        "eigmax_by_layer": {layer: by_layer[layer]["eigmax"] for layer in by_layer},
    }


def _pooled(loaded: LoadedModel, captured, knlp: bool, seed: int) -> dict[str, Any]:
    """Each head's pooled metrics over every row of every window (knlp: its batch is the windows), and
    their means over heads per layer (knlp's layer aggregate)."""
    windows = torch.stack([rows.cpu() for rows in captured])  # (windows, layers, heads, T, T)
    if knlp:
        generator = torch.Generator().manual_seed(seed)
        layers = [knlp_fisher_metrics(windows[:, layer].float(), generator=generator) for layer in range(loaded.layers)]
        heads = {name: torch.tensor([layer[name] for layer in layers], dtype=torch.float64) for name in METRICS}
    else:
        count, layers_count, heads_count, length, _ = windows.shape
        pooled = windows.permute(1, 2, 0, 3, 4).reshape(layers_count, heads_count, count * length, length)
        heads = pooled_fisher_metrics(pooled)
    return {
        "per_layer": [
            {"layer": layer, **{f"{name}_mean": float(heads[name][layer].mean()) for name in METRICS}}
            for layer in range(loaded.layers)
        ],
        "per_head": [
            {"layer": layer, "head": head, **{name: float(heads[name][layer, head]) for name in METRICS}}
            for layer in range(loaded.layers)
            for head in range(loaded.heads)
        ],
        "eigmax_by_layer": {layer: heads["eigmax"][layer] for layer in range(loaded.layers)},
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


POOLED_COLUMNS = tuple((name, "{:.4g}") for name in METRICS)
LAYER_MEAN_COLUMNS = tuple((f"{name}_mean", "{:.4g}") for name in METRICS)


def _table(entries: list[dict[str, Any]], keys: tuple[str, ...], columns=COLUMNS) -> list[str]:
    header = [*keys, *(name for name, _ in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in entries:
        cells = [str(entry[key]) for key in keys] + [fmt.format(entry[name]) for name, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(result: dict[str, Any]) -> str:
    pooled = result["aggregate"] == "pooled"
    how = (
        "knlp's computation (64 sampled rows per head, float32, its thresholds; numeric/pooled_fisher.py)"
        if result["knlp"]
        else "exact (every row, float64; numeric/pooled_fisher.py)"
    )
    lines = [
        f"# FIM spectrum of {result['model']}: "
        + (f"each head's pooled Fisher, {how}" if pooled else "every attention row, exact"),
        "",
        f"{result['windows']} windows of {result['length']} tokens of {result['text'].split(',')[0]}; "
        f"{result['layers']} layers x {result['heads']} heads; device {result['device']}; "
        f"{result['seconds']:.1f} s. Metrics as defined in numeric/fisher_metrics.py (tau = 1): eigmax, trace,",
        "energy_r8/r16 (share of the trace in the top 8/16 eigenvalues) and decay = lambda_1 / lambda_5"
        + (
            ", of F_bar = diag(mean q) - Q^T Q / N per head; per layer, their means over heads."
            if pooled
            else " (its median over the rows where lambda_5 > 0, and the share of rows where lambda_5 = 0)."
        ),
        "",
        "## Per layer",
        "",
        *_table(result["per_layer"], ("layer",), LAYER_MEAN_COLUMNS if pooled else COLUMNS),
        "",
        "## Per head",
        "",
        *_table(result["per_head"], ("layer", "head"), POOLED_COLUMNS if pooled else COLUMNS),
        "",
        "![eigmax per layer](eigmax-by-layer.svg)",
        *([] if pooled else ["", "![energy curves](energy-curves.svg)"]),
    ]
    return "\n".join(lines) + "\n"


def figures(result: dict[str, Any], out: Path) -> None:
    figure, axes = plt.subplots()
    layers = sorted(result["eigmax_by_layer"])
    data = [np.log10(result["eigmax_by_layer"][layer].clamp(min=1e-18).numpy()) for layer in layers]
    axes.boxplot(data, showfliers=False)
    axes.set_xticks(range(1, len(layers) + 1), [str(layer) for layer in layers])
    what = "each head's pooled Fisher" if result["aggregate"] == "pooled" else "every attention row"
    axes.set_title(f"{result['model']}: eigmax of {what}, per layer")
    axes.set_xlabel("layer")
    axes.set_ylabel("log10 eigmax")
    save_svg(figure, out / "eigmax-by-layer.svg")
    if "energy_curve" not in result:
        return
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
    write_text_atomic(paths[0], json.dumps(strict_json(document), indent=1) + "\n")
    write_text_atomic(paths[1], markdown(result))
    return [*paths, out / "eigmax-by-layer.svg", *([out / "energy-curves.svg"] if "energy_curve" in result else [])]
