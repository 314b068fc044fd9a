"""What a statement quantifies over: its variables, each with a numeric search space and an exact form.

A :class:`Space` is an ordered set of named variables sharing one size n (``space(z=logits(), tau=positive())``).
Each variable knows how to

* draw adversarial float values for a batch of cases (Hypothesis, :mod:`numeric.search.strategies`), and list a few
  fixed corner cases (uniform, one-hot, ties, huge logits) run before the random ones;
* stand for itself exactly at a fixed n, as sympy expressions in positive or real symbols (logits z = log e with
  e > 0, so that exp(z) is rational; probabilities p = w / sum w with w > 0);
* turn a float counterexample into the exact point it is (the binary value of each float) and describe a point in
  JSON-ready exact text.

The strongest reading quantifies over everything the words allow, so the spaces reach their edges: n = 1, exact
zeros of a distribution, logits of size 1e4 and near-ties, temperatures from 0.05 to 20.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp
from sympy.core.logic import fuzzy_and
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.search import strategies as draws
from fim_audit.symbolic import formula as exact


def _rational(value: Any) -> sp.Rational:
    """The exact value of a float (its binary value); an exact rational is kept as it is."""
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, sp.Rational):
        return value
    fraction = Fraction(float(value))
    return sp.Rational(fraction.numerator, fraction.denominator)


def _simplest(values: Any) -> Any:
    """Each float replaced by the simplest rational that rounds to it (:func:`symbolic.formula.intended_rational`:
    0.001 -> 1/1000), as an object array: a shorter exact point near the drawn one, tried first when a
    counterexample is certified (it is certified there or not at all; the binary point is the fallback)."""
    array = np.asarray(values, dtype=np.float64)
    return np.vectorize(lambda v: exact.intended_rational(float(v)), otypes=[object])(array)


@dataclass(frozen=True)
class Symbolic:
    """A variable at a fixed n: its exact ``value`` (object array or scalar), the positive and real symbols it is
    made of, and how to place an exact point (``point``: exact values of the variable -> symbol values)."""

    value: Any
    positive: tuple[sp.Symbol, ...]
    real: tuple[sp.Symbol, ...]
    point: Callable[[Any], dict[sp.Symbol, sp.Expr]]
    derivative: Callable[[sp.Expr, int], sp.Expr] | None = None
    """d expr / d (entry k of the variable) in terms of its symbols, where the variable can be differentiated."""


Transform = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Unconstrained:
    """A smooth map ``from_free`` of unconstrained reals onto the variable's domain, and a right inverse
    ``to_free``: how the local search for a worst case (:mod:`claims.builders.worst_case`) moves a drawn point
    without leaving the domain (the simplex through softmax, an interval through a sigmoid)."""

    to_free: Transform
    from_free: Transform


IDENTITY = Unconstrained(lambda x: x, lambda x: x)


def _interval(low: float, high: float) -> Unconstrained:
    width = high - low
    if width <= 0:
        return Unconstrained(torch.zeros_like, lambda f: low + 0 * f)  # a fixed value; still a function of f

    def to_free(x: torch.Tensor) -> torch.Tensor:
        return torch.logit(((x - low) / width).clamp(1e-12, 1 - 1e-12))

    return Unconstrained(to_free, lambda f: low + width * torch.sigmoid(f))


FIXED = Unconstrained(lambda x: x, lambda f: f.detach() + 0 * f)
"""A discrete variable (a label, an integer): the local search keeps it where it was drawn (zero gradient)."""
SIMPLEX = Unconstrained(lambda p: torch.log(p.clamp_min(1e-300)), lambda f: torch.softmax(f, dim=-1))
NONNEGATIVE = Unconstrained(lambda w: w.clamp_min(0).sqrt(), lambda f: f * f)


@dataclass(frozen=True)
class Variable:
    """One named quantity of a statement.  ``vector``: a vector of length n, else a scalar."""

    kind: str
    vector: bool
    rows: Callable[[st.DrawFn, int, int], np.ndarray]
    """Draw a (batch, n) array (vectors) or a (batch,) array (scalars)."""
    corners: Callable[[int], list[np.ndarray]]
    """Fixed values (n,) or () tried before the random ones."""
    symbolic: Callable[[str, int], Symbolic]
    exact: Callable[[Any], Any]
    """The exact point a float value (list or float) stands for."""
    describe: Callable[[Any], Any] = exact.exact_text
    condition: str = ""
    """The domain in words, for statements and reports ("z in R^n")."""
    unconstrained: Unconstrained = IDENTITY
    additive: bool = False
    """Whether a point near x is x + h d (a linear space: logits, vectors); else x + h (y - x), which stays in a
    convex domain (the simplex, weights, an interval)."""
    contains: Callable[[Any, int], bool | None] | None = None
    """Whether an exact value (entries may hold symbols, such as a witness family's parameter t > 0) lies in the
    domain at size n: True, False, or None when sympy cannot decide."""
    values: Callable[[int], range] | None = None
    """A discrete variable's values at size n (a label: 0..n-1; an integer: low..high): never moved by the local
    search nor paired; the exact sweep enumerates them when there are at most ENUMERATED of them."""

    def near(self, x: np.ndarray, other: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Rows at distance about ``steps`` (one per row) from the rows of ``x``, towards the rows of ``other``: the
        second point of a pair, for statements about two points of one space (a Lipschitz bound is tightest as
        y -> x)."""
        h = steps.reshape(-1, *([1] * (x.ndim - 1)))
        direction = other - x
        if not self.additive:
            return x + h * direction
        length = np.sqrt((direction.reshape(len(x), -1) ** 2).sum(axis=1)).reshape(h.shape)
        fallback = np.broadcast_to((-1.0) ** np.arange(x.shape[-1]) if x.ndim > 1 else 1.0, x.shape)
        unit = np.where(length > 0, direction / np.where(length > 0, length, 1.0), fallback)
        return x + h * unit


def _every(value: Any, test: Callable[[sp.Expr], bool | None]) -> bool | None:
    """True when ``test`` holds for every entry, False when it fails for one, None otherwise (sympy's fuzzy and)."""
    results = [test(sp.sympify(entry)) for entry in np.ravel(np.asarray(value, dtype=object))]
    return False if False in results else (True if all(results) else None)


def _in_interval(low: float, high: float, integer: bool = False) -> Callable[[Any, int], bool | None]:
    bounds = exact.intended_rational(low), exact.intended_rational(high)

    def test(v: sp.Expr) -> bool | None:
        inside = [(v - bounds[0]).is_nonnegative, (bounds[1] - v).is_nonnegative]
        return fuzzy_and(inside + ([v.is_integer] if integer else []))

    return lambda value, n: _every(value, test)


def _on_simplex(value: Any, n: int) -> bool | None:
    nonnegative = _every(value, lambda v: v.is_nonnegative)
    if nonnegative is not True:
        return nonnegative
    return True if sp.simplify(sum(np.ravel(np.asarray(value, dtype=object))) - 1) == 0 else None


def _real_entries(value: Any, n: int) -> bool | None:
    return _every(value, lambda v: v.is_real)


def _nonnegative_entries(value: Any, n: int) -> bool | None:
    return _every(value, lambda v: v.is_nonnegative)


def _vector_symbolic(kind: str, *, positive: bool, transform: Callable[[Any], Any] | None = None):
    def build(name: str, n: int) -> Symbolic:
        assumption = {"positive": True} if positive else {"real": True}
        stem = f"{name}_" if name[-1].isdigit() else name  # "a_2" + "0" would read as a_20
        symbols = tuple(sp.Symbol(f"{stem}{k}", **assumption) for k in range(n))
        base = np.array(list(symbols), dtype=object)
        value = transform(base) if transform else base

        def point(values: Any) -> dict[sp.Symbol, sp.Expr]:
            return dict(zip(symbols, [sp.sympify(v) for v in _inverse(kind, values)], strict=True))

        def derivative(expr: sp.Expr, k: int) -> sp.Expr:
            return symbols[k] * sp.diff(expr, symbols[k]) if kind == "logits" else sp.diff(expr, symbols[k])

        return Symbolic(
            value,
            symbols if positive else (),
            () if positive else symbols,
            point,
            derivative if kind in ("logits", "vector") else None,
        )

    return build


def _inverse(kind: str, values: Any) -> list[sp.Expr]:
    """The symbol values that give the exact variable values: e = exp(z) for logits, w = p for probabilities."""
    entries = list(np.ravel(np.asarray(values, dtype=object)))
    return [sp.exp(v) for v in entries] if kind == "logits" else entries


def _scalar_symbolic(kind: str, *, positive: bool):
    def build(name: str, n: int) -> Symbolic:
        symbol = sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)
        return Symbolic(
            symbol,
            (symbol,) if positive else (),
            () if positive else (symbol,),
            lambda value: {symbol: sp.sympify(value)},
            lambda expr, k: sp.diff(expr, symbol),
        )

    return build


