"""Adam for a stack of models (:mod:`numeric.training.tiny_gpt`) with a learning rate per model, so that one stack
can train a learning-rate grid: the selection runs of :func:`numeric.training.experiments.optimizer_sweep` (one per
rate) train as one stack per optimizer instead of one stack per rate (3 stacks instead of 18 at the default size).

Each parameter carries the models on its leading axis.  The models are cut into blocks of consecutive models with
one rate (:func:`rate_blocks`), and every block is stepped by ``torch.optim.adam.adam``, the function
``torch.optim.Adam.step`` calls, on its slices of the parameters, their gradients and their moments, with step
counts of its own.  Every operation of that step is elementwise, so each model steps bit for bit as
``torch.optim.Adam`` steps it alone (tests/test_training.py compares the two).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch.optim.adam import adam


def rate_blocks(lrs: Sequence[float]) -> list[tuple[slice, float]]:
    """The models of a stack as (slice of models, rate) blocks of consecutive models with one rate each."""
    if not lrs:
        raise ValueError("a stack needs at least one learning rate")
    starts = [m for m in range(len(lrs)) if m == 0 or lrs[m] != lrs[m - 1]]
    return [(slice(start, end), lrs[start]) for start, end in zip(starts, [*starts[1:], len(lrs)])]


class StackedAdam(torch.optim.Optimizer):
    """``torch.optim.Adam`` (its default betas and eps, no weight decay) for a stack of models, model m at rate
    ``lrs[m]``."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lrs: Sequence[float]) -> None:
        super().__init__(params, {"betas": (0.9, 0.999), "eps": 1e-8})
        self.blocks = rate_blocks(lrs)

    @torch.no_grad()
    def step(self, closure: None = None) -> None:
        if closure is not None:
            raise ValueError("StackedAdam takes no closure")
        for group in self.param_groups:
            params = [param for param in group["params"] if param.grad is not None]
            states = [self.state[param] for param in params]
            for param, state in zip(params, states):
                if not state:
                    state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                    state["steps"] = [torch.tensor(0.0) for _ in self.blocks]
            beta1, beta2 = group["betas"]
            for block, (models, lr) in enumerate(self.blocks):
                adam(
                    [param[models] for param in params],
                    [param.grad[models] for param in params],
                    [state["exp_avg"][models] for state in states],
                    [state["exp_avg_sq"][models] for state in states],
                    [],
                    [state["steps"][block] for state in states],
                    amsgrad=False,
                    beta1=beta1,
                    beta2=beta2,
                    lr=lr,
                    weight_decay=0.0,
                    eps=group["eps"],
                    maximize=False,
                )
