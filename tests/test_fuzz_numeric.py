"""Fuzzing the public numeric functions (issue 9): hostile inputs (NaN, inf, subnormals, huge and tiny values,
wrong shapes, empty tensors, integer, bool, complex and half dtypes, meta and mixed devices, non-tensors) get
either an :class:`~numeric.validate.InputError` with a message, or a correct result: finite, of the right
shape, and within the tolerance model of an independent float64 reference computed here with numpy.

Anything else (a bare torch RuntimeError, an OverflowError, a NaN passed through) fails the test, and
Hypothesis shrinks the input to a minimal one.  A completeness test keeps the list honest: every public
function of the computational modules is fuzzed here or exempted with its reason.
"""

from __future__ import annotations

import inspect
import math
from statistics import NormalDist
from typing import Any, Callable

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from fim_audit.numeric import (
    attention_fisher,
    attention_model,
    categorical,
    fisher_definition,
    fisher_metrics,
    fisher_spectrum,
    formulas,
    softmax,
    temperature,
    validate,
)
from fim_audit.numeric.logit_maps import LinearScorer
from fim_audit.numeric.tolerance import SAFETY, ToleranceError, gamma, rounding_tolerance, softmax_depth
from fim_audit.numeric.validate import InputError

SPECIAL = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-30, 1e30, 1e300, 1.7976931348623157e308, 1.0]
HOSTILE_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from(SPECIAL + [-x for x in SPECIAL] + [math.nan, math.inf, -math.inf]),
)
FLOAT_DTYPES = (torch.float64, torch.float32)
HOSTILE_DTYPES = (*FLOAT_DTYPES, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.bool, torch.complex128)
DEVICES = ("cpu", "meta", *(("cuda",) if torch.cuda.is_available() else ()))
TEMPERATURES = st.one_of(
    HOSTILE_FLOATS, st.floats(1e-3, 1e3), st.sampled_from([1, 0, -1, True, None, "1", 1e-200, 1e200, 5e-324])
)


@st.composite
def hostile_tensors(draw: st.DrawFn, *, min_dims: int = 0) -> Any:
    """Any tensor at all: every dtype, any shape up to 3-d (sides 0..5), hostile values, cpu or meta; or a
    non-tensor (list, numpy array, None)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from([None, [0.5, 0.5], np.array([0.5, 0.5]), 1.0]))
    shape = draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=5))
    values = draw(arrays(np.float64, shape, elements=HOSTILE_FLOATS))
    dtype = draw(st.sampled_from(HOSTILE_DTYPES))
    with np.errstate(invalid="ignore", over="ignore"):
        tensor = torch.from_numpy(values).to(dtype) if dtype.is_floating_point or dtype.is_complex else None
        if tensor is None:
            tensor = torch.from_numpy(np.asarray(np.nan_to_num(values).clip(-1e6, 1e6))).to(dtype)
    return tensor.to(draw(st.sampled_from(DEVICES)))


@st.composite
def plausible_rows(draw: st.DrawFn, *, simplex: bool) -> torch.Tensor:
    """Nearly valid input (batch, n): logits with huge, tiny and subnormal entries, or distributions with
    exact zeros, subnormal mass, and sometimes a perturbation that breaks normalisation or sign."""
    n = draw(st.integers(1, 6))
    batch = draw(st.integers(1, 3))
    finite = st.floats(-1e300, 1e300, allow_subnormal=True) | st.sampled_from(SPECIAL + [-x for x in SPECIAL])
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    if not simplex:
        values = draw(arrays(np.float64, (batch, n), elements=finite))
        with np.errstate(over="ignore"):
            return torch.from_numpy(values).to(dtype)
    weights = draw(arrays(np.float64, (batch, n), elements=st.floats(0, 1e300, allow_subnormal=True)))
    weights[:, 0] += weights.sum(axis=1) == 0
    rows = torch.from_numpy(weights / weights.sum(axis=1, keepdims=True)).to(dtype)
    perturbation = draw(st.sampled_from([0.0, 0.0, 0.0, 1e-12, -1e-3, 1e-3]))
    rows[0, 0] += perturbation
    return rows


def _attempt(fn: Callable, *args: Any) -> Any:
    """fn(*args), or None when it refuses with an InputError that has a message.  Any other exception is a
    failure of the function under test and propagates."""
    try:
        return fn(*args)
    except InputError as error:
        assert str(error).strip(), "an InputError must say what is wrong"
        return None


def _as_float64(x: torch.Tensor) -> np.ndarray:
    return x.detach().to("cpu", torch.float64).numpy()


def _reference_softmax(z: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """numpy's max-shifted softmax of z / tau in float64 and the scaled logits."""
    s = z / tau
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True), s


