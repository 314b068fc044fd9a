"""numeric/pooled_fisher.py: the pooled (row-averaged) Fisher metrics, exact and as knlp computes them.

The knlp numbers below were computed by knlp's own ``compute_fisher_metrics`` (github mcgrof/knlp, ra.py at
commit dfda9519, layer index 0, default n_samples = 64 and topk = 8) on the rows :func:`_attention` builds,
after ``torch.manual_seed(5)``; knlp's code is not copied here, only its outputs.
"""

from __future__ import annotations

import pytest
import torch

from fim_audit.numeric.fisher_spectrum import fisher_metrics
from fim_audit.numeric.pooled_fisher import knlp_fisher_metrics, knlp_metrics, pooled_fisher, pooled_fisher_metrics
from fim_audit.numeric.validate import InputError

F64 = torch.float64

KNLP = {
    "causal": {
        "eigmax": [0.030026353895664215, 0.039224110543727875, 0.03483603149652481],
        "trace": [0.9401494264602661, 0.9072065353393555, 0.9057851433753967],
        "energy_r8": [0.2135840505361557, 0.2621505558490753, 0.21254076063632965],
        "energy_r16": [0.36662524938583374, 0.4234831631183624, 0.35289880633354187],
        "decay": [1.2685165405273438, 1.3496712446212769, 1.5103719234466553],
    },
    "reciprocal": {
        "eigmax": [0.020768029615283012, 0.02700052410364151, 0.02762272208929062],
        "trace": [0.9800471067428589, 0.9791281819343567, 0.9558582305908203],
        "energy_r8": [0.13757964968681335, 0.16549398005008698, 0.14738918840885162],
        "energy_r16": [0.24458760023117065, 0.28001999855041504, 0.24765057861804962],
        "decay": [1.2723649740219116, 1.3795415163040161, 1.7837762832641602],
    },
}
"""knlp's per-head values (float32, as it logs them); the layer means are their averages."""


def _attention() -> dict[str, torch.Tensor]:
    """Random heads (B, H, T, D) = (4, 3, 128, 64), q and k standard normal: causal softmax rows, and knlp's
    reciprocal mix 0.5 softmax(masked, dim=-1) + 0.5 softmax(unmasked, dim=-2), whose rows are not
    distributions."""
    generator = torch.Generator().manual_seed(11)
    q = torch.randn(4, 3, 128, 64, generator=generator)
    k = torch.randn(4, 3, 128, 64, generator=generator)
    scores = q @ k.transpose(-1, -2) / 8
    forward = torch.softmax(scores.masked_fill(torch.triu(torch.ones(128, 128, dtype=torch.bool), 1), -torch.inf), -1)
    return {"causal": forward, "reciprocal": 0.5 * forward + 0.5 * torch.softmax(scores, -2)}


@pytest.mark.parametrize("name", sorted(KNLP))
def test_knlp_mode_reproduces_knlps_numbers_on_the_same_rows(name):
    ours = knlp_fisher_metrics(_attention()[name], generator=torch.Generator().manual_seed(5))
    for key, values in KNLP[name].items():
        assert ours[key] == pytest.approx(values, rel=1e-5), key
        assert ours[f"{key}_mean"] == pytest.approx(sum(values) / 3, rel=1e-5), key


def test_knlp_mode_with_the_global_generator_draws_as_knlp_does():
    torch.manual_seed(5)
    assert knlp_fisher_metrics(_attention()["causal"])["eigmax"] == pytest.approx(KNLP["causal"]["eigmax"], rel=1e-5)


def test_exactly_uniform_causal_attention_pooled_gives_the_docs_table_values():
    """Issue 18's observation: uniform causal attention at T = 128, pooled over every row, gives eigmax
    0.0346, energy_r8 0.220 and energy_r16 0.371, against the doc's RA table 0.0352 / 0.223 / 0.373."""
    causal = torch.tril(torch.ones(128, 128, dtype=F64))
    metrics = pooled_fisher_metrics(causal / causal.sum(-1, keepdim=True))
    assert float(metrics["eigmax"]) == pytest.approx(0.0346, abs=5e-5)
    assert float(metrics["energy_r8"]) == pytest.approx(0.2203, abs=5e-5)
    assert float(metrics["energy_r16"]) == pytest.approx(0.3709, abs=5e-5)


def test_pooled_and_per_row_metrics_are_different_quantities():
    """eigmax is convex, so the pooled eigmax is at most the mean per-row one; on random causal heads it is
    several times smaller (issue 17: 0.035 against 0.12)."""
    rows = _attention()["causal"][0, 0].double()
    rows = rows / rows.sum(-1, keepdim=True)
    pooled = float(pooled_fisher_metrics(rows)["eigmax"])
    per_row = float(fisher_metrics(rows)["eigmax"].mean())
    assert pooled <= per_row and per_row > 2 * pooled


