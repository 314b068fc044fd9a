"""The registry: papers from entry points, modules and files; unique ids; verbatim statements; selection; and a
clear error, naming the paper and the claim, for anything that cannot be registered."""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from pathlib import Path

import pytest

from fim_audit.claims.lock import LOCK_PATH
from fim_audit.claims.papers import PAPERS
from fim_audit.claims.registry import RegistryError, all_claims, load_papers, matches, registered_names, select

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
from fim_audit.claims.model import Check, CheckResult, Claim, Formalization, Kind, Source, Status

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


def test_a_relative_lock_is_beside_the_paper_wherever_the_audit_runs(tmp_path, monkeypatch):
    """LOCK = "x.lock.json" used to resolve against the working directory: run from elsewhere, --update-lock wrote
    (and --check read) a lock in the wrong folder."""
    path = _paper(tmp_path, "located", 'LOCK = "accepted.lock.json"\nCLAIMS = (claim("located.one"),)')
    monkeypatch.chdir(tmp_path.parent)
    (paper,) = load_papers(str(path))
    assert paper.lock == tmp_path / "accepted.lock.json"


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
    declared_twice = r"'fim-attn.lemma1' is declared in 'fim_audit.claims.papers.fim_attn' and in"
    with pytest.raises(RegistryError, match=declared_twice):
        load_papers(f"seeds,{first}")


@pytest.mark.parametrize("name", ["nosuch", "nosuch.module", "missing/paper.py"])
def test_unknown_papers(name):
    with pytest.raises(RegistryError, match="no paper"):
        load_papers(name)


def test_all_names_every_registered_paper():
    assert [p.source for p in load_papers("all")][: len(PAPERS)] == list(PAPERS)


# --- isolated papers (issue 27, item 4) ------------------------------------------------------------------------


def _folder_paper(folder: Path, helper_value: str | None, claim_id: str) -> Path:
    """``folder/paper.py`` declaring ``claim_id``; with a helper module ``helpers.py`` beside it when asked, whose
    VALUE the paper puts in its statement."""
    folder.mkdir()
    statement = "'no helper'"
    if helper_value is not None:
        (folder / "helpers.py").write_text(f"VALUE = {helper_value!r}\n")
        statement = "__import__('helpers').VALUE"
    body = f"CLAIMS = (claim({claim_id!r}),)\nSTATEMENT = {statement}\n"
    return _paper(folder, "paper", body)


def test_two_paper_files_of_one_name_are_two_modules(tmp_path):
    first = _folder_paper(tmp_path / "a", None, "a.one")
    second = _folder_paper(tmp_path / "b", None, "b.one")
    papers = load_papers(f"{first},{second}")
    assert [c.id for p in papers for c in p.claims] == ["a.one", "b.one"]
    modules = {name for name in sys.modules if name.startswith("fim_audit_paper_paper_")}
    assert len(modules) >= 2


def test_a_helper_module_shared_by_name_across_folders_is_refused_naming_both(tmp_path):
    first = _folder_paper(tmp_path / "a", "from a", "a.one")
    second = _folder_paper(tmp_path / "b", "from b", "b.one")
    with pytest.raises(RegistryError) as raised:
        load_papers(f"{first},{second}")
    message = str(raised.value)
    assert "'helpers'" in message and str(tmp_path / "a") in message and str(tmp_path / "b") in message
    assert "\n" not in message
    sys.modules.pop("helpers", None)


def test_papers_of_one_folder_share_its_helpers(tmp_path):
    first = _folder_paper(tmp_path / "a", "shared", "a.one")
    body = "CLAIMS = (claim('a.two'),)\nimport helpers\nassert helpers.VALUE == 'shared'\n"
    second = _paper(tmp_path / "a", "other", body)
    assert [c.id for p in load_papers(f"{first},{second}") for c in p.claims] == ["a.one", "a.two"]
    sys.modules.pop("helpers", None)


@pytest.mark.parametrize("name", ["symbolic", "claims", "numeric", "report"])
def test_a_paper_beside_or_named_like_a_fim_audit_folder_loads(tmp_path, name):
    """With one namespace, a package beside a paper named symbolic, claims, numeric or report, or a paper of that
    name, shadows nothing of fim-audit's (the issue: a paper beside symbolic/ failed with a misleading import
    error, and `fim-audit new-paper symbolic` wrote a paper that could not load)."""
    from fim_audit.report.cli import EXIT_OK, main

    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    assert main(["new-paper", "mine", "--out", str(tmp_path)]) == EXIT_OK
    assert main(["new-paper", name, "--out", str(tmp_path / "named")]) == EXIT_OK
    beside, named = load_papers([str(tmp_path / "mine.py"), str(tmp_path / "named" / f"{name}.py")])
    assert [c.id for c in beside.claims + named.claims] == [
        "mine.shift-invariance", "mine.eigmax-quarter", f"{name}.shift-invariance", f"{name}.eigmax-quarter"
    ]  # fmt: skip
