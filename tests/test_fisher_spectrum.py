"""numeric/fisher_spectrum.py, the secular-equation solver, checked against two references: 50-digit mpmath
eigenvalues of the definition (the row as its dtype holds it, normalised exactly), every eigenvalue to the
relative accuracy the module promises, for float64, float32, float16 and bfloat16 rows of every family
(sink, near-one-hot, ties, masked, Hypothesis rows), through both kernels; and the dense float64 eigvalsh
of numeric/fisher_metrics within its own backward-error bound."""

from __future__ import annotations

import math
import random

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from fim_audit.numeric.fisher_metrics import METRICS, fisher_eigenvalues, fisher_metrics_reference, zero_floor
from fim_audit.numeric import fisher_spectrum, secular_torch
from fim_audit.numeric.fisher_spectrum import accuracy, fisher_metrics, softmax_fisher_eigvalsh, softmax_fisher_topk
from fim_audit.numeric.search.strategies import adversarial_distributions
from fim_audit.numeric.tolerance import unit_roundoff
from fim_audit.numeric.validate import InputError

F64 = torch.float64
ROW_DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)


def _dense_bound(p: torch.Tensor, tau: float) -> torch.Tensor:
    """The error the dense reference itself may make, per row: its eigenvalues are exact for a matrix within
    gamma_(n+8) max(p) / tau^2 of F (forming F, then Householder tridiagonalisation), so the two spectra
    may differ by that plus the solver's own few ulps of the same scale."""
    return 2 * zero_floor(p, tau)


@given(adversarial_distributions(64, 4), st.sampled_from([1.0, 0.5, 3.0]))
def test_full_spectrum_matches_dense_eigvalsh(rows, tau):
    p = torch.from_numpy(rows)
    fast = softmax_fisher_eigvalsh(p, tau)
    dense = fisher_eigenvalues(p, tau).flip(-1)
    assert fast.shape == p.shape and bool(torch.isfinite(fast).all())
    assert bool(((fast - dense).abs() <= _dense_bound(p, tau)).all()), (fast - dense).abs().max()
    assert bool((fast[..., 1:] >= fast[..., :-1]).all()), "not ascending"


@given(adversarial_distributions(64, 4), st.integers(1, 64))
def test_top_k_is_the_top_of_the_full_spectrum(rows, k):
    p = torch.from_numpy(rows)
    k = min(k, p.shape[-1])
    top = softmax_fisher_topk(p, k)
    full = softmax_fisher_eigvalsh(p).flip(-1)[..., :k]
    assert top.shape == (*p.shape[:-1], k)
    assert bool(((top - full).abs() <= 4 * unit_roundoff(F64) * p.amax(-1, keepdim=True)).all())


@given(adversarial_distributions(40, 3), st.sampled_from([1.0, 0.25, 2.0]))
def test_metrics_match_the_dense_reference(rows, tau):
    """Same definitions and edge cases: eigmax and trace within the dense bound; the energies and the decay
    wherever the reference's floor decision is not within rounding of a boundary."""
    p = torch.from_numpy(rows)
    fast, reference = fisher_metrics(p, tau), fisher_metrics_reference(p, tau)
    assert set(fast) == set(reference) == set(METRICS)
    bound = _dense_bound(p, tau)[..., 0]
    n = p.shape[-1]
    for name in ("eigmax", "trace"):
        assert bool(((fast[name] - reference[name]).abs() <= n * bound).all()), name
    trace = reference["trace"]
    clear = trace > 1e3 * n * bound
    for name in ("energy_r8", "energy_r16"):
        error = (fast[name] - reference[name]).abs()
        assert bool((error[clear] <= 1e3 * n * bound[clear] / trace[clear]).all()), name
        assert bool((fast[name][~clear] <= 1 + 1e-12).all())
    spectrum = fisher_eigenvalues(p, tau)
    if n >= 5:
        fifth = spectrum[..., 4]
        # Where the dense lambda_5 is within its rounding of 0 the reference reports lambda_5 = 0 while the
        # solver resolves it (the mpmath tests below decide those rows); elsewhere the two decays agree.
        decided = fifth > 1e3 * bound
        same = torch.isclose(fast["decay"], reference["decay"], rtol=1e-6)
        assert bool(same[decided].all()), "decay"


