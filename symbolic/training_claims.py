"""Exact statements behind the training claims of issue 10: tt-fim §3.1 (seed 000_1b11466ca2d5adcf.txt), fim-attn
Thm 3 and App. C Prop. 2 (seed 002_4ba62ecdb41e3767.txt).

tt-fim §3.1 compares the T x T attention matrix A (row-stochastic: A 1 = 1) with "the FIM block of the same
shape".  Every T x T block the paper's FIM can supply, the score-space Fisher of one query row, diag(a) - a a^T,
or its mean over query rows F = (1/T) sum_i (diag(a_i) - a_i a_i^T), is positive semi-definite with zero row
sums.  Hence (A - F) 1 = 1 and ||A - F||_F >= ||(A - F) 1||_2 / ||1||_2 = 1 for every theta: the attention
matrix never approaches the FIM block, and lambda_min(F) = 0.
"""

from __future__ import annotations

import sympy as sp

from fim_audit.symbolic.outcome import Certificate, Derivation, Finding, from_steps
from fim_audit.symbolic.exact import closed_form, exact_string
from fim_audit.symbolic.fisher_models import constant_vector_in_kernel

_T = sp.Symbol("T", positive=True)


def fisher_row_sums_vanish() -> Derivation:
    """(diag(a) - a a^T) 1 = 0 for every probability vector a (symbolic n, :func:`constant_vector_in_kernel`).  So
    F 1 = 0 for any mean of such blocks, lambda_min(F) = 0 (F is PSD), and (A - F) 1 = A 1 = 1, whence
    ||A - F||_F >= ||(A - F) 1||_2 / ||1||_2 = 1 (Cauchy-Schwarz with the unit vector 1 / sqrt(T))."""
    kernel = constant_vector_in_kernel()
    if kernel is None:
        return Derivation(Finding.INCONCLUSIVE, "sympy did not close (diag(a) - a a^T) 1 = 0 for symbolic n")
    return Derivation(
        Finding.PROVED,
        f"{kernel.detail}; hence F 1 = 0, lambda_min(F) = 0 and ||A - F||_F >= ||(A - F) 1|| / sqrt(T) = 1",
        cases=1,
        scope="every T and every row-stochastic A",
    )


def _block(rows: list[list[sp.Rational]]) -> sp.Matrix:
    """F = (1/T) sum_i (diag(a_i) - a_i a_i^T) for explicit attention rows."""
    size = len(rows)
    return sum((sp.diag(*row) - sp.Matrix(row) * sp.Matrix(row).T for row in rows), sp.zeros(size)) / size


def stationary_point_counterexample() -> Derivation:
    """Reading lambda_min(F) as F's smallest positive eigenvalue: at a stationary point theta* of the training
    loss, gradient descent stays at theta_t = theta*, so ||A - F||_F is constant in t while (1 - eta lambda)^t
    decays for 0 < eta lambda < 2.  Exact instance: T = 2, uniform causal attention A = [[1, 0], [1/2, 1/2]]."""
    half = sp.Rational(1, 2)
    rows = [[sp.Integer(1), sp.Integer(0)], [half, half]]
    attention = sp.Matrix(rows)
    fisher = _block(rows)
    distance_squared = sum(entry**2 for entry in attention - fisher)
    positive = min(v for v in fisher.eigenvals(multiple=True) if v > 0)
    eta = sp.Integer(1)
    right_squared = (1 - eta * positive) ** 2 * distance_squared
    if not right_squared < distance_squared:
        return Derivation(Finding.INCONCLUSIVE, "the instance does not violate the bound")
    return Derivation(
        Finding.DISPROVED,
        f"T = 2, A = {attention.tolist()}, F = {fisher.tolist()}: ||A - F||_F^2 = {distance_squared} at every step, "
        f"while the bound at t = 1 with eta = 1, lambda = {positive} gives {right_squared}",
        cases=1,
        counterexample=Certificate(
            {"A": [[exact_string(v) for v in row] for row in attention.tolist()], "eta": "1", "t": 1},
            {
                "F": [[exact_string(v) for v in row] for row in fisher.tolist()],
                "lambda_min_positive": exact_string(positive),
                "lhs_squared": exact_string(distance_squared),
                "rhs_squared": exact_string(right_squared),
            },
            True,
            "exact rationals (sympy); a stationary point keeps theta_t = theta_0 under gradient descent",
        ),
    )


def schedule_bound_limit() -> Derivation:
    """fim-attn Thm 3's right-hand side (C1 + C2 sum_(t<=T) tau_0 / sqrt(t)) / sqrt(T) does not tend to 0: the sum
    is at least the integral 2 tau_0 (sqrt(T + 1) - 1), and 2 (sqrt(T + 1) - 1) / sqrt(T) -> 2, so the bound tends
    to at least 2 C2 tau_0 > 0 (exact limit).  The inequality bounds E||grad f||^2 but guarantees no convergence."""
    lower = 2 * (sp.sqrt(_T + 1) - 1) / sp.sqrt(_T)
    limit = sp.limit(lower, _T, sp.oo)
    upper = sp.limit((2 * sp.sqrt(_T) - 1) / sp.sqrt(_T), _T, sp.oo)
    if not (limit == 2 and upper == 2):
        return Derivation(Finding.INCONCLUSIVE, f"limits of the integral bounds: {limit}, {upper}")
    return Derivation(
        Finding.DISPROVED,
        "2 (sqrt(T+1) - 1) <= sum_(t<=T) t^(-1/2) <= 2 sqrt(T) - 1, and both bounds divided by sqrt(T) tend to 2: "
        "the right-hand side tends to C2 tau_0 * 2 > 0, not to 0",
        cases=1,
        counterexample=Certificate(
            {"tau_t": "tau_0 / sqrt(t)", "T": "-> oo"},
            {"limit_of_sum_over_sqrt_T": "2", "limit_of_rhs": "2 C2 tau_0"},
            True,
            "exact limits of the integral bounds (sympy)",
        ),
    )


