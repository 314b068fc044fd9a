"""When can the Fisher of an attention model be positive definite (fim-attn Def. 2 item 3 with Thm 2 item 2),
and under which joint model of several heads is it a sum over heads (fim-attn App. C.4)?

Positive definiteness is decided by explicit witnesses (exact rational Fishers computed from the definition)
and by impossibility arguments, each verified by sympy: the softmax Fisher kills the constant vector
(M 1 = 0), full row rank puts 1 in the range of J, and QK attention scores are invariant under
(W_Q, W_K) -> (W_Q A, W_K A^-T).  The multi-head statements are exact sweeps over two heads sharing theta.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from fim_audit.symbolic.outcome import Certificate, Derivation, Finding, from_steps
from fim_audit.symbolic.exact import Instance, Point, exact_string, prove_up_to
from fim_audit.symbolic.formulas import EntryKernel, entry_matrix
from fim_audit.symbolic.logit_maps import LogitMapSetup, logit_map_setup
from fim_audit.symbolic.sums import linearise, on_simplex

_N = sp.Symbol("n", integer=True, positive=True)
_J, _K = sp.symbols("j k", integer=True, positive=True)
_P = sp.IndexedBase("p", nonnegative=True)


def _fisher_from_definition(logits: list[sp.Expr], theta: list[sp.Symbol], at: dict[sp.Symbol, sp.Expr]) -> sp.Matrix:
    """sum_i p_i grad log p_i grad log p_i^T at ``at``, by sympy differentiation of log softmax(logits)_i."""
    total = sum(sp.exp(z) for z in logits)
    fisher = sp.zeros(len(theta), len(theta))
    for z in logits:
        log_p = z - sp.log(total)
        g = sp.Matrix([sp.diff(log_p, t) for t in theta]).subs(at)
        fisher += sp.exp(log_p).subs(at) * g * g.T
    return fisher.applyfunc(sp.nsimplify)


def _elementwise_fisher(inputs: list[tuple[int, ...]]) -> tuple[sp.Matrix, list[sp.Symbol]]:
    """Fisher averaged over ``inputs`` of z = theta * x (elementwise) at theta = 0 (uniform attention)."""
    n = len(inputs[0])
    theta = list(sp.symbols(f"t0:{n}", real=True))
    at = {t: 0 for t in theta}
    fishers = [_fisher_from_definition([t * xk for t, xk in zip(theta, x, strict=True)], theta, at) for x in inputs]
    return sum(fishers, sp.zeros(n, n)) / len(inputs), theta


WITNESS_INPUTS = [(1, 2), (2, 1)]


def expected_witness() -> Derivation:
    """z(x, theta) = theta * x (n = p = 2, Jacobian diag(x): full row rank), theta = 0, x uniform on {(1, 2),
    (2, 1)}: FIM_theta = E_x[...] = [[5/8, -1/2], [-1/2, 5/8]] with eigenvalues 9/8 and 1/8, so lambda_min =
    1/8 > 0 together with full row rank, bounded entropy and smoothness (the map is linear in theta)."""
    fisher, _ = _elementwise_fisher(WITNESS_INPUTS)
    eigenvalues = sorted(fisher.eigenvals(multiple=True))
    if not eigenvalues[0] > 0:
        return Derivation(Finding.INCONCLUSIVE, f"witness Fisher eigenvalues {eigenvalues}")
    return Derivation(
        Finding.PROVED,
        f"witness z = theta * x at theta = 0, x in {WITNESS_INPUTS}: FIM = {fisher.tolist()}, eigenvalues "
        f"{[exact_string(e) for e in eigenvalues]} (exact)",
        cases=len(WITNESS_INPUTS),
        scope="existence: an explicit model, parameter and input distribution (Fisher from its definition, exact)",
    )


def constant_vector_in_kernel() -> Derivation | None:
    """M 1 = 0 for M = diag(p) - p p^T on the simplex, symbolic n (None when sympy cannot close it)."""
    row = linearise(sp.Sum((sp.KroneckerDelta(_K, _J) * _P[_K] - _P[_K] * _P[_J]), (_J, 1, _N))).doit()
    residual = sp.simplify(on_simplex(sp.refine(row, sp.Q.le(_K, _N)), _P, _N))
    return None if residual != 0 else Derivation(Finding.PROVED, "M 1 = 0 on the simplex, symbolic n", 1)


def _impossible(detail: str, instance: dict[str, Any], observed: dict[str, Any]) -> Derivation:
    return Derivation(
        Finding.DISPROVED,
        detail,
        cases=1,
        counterexample=Certificate(instance, observed, True, "general argument verified by sympy; instance exact"),
    )


def single_input_impossible() -> Derivation:
    """For one input, FIM_x = J^T M J with M 1 = 0 (symbolic n); if J (n x p) has full row rank, some w solves
    J w = 1, and FIM_x w = J^T M 1 = 0 with w != 0: lambda_min(FIM_x) = 0 for every such model."""
    if constant_vector_in_kernel() is None:
        return Derivation(Finding.INCONCLUSIVE, "sympy did not close M 1 = 0 for symbolic n")
    fisher, _ = _elementwise_fisher(WITNESS_INPUTS[:1])
    w = sp.Matrix([sp.Rational(1, x) for x in WITNESS_INPUTS[0]])  # J = diag(x), J w = 1
    if not (fisher * w).is_zero_matrix:
        return Derivation(Finding.INCONCLUSIVE, "instance null vector failed")
    return _impossible(
        "a single input gives FIM_x = J^T M J with M 1 = 0; full row rank gives J w = 1 for some w != 0, "
        "so FIM_x w = 0",
        {"logit_map": "z = theta * x", "theta": ["0", "0"], "x": ["1", "2"]},
        {"FIM_x": [[exact_string(v) for v in row] for row in fisher.tolist()], "null_vector": ["1", "1/2"]},
    )


def logit_space_impossible() -> Derivation:
    """In logit space FIM_z = diag(a) - a a^T, and M 1 = 0 for every a on the simplex (symbolic n)."""
    if constant_vector_in_kernel() is None:
        return Derivation(Finding.INCONCLUSIVE, "sympy did not close M 1 = 0 for symbolic n")
    return _impossible(
        "FIM_z = diag(a) - a a^T satisfies FIM_z 1 = 0 for every a, so lambda_min(FIM_z) = 0",
        {"a": ["1/2", "1/2"]},
        {"FIM_z": [["1/4", "-1/4"], ["-1/4", "1/4"]], "null_vector": ["1", "1"]},
    )


def qk_symmetry_instance(n: int) -> Instance:
    """z_j = <x_0 W_Q, x_j W_K> / sqrt(k) with d = k = 2 and n tokens, all entries symbolic: the derivative of z
    along theta-direction v = (W_Q, -W_K) is J v = d/dt z(e^t W_Q, e^-t W_K) at t = 0 = 0, for every input."""
    d = k = 2
    wq = sp.Matrix(d, k, lambda i, j: sp.Symbol(f"q{i}{j}", real=True))
    wk = sp.Matrix(d, k, lambda i, j: sp.Symbol(f"k{i}{j}", real=True))
    x = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    theta = [*wq, *wk]
    direction = [*wq, *(-wk)]
    z = [((x[0, :] * wq) * (x[j, :] * wk).T)[0] / sp.sqrt(k) for j in range(n)]
    jv = sp.Matrix([sum(sp.diff(zj, t) * v for t, v in zip(theta, direction, strict=True)) for zj in z])
    variables = (*theta, *x)

    def describe(point: Point) -> dict[str, Any]:
        return {str(v): exact_string(point[v]) for v in variables}

    return Instance((), variables, jv, sp.zeros(n, 1), describe)


def qk_attention_impossible(max_n: int) -> Derivation:
    """QK scores are invariant under (W_Q, W_K) -> (W_Q A, W_K A^-T); with A = e^t I the direction v = (W_Q, -W_K)
    satisfies J_x v = 0 for every input x (checked exactly for symbolic 2 x 2 weights and n <= max_n symbolic
    tokens), so FIM v = E_x[J_x^T M J_x v] = 0: lambda_min(FIM) = 0 whenever W != 0 (and FIM = 0 when W = 0)."""
    result = prove_up_to(qk_symmetry_instance, max_n, "J v along (W_Q, -W_K)")
    if result.status is not Finding.PROVED:
        return Derivation(Finding.INCONCLUSIVE, f"the scaling direction is not in the kernel: {result.detail}")
    return _impossible(
        f"J_x (W_Q, -W_K) = 0 for every input (exact, symbolic weights and tokens, n <= {max_n}); it is the tangent "
        "of the GL(k) orbit (W_Q A, W_K A^-T), along which the scores do not change",
        {"logit_map": "z_j = <x_0 W_Q, x_j W_K> / sqrt(k)", "direction": "(W_Q, -W_K)"},
        {"J_x v": "0 for all W_Q, W_K, x (d = k = 2)", "orbit_dimension": "k^2 = 4 null directions"},
    )


def _two_heads(n: int) -> tuple[LogitMapSetup, LogitMapSetup]:
    return logit_map_setup(n, prefix="h1_"), logit_map_setup(n, prefix="h2_")


def _per_head_sum(kernel: EntryKernel, heads: tuple[LogitMapSetup, ...]) -> sp.Matrix:
    return sum((h.jacobian.T * entry_matrix(kernel, h.probabilities) * h.jacobian for h in heads), sp.zeros(2, 2))


def _two_head_instance(definition: sp.Matrix, kernel: EntryKernel, heads: tuple[LogitMapSetup, ...]) -> Instance:
    def describe(point: Point) -> dict[str, Any]:
        return {key: value for h in heads for key, value in h.describe(point).items()}

    positive = tuple(e for h in heads for e in h.e)
    real = tuple(v for h in heads for v in h.derivative_variables)
    return Instance(positive, real, definition, _per_head_sum(kernel, heads), describe)


def independent_heads_instance(kernel: EntryKernel, n: int) -> Instance:
    """Heads drawn independently, (i, j) ~ p x q: the joint score is g_i + h_j and the joint Fisher
    sum_(i,j) p_i q_j (g_i + h_j)(g_i + h_j)^T is compared with sum over heads of J_h^T K(a_h) J_h."""
    first, second = _two_heads(n)
    joint = sp.zeros(2, 2)
    for pi, g in zip(first.probabilities, first.scores.tolist(), strict=True):
        for qj, h in zip(second.probabilities, second.scores.tolist(), strict=True):
            score = sp.Matrix(g) + sp.Matrix(h)
            joint += pi * qj * score * score.T
    return _two_head_instance(joint, kernel, (first, second))


def mixture_instance(kernel: EntryKernel, n: int) -> Instance:
    """One categorical a = (p + q) / 2 built from two heads: its score is (p_i g_i + q_i h_i) / (p_i + q_i), and
    its Fisher sum_i a_i s_i s_i^T is compared with the sum over heads of J_h^T K(a_h) J_h."""
    first, second = _two_heads(n)
    fisher = sp.zeros(2, 2)
    for pi, qi, g, h in zip(
        first.probabilities, second.probabilities, first.scores.tolist(), second.scores.tolist(), strict=True
    ):
        score = (pi * sp.Matrix(g) + qi * sp.Matrix(h)) / (pi + qi)
        fisher += (pi + qi) / 2 * score * score.T
    return _two_head_instance(fisher, kernel, (first, second))


PHASE_EPS = sp.Rational(1, 10)
PHASE_DIRECTIONS = ((1, 0), (1, 1))
"""The uniform witness (:class:`numeric.logit_maps.PhaseScorer`): z = (s, s + sin(s + phi) + eps arctan(theta_2)),
s = <omega, theta>, inputs omega in PHASE_DIRECTIONS at phases phi in {0, pi/2}, uniform."""


def _sigmoid_slope(t: sp.Expr) -> sp.Expr:
    """sigma'(t) = sigma(t)(1 - sigma(t)) = e^t / (1 + e^t)^2."""
    return sp.exp(t) / (1 + sp.exp(t)) ** 2


