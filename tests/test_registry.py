"""The registry: unique ids, verbatim statements, and selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claims.registry import PAPER_MODULES, all_claims, matches, select

SEEDS = Path(__file__).resolve().parent.parent / "claims" / "seeds"


def _normalise(text: str) -> str:
    """Whitespace folded and Markdown emphasis markers dropped (the seeds italicise theorem statements)."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.mark.parametrize("claim", all_claims(), ids=lambda c: c.id)
def test_statement_is_verbatim_from_its_seed(claim):
    seed = _normalise((SEEDS / claim.source.seed_file).read_text(encoding="utf-8"))
    assert _normalise(claim.source.statement) in seed


def test_ids_follow_paper_prefix():
    for module in PAPER_MODULES:
        for claim in module.CLAIMS:
            assert claim.id.startswith(module.PAPER + ".") and claim.source.paper == module.PAPER
            assert claim.source.seed_file == module.SEED_FILE


def test_selection():
    assert matches("fim-attn.thm1-inner", "fim-attn.thm1")
    assert matches("fim-attn.thm1", "fim-attn.thm1")
    assert not matches("fim-attn.thm1", "fim-attn.thm1-*")
    assert matches("fim-attn.lemma1", "nothing,*lemma*")
    assert select("zzz") == ()
    assert select(None) == all_claims()
