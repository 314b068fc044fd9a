"""Provenance of an audit run: versions, device, dtype, seeds, profile, git commit, date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import hypothesis
import numpy
import sympy
import torch

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.threads import usable_cores
from fim_audit.numeric.training import kernels as training_kernels

REPO_ROOT = Path(__file__).resolve().parent.parent


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def device_name(device: torch.device) -> str:
    """The GPU's name, or the CPU's model (training picks its kernels by the CPU: :mod:`numeric.training.kernels`;
    timings depend on it)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return _cpu_model() or platform.processor() or platform.machine()


def _cpu_model() -> str | None:
    """The model name /proc/cpuinfo gives (Linux), else None."""
    try:
        with open("/proc/cpuinfo") as info:
            models = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    except OSError:
        return None
    return models[0] if models else None


def collect(ctx: RunContext, command: str) -> dict:
    """Everything needed to reproduce (or distrust) a results file."""
    status = _git("status", "--porcelain")
    return {
        "fim_audit": _version("fim-audit"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "sympy": sympy.__version__,
        "numpy": numpy.__version__,
        "hypothesis": hypothesis.__version__,
        "device": str(ctx.device),
        "device_name": device_name(ctx.device),
        "dtype": str(ctx.dtype).removeprefix("torch."),
        "training_kernels": training_kernels.label() if ctx.device.type == "cpu" else str(ctx.device),
        "seed": ctx.seed,
        "profile": dataclasses.asdict(ctx.profile),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
    }


MACHINE_KEYS = ("platform", "device", "device_name", "python", "torch", "sympy", "numpy", "hypothesis", "git_commit")


def machine_summary(environment: dict) -> dict:
    """The fields of a results file's environment that a benchmark record names its machine by, with the
    number of CPU cores this process may use."""
    return {"cpu cores": usable_cores(), **{key: environment.get(key) for key in MACHINE_KEYS}}
