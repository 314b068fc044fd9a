"""fim-attn Thm 2 run as an experiment: natural gradient descent with the paper's FIM approximation on
attention classifiers that meet the theorem's conditions, and the observed rate of min_t ||grad f(theta_t)||^2.

The model (fim-attn Def. 1): a query x_0 attends over n keys x_1..x_n in R^d with scores z_j = x_0^T W x_j, so
z = Phi theta with theta = vec W and Phi = x_0^T kron X_keys (n x d^2); the label y ~ softmax(z(theta_star)),
and f(theta) = E[-log softmax(z)_y] over N inputs.  The FIM is E[Phi^T (diag a - a a^T) Phi] (Thm 1); the
approximation is Lemma 2's E[A A^T] for a one-hot A sampled from a, diag(a), giving F~ = E[Phi^T diag(a) Phi].
The update theta <- theta - eta_t F~^-1 grad f with eta_t = 1 / sqrt(t) (Thm 3's schedule; Thm 2 item 3 says
only "appropriately scheduled").

fim-attn Thm 3 runs the same problems with the temperature schedule tau_t = tau_0 / sqrt(t).  Its proof uses the
temperature only through step 1, ||F~_t - FIM(theta_t)|| <= C tau_t; the run realises exactly that with F~_t =
FIM(theta_t) + tau_t E[Phi^T Phi] (C = ||E[Phi^T Phi]||), and records the last iterate's ||grad f(theta_T)||^2,
which is what Thm 3 bounds.

The adversarial family (``key_spread``) aims at what the conditions leave uncontrolled, the conditioning of F~
relative to the FIM: within each input the keys are one common key plus ``key_spread`` times noise, so directions
of theta that shift every logit of an input nearly equally carry almost no Fisher information (diag(a) - a a^T
kills the shift) while F~ (diag(a) alone) keeps them: F~ >> FIM there, and the natural-gradient steps along them
are that much too short.  Full row rank, bounded entropy and lambda_min(FIM) > 0 still hold.

Every run also records what the explicit bound of :func:`explicit_bound` needs: Lambda = lambda_max(E[Phi^T Phi])
(F~ <= E[Phi^T Phi] and Hess f = E[Phi^T (diag a - a a^T) Phi] <= E[Phi^T Phi], so it is also L), the smallest
lambda_min(F~_t) and the largest ||grad f(theta_t)|| along the path.

Thm 2's conditions, checked on the run itself: 1. H(a) <= log n always; 2. every Phi has full row rank n (n = d
keys in general position and x_0 != 0); Def. 2 item 3, lambda_min(FIM(theta_t)) >= mu > 0 along the whole path
(measured, not assumed).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any

import torch

from fim_audit.numeric.context import RunContext
from fim_audit.numeric.confidence import mean_interval
from fim_audit.numeric.fisher_metrics import softmax_fisher
from fim_audit.numeric.softmax import softmax
from fim_audit.numeric.training.cache import cached_entry, store

KEYS = WIDTH = 3
"""n = d = 3: Phi (3 x 9) can have full row rank (rank Phi = rank X_keys <= d)."""
INPUTS = 256
"""N inputs per problem, enough that the labels are not separable (a finite minimiser, a positive mu)."""
ADVERSARIAL_KEY_SPREAD = 0.1
"""Key spread of the adversarial family (module docstring): lambda_min(FIM) about 4e-3, rank margin about 1e-5."""


@dataclass(frozen=True)
class RateRun:
    """One experiment: ``checkpoints`` T = 2^k, ``best`` (problems, checkpoints) = min_(t <= T) ||grad f||^2, ``last``
    the same at t = T,
    ``floor`` (problems,) the rounding level of ||grad f||^2, ``slopes`` the fitted log-log slopes (NaN when fewer
    than 3 checkpoints lie above the floor), ``mu`` the smallest lambda_min(FIM) seen along each path,
    ``min_rank_margin`` the smallest sigma_n(Phi) / sigma_1(Phi) over all inputs, ``seed`` and sizes; ``gram_max``
    lambda_max(E[Phi^T Phi]), ``mu_tilde`` the smallest lambda_min(F~_t) and ``gradient_max`` the largest ||grad f||
    along each path (problems,), ``key_spread`` the adversarial family's spread (None: the standard problems)."""

    checkpoints: torch.Tensor
    best: torch.Tensor
    last: torch.Tensor
    floor: torch.Tensor
    slopes: torch.Tensor
    mu: torch.Tensor
    min_rank_margin: float
    seed: int
    problems: int
    iterations: int
    gram_max: torch.Tensor
    mu_tilde: torch.Tensor
    gradient_max: torch.Tensor
    key_spread: float | None


