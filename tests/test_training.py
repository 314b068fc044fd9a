"""The training machinery of issue 10 checked piece by piece against dense float64 references: the character
GPT (causality, the RA reverse geometry), FA-Adam's token-axis solve, the per-head attention metrics, the
confidence intervals and the interval decision, and the experiment cache."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from fim_audit.claims.model import Status
from fim_audit.numeric.training import cache as experiment_cache
from fim_audit.numeric.training import experiments, fa_adam, kernels
from fim_audit.numeric.training.char_corpus import corpus
from fim_audit.numeric.confidence import mean_interval, t_quantile
from fim_audit.numeric.training.tiny_gpt import GPTConfig, build
from fim_audit.numeric.training.loop import RunSpec, attention_metrics, evaluation_steps, train
from fim_audit.numeric.training.stacked_adam import StackedAdam, rate_blocks
from fim_audit.claims.checks.training import interval_result

F64 = torch.float64
CPU = torch.device("cpu")


def _model(reciprocal: bool = False, seed: int = 0):
    """A stack of one model: attention patterns are (layers, 1, batch, heads, T, T)."""
    return build(GPTConfig(vocabulary=11, length=8, width=8, layers=2, heads=2, reciprocal=reciprocal), [seed], F64, CPU)


@pytest.mark.parametrize("reciprocal", [False, True])
def test_the_model_is_causal(reciprocal):
    """Changing the last token changes no earlier position's attention or prediction (both geometries)."""
    model = _model(reciprocal)
    ids = torch.randint(0, 11, (3, 8), generator=torch.Generator().manual_seed(1))
    changed = ids.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 11
    model(ids, ids, record_attention=True)
    before = model.attention_patterns()
    model(changed, changed, record_attention=True)
    after = model.attention_patterns()
    torch.testing.assert_close(before[..., :-1, :], after[..., :-1, :], rtol=0, atol=0)
    assert bool((before.triu(diagonal=1) == 0).all())
    torch.testing.assert_close(before.sum(dim=-1), torch.ones_like(before.sum(dim=-1)))


