"""The secular-equation kernel of numeric/fisher_spectrum.py in batched torch, for devices other than the
CPU (where numeric/secular_compiled.py serves): the same rules (stated there), many roots
per kernel launch, each iteration a few passes over a (roots x n) block.  It has no far-pole expansion:
on a GPU the passes are memory-bound and cheap, and every root reads the whole row.
"""

from __future__ import annotations

import torch

from fim_audit.numeric.secular_compiled import MAX_ITERATIONS, RELATIVE_TIE, SKIP_TOWARD_POLE, STOP_FACTOR

CHUNK_ELEMENTS = (1 << 18, 1 << 24)
"""The largest (roots x n) block one iteration works on: on a CPU 2 MiB per float64 buffer (the buffers
stay in cache), on a GPU 128 MiB (enough work per kernel to fill the device)."""


def _evaluate(d, below, scale, origin, mu, work):
    """f = -g at x = origin + mu for each problem, in coordinates scaled by ``scale`` and shifted to
    ``origin``, with the slopes of the poles below (index < below) and above, and sum |terms|."""
    inverse, terms, products = work
    torch.mul(d, scale[:, None], out=terms)
    # the distances in shifted coordinates, as the compiled kernel takes them: (pole - origin) - mu
    torch.sub(torch.sub(terms, origin[:, None], out=inverse), mu[:, None], out=inverse).reciprocal_()
    terms.mul_(inverse)
    torch.mul(terms, inverse, out=products)
    lower = torch.arange(d.shape[-1], device=d.device)[None, :] < below[:, None]
    total = terms.sum(dim=-1)
    below_slope = torch.where(lower, products, 0).sum(dim=-1)
    above_slope = products.sum(dim=-1) - below_slope
    spread = terms.abs_().sum(dim=-1)
    return -total, below_slope, above_slope, spread


def _bisect(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """The bisection point of numeric/secular_compiled.py's ``_bisect`` (geometric across more than a
    factor of 2, SKIP_TOWARD_POLE times the far end while the near end is the pole), for every problem."""
    swap = left.abs() > right.abs()
    near, far = torch.where(swap, right, left), torch.where(swap, left, right)
    geometric = torch.copysign(torch.sqrt(near * far), far)
    step = torch.where(far / torch.where(near == 0, 1, near) > 2, geometric, (left + right) / 2)
    return torch.where(near == 0, far * SKIP_TOWARD_POLE, step)


def _roots(d: torch.Tensor, upper: torch.Tensor, work) -> torch.Tensor:
    """The root of g in (d[k, j - 1], d[k, j]), j = upper[k], for K problems on sorted ascending rows d (K,
    n), by the iteration of numeric/secular_compiled.py's ``_root`` (same scaling, origin, step and
    stopping rules), all problems at once.  Returns (K,)."""
    eps = torch.finfo(d.dtype).eps
    lower_pole = torch.gather(d, 1, upper[:, None] - 1).squeeze(1)
    upper_pole = torch.gather(d, 1, upper[:, None]).squeeze(1)
    scale = torch.ldexp(torch.ones_like(upper_pole), -torch.frexp(upper_pole).exponent)
    lower, high = lower_pole * scale, upper_pole * scale
    middle = (lower + high) / 2
    zero = torch.zeros_like(middle)
    f, below_slope, above_slope, spread = _evaluate(d, upper, scale, zero, middle, work)
    upper_half = f >= 0
    origin = torch.where(upper_half, high, lower)
    gap_low, gap_high = lower - origin, high - origin
    mu = middle - origin
    left = torch.where(upper_half, mu, gap_low)
    right = torch.where(upper_half, gap_high, mu)
    done = torch.zeros_like(mu, dtype=torch.bool)
    for _ in range(MAX_ITERATIONS):
        slope = below_slope + above_slope
        done |= (f.abs() <= STOP_FACTOR * eps * (spread + mu.abs() * slope)) | (right - left <= 2 * eps * origin.abs())
        if bool(done.all()):
            break
        a, b = gap_low - mu, gap_high - mu
        c = f + below_slope * a + above_slope * b
        alpha = f * (a + b) + a * b * slope
        beta = a * b * f
        q = (alpha + torch.where(alpha >= 0, 1, -1) * torch.sqrt((alpha * alpha - 4 * beta * c).abs())) / 2
        near, far = mu + beta / q, mu + q / c
        inside_near = torch.isfinite(near) & (near > left) & (near < right)
        inside_far = torch.isfinite(far) & (far > left) & (far < right)
        step = torch.where(inside_near, near, torch.where(inside_far, far, _bisect(left, right)))
        settled = (inside_near | inside_far) & ((step - mu).abs() <= 2 * eps * (origin + step).abs())
        mu = torch.where(done, mu, step)
        done |= settled
        if bool(done.all()):
            break
        f, below_slope, above_slope, spread = _evaluate(d, upper, scale, origin, mu, work)
        left = torch.where(f > 0, mu, left)
        right = torch.where(f < 0, mu, right)
    return (origin + mu) / scale


def eigenvalues_at(d: torch.Tensor, uppers: torch.Tensor) -> torch.Tensor:
    """The eigenvalues of diag(d) - d d^T / sum(d) at the pole indices ``uppers`` (rows, m) of ascending
    rows d (rows, n): 0 at index 0 or above a zero pole, the midpoint of a tie, else the secular root."""
    value = torch.gather(d, 1, uppers)
    below = torch.gather(d, 1, (uppers - 1).clamp(min=0))
    zero = (uppers == 0) | (below == 0)
    tie = ~zero & (value - below <= RELATIVE_TIE * value)
    eigenvalues = torch.where(zero, torch.zeros_like(value), (value + below) / 2)
    rows, roots = (~zero & ~tie).nonzero(as_tuple=True)
    if rows.numel():
        upper = uppers[rows, roots]
        size = min(rows.numel(), max(1, CHUNK_ELEMENTS[d.device.type == "cuda"] // d.shape[-1]))
        work = d.new_empty(3, size, d.shape[-1])
        found = torch.cat(
            [
                _roots(d[rows[i : i + size]], upper[i : i + size], work[:, : rows[i : i + size].numel()])
                for i in range(0, rows.numel(), size)
            ]
        )
        eigenvalues = eigenvalues.index_put((rows, roots), found)
    return eigenvalues
