"""Claims of "Attention as Natural Gradient" (attn-natgrad, seed 001_181f8bcbd64df2c9.txt): the score gradient
and "FIM ~ E[AA^T]" of Theorem 1, the blocks of Theorem 2, "F^-1 grad L ~ (I + A) grad L" of Theorem 3 and the
conditioning of Theorem 4, on the explicit attention layer of numeric.attention_model.

Each "~" is read in its weakest meaningful form (relative error below 1, an acute angle, no worse conditioning),
so that a refutation does not hang on a tolerance; the measured distributions sit in each check's detail and in
the figures.
"""

from __future__ import annotations

from functools import partial

from fim_audit.claims.builders import monotone, op, probabilities, space
from fim_audit.claims.model import Claim, Figure, Formalization, Source
from fim_audit.claims.checks import attention as attention_checks
from fim_audit.symbolic import attention_natgrad
from fim_audit.claims.builders.primitives import derivation_check, sweep_check

PAPER = "attn-natgrad"
SEED_FILE = "001_181f8bcbd64df2c9.txt"

_source = partial(Source, PAPER, SEED_FILE)

GRADIENT_SWEEP_MAX_T = 4
"""Tokens in the exact sweep of the corrected gradient (d = 2; the canonical forms grow quickly with T)."""

THM1_GRADIENT = Claim(
    id="attn-natgrad.thm1-gradient",
    source=_source(
        "Thm 1, proof",
        r"$$P(i \rightarrow j) = \text{softmax}(q_i^T k_j / \sqrt{d})$$ $$\begin{aligned}\nabla_{\theta} \log P(i "
        r"\rightarrow j) &= \nabla_{\theta} (q_i^T k_j / \sqrt{d} - \log Z) \\ &= X^T (I - A) X\end{aligned}$$",
    ),
    formalizations=tuple(
        Formalization(
            f"theta-{parameter}",
            f"With q_i = W_Q^T x_i, k_j = W_K^T x_j (W_Q, W_K of size d x k, k = d so that the shapes agree) and "
            "theta = "
            f"{parameter}{' = W_Q W_K^T' if parameter == 'W' else ''}: for all X, theta and every pair (i, j), "
            "grad_theta log P(i -> j) = X^T (I - A) X.",
            (
                derivation_check(
                    f"sympy: every pair's gradient at {parameter} = 0 against X^T (I - A) X (T = 3, d = 2)",
                    lambda parameter=parameter: attention_natgrad.pair_gradient_counterexample(parameter),
                    catches="a pair gradient of rank one claimed equal to a rank-two matrix",
                ),
                attention_checks.gradient_as_claimed(parameter, catches="any pair (i, j) where autograd differs"),
            ),
        )
        for parameter in attention_checks.PARAMETERS
    ),
    correction=Formalization(
        "pair-and-diagonal-gradients",
        "grad_W log P(i -> j) = (1/sqrt(k)) x_i (x_j - X^T a_i)^T = (1/sqrt(k)) x_i (e_j - a_i)^T X, a rank-one "
        "matrix for each pair (through W_Q: times W_K; through W_K: its transpose times W_Q).  X^T (I - A) X is "
        "sqrt(k) "
        "times the gradient of sum_i log A_ii, the log-likelihood of every token attending to itself: "
        "grad_W sum_i log P(i -> i) = (1/sqrt(k)) X^T (I - A) X.",
        (
            sweep_check(
                "sympy: grad_W sum_i log A_ii and grad_W log P(0 -> T-1), symbolic X, W and scale, exact for each T",
                attention_natgrad.gradient_identity_instance,
                "closed forms of the score gradients",
                catches="a wrong chain rule, a missing 1/sqrt(k), a transposed outer product",
                scope="d = 2, every X, W and scale c > 0",
                max_n=GRADIENT_SWEEP_MAX_T,
            ),
            attention_checks.gradient_closed_forms(catches="a pair gradient or diagonal sum off its closed form"),
        ),
    ),
    notes="The statement's left side depends on the pair (i, j) and is a d x d rank-one matrix in W (d x k in W_Q or "
    "W_K); the right side depends on neither and has rank up to min(d, T - 1).  No reading of theta makes them equal: "
    "at theta = 0 with three tokens the right side has rank 2.  The expression is, up to 1/sqrt(k), the gradient of "
    "the self-attention log-likelihood sum_i log A_ii.",
)

