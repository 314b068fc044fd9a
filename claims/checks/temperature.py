"""Numeric checks of the temperature, sampling and entropy claims (fim-attn Lemma 2, App. A, Prop. 1, Remark
1, Thm 3 step 4; holistic §2.1-2.2), float64 by default, logits up to |z| = 1e4 through log-sum-exp.

Claims with an unnamed constant are checked against C_MAX: a check that fails shows that no C <= C_MAX works
at the failing input, and the exact symbolic family (symbolic/temperature.py) shows that no C works at all.

Bespoke, and why: what remains here evaluates at a temperature derived from the point (tau = gap / 60, tau = 1e-9 in
a promoted dtype), samples one-hot draws by Monte Carlo, checks the Euler-Maclaurin expansion of H_T to 1/(120 T^4),
searches for a jump of dH/dT on a grid, or extrapolates the random energy model in n: none is a formula of a point.
The statements that are (the Gibbs bound, the temperature limits and monotonicity, Prop. 1's bounds, Remark 1's
orders, Thm 3 step 4's order) go through :mod:`claims.builders`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import sympy as sp
import torch
from hypothesis import strategies as st

from fim_audit.numeric.context import RunContext
from fim_audit.claims.model import Check, CheckResult, Counterexample, Kind, Status
from fim_audit.claims.builders.primitives import Evaluation, check_property, search_witness
from fim_audit.numeric.softmax import log_softmax, pure_softmax, softmax
from fim_audit.numeric.search.strategies import FINITE, logit_batches, temperatures
from fim_audit.numeric.temperature import (
    lemma2_gap,
    argmax_set,
    entropy_density,
    logit_gap,
    one_hot_second_moment,
    rem_typical_scores,
    zero_temperature_limit,
)
from fim_audit.numeric.tolerance import (
    SAFETY,
    excess,
    gamma,
    rounding_tolerance,
    softmax_depth,
    unit_roundoff,
    violation,
)

C_MAX = 1e3
"""The largest constant a failing 'O(tau)' or '<= C H(a)' check rules out at its counterexample."""

SMALL_TAU = 1e-9
"""The temperature at which a claimed O(tau) gap is evaluated (C_MAX * SMALL_TAU = 1e-6).  Checks at SMALL_TAU
compute in at least float64 (``RunContext.promoted``): z / SMALL_TAU carries an absolute rounding error of about
|z| * 1e9 * u, which float32 (u = 6e-8) cannot bound below 1, while float64 (u = 1.1e-16) bounds it by 1e-7 |z|."""


def _spectral_norms(m: torch.Tensor) -> torch.Tensor:
    return torch.linalg.matrix_norm(m, ord=2)


def _logits_at_small_tau(ctx: RunContext, rows: np.ndarray) -> torch.Tensor:
    return ctx.promoted(torch.float64).tensor(rows)


def _check(name: str, strategy_of: Callable[[RunContext], st.SearchStrategy], evaluate, catches: str) -> Check:
    def run(ctx: RunContext):
        return check_property(strategy_of(ctx), evaluate, ctx)

    return Check(name, Kind.NUMERIC, catches, run)


def _rows(ctx: RunContext) -> st.SearchStrategy:
    return logit_batches(ctx.profile.max_n, ctx.profile.max_batch)


def _describe_rows(z: torch.Tensor, **observed: torch.Tensor):
    def describe(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"z": z[k].tolist()}, {key: value[k].tolist() for key, value in observed.items()}

    return describe


# --- Lemma 2 ----------------------------------------------------------------------------------------------------


def lemma2_small_tau(reading: str, *, catches: str) -> Check:
    """||gap(tau)||_2 <= C_MAX tau at tau = SMALL_TAU (tolerance: rounding of a sum of n probabilities)."""

    def evaluate(rows: np.ndarray, ctx: RunContext) -> Evaluation:
        z = _logits_at_small_tau(ctx, rows)
        norm = _spectral_norms(lemma2_gap(z, SMALL_TAU, reading))
        tolerance = rounding_tolerance(softmax_depth(z / SMALL_TAU) + z.shape[-1], torch.full_like(norm, 4.0), z.dtype)
        ratio = violation(norm, torch.full_like(norm, C_MAX * SMALL_TAU), tolerance, dims=0)
        return Evaluation(ratio, _describe_rows(z, gap_norm=norm))

    return _check(f"torch: ||gap(tau)||_2 <= {C_MAX:g} tau at tau = {SMALL_TAU:g}, {reading}", _rows, evaluate, catches)


def one_hot_covariance(*, catches: str) -> Check:
    """E[A A^T] = diag(q) and E[(A - q)(A - q)^T] = diag(q) - q q^T for a one-hot sample (Monte Carlo with a
    Hoeffding radius at confidence 1 - 1e-9 against the closed forms, 4096 draws per row)."""

    def evaluate(drawn: tuple[np.ndarray, float, int], ctx: RunContext) -> Evaluation:
        rows, tau, seed = drawn
        z = ctx.tensor(rows)
        q = softmax(z, tau)
        draws = 4096
        generator = torch.Generator(device=ctx.device).manual_seed(seed)
        samples = torch.multinomial(q.reshape(-1, q.shape[-1]), draws, replacement=True, generator=generator)
        one_hot = torch.nn.functional.one_hot(samples, q.shape[-1]).to(q.dtype).reshape(*q.shape[:-1], draws, -1)
        centred = one_hot - q[..., None, :]
        estimate = (centred[..., :, None] * centred[..., None, :]).mean(dim=-3)
        closed = torch.diag_embed(q) - q[..., :, None] * q[..., None, :]
        n = q.shape[-1]
        radius = math.sqrt(
            2 * math.log(2 * n * n / 1e-9) / draws
        )  # entries of the centred outer product lie in [-1, 1]
        tolerance = radius + rounding_tolerance(n + 8, torch.ones_like(closed), q.dtype)
        second = excess(
            one_hot_second_moment(q),
            torch.diag_embed(q),
            rounding_tolerance(n + 8, torch.ones_like(closed), q.dtype),
            dims=2,
        )
        ratio = torch.maximum(excess(estimate, closed, tolerance, dims=2), second)
        return Evaluation(ratio, _describe_rows(z, covariance_estimate=estimate, closed_form=closed))

    def strategy(ctx: RunContext) -> st.SearchStrategy:
        return st.tuples(_rows(ctx), temperatures(), st.integers(0, 2**31 - 1))

    return _check("torch: sampled one-hot A: E[A A^T] = diag(q), Cov(A) = diag(q) - q q^T", strategy, evaluate, catches)


# --- Appendix A -------------------------------------------------------------------------------------------------


def taylor_constant_term(*, catches: str) -> Check:
    """|sigma(z/tau) - sigma(z)| <= C_MAX tau entrywise at tau = SMALL_TAU (needed for the expansion around tau = 0
    with constant term sigma(z))."""

    def evaluate(rows: np.ndarray, ctx: RunContext) -> Evaluation:
        z = _logits_at_small_tau(ctx, rows)
        difference = (softmax(z, SMALL_TAU) - softmax(z)).abs().amax(dim=-1)
        tolerance = rounding_tolerance(softmax_depth(z / SMALL_TAU) + z.shape[-1], torch.ones_like(difference), z.dtype)
        ratio = violation(difference, torch.full_like(difference, C_MAX * SMALL_TAU), tolerance, dims=0)
        return Evaluation(ratio, _describe_rows(z, largest_difference=difference))

    return _check(f"torch: sigma(z/tau) - sigma(z) = O(tau) at tau = {SMALL_TAU:g}", _rows, evaluate, catches)


def exponential_approach(*, catches: str) -> Check:
    """For every i outside argmax z: log sigma(z/tau)_i <= -gap/tau - log |argmax z| (log domain, so it holds
    down to e^-1000), i.e. sigma(z/tau) reaches its limit faster than any power of tau."""

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        rows, tau = drawn
        z = ctx.tensor(rows)
        logp = log_softmax(z, tau)
        outside = argmax_set(z) == 0
        tied = argmax_set(z).sum(dim=-1, keepdim=True)
        bound = (-logit_gap(z)[:, None] / tau - torch.log(tied)).expand_as(logp)
        tolerance = rounding_tolerance(softmax_depth(z / tau)[:, None] + z.shape[-1], 1 + logp.abs(), z.dtype)
        ratio = torch.where(outside, (logp - bound) / tolerance, -torch.inf).amax(dim=-1).clamp_min(0)
        return Evaluation(ratio, _describe_rows(z, log_sigma=logp, bound=bound))

    def strategy(ctx: RunContext) -> st.SearchStrategy:
        return st.tuples(_rows(ctx), temperatures())

    return _check("torch: sigma(z/tau)_i <= exp(-gap/tau) / |argmax| off the argmax", strategy, evaluate, catches)


def tau_derivative(kernel: Callable, *, catches: str) -> Check:
    """d sigma(z/tau) / d tau by forward-mode autograd in tau against kernel(z_i, sigma_i, sum z sigma, tau).

    Magnitude: (|z_i| sigma_i + sigma_i sum_k |z_k| sigma_k) / tau^2; depth: softmax depth + n.
    """

    def evaluate(drawn: tuple[np.ndarray, float], ctx: RunContext) -> Evaluation:
        rows, tau = drawn
        z = ctx.tensor(rows)
        t = torch.tensor(tau, dtype=z.dtype, device=z.device)
        reference = torch.func.jacfwd(lambda temperature: pure_softmax(z, temperature))(t)
        p = softmax(z, tau)
        mean = (z * p).sum(dim=-1, keepdim=True)
        claimed = kernel(z, p, mean, tau)
        magnitude = (z.abs() * p + p * (z.abs() * p).sum(dim=-1, keepdim=True)) / tau**2
        depth = (softmax_depth(z / tau) + z.shape[-1])[:, None]
        return Evaluation(
            excess(claimed, reference, rounding_tolerance(depth, magnitude, z.dtype), dims=1),
            _describe_rows(z, claimed=claimed, autograd=reference),
        )

    def strategy(ctx: RunContext) -> st.SearchStrategy:
        return st.tuples(_rows(ctx), temperatures())

    return _check("torch: d sigma(z/tau) / d tau vs autograd (jacfwd in tau)", strategy, evaluate, catches)


def zero_temperature(limit: str, *, catches: str) -> Check:
    """sigma(z/tau) at tau = gap / 60 (where exp(-gap/tau) ~ 1e-26) against the claimed limit: "one-hot" at the
    first maximiser (App. A step 3, i* = argmax z), or "uniform-argmax" over all maximisers.  Rows whose gap is
    too small to resolve are vacuous."""

    def evaluate(rows: np.ndarray, ctx: RunContext) -> Evaluation:
        z = ctx.tensor(rows)
        gap = logit_gap(z)
        scale = 1 + z.abs().amax(dim=-1)
        # tau = gap / 60 puts exp(-gap / tau) ~ 1e-26; rows where |z / tau| * u exceeds 1e-4 (|z / tau| > 1e12 in
        # float64, > 1.7e3 in float32) cannot be evaluated meaningfully: the rounding of z / tau alone is then
        # above 1e-4.  They are vacuous.
        largest_resolvable = 1e-4 / unit_roundoff(z.dtype)
        resolvable = torch.isfinite(gap) & (60 * scale / gap <= largest_resolvable) | ~torch.isfinite(gap)
        tau = torch.where(torch.isfinite(gap) & resolvable, gap / 60, torch.ones_like(gap))
        p = torch.stack([softmax(z[k : k + 1], float(tau[k]))[0] for k in range(z.shape[0])])
        if limit == "one-hot":
            target = torch.nn.functional.one_hot(z.argmax(dim=-1), z.shape[-1]).to(z.dtype)
        else:
            target = zero_temperature_limit(z)
        n = z.shape[-1]
        depth = softmax_depth(z / tau[:, None]) + n
        tolerance = rounding_tolerance(depth[:, None], torch.ones_like(p), z.dtype) + (n - 1) * math.exp(-60)
        ratio = torch.where(resolvable, excess(p, target, tolerance, dims=1), 0.0)
        return Evaluation(ratio, _describe_rows(z, softmax_at_small_tau=p, claimed_limit=target))

    return _check(f"torch: sigma(z/tau) near tau = 0 vs the {limit} limit", _rows, evaluate, catches)


# --- Thm 3 step 4 ------------------------------------------------------------------------------------------------


def _harmonic(t: int) -> float:
    return math.fsum(1.0 / k for k in range(1, t + 1))


def schedule_asymptotics(*, catches: str) -> Check:
    """|H_T - (log T + gamma + 1/(2T) - 1/(12 T^2))| <= 1/(120 T^4) (Euler-Maclaurin, alternating remainder) for
    T in 1..2^20, plus rounding gamma_8 H_T."""

    def evaluate(t: int, ctx: RunContext) -> Evaluation:
        exact = _harmonic(t)
        approximation = math.log(t) + 0.5772156649015329 + 1 / (2 * t) - 1 / (12 * t**2)
        bound = 1 / (120 * t**4) + float(SAFETY * gamma(8, torch.float64)) * exact
        ratio = torch.tensor([abs(exact - approximation) / bound], dtype=torch.float64)
        return Evaluation(ratio, lambda _: ({"T": t}, {"H_T": exact, "asymptotic": approximation}))

    return _check(
        "torch: H_T = log T + gamma + 1/(2T) - 1/(12T^2) + O(T^-4)",
        lambda ctx: st.integers(1, 2**20),
        evaluate,
        catches,
    )


# --- holistic ---------------------------------------------------------------------------------------------------


def entropy_jump_witness(*, catches: str) -> Check:
    """Search for a phase transition at finite n: a jump of dH/dT between neighbouring points of a fine T grid
    that exceeds what the largest |d^2H/dT^2| on the grid allows (times 2), both by autograd."""

    @st.composite
    def windows(draw: st.DrawFn, max_n: int):
        z = draw(logit_batches(max_n, 1))
        centre = draw(st.floats(0.05, 10.0, **FINITE))
        return z, centre

    def margin(drawn: tuple[np.ndarray, float], ctx: RunContext) -> float:
        rows, centre = drawn
        z = ctx.tensor(rows)[0]
        grid = torch.linspace(0.5 * centre, 1.5 * centre, 201, dtype=z.dtype, device=z.device)

        def entropy_at(t: torch.Tensor) -> torch.Tensor:
            p = pure_softmax(z, t)
            return -(p * torch.log(torch.where(p > 0, p, 1))).sum()

        first = torch.func.vmap(torch.func.grad(entropy_at))(grid)
        second = torch.func.vmap(torch.func.grad(torch.func.grad(entropy_at)))(grid)
        step = float(grid[1] - grid[0])
        # Magnitude of autograd's dH/dT = -sum (1 + log p_i) dp_i/dT with |dp_i/dT| <= 2 p_i max|z| / T^2 and
        # |log p_i| <= 2 max|z| / T + log n, at the smallest T of the grid.  (Measuring it by |dH/dT| itself
        # missed the size of the cancelling terms: seed 9 flagged rounding noise at z = 0.5 (1 + 1e-16 e_2),
        # T ~ 0.06, as a jump.)
        z_max, t_min = float(z.abs().max()), float(grid[0])
        magnitude = 1 + 2 * z_max / t_min**2 * (1 + 2 * z_max / t_min + math.log(z.shape[-1]))
        rounding = rounding_tolerance(float(softmax_depth(z / grid[0])), torch.tensor(magnitude), z.dtype)
        allowed = 2 * step * float(second.abs().max()) + float(rounding)
        return float((first[1:] - first[:-1]).abs().max()) / allowed

    def describe(drawn: tuple[np.ndarray, float]) -> dict[str, Any]:
        return {"z": drawn[0][0].tolist(), "T_centre": drawn[1]}

    def run(ctx: RunContext):
        return search_witness(windows(ctx.profile.max_n), margin, describe, ctx)

    return Check("torch: search for a jump of dH/dT (finite n)", Kind.NUMERIC, catches, run)


REM_SIZES = tuple(2**k for k in range(8, 21, 2))
REM_RESOLUTION = 0.03
"""The largest extrapolated mean error |H/log n - h(T)| accepted as 0.  Convergence is slow (rate
log log n / log n), so the experiment only resolves gross errors: measured on the quantile sample, the true limit
extrapolates to -0.007, a limit shifted by 0.02 to +0.005 (unresolvable), 1 - 1/T to 0.13 and the kink-free
1 - 1/(1 + T^2) to 0.15."""


def _fitted_intercept(errors: list[float]) -> float:
    """a of the least-squares fit e(n) = a + (b + c log log n) / log n over REM_SIZES, solved exactly from the
    float data (the normal equations in rationals): LAPACK's least squares (MKL) returned different last bits in a
    worker process, and results must not depend on which process ran the check (fim-audit run --jobs)."""
    rows = []
    for n in REM_SIZES:
        log_n = math.log(n)
        rows.append([sp.Integer(1), sp.Rational(1 / log_n), sp.Rational(math.log(log_n) / log_n)])
    design = sp.Matrix(rows)
    values = sp.Matrix([sp.Rational(e) for e in errors])
    return float((design.T * design).LUsolve(design.T * values)[0])


def rem_convergence(*, catches: str) -> Check:
    """Random energy model at its typical sample (:func:`numeric.temperature.rem_typical_scores`, no seed): the
    mean error e(n) of H / log n against h(T) = max(0, 1 - 1/T^2) on a T grid away from T_c = 1 is fitted as
    a + (b + c log log n) / log n over n in REM_SIZES (the finite-size law of the REM's maximum); the
    extrapolated error a must be below REM_RESOLUTION."""

    def run(ctx: RunContext):
        temperatures_grid = torch.cat(
            [torch.linspace(0.3, 0.8, 11, dtype=torch.float64), torch.linspace(1.25, 3.0, 15, dtype=torch.float64)]
        ).to(ctx.device)
        limit = torch.clamp(1 - 1 / temperatures_grid**2, min=0)
        grid = temperatures_grid.tolist()
        errors = [
            float((entropy_density(rem_typical_scores(n, device=ctx.device), grid) - limit).abs().mean())
            for n in REM_SIZES
        ]
        intercept = _fitted_intercept(errors)
        detail = (
            f"mean |H/log n - h(T)| = {errors[-1]:.3g} at n = 2^{int(math.log2(REM_SIZES[-1]))}, extrapolated to "
            f"{intercept:.3g} (fit a + (b + c log log n) / log n over n = {REM_SIZES[0]}..{REM_SIZES[-1]}; "
            f"resolution {REM_RESOLUTION:g})"
        )
        if abs(intercept) <= REM_RESOLUTION:
            return CheckResult(Status.PASSED, detail, cases=len(errors), ratio=abs(intercept) / REM_RESOLUTION)
        return CheckResult(
            Status.FAILED,
            detail,
            cases=len(errors),
            counterexample=Counterexample(
                {"sizes": list(REM_SIZES)},
                {"errors": errors, "intercept": intercept},
                False,
                "a fit is not a certificate",
            ),
            ratio=abs(intercept) / REM_RESOLUTION,
        )

    return Check(
        "torch: random energy model at its typical sample, H/log n -> max(0, 1 - 1/T^2) (extrapolated in n)",
        Kind.NUMERIC,
        catches,
        run,
    )