def _within(result: torch.Tensor, reference: np.ndarray, depth: Any, magnitude: Any) -> None:
    """result is finite, of the reference's shape, and matches the float64 reference within the tolerance
    model of result's dtype (plus the reference's own float64 rounding).  Where the model has no meaningful
    bound (ToleranceError: |z / tau| near 1 / u, a condition number no forward bound survives), only
    finiteness and shape are checked; the callers check the invariants that hold regardless."""
    assert bool(torch.isfinite(result).all()), "a finite input gave a non-finite result"
    assert result.shape == reference.shape
    depth = torch.as_tensor(depth, dtype=torch.float64)
    magnitude = torch.as_tensor(magnitude, dtype=torch.float64).expand(reference.shape)
    try:
        tolerance = rounding_tolerance(depth, magnitude, result.dtype) + rounding_tolerance(
            depth, magnitude, torch.float64
        )
    except ToleranceError:
        return
    error = np.abs(_as_float64(result) - reference)
    assert (error <= tolerance.numpy()).all(), f"error {error.max():.3g} above tolerance {float(tolerance.min()):.3g}"


def _depth_of(s: np.ndarray) -> torch.Tensor:
    """The audit's softmax depth for scaled logits s, per row, broadcast over the row."""
    return softmax_depth(torch.from_numpy(s))[..., None]


# --- softmax ------------------------------------------------------------------------------------------------


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=False)), TEMPERATURES)
def test_validated_logits_accept_only_finite_quotients(z, tau):
    validated = _attempt(softmax.validated_logits, z, tau)
    if validated is not None:
        logits, temperature = validated
        assert logits is z and isinstance(temperature, float) and temperature > 0
        assert bool(torch.isfinite(z / temperature).all()), "accepted logits whose z / tau overflows"


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=False)), TEMPERATURES)
def test_softmax_and_log_softmax(z, tau):
    for fn in (softmax.softmax, softmax.log_softmax):
        result = _attempt(fn, z, tau)
        if result is None:
            continue
        p, s = _reference_softmax(_as_float64(z), float(tau))
        assert np.isfinite(s).all(), "accepted logits whose z / tau overflows"
        if fn is softmax.softmax:
            _within(result, p, _depth_of(s), 1.0)
            normalisation = SAFETY * float(gamma(p.shape[-1] + 8, result.dtype))
            assert bool((result >= 0).all()) and bool(((result.sum(-1) - 1).abs() <= normalisation).all())
        else:
            with np.errstate(divide="ignore"):
                log_p = (
                    s
                    - s.max(axis=-1, keepdims=True)
                    - np.log(np.exp(s - s.max(axis=-1, keepdims=True)).sum(-1, keepdims=True))
                )
            _within(result, log_p, _depth_of(s), 1 + np.maximum(np.abs(log_p), np.abs(s).max(axis=-1, keepdims=True)))


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=False)), TEMPERATURES)
def test_softmax_jacobians(z, tau):
    result = _attempt(softmax.softmax_jacobian, z, tau)
    if result is not None:
        p, s = _reference_softmax(_as_float64(z), float(tau))
        expected = (np.einsum("...i,ij->...ij", p, np.eye(p.shape[-1])) - p[..., :, None] * p[..., None, :]) / tau
        _within(result, expected, _depth_of(s)[..., None], 2 / float(tau))
    result = _attempt(softmax.log_softmax_jacobian, z, tau)
    if result is not None:
        p, s = _reference_softmax(_as_float64(z), float(tau))
        expected = (np.eye(p.shape[-1]) - p[..., None, :]) / tau
        _within(result, expected, _depth_of(s)[..., None], 2 / float(tau))