THM1_APPROX = Claim(
    id="attn-natgrad.thm1-approx",
    source=_source(
        "Thm 1 (FIM Approximation)",
        r"For an attention layer with patterns  $A$ : $$\begin{aligned} \text{FIM\_block} &= E[\nabla \log P(A) \nabla "
        r"\log P(A)^T] \\ &\approx E[A A^T] \end{aligned}$$",
    ),
    formalizations=(
        Formalization(
            "logit-space",
            "For every query row a (the categorical model j ~ a over the keys), the Fisher in the scores, M = E_j[(e_j "
            "- a)(e_j - a)^T] = diag(a) - a a^T, is approximated by a a^T: ||M - a a^T||_F <= ||M||_F (relative error "
            "below 1; at or above 1 the zero matrix approximates M as well).",
            (
                derivation_check(
                    "sympy: ||M - aa^T||_F^2 - ||M||_F^2 at uniform a, symbolic n",
                    attention_natgrad.logit_fisher_not_approximated,
                    catches="an approximation worse than the zero matrix",
                ),
                attention_checks.logit_fisher_approximation(catches="rows where aa^T is farther from M than 0 is"),
            ),
        ),
        Formalization(
            "parameter-space",
            "In theta = vec W, the exact Fisher of the rows' categorical models, F_W = (1/k) sum_i (x_i x_i^T) kron "
            "(X^T M_i X) (fim-attn Thm 1), is approximated by G_W, the same with a_i a_i^T for M_i: ||F_W - G_W||_F "
            "<= ||F_W||_F.",
            (
                derivation_check(
                    "sympy: F_W and G_W at W = 0, X = (1, 2)^T",
                    attention_natgrad.parameter_fisher_not_approximated,
                    catches="an approximation worse than the zero matrix",
                ),
                attention_checks.parameter_fisher_approximation(catches="layers where G_W is farther from F_W than 0"),
            ),
        ),
    ),
    figures=(
        Figure(
            "relative-error-against-entropy",
            "Relative Frobenius error of aa^T for diag(a) - aa^T (logit space) and of G_W for F_W (vec W) against the "
            "entropy of the query row, on the fixed sample of attention layers, by sharpness. Look for: points on or "
            "above "
            "the dotted line at 1, where E[AA^T] approximates the Fisher worse than the zero matrix does.",
            "fim_audit.report.attention_figures:fisher_relative_errors",
        ),
    ),
    notes="The proof's own FIM, E[X^T (I - A) X X^T (I - A) X], rests on the refuted gradient (attn-natgrad.thm1-"
    "gradient) and is d x d, not a Fisher in any parameter.  In logit space every off-diagonal entry of aa^T has the "
    "wrong sign (+a_j a_l against -a_j a_l), aa^T 1 = a while M 1 = 0, and at a one-hot row M = 0 while aa^T has "
    "norm 1.",
)

ROWS = space(a=probabilities(), min_n=2)
"""Attention rows A_0. (n >= 2 keys) on the simplex."""

