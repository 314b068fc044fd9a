"""Exact limits, series and identities about softmax at temperature tau (fim-attn Lemma 2, Appendix A,
Prop. 1, Remark 1, Thm 3 step 4; holistic §2.1-2.2): sympy ``limit``, ``series`` and ``summation`` on exact
rational inputs, and general-n derivations where sympy closes them.

A claim with an unnamed constant ("O(tau)", "<= C H(a)", "= O(1)") is refuted by a family along which the
ratio to the claimed rate diverges, with the limit computed exactly; a claimed limit is refuted by an exact
limit that differs.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import sympy as sp

from fim_audit.symbolic.formula import strict_value
from fim_audit.symbolic.outcome import Certificate, Derivation, Finding
from fim_audit.symbolic.exact import Instance, Point, closed_form, exact_string
from fim_audit.symbolic.sums import linearise, on_simplex

TAU = sp.Symbol("tau", positive=True)
EPSILON = sp.Symbol("epsilon", positive=True)
_N = sp.Symbol("n", integer=True, positive=True)
_I, _J, _M = sp.symbols("i j m", integer=True, positive=True)


def softmax_at(z: Sequence[sp.Expr], tau: sp.Expr = sp.S.One) -> list[sp.Expr]:
    """sigma(z / tau) exactly, for explicit logits."""
    weights = [sp.exp(zk / tau) for zk in z]
    total = sum(weights)
    return [sp.simplify(w / total) for w in weights]


def _spectral_norm(m: sp.Matrix) -> sp.Expr:
    """||m||_2 of a symmetric matrix with exact entries: the largest |eigenvalue|."""
    return sp.Max(*(sp.Abs(v) for v in m.eigenvals(multiple=True)))


def _disproved(detail: str, inputs: dict[str, Any], observed: dict[str, Any], how: str) -> Derivation:
    return Derivation(Finding.DISPROVED, detail, cases=1, counterexample=Certificate(inputs, observed, True, how))


def _strings(values) -> list[str]:
    return [exact_string(v) for v in values]


# --- fim-attn Lemma 2 ---------------------------------------------------------------------------------------

LEMMA2_READINGS = ("base-attention", "same-temperature", "attention-vector")


def lemma2_gap(reading: str, z: Sequence[sp.Expr]) -> sp.Matrix:
    """E[A A^T] - (diag(a) - a a^T) as a function of tau, for one reading of Lemma 2:

    base-attention: A one-hot, P(A = e_i) = sigma(z / tau)_i, a = sigma(z);
    same-temperature: A as above, a = sigma(z / tau);
    attention-vector: A = a = sigma(z / tau), not a sample.
    For a one-hot A, E[A A^T] = sum_i q_i e_i e_i^T = diag(q).
    """
    q = sp.Matrix(softmax_at(z, TAU))
    a = sp.Matrix(softmax_at(z)) if reading == "base-attention" else q
    second_moment = q * q.T if reading == "attention-vector" else sp.diag(*q)
    return second_moment - (sp.diag(*a) - a * a.T)


def lemma2_no_constant(reading: str) -> Derivation:
    """||gap(tau)||_2 tends to a non-zero limit as tau -> 0+ (exactly, at z = (0, 1)), so ||gap||_2 / tau
    diverges and no constant C gives ||gap||_2 <= C tau."""
    z = (sp.Integer(0), sp.Integer(1))
    limit = lemma2_gap(reading, z).applyfunc(lambda e: sp.simplify(sp.limit(e, TAU, 0, "+")))
    norm = sp.simplify(_spectral_norm(limit))
    if not norm.is_positive:
        return Derivation(Finding.INCONCLUSIVE, f"limit of the gap at z = (0, 1) is {limit.tolist()}")
    return _disproved(
        f"lim_(tau->0+) ||gap(tau)||_2 = {sp.N(norm, 6)} > 0 at z = (0, 1), so ||gap||_2 / tau -> oo: no constant C",
        {"z": ["0", "1"], "tau": "-> 0+"},
        {"limit_of_gap": [_strings(r) for r in limit.tolist()], "limit_of_norm": exact_string(norm)},
        "exact limit (sympy)",
    )


def _positive(value: sp.Expr) -> bool:
    """Whether an exact number is certified positive (:func:`symbolic.formula.strict_value`: an interval enclosure
    above 0)."""
    certain = strict_value(value)
    return certain is not None and certain > 0


def sampled_second_moment_general_n() -> Derivation:
    """sum_i q_i e_i e_i^T = diag(q) entrywise ((k, l) entry sum_i q_i delta_ik delta_il = q_k delta_kl),
    symbolic n: E[A A^T] of a one-hot sample is diag of its distribution, with no O(tau) term."""
    q = sp.IndexedBase("q", nonnegative=True)
    row, col = _J, _M
    entry = sp.refine(
        linearise(sp.Sum(q[_I] * sp.KroneckerDelta(_I, row) * sp.KroneckerDelta(_I, col), (_I, 1, _N))).doit(),
        sp.Q.le(row, _N) & sp.Q.le(col, _N),
    )
    identity = (
        sp.Sum(q[_I] * sp.KroneckerDelta(_I, row) * sp.KroneckerDelta(_I, col), (_I, 1, _N)),
        q[row] * sp.KroneckerDelta(row, col),
    )
    return closed_form(
        sp.simplify(entry - identity[1]), "E[A A^T] = diag(q), symbolic n", "all n >= 1, all q", identity
    )


# --- fim-attn Appendix A ----------------------------------------------------------------------------------------


def taylor_zeroth_order() -> Derivation:
    """The expansion around tau = 0 needs lim_(tau->0+) sigma(z / tau) = sigma(z); at z = (0, 1) the limit is
    (0, 1) (exactly), not sigma(z) = (1/(1+e), e/(1+e)); and sigma(z/tau)_1 / exp(-1/tau) -> 1, so sigma(z/tau)
    approaches its limit faster than any power of tau (no Taylor series in tau at 0 has sigma(z) as constant)."""
    z = (sp.Integer(0), sp.Integer(1))
    at_temperature = softmax_at(z, TAU)
    limit = [sp.limit(p, TAU, 0, "+") for p in at_temperature]
    base = softmax_at(z)
    if limit == base:
        return Derivation(Finding.INCONCLUSIVE, "the limit equals sigma(z)")
    flatness = sp.limit(at_temperature[0] / sp.exp(-1 / TAU), TAU, 0, "+")
    return _disproved(
        "lim_(tau->0+) sigma(z / tau) = (0, 1) != sigma(z) at z = (0, 1): the zeroth-order term is wrong",
        {"z": ["0", "1"]},
        {
            "limit_tau_to_0": _strings(limit),
            "sigma_z": _strings(base),
            "sigma(z/tau)_1 / exp(-1/tau) -> ": exact_string(flatness),
        },
        "exact limits (sympy)",
    )


def expansion_at_one() -> Derivation:
    """Around tau = 1 the expansion with zeroth-order term sigma(z) holds: the series of sigma(z/tau)_1 in
    (tau - 1) for symbolic z (n = 2) starts with sigma(z)_1 and has the App. A step 2 derivative as slope."""
    z = sp.symbols("z0 z1", real=True)
    p = softmax_at(z, TAU)[0]
    series = sp.series(p, TAU, 1, 2).removeO()
    constant = series.subs(TAU, 1)
    slope = sp.diff(series, TAU)
    base = softmax_at(z)
    mean = z[0] * base[0] + z[1] * base[1]
    claimed_slope = -(z[0] * base[0] - base[0] * mean)
    residual = sp.simplify(constant - base[0]) + sp.simplify(slope - claimed_slope)
    return closed_form(residual, "series of sigma(z/tau) at tau = 1", "n = 2, all z: expansion in powers of tau - 1")


def tau_derivative_general_n(kernel: Callable) -> Derivation:
    """d sigma(z/tau)_i / d tau for symbolic n against kernel(z_i, sigma_i, sum_k z_k sigma_k, tau)."""
    z = sp.IndexedBase("z", real=True)
    total = sp.Sum(sp.exp(z[_M] / TAU), (_M, 1, _N))
    sigma = lambda index: sp.exp(z[index] / TAU) / total  # noqa: E731
    derivative = sp.diff(sigma(_I), TAU).doit()
    mean = sp.Sum(z[_J] * sigma(_J), (_J, 1, _N))
    residual = sp.simplify(linearise(derivative - kernel(z[_I], sigma(_I), mean, TAU)))
    identity = (sp.Derivative(sigma(_I), TAU), kernel(z[_I], sigma(_I), mean, TAU))
    return closed_form(residual, "d sigma(z/tau)_i / d tau, symbolic n", "all n >= 1, all z, tau > 0", identity)


def tau_derivative_instance(kernel: Callable, n: int) -> Instance:
    """d sigma(z/tau)_i / d tau at size n with e_k(tau) = exp(z_k / tau), de_k/dtau = -z_k e_k / tau^2 (chain
    rule), then e_k named as positive symbols: a rational identity in z, e and tau."""
    z = sp.symbols(f"z0:{n}", real=True)
    e = sp.symbols(f"e0:{n}", positive=True)
    moving = [sp.Function(f"E{k}")(TAU) for k in range(n)]
    total = sum(moving)
    sigma = [m / total for m in moving]
    rate = {sp.Derivative(m, TAU): -zk * ek / TAU**2 for m, zk, ek in zip(moving, z, e, strict=True)}
    named = dict(zip(moving, e, strict=True))
    derivative = [sp.diff(s, TAU).xreplace(rate).xreplace(named) for s in sigma]
    p = [ek / sum(e) for ek in e]
    mean = sum(zk * pk for zk, pk in zip(z, p, strict=True))
    claimed = [kernel(zk, pk, mean, TAU) for zk, pk in zip(z, p, strict=True)]

    def describe(point: Point) -> dict[str, Any]:
        return {"z": [exact_string(point[v]) for v in z], "tau": exact_string(point[TAU])}

    return Instance((*e, TAU), z, sp.Matrix([derivative]), sp.Matrix([claimed]), describe)


def unique_argmax_limit(max_n: int) -> Derivation:
    """With a unique maximiser and gaps c_k > 0, sigma(z/tau)_(i*) = 1 / (1 + sum_k exp(-c_k / tau)) -> 1 as
    tau -> 0+ (sympy, symbolic gaps, n <= max_n); the other entries are non-negative and sum to 1 - that -> 0."""
    for n in range(1, max_n + 1):
        gaps = sp.symbols(f"c1:{n}", positive=True)
        top = sp.Integer(1) / (1 + sp.Add(*(sp.exp(-c / TAU) for c in gaps)))
        if sp.limit(top, TAU, 0, "+") != 1:
            return Derivation(Finding.INCONCLUSIVE, f"limit of the top entry at n = {n} is not 1")
    scope = f"every n <= {max_n}, symbolic positive gaps (each exp(-c/tau) -> 0, so every finite n follows)"
    return Derivation(Finding.PROVED, "lim sigma(z/tau) = e_(i*) for a unique maximiser", max_n, scope)


def tied_limit(max_n: int) -> Derivation:
    """With k tied maximisers and the rest below by gaps c > 0, each tied entry is 1 / (k + sum exp(-c/tau)) ->
    1/k (sympy, n <= max_n, every k): the limit is uniform over the set of maximisers."""
    for n in range(1, max_n + 1):
        for k in range(1, n + 1):
            gaps = sp.symbols(f"c1:{n - k + 1}", positive=True)
            tied = sp.Integer(1) / (k + sp.Add(*(sp.exp(-c / TAU) for c in gaps)))
            if sp.limit(tied, TAU, 0, "+") != sp.Rational(1, k):
                return Derivation(Finding.INCONCLUSIVE, f"tied limit at n = {n}, k = {k} is not 1/k")
    scope = f"every n <= {max_n} and number of tied maximisers k <= n"
    return Derivation(Finding.PROVED, "lim sigma(z/tau) = uniform over argmax z", max_n, scope)


def tie_breaks_unique_limit() -> Derivation:
    """At z = (0, 0) sigma(z / tau) = (1/2, 1/2) for every tau: the limit is not one-hot, and i* = argmax z
    is not even defined."""
    z = (sp.Integer(0), sp.Integer(0))
    limit = [sp.limit(p, TAU, 0, "+") for p in softmax_at(z, TAU)]
    return _disproved(
        "z = (0, 0): lim sigma(z/tau) = (1/2, 1/2), not a one-hot vector (argmax z has two elements)",
        {"z": ["0", "0"]},
        {"limit_tau_to_0": _strings(limit)},
        "exact limit (sympy)",
    )


# --- fim-attn Prop. 1 and Remark 1 ------------------------------------------------------------------------------

PROP1_READINGS = ("sample-from-a", "attention-vector")


def entropy(p: Sequence[sp.Expr]) -> sp.Expr:
    return -sum(x * sp.log(x) for x in p if x != 0)


def prop1_gap(reading: str, a: Sequence[sp.Expr]) -> sp.Matrix:
    """(diag(a) - a a^T) - E[A A^T] for A a one-hot sample from a (E[A A^T] = diag(a)), or A = a itself."""
    v = sp.Matrix(a)
    second_moment = v * v.T if reading == "attention-vector" else sp.diag(*a)
    return sp.diag(*a) - v * v.T - second_moment


def prop1_ratio_diverges(reading: str) -> Derivation:
    """Along a_eps = (1 - eps, eps), ||gap||_2 / H(a_eps) -> oo as eps -> 0+ (exact limit), so no C works;
    at the one-hot a = (1, 0) itself H = 0 while ||gap||_2 = 1."""
    a = (1 - EPSILON, EPSILON)
    norm = sp.simplify(_spectral_norm(prop1_gap(reading, a)))
    limit = sp.limit(norm / entropy(a), EPSILON, 0, "+")
    at_one_hot = _spectral_norm(prop1_gap(reading, (sp.Integer(1), sp.Integer(0))))
    if limit != sp.oo:
        return Derivation(Finding.INCONCLUSIVE, f"ratio limit {limit}")
    return _disproved(
        f"a = (1 - eps, eps): ||gap||_2 / H(a) -> oo as eps -> 0+; at a = (1, 0), H = 0 but ||gap||_2 = {at_one_hot}",
        {"a": ["1 - eps", "eps"], "eps": "-> 0+"},
        {"norm_of_gap": exact_string(norm), "ratio_limit": "oo", "at_one_hot": exact_string(at_one_hot)},
        "exact limit (sympy)",
    )


def covariance_entropy_bound() -> Derivation:
    """tr(diag(a) - a a^T) = 1 - sum a^2 <= H(a) on the simplex: H - (1 - sum a^2) = sum_i a_i f(a_i) with
    f(x) = -log x - 1 + x, and f' <= 0 on (0, 1] with f(1) = 0, so f >= 0 there (sympy).  With ||M||_2 <= tr M
    for the positive semi-definite M, this gives ||diag(a) - a a^T||_2 <= H(a) (C = 1)."""
    x = sp.Symbol("x", positive=True)
    f = -sp.log(x) - 1 + x
    decreasing = sp.solve_univariate_inequality(sp.diff(f, x) <= 0, x, relational=False)
    a = sp.IndexedBase("a", positive=True)
    difference = -sp.Sum(a[_I] * sp.log(a[_I]), (_I, 1, _N)) - (1 - sp.Sum(a[_I] ** 2, (_I, 1, _N)))
    termwise = sp.Sum(a[_I] * f.subs(x, a[_I]), (_I, 1, _N))
    residual = sp.simplify(on_simplex(difference - termwise, a, _N))
    if decreasing == sp.Interval.Lopen(0, 1) and f.subs(x, 1) == 0 and residual == 0:
        return Derivation(
            Finding.PROVED, "H(a) - (1 - sum a^2) = sum a_i f(a_i), f >= 0 on (0, 1]", 1, "all n >= 1, a on the simplex"
        )
    return Derivation(Finding.INCONCLUSIVE, f"decreasing on {decreasing}, residual {residual}")


def remark1_criteria() -> Derivation:
    """The three criteria of Remark 1 order distributions differently: a = (7/10, 3/20, 3/20) has the larger
    norm (0.535 > 0.52) but also the larger entropy than b = (3/5, 2/5, 0), so "more concentrated" is not
    one notion; and the Prop. 1 gap for a one-hot sample, ||a||_2^2, grows as a concentrates."""
    a = (sp.Rational(7, 10), sp.Rational(3, 20), sp.Rational(3, 20))
    b = (sp.Rational(3, 5), sp.Rational(2, 5), sp.Integer(0))
    norms = [sum(x**2 for x in v) for v in (a, b)]
    entropies = [entropy(v) for v in (a, b)]
    if not (norms[0] > norms[1] and _positive(entropies[0] - entropies[1])):
        return Derivation(Finding.INCONCLUSIVE, "the pair does not separate the criteria")
    return _disproved(
        "||a||_2 > ||b||_2 yet H(a) > H(b): the norm and the entropy disagree on which is more concentrated",
        {"a": _strings(a), "b": _strings(b)},
        {"squared_norms": _strings(norms), "entropies": [str(sp.N(h, 12)) for h in entropies]},
        "exact rationals; the entropies' difference by interval arithmetic",
    )


def remark1_gap_grows() -> Derivation:
    """The Prop. 1 gap (A a one-hot sample from a) is ||a a^T||_2 = ||a||_2^2: from a = (1/2, 1/2) (H = log 2)
    to a = (1, 0) (H = 0, larger norm) it grows from 1/2 to 1 - the approximation worsens as a concentrates."""
    gaps = [_spectral_norm(prop1_gap("sample-from-a", a)) for a in ((sp.Rational(1, 2),) * 2, (1, 0))]
    if not gaps[1] > gaps[0]:
        return Derivation(Finding.INCONCLUSIVE, f"gaps {gaps}")
    return _disproved(
        "gap 1/2 at a = (1/2, 1/2), gap 1 at a = (1, 0): concentrating a (higher norm, lower entropy) enlarges it",
        {"a": ["1/2", "1/2"], "b": ["1", "0"]},
        {"gap_a": exact_string(gaps[0]), "gap_b": exact_string(gaps[1])},
        "exact arithmetic",
    )


def remark1_temperature() -> Derivation:
    """With a = sigma(z) fixed at z = (log 9, 0) = (9/10, 1/10) and A sampled at temperature tau, the gap
    ||diag(a) - a a^T - diag(sigma(z/tau))||_2 is 41/50 at tau = 1 and larger in the limit tau -> 0+."""
    z = (sp.log(9), sp.Integer(0))
    a = sp.Matrix(softmax_at(z))
    q = softmax_at(z, TAU)
    gap = sp.diag(*a) - a * a.T - sp.diag(*q)
    at_one = sp.simplify(_spectral_norm(gap.subs(TAU, 1)))
    at_zero = sp.simplify(_spectral_norm(gap.applyfunc(lambda e: sp.limit(e, TAU, 0, "+"))))
    if not _positive(at_zero - at_one):
        return Derivation(Finding.INCONCLUSIVE, f"gap {at_one} at tau = 1, {at_zero} at tau -> 0")
    return _disproved(
        f"gap {at_one} at tau = 1 but {sp.N(at_zero, 6)} as tau -> 0+: lowering the temperature worsens it",
        {"z": ["log(9)", "0"], "a": ["9/10", "1/10"]},
        {"gap_at_tau_1": exact_string(at_one), "gap_as_tau_to_0": exact_string(at_zero)},
        "exact limit (sympy); the difference's sign by interval arithmetic",
    )


# --- fim-attn Thm 3 step 4 --------------------------------------------------------------------------------------

_T = sp.Symbol("T", positive=True, integer=True)
_t = sp.Symbol("t", positive=True, integer=True)


def schedule_sum_unbounded() -> Derivation:
    """sum_(t=1)^T tau_0 t^(-1/2) t^(-1/2) = tau_0 harmonic(T) -> oo; and harmonic(2T) - harmonic(T) -> log 2 != 0,
    so the partial sums are not even Cauchy: not O(1)."""
    tau0 = sp.Symbol("tau_0", positive=True)
    total = sp.summation(tau0 / sp.sqrt(_t) * 1 / sp.sqrt(_t), (_t, 1, _T))
    limit = sp.limit(total, _T, sp.oo)
    increment = sp.limit(sp.harmonic(2 * _T) - sp.harmonic(_T), _T, sp.oo)
    if limit != sp.oo:
        return Derivation(Finding.INCONCLUSIVE, f"partial sum {total} has limit {limit}")
    return _disproved(
        f"sum_(t<=T) tau_t eta_t = {total} -> oo, and the sum over (T, 2T] tends to tau_0 log 2",
        {"tau_t": "tau_0 / sqrt(t)", "eta_t": "1 / sqrt(t)"},
        {"partial_sum": exact_string(total), "limit": "oo", "increment_T_to_2T": exact_string(tau0 * increment)},
        "exact summation and limits (sympy)",
    )


def schedule_sum_asymptotics() -> Derivation:
    """harmonic(T) = log T + gamma + 1/(2T) - 1/(12 T^2) + O(T^-3) as T -> oo (sympy series): the sum is
    tau_0 log T + O(1), so Thm 3's bound is O(log T / sqrt(T)), not O(1 / sqrt(T))."""
    series = sp.series(sp.harmonic(_T).rewrite(sp.digamma), _T, sp.oo, 3).removeO()
    expected = sp.log(_T) + sp.EulerGamma + 1 / (2 * _T) - 1 / (12 * _T**2)
    residual = sp.simplify(sp.expand_log(series - expected, force=True))
    return closed_form(
        residual, "harmonic(T) asymptotics", "T -> oo", (sp.harmonic(_T), expected + sp.O(_T**-3, (_T, sp.oo)))
    )


