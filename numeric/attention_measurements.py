"""Error distributions of the attn-natgrad approximations on a fixed, seeded sample of attention layers
(attn-natgrad Thm 1 "FIM ~ E[AA^T]", Thm 3 "F^-1 grad L ~ (I + A) grad L", Thm 4 conditioning).

The property checks decide each claim (they search for the worst case); this module measures how wrong the
approximations typically are, for the report's tables and plots.  The sample: for each sharpness s in
SHARPNESS, CASES layers with T = TOKENS tokens of width D, X ~ N(0, 1), W_Q ~ s N(0, 1), W_K ~ N(0, 1), and a
loss direction ~ N(0, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from fim_audit.numeric.attention_fisher import (
    cosine,
    parameter_fisher,
    parameter_fisher_substituted,
    score_fisher_product,
    score_natural_gradient,
)
from fim_audit.numeric.attention_model import attention
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.numeric.search.strategies import AttentionProblem
from fim_audit.numeric.temperature import entropy

SHARPNESS = (0.3, 1.0, 3.0, 10.0)
TOKENS, D, CASES = 8, 3, 256
CONDITIONING_FLOOR = 1e-10
"""mu / L below this is within float64 rounding of a singular H (gamma_(T+8) kappa): its ratio is not reported."""


@dataclass(frozen=True)
class Sample:
    """Per-case measurements (each tensor (len(SHARPNESS), CASES), float64 on the CPU)."""

    entropy: torch.Tensor
    logit_relative_error: torch.Tensor
    logit_sign_mismatch: torch.Tensor
    parameter_relative_error: torch.Tensor
    score_cosine: torch.Tensor
    value_cosine: torch.Tensor
    value_conditioning: torch.Tensor
    """(mu_eff / L_eff) / (mu / L) for H = A^T A and P = I + A: above 1 means the claimed improvement; NaN where
    mu / L <= CONDITIONING_FLOOR (A numerically singular, no rate to improve)."""


def _relative(error: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    return torch.linalg.matrix_norm(error) / torch.linalg.matrix_norm(reference)


def conditioning(matrix: torch.Tensor) -> torch.Tensor:
    """mu / L = min Re(lambda) / max |lambda| of a (possibly non-symmetric) matrix, batched."""
    eigenvalues = torch.linalg.eigvals(matrix)
    return eigenvalues.real.amin(dim=-1) / eigenvalues.abs().amax(dim=-1)


def layers(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The sample (X, W_Q, W_K, h), each of shape (len(SHARPNESS), CASES, ...)."""
    generator = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(len(SHARPNESS), CASES, *shape, generator=generator, dtype=torch.float64)

    sharpness = torch.tensor(SHARPNESS, dtype=torch.float64)[:, None, None, None]
    return normal(TOKENS, D), normal(D, D) * sharpness, normal(D, D), normal(TOKENS)


def sharp_problems(seed: int, count: int) -> list[AttentionProblem]:
    """The first ``count`` layers of the sample at the sharpest level, as explicit inputs for a property search
    (negative cosines of Thm 3 live in sharp rows of layers larger than Hypothesis' typical draw)."""
    x, w_q, w_k, h = (v[-1, :count].numpy() for v in layers(seed))
    return [AttentionProblem(*parts) for parts in zip(x, w_q, w_k, h, strict=True)]


def measure(seed: int) -> Sample:
    """Measure every approximation on the seeded sample (float64, CPU; about 20 ms, so each check and figure
    measures it again rather than sharing a cache)."""
    x, w_q, w_k, h = layers(seed)
    a = attention(x, w_q, w_k)
    scale = 1 / math.sqrt(D)
    row = a[..., 0, :]
    fisher = softmax_fisher(row)
    substitute = row[..., :, None] * row[..., None, :]
    off_diagonal = ~torch.eye(TOKENS, dtype=torch.bool)
    mismatch = (torch.sign(fisher) != torch.sign(substitute)) & off_diagonal
    gradient = score_fisher_product(row, h)
    claimed = gradient + (a @ gradient[..., None])[..., 0]
    value_gradient = (a.transpose(-1, -2) @ h[..., None])[..., 0]
    value_fisher = a.transpose(-1, -2) @ a
    value_natural = torch.linalg.lstsq(value_fisher, value_gradient[..., None]).solution[..., 0]
    value_claimed = value_gradient + (a @ value_gradient[..., None])[..., 0]
    parameter_exact = parameter_fisher(x, a, scale)
    preconditioned = (torch.eye(TOKENS, dtype=torch.float64) + a) @ value_fisher
    spectrum = torch.linalg.eigvalsh(value_fisher)
    before = spectrum[..., 0] / spectrum[..., -1]
    improvement = conditioning(preconditioned) / before
    return Sample(
        entropy=entropy(row),
        logit_relative_error=_relative(fisher - substitute, fisher),
        logit_sign_mismatch=mismatch.sum(dim=(-1, -2)) / off_diagonal.sum(),
        parameter_relative_error=_relative(
            parameter_exact - parameter_fisher_substituted(x, a, scale), parameter_exact
        ),
        score_cosine=cosine(score_natural_gradient(h), claimed),
        value_cosine=cosine(value_natural, value_claimed),
        value_conditioning=torch.where(before > CONDITIONING_FLOOR, improvement, torch.nan),
    )


def summary(values: torch.Tensor, *, worst: str = "max") -> str:
    """'median m [p10, p90], worst w' over every case (NaN cases left out and counted), and the median per
    sharpness."""
    flat = values.flatten()
    left_out = int(flat.isnan().sum())
    flat = flat[~flat.isnan()]
    q = torch.quantile(flat, torch.tensor([0.1, 0.5, 0.9], dtype=flat.dtype))
    extreme = flat.max() if worst == "max" else flat.min()
    per = ", ".join(f"s={s:g}: {float(v.nanmedian()):.3g}" for s, v in zip(SHARPNESS, values, strict=True))
    dropped = f", {left_out} singular left out" if left_out else ""
    return (
        f"median {float(q[1]):.3g} [p10 {float(q[0]):.3g}, p90 {float(q[2]):.3g}], worst {float(extreme):.3g} over "
        f"{flat.numel()} layers{dropped} (median by sharpness {per})"
    )