def test_one_row_pooled_is_that_rows_fisher():
    p = torch.softmax(torch.randn(1, 30, generator=torch.Generator().manual_seed(2), dtype=F64), -1)
    pooled, single = pooled_fisher_metrics(p), fisher_metrics(p[0])
    for name in ("eigmax", "trace", "energy_r8", "energy_r16", "decay"):
        assert float(pooled[name]) == pytest.approx(float(single[name]), rel=1e-9), name
    assert torch.allclose(pooled_fisher(p), torch.diag(p[0]) - p[0, :, None] * p[0, None, :], rtol=0, atol=1e-16)


def test_groups_keep_their_shape_and_the_temperature_scales():
    p = torch.softmax(torch.randn(2, 5, 7, 9, dtype=F64), -1)
    metrics = pooled_fisher_metrics(p, 0.5)
    assert all(value.shape == (2, 5) for value in metrics.values())
    assert torch.allclose(metrics["trace"], 4 * pooled_fisher_metrics(p)["trace"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pooled_fisher_metrics(torch.tensor([0.5, 0.5], dtype=F64)), "rows"),
        (lambda: pooled_fisher_metrics(torch.tensor([[0.5, 0.6]], dtype=F64)), "not normalised"),
        (lambda: pooled_fisher_metrics(torch.tensor([[0.5, float("nan")]], dtype=F64)), "non-finite"),
        (lambda: knlp_fisher_metrics(torch.ones(2, 3, 4)), "dimension"),
        (lambda: knlp_fisher_metrics(torch.ones(1, 1, 3, 4)), "B, H, T, T"),
        (lambda: knlp_fisher_metrics(-torch.ones(1, 1, 3, 3)), "negative"),
        (lambda: knlp_fisher_metrics(torch.ones(1, 1, 3, 3), n_samples=0), "n_samples"),
        # issue 27: 1 / tau^2 overflows (the pooled path returned eigmax 0, the per-row path raised)
        (lambda: pooled_fisher_metrics(torch.full((2, 2), 0.5, dtype=F64), tau=1e-155), "overflows float64"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_rows_from_a_graph_and_half_precision_attention_give_the_numbers():
    """Issue 27: attention taken outside no_grad (requires_grad) and knlp's metrics of float16 / bfloat16
    attention compute the same numbers as the detached float32 values (float32 holds half values exactly)."""
    logits = torch.randn(2, 3, 5, 5, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    attention = torch.softmax(logits.requires_grad_(), dim=-1)
    assert attention.requires_grad
    detached = attention.detach()
    generator = torch.Generator()
    expected = knlp_fisher_metrics(detached, generator=generator.manual_seed(1))
    assert knlp_fisher_metrics(attention, generator=generator.manual_seed(1)) == expected
    assert torch.equal(pooled_fisher_metrics(attention)["eigmax"], pooled_fisher_metrics(detached)["eigmax"])
    for dtype in (torch.float16, torch.bfloat16):
        low = detached.to(dtype)
        same = knlp_fisher_metrics(low.float(), generator=generator.manual_seed(1))
        assert knlp_fisher_metrics(low, generator=generator.manual_seed(1)) == same


def test_a_matrix_lapack_cannot_solve_gets_its_float64_eigenvalues(monkeypatch):
    """MKL's reproducible branch (training's, numeric.training.kernels) failed to converge on one float32 Fisher
    block of near one-hot rows; that head's eigenvalues come from its float64 copy, the others' are knlp's own."""
    rows = torch.softmax(torch.randn(2, 64, 8, generator=torch.Generator().manual_seed(0)) * 4, dim=-1)
    expected = knlp_metrics(rows)
    eigvalsh = torch.linalg.eigvalsh

    def fails_on_the_second_head(matrix):
        if matrix.dtype == torch.float32 and (matrix.dim() == 3 or torch.equal(matrix, failing)):
            raise torch.linalg.LinAlgError("linalg.eigh: the algorithm failed to converge")
        return eigvalsh(matrix)

    failing = torch.diag_embed(rows[1].mean(dim=0)) - rows[1].T @ rows[1] / 64
    monkeypatch.setattr(torch.linalg, "eigvalsh", fails_on_the_second_head)
    measured = knlp_metrics(rows)
    assert measured["eigmax"][0] == expected["eigmax"][0]  # the head LAPACK solves: bit for bit
    assert measured["eigmax"][1] == eigvalsh(failing.double())[-1].float()
    assert measured["eigmax"][1] == pytest.approx(float(expected["eigmax"][1]), rel=1e-5)
