"""Claims of "Fisher Information Matrix Approximation for Attention Distribution" (fim-attn, seed
002_4ba62ecdb41e3767.txt): the softmax Jacobian and the FIM decomposition of Theorem 1.

Each formula is typed once, as an entry kernel ``kernel(x_i, x_j, delta_ij)`` that evaluates both on torch
tensors and on sympy expressions; the check sets of :mod:`claims.softmax_checks` decide it.
"""

from __future__ import annotations

from claims.model import Claim, Formalization, Source
from claims.softmax_checks import (
    fisher_decomposition_checks,
    inner_expectation_checks,
    score_chain_checks,
    softmax_derivative_checks,
)

PAPER = "fim-attn"
SEED_FILE = "002_4ba62ecdb41e3767.txt"


def softmax_jacobian_entry(s_i, s_j, delta_ij):
    """Lemma 1: d sigma_i / d z_j = sigma_i (delta_ij - sigma_j)."""
    return s_i * (delta_ij - s_j)


def log_softmax_gradient_entry(s_i, s_j, delta_ij):
    """Theorem 1, proof step 2: (grad_z log sigma_i)_j = (e_i - sigma)_j = delta_ij - sigma_j."""
    return delta_ij - s_j


def categorical_covariance_entry(a_i, a_j, delta_ij):
    """Theorem 1, proof step 4: (diag(a) - a a^T)_ij = delta_ij a_i - a_i a_j."""
    return delta_ij * a_i - a_i * a_j


def _source(where: str, statement: str) -> Source:
    return Source(PAPER, SEED_FILE, where, statement)


LEMMA1 = Claim(
    id="fim-attn.lemma1",
    source=_source(
        "Lemma 1 (Softmax Gradient)",
        r"For the softmax function  $\sigma : \mathbb{R}^n \rightarrow \Delta^{n-1}$  defined as  "
        r"$\sigma_i(z) = \frac{\exp(z_i)}{\sum_j \exp(z_j)}$ , the gradient with respect to logits is: "
        r"$$\frac{\partial \sigma_i}{\partial z_j} = \sigma_i(\delta_{ij} - \sigma_j)$$ "
        r"where  $\delta_{ij}$  is the Kronecker delta.",
    ),
    formalizations=(
        Formalization(
            "jacobian-entries",
            "For every n >= 1, every z in R^n and all 1 <= i, j <= n: d sigma_i / d z_j (z) = "
            "sigma_i(z) (delta_ij - sigma_j(z)), where sigma_i(z) = exp(z_i) / sum_k exp(z_k).",
            softmax_derivative_checks(softmax_jacobian_entry, "softmax"),
        ),
    ),
)

THM1_SCORE = Claim(
    id="fim-attn.thm1-score",
    source=_source(
        "Theorem 1, proof step 2 (Log-likelihood Gradient)",
        r"$$\begin{aligned}\nabla_\theta \log f_i(x, \theta) &= \nabla_z \log f_i(x, \theta) \cdot "
        r"\frac{\partial z}{\partial \theta} \\ &= (e_i - a)^\top \frac{\partial z}{\partial \theta}"
        r"\end{aligned}$$ where  $e_i$  is the  $i$ -th standard basis vector.",
    ),
    formalizations=(
        Formalization(
            "logit-space",
            "For every n >= 1, z in R^n and outcome i: grad_z log sigma_i(z) = e_i - sigma(z), i.e. "
            "d log sigma_i / d z_j = delta_ij - sigma_j(z).",
            softmax_derivative_checks(log_softmax_gradient_entry, "log_softmax"),
        ),
        Formalization(
            "parameter-space",
            "For every smooth logit map z(x, theta) in R^n, input x and outcome i, with "
            "a = sigma(z(x, theta)): grad_theta log a_i = (dz/dtheta)^T (e_i - a).",
            score_chain_checks(log_softmax_gradient_entry),
        ),
    ),
)

THM1_INNER = Claim(
    id="fim-attn.thm1-inner",
    source=_source(
        "Theorem 1, proof step 4 (Inner Expectation)",
        r"$$\begin{aligned} \mathbb{E}_{i \sim f(x, \theta)}[(e_i - a)(e_i - a)^\top] &= \sum_i a_i "
        r"(e_i - a)(e_i - a)^\top \\ &= \sum_i a_i e_i e_i^\top - \sum_i a_i e_i a^\top - \sum_i a_i a "
        r"e_i^\top + \sum_i a_i a a^\top \\ &= \text{diag}(a) - a a^\top - a a^\top + a a^\top \\ &= "
        r"\text{diag}(a) - a a^\top \end{aligned}$$",
    ),
    formalizations=(
        Formalization(
            "simplex",
            "For every n >= 1 and every probability vector a in the simplex Delta^(n-1) (a >= 0, sum a = 1): "
            "sum_i a_i (e_i - a)(e_i - a)^T = diag(a) - a a^T.",
            inner_expectation_checks(categorical_covariance_entry, "simplex"),
        ),
    ),
)

THM1 = Claim(
    id="fim-attn.thm1",
    source=_source(
        "Theorem 1 (FIM Decomposition)",
        r"Let  $f$  be an attention mechanism as defined above, satisfying standard regularity conditions. "
        r"Then the Fisher Information Matrix with respect to parameters  $\theta$  can be decomposed as: "
        r"$$FIM_\theta = \mathbb{E}_{x \sim \mathcal{X}} \left[ \left( \frac{\partial z}{\partial \theta} "
        r"\right)^\top (diag(a) - aa^\top) \left( \frac{\partial z}{\partial \theta} \right) \right]$$",
    ),
    formalizations=(
        Formalization(
            "categorical-fisher",
            "Let z(x, theta) in R^n be smooth in theta, a = sigma(z(x, theta)) and x ~ X any input "
            "distribution. The Fisher information of the model i ~ Categorical(a), FIM_theta = E_x E_(i~a)"
            "[grad_theta log a_i grad_theta log a_i^T] (proof step 1), equals "
            "E_x[(dz/dtheta)^T (diag(a) - a a^T) dz/dtheta].",
            fisher_decomposition_checks(categorical_covariance_entry),
        ),
    ),
)

CLAIMS = (LEMMA1, THM1_SCORE, THM1_INNER, THM1)
