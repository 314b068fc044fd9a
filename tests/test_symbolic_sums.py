"""symbolic/sums.py, the sum normaliser every symbolic-n proof rests on: each step is an equivalence (checked by
evaluating both sides at concrete n and values), and it normalises what the proofs need to 0."""

from __future__ import annotations

import sympy as sp

from fim_audit.symbolic.sums import DUMMY, linearise, on_simplex, with_total

n = sp.Symbol("n", integer=True, positive=True)
i, j, k = sp.symbols("i j k", integer=True, positive=True)
p, x = sp.IndexedBase("p"), sp.IndexedBase("x")
c = sp.Symbol("c")


def _at(expr: sp.Expr, size: int, values: dict[int, sp.Rational], base: sp.IndexedBase = x) -> sp.Expr:
    """``expr`` at n = size with base[m] = values[m]: the sums done, every entry substituted."""
    done = expr.subs(n, size).doit()
    return sp.expand(done.subs({base[m]: v for m, v in values.items()}))


VALUES = {1: sp.Rational(1, 3), 2: sp.Rational(-2, 5), 3: sp.Rational(7, 2)}


def test_split_pulls_out_constants_and_splits_terms():
    total = sp.Sum(c * x[k] + 2 * x[k] ** 2 + c, (k, 1, n))
    split = linearise(total)
    assert split == c * sp.Sum(x[DUMMY], (DUMMY, 1, n)) + 2 * sp.Sum(x[DUMMY] ** 2, (DUMMY, 1, n)) + c * n
    assert _at(split - total, 3, VALUES) == 0


def test_a_constant_summand_counts_the_terms_of_the_range():
    """A summand free of the index sums to (high - low + 1) copies: a range from 2 to n has n - 1 terms."""
    assert sp.expand(linearise(sp.Sum(c, (k, 2, n))) - c * (n - 1)) == 0
    assert linearise(sp.Sum(c, (k, 1, n))) == c * n


def test_dummy_indices_get_one_canonical_name():
    assert linearise(sp.Sum(x[i], (i, 1, n)) - sp.Sum(x[j], (j, 1, n))) == 0
    assert linearise(sp.Sum(x[i] ** 2, (i, 1, n)) - sp.Sum(x[j], (j, 1, n))) != 0


def test_kronecker_delta_powers_are_idempotent():
    delta = sp.KroneckerDelta(i, j)
    assert linearise(delta**2 - delta) == 0
    assert linearise(delta**3 * c - c * delta) == 0
    assert linearise(2 * delta - delta) != 0


def test_nested_splitting_runs_until_nothing_changes():
    expr = sp.Sum(sp.Sum(c * x[k], (k, 1, n)) * (x[j] + c), (j, 1, n))
    normal = linearise(expr)
    assert not any(isinstance(term, sp.Sum) and term.function.has(c) for term in sp.preorder_traversal(normal))
    assert _at(normal - expr, 3, VALUES) == 0


def test_on_simplex_replaces_the_total_mass_by_one():
    expr = sp.Sum(p[k], (k, 1, n)) * c + sp.Sum(2 * p[j], (j, 1, n))
    assert on_simplex(expr, p, n) == c + 2
    # only sum_m p_m is replaced: sum_m p_m^2 stays
    assert on_simplex(sp.Sum(p[k] ** 2, (k, 1, n)), p, n) == sp.Sum(p[DUMMY] ** 2, (DUMMY, 1, n))


def test_with_total_substitutes_the_given_total():
    expr = sp.Sum(x[k] * c, (k, 1, n)) + sp.Sum(x[j], (j, 1, n)) ** 2
    t = sp.Symbol("t")
    assert with_total(expr, x, n, t) == c * t + t**2


def test_the_inner_expectation_identity_normalises_to_zero():
    """Thm 1 step 4, entry (i, j), symbolic n: sum_m p_m (d_mi - p_i)(d_mj - p_j) = p_i d_ij - p_i p_j."""
    m = sp.Symbol("m", integer=True, positive=True)
    summand = p[m] * (sp.KroneckerDelta(m, i) - p[i]) * (sp.KroneckerDelta(m, j) - p[j])
    residual = sp.Sum(summand, (m, 1, n)) - (p[i] * sp.KroneckerDelta(i, j) - p[i] * p[j])
    normal = on_simplex(residual, p, n)
    values = {1: sp.Rational(1, 6), 2: sp.Rational(1, 3), 3: sp.Rational(1, 2)}
    assert sp.simplify(normal.subs({i: 1, j: 2}).subs(n, 3).doit().subs({p[q]: v for q, v in values.items()})) == 0
    wrong = sp.Sum(summand, (m, 1, n)) - (p[i] * sp.KroneckerDelta(i, j) - 2 * p[i] * p[j])
    assert sp.simplify(on_simplex(wrong, p, n).subs({i: 1, j: 2, n: 3}).doit().subs(
        {p[q]: v for q, v in values.items()})) != 0  # fmt: skip