def _two_logit_fisher_is_rank_one() -> bool:
    """For z = (c, c + delta) with arbitrary smooth c, delta of theta: the Fisher from its definition,
    sum_i a_i grad log a_i grad log a_i^T, equals sigma'(delta) grad delta grad delta^T."""
    theta = sp.symbols("t1 t2", real=True)
    c, delta = sp.Function("c")(*theta), sp.Function("delta")(*theta)
    logits = [c, c + delta]
    total = sum(sp.exp(z) for z in logits)
    fisher = sp.zeros(2, 2)
    for z in logits:
        g = sp.Matrix([sp.diff(z - sp.log(total), t) for t in theta])
        fisher += sp.exp(z) / total * g * g.T
    grad = sp.Matrix([sp.diff(delta, t) for t in theta])
    return (fisher - _sigmoid_slope(delta) * grad * grad.T).applyfunc(sp.simplify).is_zero_matrix


def _slope_even_and_decreasing() -> bool:
    """sigma'(-t) = sigma'(t), and d/dt sigma'(t) = sigma'(t)(1 - 2 sigma(t)) with sigma(t) >= 1/2 for t >= 0,
    so sigma' is decreasing in |t| and sigma'(delta) >= sigma'(D) whenever |delta| <= D."""
    t = sp.Symbol("t", real=True)
    sigma = 1 / (1 + sp.exp(-t))
    even = sp.simplify(_sigmoid_slope(-t) - _sigmoid_slope(t)) == 0
    slope = sp.simplify(sp.diff(_sigmoid_slope(t), t) - _sigmoid_slope(t) * (1 - 2 * sigma)) == 0
    return even and slope and sigma.subs(t, 0) == sp.Rational(1, 2) and sp.diff(sigma, t).equals(_sigmoid_slope(t))


