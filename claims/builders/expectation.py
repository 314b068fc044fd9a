"""Expectations and probabilities over random variables: ``E_noise[quantity(x, noise)] = claimed(x)`` (or ``<=``) for
every x of a space, where ``noise`` names independent random variables (iid components for a vector).  A probability
is the expectation of an indicator: P(argmax(z + G) = y) = E[op.where(op.pick(z + g, y) >= op.max(z + g), 1, 0)].

* ``sympy: ... exact expectation``: for n = 1..EXACT_MAX_N (capped by the profile), sympy.stats computes the
  expectation with the space's variables as symbols; PROVED (that scope) when it equals the claimed side identically,
  DISPROVED at the first rational point where the exact difference is non-zero, INCONCLUSIVE where sympy.stats does
  not close (a maximum of random variables, say) or runs out of its share of the time budget.
* ``torch: ... Monte Carlo`` (in float64 whatever the audit's dtype: it estimates the exact expectation, and
  float32 comparisons bias an indicator): at the space's corners (z = 0, 1, ..., n - 1 among them), then at points
  drawn from it, the mean of SAMPLES x mc_samples noise draws against the claimed value c, beyond the rounding bound
  of both sides.  With ``bounds=(low, high)`` (the quantity lies in [low, high] for every draw: an indicator lies in
  [0, 1]; every draw is checked), the deviation is judged by Bernstein's inequality under the hypothesis E = c,
  whose variance is at most (c - low)(high - c) (Bhatia-Davis):
  P(|mean - c| >= eps) <= 2 exp(-N eps^2 / (2 (c - low)(high - c) + 2 (high - low) eps / 3)), a bound that needs no
  asymptotics and no variance estimate (a rare event, p = 1e-7, never seen in a million draws, is no evidence
  against it).  A point fails the search when that probability is below ALPHA_SEARCH; a failing point is re-decided
  on CERTIFY_FACTOR times more fresh, independent draws, and the refutation is certified when the probability is
  below ALPHA_CERTIFY there and every one of BLOCKS sub-blocks misses c on the same side.  Without ``bounds`` the
  search uses the sample's standard error (Z_PASS of them), and a failure is never certified (a sample variance can
  be 0 where the true one is not).

Noise is drawn with a ``torch.Generator`` seeded from the check's seed and the point, so a run is reproducible.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import sympy.stats as stats
import torch

from fim_audit.claims.builders.domains import Space, rows_of
from fim_audit.claims.builders.formula import Formula, exact_values, numeric_values
from fim_audit.claims.builders.primitives import Evaluation, check_property, symbolic_check
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.numeric.context import RunContext
from fim_audit.numeric.tolerance import SAFETY
from fim_audit.symbolic import formula as exact
from fim_audit.symbolic.budget import OutOfTime, time_budget

EXACT_MAX_N = 3
"""sympy.stats' expectations grow quickly with the number of random components."""
EXACT_SHARE = 6
"""Each size's exact expectation gets 1/EXACT_SHARE of the profile's sympy time budget."""
SAMPLES = 16
"""Noise draws per point: SAMPLES x the profile's ``mc_samples`` (65536 in the default profile)."""
CERTIFY_FACTOR = 16
"""A failing point is re-decided on CERTIFY_FACTOR times more fresh draws (standard error 4 times smaller)."""
Z_PASS = 5.0
"""Without bounds: a point passes within Z_PASS sample standard errors (evidence only)."""
ALPHA_SEARCH = 1e-6
ALPHA_CERTIFY = 1e-15
"""With bounds: Bernstein probabilities below which a deviation fails the search, and certifies a refutation."""
BLOCKS = 8
MAX_POINTS_PER_EXAMPLE = 4
"""Points per drawn batch (each costs N noise draws)."""
CHUNK = 1 << 16
"""Noise draws evaluated at once."""


@dataclass(frozen=True)
class RandomVariable:
    """A random variable of a statement: a vector of n iid components (``vector``) or a scalar.  ``sample`` draws
    ``shape`` values with a generator; ``exact`` is the same law in sympy.stats, one named component."""

    law: str
    vector: bool
    sample: Callable[[torch.Generator, tuple[int, ...], torch.dtype, torch.device], torch.Tensor]
    exact: Callable[[str], Any]


