"""The import layers (issue 16, item 6; ../shared/STYLE.md): the mathematics in numeric/ and symbolic/ imports
nothing from claims/ or report/; claims/ imports nothing from report/; the kernel (claims/model.py, verdict.py,
engine.py, lock.py, registry.py) imports no mathematics at run time; only claims/builders/ and claims/checks/ turn
mathematics into checks.  Every import of the package goes through its one namespace, ``fim_audit`` (issue 27):
the four folders are ``fim_audit.claims``, ``fim_audit.numeric``, ``fim_audit.symbolic`` and ``fim_audit.report``
once installed, and a bare ``import claims`` would take a referee's own package of that name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ("model.py", "verdict.py", "engine.py", "lock.py", "registry.py")


FOLDERS = ("claims", "numeric", "symbolic", "report")
NAMESPACE = "fim_audit"


def _layer(module: str) -> str:
    """The layer of an absolute module name: the folder under ``fim_audit``, else the top-level package."""
    parts = module.split(".")
    return parts[1] if parts[0] == NAMESPACE and len(parts) > 1 else parts[0]


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Layers imported by ``path`` (imports under ``if TYPE_CHECKING:`` left out when asked)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {_layer(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(_layer(node.module))
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("numeric") + _modules("symbolic"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_mathematics_imports_no_claims_and_no_report(path):
    assert not _imports(path) & {"claims", "report"}


@pytest.mark.parametrize("path", _modules("claims"), ids=lambda p: str(p.relative_to(ROOT)))
def test_claims_import_no_report(path):
    assert "report" not in _imports(path)


@pytest.mark.parametrize("name", KERNEL)
def test_the_kernel_imports_no_mathematics_at_run_time(name):
    assert not _imports(ROOT / "claims" / name, runtime_only=True) & {"numeric", "symbolic", "report", "torch", "sympy"}


def _bare_imports(path: Path) -> set[str]:
    """Absolute imports of ``path`` that name one of the four folders without the ``fim_audit`` namespace."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {name for name in names if name.split(".")[0] in FOLDERS}
    return found


@pytest.mark.parametrize(
    "path",
    [p for folder in (*FOLDERS, "tests", "benchmarks", "examples") for p in _modules(folder)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_import_goes_through_the_namespace(path):
    assert not _bare_imports(path)


def test_the_layer_of_a_namespaced_import_is_its_folder():
    assert _layer("fim_audit.numeric.softmax") == "numeric" and _layer("torch.func") == "torch"
