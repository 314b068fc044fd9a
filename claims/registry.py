"""Papers, where they come from, and the claims they declare; selection by pattern.

A *paper module* declares ``CLAIMS`` (a sequence of :class:`claims.model.Claim`) and may declare ``PAPER`` (its
short name) and ``LOCK`` (the path of its own verdict lock; default: ``<module file>.lock.json`` beside it).  A
*collection* declares ``PAPERS``, the dotted names of its paper modules in order, and may declare one ``LOCK`` for
all of them.  A paper is named, in ``fim-audit run --papers`` and the pytest plugin, by

* the name of an entry point in the group ``fim_audit.papers`` (this package registers its five seed papers there,
  as the collection ``seeds``, :mod:`claims.papers`),
* an importable module name (``mypackage.mypaper``),
* or the path of a ``.py`` file (``papers/mypaper.py``), imported with its folder on ``sys.path``;

and ``all`` names every registered entry point.

Loading validates what it loads: a module without ``CLAIMS``, an entry that is not a Claim, a claim id declared
twice (in one paper or across papers), or a check whose formula does not evaluate (the builders' ``validate``
hook, run once here on a tiny input in sympy and torch) is a :class:`RegistryError` naming the paper, the claim and
the check, before any check runs.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Iterable, Sequence

from fim_audit.claims.model import Claim

ENTRY_POINT_GROUP = "fim_audit.papers"
DEFAULT_PAPERS = "seeds"
"""What ``fim-audit run`` audits when no ``--papers`` is given: the five seed papers."""

_SOURCE_TREE = {"seeds": "fim_audit.claims.papers"}
"""The seeds' entry point, for a source tree that was never installed (no entry-point metadata): the same module
the installed entry point names, so both paths load the same collection."""


class RegistryError(ValueError):
    """A paper that cannot be loaded or a claim that cannot be registered, in one line naming it."""


@dataclass(frozen=True)
class Paper:
    """A loaded paper: its short ``name``, where it came from (``source``), its claims and its verdict lock."""

    name: str
    source: str
    claims: tuple[Claim, ...]
    lock: Path


def load_papers(specs: str | Sequence[str] = DEFAULT_PAPERS) -> tuple[Paper, ...]:
    """The papers named by ``specs`` (comma-separated or a sequence), in order, validated together."""
    names = [s.strip() for s in (specs.split(",") if isinstance(specs, str) else specs) if s.strip()]
    names = [name for spec in names for name in (registered_names() if spec == "all" else [spec])]
    if not names:
        raise RegistryError("no paper named: give an entry-point name, a module name or a .py path")
    papers = tuple(paper for name in names for paper in _load(name))
    _unique_ids(papers)
    for paper in papers:
        for claim in paper.claims:
            validate_claim(claim, paper.name)
    return papers


def registered_names() -> list[str]:
    """The names of the entry points in ``fim_audit.papers`` (with ``seeds`` for a never-installed source tree)."""
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names | set(_SOURCE_TREE))


def claims_of(papers: Iterable[Paper]) -> tuple[Claim, ...]:
    """Every claim of ``papers``, in paper order then declaration order."""
    return tuple(claim for paper in papers for claim in paper.claims)


def lock_paths(papers: Iterable[Paper], override: Path | None = None) -> dict[str, Path]:
    """Each claim's verdict lock: ``override`` for all (``--lock``), else its own paper's."""
    return {claim.id: override or paper.lock for paper in papers for claim in paper.claims}


def all_claims() -> tuple[Claim, ...]:
    """The claims of the default papers (the five seeds)."""
    return claims_of(load_papers(DEFAULT_PAPERS))


def matches(claim_id: str, pattern: str) -> bool:
    """A glob pattern (``fim-attn.thm1*``) or, without glob characters, an id prefix (``fim-attn.thm1``).

    Several patterns may be given separated by commas; a claim matching any of them is selected.
    """
    for part in (p.strip() for p in pattern.split(",")):
        if not part:
            continue
        if any(ch in part for ch in "*?["):
            if fnmatchcase(claim_id, part):
                return True
        elif claim_id.startswith(part):
            return True
    return False


def select(pattern: str | None, papers: Sequence[Paper] | None = None) -> tuple[Claim, ...]:
    """The claims of ``papers`` (default: the seeds) matching ``pattern`` (all when None)."""
    claims = claims_of(load_papers(DEFAULT_PAPERS) if papers is None else papers)
    return claims if pattern is None else tuple(c for c in claims if matches(c.id, pattern))


def validate_claim(claim: Claim, paper: str) -> None:
    """Run every check's ``validate`` hook (a builder evaluating its formulas once in sympy and torch)."""
    readings = claim.formalizations + ((claim.correction,) if claim.correction else ())
    for reading in readings:
        for check in reading.all_checks:
            if check.validate is None:
                continue
            try:
                check.validate()
            except Exception as exc:  # noqa: BLE001 - any failure of a formula is the user's to see, in one line
                raise RegistryError(
                    f"paper {paper!r}, claim {claim.id!r}, check {check.name!r}: {type(exc).__name__}: {exc}"
                ) from None


def _load(name: str) -> list[Paper]:
    module = _import(name)
    if hasattr(module, "PAPERS"):
        lock = _lock_of(module, name)
        return [_paper(_import(member), member, lock) for member in _members(module, name)]
    return [_paper(module, name, _lock_of(module, name))]


