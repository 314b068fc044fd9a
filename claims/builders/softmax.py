"""Check sets for statements about softmax calculus, shared by every paper that makes them.

Each builder takes the claimed formula as an entry kernel ``kernel(x_i, x_j, delta_ij[, tau])`` (see
:mod:`numeric.formulas`) and returns the symbolic and numeric checks that decide it.  The engine's
self-tests (the mutation catalogue, tests/test_mutants.py) pass wrong kernels through these same builders
and require REFUTED.
"""

from __future__ import annotations

from typing import Callable

from fim_audit.claims.builders import _softmax_numeric as numeric
from fim_audit.claims.builders.primitives import derivation_check, sweep_check
from fim_audit.claims.checks import hessians as hessian_checks
from fim_audit.claims.checks import temperature as temperature_checks
from fim_audit.claims.model import Check
from fim_audit.numeric.formulas import EntryKernel
from fim_audit.symbolic import hessians, temperature
from fim_audit.symbolic import softmax_identities as symbolic

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
        _derivative_general_check(kernel, of, catches=_SYMBOLIC_GENERAL),
        _derivative_exact_check(kernel, of, catches=_SYMBOLIC_EXACT),
        numeric.derivative_vs_autograd(kernel, of, "reverse", catches=_NUMERIC, certify=certify),
        numeric.derivative_vs_autograd(kernel, of, "forward", catches=_NUMERIC, certify=certify),
    )


def inner_expectation_checks(kernel: EntryKernel, domain: str) -> tuple[Check, ...]:
    """sum_i a_i (e_i - a)(e_i - a)^T = kernel matrix for a in ``domain`` ("simplex" or "nonnegative")."""
    return (
        _inner_general_check(kernel, domain, catches=_SYMBOLIC_GENERAL),
        _inner_exact_check(kernel, domain, catches=_SYMBOLIC_EXACT),
        numeric.inner_moment_vs_definition(
            kernel, domain, catches=_NUMERIC, certify=symbolic.inner_certifier(kernel, domain)
        ),
    )


def score_chain_checks(kernel: EntryKernel) -> tuple[Check, ...]:
    """grad_theta log sigma_i(z(x, theta)) = (row i of the kernel matrix) dz/dtheta, for arbitrary smooth
    z exactly, and for the linear, MLP and attention-score logit maps by autograd."""
    return (
        _score_chain_exact_check(kernel, catches=_SYMBOLIC_EXACT),
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
        _fisher_exact_check(kernel, catches=_SYMBOLIC_EXACT),
        *(numeric.fisher_vs_definition(kernel, name, catches=_NUMERIC) for name in LOGIT_MAPS),
        *(numeric.fisher_vs_monte_carlo(kernel, name, catches=monte_carlo) for name in LOGIT_MAPS),
    )


def tau_derivative_checks(kernel: Callable) -> tuple[Check, ...]:
    """d sigma(z/tau)_i / d tau = kernel(z_i, sigma_i, sum_k z_k sigma_k, tau): symbolic n, exact n <= bound
    (chain rule in tau), forward-mode autograd in tau."""
    return (
        derivation_check(
            "sympy: d sigma(z/tau)_i / d tau, symbolic n",
            lambda: temperature.tau_derivative_general_n(kernel),
            catches=_SYMBOLIC_GENERAL,
        ),
        sweep_check(
            "sympy: d sigma(z/tau) / d tau by the chain rule, exact for each n",
            lambda n: temperature.tau_derivative_instance(kernel, n),
            "d sigma(z/tau) / d tau",
            catches="a wrong power of tau, sign, centring or summation range, with an exact counterexample",
        ),
        temperature_checks.tau_derivative(kernel, catches="a formula off autograd in tau"),
    )