TINY = torch.finfo(F64).tiny


def _held(row: list[float]) -> list[float]:
    """The row as the module defines it: float64 entries below the smallest normal number are 0 (the
    no-subnormals rule of numeric/fisher_spectrum.py; a subnormal eigenvalue could not keep its relative
    accuracy in float64 anyway); test_subnormal_entries_move_eigenvalues_by_the_stated_bound bounds the move."""
    return [x if x >= TINY else 0.0 for x in row]


def _exact_eigenvalues(row: list[float], flush: bool = True) -> list[mpmath.mpf]:
    """50-digit eigenvalues of F(q), q = row / sum(row) exactly, ascending, from the secular equation (no
    floating point): 0 for the kernel and for each zero entry, a repeated entry's value for each repeat,
    and one root of g(x) = sum_i q_i / (q_i - x) between consecutive distinct positive entries, by
    bisection to 50 digits (geometric across wide brackets).  The row is first :func:`_held` unless
    ``flush`` is off.  Cross-checked against mpmath's dense eigensolver on small rows below."""
    row = _held(row) if flush else row
    with mpmath.workdps(50):
        total = mpmath.fsum(mpmath.mpf(x) for x in row)
        q = sorted(mpmath.mpf(x) / total for x in row)
        positive = [x for x in q if x > 0]
        distinct = sorted(set(positive))
        values = [mpmath.mpf(0)] * (len(q) - len(positive) + 1)
        for value in distinct:
            values += [value] * (positive.count(value) - 1)
        for low, high in zip(distinct, distinct[1:], strict=False):
            left, right = low, high
            for _ in range(400):
                # geometric while the bracket spans more than a factor of 2 (a root 1e-300 above its pole)
                middle = mpmath.sqrt(left * right) if right > 2 * left else (left + right) / 2
                if middle in (left, right):
                    break
                if mpmath.fsum(x / (x - middle) for x in positive) < 0:
                    left = middle
                else:
                    right = middle
            values.append((left + right) / 2)
        return sorted(values)


def _exact_trace(row: torch.Tensor) -> mpmath.mpf:
    """50-digit tr F(q) = sum_i q_i (1 - q_i), q = row / sum(row) exactly."""
    with mpmath.workdps(50):
        q = [mpmath.mpf(x) for x in _held(row.double().tolist())]
        total = mpmath.fsum(q)
        return mpmath.fsum(x / total * (1 - x / total) for x in q)


def _assert_relative(computed: list[float], exact: list[mpmath.mpf], n: int) -> None:
    """Every eigenvalue within accuracy(n) of the exact one, relative to itself; exact zeros exactly 0."""
    assert len(computed) == len(exact)
    for got, want in zip(computed, exact, strict=True):
        if want == 0:
            assert got == 0, f"{got} for an exact 0"
        else:
            error = abs(mpmath.mpf(got) - want) / want
            assert error <= accuracy(n), f"relative error {float(error):.2e} > {accuracy(n):.2e} at {float(want):.3e}"


def _dyadic_row(rng: random.Random, n: int, sharpness: int) -> list[float]:
    """A row of dyadic rationals summing to exactly 1 (its largest entry absorbs the remainder), with
    entries spread over ``sharpness`` binades: near-one-hot for large sharpness."""
    ints = [rng.randint(1, 2**20) << rng.randint(0, sharpness) for _ in range(n)]
    scale = 2 ** (sum(ints).bit_length() + 1)
    row = [x / scale for x in ints]
    top = row.index(max(row))
    row[top] = float(1 - mpmath.fsum(x for i, x in enumerate(row) if i != top))
    assert mpmath.fsum(row) == 1
    return row