def _queries_and_keys(model, layer: int, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The (1, batch, heads, T, d_head) queries and keys of one layer of the 8-wide, 2-head test model on ``ids``."""
    block = model.blocks[layer]
    captured = {}
    hook = block.norm1.register_forward_hook(lambda m, i, o: captured.update(x=o.detach()))
    model(ids, ids, record_attention=True)
    hook.remove()
    q, k, _ = block.attention.qkv(captured["x"]).split(8, dim=-1)
    return tuple(t.reshape(1, ids.shape[0], ids.shape[1], 2, 4).transpose(2, 3) for t in (q, k))


def test_reciprocal_layers_alternate_and_score_k_i_dot_q_j():
    """Layer 0 of the RA model is the standard layer; layer 1 scores k_i . q_j (the transposed score matrix),
    masked causally after the transpose and normalised per row (dense float64 reference)."""
    standard, reciprocal = _model(False), _model(True)
    assert [b.attention.reverse for b in reciprocal.blocks] == [False, True]
    reciprocal.load_state_dict(standard.state_dict())
    ids = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(2))
    standard(ids, ids, record_attention=True)
    reciprocal(ids, ids, record_attention=True)
    torch.testing.assert_close(reciprocal.attention_patterns()[0], standard.attention_patterns()[0])
    q, k = _queries_and_keys(reciprocal, 1, ids)
    scores = torch.einsum("mbhid,mbhjd->mbhij", k, q) / 2.0
    mask = torch.ones(8, 8, dtype=torch.bool).tril()
    expected = torch.softmax(scores.masked_fill(~mask, -math.inf), dim=-1)
    torch.testing.assert_close(reciprocal.attention_patterns()[1], expected)


def test_knlp_patterns_are_the_doc_codes_records():
    """What the fim-metrics doc's code records: the attention itself in a standard layer, softmax(q k^T / sqrt(d),
    dim=-2) of the unmasked scores in a reciprocal one, whose columns (not rows) sum to 1."""
    model = _model(True)
    ids = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(3))
    model(ids, ids, record_attention=True)
    recorded = model.knlp_patterns()
    torch.testing.assert_close(recorded[0], model.attention_patterns()[0])
    q, k = _queries_and_keys(model, 1, ids)
    expected = torch.softmax(torch.einsum("mbhid,mbhjd->mbhij", q, k) / 2.0, dim=-2)
    torch.testing.assert_close(model.knlp_patterns()[1], expected)
    torch.testing.assert_close(expected.sum(dim=-2), torch.ones_like(expected[..., 0, :]))


def test_a_sharp_initialisation_starts_attention_sharp():
    """GPTConfig.attention_init scales the query and key weights only: sharp attention, same other weights."""
    standard = build(GPTConfig(11, 8, 8, 1, 2), [0], torch.float32, CPU)
    sharp = build(GPTConfig(11, 8, 8, 1, 2, attention_init=0.5), [0], torch.float32, CPU)
    sharp_weight, standard_weight = (m.blocks[0].attention.qkv.weight.detach()[0] for m in (sharp, standard))
    torch.testing.assert_close(sharp_weight[16:], standard_weight[16:])
    torch.testing.assert_close(sharp_weight[:16], standard_weight[:16] * 25)


def test_the_fisher_approximation_is_damped_mean_of_a_a_transpose():
    """(layers 3, models 2, batch 2, heads 4, T 5, T 5): one damped mean over layers and heads per model and sequence."""
    attention = torch.rand(3, 2, 2, 4, 5, 5, dtype=F64).tril()
    attention = attention / attention.sum(dim=-1, keepdim=True)
    fisher = fa_adam.compute_fisher_approximation(attention)
    reference = torch.einsum("lmbhij,lmbhkj->mbik", attention, attention) / 12
    scale = reference.diagonal(dim1=-2, dim2=-1).mean(dim=-1)
    torch.testing.assert_close(fisher, reference + fa_adam.DAMPING * scale[..., None, None] * torch.eye(5, dtype=F64))
    assert bool((torch.linalg.eigvalsh(fisher) > 0).all())


def test_fa_adam_inverts_each_fisher_and_gives_nan_to_a_model_without_a_cholesky_factor():
    """Model 0's F_1 is indefinite (a diverged run): its inverse is NaN, and so is every grad_nat of model 0, a sum
    over sequences; every other F_b^-1 is the inverse to rounding."""
    spd = torch.rand(2, 3, 5, 5, dtype=F64, generator=torch.Generator().manual_seed(0))
    fisher = spd @ spd.transpose(-1, -2) + torch.eye(5, dtype=F64)
    fisher[0, 1, 0, 0] = -1.0
    inverse = fa_adam.inverse_fisher(fisher)
    assert bool(inverse[0, 1].isnan().all())
    keep = torch.tensor([[True, False, True], [True, True, True]])
    torch.testing.assert_close(inverse[keep], torch.linalg.inv(fisher[keep]))


def test_fa_adam_solves_on_the_token_axis_of_every_linear_layer(monkeypatch):
    """One pseudo-code step: theta -= lr * grad_nat with grad_nat W = sum_b (F_b^-1 Delta_b)^T X_b for every
    nn.Linear, checked against per-sequence autograd gradients and a dense solve; other parameters move by
    -lr * grad."""
    model = _model()
    ids = torch.randint(0, 11, (3, 8), generator=torch.Generator().manual_seed(3))
    fixed = torch.rand(3, 8, 8, dtype=F64)
    fixed = fixed @ fixed.transpose(-1, -2) + torch.eye(8, dtype=F64)
    monkeypatch.setattr(fa_adam, "compute_fisher_approximation", lambda attention: fixed[None])
    linear = model.blocks[0].mlp[0]
    seen = {}
    handle = linear.register_forward_hook(lambda m, i, o: seen.update(x=i[0].detach(), y=o))
    loss = model(ids, ids, record_attention=True)
    handle.remove()
    delta = torch.autograd.grad(loss, seen["y"])[0]
    expected = sum(torch.linalg.solve(fixed[b], delta[0, b]).T @ seen["x"][0, b] for b in range(3))
    optimizer = fa_adam.FisherAttentionAdam(model, model.attention_patterns, [0.5], moments=False)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    model.zero_grad()
    model(ids, ids, record_attention=True).backward()
    plain = model.tokens.weight.grad.clone()
    optimizer.step()
    torch.testing.assert_close(before["blocks.0.mlp.0.weight"][0] - linear.weight.detach()[0], 0.5 * expected)
    torch.testing.assert_close(before["tokens.weight"] - model.tokens.weight.detach(), 0.5 * plain)


def test_fa_adam_refuses_a_closure():
    model = _model()
    with pytest.raises(ValueError, match="closure"):
        fa_adam.FisherAttentionAdam(model, model.attention_patterns, [0.1], False).step(lambda: 0.0)


def test_attention_metrics_of_uniform_causal_attention():
    """Uniform causal rows: normalised entropy 1, span i/2, ||A - F||_F from the dense definition (>= 1),
    F's smallest eigenvalue 0, every head correlated 1 with every other."""
    length = 6
    rows = torch.ones(length, length, dtype=F64).tril()
    rows = rows / rows.sum(dim=-1, keepdim=True)
    attention = rows.expand(2, 3, 2, length, length).clone()
    metrics = attention_metrics(attention)
    block = sum(torch.diag(r) - torch.outer(r, r) for r in rows) / length
    distance = float(torch.linalg.matrix_norm(rows - block))
    assert distance >= 1
    for layer in range(2):
        for head in range(2):
            assert metrics["entropy"][layer][head] == pytest.approx(1.0, abs=1e-12)
            assert metrics["distance"][layer][head] == pytest.approx(distance, rel=1e-12)
            assert metrics["span"][layer][head] == pytest.approx(sum(i / 2 for i in range(1, length)) / 5, rel=1e-12)
            assert metrics["lambda_2"][layer][head] > 0
    torch.testing.assert_close(torch.tensor(metrics["correlation"], dtype=F64), torch.ones(4, 4, dtype=F64))


