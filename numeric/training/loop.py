"""One training run of the character GPT (:mod:`numeric.training.tiny_gpt`) on the bundled text
(:mod:`numeric.training.char_corpus`), logging validation loss, training wall time and per-head attention metrics.

Training runs in float32 (what language models are trained in; on the default model a float64 step costs
2.0x a float32 step and gives the same validation loss to 1e-7); every metric is computed in float64 from
the recorded float32 attention rows, each renormalised to sum 1 after the cast.  A run is fixed by its
:class:`RunSpec`: the seed draws the initial weights and, through its own generator, the training batches,
so two optimizers with the same seed see the same initial model and the same data in the same order.

:func:`train` runs several specifications that differ only in their seed and learning rate as one stack of
models (:mod:`numeric.training.tiny_gpt`), one batched step for all of them: each model's log is the one it has when
trained alone (tests/test_training.py compares a stack with its models run one by one, bit for bit), and the
wall time of each step is shared equally among the models.

The attention metrics of each evaluation, per layer and head, averaged over the metric windows (rows i >= 1,
the queries that see at least two keys):

* ``entropy``: H(a_i) / log(i + 1), the entropy as a fraction of its maximum (1 = uniform over the past);
* ``eigmax``, ``trace``, ``energy_r8``, ``energy_r16``: the fim-metrics doc's FIM metrics of each row, F =
  diag(a_i) - a_i a_i^T (tau = 1 on the already scaled scores), from :mod:`numeric.fisher_spectrum`;
* ``distance``: ||A - F||_F with A the T x T attention matrix and F = (1/T) sum_i (diag(a_i) - a_i a_i^T) its
  FIM block of the same shape (tt-fim §3.1), computed as diag(mean_i a_i) - A^T A / T
  (:func:`numeric.pooled_fisher.pooled_fisher`), and ``lambda_2``: the second smallest eigenvalue of F (its
  smallest is 0, with eigenvector 1);
* ``span``: sum_j a_ij (i - j), the mean distance attended over (the head's "scale" in fim-attn App. C);
* ``correlation``: the Pearson correlation between the attention maps of every pair of heads (all layers),
  over the causal entries of rows i >= 1 of the metric windows.

At the end of a run with metrics, ``knlp`` holds the fim-metrics doc's own measurement (:func:`knlp_measurements`):
per layer, the pooled metrics of what its code records, on KNLP_BATCH x T uniformly random tokens, beside the exact
pooled metrics of the layer's attention rows on the same tokens.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Sequence

import torch

from fim_audit.numeric.training.char_corpus import corpus
from fim_audit.numeric.training.fa_adam import FisherAttentionAdam
from fim_audit.numeric.training.stacked_adam import StackedAdam
from fim_audit.numeric.fisher_spectrum import fisher_metrics
from fim_audit.numeric.pooled_fisher import knlp_fisher_metrics, pooled_fisher, pooled_fisher_metrics
from fim_audit.numeric.temperature import entropy
from fim_audit.numeric.threads import one_thread
from fim_audit.numeric.training.tiny_gpt import GPTConfig, TinyGPT, build

OPTIMIZERS = ("adam", "fa-adam", "fa-adam-moments")
"""Adam; FA-Adam as the pseudo-code (theta -= lr grad_nat); FA-Adam with Adam's moments on grad_nat."""
HEAD_METRICS = ("entropy", "eigmax", "trace", "energy_r8", "energy_r16", "distance", "lambda_2", "span")
KNLP_BATCH = 4
"""Sequences of uniformly random tokens the doc's code measures on (knlp ra.py: 4 x 128 at its context 128)."""
KNLP_METRICS = ("eigmax", "trace", "energy_r8", "energy_r16")


@dataclass(frozen=True)
class RunSpec:
    """Everything one run depends on besides the device."""

    config: GPTConfig
    optimizer: str
    lr: float
    seed: int
    steps: int
    batch: int
    evaluations: int
    validation_windows: int
    metric_windows: int
    """Validation windows whose attention metrics each evaluation records (0: none, loss only)."""

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; expected one of {OPTIMIZERS}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def stack_key(self) -> RunSpec:
        """What the runs of one stack (:func:`train`) share: everything but the seed and the learning rate."""
        return replace(self, seed=0, lr=0.0)


