"""Symbolic facts about the softmax Fisher F = (diag(p) - p p^T) / tau^2 (fim-metrics doc, "FIM Metrics We
Track"): its trace, kernel, interlacing with p, the bounds on eigmax, and the fifth eigenvalue.

General-n statements use IndexedBase sums normalised by :mod:`symbolic.sums`; fixed-n statements are exact
polynomial or rational identities decided by :mod:`symbolic.exact`.
"""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp

from fim_audit.symbolic.outcome import Certificate, Derivation, Finding
from fim_audit.symbolic.exact import Instance, Point, closed_form, exact_string, rational, shifted_determinant
from fim_audit.symbolic.sums import linearise, on_simplex

_N = sp.Symbol("n", integer=True, positive=True)
_I, _J, _K = sp.symbols("i j k", integer=True, positive=True)
TAU = sp.Symbol("tau", positive=True)
_P = sp.IndexedBase("p", nonnegative=True)
_V = sp.IndexedBase("v", real=True)
_DELTA = sp.KroneckerDelta


def _fisher_entry(row: sp.Symbol, col: sp.Symbol) -> sp.Expr:
    return (_DELTA(row, col) * _P[row] - _P[row] * _P[col]) / TAU**2


def _in_range(expr: sp.Expr, *indices: sp.Symbol) -> sp.Expr:
    return sp.refine(expr, sp.And(*(sp.Q.le(index, _N) for index in indices)))


def trace_general_n() -> Derivation:
    """tr F = sum_i F_ii and E_{i~p} ||grad_s log softmax(s / tau)_i||^2 both equal (1 - sum p^2) / tau^2
    on the simplex, for symbolic n (the score is (e_i - p) / tau, fim-attn Thm 1 step 2)."""
    closed = (1 - sp.Sum(_P[_I] ** 2, (_I, 1, _N))) / TAU**2
    trace = sp.Sum(_fisher_entry(_I, _I), (_I, 1, _N))
    squared_score = _in_range(linearise(sp.Sum(((_DELTA(_I, _J) - _P[_J]) / TAU) ** 2, (_J, 1, _N))).doit(), _I)
    information = sp.Sum(_P[_I] * squared_score, (_I, 1, _N))
    residual = sp.simplify(on_simplex(trace - closed, _P, _N)) + sp.simplify(on_simplex(information - closed, _P, _N))
    return closed_form(
        residual,
        "tr F and E||score||^2 vs (1 - sum p^2) / tau^2, symbolic n",
        "all n >= 1, p on the simplex",
        (trace, closed),
    )


def kernel_general_n() -> Derivation:
    """(F v)_k = p_k (v_k - sum_j p_j v_j) / tau^2 for symbolic n: so F v = 0 iff v_k = p^T v wherever
    p_k > 0, i.e. iff v is constant on the support (and then p^T v is that constant, as sum p = 1)."""
    product = _in_range(linearise(sp.Sum(_fisher_entry(_K, _J) * _V[_J], (_J, 1, _N))).doit(), _K)
    claimed = _P[_K] * (_V[_K] - sp.Sum(_P[_J] * _V[_J], (_J, 1, _N))) / TAU**2
    residual = sp.simplify(linearise(product - claimed))
    identity = (sp.Sum(_fisher_entry(_K, _J) * _V[_J], (_J, 1, _N)), claimed)
    return closed_form(
        residual, "(F v)_k = p_k (v_k - p^T v) / tau^2, symbolic n", "all n >= 1, all p, v, tau", identity
    )


def variance_general_n() -> Derivation:
    """v^T (diag p - p p^T) v = sum_i p_i (v_i - p^T v)^2 = Var_{i~p}(v_i) on the simplex, symbolic n."""
    quadratic = sp.Sum(_P[_I] * _V[_I] ** 2, (_I, 1, _N)) - sp.Sum(_P[_I] * _V[_I], (_I, 1, _N)) ** 2
    variance = sp.Sum(_P[_I] * (_V[_I] - sp.Sum(_P[_J] * _V[_J], (_J, 1, _N))) ** 2, (_I, 1, _N))
    residual = sp.simplify(on_simplex(quadratic - variance, _P, _N))
    return closed_form(
        residual, "v^T tau^2 F v = Var_(i~p)(v_i), symbolic n", "all n >= 1, p on the simplex", (quadratic, variance)
    )


def _describe_p(p: list[sp.Expr]):
    def describe(point: Point) -> dict[str, Any]:
        return {"p": [exact_string(sp.sympify(pk).xreplace(point)) for pk in p]}

    return describe


def vieta_instance(n: int) -> Instance:
    """The coefficient of lambda^(n-1) in det(lambda I - M), M = diag(p) - p p^T, is -tr M, so the
    eigenvalues (roots, with multiplicity) sum to the trace.  A polynomial identity in free p (it holds
    for every p, so in particular on the simplex)."""
    p = sp.symbols(f"p0:{n}", positive=True)
    lam = sp.Symbol("lambda")
    m = sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T
    characteristic = (-1) ** n * shifted_determinant(m, lam)  # det(lambda I - M)
    return Instance(
        p,
        (),
        sp.Matrix([[characteristic.coeff_monomial(lam ** (n - 1))]]),
        sp.Matrix([[-m.trace()]]),
        _describe_p(p),
    )


