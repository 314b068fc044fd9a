"""Claims of "Holistic Theory of Attention" (holistic, seed 003_8fecc945588cd2d1.txt): the FIM as a second
derivative of the log-likelihood (§2.1) and the eigen-structure of block-diagonal matrices (§2.4, §3.1)."""

from __future__ import annotations

from claims.fim_attn import categorical_covariance_entry
from claims.model import Claim, Formalization, Source
from claims.softmax_checks import LOGIT_MAPS
from numeric import hessian_checks
from symbolic import hessians
from symbolic.exact import derivation_check, sweep_check

PAPER = "holistic"
SEED_FILE = "003_8fecc945588cd2d1.txt"

SECOND_ORDER_MAX_N = 5
"""Exact sweeps with second derivatives of arbitrary logit maps stop here (each n adds 5 symbols per logit)."""


def _source(where: str, statement: str) -> Source:
    return Source(PAPER, SEED_FILE, where, statement)


FIM_SECOND_DERIVATIVE = Claim(
    id="holistic.fim-second-derivative",
    source=_source(
        "§2.1 Fisher Information in Attention",
        "The **Fisher Information Matrix (FIM)**, which measures the **sensitivity** of model predictions to "
        "parameter changes, can be computed by taking the second derivative of the **log-likelihood** of the "
        "attention distribution.",
    ),
    formalizations=(
        Formalization(
            "expected-hessian",
            "For every smooth logit map z(x, theta), input x and a = softmax(z): FIM_theta(x) = E_(i~a)[grad log a_i "
            "grad log a_i^T] = -E_(i~a)[Hess_theta log a_i] (the negative expected second derivative).",
            (
                sweep_check(
                    "sympy: Fisher = -E[Hessian of log p_i], arbitrary z(theta), exact for each n",
                    hessians.expected_hessian_instance,
                    "Fisher vs -E[Hess log p_i], z arbitrary",
                    catches="a second-derivative form that differs from the Fisher for some smooth model",
                    scope="every smooth logit map z(x, theta), any number of parameters (an entry involves two)",
                    max_n=SECOND_ORDER_MAX_N,
                ),
                *(
                    hessian_checks.parameter_hessian_vs_fisher(
                        name, observed=False, catches="-E[Hessian] off the Fisher by more than rounding"
                    )
                    for name in LOGIT_MAPS
                ),
            ),
            primary=True,
        ),
        Formalization(
            "observed-logit-space",
            "In logit space (theta = z): for every n, z and every observed outcome i, -Hess_z log sigma_i(z) = "
            "diag(sigma) - sigma sigma^T = FIM_z (the observed information equals the Fisher, whatever i is).",
            (
                derivation_check(
                    "sympy: -Hessian of log sigma_i in z, symbolic n",
                    lambda: hessians.log_softmax_hessian_general_n(categorical_covariance_entry),
                    catches="a logit-space Hessian that depends on i or differs from diag(sigma) - sigma sigma^T",
                ),
                hessian_checks.logit_hessian_vs_formula(
                    categorical_covariance_entry, catches="a logit Hessian off the formula by more than rounding"
                ),
            ),
        ),
        Formalization(
            "observed-parameter-space",
            "For every smooth logit map z(x, theta), input x and every observed outcome i: -Hess_theta log a_i = "
            "FIM_theta(x) (the observed information equals the Fisher without taking the expectation over i).",
            (
                sweep_check(
                    "sympy: Fisher = -Hessian of log p_1 (one observed outcome), arbitrary z(theta), exact for each n",
                    hessians.observed_hessian_instance,
                    "Fisher vs -Hess log p_1, z arbitrary",
                    catches="models with curved logits, where -Hess log a_i = FIM + sum_k (a - e_i)_k Hess z_k",
                    max_n=SECOND_ORDER_MAX_N,
                ),
                *(
                    hessian_checks.parameter_hessian_vs_fisher(
                        name, observed=True, catches="an observed Hessian off the Fisher by more than rounding"
                    )
                    for name in LOGIT_MAPS
                ),
            ),
        ),
    ),
    notes="Primary reading: the standard identity FIM = -E[second derivative of the log-likelihood], which is how "
    "shared/CLAIMS.md states the claim; the sentence itself omits the sign and the expectation. Without the "
    "expectation it holds in logit space but fails in parameter space whenever the logits are curved in theta "
    "(MLP scorers, and QK attention scores, which are bilinear in W_Q, W_K).",
)

CLAIMS = (FIM_SECOND_DERIVATIVE,)
