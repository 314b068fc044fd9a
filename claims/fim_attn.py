"""Claims of "Fisher Information Matrix Approximation for Attention Distribution" (fim-attn, seed
002_4ba62ecdb41e3767.txt): the softmax Jacobian and the FIM decomposition of Theorem 1.

Each formula is typed once, as an entry kernel ``kernel(x_i, x_j, delta_ij)`` that evaluates both on torch
tensors and on sympy expressions; the check sets of :mod:`claims.softmax_checks` decide it.
"""

from __future__ import annotations

from functools import partial

from claims.model import Claim, Formalization, Source
from claims.softmax_checks import (
    fisher_decomposition_checks,
    inner_expectation_checks,
    score_chain_checks,
    softmax_derivative_checks,
)
from numeric import fisher_model_checks
from symbolic import fisher_models
from symbolic.exact import derivation_check, sweep_check

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


_source = partial(Source, PAPER, SEED_FILE)


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

QK_SYMMETRY_MAX_N = 3
"""Tokens in the exact check of the QK scaling symmetry (its cost grows with the symbolic token count)."""

DEF2_PD = Claim(
    id="fim-attn.def2-pd",
    source=_source(
        "Def. 2 item 3 (Positive Definiteness), with Thm 2 item 2 (full row rank)",
        r"3. **Positive Definiteness:** The FIM satisfies  $\lambda_{\min}(\text{FIM}_\theta) \geq \mu > 0$  for "
        r"some  $\mu$",
    ),
    formalizations=(
        Formalization(
            "expected-over-inputs",
            "There are a smooth logit map z(x, theta) whose Jacobian dz/dtheta has full row rank at every input, a "
            "parameter theta and an input distribution such that Thm 1's FIM_theta = E_x[J^T (diag a - a a^T) J] has "
            "lambda_min >= mu > 0 (with bounded entropy and smoothness, Def. 2 items 1, 2, 4).",
            (
                derivation_check(
                    "sympy: exact Fisher of z = theta * x at theta = 0 over two inputs",
                    fisher_models.expected_witness,
                    catches="a witness whose Fisher is singular after all",
                ),
                fisher_model_checks.positive_definite_witness(
                    "elementwise", several_inputs=True, catches="no positive definite Fisher among such models"
                ),
            ),
            primary=True,
        ),
        Formalization(
            "single-input",
            "For a single input x, a logit map with full-row-rank Jacobian can have "
            "lambda_min(FIM_theta(x)) >= mu > 0.",
            (
                derivation_check(
                    "sympy: M 1 = 0 (symbolic n) and J w = 1 give a null vector of J^T M J",
                    fisher_models.single_input_impossible,
                    catches="a single-input Fisher that is positive definite",
                ),
                *(
                    fisher_model_checks.positive_definite_witness(
                        name, several_inputs=False, catches="a positive definite single-input Fisher"
                    )
                    for name in ("elementwise", "linear", "mlp", "attention")
                ),
            ),
        ),
        Formalization(
            "logit-space",
            "In logit space, FIM_z = diag(a) - a a^T can have lambda_min >= mu > 0.",
            (
                derivation_check(
                    "sympy: M 1 = 0 for every a, symbolic n",
                    fisher_models.logit_space_impossible,
                    catches="a logit-space Fisher that is positive definite",
                ),
                fisher_model_checks.logit_space_witness(catches="a positive definite diag(a) - a a^T"),
            ),
        ),
        Formalization(
            "qk-attention",
            "For attention scores z_j = <x_0 W_Q, x_j W_K> / sqrt(k) with theta = (W_Q, W_K), some input distribution "
            "and theta give lambda_min(FIM_theta) >= mu > 0.",
            (
                derivation_check(
                    "sympy: the GL(k) scaling direction (W_Q, -W_K) is in the kernel of every J_x",
                    lambda: fisher_models.qk_attention_impossible(QK_SYMMETRY_MAX_N),
                    catches="QK attention with a positive definite Fisher",
                ),
                fisher_model_checks.positive_definite_witness(
                    "attention", several_inputs=True, catches="a positive definite QK-attention Fisher"
                ),
            ),
        ),
    ),
    notes="Primary reading: the paper's own objects, Thm 1's FIM_theta (an expectation over inputs) of a general "
    "logit map (Def. 1). There the condition is attainable, but only because the average over varied inputs removes "
    "the null direction every single input has. It is impossible for a single input, in logit space, and for QK "
    "attention parameterised by (W_Q, W_K) (and likewise for linear and MLP scorers with a bias, whose shared shift "
    "of all logits is a null direction). Whether one mu can hold for all theta in R^p, as Thm 2's analysis needs, is "
    "not decided here: for the witness family lambda_min tends to 0 as |theta| grows and attention saturates.",
)