# --- holistic §2.1-2.2 -------------------------------------------------------------------------------------------


def gibbs_variational_identity() -> Derivation:
    """For p on the simplex, scores s and T > 0: <p, s> + T H(p) = T log Z - T KL(p || sigma(s/T)), Z = sum
    exp(s_j / T) (symbolic n).  KL >= 0 with equality iff p = sigma(s/T), so the attention weights are the unique
    maximiser of <p, s> + T H(p): the Boltzmann (Gibbs) distribution of energies -s at temperature T."""
    p = sp.IndexedBase("p", positive=True)
    s = sp.IndexedBase("s", real=True)
    t = sp.Symbol("T", positive=True)
    log_z = sp.log(sp.Sum(sp.exp(s[_M] / t), (_M, 1, _N)))
    log_sigma = s[_I] / t - log_z
    objective = sp.Sum(p[_I] * s[_I], (_I, 1, _N)) - t * sp.Sum(p[_I] * sp.log(p[_I]), (_I, 1, _N))
    kl = sp.Sum(p[_I] * (sp.log(p[_I]) - log_sigma), (_I, 1, _N))
    residual = sp.simplify(on_simplex(objective - (t * log_z - t * kl), p, _N))
    identity = (objective, t * log_z - t * kl)
    return closed_form(
        residual, "Gibbs variational identity, symbolic n", "all n >= 1, p on the simplex, T > 0", identity
    )