def vacuous_coupling_bound() -> Derivation:
    """fim-attn Prop. 2 with the only scale Def. 3 attaches to a head, Lambda = d_Lambda, which is the same for
    every head of a standard multi-head layer: |Lambda_1 - Lambda_2| = 0 and the bound reads |<A_1 A_2>| <= C.  For
    a correlation, C = 1 works for every pair and every xi: exp(-0 / xi) = 1 and |corr| <= 1 (Cauchy-Schwarz)."""
    xi = sp.Symbol("xi", positive=True)
    d = sp.Symbol("d_Lambda", positive=True)
    bound = sp.exp(-sp.Abs(d - d) / xi)
    return closed_form(
        sp.simplify(bound - 1), "C exp(-|d_Lambda - d_Lambda| / xi) with C = 1", "every xi > 0", (bound, sp.S.One)
    )


def ngd_rate_sums() -> Derivation:
    """The summation steps of fim-attn Thm 2's explicit-constants bound, each verified by sympy:
    sum_(t<=T) t^(-1/2) >= int_1^(T+1) x^(-1/2) dx = 2 (sqrt(T + 1) - 1) (t^(-1/2) decreasing); sum_(t<=T) 1/t <=
    1 + int_1^T dx/x = 1 + log T; for t >= t0 = (L Lambda / mu^2)^2 the step's quadratic term L eta_t / (2 mu^2) is at
    most 1/(2 Lambda), half the linear one; and T >= 4 t0 gives sqrt(T + 1) - sqrt(t0) >= sqrt(T)/2."""
    x, t, big_t, t0 = sp.symbols("x t T t0", positive=True)
    lip, lam, mu = sp.symbols("L Lambda mu", positive=True)
    root_integral = sp.integrate(x ** sp.Rational(-1, 2), (x, 1, big_t + 1))
    harmonic_integral = sp.integrate(1 / x, (x, 1, big_t))
    decreasing = sp.diff(t ** sp.Rational(-1, 2), t).is_negative and sp.diff(1 / t, t).is_negative
    threshold = (lip * lam / mu**2) ** 2
    switch = sp.simplify((lip / (2 * mu**2 * sp.sqrt(threshold))) - 1 / (2 * lam)) == 0
    # sqrt(T + 1) - sqrt(t0) >= sqrt(T) - sqrt(T)/2 when t0 <= T/4
    late = sp.simplify(sp.sqrt(big_t) - sp.sqrt(big_t / 4) - sp.sqrt(big_t) / 2) == 0
    steps = {
        "int_1^(T+1) x^(-1/2) dx = 2 (sqrt(T+1) - 1)": sp.simplify(root_integral - 2 * (sp.sqrt(big_t + 1) - 1)) == 0,
        "int_1^T dx/x = log T": sp.simplify(harmonic_integral - sp.log(big_t)) == 0,
        "t^(-1/2) and 1/t decreasing": bool(decreasing),
        "L eta_t / (2 mu^2) = 1/(2 Lambda) at t = t0": switch,
        "sqrt(T) - sqrt(T/4) = sqrt(T)/2": late,
    }
    return from_steps(steps, "NGD rate sums", "sums and thresholds of the explicit bound", len(steps), "every T >= 1")


def linear_score_curvature() -> Derivation:
    """For scores linear in theta, z = Phi theta (n = 3 outcomes, p = 2 parameters, Phi symbolic), the Hessian of
    -log softmax(z)_y is Phi^T (diag a - a a^T) Phi for every y; hence 0 <= Hess f <= F~ = E[Phi^T diag(a) Phi] <=
    E[Phi^T Phi] (a a^T >= 0 and diag(a) <= I): L and Lambda are at most lambda_max(E[Phi^T Phi]) for every theta,
    and F~ >= FIM >= mu (Def. 2 item 3) bounds its smallest eigenvalue."""
    theta = sp.symbols("u v", real=True)
    phi = sp.Matrix(3, 2, sp.symbols("f0:6", real=True))
    z = phi * sp.Matrix(theta)
    total = sum(sp.exp(zi) for zi in z)
    a = sp.Matrix([sp.exp(zi) / total for zi in z])
    curvature = phi.T * (sp.diag(*a) - a * a.T) * phi
    ok = True
    for y in range(3):
        loss = sp.log(total) - z[y]
        hessian = sp.hessian(loss, theta)
        ok &= (hessian - curvature).applyfunc(sp.simplify).is_zero_matrix
    if not ok:
        return Derivation(Finding.INCONCLUSIVE, "the Hessian of the softmax cross-entropy did not simplify")
    return Derivation(
        Finding.PROVED,
        "Hess_theta(-log softmax(Phi theta)_y) = Phi^T (diag a - a a^T) Phi for every y (symbolic Phi, theta)",
        cases=3,
        scope="scores linear in theta, n = 3, p = 2 symbolic (the identity is entrywise the same for every n, p)",
    )