THM2_BLOCKS = Claim(
    id="attn-natgrad.thm2-blocks",
    source=_source(
        "Thm 2 (Block Formation)",
        r"The FIM approximation naturally forms hierarchical blocks: For tokens  $i, j$  in same hierarchical "
        r"structure: $\text{FIM}_{ij} \approx A_{ij} \approx \text{high value}$",
    ),
    formalizations=(
        Formalization(
            "row-fisher-entry",
            "FIM_ij is query i's score-space Fisher at keys (i, j), M^(i)_ij = delta_ij A_ii - A_ii A_ij; for every "
            "layer and j != i, |M^(i)_ij - A_ij| <= A_ij (relative error at most 1).",
            (
                derivation_check(
                    "sympy: M^(0)_01 against A_01 at uniform T = 2",
                    attention_natgrad.block_entry_not_attention,
                    catches="an off-diagonal Fisher entry of the opposite sign",
                ),
                attention_checks.block_entry_approximation(
                    catches="entries where M^(i)_ij is farther from A_ij than 0"
                ),
            ),
        ),
        Formalization(
            "high-attention-high-fisher",
            "FIM_ij is the Fisher information of the score s_ij, M^(i)_jj = A_ij (1 - A_ij), and it is high where A_ij "
            "is high: A_ij > A'_ij implies M_jj >= M'_jj.",
            (
                derivation_check(
                    "sympy: A(1 - A) at A = 1/2 and at A = 9/10",
                    attention_natgrad.diagonal_fisher_not_increasing,
                    catches="a Fisher that falls as attention rises",
                ),
                *monotone(
                    lambda a: a[0] * (1 - a[0]),
                    along=lambda a: a[0],
                    direction="increasing",
                    over=ROWS,
                    what="A_00 (1 - A_00) along A_00",
                ),
            ),
        ),
    ),
    correction=Formalization(
        "diagonal-fisher",
        "The score's own Fisher information is M_jj = A_ij (1 - A_ij) = A_ij - A_ij^2: it approximates A_ij with "
        "relative error exactly A_ij (good only for small attention weights), is at most 1/4, and is largest at A_ij = "
        "1/2; off the diagonal M_jl = -A_ij A_il <= 0.",
        (
            derivation_check(
                "sympy: M_jj - A_ij + A_ij^2 = 0",
                attention_natgrad.diagonal_fisher_identity,
                catches="a diagonal other than a(1 - a)",
            ),
            *monotone(
                lambda a: a[0] * (1 - a[0]),
                along=lambda a: -op.abs(a[0] - 0.5),
                direction="increasing",
                over=ROWS,
                what="A_00 (1 - A_00) along -|A_00 - 1/2|",
            ),
        ),
    ),
    notes="'Same hierarchical structure' is not defined, and FIM_ij has no token-pair index in the paper (the FIM of "
    "Thm 1 is indexed by parameters); the two readings are the token-indexed entries the categorical model of each "
    "row provides.  Both fail: off the diagonal the Fisher has the opposite sign of A, and on the diagonal it "
    "vanishes exactly where attention is highest.",
)

THM3 = Claim(
    id="attn-natgrad.thm3",
    source=_source(
        "Thm 3 (Natural Gradient)",
        r"The attention-informed update approximates natural gradient descent: $$\begin{aligned}\theta_{\text{new}} "
        r"&= \theta - \eta F^{-1} \nabla L \\ &\approx \theta - \eta (I + A) \nabla L\end{aligned}$$",
    ),
    formalizations=tuple(
        Formalization(
            reading,
            statement,
            (
                derivation_check(
                    f"sympy: exact inner product at a rational A ({size})",
                    exact,
                    catches="a claimed direction more than 90 degrees from the natural gradient",
                ),
                attention_checks.direction_check(reading, catches="an obtuse angle between the two directions"),
            ),
        )
        for reading, size, exact, statement in (
            (
                "score-space",
                "T = 3",
                attention_natgrad.score_space_direction,
                "theta = the scores s_i of a query row i (T entries, so that (I + A) grad L type-checks), F = M_i = "
                "diag(a_i) - a_i a_i^T with its pseudo-inverse (M_i 1 = 0), grad L = M_i dL/da_i for any loss L(a_i): "
                "the directions make an acute angle, <F^+ grad L, (I + A) grad L> > 0, for every layer and row.",
            ),
            (
                "value-space",
                "T = 2",
                attention_natgrad.value_space_direction,
                "theta = the values V (T x d_v), the Gaussian model Y ~ N(A V, I) with loss L = |A V - Y|^2 / 2, F = "
                "A^T A (invertible A), grad L = A^T (A V - Y): <F^-1 grad L, (I + A) grad L> > 0.",
            ),
        )
    ),
    figures=(
        Figure(
            "cosines",
            "Cosine between the natural gradient F^-1 grad L and (I + A) grad L on the fixed sample of layers, by "
            ""
            "sharpness, in score space and in value space. Look for: the claim needs the mass near the dashed line "
            "at 1; "
            "negative cosines point away from the natural gradient.",
            "fim_audit.report.attention_figures:direction_cosines",
        ),
    ),
    notes="In parameter space (W, W_Q, W_K) F is d^2 x d^2 while I + A is T x T: the update does not type-check "
    "unless T = d^2, and no identification of the two index sets is given; the readings are the two parameterisations "
    "in which A acts on the parameter index.  In score space the natural gradient is the centred dL/da_i exactly "
    "(M^+ M is the centring projector when a_i > 0).",
)