def _exact_vector(values: Any) -> Any:
    return np.array([_rational(v) for v in np.ravel(values)], dtype=object)


def _exact_distribution(values: Any) -> Any:
    """The exact rational point a float row stands for: its binary values, divided by their exact sum (on the
    simplex, within a few ulps of the float row)."""
    entries = [_rational(v) for v in np.ravel(values)]
    total = sum(entries)
    return np.array([e / total for e in entries], dtype=object)


def logits(condition: str = "z in R^n") -> Variable:
    """A vector of logits in R^n: magnitudes up to 1e4 (where exp overflows without the log-sum-exp shift) and
    near-ties within a few ulps."""
    return Variable(
        "logits",
        True,
        draws.logit_rows,
        lambda n: [np.zeros(n), np.arange(n, dtype=np.float64), np.full(n, 1e4) * (np.arange(n) == 0)],
        _vector_symbolic("logits", positive=True, transform=exact.log),
        _exact_vector,
        condition=condition,
        additive=True,
        contains=_real_entries,
    )


def probabilities(condition: str = "p in the simplex") -> Variable:
    """A probability vector on the simplex, of adversarial shape: uniform, one-hot, two-point, ties,
    near-one-hot (down to 1e-12), sparse with exact zeros, softmax of random logits."""

    def corners(n: int) -> list[np.ndarray]:
        uniform, one_hot, two_point = np.full(n, 1.0 / n), np.zeros(n), np.zeros(n)
        one_hot[n // 2] = 1.0
        two_point[0] += 0.5
        two_point[n - 1] += 0.5
        return [uniform, one_hot, two_point]

    return Variable(
        "probabilities",
        True,
        lambda draw, n, batch: draws.distribution_rows(draw, n, batch, draws.GENERIC_SHAPES),
        corners,
        _vector_symbolic("probabilities", positive=True, transform=lambda w: w / exact.total(w)),
        _exact_distribution,
        condition=condition,
        unconstrained=SIMPLEX,
        contains=_on_simplex,
    )


def weights(condition: str = "w >= 0") -> Variable:
    """A non-negative vector (need not sum to 1), zeros included."""
    return Variable(
        "weights",
        True,
        draws.nonnegative_rows,
        lambda n: [np.zeros(n), np.ones(n), np.arange(n, dtype=np.float64)],
        _vector_symbolic("weights", positive=True),
        _exact_vector,
        condition=condition,
        unconstrained=NONNEGATIVE,
        contains=_nonnegative_entries,
    )


def vectors(condition: str = "v in R^n") -> Variable:
    """A real vector, scales from 1e-3 to 1e3."""
    return Variable(
        "vector",
        True,
        draws.real_rows,
        lambda n: [np.zeros(n), np.ones(n), (-1.0) ** np.arange(n)],
        _vector_symbolic("vector", positive=False),
        _exact_vector,
        condition=condition,
        additive=True,
        contains=_real_entries,
    )


def positive(low: float = 0.05, high: float = 20.0, condition: str = "") -> Variable:
    """A positive scalar in [low, high] (a temperature by default: 0.05 is very sharp, 20 very flat)."""
    if not 0 < low <= high:
        raise ValueError(f"positive({low!r}, {high!r}): need 0 < low <= high")
    return Variable(
        "positive",
        False,
        lambda draw, n, batch: draws.positive_scalars(draw, batch, low, high),
        lambda n: [np.array(v) for v in (1.0, low, high) if low <= v <= high],
        _scalar_symbolic("positive", positive=True),
        _rational,
        condition=condition or f"{low:g} <= t <= {high:g}",
        unconstrained=_interval(low, high),
        contains=_in_interval(low, high),
    )


def real(low: float = -1e3, high: float = 1e3, condition: str = "") -> Variable:
    """A real scalar in [low, high]."""
    if not low <= high:
        raise ValueError(f"real({low!r}, {high!r}): need low <= high")
    element = st.floats(low, high, **draws.FINITE)
    return Variable(
        "real",
        False,
        lambda draw, n, batch: draw(arrays(np.float64, (batch,), elements=element)),
        lambda n: [np.array(v) for v in (0.0, low, high)],
        _scalar_symbolic("real", positive=False),
        _rational,
        condition=condition or f"{low:g} <= c <= {high:g}",
        unconstrained=_interval(low, high),
        contains=_in_interval(low, high),
    )


ENUMERATED = 16
"""The most values of a discrete variable the exact sweep decides one by one (else it keeps the integer symbol)."""


def _integer(value: Any) -> sp.Integer:
    """The exact integer a drawn value (a float holding an integer) or an exact one stands for."""
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, sp.Basic):
        if not value.is_Integer:
            raise ValueError(f"{value} is not an integer")
        return value
    if not float(value).is_integer():
        raise ValueError(f"{value!r} is not an integer")
    return sp.Integer(int(value))


