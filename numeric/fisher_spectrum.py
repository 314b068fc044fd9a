"""Exact eigenvalues of the softmax Fisher F = (diag(p) - p p^T) / tau^2 from its secular equation, in
O(n^2) for the whole spectrum and O(k n) for the top k, batched, on any device (fim-metrics doc, seed
004_a860e49dea2b827a.txt, "FIM Metrics We Track"; claims fim-metrics.kernel and fim-metrics.interlacing).

F is a diagonal minus a rank-one term: det(F - lambda I) = prod_i (p_i - lambda) (1 - sum_i p_i^2 / (p_i -
lambda)).  Since p_i^2 / (p_i - lambda) = p_i + lambda p_i / (p_i - lambda) and sum_i p_i = 1, the secular
factor is -lambda g(lambda) with

    g(lambda) = sum_i p_i / (p_i - lambda),

so 0 is an eigenvalue (the vector of ones) and the others are the roots of g, one in each interval between
consecutive distinct poles (g increases from -oo to +oo there).  Working with g rather than the textbook
1 - sum p_i^2 / (p_i - lambda) avoids the cancellation of 1 against the largest pole's term, which costs
dense eigvalsh thousands of ulps of lambda_max on a near-one-hot row; here every eigenvalue stays within a
few ulps of lambda_max (tests/test_fisher_spectrum.py, against 60-digit eigenvalues).

With p sorted ascending, d_1 <= ... <= d_n, index j contributes one eigenvalue:

* the exact 0 (index 1);
* a deflated d_j: the entries p_j <= DEFLATION * u * p_(2) (p_(2) the second largest), as in LAPACK's
  dlaed2.  Removing them from the rank-one term moves every eigenvalue by O(u p_(2)), and lambda_max >=
  p_(2) (claim fim-metrics.eigmax-bounds), so the error stays a few ulps of the spectrum's scale;
* d_j itself when d_j - d_(j-1) <= that width, which covers repeated values of p exactly;
* otherwise the root of g in (d_(j-1), d_j), by a safeguarded rational iteration in the style of LAPACK's
  dlaed4.  The iteration fits the two-pole model of g at the current point (Bunch, Nielsen and Sorensen
  1978), in coordinates shifted to the nearer pole so that the distances d_i - lambda keep full relative
  accuracy, and bisects whenever a step would leave the bracket.

The contributions ascend with the index, so the top k eigenvalues come from the top k indices alone.  One
iteration costs O(n) per root; rows and roots are processed in chunks of CHUNK_ELEMENTS.
"""

from __future__ import annotations

import math

import torch

from numeric.fisher_metrics import DECAY_INDEX, ENERGY_CUTS, metrics_from_top, zero_floor
from numeric.validate import InputError, positive_scalar, probability_vectors

DEFLATION = 16.0
"""p_j <= DEFLATION * u * p_(2) is deflated (its eigenvalue is p_j itself); LAPACK's dlaed2 uses 8 eps."""
MAX_ITERATIONS = 60
"""A safeguard: bisection alone would halve the bracket 53 times to reach float64 resolution, and the
rational steps converge in 4 to 6 iterations on every row measured (the tests include near-one-hot rows, ties
and poles one ulp apart)."""
CHUNK_ELEMENTS = (1 << 18, 1 << 24)
"""The largest (roots x n) block one iteration works on: on a CPU 2 MiB per float64 buffer (n = 4096, full
spectrum: 0.58 s at 2^17, 0.42 s at 2^18 and 0.36-0.45 s at 2^19, whose buffers no longer stay in cache;
at 2^15 Python's per-chunk overhead dominates), on a GPU 128 MiB (enough work per kernel to fill the
device)."""


def _sorted_rows(p: torch.Tensor, tau: float) -> tuple[torch.Tensor, float]:
    """The validated rows of p flattened to (rows, n) and sorted ascending, and the scale 1 / tau^2."""
    probability_vectors(p, "p")
    tau = positive_scalar(tau, "tau")
    scale = 1 / tau / tau
    if not math.isfinite(scale) or scale > torch.finfo(p.dtype).max:
        raise InputError(f"1 / tau^2 overflows {p.dtype} at tau = {tau:.3g}")
    return torch.sort(p.reshape(-1, p.shape[-1]), dim=-1).values, scale