def _phase_pair_bound() -> bool:
    """Two inputs with the same omega and phases 0, pi/2 have v . grad delta = c a + b and -s a + b (c = cos s,
    s = sin s, a = <omega, v>, b = eps arctan'(theta_2) v_2), and under c^2 + s^2 = 1:
    (c a + b)^2 + (-s a + b)^2 - (a^2/2 - 2 b^2) = (a / sqrt 2 + sqrt 2 (c - s) b)^2 + 2 b^2 (c + s)^2 >= 0."""
    a, b, c, s = sp.symbols("a b c s", real=True)
    gap = (c * a + b) ** 2 + (-s * a + b) ** 2 - (a**2 / 2 - 2 * b**2)
    squares = (a / sp.sqrt(2) + sp.sqrt(2) * (c - s) * b) ** 2 + 2 * b**2 * (c + s) ** 2
    return sp.expand(sp.expand(gap - squares).subs(s**2, 1 - c**2)) == 0


def _phase_delta(theta: tuple[sp.Symbol, sp.Symbol], omega, phi, offset=0, amplitude=1, frequency=1) -> sp.Expr:
    """delta = c + A sin(f <omega, theta> + phi) + eps arctan(theta_2) (:class:`numeric.logit_maps.PhaseScorer`)."""
    s = omega[0] * theta[0] + omega[1] * theta[1]
    return offset + amplitude * sp.sin(frequency * s + phi) + PHASE_EPS * sp.atan(theta[1])