CASES = [
    [1 - 3 * 2**-40, 2**-40, 2**-39],  # near one-hot: dense loses ~5000 ulps of lambda_max here
    [1 - 15 * 2**-45] + [k * 2**-45 for k in (1, 2, 3, 4, 5)],
    [1 - 3 * 2**-53, 2**-53, 2**-52],  # below what dlaed2 would deflate
    [0.25, 0.25, 0.25, 0.25],
    [0.5, 0.0, 0.5, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [1.0],
    [0.5, 0.25 + 2**-52, 0.25 - 2**-52],  # two poles one ulp apart
    [1 - 15e-16] + [1e-16] * 15,  # every eigenvalue below the dense reference's floor (issue 17)
    [1 - 2**-30 - 2**-1000, 2**-30, 2**-1000],  # a pole 2^-1000: the scaled coordinates keep it normal
]


def _family_rows(dtype: torch.dtype) -> list[torch.Tensor]:
    """Rows of every family as ``dtype`` holds them (a float64 softmax rounded entrywise, as torch's
    half-precision softmax is a float32 one rounded): attention sinks, near-one-hot, sharp and flat rows,
    ties, and masked (causal) rows."""
    generator = torch.Generator().manual_seed(17)
    rows = []
    for n, sink in ((16, 8.0), (128, 20.0), (64, 40.0)):
        z = torch.zeros(n, dtype=F64)
        z[0] = sink
        rows.append(torch.softmax(z, -1))
    for sharpness in (30.0, 4.0, 0.5):
        rows.append(torch.softmax(sharpness * torch.randn(48, generator=generator, dtype=F64), -1))
    rows.append(torch.full((24,), 1 / 24, dtype=F64))
    rows.append(torch.softmax(torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0, -3.0] * 4, dtype=F64), -1))
    scores = torch.randn(32, generator=generator, dtype=F64)
    rows.append(torch.softmax(scores.masked_fill(torch.arange(32) > 20, -math.inf), -1))
    return [row.to(dtype) for row in rows]


@pytest.mark.parametrize("row", CASES + [_dyadic_row(random.Random(s), 3 + 5 * s, 4 * s) for s in range(8)])
def test_agrees_with_50_digit_eigenvalues(row):
    n = len(row)
    exact = _exact_eigenvalues(row)
    _assert_relative(softmax_fisher_eigvalsh(torch.tensor(row, dtype=F64)).tolist(), exact, n)
    _assert_relative(softmax_fisher_topk(torch.tensor(row, dtype=F64), n).flip(-1).tolist(), exact, n)


@pytest.mark.parametrize("dtype", ROW_DTYPES, ids=str)
def test_every_family_and_dtype_agrees_with_50_digit_eigenvalues(dtype):
    """The definition for a low-precision row: the spectrum of the row its dtype holds, normalised exactly.
    The float32 sink row softmax(20, 0, ..., 0), n = 128, has eigmax 2.64e-7 (issue 17: the old floor
    returned 0)."""
    for row in _family_rows(dtype):
        values = row.double().tolist()
        exact = _exact_eigenvalues(values)
        n = len(values)
        _assert_relative(softmax_fisher_eigvalsh(row).tolist(), exact, n)
        top = min(16, n)
        _assert_relative(softmax_fisher_topk(row, top).flip(-1).tolist(), exact[-top:], n)
        # the torch kernel (other devices) on the same rows, on the CPU
        d = torch.sort(row.double()).values[None]
        torch_values = secular_torch.eigenvalues_at(d, torch.arange(n)[None]) / d.sum()
        _assert_relative(torch_values[0].tolist(), exact, n)
        _assert_relative([float(fisher_metrics(row)["trace"])], [_exact_trace(row)], n)
    sink = softmax_fisher_topk(torch.softmax(torch.tensor([20.0] + [0.0] * 127, dtype=F64), -1).to(dtype), 1)
    if dtype in (torch.float32, torch.float64):
        assert sink.item() == pytest.approx(2.64e-7, rel=1e-2)


def test_the_torch_path_of_other_devices_agrees_with_50_digit_eigenvalues(monkeypatch):
    """Every public function through the torch kernel (what a GPU runs), here on the CPU."""
    monkeypatch.setattr(fisher_spectrum, "_compiled_serves", lambda d: False)
    for dtype in ROW_DTYPES:
        for row in _family_rows(dtype):
            exact = _exact_eigenvalues(row.double().tolist())
            n = row.shape[-1]
            _assert_relative(softmax_fisher_eigvalsh(row).tolist(), exact, n)
            top = min(16, n)
            _assert_relative(softmax_fisher_topk(row, top).flip(-1).tolist(), exact[-top:], n)
            metrics = fisher_metrics(row)
            _assert_relative([float(metrics["trace"])], [_exact_trace(row)], n)
            assert float(metrics["eigmax"]) == softmax_fisher_topk(row, 1).item()


