"""A disk cache for experiment runs, so that ``fim-audit experiment NAME``, the audit and the report re-use one
another's training runs.

An entry is keyed by a SHA-256 of the run's specification, the device type, the torch version and the source
of every module a run imports (CODE_FILES); editing any of them, or changing the specification, misses the
cache.  Entries live under ``$FIM_AUDIT_CACHE`` when set, else ``$XDG_CACHE_HOME/fim-audit`` (default
``~/.cache/fim-audit``); ``FIM_AUDIT_CACHE=off`` disables the cache.  A corrupt entry is recomputed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent processes may then train the same run twice
    fcntl = None  # type: ignore[assignment]

import torch

CODE_FILES = (
    "attention_capture.py",
    "autodiff.py",
    "categorical.py",
    "confidence.py",
    "context.py",
    "fisher_metrics.py",
    "fisher_spectrum.py",
    "natural_gradient_rate.py",
    "pooled_fisher.py",
    "secular_compiled.py",
    "secular_torch.py",
    "softmax.py",
    "temperature.py",
    "threads.py",
    "tolerance.py",
    "training/cache.py",
    "training/char_corpus.py",
    "training/experiments.py",
    "training/fa_adam.py",
    "training/kernels.py",
    "training/loop.py",
    "training/stacked_adam.py",
    "training/tiny_gpt.py",
    "validate.py",
)
"""The modules of :mod:`numeric` (paths below it) whose source is part of every key: every module the two kinds of
run import, :mod:`numeric.training.experiments` and :mod:`numeric.natural_gradient_rate`, directly or through
another (tests/test_training.py keeps the list equal to what they import)."""


def cache_directory() -> Path | None:
    """Where entries live, or None when caching is off."""
    setting = os.environ.get("FIM_AUDIT_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fim-audit"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).parent.parent
    digest = hashlib.sha256()
    for name in CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def key(specification: dict[str, Any], device: torch.device) -> str:
    """The entry name of one run."""
    payload = json.dumps(
        {"spec": specification, "device": device.type, "torch": torch.__version__, "code": _code_digest()},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _entry(kind: str, specification: dict[str, Any], device: torch.device) -> Path | None:
    directory = cache_directory()
    return None if directory is None else directory / kind / f"{key(specification, device)}.json"


@contextlib.contextmanager
def exclusive(kind: str) -> Iterator[None]:
    """Within: no other process computes entries of ``kind`` for this cache (an advisory lock on a file beside
    them; a process that waits re-reads the cache afterwards and finds what the first one stored).  Two claims that
    need the same runs, in two ``fim-audit run --jobs`` workers or two pytest-xdist workers, trained them both."""
    directory = cache_directory()
    if directory is None or fcntl is None:
        yield
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / f"{kind}.lock", "a")
    except OSError:  # a read-only cache location: no lock, as no cache
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_entry(kind: str, specification: dict[str, Any], device: torch.device) -> dict[str, Any] | None:
    """The stored result for ``specification``, or None when the cache is off, misses or holds a corrupt entry."""
    path = _entry(kind, specification, device)
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def store(kind: str, specification: dict[str, Any], device: torch.device, result: dict[str, Any]) -> None:
    """Store ``result`` for ``specification`` (atomically: a reader sees the old entry or the new one)."""
    path = _entry(kind, specification, device)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(result))
        temporary.replace(path)
    except OSError:
        pass  # a read-only cache location only costs the re-run
