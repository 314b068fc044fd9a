"""Writing a file so that a failure never destroys what was there: every file fim-audit writes (results, locks,
reports, figures, README tables, spectrum records, scaffolds) goes through :func:`write_text_atomic`.

The text goes to a temporary file in the target's own folder (so the rename stays on one file system), is flushed
and fsynced, and replaces the target by ``os.replace``, which POSIX and Windows both make atomic: a reader sees the
old file or the new one, never a part.  A failure at any step (a full disk, a file-size limit, a lost
permission) removes the temporary file and raises ``OSError``, with the previous file as it was.  Text that UTF-8
cannot encode (a lone surrogate from a paper's statement) is written as its backslash escape, never a traceback.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENCODING = "utf-8"
UNENCODABLE = "backslashreplace"
"""How a character UTF-8 cannot encode is written: a lone surrogate U+DCFF becomes the six characters \\udcff."""


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8) atomically; on failure the previous file is untouched."""
    write_bytes_atomic(path, text.encode(ENCODING, errors=UNENCODABLE))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically; on failure the previous file is untouched."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_of(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int:
    """The permissions the file keeps (an existing file's own, else what the umask gives a new one)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
