"""The secular-equation kernel of numeric/fisher_spectrum.py compiled for the CPU with numba: one fused pass
over the row per iteration (one divide, four multiply-adds per entry), rows in parallel.

It computes the same values as the torch kernel (numeric/secular_torch.py, for other devices), by the rules
:mod:`numeric.fisher_spectrum` states: the eigenvalue of pole index j of a row d is 0 when j = 0 or d_(j-1)
= 0, the midpoint of (d_(j-1), d_j) when the interval is at most RELATIVE_TIE * d_j wide, and otherwise the
root of g(x) = sum_i d_i / (d_i - x) in the interval.

Layout of a row: ``b`` holds the row with its K largest entries last and ascending; the others, all at most
b[n - K], come first in any order (the full spectrum sorts the whole row, K = n; the metrics select the top
17).  The root of index j >= n - K + 1 needs its interval (b[j - 1], b[j]) and sums over all poles, in any
order: the poles below the root are exactly those with negative terms, which splits the slope without a
branch.  The loops are compiled with numpy's error model (a division by zero gives inf, as IEEE says, and
is never reached: every distance d_i - x is non-zero inside the open interval), which lets them vectorise:
measured here, the fused loop then runs at the machine's divide throughput, against half of it with
Python's zero-division checks.
"""

from __future__ import annotations

import math

import numba
import numpy as np


# The rules both kernels follow (numeric/secular_torch.py imports them from here).  They live in this file on
# purpose: numba's cache is invalidated when this file changes, and freezes the globals it reads, so a rule
# kept in another module could change without the cached kernels noticing.

MAX_ITERATIONS = 60
"""A safeguard: bisection alone would halve the bracket 53 times to reach float64 resolution, and the
rational steps converge in 3 to 6 iterations on every row measured (near-one-hot rows, ties, sink rows and
poles one ulp apart)."""
RELATIVE_TIE = float(np.finfo(np.float64).eps)
"""An interval (d_(j-1), d_j) at most RELATIVE_TIE * d_j wide holds its eigenvalue within half that width
of the midpoint, u * d_j: the midpoint is returned without iterating.  Exact ties (repeated values of p)
give the eigenvalue d_j exactly."""
STOP_FACTOR = 8.0
"""dlaed4's stopping rule: |f| <= STOP_FACTOR * eps * (sum |terms| + |mu| f'), the rounding error of f's
own evaluation."""
FAR_RATIO = 0.5
"""Poles at most FAR_RATIO times below every root they serve (the top-k roots all lie above p_(k+1)) enter
through power moments: d / (d - x) = -sum_m (d / x)^m, each moment at most FAR_RATIO times the last."""
FAR_TERMS = 64
"""At most this many moments (a multiple of 4): FAR_RATIO^64 / (1 - FAR_RATIO) = 2^-63, below an eighth of
an ulp of the far poles' value (the moments usually stop earlier, once they fall below u / 8 of the first)."""
DEEP_RATIO = 0.125
"""Far poles at most DEEP_RATIO times below the roots need only DEEP_TERMS moments."""
DEEP_TERMS = 20
"""DEEP_RATIO^20 / (1 - DEEP_RATIO) = 2^-59.8: the deep poles' truncation stays below u / 8."""
SKIP_TOWARD_POLE = 2.0**-64
"""When a bisection's bracket still ends at the pole itself, the next point is this fraction of the far
end: a root within 1e-200 of the interval's width from its pole is bracketed in 11 such steps, then found by
geometric bisection and the rational steps."""