def _phase_inputs_as_argued() -> tuple[int, bool]:
    """(inputs, whether every input has det J = eps / (1 + theta_2^2) and grad delta = (cos s, -sin s) omega +
    eps arctan'(theta_2) e_2 at phase 0, pi/2), symbolic theta."""
    t1, t2 = sp.symbols("t1 t2", real=True)
    ramp = PHASE_EPS / (1 + t2**2) * sp.Matrix([[0, 1]])
    inputs, ok = 0, True
    for omega in PHASE_DIRECTIONS:
        s = omega[0] * t1 + omega[1] * t2
        for phi, trig in ((0, sp.cos(s)), (sp.pi / 2, -sp.sin(s))):
            logits = [s, s + _phase_delta((t1, t2), omega, phi)]
            jac = sp.Matrix([[sp.diff(z, t) for t in (t1, t2)] for z in logits])
            expected = trig * sp.Matrix([list(omega)]) + ramp
            ok &= (jac[1, :] - jac[0, :] - expected).applyfunc(sp.simplify).is_zero_matrix
            ok &= sp.simplify(jac.det() - PHASE_EPS / (1 + t2**2)) == 0
            inputs += 1
    return inputs, bool(ok)


def uniform_witness() -> Derivation:
    """Def. 2 item 3 for every theta, with full row rank at every theta and input, bounded Hessian and bounded
    entropy: the phase model (PHASE_DIRECTIONS, PHASE_EPS) has lambda_min(FIM_theta) >= mu for all theta in R^2,
    mu = sigma'(1 + eps pi/2) ((3 - sqrt 5)/16 - eps^2) > 0.

    The argument, each algebraic step verified here by sympy: (1) det J_x = omega_1 eps / (1 + theta_2^2) != 0;
    (2) the two-logit Fisher is sigma'(delta) grad delta grad delta^T; (3) |delta| <= 1 + eps pi/2 and sigma' is
    even and decreasing in |t|, so FIM >= sigma'(1 + eps pi/2) G with G = E_x[grad delta grad delta^T]; (4) per
    direction, the two phases give v^T (sum) v >= a^2/2 - 2 b^2 (a sum of squares), hence v^T G v >= (1/8)
    v^T Omega v - eps^2 >= lambda_min(Omega)/8 - eps^2 with Omega = sum omega omega^T; (5) every second derivative
    of delta is bounded (|sin|, |arctan''| <= 3 sqrt 3 / 8), so the log-likelihood Hessians are bounded; n = 2
    gives H(a) <= log 2."""
    t2 = sp.Symbol("t2", real=True)
    inputs, as_argued = _phase_inputs_as_argued()
    omega_gram = sum((sp.Matrix(w) * sp.Matrix(w).T for w in PHASE_DIRECTIONS), sp.zeros(2, 2))
    omega_min = min(omega_gram.eigenvals(multiple=True), key=lambda e: float(e))
    atan_curvature = sp.diff(sp.atan(t2), t2, 2)
    curvature_max = sp.Abs(atan_curvature.subs(t2, 1 / sp.sqrt(3)))
    curvature_ok = sp.solve(sp.diff(atan_curvature, t2), t2) == [-1 / sp.sqrt(3), 1 / sp.sqrt(3)]
    mu = _sigmoid_slope(1 + PHASE_EPS * sp.pi / 2) * (omega_min / 8 - PHASE_EPS**2)
    hessian_bound = _phase_hessian_bound()
    steps = {
        "det J_x = eps / (1 + theta_2^2) and grad delta as argued, at every input": as_argued,
        "two-logit Fisher = sigma'(delta) grad delta grad delta^T": _two_logit_fisher_is_rank_one(),
        "sigma' even and decreasing in |t|": _slope_even_and_decreasing(),
        "phase-pair sum-of-squares bound": _phase_pair_bound(),
        "max |arctan''| = 3 sqrt(3)/8": curvature_ok and sp.simplify(curvature_max - 3 * sp.sqrt(3) / 8) == 0,
        "mu > 0": bool(mu > 0),
    }
    return from_steps(
        steps,
        "uniform witness",
        f"phase model z = (s, s + sin(s + phi) + arctan(theta_2)/10), s = <omega, theta>, omega in "
        f"{list(PHASE_DIRECTIONS)}, phi in {{0, pi/2}}: lambda_min(FIM_theta) >= mu = {exact_string(mu)} = "
        f"{float(mu):.6g} for every theta in R^2 (lambda_min(Omega) = {exact_string(omega_min)}); det J_x = "
        f"1/(10 (1 + theta_2^2)) != 0; log-likelihood Hessians bounded by {exact_string(hessian_bound)} = "
        f"{float(hessian_bound):.4g}; H(a) <= log 2",
        inputs,
        "every theta in R^2: a general argument whose algebraic steps sympy verifies (symbolic theta)",
    )