def _tiny(optimizer: str = "fa-adam-moments", lr: float = 1e-2, seed: int = 5, reciprocal: bool = False) -> RunSpec:
    config = GPTConfig(corpus().vocabulary_size, 8, 8, 2 if reciprocal else 1, 2, reciprocal=reciprocal)
    return RunSpec(config, optimizer, lr, seed, 6, 4, 3, 4, 2)


def _without_seconds(log: dict) -> dict:
    return {name: value for name, value in log.items() if name != "seconds"}


def test_a_tiny_run_is_deterministic_and_logs_every_evaluation():
    spec = _tiny()
    [first], [second] = train([spec], CPU), train([spec], CPU)
    assert first["step"] == evaluation_steps(6, 3) == [0, 2, 4, 6]
    assert first["val_loss"] == second["val_loss"] and first["metrics"] == second["metrics"]
    assert first["val_loss"][-1] < first["val_loss"][0]
    assert first["knlp"] == second["knlp"] and len(first["knlp"]["knlp"]["eigmax"]) == 1
    assert first["knlp"]["row_sums"][0] == pytest.approx([1.0, 1.0], abs=1e-6)
    assert first["knlp"]["reversed"] == [False]


@pytest.mark.parametrize(
    ("spec", "diverged"),
    [
        (_tiny("adam", 3e-2), [False, False, False]),
        (_tiny("adam", 3e-2, reciprocal=True), [False, False, False]),
        (_tiny("fa-adam", 1e-1), [False, False, False]),
        (_tiny("fa-adam-moments", 1e-2), [False, False, False]),
        (_tiny("fa-adam", 300.0), [True, False, True]),
    ],
    ids=["adam", "reciprocal", "fa-adam", "fa-adam-moments", "fa-adam-one-diverging"],
)
def test_a_stack_trains_each_model_as_if_alone(spec, diverged):
    """A stack of three seeds gives each run the log it has when trained alone, bit for bit (wall times aside),
    when one of them diverges too (its log ends at the evaluation that found it, the others train on)."""
    specs = [replace(spec, seed=seed) for seed in (9, 10, 11)]
    stacked = train(specs, CPU)
    alone = train(specs[:1], CPU) + train(specs[1:], CPU)
    assert [_without_seconds(log) for log in stacked] == [_without_seconds(log) for log in alone]
    assert stacked[0]["val_loss"] != stacked[1]["val_loss"]
    assert [log["val_loss"][-1] is None for log in stacked] == diverged
    assert ["knlp" not in log for log in stacked] == diverged


@pytest.mark.parametrize(
    ("optimizer", "lr", "other_lr"), [("adam", 3e-2, 1e-1), ("fa-adam", 1e-1, 300.0), ("fa-adam-moments", 1e-2, 3e-2)]
)
def test_a_stack_of_learning_rates_trains_each_model_as_if_alone(optimizer, lr, other_lr):
    """A stack whose models step at different rates (a rate grid: the sweep's selection runs), in blocks of one
    rate and not in rate order, gives each run its log alone, bit for bit, a diverging rate (FA-Adam at 300)
    included."""
    specs = [_tiny(optimizer, rate, seed) for rate, seed in ((lr, 9), (lr, 10), (other_lr, 9), (lr, 11))]
    stacked = train(specs, CPU)
    alone = [log for spec in specs for log in train([spec], CPU)]
    assert [_without_seconds(log) for log in stacked] == [_without_seconds(log) for log in alone]
    assert stacked[0]["val_loss"] != stacked[2]["val_loss"]