_FAST = {"reassoc", "contract"}
"""Reassociated sums (vectorised partial sums: the error bound gamma_n of any order still holds) and fused
multiply-adds; no approximate divides and no assumptions about NaN or infinities."""


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _far_series(moments, rho):
    """sum_m S_m rho^m and sum_m m S_m rho^m (m = 1..M, M a multiple of 4), by Horner's rule in rho^4 on
    four interleaved chains: one chain would be a sequence of M dependent multiply-adds per evaluation,
    the latency that dominated a root's cost on attention rows."""
    rho2 = rho * rho
    rho4 = rho2 * rho2
    v0 = v1 = v2 = v3 = 0.0
    w0 = w1 = w2 = w3 = 0.0
    for block in range(moments.shape[0] - 4, -1, -4):
        v0 = v0 * rho4 + moments[block]
        v1 = v1 * rho4 + moments[block + 1]
        v2 = v2 * rho4 + moments[block + 2]
        v3 = v3 * rho4 + moments[block + 3]
        w0 = w0 * rho4 + (block + 1) * moments[block]
        w1 = w1 * rho4 + (block + 2) * moments[block + 1]
        w2 = w2 * rho4 + (block + 3) * moments[block + 2]
        w3 = w3 * rho4 + (block + 4) * moments[block + 3]
    value = rho * (v0 + rho * v1 + rho2 * (v2 + rho * v3))
    weighted = rho * (w0 + rho * w1 + rho2 * (w2 + rho * w3))
    return value, weighted


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _evaluate(b, scale, origin, mu, far):
    """f = -g and its pieces at x = origin + mu, in coordinates scaled by ``scale`` (a power of two, so
    exact) and shifted to ``origin``: returns (f, slope of the poles below, slope of the poles above,
    sum |terms|).  The poles below the root give exactly the negative terms.  The poles b[:start] enter
    through their power moments (``far``, :func:`_far_moments`)."""
    start, reference, moments = far
    below = 0.0
    below_slope = 0.0
    if start:
        # sum_i d_i / (d_i - x) = -sum_m S_m rho^m and sum_i d_i / (d_i - x)^2 = (1 / x) sum_m m S_m rho^m over
        # the far poles, rho = c / x <= 1, S_m = sum_i (d_i / c)^m (Horner from the last moment).
        x = origin + mu
        value, weighted = _far_series(moments, reference * scale / x)
        below = -value
        below_slope = weighted / x
    total = below
    slope = below_slope
    spread = -below
    signed = -below_slope
    # One loop over the exact poles: the terms of the poles below the root are exactly the negative ones, so
    # sum |t_i| / (d_i - x) = (slope above) - (slope below) splits the slope without a branch.
    for i in range(start, b.shape[0]):
        pole = b[i] * scale
        inverse = 1.0 / ((pole - origin) - mu)
        term = pole * inverse
        total += term
        product = term * inverse
        slope += product
        spread += abs(term)
        signed += abs(term) * inverse
    return -total, (slope - signed) / 2, (slope + signed) / 2, spread


@numba.njit(cache=True, error_model="numpy")
def _to_front(b, begin, end, threshold):
    """Move the entries of b[begin:end] at most ``threshold`` to its front; returns where they end."""
    split = begin
    for i in range(begin, end):
        if b[i] <= threshold:
            b[i], b[split] = b[split], b[i]
            split += 1
    return split


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _add_moments(b, begin, end, reference, moments, cap, first):
    """moments[m] += sum_i (b_i / reference)^(m + 1) over b[begin:end], four moments per pass over the
    entries, for m < cap, stopping once a block of four adds at most u / 8 of ``first`` (S_1 of every far
    pole: the later moments are smaller still, each at most FAR_RATIO times the last).  Returns how many
    moments it filled."""
    count = end - begin
    if count == 0:
        return 0
    ratios = b[begin:end] / reference
    powers = ratios.copy()
    threshold = np.finfo(np.float64).eps / 8 * first
    for block in range(0, cap, 4):
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        s4 = 0.0
        for i in range(count):
            a = powers[i]
            r = ratios[i]
            s1 += a
            a = a * r
            s2 += a
            a = a * r
            s3 += a
            a = a * r
            s4 += a
            powers[i] = a * r
        moments[block] += s1
        moments[block + 1] += s2
        moments[block + 2] += s3
        moments[block + 3] += s4
        if s1 <= threshold:
            return block + 4
    return cap


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _far_moments(b, count, reference):
    """Move the entries of b[:count] at most FAR_RATIO * reference to the front, and return (how many,
    reference, S) with S_m = sum (d_i / reference)^m, m = 1.. over them: every root above ``reference``
    sees them as far poles, whose terms expand as d_i / (d_i - x) = -sum_m (d_i / x)^m, ratio <= FAR_RATIO.

    Most far poles of an attention row are far smaller than the ratio allows: those at most DEEP_RATIO *
    reference (moved to the very front) need only DEEP_TERMS moments (DEEP_RATIO^DEEP_TERMS / (1 - DEEP_RATIO)
    < 2^-59), the others up to FAR_TERMS; each stops once its moments fall below u / 8 of S_1, the rest of
    its terms summing to less than that (times rho^m <= rho)."""
    if reference <= 0:  # every entry below is 0 and contributes nothing to g
        return 0, reference, np.zeros(0)
    deep = _to_front(b, 0, count, DEEP_RATIO * reference)
    start = _to_front(b, deep, count, FAR_RATIO * reference)
    moments = np.zeros(FAR_TERMS)
    if start == 0:
        return 0, reference, moments[:0]
    first = 0.0
    for i in range(start):
        first += b[i] / reference
    used = max(
        _add_moments(b, 0, deep, reference, moments, DEEP_TERMS, first),
        _add_moments(b, deep, start, reference, moments, FAR_TERMS, first),
    )
    return start, reference, moments[:used]


