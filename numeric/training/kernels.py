"""The CPU kernels training runs on, fixed so that a campaign trains the same runs on every x86-64 machine.

Training is chaotic where attention is sharp: the runs from a sharp initialisation (query/key std 0.5) end with
per-seed head couplings that change completely when the matrix products round differently.  torch picks its
kernels by the CPU (ATen's vectorised loops for AVX2 or AVX-512; MKL's GEMM for the processor's instruction set
and vendor; oneDNN's just-in-time GELU for the same), so the same seeds trained on an AMD EPYC (AVX2) and on the
machine that wrote the verdict lock gave per-seed slopes as different as other seeds', and fim-attn.prop2's
sharp-initialisation interval fell on the other side of 0 (95% CI [-0.034, 0.019] there, OPEN; [-0.065, -0.003] on
the EPYC, SUPPORTED; [-0.061, 0.0004] on the pinned kernels, OPEN).  A process that trains therefore computes with

* ``ATEN_CPU_CAPABILITY=avx2``: ATen's AVX2 loops on every CPU that has AVX2 (an AVX-512 CPU included).  They use
  exact IEEE operations only (no approximate reciprocal instructions), so two vendors' CPUs should give the same
  bits (not verified across vendors: every machine measured here was one AMD EPYC type);
* ``MKL_CBWR=COMPATIBLE``: MKL's conditional numerical reproducibility on its SSE2 branch without approximate
  instructions, the one branch MKL offers on non-Intel processors (every other branch falls back to the
  processor's automatic one there);
* oneDNN off (``torch.backends.mkldnn.enabled = False``): GELU runs in ATen's pinned loops instead.

On the EPYC, a 4-seed stack of the default model trains in 13.1 s on these kernels against 11.0 s on its own
(medians of 5 interleaved runs, process start-up included).

MKL's branch covers its LAPACK too: there ``ssyevd`` does not converge on some float32 Fisher blocks of near one-hot
rows that the processor's own branch solves (:func:`numeric.pooled_fisher.knlp_metrics` takes such a block's
eigenvalues from its float64 copy).

Environment variables take effect when a library loads, so only a fresh process can be pinned: training runs in
spawned processes (:func:`numeric.training.experiments.runs`), started inside :func:`pinned_environment`.  A CPU
without AVX2 (or not x86-64) cannot take these kernels: it trains on its own, and :func:`label`, part of every
training run's cache key and of the audit's environment record, says so.
"""

from __future__ import annotations

import contextlib
import os
import platform
from typing import Iterator

import torch

PINS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE"}
"""The environment of a training process (module docstring)."""


def pinnable() -> bool:
    """Whether this machine runs the pinned kernels: an x86-64 CPU with AVX2 (asked of the hardware, whatever
    ATEN_CPU_CAPABILITY this process was started with)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    has_avx2 = getattr(torch.cpu, "_is_avx2_supported", None)
    if has_avx2 is not None:
        return bool(has_avx2())
    return torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def label() -> str:
    """The kernels a training process computes with, in words."""
    if pinnable():
        return "x86-64 pinned: ATen avx2, MKL_CBWR=COMPATIBLE, oneDNN off"
    return f"{platform.machine()} {torch.backends.cpu.get_cpu_capability()} (not pinned), oneDNN off"


@contextlib.contextmanager
def pinned_environment() -> Iterator[None]:
    """Within: PINS in this process's environment (restored after), so that the processes started here inherit
    them; nothing on a machine that cannot take them."""
    if not pinnable():
        yield
        return
    saved = {name: os.environ.get(name) for name in PINS}
    os.environ.update(PINS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pin_this_process() -> None:
    """In a training process: oneDNN off (its just-in-time kernels are generated for the CPU at hand)."""
    torch.backends.mkldnn.enabled = False


def check_pinned() -> None:
    """In a training process on a machine that takes the pins (:func:`pinnable`, a question of the hardware, so the
    same answer as in the process that started it), raise unless the process runs on them: one restarted outside
    :func:`pinned_environment` would otherwise train on other kernels under the pinned runs' cache keys."""
    if pinnable() and (
        any(os.environ.get(name) != value for name, value in PINS.items())
        or torch.backends.cpu.get_cpu_capability() != "AVX2"
        or torch.backends.mkldnn.enabled
    ):
        raise RuntimeError(
            f"a training process runs on ATen {torch.backends.cpu.get_cpu_capability()} with MKL_CBWR="
            f"{os.environ.get('MKL_CBWR')}, not on the pinned kernels {PINS} (numeric.training.kernels)"
        )
