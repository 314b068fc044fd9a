"""Claims of "Transformer Training is a Fisher Matrix Approximation" (tt-fim, seed 000_1b11466ca2d5adcf.txt):
the attention-FIM convergence theorem of §3.1 and the faster training of §4 item 3, whose optimizer is
attn-natgrad §4.1's FA-Adam (:mod:`numeric.training.fa_adam`).  Both are decided on the character GPT of
:mod:`numeric.training.experiments`; the distance's lower bound is proved for every T.
"""

from __future__ import annotations

from functools import partial

from fim_audit.claims.model import Claim, Figure, Formalization, Source
from fim_audit.claims.checks import training as training_checks
from fim_audit.symbolic import training_claims
from fim_audit.claims.builders.primitives import derivation_check

PAPER = "tt-fim"
SEED_FILE = "000_1b11466ca2d5adcf.txt"

_source = partial(Source, PAPER, SEED_FILE)

_ROW_SUMS = derivation_check(
    "sympy: (diag(a) - a a^T) 1 = 0 for symbolic n, so (A - F) 1 = 1",
    training_claims.fisher_row_sums_vanish,
    catches="a FIM block with non-zero row sums",
)

THM3_1 = Claim(
    id="tt-fim.thm3.1",
    source=_source(
        "§3.1 Attention-FIM Convergence",
        r"[Attention-FIM Convergence] For attention pattern  $A(\theta)$  and FIM block  $F(\theta)$  at step t: "
        r"$$||A(\theta_t) - F(\theta_t)||_F \le (1 - \eta \lambda_{\min}(F))^t ||A(\theta_0) - F(\theta_0)||_F$$ "
        r"where  $\lambda_{\min}(F)$  is the minimum eigenvalue of F.",
    ),
    formalizations=(
        Formalization(
            "smallest-eigenvalue",
            "A = the T x T causal attention matrix of a head, F = (1/T) sum_i (diag(a_i) - a_i a_i^T) its score-space "
            "FIM block; lambda_min(F) = 0 (F 1 = 0), so the bound says ||A - F||_F never exceeds its value at "
            "initialisation along training.",
            (
                training_checks.distance_bound_check(
                    False, catches="a distance that grows during training while the bound is its initial value"
                ),
            ),
        ),
        Formalization(
            "smallest-positive-eigenvalue",
            "As above with lambda_min(F) read as F's smallest positive eigenvalue lambda_2, so the bound decays "
            "geometrically for 0 < eta lambda_2 < 2.",
            (
                derivation_check(
                    "sympy: a stationary point keeps ||A - F||_F constant while the bound decays",
                    training_claims.stationary_point_counterexample,
                    catches="a contraction claimed where nothing moves",
                ),
                training_checks.distance_bound_check(True, catches="a distance above the decaying bound"),
            ),
        ),
    ),
    correction=Formalization(
        "never-converges",
        "For every theta and every T: F 1 = 0, lambda_min(F) = 0 and ||A(theta) - F(theta)||_F >= 1 (A 1 = 1). The "
        "attention matrix never converges to its FIM block; along training the distance grows as attention sharpens.",
        (_ROW_SUMS, training_checks.distance_floor_check(catches="a tracked distance below 1")),
    ),
    figures=(
        Figure(
            "distance-over-training",
            "||A - F||_F (mean over layers, heads and windows; mean over seeds with 95% band) over training, beside "
            "the bound in both readings and the proved floor 1. Look for: the claim needs the distance below the bound "
            "lines; it can never go below the floor 1.",
            "fim_audit.report.training_figures:distance_over_training",
        ),
    ),
    notes="A is row-stochastic and every T x T block of the paper's FIM (one query row's diag(a) - a a^T, or their "
    "mean) has zero row sums, so ||A - F||_F >= 1 always and lambda_min(F) = 0: with lambda_min = 0 the theorem "
    "claims the distance never grows, and with the smallest positive eigenvalue it claims a decay to 0 that the "
    "floor forbids (a stationary point is an exact counterexample).  eta is the Adam runs' learning rate; the "
    "paper names no optimizer.",
)

SEC4_FASTER = Claim(
    id="tt-fim.sec4-faster",
    source=_source(
        "§4 Empirical Validation, item 3 (and attn-natgrad §4.1 FA-Adam)",
        "3. Improved optimization dynamics (gpt2 is converging faster with adam preconditioned attention update)",
    ),
    formalizations=(
        Formalization(
            "pseudo-code",
            "FA-Adam exactly as attn-natgrad §4.1's pseudo-code (theta -= lr F_approx^-1 grad, F_approx = E[A A^T] "
            "damped, solved on the token axis of every linear layer; numeric/fa_adam.py) reaches a lower validation "
            "loss over the run than Adam, each at its best learning rate from the same grid (95% CI over seeds).",
            (training_checks.optimizer_check("fa-adam", catches="an optimizer that is slower than Adam"),),
        ),
        Formalization(
            "adam-moments",
            "As above, with the preconditioned gradient fed to Adam's moment estimates (the 'adam preconditioned "
            "attention update' of tt-fim §4).",
            (training_checks.optimizer_check("fa-adam-moments", catches="an optimizer that is slower than Adam"),),
        ),
    ),
    figures=(
        Figure(
            "loss-curves",
            "Validation loss against steps and against training seconds, mean over seeds with 95% bands, each "
            "optimizer at its chosen learning rate. Look for: the claim needs the FA-Adam curves below Adam's, in "
            "steps "
            "or in seconds.",
            "fim_audit.report.training_figures:optimizer_curves",
        ),
    ),
    notes="The pseudo-code solves a T x T system against parameter gradients that have no token axis; the one "
    "consistent typing (used here) applies it on the token axis of each linear layer's gradient sum_b Delta_b^T X_b. "
    "Every other choice (which attention, damping, untouched parameters) is documented in numeric/fa_adam.py. Learning "
    "rates are chosen on separate selection seeds and compared on fresh seeds, paired by seed (same initial weights "
    "and data order); 'faster' is read per step (the mean validation loss over the run), and the wall-time comparison "
    "is reported beside it (FA-Adam's steps cost about twice Adam's).",
)

CLAIMS = (THM3_1, SEC4_FASTER)
