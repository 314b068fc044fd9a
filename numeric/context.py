"""Run configuration shared by every check: profile sizes, device, dtype and seeds.

Profiles trade time for search depth.  ``default`` is the fast local run, ``ci`` is what CI runs, and
``thorough`` is meant for a GPU machine.  Every size a check uses comes from here, so one profile name
fixes the whole audit.
"""

from __future__ import annotations

import contextlib
import zlib
from dataclasses import dataclass, replace
from typing import Any

import torch

from fim_audit.numeric.threads import one_thread

DEFAULT_SEED = 20241229
"""The audit's global seed (the date of the fim-attn paper); every check derives its own from it."""


@dataclass(frozen=True)
class AuditProfile:
    """Sizes of one audit profile.

    max_examples: Hypothesis examples per numeric check (each example is a batch of cases).
    max_batch: rows per Hypothesis example.
    max_n: largest vector length (number of logits / keys) drawn.
    max_dense_n: largest n for checks that build and diagonalise dense n x n matrices.
    symbolic_max_n: largest n in exact fixed-n symbolic sweeps.
    mc_samples: Monte-Carlo draws per input in sampling-based checks.
    sympy_seconds: time budget of one check's sympy work (a derivation, a sweep, the exact limits at the corners, one
        certification); running out is INCONCLUSIVE (:mod:`symbolic.budget`).  The slowest symbolic check of the
        seed audit takes about 5 s (default) and 20 s (ci), so the budgets leave a margin of at least 6.
    """

    name: str
    max_examples: int
    max_batch: int
    max_n: int
    max_dense_n: int
    symbolic_max_n: int
    mc_samples: int
    sympy_seconds: float


PROFILES: dict[str, AuditProfile] = {
    profile.name: profile
    for profile in (
        AuditProfile(
            "default",
            max_examples=60,
            max_batch=16,
            max_n=12,
            max_dense_n=64,
            symbolic_max_n=6,
            mc_samples=4096,
            sympy_seconds=60.0,
        ),
        AuditProfile(
            "ci",
            max_examples=150,
            max_batch=32,
            max_n=24,
            max_dense_n=128,
            symbolic_max_n=7,
            mc_samples=8192,
            sympy_seconds=120.0,
        ),
        AuditProfile(
            "thorough",
            max_examples=1000,
            max_batch=256,
            max_n=256,
            max_dense_n=1024,
            symbolic_max_n=9,
            mc_samples=65536,
            sympy_seconds=600.0,
        ),
    )
}


class ConfigurationError(ValueError):
    """A run was asked for with settings this machine cannot honour (no CUDA, unknown profile, ...)."""


def resolve_device(name: str) -> torch.device:
    """Map ``auto|cpu|cuda`` to a device, failing clearly when CUDA is asked for but absent."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigurationError(
                "--device cuda was requested but torch reports no usable CUDA device "
                f"(torch {torch.__version__}, built with CUDA {torch.version.cuda or 'none'})"
            )
        return torch.device("cuda")
    raise ConfigurationError(f"unknown device {name!r}; expected auto, cpu or cuda")


DTYPES = {"float64": torch.float64, "float32": torch.float32}


@dataclass(frozen=True)
class RunContext:
    """Everything a check may depend on besides its own code."""

    profile: AuditProfile
    device: torch.device
    dtype: torch.dtype = torch.float64
    seed: int = DEFAULT_SEED
    audit_seed: int | None = None
    """The global seed a derived context came from (None: this context's own seed is the global one)."""
    training_seeds: int | None = None
    """Seeds per arm of the training campaigns (None: the profile's budget; ``fim-audit experiment --seeds``)."""

    @classmethod
    def create(
        cls,
        profile: str = "default",
        device: str = "cpu",
        dtype: str = "float64",
        seed: int = DEFAULT_SEED,
        training_seeds: int | None = None,
    ) -> "RunContext":
        if profile not in PROFILES:
            raise ConfigurationError(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
        if dtype not in DTYPES:
            raise ConfigurationError(f"unknown dtype {dtype!r}; expected one of {sorted(DTYPES)}")
        if training_seeds is not None and (isinstance(training_seeds, bool) or training_seeds < 2):
            raise ConfigurationError(f"training seeds must be an integer >= 2, got {training_seeds!r}")
        return cls(PROFILES[profile], resolve_device(device), DTYPES[dtype], seed, training_seeds=training_seeds)

    def seed_for(self, *names: str) -> int:
        """A stable 32-bit seed for one check, from the global seed and the check's names.

        crc32 rather than ``hash`` so the value does not change with PYTHONHASHSEED.
        """
        return zlib.crc32(":".join((str(self.seed), *names)).encode())

    def shared_seed(self, *names: str) -> int:
        """A seed for data several checks share (a training campaign, a measured sample): from the audit's
        global seed, so every check, figure and claim that reads it sees the same runs."""
        root = self.seed if self.audit_seed is None else self.audit_seed
        return zlib.crc32(":".join((str(root), *names)).encode())

    def promoted(self, dtype: torch.dtype) -> "RunContext":
        """This context computing in at least ``dtype`` (for checks whose question float32 cannot resolve,
        such as softmax at tau = 1e-9, where z / tau already exceeds float32's resolvable range)."""
        wider = dtype if torch.finfo(dtype).eps < torch.finfo(self.dtype).eps else self.dtype
        return replace(self, dtype=wider)

    def tensor(self, array: Any) -> torch.Tensor:
        """A drawn array in this context's dtype and on its device, with values that are subnormal in that
        dtype flushed to 0.  The strategies draw no float64 subnormals; a tiny float64 draw (8.6e-46) still
        becomes a float32 subnormal, on which float32 LAPACK eigh returned NaN (seed 1 of the float32
        stability run, holistic.block-eigvec), so the no-subnormals policy is enforced in the working dtype."""
        values = torch.as_tensor(array, dtype=self.dtype, device=self.device)
        return torch.where(values.abs() < torch.finfo(self.dtype).tiny, torch.zeros_like(values), values)

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        """Within: compute with one CPU thread (:func:`numeric.threads.one_thread`), as every check does: float
        reductions split across threads sum in a thread-count-dependent order, and a process beside others (audit
        workers, pytest-xdist) whose torch kept one OpenMP thread per core spun at barriers for cores the others
        held: Monte Carlo checks took 20-35 times longer."""
        return one_thread()

    def exact_work(self) -> "RunContext":
        """The context a symbolic (exact) check runs in: this one in float64 on the CPU, whatever the audit's dtype
        and device, so its outcome depends on the profile and the seed only and is the same in a float32 or a GPU
        audit (the points it draws, corners included, are the float64 ones)."""
        return replace(self, dtype=torch.float64, device=torch.device("cpu"))

    def float64_work(self) -> "RunContext":
        """The context of a check that computes in float64 whatever the audit's dtype (a Monte Carlo estimate of an
        exact expectation): this one in float64, on the same device."""
        return replace(self, dtype=torch.float64)

    def derive(self, *names: str) -> "RunContext":
        """The context one check runs in: same settings, the check's own seed (the global one is kept)."""
        return replace(
            self, seed=self.seed_for(*names), audit_seed=self.seed if self.audit_seed is None else self.audit_seed
        )
