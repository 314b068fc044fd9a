"""One import namespace (issue 27, item 1): installed, fim-audit is the one top-level package ``fim_audit``, so a
referee's own ``report``, ``claims``, ``numeric`` or ``symbolic`` package is never shadowed, and the pytest plugin,
which loads in every pytest run of that environment, imports nothing of fim-audit's until a project names papers.

The install test builds the package as a user gets it (non-editable, from a copy of the sources) into a folder,
and runs pytest on a project with packages of those four names, with only that folder and the test environment's
own site-packages on the path (``python -S``: no ``.pth`` file runs, so the editable install of this checkout is
out of sight).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("test_packaging")  # module-scoped fixtures: computed once, in one xdist worker

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("claims", "numeric", "symbolic", "report")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_packages_are_the_folders_under_one_namespace():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(("fim_audit", *init.parent.relative_to(ROOT).parts))
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert declared == on_disk
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {f"fim_audit.{f}": f for f in FOLDERS}


def test_every_entry_point_names_the_namespace():
    project = PYPROJECT["project"]
    targets = [*project["scripts"].values(), *project["entry-points"]["fim_audit.papers"].values()]
    targets += project["entry-points"]["pytest11"].values()
    assert all(target.startswith("fim_audit.") for target in targets)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """fim-audit installed non-editable (``pip install --no-deps --target``) from a copy of its sources."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    target = work / "site"
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    done = subprocess.run([*command, "--target", str(target), str(source)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"non-editable install failed: {done.stderr[-2000:]}")
    return target


def test_the_install_has_one_top_level_package(installed):
    top = {p.name for p in installed.iterdir() if not p.name.endswith((".dist-info", ".egg-info"))} - {"bin"}
    assert top == {"fim_audit"}
    assert sorted(p.name for p in (installed / "fim_audit").iterdir() if p.name != "__pycache__") == sorted(FOLDERS)
    assert (installed / "fim_audit" / "claims" / "verdicts.lock.json").is_file()
    assert (installed / "fim_audit" / "report" / "results.schema.json").is_file()


USER_TEST = """
import os
import sys

import claims, numeric, report, symbolic


def test_the_users_packages_are_their_own():
    assert {m.WHO for m in (claims, numeric, report, symbolic)} == {"user"}


def test_the_plugin_imported_nothing_of_fim_audit():
    loaded = [name for name in sys.modules if name.startswith("fim_audit.") and name != "fim_audit.report"]
    assert loaded == ["fim_audit.report.pytest_plugin"], loaded
    assert "torch" not in sys.modules and "sympy" not in sys.modules


def test_fim_audit_is_importable_beside_them():
    from fim_audit.claims.builders import claim, op  # noqa: F401
    import fim_audit.claims as fa

    assert fa.__file__.startswith(os.environ["FIM_AUDIT_INSTALLED"])
"""


@pytest.mark.parametrize("pythonpath", [False, True], ids=["plain", "pythonpath-dot"])
@pytest.mark.parametrize("launcher", ["python-m-pytest", "pytest-script"])
def test_a_project_with_packages_of_the_same_names_runs_its_own_tests(installed, tmp_path, pythonpath, launcher):
    for folder in FOLDERS:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text('WHO = "user"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mine.py").write_text(USER_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ("pythonpath = .\n" if pythonpath else ""))
    if not pythonpath:  # the other usual way: a tests package, whose parent pytest puts on the path
        (tmp_path / "tests" / "__init__.py").write_text("")
    site = sysconfig.get_paths()["purelib"]
    env = {"PYTHONPATH": f"{installed}:{site}", "PATH": "/usr/bin:/bin", "FIM_AUDIT_INSTALLED": str(installed)}
    start = ["-m", "pytest"] if launcher == "python-m-pytest" else [shutil.which("pytest") or "pytest"]
    command = [sys.executable, "-S", *start, "-q", "-p", "no:cacheprovider", "tests"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 passed" in done.stdout