def rank_minor_instance(support: int) -> Instance:
    """On a support of size s with masses q (q_s = 1 - q_1 - ... - q_(s-1)), the leading (s-1) x (s-1)
    principal minor of diag(q) - q q^T equals q_1 ... q_s > 0, so rank F >= s - 1; with F 1_S = 0 the rank
    is exactly s - 1.  A polynomial identity in q_1 .. q_(s-1)."""
    head = sp.symbols(f"q0:{support - 1}", positive=True)
    q = [*head, 1 - sum(head)]
    minor = (sp.diag(*head) - sp.Matrix(head) * sp.Matrix(head).T).det(method="berkowitz") if head else sp.Integer(1)
    return Instance(head, (), sp.Matrix([[minor]]), sp.Matrix([[sp.prod(q)]]), _describe_p(q))


def characteristic_instance(n: int) -> Instance:
    """det(M - lambda I) = prod_i (p_i - lambda) - sum_i p_i^2 prod_(j != i) (p_j - lambda) for M =
    diag(p) - p p^T (matrix determinant lemma), and at lambda = p_k it equals -p_k^2 prod_(j != k)(p_j - p_k).

    For distinct p sorted decreasingly the latter alternates in sign with k, so det(M - lambda I) has a root
    in each (p_(k+1), p_(k)); with the root 0 (M 1 = 0 on the simplex) that places all n eigenvalues.
    """
    p = sp.symbols(f"p0:{n}", positive=True)
    lam = sp.Symbol("lambda")
    m = sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T

    def lemma(x: sp.Expr) -> sp.Expr:
        return sp.prod([pi - x for pi in p]) - sum(
            p[i] ** 2 * sp.prod([p[j] - x for j in range(n) if j != i]) for i in range(n)
        )

    determinant = shifted_determinant(m, lam)
    definition = [determinant.as_expr(), *(determinant.eval(pk) for pk in p)]
    claimed = [
        lemma(lam),
        *(-(p[k] ** 2) * sp.prod([p[j] - p[k] for j in range(n) if j != k]) for k in range(n)),
    ]

    def describe(point: Point) -> dict[str, Any]:
        return {"p": [exact_string(point[pk]) for pk in p]}

    return Instance(p, (lam,), sp.Matrix([definition]), sp.Matrix([claimed]), describe)


def fifth_eigenvalue_vanishes() -> Derivation:
    """decay = eigmax / lambda_5 at p uniform over 5 outcomes: F has the exact eigenvalues 1/5 (four times)
    and 0, so lambda_5 = 0 and the ratio is undefined (and for n < 5 there is no lambda_5 at all)."""
    n = 5
    p = [sp.Rational(1, n)] * n
    fisher = sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T
    spectrum = sorted((value for value, count in fisher.eigenvals().items() for _ in range(count)), reverse=True)
    fifth = spectrum[4]
    if fifth != 0:
        return Derivation(Finding.INCONCLUSIVE, f"lambda_5 = {fifth} at uniform p, n = 5")
    return Derivation(
        Finding.DISPROVED,
        "lambda_5 = 0 exactly for p uniform on 5 outcomes (tau = 1): eigmax / lambda_5 is undefined",
        cases=1,
        counterexample=Certificate(
            {"p": [exact_string(x) for x in p], "tau": "1"},
            {
                "eigenvalues": [exact_string(x) for x in spectrum],
                "lambda_5": "0",
                "eigmax": exact_string(spectrum[0]),
            },
            True,
            "exact rational eigenvalues (sympy)",
        ),
    )


def fifth_eigenvalue_certifier(inputs: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    """Exactly decide "lambda_5 = 0" at a float counterexample {"p": floats}: at the rational point
    p / sum(p) (on the simplex, within a few ulps of the input) F = diag(p) - p p^T is exact, and
    lambda_5 = 0 iff rank F <= 4 (F is positive semi-definite); for n < 5 there is no lambda_5.  Rows and
    columns of F outside the support of p are exactly zero, so the rank is that of the support block."""
    weights = [rational(x) for x in inputs["p"]]
    total = sum(weights)
    if len(weights) < 5:
        return True, f"exact: n = {len(weights)} < 5, so F has no fifth eigenvalue", {"n": len(weights)}
    q = [w / total for w in weights if w != 0]
    rank = (sp.diag(*q) - sp.Matrix(q) * sp.Matrix(q).T).rank()
    if rank <= 4:
        return (
            True,
            f"exact rational rank of F at p / sum(p) is {rank} <= 4, so lambda_5 = 0",
            {"exact_rank": rank},
        )
    return (
        False,
        f"exact rational rank of F is {rank} >= 5: lambda_5 > 0 at the exact point",
        {"exact_rank": rank},
    )