def _family_loss(theta: tuple[sp.Symbol, sp.Symbol], r: sp.Symbol) -> sp.Expr:
    """f_R(theta): the negative log-likelihood of outcome 0, -log a_0 = log(1 + e^delta), weighted 1/8 on each of
    the four phase inputs and 1/2 on the saturated input (offset 2R + 40, amplitude R, frequency R^(-1/2))."""
    phase = sum(
        sp.log(1 + sp.exp(_phase_delta(theta, omega, phi))) for omega in PHASE_DIRECTIONS for phi in (0, sp.pi / 2)
    )
    far = _phase_delta(theta, (1, 0), 0, 2 * r + 40, r, 1 / sp.sqrt(r))
    return phase / 8 + sp.log(1 + sp.exp(far)) / 2


def _phase_hessian_bound() -> sp.Expr:
    """L = B of the phase model and of Thm 3's family: (sqrt 2 + eps)^2 / 4 + 2 + eps 3 sqrt 3 / 8, which bounds
    sigma'(delta) ||grad delta||^2 + ||Hess delta|| for |omega| <= sqrt 2 (|arctan''| <= 3 sqrt 3 / 8)."""
    return (sp.sqrt(2) + PHASE_EPS) ** 2 / 4 + 2 + PHASE_EPS * 3 * sp.sqrt(3) / 8


def family_hessian_bound() -> float:
    """:func:`_phase_hessian_bound` as a float, the bound the family's numeric check holds the Hessians to."""
    return float(_phase_hessian_bound())