def _uniform(generator: torch.Generator, shape, dtype, device) -> torch.Tensor:
    return torch.rand(shape, generator=generator, dtype=dtype, device=device)


def gaussian(mean: float = 0.0, std: float = 1.0, vector: bool = True) -> RandomVariable:
    """N(mean, std^2) components."""
    if not std > 0:
        raise ValueError(f"gaussian: std must be > 0, got {std!r}")

    def sample(generator, shape, dtype, device):
        return mean + std * torch.randn(shape, generator=generator, dtype=dtype, device=device)

    law = f"N({mean:g}, {std:g}^2)"
    return RandomVariable(law, vector, sample, lambda name: stats.Normal(name, _rational(mean), _rational(std)))


def gumbel(location: float = 0.0, scale: float = 1.0, vector: bool = True) -> RandomVariable:
    """Gumbel(location, scale) components (the Gumbel-max trick's noise)."""
    if not scale > 0:
        raise ValueError(f"gumbel: scale must be > 0, got {scale!r}")

    def sample(generator, shape, dtype, device):
        u = _uniform(generator, shape, dtype, device).clamp_min(torch.finfo(dtype).tiny)
        return location - scale * torch.log(-torch.log(u))

    law = f"Gumbel({location:g}, {scale:g})"
    return RandomVariable(law, vector, sample, lambda name: stats.Gumbel(name, _rational(scale), _rational(location)))


def uniform(low: float = 0.0, high: float = 1.0, vector: bool = True) -> RandomVariable:
    """Uniform(low, high) components."""
    if not low < high:
        raise ValueError(f"uniform: need low < high, got {low!r}, {high!r}")

    def sample(generator, shape, dtype, device):
        return low + (high - low) * _uniform(generator, shape, dtype, device)

    law = f"U({low:g}, {high:g})"
    return RandomVariable(law, vector, sample, lambda name: stats.Uniform(name, _rational(low), _rational(high)))


def _rational(value: float) -> sp.Rational:
    return exact.intended_rational(float(value))


def expectation(
    quantity: Formula,
    claimed: Formula,
    *,
    over: Space,
    noise: Mapping[str, RandomVariable],
    what: str,
    relation: str = "=",
    bounds: tuple[float, float] | None = None,
) -> tuple[Check, ...]:
    """``E[quantity] = claimed`` (``relation="<="``: ``E[quantity] <= claimed``) at every point of ``over``, the
    expectation over the independent random variables ``noise`` (by name; ``quantity`` takes them and the space's
    variables, ``claimed`` the space's only).  ``bounds``: the range of the quantity ((0, 1) for an indicator, so a
    probability), which a certified Monte Carlo refutation needs (see the module docstring)."""
    if bounds is not None and not bounds[0] < bounds[1]:
        raise ValueError(f"bounds {bounds!r}: need low < high")
    if relation not in ("=", "<="):
        raise ValueError(f"relation {relation!r} is not '=' or '<='")
    clash = set(noise) & set(over.variables)
    if clash or not noise:
        raise ValueError(f"the noise needs names of its own, not the space's: {sorted(clash) or 'no noise given'}")
    law = ", ".join(f"{name} ~ {rv.law}" + (" iid" if rv.vector else "") for name, rv in noise.items())
    decide = _MonteCarlo(quantity, claimed, over, noise, relation, bounds)
    return (
        symbolic_check(
            f"sympy: {what}, exact expectation ({law})",
            lambda ctx: _exact(quantity, claimed, over, noise, relation, what, ctx),
            catches="a claimed expectation that differs from the exact one at some n <= 3, at a rational point",
        ),
        Check(
            f"torch: {what}, Monte Carlo ({law})",
            Kind.NUMERIC,
            "a claimed expectation missed beyond chance at a drawn point (Bernstein's inequality with bounds, "
            f"probability < {ALPHA_SEARCH:g}; else {Z_PASS:g} standard errors), certified on fresh draws (< "
            f"{ALPHA_CERTIFY:g}, with bounds only)",
            decide.run,
            float64=True,  # an estimate of the exact expectation: its draws and sums in float64 in every audit
        ),
    )