MULTIHEAD_MAX_N = 3
"""Outcomes per head in the exact two-head sweeps (the joint Fisher has n^2 terms)."""

INDEPENDENT_HEADS = (
    sweep_check(
        "sympy: Fisher of two independent heads vs sum over heads, arbitrary z(theta), exact for each n",
        lambda n: fisher_models.independent_heads_instance(categorical_covariance_entry, n),
        "joint Fisher of independent heads vs per-head sum",
        catches="cross terms between heads that do not vanish",
        scope="every pair of smooth logit maps sharing theta (arbitrary n x 2 Jacobians)",
        max_n=MULTIHEAD_MAX_N,
    ),
    fisher_model_checks.independent_heads_vs_sum(
        categorical_covariance_entry, catches="a joint Fisher that is not the per-head sum"
    ),
)

C4_MULTIHEAD = Claim(
    id="fim-attn.c4-multihead",
    source=_source(
        "App. C.4 (Connection to FIM)",
        r"Our earlier FIM decomposition can be reinterpreted in this framework: $$\text{FIM}_\theta = \sum_\Lambda "
        r"\mathbb{E} \left[ \left( \frac{\partial \phi_\Lambda}{\partial \theta} \right)^\top M_\Lambda "
        r"\left( \frac{\partial \phi_\Lambda}{\partial \theta} \right) \right]$$ where  $M_\Lambda = "
        r"\text{diag}(a_\Lambda) - a_\Lambda a_\Lambda^T$  now represents the metric at scale  $\Lambda$ .",
    ),
    formalizations=(
        Formalization(
            "independent-heads",
            "If the heads' attention indices are drawn independently, (i_1, ..., i_H) ~ a_1 x ... x a_H (parameters "
            "shared or not), the Fisher of that joint model is sum_h E[J_h^T (diag a_h - a_h a_h^T) J_h].",
            INDEPENDENT_HEADS,
        ),
        Formalization(
            "mixture",
            "For a single attention distribution built from the heads, the mixture a = (a_1 + a_2) / 2, the Fisher "
            "of that categorical is sum_h E[J_h^T (diag a_h - a_h a_h^T) J_h].",
            (
                sweep_check(
                    "sympy: Fisher of the mixture of two heads vs sum over heads, exact for each n",
                    lambda n: fisher_models.mixture_instance(categorical_covariance_entry, n),
                    "mixture Fisher vs per-head sum",
                    catches="a mixture whose Fisher is not the per-head sum",
                    max_n=MULTIHEAD_MAX_N,
                ),
                fisher_model_checks.mixture_vs_sum(
                    categorical_covariance_entry, catches="a mixture Fisher that differs from the per-head sum"
                ),
            ),
        ),
    ),
    correction=Formalization(
        "product-model",
        "The multi-head FIM is the sum of per-head terms exactly when the heads are modelled as independent "
        "categorical draws (a product model); it is not for a single distribution combining the heads (e.g. their "
        "mixture), nor for the model's output through W^O, whose Fisher involves W^O and the value vectors.",
        INDEPENDENT_HEADS,
    ),
    notes="App. C.4 does not say which joint distribution of the heads its FIM belongs to; the readings disagree.",
)

CLAIMS = (LEMMA1, THM1_SCORE, THM1_INNER, THM1, DEF2_PD, C4_MULTIHEAD)