def family_in_one_class() -> Derivation:
    """fim-attn Thm 3's family f_R (R >= 1) lies in one class of Def. 2 for every R: lambda_min(FIM) >= mu/2 (the
    phase inputs carry weight 1/2 and the far input adds a positive semidefinite term), log-likelihood Hessians
    (hence L and B) at most the phase model's bound, H(a) <= log 2, full row rank.  The far input's delta =
    2R + 40 + R sin(theta_1 / sqrt R) + eps arctan(theta_2) has second derivatives R (1/sqrt R)^2 |sin| <= 1 and
    eps |arctan''| <= eps 3 sqrt 3 / 8, and delta >= R + 39, where sigma'(delta) ||grad delta||^2 <= e^(-delta)
    (R + eps^2) <= e^(-39) max_R (R + eps^2) e^(-R) <= e^(-39)."""
    r, t = sp.symbols("R t", positive=True)
    theta = sp.symbols("t1 t2", real=True)
    far = _phase_delta(theta, (1, 0), 0, 2 * r + 40, r, 1 / sp.sqrt(r))
    far_hessian = sp.hessian(far, theta)
    unit_curvature = sp.simplify(far_hessian[0, 0] + sp.sin(theta[0] / sp.sqrt(r))) == 0
    slope_tail = sp.simplify(_sigmoid_slope(t) - sp.exp(-t) / (1 + sp.exp(-t)) ** 2) == 0
    tail_peak = sp.solve(sp.diff((r + PHASE_EPS**2) * sp.exp(-r), r), r) == [1 - PHASE_EPS**2]
    peak = sp.exp(PHASE_EPS**2 - 1)
    curvature_max = 3 * sp.sqrt(3) / 8
    far_bound = 1 + PHASE_EPS * curvature_max + sp.exp(-39) * peak
    phase_bound = _phase_hessian_bound()
    steps = {
        "d^2 delta / d theta_1^2 = -sin(theta_1 / sqrt R)": unit_curvature and far_hessian[0, 1] == 0,
        "sigma'(t) = e^-t / (1 + e^-t)^2 <= e^-t for t >= 0": slope_tail,
        "max_R (R + eps^2) e^-R at R = 1 - eps^2": tail_peak and bool(peak <= 1),
        "delta >= R + 39 (eps pi / 2 < 1)": bool(PHASE_EPS * sp.pi / 2 < 1),
        "far Hessian bound <= phase Hessian bound": bool(far_bound < phase_bound),
        "two-logit Fisher sigma'(delta) grad delta grad delta^T (semidefinite)": _two_logit_fisher_is_rank_one(),
    }
    return from_steps(
        steps,
        "family class constants",
        f"for every R >= 1 and theta: lambda_min(FIM) >= mu/2 = {float(UNIFORM_WITNESS_MU) / 2:.6g}, "
        f"log-likelihood Hessians <= {float(phase_bound):.4g} (L = B), H(a) <= log 2, det J = eps / (1 + "
        f"theta_2^2) != 0 at every input",
        1,
        "every R >= 1 and theta in R^2: a general argument whose steps sympy verifies (symbolic R, theta)",
    )


def family_initial_gradient(closed_form) -> Derivation:
    """||grad f_R(0)||^2 by sympy differentiation of f_R (symbolic R) equals ``closed_form(R)``, the formula the
    claim's asymptotic check reads (a sympy-in, sympy-out callable)."""
    r = sp.Symbol("R", positive=True)
    theta = sp.symbols("t1 t2", real=True)
    loss = _family_loss(theta, r)
    gradient = [sp.diff(loss, t).subs({theta[0]: 0, theta[1]: 0}) for t in theta]
    derived = sp.simplify(sum(g**2 for g in gradient))
    claimed = sp.sympify(closed_form(r))
    if sp.simplify(derived - claimed) != 0:
        return Derivation(Finding.INCONCLUSIVE, f"derived {sp.sstr(derived)}, closed form {sp.sstr(claimed)}")
    return Derivation(
        Finding.PROVED,
        f"||grad f_R(0)||^2 = {sp.sstr(claimed)} (sympy differentiation of the family's negative log-likelihood)",
        cases=1,
        scope="every R > 0, exact",
    )


UNIFORM_WITNESS_MU = float(_sigmoid_slope(1 + PHASE_EPS * sp.pi / 2) * ((3 - sp.sqrt(5)) / 16 - PHASE_EPS**2))
"""mu of :func:`uniform_witness` as a float, the floor its numeric check holds the Fisher to."""
