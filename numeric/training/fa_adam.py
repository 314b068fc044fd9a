"""Fisher-Attention-Adam (FA-Adam), the optimizer of attn-natgrad §4.1 (seed 001_181f8bcbd64df2c9.txt), which
tt-fim §4 item 3 (seed 000_1b11466ca2d5adcf.txt) credits with faster convergence than Adam.

The paper's pseudo-code::

    class FisherAttentionAdam(torch.optim.Adam):
        def step(self):
            A = self.get_attention_patterns()
            F_approx = compute_fisher_approximation(A)
            for param in self.parameters():
                grad_nat = solve_system(F_approx, param.grad)
                param.data -= self.lr * grad_nat

leaves every part of the computation unstated.  The choices made here, each the most literal one we found:

* ``get_attention_patterns``: the attention probabilities of the current training batch, recorded by the
  forward pass that produced the gradient (:meth:`numeric.training.tiny_gpt.TinyGPT.attention_patterns`), shape
  (layers, models, batch, heads, T, T): one FA-Adam per model of the stack, each reading its own attention.
* ``compute_fisher_approximation``: attn-natgrad Thm 1's FIM_block ~ E[A A^T], the expectation taken over
  layers and heads, one T x T matrix per sequence b: F_b = mean_(l, h) A_(l,b,h) A_(l,b,h)^T, plus Tikhonov
  damping DAMPING * (tr F_b / T) I.  A causal A is lower triangular with a positive diagonal, so A A^T is
  positive definite, but its smallest eigenvalue falls like 1/T^2 near uniform attention; the damping bounds
  the condition number by 1 + T / DAMPING (every eigenvalue of F_b lies in [0, tr F_b] before the damping).
* ``solve_system(F_approx, param.grad)``: F_approx is T x T and lives on the token axis, while a parameter's
  gradient has no token axis.  The one place the two meet is a linear map applied token by token, y_t = W
  x_t + b, whose gradient is a sum over tokens, grad W = sum_b Delta_b^T X_b (X_b the T x d_in inputs,
  Delta_b the T x d_out output gradients of sequence b).  The system is solved on that token axis: grad_nat W
  = sum_b (F_b^-1 Delta_b)^T X_b and grad_nat b = sum_b 1^T F_b^-1 Delta_b.  F_b^-1 is formed once per step from
  the Cholesky factor of F_b (``torch.cholesky_inverse``) and applied to every layer's Delta_b as a matrix product:
  on the default model a step's nine triangular solves per sequence took 44 ms for a 10-model stack, the inverse
  and the products 9 ms, and the two agree to rounding amplified by cond(F_b) <= 1 + T / DAMPING.
  Every linear map (:class:`numeric.training.tiny_gpt.StackedLinear`: attention projections, MLP, output head:
  95% of the parameters of the default model) is preconditioned this way, so backpropagation need not form
  their plain gradients: FA-Adam marks their weights and biases as not requiring one (backward on a 10-model
  stack: 9.3 s -> 6.9 s over 200 steps; every other gradient is the same to the bit).  Embeddings and LayerNorm
  parameters have no such factorisation and keep their plain gradient (grad_nat = grad).  A model whose F_b has
  no Cholesky factor (its attention went non-finite: the run diverged) gets NaN for grad_nat, so that its
  divergence shows at the next evaluation, while the other models of the stack step on.
* The update: ``moments=False`` is the pseudo-code itself, theta <- theta - lr grad_nat (Adam's moment
  estimates are never used although the class derives from Adam).  ``moments=True`` is the reading of tt-fim
  §4 ("adam preconditioned attention update"): grad_nat replaces the gradient in an ordinary Adam step
  (:class:`numeric.training.stacked_adam.StackedAdam`, which steps each model as ``torch.optim.Adam`` would).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from fim_audit.numeric.training.stacked_adam import StackedAdam
from fim_audit.numeric.training.tiny_gpt import StackedLinear

DAMPING = 1e-2
"""Tikhonov damping relative to the mean eigenvalue tr(F_b) / T."""


def compute_fisher_approximation(attention: torch.Tensor) -> torch.Tensor:
    """F_b = mean over layers and heads of A A^T, damped: (..., batch, T, T) from (layers, ..., batch, heads, T,
    T), the leading ``...`` being the models of a stack.  The sum over layers and heads is one matrix product of
    the heads' rows side by side, [A_1 ... A_LH] [A_1 ... A_LH]^T (for a 10-model stack of the default model 2.2 ms
    per step, where a product per layer and head and their mean took 5.5 ms)."""
    layers, heads = attention.shape[0], attention.shape[-3]
    side_by_side = attention.movedim(0, -3).movedim(-2, -4).flatten(-3)  # (..., batch, T, heads * layers * T)
    fisher = side_by_side @ side_by_side.transpose(-1, -2) / (layers * heads)
    size = fisher.shape[-1]
    scale = fisher.diagonal(dim1=-2, dim2=-1).mean(dim=-1)
    return fisher + DAMPING * scale[..., None, None] * torch.eye(size, dtype=fisher.dtype, device=fisher.device)


class _TokenFactors:
    """Records, for every :class:`StackedLinear` of a model, its input X (models, batch, T, d_in) in the forward
    pass and its output gradient Delta (models, batch, T, d_out) in the backward pass."""

    def __init__(self, model: nn.Module) -> None:
        self.inputs: dict[StackedLinear, torch.Tensor] = {}
        self.output_gradients: dict[StackedLinear, torch.Tensor] = {}
        self.linears = [module for module in model.modules() if isinstance(module, StackedLinear)]
        for module in self.linears:
            module.register_forward_hook(self._record)

    def _record(self, module: StackedLinear, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if not output.requires_grad:
            return
        self.inputs[module] = inputs[0].detach()

        def keep(gradient: torch.Tensor) -> None:
            self.output_gradients[module] = gradient.detach()

        output.register_hook(keep)


def inverse_fisher(fisher: torch.Tensor) -> torch.Tensor:
    """F_b^-1 for every sequence b, from the Cholesky factor of F_b: (..., batch, T, T); NaN for a model whose F_b
    has no Cholesky factor (its attention went non-finite: the run diverged)."""
    factor, failed = torch.linalg.cholesky_ex(fisher)
    factor[failed > 0] = torch.nan
    return torch.cholesky_inverse(factor)


class FisherAttentionAdam(StackedAdam):
    """FA-Adam as documented in this module, model m of the stack at rate ``lrs[m]``; ``attention_patterns``
    returns the current batch's attention."""

    def __init__(
        self,
        model: nn.Module,
        attention_patterns: Callable[[], torch.Tensor],
        lrs: Sequence[float],
        moments: bool,
    ) -> None:
        super().__init__(model.parameters(), lrs)
        self.get_attention_patterns = attention_patterns
        self.moments = moments
        self.factors = _TokenFactors(model)
        for module in self.factors.linears:  # step() sets their gradients (module docstring)
            module.weight.requires_grad_(False)
            module.bias.requires_grad_(False)

    @torch.no_grad()
    def step(self, closure: None = None) -> None:
        if closure is not None:
            raise ValueError("FA-Adam takes no closure: the gradient and attention come from the last forward pass")
        inverse = inverse_fisher(compute_fisher_approximation(self.get_attention_patterns()))
        for module in self.factors.linears:
            if module not in self.factors.output_gradients:
                continue
            solved = inverse @ self.factors.output_gradients[module]  # solve_system(F_approx, grad): F_b^-1 Delta_b
            module.weight.grad = torch.einsum("mbto,mbti->moi", solved, self.factors.inputs[module])
            module.bias.grad = solved.sum(dim=(1, 2))
        self.factors.output_gradients.clear()
        if self.moments:
            super().step()
            return
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    for models, lr in self.blocks:
                        param[models].add_(param.grad[models], alpha=-lr)