@given(adversarial_distributions(40, 2), st.sampled_from(ROW_DTYPES))
@example(np.array([[7.09318247e-313, 1.0]]), torch.float64)  # a subnormal entry (issue 27: a CI run found it)
def test_hypothesis_rows_agree_with_50_digit_eigenvalues(rows, dtype):
    p = torch.from_numpy(rows).to(dtype)
    p = torch.where(torch.isfinite(p), p, 0)
    fast = softmax_fisher_eigvalsh(p)
    top = softmax_fisher_topk(p, min(16, p.shape[-1]))
    for row, values, head in zip(p, fast, top, strict=True):
        exact = _exact_eigenvalues(row.double().tolist())
        _assert_relative(values.tolist(), exact, p.shape[-1])
        _assert_relative(head.flip(-1).tolist(), exact[-head.numel() :], p.shape[-1])


def test_the_secular_reference_agrees_with_the_dense_mpmath_eigensolver():
    """The 50-digit reference above is the theory's own equation; mpmath's dense eigensolver, which knows
    nothing of it, gives the same eigenvalues on small rows of every family."""
    for row in [*CASES[:8], *(r.double().tolist() for r in _family_rows(torch.float32)[:1])]:
        with mpmath.workdps(50):
            total = mpmath.fsum(mpmath.mpf(x) for x in row)
            q = [mpmath.mpf(x) / total for x in row]
            matrix = mpmath.matrix([[(x if i == j else 0) - x * y for j, y in enumerate(q)] for i, x in enumerate(q)])
            dense = sorted(mpmath.eigsy(matrix, eigvals_only=True))
            for a, b in zip(dense, _exact_eigenvalues(row), strict=True):
                assert abs(a - b) <= mpmath.mpf(10) ** -45 * max(q)


