"""Claims of "Fisher Information Matrix (FIM) in Attention" (fim-metrics, seed 004_a860e49dea2b827a.txt):
the log-sum-exp Hessian, the trace, the learning-rate bound, the decay metric, and the spectral facts the
metrics rely on (kernel, interlacing, eigmax bounds; ids added by fim-audit in the same style).

The metrics themselves are implemented once in :mod:`numeric.fisher_metrics`; its docstring records every
edge-case decision (zero eigenvalues, n below the rank cut, ties, tau != 1).
"""

from __future__ import annotations

from claims.model import Claim, Formalization, Source
from numeric import spectrum_checks as numeric
from symbolic import spectrum as symbolic
from symbolic.exact import derivation_check, sweep_check

PAPER = "fim-metrics"
SEED_FILE = "004_a860e49dea2b827a.txt"
FISHER_DEFINITION = "FIM = (1/τ²) * (diag(p) - p * p^T)"

CHARACTERISTIC_MAX_N = 6
"""Exact sweeps over determinants of symbolic n x n matrices stop here (cost grows like n!)."""


def _source(where: str, statement: str) -> Source:
    return Source(PAPER, SEED_FILE, where, statement)


TRACE = Claim(
    id="fim-metrics.trace",
    source=_source(
        "trace (Total Fisher Information)",
        "**What it is**: Sum of all eigenvalues of the FIM. **What it means**: Total amount of information "
        "in the attention distribution across all directions.",
    ),
    formalizations=(
        Formalization(
            "trace-identity",
            "For every n >= 1, p in the simplex and tau > 0, F = (diag(p) - p p^T) / tau^2 satisfies "
            "sum_k lambda_k(F) = tr F = (1 - ||p||^2) / tau^2 = E_(i~p) ||grad_s log softmax(s / tau)_i||^2, "
            "the total Fisher information (expected squared score).",
            (
                derivation_check(
                    "sympy: tr F = E||score||^2 = (1 - sum p^2) / tau^2, symbolic n",
                    symbolic.trace_general_n,
                    catches="a closed form off by a factor of tau, or without the sum p^2 term",
                ),
                sweep_check(
                    "sympy: eigenvalues sum to the trace (Vieta), exact for each n",
                    symbolic.vieta_instance,
                    "lambda^(n-1) coefficient of det(lambda I - M) vs -tr M",
                    catches="an eigenvalue-sum identity that fails for some n",
                    max_n=CHARACTERISTIC_MAX_N,
                ),
                numeric.trace_identity(
                    catches="sum of eigenvalues, trace and closed form disagreeing by more than rounding"
                ),
                numeric.total_information(catches="a total-information formula other than (1 - |p|^2) / tau^2"),
            ),
        ),
    ),
)

KERNEL = Claim(
    id="fim-metrics.kernel",
    source=_source("FIM definition (kernel and rank, relied on by eigmax, energy and decay)", FISHER_DEFINITION),
    formalizations=(
        Formalization(
            "kernel-and-rank",
            "For every n >= 1, p in the simplex and tau > 0, ker F = {v : v_i = v_j for all i, j in supp p}; hence "
            "rank F = |supp p| - 1, and 0 is an eigenvalue of multiplicity n - |supp p| + 1 (at least once).",
            (
                derivation_check(
                    "sympy: (F v)_k = p_k (v_k - p^T v) / tau^2, symbolic n",
                    symbolic.kernel_general_n,
                    catches="a wrong action of F on vectors (hence a wrong kernel)",
                ),
                sweep_check(
                    "sympy: principal minor of diag(q) - q q^T on the support = prod q, exact for each support size",
                    symbolic.rank_minor_instance,
                    "leading (s-1) principal minor vs q_1 ... q_s",
                    catches="a rank other than |supp p| - 1",
                ),
                numeric.kernel_and_rank(catches="a null vector missed or a rank off by one"),
            ),
        ),
    ),
    notes="Added by fim-audit (issue 5): the zero eigenvalue and the rank decide the metrics' edge cases.",
)