THM4 = Claim(
    id="attn-natgrad.thm4",
    source=_source(
        "Thm 4",
        r"Using attention-informed natural gradient gives convergence rate: $$\|\theta_t - \theta^*\|_F^2 \leq (1 - "
        r"\mu_{\text{eff}}/L_{\text{eff}})^t \|\theta_0 - \theta^*\|_F^2$$ where F-norm uses FIM metric and: "
        r"$$\mu_{\text{eff}}/L_{\text{eff}} > \mu/L \quad (\text{improved condition number})$$",
    ),
    formalizations=tuple(
        Formalization(
            reading,
            statement,
            (
                derivation_check(
                    f"sympy: {case}",
                    lambda reading=reading: attention_natgrad.conditioning_not_improved(reading),
                    catches=catches,
                ),
                attention_checks.conditioning_check(reading, catches=f"{where} where mu/L does not improve"),
            ),
        )
        for reading, case, catches, where, statement in (
            (
                "value-regression",
                "exact eigenvalues at A = [[3/4, 1/4], [1/4, 3/4]]",
                "a preconditioner that worsens the conditioning",
                "layers",
                "For the value regression of Thm 3 (Hessian H = A^T A in V), the attention-informed update V <- V - "
                "eta (I + A) grad L has mu_eff / L_eff = min Re lambda / max |lambda| over the eigenvalues of (I + A) "
                "H, and mu_eff / L_eff > mu / L = lambda_min(H) / lambda_max(H).",
            ),
            (
                "quadratic",
                "H = I and uniform A (T = 2)",
                "a perfectly conditioned H made worse",
                "quadratics",
                "For every quadratic f(theta) = (theta - theta*)^T H (theta - theta*) / 2 on R^T (H positive definite) "
                "and every attention matrix A, mu_eff / L_eff of (I + A) H exceeds mu / L of H.",
            ),
        )
    ),
    figures=(
        Figure(
            "conditioning-ratios",
            "(mu_eff / L_eff) / (mu / L) for H = A^T A and P = I + A on the fixed sample of layers, by sharpness "
            "(log10). Look for: the claim needs every layer right of the dotted line at 0; mass left of it means (I "
            "+ A) "
            "worsened the conditioning.",
            "fim_audit.report.attention_figures:conditioning_ratios",
        ),
    ),
    notes="The theorem gives neither the objective nor the preconditioner's shape; the readings take the "
    "attention-informed update of Thm 3 on the objectives where (I + A) type-checks.  I + A enlarges the directions "
    "where A is large, which for H = A^T A are the directions where H is already large: the conditioning typically "
    "halves (median ratio about 0.5).  The exact natural gradient (P = H^-1 = F^-1 here) gives mu/L = 1.",
)

CLAIMS = (THM1_GRADIENT, THM1_APPROX, THM2_BLOCKS, THM3, THM4)