def test_exact_spectra_of_uniform_one_hot_and_masked_rows():
    uniform = softmax_fisher_eigvalsh(torch.full((7,), 1 / 7, dtype=F64))
    # q = p / sum(p) is exactly 1/7 whatever fl(1/7) is; the division by the float sum costs gamma_7
    assert uniform[0] == 0 and bool(((uniform[1:] - 1 / 7).abs() <= accuracy(7) / 7).all())
    assert bool((softmax_fisher_eigvalsh(torch.tensor([0.0, 1.0, 0.0], dtype=F64)) == 0).all())
    masked = torch.tensor([[0.5, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]], dtype=F64)
    assert softmax_fisher_eigvalsh(masked).tolist() == [[0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("n", [1024, 4096])
def test_large_uniform_and_two_level_rows(n):
    """Known spectra at the benchmark sizes: uniform (1/n, n - 1 times, and 0) and a two-level row (a
    deflated block at each level, one secular root in between)."""
    assert bool((softmax_fisher_eigvalsh(torch.full((n,), 1 / n, dtype=F64))[1:] == 1 / n).all())
    a, b = 3 / (2 * n), 1 / (2 * n)
    spectrum = softmax_fisher_eigvalsh(torch.tensor([a] * (n // 2) + [b] * (n // 2), dtype=F64))
    # The one secular root solves (n/2) a / (a - x) + (n/2) b / (b - x) = 0: x = 2ab / (a + b).
    assert spectrum[n // 2].item() == pytest.approx(2 * a * b / (a + b), rel=4 * unit_roundoff(F64))
    assert spectrum[0] == 0 and bool((spectrum[1 : n // 2] == b).all()) and bool((spectrum[n // 2 + 1 :] == a).all())


def test_low_precision_rows_are_upcast_and_results_are_float64():
    p = torch.softmax(torch.randn(3, 40, generator=torch.Generator().manual_seed(3), dtype=F64), -1)
    for dtype in ROW_DTYPES:
        row = p.to(dtype)
        assert softmax_fisher_eigvalsh(row).dtype == F64
        assert all(value.dtype == F64 for value in fisher_metrics(row).values())


def test_batches_keep_their_shape_and_rows_are_independent():
    torch.manual_seed(0)
    p = torch.softmax(torch.randn(2, 3, 9, dtype=F64) * 2, dim=-1)
    together = softmax_fisher_eigvalsh(p)
    assert together.shape == (2, 3, 9)
    assert torch.equal(together[1, 2], softmax_fisher_eigvalsh(p[1, 2]))
    assert softmax_fisher_topk(p, 4).shape == (2, 3, 4)
    assert all(value.shape == (2, 3) for value in fisher_metrics(p).values())


def test_temperature_scales_the_spectrum():
    p = torch.tensor([0.4, 0.3, 0.2, 0.1], dtype=F64)
    assert torch.allclose(softmax_fisher_eigvalsh(p, 0.5), 4 * softmax_fisher_eigvalsh(p), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("p", "message"),
    [
        (torch.tensor([0.5, math.nan], dtype=F64), "non-finite"),
        (torch.tensor([1.5, -0.5], dtype=F64), "negative"),
        (torch.tensor([0.5, 0.6], dtype=F64), "not normalised"),
        (torch.tensor([], dtype=F64), "empty"),
        (torch.tensor(1.0, dtype=F64), "dimension"),
        (torch.tensor([1, 0]), "dtype"),
        (torch.tensor([0.5, 0.6], dtype=torch.bfloat16), "not normalised"),
        (torch.tensor([0.5, math.inf], dtype=torch.float16), "non-finite"),
        (np.array([0.5, 0.5]), "torch.Tensor"),
    ],
)
def test_bad_input_is_rejected(p, message):
    for call in (softmax_fisher_eigvalsh, lambda q: softmax_fisher_topk(q, 1), fisher_metrics):
        with pytest.raises(InputError, match=message):
            call(p)


def test_bad_temperature_and_k_are_rejected():
    p = torch.tensor([0.5, 0.5], dtype=F64)
    for tau in (0.0, -1.0, math.inf, math.nan, 1e-200):
        with pytest.raises(InputError):
            softmax_fisher_eigvalsh(p, tau)
    for k in (0, 3, 1.5, True):
        with pytest.raises(InputError, match="k must be"):
            softmax_fisher_topk(p, k)


@pytest.mark.parametrize("row", [[7.09318247e-313, 1.0], [1e-320, 0.5, 0.5], [2e-308, 3e-310, 1.0]])
def test_subnormal_entries_move_eigenvalues_by_the_stated_bound(row):
    """The no-subnormals rule against the row's own exact spectrum (subnormals kept): each eigenvalue within
    6 delta / s of it (numeric/fisher_spectrum.py), delta the flushed mass, through both kernels."""
    exact = _exact_eigenvalues(row, flush=False)
    p = torch.tensor(row, dtype=F64)
    d = torch.sort(torch.where(p >= TINY, p, 0.0)).values[None]
    moved = 6 * mpmath.mpf(sum(x for x in row if x < TINY)) / mpmath.fsum(row)
    torch_kernel = secular_torch.eigenvalues_at(d, torch.arange(len(row))[None])[0] / d.sum()
    for computed in (softmax_fisher_eigvalsh(p), torch_kernel):
        for got, want in zip(computed.tolist(), exact, strict=True):
            assert abs(mpmath.mpf(got) - want) <= moved + accuracy(len(row)) * want


def test_rows_from_a_graph_give_their_values():
    """Issue 27: rows taken outside no_grad (requires_grad) were refused by numpy's numpy() deep inside."""
    p = torch.softmax(torch.randn(4, 6, dtype=F64).requires_grad_(), dim=-1)
    q = p.detach()
    assert torch.equal(softmax_fisher_eigvalsh(p), softmax_fisher_eigvalsh(q))
    assert torch.equal(softmax_fisher_topk(p, 2), softmax_fisher_topk(q, 2))
    assert all(torch.equal(fisher_metrics(p)[name], fisher_metrics(q)[name]) for name in METRICS)