def high_temperature_limit(max_n: int) -> Derivation:
    """lim_(T->oo) sigma(s/T)_1 = 1/n for symbolic real scores s, every n <= max_n (sympy)."""
    t = sp.Symbol("T", positive=True)
    for n in range(1, max_n + 1):
        s = sp.symbols(f"s0:{n}", real=True)
        if sp.limit(softmax_at(s, t)[0], t, sp.oo) != sp.Rational(1, n):
            return Derivation(Finding.INCONCLUSIVE, f"high-temperature limit at n = {n} is not 1/n")
    return Derivation(Finding.PROVED, "lim_(T->oo) sigma(s/T) = uniform", max_n, f"every n <= {max_n}, symbolic s")


def finite_n_smoothness(max_n: int, order: int = 3) -> Derivation:
    """At finite n, Z(T) = sum_j exp(s_j / T) is real-analytic and positive on T > 0, so log Z, the free energy
    -T log Z and the entropy H are real-analytic there: no phase transition.  Verified: the first ``order``
    derivatives of H for symbolic scores, n <= max_n, have denominators that are products of powers of T and
    of Z (never zero for T > 0)."""
    t = sp.Symbol("T", positive=True)
    for n in range(2, max_n + 1):
        s = sp.symbols(f"s0:{n}", real=True)
        z = sum(sp.exp(sk / t) for sk in s)
        h = sp.log(z) - sum(sk * sp.exp(sk / t) for sk in s) / (t * z)
        derivative = h
        for _ in range(order):
            derivative = sp.diff(derivative, t)
            _, denominator = sp.fraction(sp.together(derivative))
            factors = sp.Mul.make_args(sp.factor_terms(denominator))
            allowed = all(
                sp.simplify(f.as_base_exp()[0] - z) == 0 or f.as_base_exp()[0] == t or f.is_number for f in factors
            )
            if not allowed:
                return Derivation(Finding.INCONCLUSIVE, f"denominator factor outside T, Z at n = {n}: {denominator}")
    return _disproved(
        f"entropy (and free energy) are analytic in T > 0 at every finite n; derivatives up to order {order} for "
        f"n <= {max_n} have denominators T^a Z^b only, so there is no T_c where they jump",
        {"n": f"2 .. {max_n}", "scores": "symbolic"},
        {"Z(T)": "sum_j exp(s_j / T) > 0, analytic"},
        "sympy derivatives and denominators, with the general analyticity argument",
    )


REM_CRITICAL_TEMPERATURE = sp.Integer(1)


def rem_limit_kink() -> Derivation:
    """For s_j = sqrt(2 log n) g_j with g_j iid N(0, 1) (Derrida's random energy model), H / log n tends to
    h(T) = max(0, 1 - 1/T^2); its left and right derivatives at T_c = 1 are 0 and 2 (exact): a freezing
    transition, non-analytic at T_c."""
    t = sp.Symbol("T", positive=True)
    high = 1 - 1 / t**2
    left = sp.Integer(0)
    right = sp.diff(high, t).subs(t, REM_CRITICAL_TEMPERATURE)
    continuous = high.subs(t, REM_CRITICAL_TEMPERATURE) == 0
    if continuous and right != left:
        return Derivation(
            Finding.PROVED,
            f"h(T) = max(0, 1 - 1/T^2) is continuous at T_c = 1 with one-sided derivatives {left} and {right}",
            1,
            "the n -> oo limit law is Derrida's (1981) random energy model result, cited; the kink is exact",
        )
    return Derivation(Finding.INCONCLUSIVE, "no kink found")
