"""Exact decisions for identities at a fixed size n, and exact certificates for counterexamples.

An :class:`Instance` is one identity ``definition == claimed`` between matrices whose entries are
rational functions of finitely many variables (positive ones, e.g. e_k = exp(z_k), and real ones, e.g.
Jacobian entries).  Putting each residual entry in canonical form (``cancel(together(.))``, numerator and
denominator coprime) decides it: the residual is identically zero iff the canonical numerator is 0.  So a
fixed-n sweep either proves every n up to a bound, or finds an n with a non-zero residual, and then an
exact rational point where it is non-zero: a certified counterexample.  Nothing here ever reads sympy's
``equals`` returning None, or a failed ``simplify``, as a proof.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter

from fim_audit.symbolic import interval
from fim_audit.symbolic.outcome import Certificate, Derivation, Finding

Point = dict[sp.Symbol, sp.Expr]

CERTIFY_DIGITS = 50
"""Significant digits of high-precision certification, read from an interval enclosure (symbolic/interval.py)."""

POINT_TRIALS = 48
"""Rational points tried before a non-zero residual is declared unplaceable (never reached in practice:
a non-zero rational function vanishes only on a measure-zero set)."""


@dataclass(frozen=True)
class Instance:
    """``definition == claimed`` at one size n, as matrices over the given variables.

    ``describe`` turns a point (values for the variables) into the claim's own inputs, e.g. z = log(e).
    """

    positive: tuple[sp.Symbol, ...]
    real: tuple[sp.Symbol, ...]
    definition: sp.Matrix
    claimed: sp.Matrix
    describe: Callable[[Point], dict[str, Any]]

    def residual(self) -> sp.Matrix:
        return (self.definition - self.claimed).applyfunc(canonical)


def canonical(expr: sp.Expr) -> sp.Expr:
    """The canonical form of a rational function: expanded numerator over a coprime denominator.

    A polynomial (numeric denominator after ``together``) only needs expanding, which is much cheaper than
    ``cancel``, and so does a function whose expanded numerator is 0 (the residual of every identity that holds:
    ``cancel`` would expand the denominator's powers of sums as well); a numerator with a non-zero value at a
    rational point goes to ``cancel`` without the expansion.  Either way the result is 0 exactly when the function is
    identically 0.
    """
    numerator, denominator = sp.fraction(sp.together(expr))
    if denominator.is_number:
        return sp.expand(numerator) / denominator
    if _nonzero_at_a_point(numerator):  # certainly not 0: straight to the coprime form
        return sp.cancel(numerator / denominator)
    expanded = sp.expand(numerator)
    return sp.S.Zero if expanded == 0 else sp.cancel(expanded / denominator)


def _nonzero_at_a_point(expr: sp.Expr) -> bool:
    """Whether ``expr`` takes an exact non-zero rational value at one fixed rational point (its k-th free symbol,
    in name order, at (k + 2) / (k + 3)): then it is not identically 0.  False says nothing (a non-rational value,
    or a zero there)."""
    symbols = sorted(expr.free_symbols, key=lambda symbol: symbol.name)
    value = expr.xreplace({symbol: sp.Rational(k + 2, k + 3) for k, symbol in enumerate(symbols)})
    return bool(value.is_Rational and value != 0)


def shifted_determinant(m: sp.Matrix, variable: sp.Symbol) -> sp.Poly:
    """det(M - variable I) as a polynomial in ``variable``: (-1)^n times sympy's ``charpoly`` det(variable I - M),
    which Berkowitz's algorithm computes over the entries' polynomial ring (a DomainMatrix).  For M = diag(p) - p p^T
    at n = 6: 0.13 s, where the determinant of the expression matrix M - lambda I and its expansion took 2.4 s."""
    return sp.Poly((-1) ** m.rows * m.charpoly(variable).as_expr(), variable)


def exact_string(value: sp.Expr) -> str:
    """An exact value as text: '1/3', 'log(2)', 'exp(5/4)'."""
    return sp.sstr(value)


def rational(value: float) -> sp.Rational:
    """The exact binary value of a float as a sympy Rational."""
    fraction = Fraction(value)
    return sp.Rational(fraction.numerator, fraction.denominator)


def candidate_points(instance: Instance, seed: int) -> Iterator[Point]:
    """Rational points, simplest first: all ones, then 1..k, then seeded small random rationals."""
    variables = instance.positive + instance.real
    yield {v: sp.Integer(1) for v in variables}
    yield {v: sp.Integer(k + 1) for k, v in enumerate(variables)}
    rng = random.Random(seed)
    for _ in range(POINT_TRIALS):
        point = {v: sp.Rational(rng.randint(1, 9), rng.randint(1, 4)) for v in instance.positive}
        point.update({v: sp.Rational(rng.randint(-9, 9), rng.randint(1, 4)) for v in instance.real})
        yield point


def _first_nonzero(residual: sp.Matrix, point: Point) -> tuple[int, int, sp.Expr] | None:
    values = residual.xreplace(point)
    for (i, j), value in sorted(values.todok().items()):
        if value.is_finite and value != 0:
            return i, j, value
    return None


def prove_up_to(build: Callable[[int], Instance], max_n: int, what: str) -> Derivation:
    """Decide ``build(n)`` exactly for n = 1..max_n.

    PROVED with scope 'n <= max_n' when every residual is identically zero; DISPROVED at the smallest
    failing n with an exact rational counterexample; INCONCLUSIVE only if no rational point separates a
    non-zero residual from zero.
    """
    for n in range(1, max_n + 1):
        instance = build(n)
        residual = instance.residual()
        if residual.is_zero_matrix:
            continue
        for point in candidate_points(instance, seed=n):
            hit = _first_nonzero(residual, point)
            if hit is None:
                continue
            i, j, value = hit
            observed = {
                "n": n,
                "entry": [i, j],
                "definition": exact_string(instance.definition[i, j].xreplace(point)),
                "claimed": exact_string(instance.claimed[i, j].xreplace(point)),
                "difference": exact_string(value),
            }
            return Derivation(
                Finding.DISPROVED,
                f"{what}: fails at n = {n}, entry ({i}, {j}), difference {exact_string(value)} (exact)",
                cases=n,
                counterexample=Certificate(
                    instance.describe(point), observed, True, "exact rational arithmetic (sympy)"
                ),
            )
        return Derivation(
            Finding.INCONCLUSIVE,
            f"{what}: residual at n = {n} is a non-zero rational function but no tried point separates it",
            cases=n,
        )
    shown = build(min(2, max_n))
    return Derivation(
        Finding.PROVED,
        f"{what}: residual cancels to 0 identically for every n <= {max_n}",
        cases=max_n,
        scope=f"every n <= {max_n}, exact rational-function identity",
        math=mathml(shown.definition.applyfunc(sp.factor), shown.claimed.applyfunc(sp.factor)),
    )


MATHML_LIMIT = 20_000
"""Identities whose MathML is longer than this are not attached to results (they would not be read)."""


class _MathMLPrinter(MathMLPresentationPrinter):
    """sympy's presentation MathML, with the Kronecker delta written delta_ij."""

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta):  # noqa: N802 - sympy's printer naming
        node = self.dom.createElement("msub")
        symbol = self.dom.createElement("mi")
        symbol.appendChild(self.dom.createTextNode("\u03b4"))
        indices = self.dom.createElement("mrow")
        for index in expr.args:
            indices.appendChild(self._print(index))
        node.appendChild(symbol)
        node.appendChild(indices)
        return node