INTERLACING = Claim(
    id="fim-metrics.interlacing",
    source=_source(
        "energy_r8, energy_r16 (eigenvalues relative to p, relied on by the energy and decay metrics)",
        "**What it is**: Fraction of total Fisher energy (trace) captured in the top 8 or 16 eigenmodes.",
    ),
    formalizations=(
        Formalization(
            "interlacing",
            "For every n >= 1, p in the simplex and tau > 0, with p_(1) >= ... >= p_(n) the sorted p and "
            "mu_1 >= ... >= mu_n the eigenvalues of tau^2 F: p_(k+1) <= mu_k <= p_(k) for k < n, and mu_n = 0.",
            (
                sweep_check(
                    "sympy: det(M - lambda I) by the determinant lemma and its values at p_k, exact for each n",
                    symbolic.characteristic_instance,
                    "characteristic polynomial of diag(p) - p p^T",
                    catches="a characteristic polynomial (hence a sign pattern) other than the lemma's",
                    scope="distinct positive p (sign alternation places one root in each (p_(k+1), p_(k))); ties "
                    "and zeros by continuity of eigenvalues in p",
                    max_n=CHARACTERISTIC_MAX_N,
                ),
                numeric.interlacing(catches="an eigenvalue outside [p_(k+1), p_(k)] by more than rounding"),
            ),
        ),
    ),
    notes="Added by fim-audit (issue 5).",
)

EIGMAX_BOUNDS = Claim(
    id="fim-metrics.eigmax-bounds",
    source=_source(
        "eigmax (bounds in terms of p)",
        "**What it is**: The largest eigenvalue of the Fisher Information Matrix.",
    ),
    formalizations=(
        Formalization(
            "bounds",
            "For every n >= 1, p in the simplex and tau > 0: max(p_(2), max_i p_i (1 - p_i)) <= tau^2 eigmax(F) "
            "<= min(p_(1), 1/2).  Proof: p_(2) <= mu_1 <= p_(1) is the case k = 1 of interlacing; e_i^T tau^2 F e_i "
            "= p_i (1 - p_i) is a Rayleigh quotient; v^T tau^2 F v = Var_(i~p)(v_i) <= (max v - min v)^2 / 4 <= "
            "1/2 for unit v (Popoviciu).",
            (
                derivation_check(
                    "sympy: v^T tau^2 F v = Var_(i~p)(v_i), symbolic n",
                    symbolic.variance_general_n,
                    catches="a quadratic form that is not the variance (so Popoviciu's bound would not apply)",
                ),
                sweep_check(
                    "sympy: characteristic polynomial (interlacing, k = 1), exact for each n",
                    symbolic.characteristic_instance,
                    "characteristic polynomial of diag(p) - p p^T",
                    catches="an eigmax outside [p_(2), p_(1)]",
                    max_n=CHARACTERISTIC_MAX_N,
                ),
                numeric.eigmax_bounds(catches="eigmax outside the bounds by more than rounding"),
            ),
        ),
    ),
    notes="Added by fim-audit (issue 5). Both bounds are attained at p = (1/2, 1/2): eigmax = 1/(2 tau^2).",
)

DECAY_DEFINED = Claim(
    id="fim-metrics.decay-defined",
    source=_source(
        "decay (Spectral Concentration)",
        "**What it is**: Ratio of maximum eigenvalue to the 5th eigenvalue (eigmax / λ_5). **What it means**: "
        "How quickly eigenvalues drop off.",
    ),
    formalizations=(
        Formalization(
            "well-defined",
            "For every attention row p (any n >= 1, p in the simplex) and tau > 0, the fifth largest eigenvalue "
            "lambda_5 of F exists and is positive, so decay = eigmax / lambda_5 is a finite number.",
            (
                derivation_check(
                    "sympy: exact spectrum of F at p uniform on 5 outcomes",
                    symbolic.fifth_eigenvalue_vanishes,
                    catches="a lambda_5 that is zero for an attention row",
                ),
                numeric.fifth_eigenvalue_positive(
                    catches="rows with n < 5 or lambda_5 = 0", certify=symbolic.fifth_eigenvalue_certifier
                ),
            ),
        ),
    ),
    correction=Formalization(
        "finite-iff-six-supported",
        "decay = eigmax / lambda_5 is finite iff p has at least 6 non-zero entries (rank F = |supp p| - 1 >= 5) "
        "or is one-hot (F = 0; decay := 1 by the reference's convention). It is undefined for rows with n < 5 "
        "(early causal positions), infinite for rows with 2 to 5 non-zero entries, and grows without bound as "
        "p approaches such a row (lambda_5 <= p_(5) / tau^2 by interlacing). The reference implementation "
        "returns +inf there (numeric/fisher_metrics.py).",
        (
            sweep_check(
                "sympy: principal minor of diag(q) - q q^T on the support = prod q, exact for each support size",
                symbolic.rank_minor_instance,
                "leading (s-1) principal minor vs q_1 ... q_s",
                catches="a rank other than |supp p| - 1",
            ),
            numeric.decay_finite_iff_six_supported(catches="a finite decay with at most 5 non-zero p, or vice versa"),
        ),
    ),
)

CLAIMS = (TRACE, KERNEL, INTERLACING, EIGMAX_BOUNDS, DECAY_DEFINED)