def _exact(
    quantity: Formula,
    claimed: Formula,
    over: Space,
    noise: Mapping[str, RandomVariable],
    relation: str,
    what: str,
    ctx: RunContext,
) -> CheckResult:
    largest = min(EXACT_MAX_N, ctx.profile.symbolic_max_n, over.largest_n(ctx))
    sizes = range(over.min_n, largest + 1) if over.sized else range(1, 2)
    if not sizes:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: n >= {over.min_n} exceeds the exact bound {largest}")
    decided = 0
    for n in sizes:
        for fixed, symbolic in over.symbolic_cases(n):
            undecided = _exact_case(quantity, claimed, noise, relation, what, n, fixed, symbolic, ctx)
            if undecided is not None:
                return replace(undecided, cases=decided + undecided.cases)
            decided += 1
    return CheckResult(
        Status.PROVED,
        f"{what}: the exact expectation {'equals' if relation == '=' else 'is at most'} the claimed side for every "
        f"n in {sizes[0]}..{sizes[-1]}"
        + (" and every value of the discrete variables" if decided > len(sizes) else ""),
        cases=decided,
        scope=f"every n in {sizes[0]}..{sizes[-1]}, exact expectation (sympy.stats)",
    )


def _exact_case(
    quantity: Formula,
    claimed: Formula,
    noise: Mapping[str, RandomVariable],
    relation: str,
    what: str,
    n: int,
    fixed: Mapping[str, sp.Integer],
    symbolic: Mapping[str, Any],
    ctx: RunContext,
) -> CheckResult | None:
    """One exact case (a size, and values of the discrete variables): None when the expectation equals the claimed
    side (``"<="``: does not exceed it) identically, else the result that decides or leaves the check."""
    values = {name: v.value for name, v in symbolic.items()}
    variables = {name: _exact_noise(name, rv, n) for name, rv in noise.items()}
    at = f"n = {n}" + "".join(f", {name} = {value}" for name, value in fixed.items())
    try:
        with time_budget(ctx.profile.sympy_seconds / EXACT_SHARE, f"the exact expectation at {at}"):
            inside = exact_values(quantity, {**values, **variables}).item()
            mean = sp.simplify(stats.E(inside))
            residual = sp.simplify(mean - exact_values(claimed, values).item())
    except OutOfTime as exc:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: {exc}")
    except (exact.NotExact, NotImplementedError, ValueError, TypeError) as exc:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: sympy.stats does not close at {at} ({exc})")
    if mean.has(sp.Integral, stats.Expectation) or stats.random_symbols(mean):
        return CheckResult(Status.INCONCLUSIVE, f"{what}: sympy.stats leaves an integral at {at}")
    if residual == 0 or (relation == "<=" and residual.is_nonpositive):
        return None
    failing = _failing_point(residual, symbolic, relation)
    if failing is None:
        return CheckResult(Status.INCONCLUSIVE, f"{what}: residual {sp.sstr(residual)} not decided at {at}")
    point, value = failing
    return CheckResult(
        Status.DISPROVED,
        f"{what}: at {at} the exact expectation minus the claimed side is {exact.exact_text(value)} at {point}",
        cases=1,
        counterexample=Counterexample(
            point,
            {"E_minus_claimed": exact.exact_text(value), "E": exact.exact_text(mean)},
            True,
            "exact expectation (sympy.stats) and exact rational arithmetic",
        ),
    )


def _exact_noise(name: str, rv: RandomVariable, n: int) -> Any:
    if not rv.vector:
        return rv.exact(name)
    return np.array([rv.exact(f"{name}_{k}") for k in range(n)], dtype=object)


def _at(value: Any, point: Mapping[sp.Symbol, sp.Expr]) -> Any:
    array = np.asarray(value, dtype=object)
    return np.vectorize(lambda e: sp.sympify(e).xreplace(point), otypes=[object])(array)


def _failing_point(
    residual: sp.Expr, symbolic: Mapping[str, Any], relation: str
) -> tuple[dict[str, Any], sp.Expr] | None:
    """A simple rational point (every symbol 1, then 1, 2, 3, ...) where the exact residual E - claimed is non-zero
    (``"<="``: positive), described variable by variable, with the residual there."""
    symbols = [s for v in symbolic.values() for s in (*v.positive, *v.real)]
    for point in ({s: sp.Integer(1) for s in symbols}, {s: sp.Integer(k + 1) for k, s in enumerate(symbols)}):
        value = exact.strict_value(residual.xreplace(point))
        if value is None or not value.is_real or value == 0 or (relation == "<=" and value < 0):
            continue
        described = {name: exact.exact_text(_at(v.value, point)) for name, v in symbolic.items()}
        return described, value
    return None