def _integer_symbolic(nonnegative: bool):
    def build(name: str, n: int) -> Symbolic:
        symbol = sp.Symbol(name, integer=True, nonnegative=nonnegative or None)
        return Symbolic(symbol, (), (), lambda value: {symbol: _integer(value)})

    return build


def _integers_drawn(low: Callable[[int], int], high: Callable[[int], int]):
    def rows(draw: st.DrawFn, n: int, batch: int) -> np.ndarray:
        element = st.integers(low(n), high(n)).map(float)
        return draw(arrays(np.float64, (batch,), elements=element))

    return rows


def labels(condition: str = "y in {0, ..., n-1}") -> Variable:
    """A class label: an integer from 0 to n - 1 (the size of the space's vectors), used through ``op.onehot(y, z)``
    and ``op.pick(v, y)``.  Corners: the first and the last class."""
    return Variable(
        "label",
        False,
        _integers_drawn(lambda n: 0, lambda n: n - 1),
        lambda n: [np.array(0.0), np.array(float(n - 1))],
        _integer_symbolic(nonnegative=True),
        _integer,
        condition=condition,
        unconstrained=FIXED,
        values=range,
        contains=lambda value, n: _in_interval(0, n - 1, integer=True)(value, n),
    )


def integers(low: int, high: int, condition: str = "") -> Variable:
    """An integer in [low, high] (a count, an exponent, a number of steps)."""
    if not (isinstance(low, int) and isinstance(high, int) and low <= high):
        raise ValueError(f"integers({low!r}, {high!r}): need integers low <= high")
    return Variable(
        "integer",
        False,
        _integers_drawn(lambda n: low, lambda n: high),
        lambda n: [np.array(float(v)) for v in sorted({low, high, min(max(1, low), high)})],
        _integer_symbolic(nonnegative=low >= 0),
        _integer,
        condition=condition or f"k in {{{low}, ..., {high}}}",
        unconstrained=FIXED,
        values=lambda n: range(low, high + 1),
        contains=_in_interval(low, high, integer=True),
    )


