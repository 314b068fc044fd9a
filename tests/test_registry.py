"""The registry: papers from entry points, modules and files; unique ids; verbatim statements; selection; and a
clear error, naming the paper and the claim, for anything that cannot be registered."""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path

import pytest

from claims.lock import LOCK_PATH
from claims.papers import PAPERS
from claims.registry import RegistryError, all_claims, load_papers, matches, registered_names, select

SEEDS = Path(__file__).resolve().parent.parent / "claims" / "seeds"


def _normalise(text: str) -> str:
    """Whitespace folded and Markdown emphasis markers dropped (the seeds italicise theorem statements)."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.mark.parametrize("claim", all_claims(), ids=lambda c: c.id)
def test_statement_is_verbatim_from_its_seed(claim):
    seed = _normalise((SEEDS / claim.source.seed_file).read_text(encoding="utf-8"))
    assert _normalise(claim.source.statement) in seed


def test_the_seeds_are_registered_like_any_paper():
    assert "seeds" in registered_names()
    papers = load_papers("seeds")
    assert [paper.source for paper in papers] == list(PAPERS)
    assert {paper.lock for paper in papers} == {LOCK_PATH}
    for paper in papers:
        module = importlib.import_module(paper.source)
        for claim in paper.claims:
            assert claim.id.startswith(module.PAPER + ".") and claim.source.paper == module.PAPER == paper.name
            assert claim.source.seed_file == module.SEED_FILE


def test_selection():
    assert matches("fim-attn.thm1-inner", "fim-attn.thm1")
    assert matches("fim-attn.thm1", "fim-attn.thm1")
    assert not matches("fim-attn.thm1", "fim-attn.thm1-*")
    assert matches("fim-attn.lemma1", "nothing,*lemma*")
    assert select("zzz") == ()
    assert select(None) == all_claims()


PAPER = """
from claims.model import Check, CheckResult, Claim, Formalization, Kind, Source, Status

def _check(name, validate=None):
    return Check(name, Kind.NUMERIC, "nothing", lambda ctx: CheckResult(Status.PASSED, "ok", 1), validate)

def claim(claim_id, validate=None):
    reading = Formalization("r", "a statement", (_check("c", validate),))
    return Claim(claim_id, Source("mine", "mine.txt", "§1", "a statement"), (reading,))
"""


def _paper(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(PAPER + textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_paper_file_is_loaded_with_its_own_lock(tmp_path):
    path = _paper(tmp_path, "mine", 'CLAIMS = (claim("mine.one"), claim("mine.two"))')
    (paper,) = load_papers(str(path))
    assert [c.id for c in paper.claims] == ["mine.one", "mine.two"]
    assert paper.lock == path.with_suffix(".lock.json") and paper.name == "mine"


@pytest.mark.parametrize(
    "body, says",
    [
        ("X = 1", "declares no CLAIMS"),
        ("CLAIMS = 'mine.one'", "must be a sequence of Claim"),
        ("CLAIMS = (claim('mine.one'), 3)", "CLAIMS[1] is a int"),
        ("CLAIMS = (claim('mine.one'), claim('mine.one'))", "'mine.one' is declared twice"),
        ("raise RuntimeError('boom')", "failed to import: RuntimeError: boom"),
        (
            "def broken():\n    raise ZeroDivisionError('divides by 0')\nCLAIMS = (claim('mine.x', broken),)",
            "claim 'mine.x', check 'c': ZeroDivisionError: divides by 0",
        ),
    ],
)
def test_what_cannot_be_registered_is_named_in_one_line(tmp_path, body, says):
    path = _paper(tmp_path, "bad", body)
    with pytest.raises(RegistryError) as raised:
        load_papers(str(path))
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_duplicate_ids_across_papers_name_both(tmp_path):
    first = _paper(tmp_path, "first", "CLAIMS = (claim('fim-attn.lemma1'),)")
    with pytest.raises(RegistryError, match=r"'fim-attn.lemma1' is declared in 'claims.papers.fim_attn' and in"):
        load_papers(f"seeds,{first}")


@pytest.mark.parametrize("name", ["nosuch", "nosuch.module", "missing/paper.py"])
def test_unknown_papers(name):
    with pytest.raises(RegistryError, match="no paper"):
        load_papers(name)


def test_all_names_every_registered_paper():
    assert [p.source for p in load_papers("all")][: len(PAPERS)] == list(PAPERS)