def evaluation_steps(steps: int, evaluations: int) -> list[int]:
    """Step 0 and ``evaluations`` evenly spaced steps up to ``steps``."""
    return sorted({round(k * steps / evaluations) for k in range(evaluations + 1)})


def _optimizer(specs: Sequence[RunSpec], model: TinyGPT) -> torch.optim.Optimizer:
    """One optimizer for the whole stack, each model at its own rate: every update is elementwise (Adam) or per
    model (FA-Adam), so each model steps as it would alone."""
    optimizer, lrs = specs[0].optimizer, [spec.lr for spec in specs]
    if optimizer == "adam":
        return StackedAdam(model.parameters(), lrs)
    return FisherAttentionAdam(model, model.attention_patterns, lrs, moments=optimizer.endswith("moments"))


def attention_metrics(attention: torch.Tensor) -> dict[str, Any]:
    """The per-head metrics of the module docstring from (layers, batch, heads, T, T) attention probabilities:
    each of HEAD_METRICS as a (layers, heads) list, and ``correlation`` as a (layers*heads)^2 list."""
    rows = attention.double()
    rows = rows / rows.sum(dim=-1, keepdim=True)
    length = rows.shape[-1]
    later = rows[..., 1:, :]
    support = torch.arange(2, length + 1, dtype=rows.dtype, device=rows.device)
    fisher = fisher_metrics(later)
    block = pooled_fisher(rows)
    offsets = torch.arange(length, device=rows.device)
    lag = (offsets[:, None] - offsets[None, :]).clamp(min=0).to(rows.dtype)
    values = {
        "entropy": entropy(later) / support.log(),
        **{name: fisher[name] for name in ("eigmax", "trace", "energy_r8", "energy_r16")},
        "distance": torch.linalg.matrix_norm(rows - block)[..., None],
        "lambda_2": torch.linalg.eigvalsh(block)[..., 1:2],
        "span": (later * lag[1:]).sum(dim=-1),
    }
    summary = {name: value.mean(dim=(1, 3)).tolist() for name, value in values.items()}
    mask = torch.ones(length, length, dtype=torch.bool, device=rows.device).tril()
    mask[0] = False
    maps = rows.permute(0, 2, 1, 3, 4)[..., mask]
    summary["correlation"] = torch.corrcoef(maps.reshape(maps.shape[0] * maps.shape[1], -1)).tolist()
    return summary


def knlp_measurements(
    model: TinyGPT, seeds: Sequence[int], device: torch.device, models: Sequence[int]
) -> list[dict[str, Any]]:
    """The doc's measurement of every layer (module docstring) for each of ``models`` (indices into the stack, whose
    seeds are ``seeds``): model m's on KNLP_BATCH x T tokens drawn uniformly from a generator seeded by
    ``seeds[m]``, 64 rows per head sampled by a second one (knlp_fisher_metrics): ``knlp`` and ``pooled`` map each of KNLP_METRICS to per-layer means over heads;
    ``row_sums`` is each layer's [min, max] row sum of what knlp records (1 for a standard layer, not for a
    reciprocal one) and ``reversed`` whether the layer is a reciprocal one."""
    config = model.config
    tokens = torch.stack(
        [
            torch.randint(0, config.vocabulary, (KNLP_BATCH, config.length), generator=torch.Generator().manual_seed(s))
            for s in seeds
        ]
    ).to(device)
    model(tokens, tokens, record_attention=True)
    recorded, attention = model.knlp_patterns(), model.attention_patterns()
    return [_knlp_measurement(model, recorded[:, m], attention[:, m], seeds[m], device) for m in models]