def _members(collection: ModuleType, name: str) -> list[str]:
    members = collection.PAPERS
    if isinstance(members, str) or not all(isinstance(m, str) for m in members):
        raise RegistryError(f"paper collection {name!r}: PAPERS must be a sequence of module names")
    return list(members)


def _import(name: str) -> ModuleType:
    if name.endswith(".py") or "/" in name or "\\" in name:
        return _import_file(Path(name))
    target = _entry_point(name) or name
    try:
        return importlib.import_module(target)
    except (SystemExit, KeyboardInterrupt) as exc:
        raise RegistryError(f"paper {name!r} failed to import: {_why(exc)}") from None
    except ModuleNotFoundError as exc:
        if exc.name and target.startswith(exc.name):
            raise RegistryError(
                f"no paper {name!r}: not an entry point of {ENTRY_POINT_GROUP!r} ({', '.join(registered_names())}), "
                "not an importable module, and not a .py path"
            ) from None
        raise RegistryError(f"paper {name!r} failed to import: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a paper that raises on import is reported, not a traceback
        raise RegistryError(f"paper {name!r} failed to import: {type(exc).__name__}: {exc}") from None


def _entry_point(name: str) -> str | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.value.split(":")[0]
    return _SOURCE_TREE.get(name)


_PAPER_FOLDERS: set[Path] = set()
"""The folders paper files were loaded from: their helper modules share one ``sys.modules`` namespace."""


def _import_file(path: Path) -> ModuleType:
    """A paper file, imported under a name unique to its resolved path (two ``paper.py`` in two folders are two
    modules), with its folder first on ``sys.path`` for its helpers (figures, formulas) beside it."""
    if not path.is_file():
        raise RegistryError(f"no paper at {path}: not a file")
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8", "backslashreplace")).hexdigest()[:12]
    stem = path.stem if path.stem.isidentifier() else "paper"
    module_name = f"fim_audit_paper_{stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RegistryError(f"cannot import {path} as a Python module")
    folder = resolved.parent
    _refuse_shared_helpers(path, folder)
    module = importlib.util.module_from_spec(spec)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    _PAPER_FOLDERS.add(folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - one line naming the file
        del sys.modules[module_name]
        raise RegistryError(f"paper {path} failed to import: {_why(exc)}") from None
    return module


def _why(exc: BaseException) -> str:
    """An import failure in words; sys.exit and Ctrl-C during an import are failures of the paper, not of the run."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}) while being imported"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (KeyboardInterrupt) while being imported"
    return f"{type(exc).__name__}: {exc}"


def _refuse_shared_helpers(path: Path, folder: Path) -> None:
    """Refuse a paper whose folder has a module of the same name as one already imported from another paper's
    folder: Python holds one module per name, so this paper's ``import helpers`` would get the other's."""
    local = {p.stem for p in folder.glob("*.py")} | {p.parent.name for p in folder.glob("*/__init__.py")}
    for name in sorted(local):
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin is None:
            continue
        owner = Path(origin).resolve().parent
        owner = owner.parent if Path(origin).name == "__init__.py" else owner
        if owner != folder and owner in _PAPER_FOLDERS:
            raise RegistryError(
                f"paper {path} has a helper module {name!r} in {folder}, and a paper loaded before it imported its "
                f"own {name!r} from {owner}: Python holds one module per name, so the second paper would get the "
                "first one's; rename one of them"
            )


def _lock_of(module: ModuleType, name: str) -> Path:
    """The paper's lock: ``LOCK`` (a relative path is beside the paper's file, wherever the audit runs from), else
    ``<module file>.lock.json``."""
    declared = getattr(module, "LOCK", None)
    origin = getattr(module, "__file__", None)
    if declared is not None:
        path = Path(declared)
        return path if path.is_absolute() or origin is None else Path(origin).parent / path
    if origin is None:
        raise RegistryError(f"paper {name!r} has no file and no LOCK: declare LOCK = Path(...)")
    return Path(origin).with_suffix(".lock.json")


def _paper(module: ModuleType, name: str, lock: Path) -> Paper:
    claims = getattr(module, "CLAIMS", None)
    if claims is None:
        raise RegistryError(f"paper {name!r} declares no CLAIMS (a tuple of claims.model.Claim)")
    if isinstance(claims, (str, bytes)) or not hasattr(claims, "__iter__"):
        raise RegistryError(f"paper {name!r}: CLAIMS must be a sequence of Claim, not {type(claims).__name__}")
    claims = tuple(claims)
    for index, claim in enumerate(claims):
        if not isinstance(claim, Claim):
            raise RegistryError(f"paper {name!r}: CLAIMS[{index}] is a {type(claim).__name__}, not a Claim")
    short = getattr(module, "PAPER", None) or (claims[0].source.paper if claims else name)
    return Paper(str(short), name, claims, lock)


def _unique_ids(papers: Sequence[Paper]) -> None:
    seen: dict[str, str] = {}
    for paper in papers:
        for claim in paper.claims:
            if claim.id in seen:
                where = "twice in" if seen[claim.id] == paper.source else f"in {seen[claim.id]!r} and in"
                raise RegistryError(f"claim id {claim.id!r} is declared {where} {paper.source!r}")
            seen[claim.id] = paper.source
