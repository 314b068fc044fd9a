"""Check sets for statements about softmax calculus, shared by every paper that makes them.

Each builder takes the claimed formula as an entry kernel ``kernel(x_i, x_j, delta_ij)`` (see
:mod:`numeric.formulas`) and returns the symbolic and numeric checks that decide it.  The engine's
self-tests pass wrong kernels through these same builders and require REFUTED.
"""

from __future__ import annotations

from claims.model import Check
from numeric import softmax_identities as numeric
from numeric.formulas import EntryKernel
from symbolic import softmax_identities as symbolic

LOGIT_MAPS = ("linear", "mlp", "attention")

_SYMBOLIC_GENERAL = (
    "a formula that is not identically equal to the derivation for symbolic n (residual does not simplify "
    "to 0); alone it never refutes, it leaves the verdict to the exact sweep"
)
_SYMBOLIC_EXACT = (
    "any formula that is wrong at some n up to the profile bound, with an exact rational counterexample at "
    "the smallest such n: sign flips, factors of 2, transposed indices, dropped terms"
)
_NUMERIC = (
    "any formula that misses the independent float64 computation by more than the rounding bound on some "
    "drawn input, shrunk to a minimal one (n = 1 or 2, zero logits) and certified"
)


def softmax_derivative_checks(kernel: EntryKernel, of: str) -> tuple[Check, ...]:
    """d f_i / d z_j = kernel(sigma_i, sigma_j, delta_ij) for f = softmax ("softmax") or log-softmax
    ("log_softmax"): symbolic n, exact n <= bound, autograd in reverse and forward mode."""
    certify = symbolic.derivative_certifier(kernel, of)
    return (
        symbolic.derivative_general_check(kernel, of, catches=_SYMBOLIC_GENERAL),
        symbolic.derivative_exact_check(kernel, of, catches=_SYMBOLIC_EXACT),
        numeric.derivative_vs_autograd(kernel, of, "reverse", catches=_NUMERIC, certify=certify),
        numeric.derivative_vs_autograd(kernel, of, "forward", catches=_NUMERIC, certify=certify),
    )


def inner_expectation_checks(kernel: EntryKernel, domain: str) -> tuple[Check, ...]:
    """sum_i a_i (e_i - a)(e_i - a)^T = kernel matrix for a in ``domain`` ("simplex" or "nonnegative")."""
    return (
        symbolic.inner_general_check(kernel, domain, catches=_SYMBOLIC_GENERAL),
        symbolic.inner_exact_check(kernel, domain, catches=_SYMBOLIC_EXACT),
        numeric.inner_moment_vs_definition(
            kernel, domain, catches=_NUMERIC, certify=symbolic.inner_certifier(kernel, domain)
        ),
    )


def score_chain_checks(kernel: EntryKernel) -> tuple[Check, ...]:
    """grad_theta log sigma_i(z(x, theta)) = (row i of the kernel matrix) dz/dtheta, for arbitrary smooth
    z exactly, and for the linear, MLP and attention-score logit maps by autograd."""
    return (
        symbolic.score_chain_exact_check(kernel, catches=_SYMBOLIC_EXACT),
        *(numeric.score_chain_vs_autograd(kernel, name, catches=_NUMERIC) for name in LOGIT_MAPS),
    )


def fisher_decomposition_checks(kernel: EntryKernel) -> tuple[Check, ...]:
    """E_x E_{i~a}[g_i g_i^T] = E_x[J^T K(a) J]: exact for arbitrary smooth z, and for each logit map both
    by exact expectation and by Monte Carlo."""
    monte_carlo = (
        "a decomposition off by more than the Hoeffding radius (confidence 1 - 1e-9): an independent "
        "sampling path, weaker than the exact expectation but sharing none of its code"
    )
    return (
        symbolic.fisher_exact_check(kernel, catches=_SYMBOLIC_EXACT),
        *(numeric.fisher_vs_definition(kernel, name, catches=_NUMERIC) for name in LOGIT_MAPS),
        *(numeric.fisher_vs_monte_carlo(kernel, name, catches=monte_carlo) for name in LOGIT_MAPS),
    )