def mathml(lhs: sp.Basic, rhs: sp.Basic) -> str | None:
    """lhs = rhs as presentation MathML (a <math> element), or None when it is too long to be useful."""
    try:
        inner = _MathMLPrinter().doprint(sp.Eq(lhs, rhs, evaluate=False))
    except Exception:  # noqa: BLE001 - the printer does not cover every expression; the report then omits it
        return None
    return f'<math display="block">{inner}</math>' if len(inner) <= MATHML_LIMIT else None


def closed_form(
    residual: sp.Expr, what: str, scope: str, identity: tuple[sp.Basic, sp.Basic] | None = None
) -> Derivation:
    """The outcome of a general derivation: PROVED only when the simplified residual is literally 0.

    Anything else is INCONCLUSIVE (never DISPROVED: a residual sympy cannot simplify may still be zero;
    disproofs come from exact points, see :func:`prove_up_to`).  ``identity`` (the two sides) is attached
    to the result as MathML.
    """
    math = mathml(*identity) if identity is not None else None
    if residual == 0:
        return Derivation(Finding.PROVED, f"{what}: residual simplifies to 0", cases=1, scope=scope, math=math)
    return Derivation(Finding.INCONCLUSIVE, f"{what}: residual does not simplify to 0: {sp.sstr(residual)}", math=math)


def certify_at(instance: Instance, point: Point, how: str) -> tuple[bool, str, Mapping[str, Any]]:
    """Re-decide an identity at one exact point (possibly transcendental, e.g. e = exp(q)).

    Each residual entry is evaluated by interval arithmetic (:func:`symbolic.interval.certified`): an entry
    whose enclosure excludes zero is certified to CERTIFY_DIGITS digits, and one it cannot separate from zero
    certifies nothing.
    """
    residual = (instance.definition - instance.claimed).xreplace(point)
    largest: tuple[sp.Expr, int, int, sp.Expr] | None = None
    unresolved = 0
    for i in range(residual.rows):
        for j in range(residual.cols):
            exact = residual[i, j]
            value = exact if exact.is_Rational else interval.certified(exact, CERTIFY_DIGITS)
            if value is None:
                unresolved += 1
                continue
            if value != 0 and (largest is None or abs(value) > largest[0]):
                largest = (abs(value), i, j, value)
    if largest is None:
        return (
            False,
            f"{how}: no entry separated from zero at {CERTIFY_DIGITS} digits ({unresolved} unresolved)",
            {},
        )
    _, i, j, value = largest
    precision = "exact" if value.is_Rational else f"interval arithmetic, {CERTIFY_DIGITS} digits"
    return (
        True,
        f"{how}: entry ({i}, {j}) of definition - claimed = {sp.sstr(value, full_prec=False)} ({precision})",
        {"exact_entry": [i, j], "exact_difference": exact_string(value)},
    )
