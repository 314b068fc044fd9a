"""``fim-audit new-paper NAME``: a paper module skeleton with one true and one false example claim, declared with
the public builders, ready for ``fim-audit run --papers NAME.py --update-lock``; with ``--ci``, the GitHub Actions
workflow that audits it on every push (report/templates/github-workflow.yml)."""

from __future__ import annotations

import re
from pathlib import Path

from fim_audit.claims.files import write_text_atomic

TEMPLATE_DIRECTORY = Path(__file__).with_name("templates")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
INSTALL = "fim-audit"
"""What the workflow installs; replace it with a git URL or a path if fim-audit does not come from your index."""

SKELETON = '''"""Claims of "{title}" ({source}), declared with fim-audit's public builders.

Audit:   fim-audit run --papers {module_file} [--check]
Lock:    {lock_file} beside this file, written by `fim-audit run --papers {module_file} --update-lock`
Guide:   fim-audit's docs/writing-claims.md
"""

from functools import partial

from fim_audit.claims.builders import (
    Source, claim, eigenvalue_bounds, invariance, logits, op, probabilities, reading, real, space,
)  # fmt: skip

PAPER = "{paper}"
source = partial(Source, PAPER, "{source}")


def fisher(p):
    """diag(p) - p p^T, written once: torch evaluates it with its rounding bound, sympy exactly."""
    return op.diag(p) - op.outer(p, p)


SHIFT = claim(
    "{paper}.shift-invariance",
    source("Example (true)", "Adding a constant to every logit does not change the attention."),
    reading(
        "all-shifts",
        "For every n >= 1, z in R^n and c in R: softmax(z + c) = softmax(z).",
        invariance(op.softmax, lambda z, c: z + c, acting_on="z", over=space(z=logits(), c=real()), what="shift"),
    ),
)

QUARTER = claim(
    "{paper}.eigmax-quarter",
    source("Example (false)", "The Fisher information of an attention row has eigenvalues at most 1/4."),
    reading(
        "all-rows",
        "For every n >= 1 and p in the simplex: lambda_max(diag p - p p^T) <= 1/4.",
        eigenvalue_bounds(fisher, upper=lambda p: 0.25, over=space(p=probabilities()), what="lambda_max <= 1/4"),
    ),
)

CLAIMS = (SHIFT, QUARTER)
'''


class ScaffoldError(ValueError):
    """A name or a destination that cannot be written."""


def paper_module(name: str, directory: Path) -> Path:
    """Write ``<directory>/<name>.py`` (hyphens become underscores); never overwrite."""
    if not NAME.match(name):
        raise ScaffoldError(f"{name!r} is not a paper name: letters, digits, '-' and '_', starting with a letter")
    module = name.replace("-", "_")
    path = directory / f"{module}.py"
    if path.exists():
        raise ScaffoldError(f"{path} exists; choose another name or remove it")
    text = SKELETON.format(
        title=name.replace("_", " ").replace("-", " ").title(),
        source=f"{module}.md",
        module_file=path.name,
        lock_file=f"{module}.lock.json",
        paper=name.replace("_", "-").lower(),
    )
    _write(path, text)
    return path


def workflow(papers: str, directory: Path) -> Path:
    """Write ``<directory>/.github/workflows/fim-audit.yml`` auditing ``papers``; never overwrite."""
    path = directory / ".github" / "workflows" / "fim-audit.yml"
    if path.exists():
        raise ScaffoldError(f"{path} exists; edit it instead")
    template = (TEMPLATE_DIRECTORY / "github-workflow.yml").read_text(encoding="utf-8")
    _write(path, template.replace("{papers}", papers).replace("{install}", INSTALL))
    return path


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as exc:
        raise ScaffoldError(f"cannot write {path}: {exc.strerror or exc}") from None