def _problems(seed: int, problems: int, key_spread: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(Phi (B, N, n, d^2), labels (B, N)), labels drawn from the model at theta_star ~ N(0, I); keys N(0, I), or
    with ``key_spread`` one common N(0, I) key per input plus key_spread times N(0, I) noise per key."""
    generator = torch.Generator().manual_seed(seed)
    queries = torch.randn(problems, INPUTS, WIDTH, generator=generator, dtype=torch.float64)
    keys = torch.randn(problems, INPUTS, KEYS, WIDTH, generator=generator, dtype=torch.float64)
    if key_spread is not None:
        common = torch.randn(problems, INPUTS, 1, WIDTH, generator=generator, dtype=torch.float64)
        keys = common + key_spread * keys
    phi = (queries[..., None, :, None] * keys[..., :, None, :]).flatten(start_dim=-2)
    theta_star = torch.randn(problems, 1, WIDTH * WIDTH, 1, generator=generator, dtype=torch.float64)
    probabilities = softmax((phi @ theta_star)[..., 0])
    labels = torch.multinomial(probabilities.reshape(-1, KEYS), 1, generator=generator).reshape(problems, INPUTS)
    return phi, labels


def _slope(log_t: torch.Tensor, log_g: torch.Tensor) -> float:
    centred = log_t - log_t.mean()
    return float((centred * (log_g - log_g.mean())).sum() / (centred * centred).sum())


def curve_slopes(
    curves: torch.Tensor, floor: torch.Tensor, checkpoints: torch.Tensor, values: torch.Tensor | None = None
) -> torch.Tensor:
    """Per problem, the least-squares slope of log ``values`` (default: the curves) against log T over the
    checkpoints where the curve lies above 100x its rounding floor; NaN when fewer than 3 do."""
    values = curves if values is None else values
    log_t = checkpoints.log()
    slopes = []
    for curve, level, value in zip(curves, floor, values, strict=True):
        above = curve > 100 * level
        slopes.append(_slope(log_t[above], value[above].log()) if int(above.sum()) >= 3 else math.nan)
    return torch.tensor(slopes, dtype=curves.dtype)


def iterations_for(ctx: RunContext) -> int:
    """The run's length from the profile: 1024 steps by default, 2048 in CI, 16384 in the thorough profile."""
    return ctx.profile.mc_samples // 4


@functools.lru_cache(maxsize=4)
def run(
    seed: int, problems: int = 8, iterations: int = 1024, tau0: float | None = None, key_spread: float | None = None
) -> RateRun:
    """Run natural gradient descent on ``problems`` problems for ``iterations`` steps (float64, CPU), with Thm 2's F~
    or, given ``tau0``, Thm 3's F~_t = FIM + (tau0 / sqrt(t)) E[Phi^T Phi]; ``key_spread``: the adversarial family.

    A run is kept in the experiment cache (:mod:`numeric.training.cache`, keyed by these arguments and this module's
    source), exactly: a warm audit, a worker process and the report's figures read the floats a fresh run computes."""
    specification = dict(seed=seed, problems=problems, iterations=iterations, tau0=tau0, key_spread=key_spread)
    entry = cached_entry(CACHE_KIND, specification, _CPU)
    if entry is not None:
        return _from_entry(entry)
    outcome = _run(seed, problems, iterations, tau0, key_spread)
    store(CACHE_KIND, specification, _CPU, _to_entry(outcome))
    return outcome


CACHE_KIND = "rate-run"
_CPU = torch.device("cpu")


def _to_entry(outcome: RateRun) -> dict[str, Any]:
    """JSON-ready and exact (a float64 survives JSON's shortest repr; NaN slopes as NaN)."""
    return {
        field.name: {"values": value.tolist(), "dtype": str(value.dtype).removeprefix("torch.")}
        if isinstance(value := getattr(outcome, field.name), torch.Tensor)
        else value
        for field in dataclasses.fields(RateRun)
    }


def _from_entry(entry: dict[str, Any]) -> RateRun:
    def value_of(stored: Any) -> Any:
        is_tensor = isinstance(stored, dict)
        return torch.tensor(stored["values"], dtype=getattr(torch, stored["dtype"])) if is_tensor else stored

    return RateRun(**{name: value_of(stored) for name, stored in entry.items()})


def _run(seed: int, problems: int, iterations: int, tau0: float | None, key_spread: float | None) -> RateRun:
    phi, labels = _problems(seed, problems, key_spread)
    one_hot = torch.nn.functional.one_hot(labels, KEYS).to(phi.dtype)
    theta = torch.zeros(problems, WIDTH * WIDTH, dtype=phi.dtype)
    best = torch.full((problems,), math.inf, dtype=phi.dtype)
    mu = torch.full((problems,), math.inf, dtype=phi.dtype)
    mu_tilde = torch.full((problems,), math.inf, dtype=phi.dtype)
    gradient_max = torch.zeros(problems, dtype=phi.dtype)
    checkpoints = [2**k for k in range(int(math.log2(iterations)) + 1)]
    recorded, last = [], []
    gram = (phi.transpose(-1, -2) @ phi).mean(dim=1)
    rows = phi.flatten(1, 2)  # (problems, inputs * keys, d^2): the expectations below as one product per problem
    for t in range(1, iterations + 1):
        a = softmax((rows @ theta[..., None]).reshape(one_hot.shape))
        # per input, then the mean over inputs (not _expectation's one sum): the rounding floor below assumes it
        gradient = (phi.transpose(-1, -2) @ (a - one_hot)[..., None])[..., 0].mean(dim=1)
        best = torch.minimum(best, (gradient * gradient).sum(dim=-1))
        gradient_max = torch.maximum(gradient_max, gradient.norm(dim=-1))
        fisher = _expectation(rows, softmax_fisher(a) @ phi)
        mu = torch.minimum(mu, torch.linalg.eigvalsh(fisher)[:, 0])
        if tau0 is None:
            approximation = _expectation(rows, a[..., None] * phi)
        else:
            approximation = fisher + tau0 / math.sqrt(t) * gram
        mu_tilde = torch.minimum(mu_tilde, torch.linalg.eigvalsh(approximation)[:, 0])
        theta = theta - torch.linalg.solve(approximation, gradient) / math.sqrt(t)
        if t in checkpoints:
            recorded.append(best.clone())
            last.append((gradient * gradient).sum(dim=-1))
    # Rounding level of ||grad f||^2: each of the d^2 gradient entries is a mean of N sums of n products of size
    # |Phi|, exact to gamma_(n + N + 8) |Phi| (Higham Lemma 3.1); 8x safety as in numeric.tolerance.
    u = torch.finfo(phi.dtype).eps / 2
    floor = (8 * (KEYS + INPUTS + 8) * u * phi.abs().amax(dim=(1, 2, 3))) ** 2 * WIDTH * WIDTH
    best_curve = torch.stack(recorded, dim=1)
    slopes = curve_slopes(best_curve, floor, torch.tensor(checkpoints, dtype=phi.dtype))
    singular = torch.linalg.svdvals(phi)
    return RateRun(
        checkpoints=torch.tensor(checkpoints),
        best=best_curve,
        last=torch.stack(last, dim=1),
        floor=floor,
        slopes=slopes,
        mu=mu,
        min_rank_margin=float((singular[..., -1] / singular[..., 0]).min()),
        seed=seed,
        problems=problems,
        iterations=iterations,
        gram_max=torch.linalg.eigvalsh(gram)[:, -1],
        mu_tilde=mu_tilde,
        gradient_max=gradient_max,
        key_spread=key_spread,
    )


def _expectation(rows: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """E[Phi^T R] over the inputs, (problems, d^2, d^2), for R (problems, inputs, keys, d^2) and ``rows`` Phi's rows
    (problems, inputs * keys, d^2): one product per problem summing over inputs and keys at once (with a product per
    input and then their mean, a step of 8 problems took 4.2 ms instead of 1.6 ms, one thread on this project's CPU)."""
    return rows.transpose(1, 2) @ right.flatten(1, 2) / right.shape[1]


def explicit_bound(outcome: RateRun) -> torch.Tensor:
    """(problems, checkpoints): Lambda (f(theta_1) + L G^2 / (2 mu~^2) (1 + log T)) / (2 (sqrt(T + 1) - 1)), the
    bound of fim-attn Thm 2's explicit-constants reading on min_(t<=T) ||grad f||^2, with Lambda = L =
    ``gram_max``, mu~ = ``mu_tilde``, G = ``gradient_max`` and f(theta_1) = log n (theta_1 = 0: uniform attention)."""
    t = outcome.checkpoints.double()
    lam, mu, g = (v[:, None] for v in (outcome.gram_max, outcome.mu_tilde, outcome.gradient_max))
    return lam * (math.log(KEYS) + lam * g**2 / (2 * mu**2) * (1 + t.log())) / (2 * ((t + 1).sqrt() - 1))


def slope_interval(slopes: torch.Tensor) -> tuple[float, float, float]:
    """(mean, low, high): the mean log-log slope over problems with a 95% t interval (finite slopes only)."""
    return mean_interval(slopes.tolist())


TAU0 = 1.0
"""Thm 3's tau_0 in the schedule run (tau_1 = 1: the preconditioner starts as FIM + E[Phi^T Phi])."""


def thm2_run(ctx: RunContext) -> RateRun:
    """The fim-attn Thm 2 run of this context's profile, shared by its checks and figure."""
    return run(ctx.shared_seed("fim-attn.thm2"), iterations=iterations_for(ctx))


def adversarial_run(ctx: RunContext) -> RateRun:
    """Thm 2's run on the adversarial family (ADVERSARIAL_KEY_SPREAD), same seed and length."""
    return run(ctx.shared_seed("fim-attn.thm2"), iterations=iterations_for(ctx), key_spread=ADVERSARIAL_KEY_SPREAD)


def thm3_run(ctx: RunContext) -> RateRun:
    """The same problems under Thm 3's temperature schedule, shared by its check and figure."""
    return run(ctx.shared_seed("fim-attn.thm2"), iterations=iterations_for(ctx), tau0=TAU0)


def schedule_rhs_shape(checkpoints: torch.Tensor) -> torch.Tensor:
    """(1 + sum_(t<=T) tau_0 / sqrt(t)) / sqrt(T) at each checkpoint T: Thm 3's right-hand side with C1 = C2 = 1."""
    t = torch.arange(1, int(checkpoints.max()) + 1, dtype=torch.float64)
    partial = (TAU0 / t.sqrt()).cumsum(0)[checkpoints.long() - 1]
    return (1 + partial) / checkpoints.double().sqrt()