def test_stacked_adam_steps_each_model_as_torch_adam_steps_it_alone():
    """StackedAdam against torch.optim.Adam on each model's slice, bit for bit, over steps of random gradients;
    models 0, 1 and 3 share a rate but are not one block."""
    lrs = [1e-2, 1e-2, 3e-1, 1e-2]
    draws = torch.Generator().manual_seed(4)
    stacked = torch.nn.Parameter(torch.randn(4, 5, 3, generator=draws))
    alone = [torch.nn.Parameter(stacked.detach()[m].clone()) for m in range(4)]
    optimizers = [torch.optim.Adam([p], lr=lr) for p, lr in zip(alone, lrs)]
    stacked_optimizer = StackedAdam([stacked], lrs)
    assert stacked_optimizer.blocks == [(slice(0, 2), 1e-2), (slice(2, 3), 3e-1), (slice(3, 4), 1e-2)]
    for _ in range(5):
        stacked.grad = torch.randn(4, 5, 3, generator=draws)
        for m, (p, optimizer) in enumerate(zip(alone, optimizers)):
            p.grad = stacked.grad[m].clone()
            optimizer.step()
        stacked_optimizer.step()
    assert all(torch.equal(stacked.detach()[m], alone[m].detach()) for m in range(4))
    with pytest.raises(ValueError, match="at least one learning rate"):
        rate_blocks([])


def test_a_stack_holds_runs_that_differ_in_their_seed_and_learning_rate_only():
    with pytest.raises(ValueError, match="seed and learning rate only"):
        train([_tiny(seed=1), _tiny("adam", seed=2)], CPU)
    with pytest.raises(ValueError, match="at least one"):
        train([], CPU)
    with pytest.raises(ValueError, match="at least one seed"):
        build(GPTConfig(11), [], F64, CPU)


def test_runs_are_the_same_from_one_process_or_two(tmp_path, monkeypatch):
    """experiments.runs spreads stacks over spawned processes; the logs are those of one process, and the second
    request reads them from the cache."""
    specs = [_tiny("adam", 3e-2, seed) for seed in (1, 2, 3)] + [_tiny("fa-adam", 1e-1, seed) for seed in (1, 2)]
    monkeypatch.setenv("FIM_AUDIT_CACHE", "off")
    monkeypatch.setattr(experiments, "training_processes", lambda device: 1)
    one = experiments.runs(specs, CPU)
    monkeypatch.setenv("FIM_AUDIT_CACHE", str(tmp_path))
    monkeypatch.setattr(experiments, "training_processes", lambda device: 2)
    two = experiments.runs(specs, CPU)
    assert [_without_seconds(log) for log in one] == [_without_seconds(log) for log in two]
    monkeypatch.setattr(experiments, "train", lambda *args: pytest.fail("trained although cached"))
    assert experiments.runs(specs, CPU) == two


@pytest.mark.skipif(not kernels.pinnable(), reason="the pinned kernels need an x86-64 CPU with AVX2")
def test_training_processes_run_on_the_pinned_kernels_whatever_this_process_runs_on(monkeypatch):
    """Sharp-attention training is chaotic: each CPU's own kernels gave other runs, and fim-attn.prop2 another
    verdict, on another machine.  A training process computes with ATen's AVX2 loops, MKL's COMPATIBLE branch and
    no oneDNN, even when the process that starts it was started with others."""
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    monkeypatch.setenv("MKL_CBWR", "AUTO")
    pool = experiments._training_pool.__wrapped__(1)
    try:
        assert pool.apply(torch.backends.cpu.get_cpu_capability) == "AVX2"
        assert pool.apply(os.getenv, ("MKL_CBWR",)) == "COMPATIBLE"
        assert pool.apply(torch._C._get_mkldnn_enabled) is False
    finally:
        pool.terminate()
    assert os.environ["MKL_CBWR"] == "AUTO", "the pins leaked into this process's environment"


@pytest.mark.skipif(not kernels.pinnable(), reason="the pinned kernels need an x86-64 CPU with AVX2")
def test_a_training_process_without_its_pins_refuses_to_train(monkeypatch):
    monkeypatch.setattr(torch.backends.mkldnn, "enabled", torch.backends.mkldnn.enabled)
    kernels.pin_this_process()
    assert not torch.backends.mkldnn.enabled
    monkeypatch.delenv("MKL_CBWR", raising=False)
    with pytest.raises(RuntimeError, match="not on the pinned kernels"):
        experiments._train_pinned([_tiny()], CPU)
    monkeypatch.setattr(kernels, "pinnable", lambda: False)
    kernels.check_pinned()  # a machine that cannot take the pins trains on its own kernels
    assert experiments._cache_key(_tiny(), CPU)["kernels"] == kernels.label()