@numba.njit(cache=True, error_model="numpy")
def _bisect(left, right):
    """The next point of a bisection of the bracket (left, right), in shifted coordinates (the origin, 0,
    is a pole and one end of the interval): geometric when the bracket spans more than a factor of 2, so
    that a root at 1e-200 of the interval's width from its pole (a sink row's tiny entries against its
    large one) is reached in about 20 steps rather than 660 halvings; SKIP_TOWARD_POLE times the far end
    while the near end is still the pole itself (no geometric mean with 0)."""
    near, far = (left, right) if abs(left) <= abs(right) else (right, left)
    if near == 0:
        return far * SKIP_TOWARD_POLE
    if far / near > 2:
        return math.copysign(math.sqrt(near * far), far)
    return (left + right) / 2


@numba.njit(cache=True, error_model="numpy")
def _root(b, j, far):
    """The root of g in (b[j - 1], b[j]) (see the module docstring for the layout), by the safeguarded
    two-pole rational iteration of LAPACK's dlaed4 in coordinates shifted to the nearer pole.  The row is
    scaled by the power of two that puts b[j] in [1/2, 1), so that the distances d_i - x of a root near a
    tiny pole stay normal numbers.  ``far`` is the power-moment expansion of the poles b[:start] (see
    :func:`_far_moments`; empty when start = 0).  Returns (root, passes over the row).

    The first evaluation, at the midpoint, is made in unshifted coordinates (the midpoint is half the gap
    from both poles, so no distance loses accuracy there) and serves both the choice of origin and the
    first step, as in dlaed4: one pass fewer per root than evaluating the midpoint twice."""
    eps = np.finfo(np.float64).eps
    scale = math.ldexp(1.0, -math.frexp(b[j])[1])
    lower, upper = b[j - 1] * scale, b[j] * scale
    middle = (lower + upper) / 2
    f, below_slope, above_slope, spread = _evaluate(b, scale, 0.0, middle, far)
    # f = -g decreases from +oo to -oo on the interval: f(middle) >= 0 puts the root in the upper half.
    if f >= 0:
        origin, left, right = upper, middle - upper, 0.0
    else:
        origin, left, right = lower, 0.0, middle - lower
    gap_low, gap_high = lower - origin, upper - origin
    mu = middle - origin
    passes = 1
    for _ in range(MAX_ITERATIONS):
        slope = below_slope + above_slope
        if abs(f) <= STOP_FACTOR * eps * (spread + abs(mu) * slope) or right - left <= 2 * eps * abs(origin):
            break
        # Two-pole model c - B / (a - x) - E / (b - x) fitted to f's value and slope at mu: its step eta solves
        # c eta^2 - alpha eta + beta = 0.  Both roots without cancellation (q / c and beta / q); the step
        # taken is the one inside the bracket (beta / q first: it is the finite one as c -> 0).
        a, c_high = gap_low - mu, gap_high - mu
        c = f + below_slope * a + above_slope * c_high
        alpha = f * (a + c_high) + a * c_high * slope
        beta = a * c_high * f
        q = (alpha + math.copysign(1.0, alpha) * math.sqrt(abs(alpha * alpha - 4 * beta * c))) / 2
        near = mu + beta / q if q != 0 else math.nan
        far_step = mu + q / c if c != 0 else math.nan
        settled = False
        if math.isfinite(near) and left < near < right:
            settled = abs(near - mu) <= 2 * eps * abs(origin + near)
            mu = near
        elif math.isfinite(far_step) and left < far_step < right:
            settled = abs(far_step - mu) <= 2 * eps * abs(origin + far_step)
            mu = far_step
        else:
            mu = _bisect(left, right)
        # A rational step at the rounding level of the root is final: the iteration converges quadratically,
        # so the next error would be far below it, and evaluating f once more would change nothing.
        if settled:
            break
        f, below_slope, above_slope, spread = _evaluate(b, scale, origin, mu, far)
        passes += 1
        if f > 0:
            left = mu
        elif f < 0:
            right = mu
    return (origin + mu) / scale, passes


