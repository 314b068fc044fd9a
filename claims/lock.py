"""Verdict locks and what a computed verdict means against one.

A lock maps claim ids to the verdicts last accepted by a person (written only by ``fim-audit run --update-lock``).
Every paper has its own (:class:`claims.registry.Paper`, ``lock``): the seed papers share
``claims/verdicts.lock.json``, a paper outside the package keeps its lock beside it.  CI fails when a computed
verdict differs from its locked one, so a change of verdict is always a reviewed change to a lock file.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Iterable, Mapping

from fim_audit.claims.model import Verdict
from fim_audit.claims.files import write_text_atomic

LOCK_PATH = Path(__file__).with_name("verdicts.lock.json")
LOCK_SCHEMA = "fim-audit-lock/1"


class LockError(ValueError):
    """The lock file is missing, unreadable or of the wrong schema."""


def read_lock(path: Path = LOCK_PATH) -> dict[str, Verdict]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(f"verdict lock {path} does not exist; create it with `fim-audit run --update-lock`") from None
    except (OSError, ValueError) as exc:  # a directory, no permission, undecodable bytes, a NUL in the path
        raise LockError(f"cannot read verdict lock {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError(f"verdict lock {path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise LockError(f"verdict lock {path} is nested too deeply to be a lock") from None
    if not isinstance(document, dict) or document.get("schema") != LOCK_SCHEMA:
        raise LockError(f"verdict lock {path} does not have schema {LOCK_SCHEMA!r}")
    try:
        return {claim_id: Verdict(v) for claim_id, v in document["verdicts"].items()}
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        raise LockError(f"verdict lock {path} has a malformed 'verdicts' table: {exc!r}") from None


def write_lock(verdicts: Mapping[str, Verdict], path: Path = LOCK_PATH) -> None:
    """Write the lock with sorted ids, so that its diffs show exactly the claims whose verdict changed."""
    document = {"schema": LOCK_SCHEMA, "verdicts": {k: verdicts[k].value for k in sorted(verdicts)}}
    try:
        write_text_atomic(path, json.dumps(document, indent=2) + "\n")
    except (OSError, ValueError) as exc:
        raise LockError(f"cannot write verdict lock {path}: {getattr(exc, 'strerror', None) or exc}") from None


def read_locks(paths: Mapping[str, Path], missing_ok: bool = False) -> dict[str, Verdict]:
    """The locked verdict of each claim id from its own lock file (``paths`` maps ids to lock files; each file is
    read once).  A missing file is a LockError, or an empty lock when ``missing_ok`` (creating it)."""
    verdicts: dict[str, Verdict] = {}
    for path in sorted(set(paths.values())):
        lock = _read_or_empty(path) if missing_ok else read_lock(path)
        verdicts.update(
            {claim_id: lock[claim_id] for claim_id, where in paths.items() if where == path and claim_id in lock}
        )
    return verdicts


def update_locks(paths: Mapping[str, Path], computed: Mapping[str, Verdict]) -> list[Path]:
    """Write each computed verdict into its claim's lock file, keeping the verdicts of claims not run; returns the
    files written."""
    written = []
    for path in sorted({paths[claim_id] for claim_id in computed}):
        lock = _read_or_empty(path)
        write_lock(updated(lock, ((i, v) for i, v in computed.items() if paths[i] == path)), path)
        written.append(path)
    return written


def _read_or_empty(path: Path) -> dict[str, Verdict]:
    """A lock file's verdicts, or none when the file does not exist yet (a lock being created); a file that exists
    but cannot be read is still a LockError."""
    try:
        return read_lock(path)
    except LockError:
        if path.exists():
            raise
        return {}


def updated(lock: Mapping[str, Verdict], computed: Iterable[tuple[str, Verdict]]) -> dict[str, Verdict]:
    """The lock with the computed verdicts written over it (claims not run keep their locked verdict)."""
    return {**lock, **dict(computed)}


class Expectation(enum.Enum):
    """How a computed verdict reads against the lock, for pytest and JUnit alike.

    PASS: the claim holds (PROVED/SUPPORTED) as locked.  XFAIL: the claim does not hold (REFUTED/ILL_POSED)
    as locked: an expected failure whose reason is the counterexample.  SKIP: OPEN as locked.  FLIPPED:
    the verdict differs from the lock: a failure.  UNLOCKED: the claim is not in the lock (a new claim, or a first
    run with no lock yet): a failure too until a person accepts it with --update-lock, but not a flip.
    """

    PASS = "pass"
    XFAIL = "xfail"
    SKIP = "skip"
    FLIPPED = "flipped"
    UNLOCKED = "unlocked"


def expectation(computed: Verdict, locked: Verdict | None) -> Expectation:
    if locked is None:
        return Expectation.UNLOCKED
    if computed is not locked:
        return Expectation.FLIPPED
    if computed in (Verdict.PROVED, Verdict.SUPPORTED):
        return Expectation.PASS
    if computed in (Verdict.REFUTED, Verdict.ILL_POSED):
        return Expectation.XFAIL
    return Expectation.SKIP
