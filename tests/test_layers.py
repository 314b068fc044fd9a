"""The import layers (issue 16, item 6; ../shared/STYLE.md): the mathematics in numeric/ and symbolic/ imports
nothing from claims/ or report/; claims/ imports nothing from report/; the kernel (claims/model.py, verdict.py,
engine.py, lock.py, registry.py) imports no mathematics at run time; only claims/builders/ and claims/checks/ turn
mathematics into checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ("model.py", "verdict.py", "engine.py", "lock.py", "registry.py")


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Top-level packages imported by ``path`` (imports under ``if TYPE_CHECKING:`` left out when asked)."""
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
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
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