PAIR_STEPS = (-6.0, 0.0)
"""log10 of the distance between the two points of a drawn near pair."""
PAIR_CORNER_STEPS = (2.0**-10,)
"""Distances of the corner pairs (a corner and a point that close to it; a power of 2, so exact points print short)."""


@dataclass(frozen=True)
class Space:
    """Named variables sharing one size n in ``[min_n, max_n]`` (``max_n`` None: the profile's ``max_n``).

    ``assume`` is the statement's hypothesis, a formula that is > 0 where it holds (a comparison, such as "the
    maximiser is unique": ``lambda z: op.sum(op.where(z >= op.max(z), 1, 0)) < 1.5``).  Drawn and corner points
    where it fails are left out (and not counted); an exact counterexample must satisfy it exactly.
    """

    variables: Mapping[str, Variable]
    min_n: int = 1
    max_n: int | None = None
    examples: Sequence[Mapping[str, Any]] = field(default=())
    """Extra fixed points (name -> value (n,) or scalar), run first."""
    assume: Callable[..., Any] | None = None
    condition: str = ""
    """The hypothesis in words, for the report ("a unique maximiser")."""

    def __post_init__(self) -> None:
        if not self.variables:
            raise ValueError("a space needs at least one variable")
        for name in self.variables:
            if not name.isidentifier():
                raise ValueError(f"variable name {name!r} is not a Python identifier (formulas take it by name)")
        if self.min_n < 1 or (self.max_n is not None and self.max_n < self.min_n):
            raise ValueError(f"sizes {self.min_n}..{self.max_n} are empty")

    @property
    def sized(self) -> bool:
        """Whether some variable is a vector (else n plays no role)."""
        return any(v.vector for v in self.variables.values())

    def largest_n(self, ctx: RunContext) -> int:
        bound = ctx.profile.max_n if self.max_n is None else min(self.max_n, ctx.profile.max_n)
        return max(bound, self.min_n) if self.sized else 1

    def strategy(self, ctx: RunContext, max_batch: int | None = None) -> st.SearchStrategy[dict[str, np.ndarray]]:
        """Batches of points: a dict of arrays with a leading batch dimension (at most ``max_batch`` rows, default
        the profile's)."""
        largest = self.largest_n(ctx)
        rows = ctx.profile.max_batch if max_batch is None else min(max_batch, ctx.profile.max_batch)
        smallest = self.min_n if self.sized else 1

        pairs = self.pairs

        @st.composite
        def points(draw: st.DrawFn) -> dict[str, np.ndarray]:
            n = draw(st.integers(smallest, largest), label="n")
            batch = draw(st.integers(1, rows), label="batch")
            drawn = {name: variable.rows(draw, n, batch) for name, variable in self.variables.items()}
            if pairs and draw(st.booleans(), label="near pairs"):
                steps = 10.0 ** draw(arrays(np.float64, (batch,), elements=st.floats(PAIR_STEPS[0], PAIR_STEPS[1])))
                for first, second in pairs:
                    drawn[second] = self.variables[second].near(drawn[first], drawn[second], steps)
            return drawn

        return points()

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Variables of one kind and shape (x and y, both logits): (the first of its kind, a later one).  A statement
        about two points of one space is searched near its diagonal too (y = x + h d, h = 10^-6 .. 1), where
        difference quotients approach derivatives: independent draws alone never reach it."""
        first: dict[tuple[str, bool], str] = {}
        pairs = []
        for name, variable in self.variables.items():
            if variable.values is not None:  # two labels are not "near" each other
                continue
            key = (variable.kind, variable.vector)
            if key in first:
                pairs.append((first[key], name))
            else:
                first[key] = name
        return pairs

    def fixed(self, ctx: RunContext, sizes: Sequence[int] | None = None) -> list[dict[str, np.ndarray]]:
        """The corner cases, two batches per size (the variables' corners in lockstep, and rotated by one per
        variable): by default the smallest, 2 and the largest, then ``examples`` (n = 1024, say); with ``sizes`` given
        (the exact checks: small n), those sizes only."""
        largest = self.largest_n(ctx)
        extra = list(self.examples) if sizes is None else []
        if sizes is None:
            sizes = (self.min_n, 2, largest)
        sizes = sorted({min(max(n, self.min_n), largest) for n in sizes}) if self.sized else [1]
        out = []
        for n in sizes:
            corners = {name: v.corners(n) for name, v in self.variables.items()}
            depth = max(len(c) for c in corners.values())
            out.append({name: np.stack([c[k % len(c)] for k in range(depth)]) for name, c in corners.items()})
            if len(corners) > 1 and depth > 1:  # and rotated, so that corner k of one variable also meets corner
                # k + 1 of the next (z = 0, 1, ... with v = (1, -1, ...): lockstep alone pairs it with v = 1)
                out.append(
                    {
                        name: np.stack([c[(k + j) % len(c)] for k in range(depth)])
                        for j, (name, c) in enumerate(corners.items())
                    }
                )
        pairs = self.pairs
        for batch in list(out):  # corner pairs: the second point a step from the first (not equal to it)
            for step in PAIR_CORNER_STEPS if pairs else ():
                near = dict(batch)
                for first, second in pairs:
                    other = np.roll(batch[second], 1, axis=0)
                    near[second] = self.variables[second].near(batch[first], other, np.full(len(other), step))
                out.append(near)
        for example in extra:
            out.append({name: np.asarray(value, dtype=np.float64)[None] for name, value in example.items()})
        return out

    def symbolic(self, n: int) -> dict[str, Symbolic]:
        return {name: variable.symbolic(name, n) for name, variable in self.variables.items()}

    def symbolic_cases(self, n: int) -> list[tuple[dict[str, sp.Integer], dict[str, Symbolic]]]:
        """The space at size n as exact cases: one per combination of the values of its discrete variables (those
        with at most ENUMERATED values; a label has no entrywise symbolic form), each (those values, the variables
        with them fixed); a space without discrete variables is one case."""
        symbolic = self.symbolic(n)
        listed = {
            name: list(v.values(n))
            for name, v in self.variables.items()
            if v.values is not None and len(v.values(n)) <= ENUMERATED
        }
        cases = []
        for combination in itertools.product(*listed.values()):
            fixed = dict(zip(listed, map(sp.Integer, combination), strict=True))
            concrete = {name: Symbolic(value, (), (), lambda _: {}) for name, value in fixed.items()}
            cases.append((fixed, {**symbolic, **concrete}))
        return cases

    def corners(self, ctx: RunContext, sizes: Sequence[int] | None = None) -> list[dict[str, np.ndarray]]:
        """The corner cases of :meth:`fixed`, one dict per point."""
        return [point for batch in self.fixed(ctx, sizes) for point in rows_of(batch)]

    def exact_point(self, inputs: Mapping[str, Any], simplest: bool = False) -> dict[str, Any]:
        """The exact values a float counterexample stands for: their binary values, or with ``simplest`` the
        simplest rationals that round to them (a distribution is then divided by their exact sum)."""
        chosen = {name: _simplest(inputs[name]) for name in self.variables} if simplest else inputs
        return {name: self.variables[name].exact(chosen[name]) for name in self.variables}

    def size_of(self, inputs: Mapping[str, Any]) -> int:
        for name, variable in self.variables.items():
            if variable.vector:
                return len(np.ravel(inputs[name]))
        return 1

    def describe(self, exact_values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self.variables[name].describe(value) for name, value in exact_values.items()}

    def holds(self, inputs: Mapping[str, Any]) -> Any:
        """Where the hypothesis holds: a bool tensor (batch,) for batched numeric inputs; True, False or None
        (undecided) at an exact point."""
        from fim_audit.claims.builders.formula import call, numeric_values

        if self.assume is None:
            return True
        if isinstance(next(iter(inputs.values())), torch.Tensor):
            mask = numeric_values(self.assume, inputs).value
            return mask.reshape(mask.shape[0], -1).amin(dim=1) > 0.5 if mask.dim() > 1 else mask > 0.5
        entries = [_truth(entry) for entry in np.ravel(np.asarray(call(self.assume, inputs), dtype=object))]
        if False in entries:
            return False
        return True if all(entries) else None


def _truth(entry: Any) -> bool | None:
    """An exact hypothesis value as a Python bool: a comparison (sympy's true or false), or a number (> 0 holds);
    None when it cannot be decided (an unevaluated comparison of symbols, a number that may be 0)."""
    entry = sp.sympify(entry)
    if entry is sp.true or entry is sp.false:
        return entry is sp.true
    if isinstance(entry, sp.logic.boolalg.Boolean):
        return None
    value = exact.strict_value(entry)
    return None if value is None or not value.is_real else bool(value > 0)


def rows_of(batch: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """The points of a batch (a dict of arrays with a leading batch dimension), one dict per row."""
    count = len(next(iter(batch.values())))
    return [{name: value[k] for name, value in batch.items()} for k in range(count)]


def space(
    min_n: int = 1,
    max_n: int | None = None,
    examples: Sequence[Mapping[str, Any]] = (),
    assume: Callable[..., Any] | None = None,
    condition: str = "",
    **variables: Variable,
) -> Space:
    """``space(z=logits(), tau=positive())``: the statement's variables by name (see :class:`Space`)."""
    return Space(variables, min_n, max_n, tuple(examples), assume, condition)