# --- distributions ------------------------------------------------------------------------------------------


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=True)))
def test_categorical_moments_and_entropy(p):
    result = _attempt(categorical.centered_second_moment, p)
    if result is not None:
        w = _as_float64(p)
        deviations = np.eye(w.shape[-1]) - w[..., None, :]
        expected = np.einsum("...i,...ik,...il->...kl", w, deviations, deviations)
        _within(result, expected, w.shape[-1] + 8, (1 + w.max()) ** 2 * (1 + w.sum(axis=-1).max()))
    result = _attempt(temperature.entropy, p)
    if result is not None:
        a = _as_float64(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = -np.where(a > 0, a * np.log(np.where(a > 0, a, 1)), 0).sum(axis=-1)
        _within(result, expected, a.shape[-1] + 8, np.log(a.shape[-1]) + 1)
    result = _attempt(temperature.one_hot_second_moment, p)
    if result is not None:
        _within(result, np.einsum("...i,ij->...ij", _as_float64(p), np.eye(p.shape[-1])), 1, 1.0)


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=True)), st.one_of(hostile_tensors(), st.just(None)))
def test_expectation(p, values):
    if values is None and isinstance(p, torch.Tensor) and p.dim() >= 1:
        dtype = p.dtype if p.is_floating_point() else torch.float64
        values = torch.arange(p.shape[-1], device=p.device).to(dtype).expand(p.shape).clone()
    result = _attempt(categorical.expectation, p, values)
    if result is not None:
        a, v = _as_float64(p), _as_float64(values)
        expected = (a.reshape(*a.shape, *[1] * (v.ndim - a.ndim)) * v).sum(axis=a.ndim - 1)
        _within(result, expected, a.shape[-1] + 8, np.abs(v).max() + 1)


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=True)), TEMPERATURES)
def test_fisher_and_its_spectrum(p, tau):
    fisher = _attempt(fisher_metrics.softmax_fisher, p, tau)
    if fisher is not None:
        a = _as_float64(p)
        expected = (np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - a[..., :, None] * a[..., None, :]) / tau / tau
        _within(fisher, expected, 4, 2 / float(tau) / float(tau))
    spectrum = _attempt(fisher_metrics.fisher_eigenvalues, p, tau)
    if spectrum is not None:
        a = _as_float64(p)
        a = a / a.sum(axis=-1, keepdims=True)  # the definition: the row as its dtype holds it, normalised
        matrix = (np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - a[..., :, None] * a[..., None, :]) / tau / tau
        expected = np.linalg.eigvalsh(matrix)[..., ::-1]
        # Weyl: the eigenvalues move by at most the perturbation's norm, <= n * entrywise error.
        _within(spectrum, expected, 4 * (a.shape[-1] + 8), a.shape[-1] * 2 / float(tau) / float(tau))
    metrics = _attempt(fisher_metrics.fisher_metrics_reference, p, tau)
    if metrics is not None:
        for name, value in metrics.items():
            assert not bool(torch.isnan(value).any()), f"{name} is NaN"


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=True)), TEMPERATURES, st.integers(-1, 7))
def test_fast_fisher_spectrum(p, tau, k):
    spectrum = _attempt(fisher_spectrum.softmax_fisher_eigvalsh, p, tau)
    if spectrum is not None:
        a = _as_float64(p)
        a = a / a.sum(axis=-1, keepdims=True)  # the definition: the row as its dtype holds it, normalised
        matrix = (np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - a[..., :, None] * a[..., None, :]) / tau / tau
        # the reference's own error (Weyl) plus the solver's few ulps of max(p) / tau^2
        _within(spectrum, np.linalg.eigvalsh(matrix), 4 * (a.shape[-1] + 8), a.shape[-1] * 2 / float(tau) / float(tau))
    top = _attempt(fisher_spectrum.softmax_fisher_topk, p, k, tau)
    if top is not None and spectrum is not None:
        # two kernels' paths (far poles in moments for the top k): equal to the promised relative accuracy
        expected = spectrum.flip(-1)[..., :k]
        assert bool(((top - expected).abs() <= fisher_spectrum.accuracy(p.shape[-1]) * expected).all())
    metrics = _attempt(fisher_spectrum.fisher_metrics, p, tau)
    if metrics is not None:
        assert all(not bool(torch.isnan(value).any()) for value in metrics.values())
        top, same = fisher_spectrum.fisher_top_and_metrics(p, tau)
        assert all(torch.equal(same[name], metrics[name]) for name in metrics)
        assert torch.equal(top[..., 0], metrics["eigmax"])


