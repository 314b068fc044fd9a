"""The training campaigns of issue 10, shared by the claims they decide (seeds 000-004; see each function).

* :func:`optimizer_sweep`: Adam, FA-Adam (pseudo-code) and FA-Adam (Adam moments) on the character GPT.  Each
  optimizer's learning rate is chosen from the same grid (``lrs``) by the final validation loss of separate
  selection seeds, then each runs from ``seeds`` fresh seeds at its chosen rate (tt-fim.sec4-faster).  The
  Adam runs at the chosen rate are the "standard" runs that the attention measurements read (tt-fim.thm3.1,
  holistic.rg-temperature, fim-attn.prop2).
* :func:`reciprocal_runs`: the Reciprocal Attention model (:mod:`numeric.training.tiny_gpt`) trained by Adam at the
  standard runs' rate from the same seeds, on the same data in the same order (fim-metrics.ra-lower-eigmax).
* :func:`sharp_runs`: the standard model and runs with query and key weights initialised at std
  SHARP_ATTENTION_INIT, so that attention starts sharp instead of uniform (holistic.rg-temperature's adversarial
  initialisation).

Budgets come from the audit profile: ``default`` and ``ci`` train the default model (2 layers x 2 heads,
width 32, context 32; 33k parameters) for 200 steps from 20 seeds per arm (118 runs; about 2 minutes from a cold
cache on a 2-core CPU, trained as stacks over two processes); ``thorough`` trains a 4 x 4, width 128, context 64 model for 2000 steps from 5 seeds (GPU recommended).
Twenty seeds, not five, because five left fim-attn.prop2 and fim-metrics.ra-lower-eigmax to the draw of seeds
(their verdicts flipped between global seeds): at twenty the pooled eigmax difference is resolved to about 1% of
its size and the coupling slope to about 13%.  The seeds of an arm train as one stack of models, and so do an
optimizer's selection runs at every rate of the grid (:func:`runs`); every run is cached on disk
(:mod:`numeric.training.cache`) and in memory.
"""

from __future__ import annotations

import atexit
import functools
import multiprocessing
import multiprocessing.pool
from dataclasses import dataclass, replace
from typing import Any

import torch

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.threads import share_cores, usable_cores
from fim_audit.numeric.training.char_corpus import corpus
from fim_audit.numeric.training import kernels
from fim_audit.numeric.training.cache import cached_entry, exclusive, store
from fim_audit.numeric.training.tiny_gpt import GPTConfig
from fim_audit.numeric.training.loop import OPTIMIZERS, RunSpec, train


@dataclass(frozen=True)
class TrainingBudget:
    """The sizes of one campaign: the model, the run length, the learning-rate grid and the seed counts."""

    length: int
    width: int
    layers: int
    heads: int
    steps: int
    batch: int
    evaluations: int
    validation_windows: int
    metric_windows: int
    lrs: tuple[float, ...]
    selection_seeds: int
    seeds: int


LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
"""Half-decade steps covering every optimizer's best rate at the default size (Adam 3e-3, FA-Adam 1e-1, FA-Adam
with moments 3e-2 in the first measurements), each with a diverging rate above it."""

BUDGETS = {
    "default": TrainingBudget(32, 32, 2, 2, 200, 16, 8, 64, 16, LR_GRID, 1, 20),
    "thorough": TrainingBudget(64, 128, 4, 4, 2000, 32, 20, 256, 32, LR_GRID, 2, 5),
}
BUDGETS["ci"] = BUDGETS["default"]


SHARP_ATTENTION_INIT = 0.5
"""Query and key weight std of :func:`sharp_runs` (the default is 0.02): the normalised attention entropy starts near
0.18 instead of 1.0 on the default model."""


def budget_for(ctx: RunContext) -> TrainingBudget:
    """The profile's budget, with the context's seed count when it sets one (``fim-audit experiment --seeds``: the
    first seeds are the default ones, so their runs come from the cache)."""
    budget = BUDGETS[ctx.profile.name]
    return budget if ctx.training_seeds is None else replace(budget, seeds=ctx.training_seeds)