def potential_hessian_checks(kernel: EntryKernel, potential: str, claimed: str) -> tuple[Check, ...]:
    """Hess_s of one normalisation of the log-sum-exp potential ("lse": log sum exp(s / tau), "eot":
    tau log sum exp(s / tau)) = the kernel matrix, whose formula ``claimed`` names: symbolic n, exact
    n <= bound, autograd."""
    return (
        derivation_check(
            f"sympy: Hessian of the {potential} potential = {claimed}, symbolic n",
            lambda: hessians.potential_hessian_general_n(kernel, potential),
            catches=_SYMBOLIC_GENERAL,
        ),
        sweep_check(
            f"sympy: Hessian of the {potential} potential = {claimed}, exact for each n",
            lambda n: hessians.potential_hessian_instance(kernel, potential, n),
            f"Hessian of the {potential} potential vs {claimed}",
            catches="a factor of tau (potential normalisation) or a wrong sign, with an exact counterexample",
        ),
        hessian_checks.potential_hessian_vs_formula(
            kernel, potential, catches="a Hessian off the formula by more than rounding"
        ),
    )


def score_fisher_checks(kernel: EntryKernel, claimed: str) -> tuple[Check, ...]:
    """The Fisher of p = softmax(s / tau) with respect to s, from its definition E[grad log p grad log p^T],
    = the kernel matrix (formula ``claimed``): exact n <= bound, autograd."""
    return (
        sweep_check(
            "sympy: Fisher of softmax(s / tau) in s from its definition, exact for each n",
            lambda n: hessians.score_fisher_instance(kernel, n),
            f"E[grad log p grad log p^T] vs {claimed}",
            catches="a Fisher formula with the wrong power of tau or without the p p^T term",
        ),
        hessian_checks.score_fisher_vs_formula(kernel, catches="a Fisher formula off by more than rounding"),
    )


# --- the symbolic checks of the sets above ------------------------------------------------------------------


def _derivative_general_check(kernel: EntryKernel, of: str, *, catches: str) -> Check:
    name = f"sympy: d {symbolic.SYMBOLS[of]} / dz, symbolic n (Sum, KroneckerDelta)"
    return derivation_check(name, lambda: symbolic.derivative_general_n(kernel, of), catches=catches)


def _derivative_exact_check(kernel: EntryKernel, of: str, *, catches: str) -> Check:
    return sweep_check(
        f"sympy: d {symbolic.SYMBOLS[of]} / dz, exact for each n",
        lambda n: symbolic.derivative_instance(kernel, of, n),
        f"d {symbolic.SYMBOLS[of]} / dz",
        catches=catches,
    )


def _inner_general_check(kernel: EntryKernel, domain: str, *, catches: str) -> Check:
    name = f"sympy: inner expectation, symbolic n, a in {domain}"
    return derivation_check(name, lambda: symbolic.inner_general_n(kernel, domain), catches=catches)


def _inner_exact_check(kernel: EntryKernel, domain: str, *, catches: str) -> Check:
    return sweep_check(
        f"sympy: inner expectation, exact for each n, a in {domain}",
        lambda n: symbolic.inner_instance(kernel, domain, n),
        f"inner expectation, a in {domain}",
        catches=catches,
    )


def _fisher_exact_check(kernel: EntryKernel, *, catches: str) -> Check:
    return sweep_check(
        "sympy: Fisher from its definition, arbitrary z(theta), exact for each n",
        lambda n: symbolic.fisher_instance(kernel, n),
        "Fisher of softmax(z(theta)), z arbitrary",
        catches=catches,
        scope="every smooth logit map z(x, theta), any number of parameters (an entry involves two of them), "
        "any input distribution (both sides are averages over x of the same pointwise identity)",
    )


def _score_chain_exact_check(kernel: EntryKernel, *, catches: str) -> Check:
    return sweep_check(
        "sympy: grad_theta log p_i, arbitrary z(theta), exact for each n",
        lambda n: symbolic.score_chain_instance(kernel, n),
        "score grad_theta log softmax(z(theta))_i, z arbitrary",
        catches=catches,
        scope="every smooth logit map z(x, theta) at every input x, any number of parameters (an entry "
        "involves one of them)",
    )
