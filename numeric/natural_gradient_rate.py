"""fim-attn Thm 2 run as an experiment: natural gradient descent with the paper's FIM approximation on
attention classifiers that meet the theorem's conditions, and the observed rate of min_t ||grad f(theta_t)||^2.

The model (fim-attn Def. 1): a query x_0 attends over n keys x_1..x_n in R^d with scores z_j = x_0^T W x_j, so
z = Phi theta with theta = vec W and Phi = x_0^T kron X_keys (n x d^2); the label y ~ softmax(z(theta_star)),
and f(theta) = E[-log softmax(z)_y] over N inputs.  The FIM is E[Phi^T (diag a - a a^T) Phi] (Thm 1); the
approximation is Lemma 2's E[A A^T] for a one-hot A sampled from a, diag(a), giving F~ = E[Phi^T diag(a) Phi].
The update theta <- theta - eta_t F~^-1 grad f with eta_t = 1 / sqrt(t) (Thm 3's schedule; Thm 2 item 3 says
only "appropriately scheduled").

Thm 2's conditions, checked on the run itself: 1. H(a) <= log n always; 2. every Phi has full row rank n (n = d
keys in general position and x_0 != 0); Def. 2 item 3, lambda_min(FIM(theta_t)) >= mu > 0 along the whole path
(measured, not assumed).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from claims.context import RunContext
from claims.model import Check, CheckResult, Counterexample, Kind, Status
from numeric.fisher_metrics import softmax_fisher
from numeric.softmax import softmax

KEYS = WIDTH = 3
"""n = d = 3: Phi (3 x 9) can have full row rank (rank Phi = rank X_keys <= d)."""
INPUTS = 256
"""N inputs per problem, enough that the labels are not separable (a finite minimiser, a positive mu)."""


@dataclass(frozen=True)
class RateRun:
    """One experiment: ``checkpoints`` T = 2^k, ``best`` (problems, checkpoints) = min_(t <= T) ||grad f||^2,
    ``floor`` (problems,) the rounding level of ||grad f||^2, ``slopes`` the fitted log-log slopes (NaN when fewer
    than 3 checkpoints lie above the floor), ``mu`` the smallest lambda_min(FIM) seen along each path,
    ``min_rank_margin`` the smallest sigma_n(Phi) / sigma_1(Phi) over all inputs, ``seed`` and sizes."""

    checkpoints: torch.Tensor
    best: torch.Tensor
    floor: torch.Tensor
    slopes: torch.Tensor
    mu: torch.Tensor
    min_rank_margin: float
    seed: int
    problems: int
    iterations: int


def _problems(seed: int, problems: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(Phi (B, N, n, d^2), labels (B, N)), labels drawn from the model at theta_star ~ N(0, I)."""
    generator = torch.Generator().manual_seed(seed)
    queries = torch.randn(problems, INPUTS, WIDTH, generator=generator, dtype=torch.float64)
    keys = torch.randn(problems, INPUTS, KEYS, WIDTH, generator=generator, dtype=torch.float64)
    phi = (queries[..., None, :, None] * keys[..., :, None, :]).flatten(start_dim=-2)
    theta_star = torch.randn(problems, 1, WIDTH * WIDTH, 1, generator=generator, dtype=torch.float64)
    probabilities = softmax((phi @ theta_star)[..., 0])
    labels = torch.multinomial(probabilities.reshape(-1, KEYS), 1, generator=generator).reshape(problems, INPUTS)
    return phi, labels


def _slope(log_t: torch.Tensor, log_g: torch.Tensor) -> float:
    centred = log_t - log_t.mean()
    return float((centred * (log_g - log_g.mean())).sum() / (centred * centred).sum())


def iterations_for(ctx: RunContext) -> int:
    """The run's length from the profile: 1024 steps by default, 2048 in CI, 16384 in the thorough profile."""
    return ctx.profile.mc_samples // 4


@functools.lru_cache(maxsize=4)
def run(seed: int, problems: int = 8, iterations: int = 1024) -> RateRun:
    """Run natural gradient descent with F~ on ``problems`` problems for ``iterations`` steps (float64, CPU)."""
    phi, labels = _problems(seed, problems)
    one_hot = torch.nn.functional.one_hot(labels, KEYS).to(phi.dtype)
    theta = torch.zeros(problems, WIDTH * WIDTH, dtype=phi.dtype)
    best = torch.full((problems,), math.inf, dtype=phi.dtype)
    mu = torch.full((problems,), math.inf, dtype=phi.dtype)
    checkpoints = [2**k for k in range(int(math.log2(iterations)) + 1)]
    recorded = []
    for t in range(1, iterations + 1):
        a = softmax((phi @ theta[:, None, :, None])[..., 0])
        gradient = (phi.transpose(-1, -2) @ (a - one_hot)[..., None])[..., 0].mean(dim=1)
        best = torch.minimum(best, (gradient * gradient).sum(dim=-1))
        fisher = (phi.transpose(-1, -2) @ softmax_fisher(a) @ phi).mean(dim=1)
        mu = torch.minimum(mu, torch.linalg.eigvalsh(fisher)[:, 0])
        approximation = (phi.transpose(-1, -2) @ (a[..., :, None] * phi)).mean(dim=1)
        theta = theta - torch.linalg.solve(approximation, gradient) / math.sqrt(t)
        if t in checkpoints:
            recorded.append(best.clone())
    # Rounding level of ||grad f||^2: each of the d^2 gradient entries is a mean of N sums of n products of size
    # |Phi|, exact to gamma_(n + N + 8) |Phi| (Higham Lemma 3.1); 8x safety as in numeric.tolerance.
    u = torch.finfo(phi.dtype).eps / 2
    floor = (8 * (KEYS + INPUTS + 8) * u * phi.abs().amax(dim=(1, 2, 3))) ** 2 * WIDTH * WIDTH
    best_curve = torch.stack(recorded, dim=1)
    log_t = torch.tensor(checkpoints, dtype=phi.dtype).log()
    slopes = []
    for curve, level in zip(best_curve, floor, strict=True):
        above = curve > 100 * level
        slopes.append(_slope(log_t[above], curve[above].log()) if int(above.sum()) >= 3 else math.nan)
    singular = torch.linalg.svdvals(phi)
    return RateRun(
        checkpoints=torch.tensor(checkpoints),
        best=best_curve,
        floor=floor,
        slopes=torch.tensor(slopes, dtype=phi.dtype),
        mu=mu,
        min_rank_margin=float((singular[..., -1] / singular[..., 0]).min()),
        seed=seed,
        problems=problems,
        iterations=iterations,
    )