@given(hostile_tensors(min_dims=2), hostile_tensors(min_dims=2), hostile_tensors(min_dims=2), st.booleans())
def test_attention_layer(x, w_q, w_k, causal):
    mask = None
    if causal and isinstance(x, torch.Tensor) and x.dim() >= 2 and x.shape[-2] >= 1 and x.device.type != "meta":
        mask = attention_model.causal_mask(x.shape[-2], x.device)
    a = _attempt(attention_model.attention, x, w_q, w_k, mask)
    if a is not None:
        assert bool(torch.isfinite(a).all()) and bool(((a.sum(-1) - 1).abs() <= 1e-3).all())
        assert _attempt(attention_model.attention_scores, x, w_q, w_k) is not None


# --- logits helpers -----------------------------------------------------------------------------------------


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=False)))
def test_argmax_helpers_are_exact(z):
    indicator = _attempt(temperature.argmax_set, z)
    if indicator is not None:
        values = _as_float64(z)
        np.testing.assert_array_equal(_as_float64(indicator), values == values.max(axis=-1, keepdims=True))
    limit = _attempt(temperature.zero_temperature_limit, z)
    if limit is not None:
        assert bool(torch.isfinite(limit).all()) and bool(((limit.sum(-1) - 1).abs() < 1e-6).all())
    gap = _attempt(temperature.logit_gap, z)
    if gap is not None:
        assert not bool(torch.isnan(gap).any()) and bool((gap > 0).all())


@given(
    st.one_of(hostile_tensors(), plausible_rows(simplex=False)),
    st.one_of(st.lists(TEMPERATURES, max_size=3), st.lists(st.floats(1e-2, 1e2), min_size=1, max_size=3)),
)
def test_entropy_density(z, temperatures):
    density = _attempt(temperature.entropy_density, z, temperatures)
    if density is not None:
        z64 = _as_float64(z)
        expected, depths = [], []
        for tau in temperatures:
            p, s = _reference_softmax(z64, tau)
            with np.errstate(divide="ignore", invalid="ignore"):
                expected.append(-np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0).sum(axis=-1))
            depths.append(softmax_depth(torch.from_numpy(s)) + z64.shape[-1] + 8)
        log_n = math.log(z64.shape[-1])
        # |d H / d s_i| <= |log p_i| + H <= depth-level magnitude: the entropy inherits the scaled logits' size.
        magnitude = [1 + np.abs(_reference_softmax(z64, tau)[1]).max() for tau in temperatures]
        _within(density, np.stack(expected, axis=-1) / log_n, torch.stack(depths, dim=-1), np.array(magnitude))
        assert bool((density >= -1e-6).all()) and bool((density <= 1 + 1e-6).all()), "H / log n outside [0, 1]"


