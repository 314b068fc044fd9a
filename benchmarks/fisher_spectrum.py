"""Benchmark (issues 7 and 17): the secular-equation solver of numeric/fisher_spectrum.py against dense
``torch.linalg.eigvalsh`` of F = diag(p) - p p^T, on the same rows in the same run, and against the
machine's own limit.

    python benchmarks/fisher_spectrum.py [--sizes 64,256,1024,4096] [--devices cpu,cuda] [--out docs]

Rows are attention rows softmax(s * g), g standard normal, the sharpness s drawn per row from 0.5..8 (flat to
near one-hot), seeded, float64.  For each (device, n) the three paths are timed interleaved, REPEATS times
each, and the median is reported:

* dense: forming the n x n Fisher and eigvalsh of it, what the fim-metrics doc does per row;
* full: ``softmax_fisher_eigvalsh`` (all n eigenvalues);
* metrics: ``fisher_metrics`` (the top 16 eigenvalues and the closed-form trace).

The limit.  The work per row is known: k roots (k = 16 for the metrics, n - 1 for the full spectrum), each
costing a few O(n) passes of divides; LAPACK's dlaed4 takes about DLAED4_PASSES per root.  The benchmark
measures this machine's divide throughput in the same run (a compiled loop of 1 / (x_i - c), accumulated,
on every core, over rows that stay in cache) and reports each path's rows/s as a fraction of
throughput / (k * DLAED4_PASSES * n).  The CPU metrics path can exceed 1: it expands the poles far below the
top roots in power moments (numeric/secular_compiled.py) and does fewer divides than dlaed4 would.  The
passes per root the kernel actually made are reported beside it.

Accuracy: the largest relative error of any eigenvalue checked, against the root of the secular equation
refined at 40 digits by mpmath (Newton from the solver's value, kept inside its interval), on the first
ACCURACY_ROWS rows: all top-16 eigenvalues and ACCURACY_ROOTS evenly spaced ones of the full spectrum.
Goals (issue 17, CPU float64, error <= 1e-12): metrics >= 50% of its limit at n = 1024 and about 1000x
dense; full >= 30x dense at n = 4096 and >= 10x at n = 64.  Writes ``fisher-spectrum-benchmark.md`` and
``.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import mpmath
import numba
import numpy as np
import torch

from fim_audit.numeric import secular_compiled
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.numeric.fisher_spectrum import fisher_metrics, softmax_fisher_eigvalsh, softmax_fisher_topk

BATCH = {64: 2048, 256: 1024, 1024: 256, 4096: 32}
"""Rows per timed call of the secular paths on a CPU (x 16 on a GPU): enough that a call's fixed cost
(validation, the kernel launch) is small against its work."""
DENSE_BATCH = {64: 2048, 256: 256, 1024: 16, 4096: 2}
"""Rows per timed dense call, the first of the same rows: its batch of n x n Fishers stays near 256 MiB (x 16
on a GPU), and its cost per row does not depend on the batch."""
REPEATS = 5
TOP = 16
DLAED4_PASSES = 5
ERROR_GOAL = 1e-12
SPEEDUP_GOALS = {("metrics", 1024): 1000.0, ("full", 4096): 30.0, ("full", 64): 10.0}
LIMIT_GOALS = {("metrics", 1024): 0.5}
ACCURACY_ROWS = 2
ACCURACY_ROOTS = 24
SEED = 20241229


@numba.njit(parallel=True, fastmath={"reassoc", "contract"})
def _divide_loop(x, reps):
    total = np.zeros(x.shape[0])
    for r in numba.prange(x.shape[0]):
        row = x[r]
        acc = 0.0
        for t in range(reps):
            c = 1.0 + t * 1e-9
            for i in range(row.shape[0]):
                acc += 1.0 / (row[i] - c)
        total[r] = acc
    return total


def divide_throughput() -> float:
    """Divides per second of this machine, every core, float64, vectorised: the median of REPEATS runs."""
    x = np.random.default_rng(0).random((64, 1024)) + 2
    _divide_loop(x, 1)
    rates = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        _divide_loop(x, 100)
        rates.append(x.size * 100 / (time.perf_counter() - start))
    return statistics.median(rates)


def attention_rows(batch: int, n: int, device: str) -> torch.Tensor:
    generator = torch.Generator().manual_seed(SEED + n)
    sharpness = 0.5 + 7.5 * torch.rand(batch, 1, generator=generator, dtype=torch.float64)
    logits = sharpness * torch.randn(batch, n, generator=generator, dtype=torch.float64)
    return torch.softmax(logits, dim=-1).to(device=device)


def _timed(call: Callable[[], object], device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    call()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _refined(row: list[float], value: float) -> mpmath.mpf:
    """The root of g(x) = sum q_i / (q_i - x) nearest ``value``, by Newton at 40 digits, kept inside the
    interval between the poles around it (0 stays 0)."""
    if value == 0:
        return mpmath.mpf(0)
    with mpmath.workdps(40):
        q = [mpmath.mpf(x) for x in row]
        total = mpmath.fsum(q)
        q = [x / total for x in q]
        low = max((x for x in q if x < value), default=mpmath.mpf(0))
        high = min((x for x in q if x >= value), default=mpmath.mpf(1))
        x = mpmath.mpf(value)
        for _ in range(30):
            g = mpmath.fsum(a / (a - x) for a in q)
            slope = mpmath.fsum(a / (a - x) ** 2 for a in q)
            step = x - g / slope
            step = min(max(step, low + (x - low) / 2), high - (high - x) / 2)
            if abs(step - x) <= mpmath.mpf(10) ** -35 * x:
                return step
            x = step
        return x


def relative_error(p: torch.Tensor, full: torch.Tensor, top: torch.Tensor) -> float:
    worst = 0.0
    rows = (p[:ACCURACY_ROWS].cpu(), full[:ACCURACY_ROWS].cpu(), top[:ACCURACY_ROWS].cpu())
    for row, spectrum, head in zip(*rows, strict=True):
        values = row.tolist()
        picks = spectrum[torch.linspace(0, spectrum.numel() - 1, ACCURACY_ROOTS).long()].tolist() + head.tolist()
        for value in picks:
            exact = _refined(values, value)
            if exact != 0:
                worst = max(worst, float(abs(mpmath.mpf(value) - exact) / exact))
    return worst


def passes_per_root(p: torch.Tensor) -> float:
    """Passes over the row per top-16 root the CPU kernel made on these rows (its midpoint evaluation
    included)."""
    counts = np.zeros(p.shape[0], dtype=np.int64)
    secular_compiled.top_eigenvalues(p.cpu().numpy(), min(TOP, p.shape[-1]), counts)
    return float(counts.mean()) / min(TOP, p.shape[-1])


def measure(device: str, n: int, divides_per_second: float) -> dict:
    scale = 16 if device == "cuda" else 1
    batch, dense_batch = BATCH[n] * scale, DENSE_BATCH[n] * scale
    p = attention_rows(batch, n, device)
    paths = {
        "dense": lambda: torch.linalg.eigvalsh(softmax_fisher(p[:dense_batch])),
        "full": lambda: softmax_fisher_eigvalsh(p),
        "metrics": lambda: fisher_metrics(p),
    }
    for call in paths.values():
        call()  # warm-up (and the kernel's compilation or cache load)
    seconds = {name: [] for name in paths}
    for _ in range(REPEATS):
        for name, call in paths.items():
            seconds[name].append(_timed(call, device))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    roots = {"full": n - 1, "metrics": min(TOP, n)}
    record = {"device": device, "dtype": "float64", "n": n, "batch": batch, "dense_batch": dense_batch}
    for name in paths:
        record[f"{name}_rows_per_s"] = (dense_batch if name == "dense" else batch) / median[name]
    for name in ("full", "metrics"):
        record[f"{name}_speedup"] = record[f"{name}_rows_per_s"] / record["dense_rows_per_s"]
        limit = divides_per_second / (roots[name] * DLAED4_PASSES * n)
        record[f"{name}_limit_rows_per_s"] = limit
        record[f"{name}_fraction_of_limit"] = record[f"{name}_rows_per_s"] / limit if device == "cpu" else None
    record["passes_per_root"] = passes_per_root(p)
    record["error"] = relative_error(p, softmax_fisher_eigvalsh(p), softmax_fisher_topk(p, min(TOP, n)))
    return record


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| device | n | rows (dense) | dense rows/s | full rows/s | full speed-up | full / limit | metrics rows/s "
        "| metrics speed-up | metrics / limit | passes per root | error (relative) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fractions = [
            f"{r[f'{name}_fraction_of_limit']:.0%}" if r[f"{name}_fraction_of_limit"] is not None else "-"
            for name in ("full", "metrics")
        ]
        lines.append(
            f"| {r['device']} | {r['n']} | {r['batch']} ({r['dense_batch']}) | {r['dense_rows_per_s']:.3g} | "
            f"{r['full_rows_per_s']:.3g} | "
            f"{r['full_speedup']:.1f}x | {fractions[0]} | {r['metrics_rows_per_s']:.3g} | "
            f"{r['metrics_speedup']:.0f}x | {fractions[1]} | {r['passes_per_root']:.2f} | {r['error']:.1e} |"
        )
    return lines


def goals(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        if r["device"] != "cpu":
            continue
        for (path, n), target in SPEEDUP_GOALS.items():
            if r["n"] == n:
                met = r[f"{path}_speedup"] >= target and r["error"] <= ERROR_GOAL
                lines.append(
                    f"- {path} at n = {n}: {r[f'{path}_speedup']:.1f}x dense (goal >= {target:g}x), error "
                    f"{r['error']:.1e} (goal <= {ERROR_GOAL:g}): {'met' if met else 'NOT met'}"
                )
        for (path, n), target in LIMIT_GOALS.items():
            if r["n"] == n:
                fraction = r[f"{path}_fraction_of_limit"]
                lines.append(
                    f"- {path} at n = {n}: {fraction:.0%} of its limit (goal >= {target:.0%}): "
                    f"{'met' if fraction >= target else 'NOT met'}"
                )
    return lines


def machine(devices: list[str], divides_per_second: float) -> dict:
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numba": numba.__version__,
        "cpu": platform.processor() or platform.machine(),
        "torch threads": torch.get_num_threads(),
        "numba threads": numba.get_num_threads(),
        "divide throughput (float64, all cores)": f"{divides_per_second / 1e9:.2f} G/s",
    }
    if "cuda" in devices:
        info["gpu"] = torch.cuda.get_device_name()
        info["cuda"] = torch.version.cuda
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,256,1024,4096")
    parser.add_argument("--devices", default="cpu,cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    devices = args.devices.split(",")
    divides_per_second = divide_throughput()
    print(f"divide throughput: {divides_per_second / 1e9:.2f} G/s", flush=True)
    rows = []
    for device in devices:
        for n in (int(size) for size in args.sizes.split(",")):
            rows.append(measure(device, n, divides_per_second))
            print(table(rows)[-1], flush=True)
    info = machine(devices, divides_per_second)
    lines = ["# Fisher spectrum benchmark: generated by benchmarks/fisher_spectrum.py", ""]
    lines += ["| field | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in info.items()), ""]
    lines += [*table(rows), "", *goals(rows), "", *NOTES]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fisher-spectrum-benchmark.md").write_text("\n".join(lines) + "\n")
    (args.out / "fisher-spectrum-benchmark.json").write_text(
        json.dumps({"machine": info, "rows": rows}, indent=2) + "\n"
    )
    print("\n".join(goals(rows)))
    return 0


NOTES = [
    "Times are medians of 5 interleaved repetitions (dense, full, metrics, dense, ...), after one warm-up.",
    f"A path's limit is the divide throughput above over (k roots x {DLAED4_PASSES} passes, dlaed4's count, x n): "
    "k = 16 for the metrics, n - 1 for the full spectrum. 'passes per root' is what the CPU kernel made on these",
    "rows for the top 16, its midpoint evaluation included; the metrics path's far poles cost no divides at all.",
    "Errors are relative to each eigenvalue itself, against roots refined at 40 digits (mpmath), on the first "
    f"{ACCURACY_ROWS} rows: the top 16 and {ACCURACY_ROOTS} evenly spaced eigenvalues of the full spectrum.",
]


if __name__ == "__main__":
    sys.exit(main())
