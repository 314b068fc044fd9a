"""Character-level text for the training experiments (issue 10): CPython's bundled reference documentation
(``pydoc_data.topics``, the same text ``fim-audit spectrum`` reads), so that no data is downloaded.

The text is encoded as UTF-8 bytes and each byte value that occurs becomes one token, in ascending byte
order, so the vocabulary is fixed by the Python version's text alone.  The first 90% of the byte stream is
the training split and the last 10% the validation split; the validation windows are fixed (evenly spaced),
and training batches are drawn from a seeded generator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from fim_audit.numeric.attention_capture import english_text
from fim_audit.numeric.validate import InputError

VALIDATION_SHARE = 0.1
"""The last tenth of the text is held out."""


@dataclass(frozen=True)
class Corpus:
    """Token ids of the two splits (int64) and the vocabulary (byte value of each token id)."""

    train: torch.Tensor
    validation: torch.Tensor
    vocabulary: tuple[int, ...]

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    def training_batch(self, generator: torch.Generator, batch: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``batch`` random windows of the training split: inputs (batch, length) and next-token targets."""
        starts = torch.randint(0, len(self.train) - length - 1, (batch,), generator=generator)
        return _windows(self.train, starts, length)

    def validation_batch(self, count: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` fixed windows spread evenly over the validation split."""
        last = len(self.validation) - length - 1
        if count < 1 or last < count:
            raise InputError(f"the validation split holds 1..{last} windows of {length} tokens, got {count}")
        starts = torch.linspace(0, last, count).long()
        return _windows(self.validation, starts, length)


def _windows(tokens: torch.Tensor, starts: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    index = starts[:, None] + torch.arange(length + 1)
    chunk = tokens[index]
    return chunk[:, :-1], chunk[:, 1:]


@functools.lru_cache(maxsize=1)
def corpus() -> Corpus:
    """The byte-level corpus with its fixed 90/10 split."""
    data = torch.frombuffer(bytearray(english_text().encode("utf-8")), dtype=torch.uint8).long()
    vocabulary = torch.unique(data)
    lookup = torch.full((256,), -1, dtype=torch.long)
    lookup[vocabulary] = torch.arange(len(vocabulary))
    tokens = lookup[data]
    cut = int(len(tokens) * (1 - VALIDATION_SHARE))
    return Corpus(tokens[:cut], tokens[cut:], tuple(int(v) for v in vocabulary))