def _secular_roots(d: torch.Tensor, upper: torch.Tensor, work: torch.Tensor) -> torch.Tensor:
    """The root of g in (d[k, j - 1], d[k, j]), j = upper[k], for each of K problems: d (K, n) is a sorted
    ascending row with its deflated poles zeroed, and the interval is wider than the deflation width.  The
    iteration works on f = -g, decreasing like dlaed4's secular function.  ``work`` holds four (K, n)
    scratch buffers, reused across chunks: a fresh allocation per chunk goes through mmap and page faults,
    which measured as costly as the arithmetic.  Returns (K,)."""
    eps = torch.finfo(d.dtype).eps
    lower_pole = torch.gather(d, 1, upper[:, None] - 1).squeeze(1)
    upper_pole = torch.gather(d, 1, upper[:, None]).squeeze(1)
    middle = (lower_pole + upper_pole) / 2
    shifted, inverse, terms, products = work
    f_middle = -torch.div(d, torch.sub(d, middle[:, None], out=inverse), out=terms).sum(dim=-1)
    # f = -g decreases from +oo to -oo on the interval: f(middle) >= 0 puts the root in the upper half.
    upper_half = f_middle >= 0
    origin = torch.where(upper_half, upper_pole, lower_pole)
    torch.sub(d, origin[:, None], out=shifted)
    gap_low, gap_high = lower_pole - origin, upper_pole - origin  # one of them is 0
    mu = middle - origin
    left = torch.where(upper_half, mu, gap_low)
    right = torch.where(upper_half, gap_high, mu)
    done = torch.zeros_like(mu, dtype=torch.bool)
    found, index = torch.empty_like(mu), torch.arange(mu.shape[0], device=d.device)
    for _ in range(MAX_ITERATIONS):
        torch.sub(shifted, mu[:, None], out=inverse).reciprocal_()
        torch.mul(d, inverse, out=terms)
        total = terms.sum(dim=-1)
        slope = torch.mul(terms, inverse, out=products).sum(dim=-1)
        # The poles below the root give exactly the negative terms, so the slopes of psi (poles below) and
        # phi (poles above) split by sign: sum |terms| * inverse = dphi - dpsi.
        spread = terms.abs_().sum(dim=-1)
        signed_slope = torch.mul(terms, inverse, out=products).sum(dim=-1)
        dpsi, dphi = (slope - signed_slope) / 2, (slope + signed_slope) / 2
        f = -total
        left = torch.where(f > 0, mu, left)
        right = torch.where(f < 0, mu, right)
        # dlaed4's stopping rule (|f| within the rounding error of its own evaluation, which grows with
        # sum |terms| and |mu| f'), or a bracket already at the resolution of origin + mu.
        done |= (f.abs() <= 8 * eps * (spread + mu.abs() * slope)) | (right - left <= 2 * eps * origin.abs())
        if bool(done.all()):
            break
        # Two-pole model c - B / (a - x) - E / (b - x) fitted to f's value and slope at mu: its step eta solves
        # c eta^2 - alpha eta + beta = 0.  Both roots without cancellation (q / c and beta / q); the step
        # taken is the one inside the bracket (beta / q first: it is the finite one as c -> 0).
        a, b = gap_low - mu, gap_high - mu
        c = f + dpsi * a + dphi * b
        alpha = f * (a + b) + a * b * slope
        beta = a * b * f
        q = (alpha + torch.where(alpha >= 0, 1, -1) * torch.sqrt((alpha * alpha - 4 * beta * c).abs())) / 2
        near, far = mu + beta / q, mu + q / c
        inside_near = torch.isfinite(near) & (near > left) & (near < right)
        inside_far = torch.isfinite(far) & (far > left) & (far < right)
        step = torch.where(inside_near, near, torch.where(inside_far, far, (left + right) / 2))
        # A rational step at the rounding level of the root is final: the iteration converges quadratically,
        # so the next error would be far below it, and evaluating f once more would change nothing.
        settled = (inside_near | inside_far) & ((step - mu).abs() <= 2 * eps * (origin + step).abs())
        mu = torch.where(done, mu, step)
        done |= settled
        if bool(done.all()):
            break
        if 2 * int(done.sum()) >= done.numel():
            # Most roots converge within an iteration of each other: once half are done, the rest continue
            # alone (measured: a third less work for the full spectrum).
            found[index[done]] = (origin + mu)[done]
            keep = ~done
            index, d, shifted, mu, left, right, origin, gap_low, gap_high = (
                t[keep] for t in (index, d, shifted, mu, left, right, origin, gap_low, gap_high)
            )
            done = done[keep]
            inverse, terms, products = (t[: index.numel()] for t in (inverse, terms, products))
    found[index] = origin + mu
    return found