@given(st.one_of(st.integers(-3, 300), st.sampled_from([True, 2.0, "8", None])), st.sampled_from(HOSTILE_DTYPES))
def test_rem_typical_scores(n, dtype):
    scores = _attempt(temperature.rem_typical_scores, n, dtype)
    if scores is not None:
        quantiles = [NormalDist().inv_cdf((k - 0.5) / n) for k in range(1, n + 1)]
        expected = math.sqrt(2 * math.log(n)) * np.array(quantiles)
        # Phi^-1 is ill-conditioned near 0 and 1: a rounding of u moves g by u / phi(g) per unit roundoff.
        density = np.exp(-(np.array(quantiles) ** 2) / 2) / math.sqrt(2 * math.pi)
        conditioning = math.sqrt(2 * math.log(n)) * (1 + 1 / density)
        _within(scores, expected, 16, conditioning)


# --- formulas -----------------------------------------------------------------------------------------------


def _lemma1(s_i, s_j, d):
    return s_i * (d - s_j)


@given(st.one_of(hostile_tensors(), plausible_rows(simplex=True)), st.one_of(hostile_tensors(min_dims=2), st.none()))
def test_entry_matrix_and_sandwich(v, jacobian):
    matrix = _attempt(formulas.entry_matrix, _lemma1, v)
    if matrix is not None:
        a = _as_float64(v)
        expected = np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - a[..., :, None] * a[..., None, :]
        _within(matrix, expected, 4, (1 + np.abs(a).max()) ** 2)
    if matrix is None or jacobian is None:
        return
    result = _attempt(formulas.sandwich, jacobian, matrix)
    if result is not None:
        j, m = _as_float64(jacobian), _as_float64(matrix)
        expected = np.swapaxes(j, -1, -2) @ m @ j
        magnitude = np.swapaxes(np.abs(j), -1, -2) @ np.abs(m) @ np.abs(j)
        _within(result, expected, 2 * j.shape[-2] + 8, magnitude)


# --- the Fisher of a logit map, from its definition ---------------------------------------------------------


SCORER = LinearScorer(n=3, d=2)


def _fisher_is_refused_or_symmetric(theta: Any, xs: Any) -> None:
    fisher = _attempt(fisher_definition.fisher_exact, SCORER, theta, xs)
    if fisher is not None:
        assert bool(torch.isfinite(fisher).all())
        assert bool((fisher - fisher.mT).abs().max() <= 1e-6 * (1 + fisher.abs().max()))


@given(hostile_tensors(), hostile_tensors())
def test_fisher_of_a_logit_map(theta, xs):
    _fisher_is_refused_or_symmetric(theta, xs)


@given(plausible_rows(simplex=False), st.integers(1, 8))
def test_fisher_of_a_logit_map_on_plausible_input(rows, m):
    """theta and xs of the right shapes but extreme values: a finite Fisher or an InputError."""
    values = rows.flatten()
    theta = values.repeat(math.ceil(SCORER.num_parameters / values.numel()))[: SCORER.num_parameters]
    xs = values.repeat(math.ceil(2 * m / values.numel()))[: 2 * m].reshape(m, 2)
    _fisher_is_refused_or_symmetric(theta, xs)


# --- validators ---------------------------------------------------------------------------------------------


@given(hostile_tensors())
def test_validators_return_their_input_or_refuse(x):
    for check in (validate.float_tensor, validate.nonnegative, validate.probability_vectors):
        result = _attempt(check, x, "x")
        assert result is None or result is x


@given(TEMPERATURES)
def test_positive_scalar(value):
    result = _attempt(validate.positive_scalar, value, "tau")
    if result is not None:
        assert isinstance(result, float) and math.isfinite(result) and result > 0


@given(TEMPERATURES)
@example(1e-155)  # issue 27: 1 / tau^2 overflows; the pooled metrics reported eigmax 0
def test_inverse_square_is_finite_or_refused(value):
    result = _attempt(validate.inverse_square, value)
    if result is not None:
        assert isinstance(result, float) and math.isfinite(result) and result >= 0