@dataclass(frozen=True)
class _MonteCarlo:
    """The Monte Carlo check: each drawn point's mean over N noise draws against the claimed value."""

    quantity: Formula
    claimed: Formula
    over: Space
    noise: Mapping[str, RandomVariable]
    relation: str
    bounds: tuple[float, float] | None

    def run(self, ctx: RunContext) -> CheckResult:
        samples = SAMPLES * ctx.profile.mc_samples
        wide = ctx.promoted(torch.float64)  # the engine runs this check in float64 (Check.float64): float32
        # comparisons of z + g at |z| = 1e4 tie within 1e-3 and bias an indicator's mean beyond the sampling error

        def evaluate(drawn: Mapping[str, np.ndarray], ctx: RunContext) -> Evaluation:
            points = rows_of(drawn)[:MAX_POINTS_PER_EXAMPLE]
            if self.over.assume is not None:
                points = [p for p in points if bool(self.over.holds(_batch(p, wide)).all())]
            if not points:
                return Evaluation(torch.zeros(1, dtype=torch.float64), lambda k: ({}, {}), cases=0)
            found = [self.estimate(point, samples, wide, salt=0) for point in points]
            ratios = torch.tensor([self.excess(f, ALPHA_SEARCH) for f in found], dtype=torch.float64)

            def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
                return {name: np.asarray(v).tolist() for name, v in points[k].items()}, found[k]

            return Evaluation(ratios, describe)

        def certify(inputs: Mapping[str, Any]) -> tuple[bool, str, dict[str, Any]]:
            if self.bounds is None:
                return False, "a Monte Carlo failure is certified only for a quantity with stated bounds", {}
            point = {name: np.asarray(v, dtype=np.float64) for name, v in inputs.items()}
            fresh = self.estimate(point, CERTIFY_FACTOR * samples, wide, salt=1)
            same_side = fresh["blocks_on_one_side"]
            certified = self.excess(fresh, ALPHA_CERTIFY) >= 1 and same_side
            how = (
                f"Monte Carlo on {fresh['samples']} fresh draws, the quantity in {list(self.bounds)}: mean "
                f"{fresh['mean']:.6g} against {fresh['claimed']:.6g}; Bernstein's inequality under E = claimed gives "
                f"probability <= {fresh['bernstein']:.3g} of a deviation this large (certifying needs <= "
                f"{ALPHA_CERTIFY:g}); every one of {BLOCKS} sub-blocks "
                + ("on the same side" if same_side else "NOT on the same side")
            )
            return certified, how, {"fresh": fresh}

        strategy = self.over.strategy(ctx, MAX_POINTS_PER_EXAMPLE)
        return check_property(strategy, evaluate, ctx, certify=certify, examples=self.over.fixed(ctx))

    def excess(self, found: Mapping[str, Any], alpha: float) -> float:
        """> 1 where the deviation is beyond chance at level ``alpha`` (with bounds: log p / log alpha; without:
        standard errors over Z_PASS)."""
        if self.bounds is None:
            return found["z"] / Z_PASS
        return math.log(max(found["bernstein"], 1e-300)) / math.log(alpha)

    def estimate(self, point: Mapping[str, np.ndarray], samples: int, ctx: RunContext, salt: int) -> dict[str, Any]:
        """The mean of ``quantity`` over ``samples`` noise draws at one point against the claimed value: the
        deviation beyond rounding, its size in sample standard errors, and (with bounds) Bernstein's probability."""
        generator = torch.Generator(device=ctx.device).manual_seed(_seed(point, ctx.seed, salt))
        n = self.over.size_of(point)
        claimed = numeric_values(self.claimed, _batch(point, ctx))
        target, target_error = float(claimed.value.reshape(-1)[0]), float(claimed.error.reshape(-1)[0])
        totals, squares = np.zeros(BLOCKS), np.zeros(BLOCKS)  # of the draws times `scale`
        rounding, low, high, scale = 0.0, math.inf, -math.inf, None
        per_block = max(samples // BLOCKS, 1)
        for block in range(BLOCKS):
            for start in range(0, per_block, CHUNK):
                count = min(CHUNK, per_block - start)
                inputs = {name: value.expand(count, *value.shape[1:]) for name, value in _batch(point, ctx).items()}
                for name, rv in self.noise.items():
                    inputs[name] = rv.sample(generator, (count, n) if rv.vector else (count,), ctx.dtype, ctx.device)
                values = numeric_values(self.quantity, inputs)
                value = values.value.reshape(count).to(torch.float64)
                scale = _unit_scale(float(value.abs().max())) if scale is None else scale
                scaled = value * scale
                totals[block] += float(scaled.sum())
                squares[block] += float((scaled * scaled).sum())
                rounding = max(rounding, float(values.error.max()))
                low, high = min(low, float(value.min())), max(high, float(value.max()))
        if self.bounds is not None and not self.bounds[0] <= low <= high <= self.bounds[1]:
            raise ValueError(
                f"the quantity took values in [{low:g}, {high:g}], outside its stated bounds {self.bounds}"
            )
        count = per_block * BLOCKS
        scaled_mean = float(totals.sum() / count)
        mean = scaled_mean / scale
        variance = max(float(squares.sum() / count) - scaled_mean * scaled_mean, 0.0) * count / max(count - 1, 1)
        gap = mean - target
        summation = count * 2.0**-53 * max(abs(low), abs(high))  # float64 sums of the draws (recursive-summation bound)
        allowance = SAFETY * (rounding + target_error) + summation
        beyond = max((abs(gap) if self.relation == "=" else gap) - allowance, 0.0)
        standard_error = math.sqrt(variance / count)  # of the scaled draws
        sides = np.sign(totals / per_block - target * scale)
        return {
            "samples": count,
            "mean": mean,
            "claimed": target,
            "standard_error": standard_error / scale,
            "z": beyond * scale / standard_error if standard_error > 0 else (1e300 if beyond > 0 else 0.0),
            "bernstein": self.bernstein(target, beyond, count),
            "blocks_on_one_side": bool(abs(sides.sum()) == BLOCKS and (self.relation == "=" or sides[0] > 0)),
        }

    def bernstein(self, claimed: float, deviation: float, count: int) -> float:
        """P(mean - E >= deviation), doubled for "=", under E = claimed for a quantity in ``bounds`` (variance at
        most (claimed - low)(high - claimed)); 1 without bounds, and 0 when the claimed value lies outside them."""
        if self.bounds is None or deviation <= 0:
            return 1.0
        low, high = self.bounds
        if not low <= claimed <= high:
            return 0.0
        variance = (claimed - low) * (high - claimed)
        exponent = count * deviation**2 / (2 * variance + 2 * (high - low) * deviation / 3)
        return min(1.0, (2.0 if self.relation == "=" else 1.0) * math.exp(-exponent))


def _unit_scale(largest: float) -> float:
    """The power of two that brings ``largest`` into [1/2, 1): the draws' sums and squares are taken of the scaled
    draws (exactly scaled, so nothing else changes), because squares of draws near 1e-279 (q = 4e-140 in E (q . k)^2)
    underflowed to 0, their standard error with them, and a mean within rounding of the claim became a failure at
    z = 1e300."""
    return math.ldexp(1.0, -math.frexp(largest)[1]) if 0 < largest < math.inf else 1.0


def _batch(point: Mapping[str, Any], ctx: RunContext) -> dict[str, torch.Tensor]:
    return {name: ctx.tensor(np.asarray(value, dtype=np.float64))[None] for name, value in point.items()}


def _seed(point: Mapping[str, np.ndarray], seed: int, salt: int) -> int:
    """A seed from the check's seed and the point's bytes: the same point gets the same noise in every run."""
    digest = hashlib.sha256(f"{seed}:{salt}".encode())
    for name in sorted(point):
        digest.update(name.encode() + np.ascontiguousarray(point[name], dtype=np.float64).tobytes())
    return int.from_bytes(digest.digest()[:8], "little") % (2**63)