def _spectrum_of_sorted(d: torch.Tensor, uppers: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of diag(d) - d d^T at the pole indices ``uppers`` (rows, m) of ascending rows d: the value
    each index contributes (the exact 0, a deflated pole, a repeated value, or a secular root)."""
    tolerance = DEFLATION * torch.finfo(d.dtype).eps / 2 * d[:, -2:-1] if d.shape[-1] > 1 else d * 0
    active = d > tolerance  # a prefix of the ascending row is deflated, the rest is active
    value = torch.gather(d, 1, uppers)
    below = torch.gather(d, 1, (uppers - 1).clamp(min=0))
    lower_active = torch.gather(active, 1, (uppers - 1).clamp(min=0)) & (uppers > 0)
    solve = lower_active & (value - below > tolerance)
    # Index 0 holds the exact 0; index j <= (number deflated) the deflated d_(j-1); every later index the
    # midpoint of a collapsed interval or its secular root.  The values then ascend with the index, so the
    # top k indices hold the top k eigenvalues.
    eigenvalues = torch.where(lower_active, (value + below) / 2, below)
    eigenvalues = torch.where(uppers == 0, torch.zeros_like(value), eigenvalues)
    rows, roots = solve.nonzero(as_tuple=True)
    if rows.numel():
        # One secular problem per root to find, in chunks whose (problems x n) temporaries stay in cache
        # on a CPU and fill the device on a GPU.
        poles = torch.where(active, d, torch.zeros_like(d))
        upper = uppers[rows, roots]
        size = min(rows.numel(), max(1, CHUNK_ELEMENTS[d.device.type == "cuda"] // d.shape[-1]))
        work = d.new_empty(5, size, d.shape[-1])
        found = torch.cat(
            [
                _secular_roots(
                    torch.index_select(poles, 0, rows[i : i + size], out=work[0, : rows[i : i + size].numel()]),
                    upper[i : i + size],
                    work[1:, : rows[i : i + size].numel()],
                )
                for i in range(0, rows.numel(), size)
            ]
        )
        eigenvalues = eigenvalues.index_put((rows, roots), found)
    return eigenvalues


def softmax_fisher_eigvalsh(p: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """All eigenvalues of F = (diag(p) - p p^T) / tau^2, ascending, for probability rows p (..., n):
    shape (..., n).  O(n^2) per row."""
    d, scale = _sorted_rows(p, tau)
    n = d.shape[-1]
    uppers = torch.arange(n, device=d.device).expand(d.shape[0], n)
    eigenvalues = _spectrum_of_sorted(d, uppers)
    return (torch.sort(eigenvalues, dim=-1).values * scale).reshape(p.shape)


def _top_eigenvalues(d: torch.Tensor, k: int) -> torch.Tensor:
    """The k largest eigenvalues of diag(d) - d d^T, descending, for ascending rows d (rows, n): those of the
    top k pole indices (see :func:`_spectrum_of_sorted`; interlacing puts the root of pole j below d_j)."""
    n = d.shape[-1]
    uppers = torch.arange(n - k, n, device=d.device).expand(d.shape[0], k)
    return torch.sort(_spectrum_of_sorted(d, uppers), dim=-1, descending=True).values


def _trace(d: torch.Tensor) -> torch.Tensor:
    """tr(diag(d) - d d^T) = sum_i d_i (1 - d_i) for ascending rows d, with 1 - d_max taken as the sum of the
    other entries: 1 - d_max cancels catastrophically on a near-one-hot row (relative error u / (1 - d_max)),
    while every other 1 - d_i is accurate (d_i <= 1/2)."""
    rest = d[:, :-1]
    return (rest * (1 - rest)).sum(dim=-1) + d[:, -1] * rest.sum(dim=-1)


def softmax_fisher_topk(p: torch.Tensor, k: int, tau: float = 1.0) -> torch.Tensor:
    """The k largest eigenvalues of F, descending, (..., k) with 1 <= k <= n.  O(k n) per row."""
    d, scale = _sorted_rows(p, tau)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= d.shape[-1]:
        raise InputError(f"k must be an integer in 1..{d.shape[-1]} (the row length), got {k!r}")
    return (_top_eigenvalues(d, k) * scale).reshape(*p.shape[:-1], k)


def fisher_top_and_metrics(p: torch.Tensor, tau: float = 1.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The top min(16, n) eigenvalues of F, descending and floored at the dense reference's rounding level,
    (..., min(16, n)), and the metrics :func:`fisher_metrics` computes from them, for callers that need both
    (the energy curves of ``fim-audit spectrum``) without solving twice."""
    d, scale = _sorted_rows(p, tau)
    n = d.shape[-1]
    top = _top_eigenvalues(d, min(max(*ENERGY_CUTS.values(), DECAY_INDEX), n)) * scale
    top = torch.where(top > zero_floor(d, tau), top, torch.zeros_like(top))
    metrics = metrics_from_top(top, _trace(d) * scale, n)
    return top.reshape(*p.shape[:-1], top.shape[-1]), {
        name: value.reshape(p.shape[:-1]) for name, value in metrics.items()
    }


def fisher_metrics(p: torch.Tensor, tau: float = 1.0) -> dict[str, torch.Tensor]:
    """eigmax, trace, energy_r8, energy_r16 and decay of every row of p, each of shape p.shape[:-1], with
    the definitions and edge cases of :mod:`numeric.fisher_metrics` (the dense reference): the top 16
    eigenvalues from the secular equation, floored at the same rounding level, and the trace in closed form,
    sum_i p_i (1 - p_i) / tau^2 (claim fim-metrics.trace), without the cancellation of 1 - ||p||^2."""
    return fisher_top_and_metrics(p, tau)[1]