T_975 = {7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201}
"""Student t quantiles t_(0.975, dof) for the confidence interval of the mean slope (dof = problems - 1)."""


def slope_interval(slopes: torch.Tensor) -> tuple[float, float, float]:
    """(mean, low, high): the mean log-log slope over problems with a 95% t interval (finite slopes only)."""
    finite = slopes[torch.isfinite(slopes)]
    mean = float(finite.mean())
    half = T_975[len(finite) - 1] * float(finite.std()) / math.sqrt(len(finite))
    return mean, mean - half, mean + half


def _experiment_result(
    passed: bool, detail: str, outcome: RateRun, observed: dict[str, object], why_uncertified: str
) -> CheckResult:
    """PASSED, or FAILED with an uncertified record of the run (an experiment never certifies a refutation)."""
    if passed:
        return CheckResult(Status.PASSED, detail, cases=outcome.problems)
    inputs = {"seed": outcome.seed, "iterations": outcome.iterations}
    counterexample = Counterexample(inputs, observed, False, why_uncertified)
    return CheckResult(Status.FAILED, detail, cases=outcome.problems, counterexample=counterexample)


def _run_for(ctx: RunContext) -> RateRun:
    return run(ctx.seed_for("fim-attn.thm2"), iterations=iterations_for(ctx))


def rate_check(*, catches: str) -> Check:
    """The observed rate: the 95% interval of the mean slope of log min_t ||grad f||^2 against log T lies at or
    below -1/2 (a curve that reached its rounding floor counts as faster than any power)."""

    def evaluate(ctx: RunContext) -> CheckResult:
        outcome = _run_for(ctx)
        floored = int(torch.isnan(outcome.slopes).sum())
        budget = f"{outcome.problems} problems, T <= {outcome.iterations}, seed {outcome.seed}"
        if floored == outcome.problems:
            return CheckResult(
                Status.PASSED, f"every run reached its rounding floor ({budget})", cases=outcome.problems
            )
        mean, low, high = slope_interval(outcome.slopes)
        detail = (
            f"slope of log min_t ||grad f||^2 vs log T: mean {mean:.3f}, 95% CI [{low:.3f}, {high:.3f}], per problem "
            f"{[round(float(v), 2) for v in outcome.slopes]} ({floored} at the rounding floor; {budget})"
        )
        return _experiment_result(
            high <= -0.5,
            detail,
            outcome,
            {"mean_slope": mean, "ci": [low, high]},
            "an observed rate at finite T does not decide an O(.) statement",
        )

    return Check(
        "experiment: NGD with F~ = E[Phi^T diag(a) Phi], eta_t = 1/sqrt(t)", Kind.EXPERIMENT, catches, evaluate
    )


MU_FLOOR = 1e-8
"""lambda_min(FIM) must clear eigvalsh's rounding (gamma_(p+8) ||FIM|| ~ 1e-14 here) by a wide margin."""


def assumptions_check(*, catches: str) -> Check:
    """Thm 2's conditions and Def. 2 item 3 hold together on the same runs: every Phi has full row rank,
    lambda_min(FIM(theta_t)) >= mu > MU_FLOOR along every path, H(a) <= log n."""

    def evaluate(ctx: RunContext) -> CheckResult:
        outcome = _run_for(ctx)
        mu = float(outcome.mu.min())
        detail = (
            f"min_t lambda_min(FIM) = {mu:.3g} over {outcome.problems} paths of {outcome.iterations} steps; smallest "
            f"sigma_n(Phi)/sigma_1(Phi) = {outcome.min_rank_margin:.3g}; H(a) <= log {KEYS}"
        )
        return _experiment_result(
            mu > MU_FLOOR and outcome.min_rank_margin > MU_FLOOR,
            detail,
            outcome,
            {"mu": mu, "rank_margin": outcome.min_rank_margin},
            "a failed witness certifies nothing",
        )

    return Check(
        "experiment: conditions 1-3 and lambda_min(FIM) >= mu along the runs", Kind.EXPERIMENT, catches, evaluate
    )