def _knlp_measurement(
    model: TinyGPT, recorded: torch.Tensor, attention: torch.Tensor, seed: int, device: torch.device
) -> dict[str, Any]:
    config = model.config
    sampler = torch.Generator(device=device).manual_seed(seed)
    result: dict[str, Any] = {"knlp": {m: [] for m in KNLP_METRICS}, "pooled": {m: [] for m in KNLP_METRICS}}
    result["row_sums"] = []
    result["reversed"] = [block.attention.reverse for block in model.blocks]
    for layer in range(config.layers):
        knlp = knlp_fisher_metrics(recorded[layer], generator=sampler)
        rows = attention[layer].transpose(0, 1).reshape(config.heads, -1, config.length)
        exact = pooled_fisher_metrics(rows)
        for metric in KNLP_METRICS:
            result["knlp"][metric].append(knlp[f"{metric}_mean"])
            result["pooled"][metric].append(float(exact[metric].mean()))
        sums = recorded[layer].double().sum(dim=-1)
        result["row_sums"].append([float(sums.min()), float(sums.max())])
    return result


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train(specs: Sequence[RunSpec], device: torch.device) -> list[dict[str, Any]]:
    """Run ``specs`` (equal but for their seeds and learning rates) as one stack and return each one's log
    (JSON-ready): evaluation steps, validation loss, cumulative training seconds (evaluations excluded, each step's
    time shared equally among the models), and the attention metrics of every evaluation.  A run whose validation
    loss is not finite has diverged: its log ends at that evaluation, with no ``knlp`` measurement.

    On a CPU the runs use one thread: float32 matrix products summed in a thread-count-dependent order give
    results that differ in the last bits, and training amplifies such differences into different runs."""
    if not specs:
        raise ValueError("train needs at least one run specification")
    if len({spec.stack_key() for spec in specs}) > 1:
        raise ValueError("the runs of one stack must differ in their seed and learning rate only")
    with one_thread():
        return _train(specs, device)


def _train(specs: Sequence[RunSpec], device: torch.device) -> list[dict[str, Any]]:
    spec, seeds = specs[0], [s.seed for s in specs]
    data = corpus()
    model = build(spec.config, seeds, torch.float32, device)
    optimizer = _optimizer(specs, model)
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    validation = [t.to(device) for t in data.validation_batch(spec.validation_windows, spec.config.length)]
    probe = [t[: spec.metric_windows] for t in validation]
    record = spec.optimizer != "adam"
    checkpoints = set(evaluation_steps(spec.steps, spec.evaluations))
    logs: list[dict[str, Any]] = [
        {"spec": s.to_json(), "step": [], "val_loss": [], "seconds": [], "metrics": []} for s in specs
    ]
    running = list(range(len(specs)))
    seconds = 0.0
    for step in range(spec.steps + 1):
        if step in checkpoints:
            running = _evaluate(model, spec, validation, probe, step, seconds, logs, running)
            if not running:
                break
        if step == spec.steps:
            if spec.metric_windows:
                model.eval()
                with torch.no_grad():
                    for m, measured in zip(running, knlp_measurements(model, seeds, device, running)):
                        logs[m]["knlp"] = measured
            break
        batches = [data.training_batch(generator, spec.batch, spec.config.length) for generator in generators]
        inputs, targets = (torch.stack(part).to(device) for part in zip(*batches))
        _synchronize(device)
        start = time.perf_counter()
        loss = model(inputs, targets, record_attention=record)
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        _synchronize(device)
        seconds += (time.perf_counter() - start) / len(specs)
    return logs


def _evaluate(
    model: TinyGPT,
    spec: RunSpec,
    validation: list[torch.Tensor],
    probe: list[torch.Tensor],
    step: int,
    seconds: float,
    logs: list[dict[str, Any]],
    running: list[int],
) -> list[int]:
    """Log one evaluation of the models still running; return those whose validation loss stayed finite (a model
    that diverged logs its step with loss None and no metrics: its attention is not a probability any more)."""
    model.eval()
    with torch.no_grad():
        losses = model(*validation).tolist()
        finite = [m for m in running if math.isfinite(losses[m])]
        if spec.metric_windows and finite:
            model(*probe, record_attention=True)
            attention = model.attention_patterns()
            for m in finite:
                logs[m]["metrics"].append(attention_metrics(attention[:, m]))
    model.train()
    for m in running:
        logs[m]["step"].append(step)
        logs[m]["val_loss"].append(losses[m] if m in finite else None)
        logs[m]["seconds"].append(seconds)
    return finite
