"""Benchmark (issue 7): the secular-equation solver of numeric/fisher_spectrum.py against dense
``torch.linalg.eigvalsh`` of F = diag(p) - p p^T, on the same rows in the same run.

    python benchmarks/fisher_spectrum.py [--sizes 64,256,1024,4096] [--dtypes float64,float32]
                                         [--devices cpu,cuda] [--out docs]

Rows are attention rows softmax(s * g), g standard normal, the sharpness s drawn per row from 0.5..8 (flat to
near one-hot), seeded.  For each (device, dtype, n) it times, best of a few repeats:

* dense: eigvalsh of the n x n Fisher in the same dtype, which is what the fim-metrics doc does per row
  and what every metric there needs;
* full: ``softmax_fisher_eigvalsh`` (all n eigenvalues);
* metrics: ``fisher_metrics`` (the top 16 eigenvalues and the closed-form trace).

It prints rows per second, the speed-up over dense, and the largest error against float64 dense eigvalsh
of the same (dtype-rounded) rows, relative to each row's max p (see :func:`relative_error`).  Goals
(issue 7, CPU float64, error <= 1e-10): metrics >= 100x dense at n = 1024, full >= 10x dense at n = 4096.
Writes ``fisher-spectrum-benchmark.md`` and ``.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable

import torch

from numeric.fisher_metrics import softmax_fisher
from numeric.fisher_spectrum import fisher_metrics, softmax_fisher_eigvalsh, softmax_fisher_topk

BATCH = {64: 2048, 256: 256, 1024: 16, 4096: 2}
"""Rows per timed call on a CPU: the dense batch of Fishers stays near 256 MiB in float64 (x 16 on a GPU)."""
TOP = 16
ERROR_GOAL = 1e-10
GOALS = {("metrics", 1024): 100.0, ("full", 4096): 10.0}
SEED = 20241229


def attention_rows(batch: int, n: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    generator = torch.Generator().manual_seed(SEED + n)
    sharpness = 0.5 + 7.5 * torch.rand(batch, 1, generator=generator, dtype=torch.float64)
    logits = sharpness * torch.randn(batch, n, generator=generator, dtype=torch.float64)
    return torch.softmax(logits, dim=-1).to(device=device, dtype=dtype)


def best_time(call: Callable[[], torch.Tensor], device: str, repeats: int) -> tuple[float, object]:
    """The fastest of ``repeats`` timed calls (after one warm-up), synchronising a GPU around each."""
    result = call()
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        result = call()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best, result


def relative_error(values: torch.Tensor, reference: torch.Tensor, p: torch.Tensor) -> float:
    """max over rows of max_i |values_i - reference_i| / max_i p_i.  max p bounds ||F|| and is the scale to
    which dense eigvalsh itself is accurate: on a near-one-hot row lambda_max << max p and the dense
    reference has no digits to spare below that (tests/test_fisher_spectrum.py checks the solver to a few
    ulps of lambda_max against 60-digit eigenvalues instead)."""
    return float(((values.double() - reference).abs().amax(dim=-1) / p.double().amax(dim=-1)).max())


def measure(device: str, dtype: torch.dtype, n: int) -> dict:
    batch = BATCH[n] * (16 if device == "cuda" else 1)
    p = attention_rows(batch, n, dtype, device)
    repeats = 1 if n >= 4096 and device == "cpu" else 3
    dense_seconds, dense = best_time(lambda: torch.linalg.eigvalsh(softmax_fisher(p)), device, repeats)
    full_seconds, full = best_time(lambda: softmax_fisher_eigvalsh(p), device, repeats)
    metrics_seconds, _ = best_time(lambda: fisher_metrics(p), device, repeats)
    # float64 eigvalsh of the same (dtype-rounded) rows, formed directly: a float32 row need not sum to 1
    # within float64's normalisation tolerance, and its exact Fisher is still well defined.
    q = p.double().cpu()
    reference = torch.linalg.eigvalsh(torch.diag_embed(q) - q[..., :, None] * q[..., None, :])
    top = softmax_fisher_topk(p, min(TOP, n)).cpu()
    return {
        "device": device,
        "dtype": str(dtype).removeprefix("torch."),
        "n": n,
        "batch": batch,
        "dense_rows_per_s": batch / dense_seconds,
        "full_rows_per_s": batch / full_seconds,
        "metrics_rows_per_s": batch / metrics_seconds,
        "full_speedup": dense_seconds / full_seconds,
        "metrics_speedup": dense_seconds / metrics_seconds,
        "full_error": relative_error(full.cpu(), reference, q),
        "top16_error": relative_error(top, reference.flip(-1)[..., : min(TOP, n)], q),
        "dense_error": relative_error(dense.cpu(), reference, q),
        "dense_nonfinite": int((~torch.isfinite(dense)).sum()),
        "metrics_read_gb_per_s": p.numel() * p.element_size() / metrics_seconds / 1e9,
    }


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| device | dtype | n | batch | dense rows/s | full rows/s | full speed-up | metrics rows/s | metrics "
        "speed-up | full error | top-16 error | dense error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['device']} | {r['dtype']} | {r['n']} | {r['batch']} | {r['dense_rows_per_s']:.3g} | "
            f"{r['full_rows_per_s']:.3g} | {r['full_speedup']:.1f}x | {r['metrics_rows_per_s']:.3g} | "
            f"{r['metrics_speedup']:.0f}x | {r['full_error']:.1e} | {r['top16_error']:.1e} | "
            f"{r['dense_error']:.1e}{f' ({nonfinite} non-finite)' if (nonfinite := r['dense_nonfinite']) else ''} |"
        )
    return lines


def goals(rows: list[dict]) -> list[str]:
    lines = []
    for (path, n), target in GOALS.items():
        for r in rows:
            if r["n"] == n and r["dtype"] == "float64" and r["device"] == "cpu":
                speedup, error = r[f"{path}_speedup"], r["full_error" if path == "full" else "top16_error"]
                met = speedup >= target and error <= ERROR_GOAL
                lines.append(
                    f"- {path} at n = {n}, CPU float64: {speedup:.1f}x (goal >= {target:g}x), error {error:.1e} "
                    f"(goal <= {ERROR_GOAL:g}): {'met' if met else 'NOT met'}"
                )
    return lines


NOTES = [
    "Errors are against float64 dense eigvalsh of the same rows, relative to max p (the scale dense eigvalsh",
    "resolves). Float32 rows miss sum 1 by up to ~n u32. The solver computes the spectrum of the normalised",
    "row (it uses sum p = 1), while dense computes that of the matrix as given, so the float32 error column",
    "shows that normalisation defect (about 1e-5 at n = 4096), not solver rounding. Dense float32 eigvalsh",
    "has its own 1e-6. Speed-ups grow with n, as O(n^2) against O(n^3) for the full spectrum and O(16 n)",
    "against O(n^3) for the metrics. At n = 64 the dense call's per-row cost is already small, and Python's",
    "per-chunk overhead shows.",
]


def machine(devices: list[str]) -> dict:
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "torch threads": torch.get_num_threads(),
    }
    if "cuda" in devices:
        info["gpu"] = torch.cuda.get_device_name()
        info["cuda"] = torch.version.cuda
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,256,1024,4096")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--devices", default="cpu,cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    devices = args.devices.split(",")
    rows = []
    for device in devices:
        for dtype in (getattr(torch, name) for name in args.dtypes.split(",")):
            for n in (int(size) for size in args.sizes.split(",")):
                rows.append(measure(device, dtype, n))
                print(table(rows)[-1], flush=True)
    lines = ["# Fisher spectrum benchmark: generated by benchmarks/fisher_spectrum.py", ""]
    lines += ["| field | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in machine(devices).items()), ""]
    lines += [*table(rows), "", *goals(rows), "", *NOTES]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fisher-spectrum-benchmark.md").write_text("\n".join(lines) + "\n")
    record = {"machine": machine(devices), "rows": rows}
    (args.out / "fisher-spectrum-benchmark.json").write_text(json.dumps(record, indent=2) + "\n")
    print("\n".join(goals(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