def _spec(
    budget: TrainingBudget,
    optimizer: str,
    lr: float,
    seed: int,
    reciprocal: bool = False,
    metrics: bool = True,
    attention_init: float = 0.02,
) -> RunSpec:
    config = GPTConfig(
        corpus().vocabulary_size,
        budget.length,
        budget.width,
        budget.layers,
        budget.heads,
        reciprocal=reciprocal,
        attention_init=attention_init,
    )
    return RunSpec(
        config,
        optimizer,
        lr,
        seed,
        budget.steps,
        budget.batch,
        budget.evaluations,
        budget.validation_windows,
        budget.metric_windows if metrics else 0,
    )


def training_processes(device: torch.device) -> int:
    """Processes that train at once: one per usable core on a CPU; one on an accelerator, which takes a whole
    stack at once."""
    return usable_cores() if device.type == "cpu" else 1


def _stacks(specs: list[RunSpec], processes: int) -> list[list[int]]:
    """Indices of ``specs`` grouped into stacks of runs that differ in their seed and learning rate only, each
    stack cut into at most ``processes`` contiguous pieces of near-equal size."""
    groups: dict[RunSpec, list[int]] = {}
    for k, spec in enumerate(specs):
        groups.setdefault(spec.stack_key(), []).append(k)
    pieces = []
    for members in groups.values():
        count = min(processes, len(members))
        pieces += [members[len(members) * j // count : len(members) * (j + 1) // count] for j in range(count)]
    return pieces


def runs(specs: list[RunSpec], device: torch.device) -> list[dict[str, Any]]:
    """Training runs, each from the cache when it holds it.  The others are trained as stacks of models
    (:func:`numeric.training.loop.train`, one per group of runs that differ in their seed and learning rate only),
    spread over :func:`training_processes` spawned processes (each on one thread:
    :func:`numeric.threads.share_cores`, and on the pinned kernels of :mod:`numeric.training.kernels` on a CPU), and
    stored one by one.  A run's log does not depend on the stack it trained in (tests/test_training.py), so neither
    does it depend on the number of processes.  One process trains at a time per cache: another that needs runs
    waits, then reads the ones the first stored (:func:`numeric.training.cache.exclusive`)."""
    logs = [cached_entry("training", _cache_key(spec, device), device) for spec in specs]
    if all(log is not None for log in logs):
        return logs
    with exclusive("training"):
        logs = [log or cached_entry("training", _cache_key(spec, device), device) for log, spec in zip(logs, specs)]
        missing = [k for k, log in enumerate(logs) if log is None]
        for k, log in zip(missing, _train([specs[k] for k in missing], device), strict=True):
            logs[k] = log
    return logs


def _cache_key(spec: RunSpec, device: torch.device) -> dict[str, Any]:
    """What a stored run is looked up by: its specification and, on a CPU, the kernels it trained on."""
    return {**spec.to_json(), "kernels": kernels.label()} if device.type == "cpu" else spec.to_json()


@functools.lru_cache(maxsize=None)
def _training_pool(processes: int) -> multiprocessing.pool.Pool:
    """The spawned processes that train on the CPU, one per usable core, on the pinned kernels
    (:mod:`numeric.training.kernels`): started by the first training that needs them and kept for the next (a
    campaign trains in four calls, and each fresh process paid about 2 s of imports and torch.optim's first use),
    terminated when this process exits."""
    with kernels.pinned_environment():
        pool = multiprocessing.get_context("spawn").Pool(processes, _start_trainer)
    atexit.register(pool.terminate)
    return pool


def _start_trainer() -> None:
    share_cores()
    kernels.pin_this_process()


def _train_pinned(specs: list[RunSpec], device: torch.device) -> list[dict[str, Any]]:
    """One stack trained in a training process, after checking that it runs on the pinned kernels."""
    kernels.check_pinned()
    return train(specs, device)


def _train(specs: list[RunSpec], device: torch.device) -> list[dict[str, Any]]:
    """Train ``specs`` (stacked, in parallel) and store each run's log; the logs in the order of ``specs``."""
    processes = training_processes(device)
    pieces = _stacks(specs, processes)
    tasks = [[specs[k] for k in piece] for piece in pieces]
    if device.type == "cpu":  # always in the pinned processes, even one run on one core
        if multiprocessing.current_process().daemon:
            raise RuntimeError(
                "training runs in spawned processes on pinned CPU kernels (numeric.training.kernels), which a "
                "daemonic process cannot start: run the audit from a process that is not a multiprocessing.Pool "
                "worker (fim-audit run --jobs N starts workers that can)"
            )
        trained = _training_pool(processes).starmap(_train_pinned, [(task, device) for task in tasks])
    else:
        trained = [train(task, device) for task in tasks]
    logs: list[dict[str, Any]] = [{}] * len(specs)
    for piece, piece_logs in zip(pieces, trained, strict=True):
        for k, log in zip(piece, piece_logs, strict=True):
            store("training", _cache_key(specs[k], device), device, log)
            logs[k] = log
    return logs


def seeds(ctx: RunContext, purpose: str, count: int) -> list[int]:
    """``count`` seeds derived from the audit seed, one list per purpose ("selection" or "runs")."""
    return [ctx.shared_seed("training", purpose, str(k)) for k in range(count)]


def final_loss(log: dict[str, Any]) -> float:
    """The last validation loss of a run; +inf for a run that diverged."""
    last = log["val_loss"][-1]
    return float("inf") if last is None or len(log["val_loss"]) < len(log["step"]) else float(last)


@functools.lru_cache(maxsize=4)
def _sweep(budget: TrainingBudget, selection: tuple[int, ...], final: tuple[int, ...], device: str) -> dict:
    where = torch.device(device)
    result: dict[str, Any] = {"budget": budget, "selection_seeds": selection, "seeds": final, "optimizers": {}}
    grid = [(optimizer, lr, seed) for optimizer in OPTIMIZERS for lr in budget.lrs for seed in selection]
    losses = [final_loss(log) for log in runs([_spec(budget, *run, metrics=False) for run in grid], where)]
    chosen = {}
    for optimizer in OPTIMIZERS:
        score = {
            lr: sum(loss for (o, r, _), loss in zip(grid, losses) if (o, r) == (optimizer, lr)) / len(selection)
            for lr in budget.lrs
        }
        chosen[optimizer] = min(budget.lrs, key=score.__getitem__)
        result["optimizers"][optimizer] = {"selection_loss": score, "lr": chosen[optimizer]}
    finals = runs([_spec(budget, o, chosen[o], seed) for o in OPTIMIZERS for seed in final], where)
    for k, optimizer in enumerate(OPTIMIZERS):
        result["optimizers"][optimizer]["runs"] = finals[k * len(final) : (k + 1) * len(final)]
    return result


def optimizer_sweep(ctx: RunContext) -> dict[str, Any]:
    """The sweep of the module docstring for this context's profile, seeds and device."""
    budget = budget_for(ctx)
    return _sweep(
        budget,
        tuple(seeds(ctx, "selection", budget.selection_seeds)),
        tuple(seeds(ctx, "runs", budget.seeds)),
        str(ctx.device),
    )


def standard_runs(ctx: RunContext) -> list[dict[str, Any]]:
    """The Adam runs at Adam's chosen rate: standard attention, one per seed."""
    return optimizer_sweep(ctx)["optimizers"]["adam"]["runs"]


def reciprocal_runs(ctx: RunContext) -> list[dict[str, Any]]:
    """Reciprocal Attention runs paired with :func:`standard_runs` (same seeds, data order and rate)."""
    sweep = optimizer_sweep(ctx)
    lr = sweep["optimizers"]["adam"]["lr"]
    return runs([_spec(sweep["budget"], "adam", lr, seed, reciprocal=True) for seed in sweep["seeds"]], ctx.device)


def sharp_runs(ctx: RunContext) -> list[dict[str, Any]]:
    """The standard runs (same seeds, data order and rate) from a sharp initialisation (SHARP_ATTENTION_INIT)."""
    sweep = optimizer_sweep(ctx)
    lr = sweep["optimizers"]["adam"]["lr"]
    return runs(
        [_spec(sweep["budget"], "adam", lr, seed, attention_init=SHARP_ATTENTION_INIT) for seed in sweep["seeds"]],
        ctx.device,
    )


def describe_budget(ctx: RunContext) -> str:
    """The budget in words, for check details."""
    budget = budget_for(ctx)
    drawn = seeds(ctx, "runs", budget.seeds)
    listed = ", ".join(map(str, drawn)) if len(drawn) <= 5 else f"{drawn[0]}, {drawn[1]}, ..., {drawn[-1]}"
    return (
        f"{budget.layers} layers x {budget.heads} heads, width {budget.width}, context {budget.length}, "
        f"{budget.steps} steps of batch {budget.batch}, {len(drawn)} seeds [{listed}]"
    )