@numba.njit(cache=True, error_model="numpy")
def _eigenvalue(b, j, far):
    """The eigenvalue of diag(b) - b b^T / sum(b) that pole index j contributes, and the passes over the
    row it cost."""
    if j == 0 or b[j - 1] == 0:
        return 0.0, 0
    if b[j] - b[j - 1] <= RELATIVE_TIE * b[j]:
        return (b[j - 1] + b[j]) / 2, 0
    return _root(b, j, far)


TINY = np.finfo(np.float64).tiny


@numba.njit(cache=True, error_model="numpy", inline="always")
def _entry(row, i):
    """Entry i of a float32 or float64 row as a float64, 0 below the smallest normal float64 (the project's
    no-subnormals rule: the eigenvalue of such an entry is below it too)."""
    x = np.float64(row[i])
    return x if x >= TINY else 0.0


@numba.njit(cache=True, error_model="numpy")
def _select_top(row, b, keep):
    """Write ``row`` into b with its ``keep`` largest entries last and ascending, the others first in their
    order: one pass keeps the largest in a small sorted buffer (a compare per entry, an insertion now and
    then), a second places every entry (the entries equal to the smallest kept one fill the kept places
    that are left, first come first)."""
    n = row.shape[0]
    top = np.empty(keep)
    for i in range(keep):
        top[i] = -1.0
    for i in range(n):
        x = _entry(row, i)
        if x > top[0]:
            m = 1
            while m < keep and top[m] < x:
                top[m - 1] = top[m]
                m += 1
            top[m - 1] = x
    threshold = top[0]
    equal = 0
    for m in range(keep):
        if top[m] == threshold:
            equal += 1
    front = 0
    for i in range(n):
        x = _entry(row, i)
        if x < threshold:
            b[front] = x
            front += 1
        elif x == threshold and equal == 0:
            b[front] = x
            front += 1
        elif x == threshold:
            equal -= 1
    b[n - keep :] = top


@numba.njit(cache=True, parallel=True, error_model="numpy")
def top_eigenvalues(rows, k, counts):
    """The k largest eigenvalues of diag(d) - d d^T / sum(d) of each row d of ``rows`` (R, n; float32 or
    float64, read as float64), any order
    of entries, descending (R, k); ``counts[r]`` receives the passes over row r.  Partial selection puts
    the k + 1 largest entries last and ascending, then index n - 1 - m gives the (m + 1)-th largest
    eigenvalue (interlacing)."""
    rows_count, n = rows.shape
    out = np.empty((rows_count, k))
    keep = min(k + 1, n)
    for r in numba.prange(rows_count):
        b = np.empty(n)
        _select_top(rows[r], b, keep)
        far = _far_moments(b, n - keep, b[n - keep])
        passes = 0
        for m in range(k):
            value, cost = _eigenvalue(b, n - 1 - m, far)
            out[r, m] = value
            passes += cost
        counts[r] = passes
    return out


@numba.njit(cache=True, parallel=True, error_model="numpy")
def all_eigenvalues(rows, counts):
    """Every eigenvalue of diag(d) - d d^T / sum(d) of each row of ``rows`` (R, n; float32 or float64, read
    as float64), ascending (R, n)."""
    rows_count, n = rows.shape
    out = np.empty((rows_count, n))
    for r in numba.prange(rows_count):
        b = np.empty(n)
        for i in range(n):
            b[i] = _entry(rows[r], i)
        b.sort()
        far = (0, 1.0, np.zeros(0))
        passes = 0
        for j in range(n):
            value, cost = _eigenvalue(b, j, far)
            out[r, j] = value
            passes += cost
        counts[r] = passes
    return out


@numba.njit(cache=True, parallel=True, fastmath=_FAST, error_model="numpy")
def sums_and_traces(rows):
    """Per row d (float32 or float64, read as float64): s = sum(d) and s^2 tr(diag(d / s) - (d / s)(d /
    s)^T) = sum_i d_i (s - d_i), with s - d_max taken as the sum of the other entries (1 - q_max cancels
    on a near-one-hot row, every other s - d_i is at least s / 2).  Returns (sums, scaled traces), each (R,)."""
    rows_count, n = rows.shape
    sums = np.empty(rows_count)
    traces = np.empty(rows_count)
    for r in numba.prange(rows_count):
        row = rows[r]
        top = 0
        total = 0.0
        for i in range(n):
            x = _entry(row, i)
            total += x
            if x > _entry(row, top):
                top = i
        rest = 0.0
        inner = 0.0
        for i in range(n):
            if i != top:
                x = _entry(row, i)
                rest += x
                inner += x * (total - x)
        sums[r] = total
        traces[r] = inner + _entry(row, top) * rest
    return sums, traces