def test_stacks_group_by_everything_but_the_seed_and_learning_rate():
    specs = [_tiny("adam", 3e-2, seed) for seed in range(4)] + [_tiny("fa-adam", 1e-1, 9), _tiny("adam", 1e-1, 0)]
    assert experiments._stacks(specs, 2) == [[0, 1], [2, 3, 5], [4]]
    assert experiments._stacks(specs, 1) == [[0, 1, 2, 3, 5], [4]]


def test_unknown_optimizer_and_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="unknown optimizer"):
        RunSpec(GPTConfig(10), "sgd", 0.1, 0, 1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="multiple of heads"):
        GPTConfig(10, width=10, heads=3)
    with pytest.raises(ValueError, match="windows"):
        corpus().validation_batch(10**7, 32)


def test_mean_interval_matches_the_t_formula():
    mean, low, high = mean_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and high - mean == pytest.approx(4.303 / math.sqrt(3))
    assert t_quantile(100) == 1.96
    with pytest.raises(ValueError):
        mean_interval([1.0])


@pytest.mark.parametrize(
    ("differences", "status", "certified"),
    [
        ([-1.0, -1.1, -0.9], Status.PASSED, None),
        ([1.0, 1.1, 0.9], Status.FAILED, True),
        ([-1, 1, 0.1], Status.FAILED, False),
    ],
)
def test_interval_decision(differences, status, certified):
    """A claimed decrease: an interval below 0 passes, above 0 is a certified counterexample, across 0 is not."""
    result = interval_result(differences, claimed_sign=-1, what="x", detail="", depth=10, magnitude=1.0, inputs={})
    assert result.status is status
    assert (result.counterexample.certified if result.counterexample else None) is certified


def test_the_cache_stores_reuses_and_recovers(tmp_path, monkeypatch):
    monkeypatch.setenv("FIM_AUDIT_CACHE", str(tmp_path))
    assert experiment_cache.cached_entry("k", {"a": 1}, CPU) is None
    experiment_cache.store("k", {"a": 1}, CPU, {"value": 1})
    experiment_cache.store("k", {"a": 2}, CPU, {"value": 2})
    assert experiment_cache.cached_entry("k", {"a": 1}, CPU) == {"value": 1}
    assert experiment_cache.cached_entry("k", {"a": 2}, CPU) == {"value": 2}
    assert not list((tmp_path / "k").glob("*.tmp"))
    (tmp_path / "k" / f"{experiment_cache.key({'a': 1}, CPU)}.json").write_text("{not json")
    assert experiment_cache.cached_entry("k", {"a": 1}, CPU) is None
    monkeypatch.setenv("FIM_AUDIT_CACHE", "off")
    experiment_cache.store("k", {"a": 3}, CPU, {"value": 3})
    assert experiment_cache.cached_entry("k", {"a": 2}, CPU) is None


def test_the_cache_key_covers_every_module_a_run_imports():
    """A module that shapes a run but is left out of the key would let an edit to it serve the old code's runs (the
    Adam of numeric/training/stacked_adam.py once was).  Imported in a fresh interpreter, so that nothing this
    session loaded counts."""
    listing = (
        "import sys; import fim_audit.numeric.training.experiments, fim_audit.numeric.natural_gradient_rate; "
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('fim_audit.numeric.') "
        "and not m.__file__.endswith('__init__.py')))"
    )
    loaded = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True, check=True).stdout.split()
    numeric = Path(experiment_cache.__file__).resolve().parent.parent
    assert sorted(Path(f).resolve().relative_to(numeric).as_posix() for f in loaded) == sorted(
        experiment_cache.CODE_FILES
    )


def test_one_process_trains_at_a_time_per_cache(tmp_path, monkeypatch):
    """Two claims that need the same runs, in two worker processes, trained them both; now the second waits for
    the first's lock and then reads what it stored (here: the lock is held, and another process cannot take it)."""
    import subprocess
    import sys

    monkeypatch.setenv("FIM_AUDIT_CACHE", str(tmp_path))
    probe = (
        "import fcntl, sys\n"
        f"handle = open({str(tmp_path / 'training.lock')!r}, 'a')\n"
        "try:\n    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(3)\n"
    )
    with experiment_cache.exclusive("training"):
        assert subprocess.run([sys.executable, "-c", probe]).returncode == 3
    assert subprocess.run([sys.executable, "-c", probe]).returncode == 0