def test_mixed_devices_and_dtypes_are_refused():
    p = torch.tensor([0.5, 0.5], dtype=torch.float64)
    for values in (p.to("meta"), p.float()):
        with pytest.raises(InputError, match="device|dtype"):
            categorical.expectation(p, values)
    with pytest.raises(InputError, match="device|dtype"):
        formulas.sandwich(torch.eye(2, dtype=torch.float64), torch.eye(2, dtype=torch.float32))


# --- completeness -------------------------------------------------------------------------------------------

FUZZED = {
    softmax: {"softmax", "log_softmax", "softmax_jacobian", "log_softmax_jacobian", "validated_logits"},
    categorical: {"centered_second_moment", "expectation"},
    temperature: {
        "entropy",
        "one_hot_second_moment",
        "argmax_set",
        "zero_temperature_limit",
        "logit_gap",
        "entropy_density",
        "rem_typical_scores",
    },
    fisher_metrics: {"softmax_fisher", "fisher_eigenvalues", "fisher_metrics_reference"},
    formulas: {"entry_matrix", "sandwich"},
    fisher_spectrum: {"softmax_fisher_eigvalsh", "softmax_fisher_topk", "fisher_metrics", "fisher_top_and_metrics"},
    attention_model: {"attention", "attention_scores", "log_attention"},
    attention_fisher: set(),
    fisher_definition: {"fisher_exact"},
    validate: {"float_tensor", "nonnegative", "probability_vectors", "positive_scalar", "inverse_square"},
}
EXEMPT = {
    softmax: {
        "pure_softmax": "unvalidated kernel for torch.func tracing; its public wrapper softmax is fuzzed",
        "pure_log_softmax": "unvalidated kernel for torch.func tracing; log_softmax is fuzzed",
        "pure_log_partition": "unvalidated kernel for torch.func tracing, used only under batched_hessian",
    },
    categorical: {"sample_outcomes": "validates p like expectation (fuzzed); its output is random by design"},
    temperature: {
        "lemma2_gap": "composes softmax and one_hot_second_moment (fuzzed), which validate z and tau",
        "prop1_gap": "composes one_hot_second_moment (fuzzed), which validates a",
    },
    fisher_metrics: {
        "softmax_fisher_spectrum": "fisher_eigenvalues (fuzzed) with rounding-level values set to 0",
        "zero_floor": "tolerance arithmetic on a p already validated by its caller",
        "metrics_from_top": "arithmetic on a spectrum its callers computed from a validated p (fuzzed through them)",
    },
    fisher_spectrum: {"accuracy": "arithmetic on a row length: the tolerance module's gamma (tested there)"},
    fisher_definition: {
        name: "shares fisher_exact's validation of (theta, xs) (fuzzed)"
        for name in (
            "logits_and_jacobian",
            "scores",
            "log_likelihood_hessians",
            "jacobian_magnitude",
            "hessian_magnitude",
            "fisher_per_input",
            "fisher_monte_carlo",
        )
    },
    attention_model: {"causal_mask": "builds a mask from an integer; its refusals are in test_attention_model"},
    attention_fisher: {
        name: "closed-form kernel on tokens and an attention matrix from numeric.attention_model (fuzzed); checked "
        "against autograd, the definition, exact rationals and curvlinops in test_attention_fisher"
        for name in (
            "centred_keys",
            "pair_gradients",
            "self_attention_gradient",
            "parameter_fisher",
            "parameter_fisher_substituted",
            "score_fisher_product",
            "score_natural_gradient",
            "cosine",
        )
    },
    validate: {
        "same_placement": "exercised by test_mixed_devices_and_dtypes_are_refused",
        "finite_result": "applied to the results of the functions fuzzed above; exercised through them",
    },
}


@pytest.mark.parametrize("module", sorted(FUZZED, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_every_public_function_is_fuzzed_or_exempt(module):
    public = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    }
    covered = FUZZED[module] | set(EXEMPT.get(module, {}))
    assert public == covered, f"not fuzzed nor exempt: {public - covered}; listed but absent: {covered - public}"
