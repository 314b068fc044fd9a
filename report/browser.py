"""Headless Chromium (Debian package ``chromium``) for reading the report as a person would: the rendered
DOM with its console messages, and screenshots.  No network: every flag that would make Chromium phone home
is off, and each call uses a fresh, temporary profile."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fim_audit.claims.files import write_bytes_atomic

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT_SECONDS = 120


class BrowserUnavailable(RuntimeError):
    """No Chromium executable on PATH, or Chromium failed or hung on the page."""


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(page: Path, *arguments: str) -> subprocess.CompletedProcess:
    binary = executable()
    if binary is None:
        raise BrowserUnavailable("Chromium is not installed (Debian package chromium)")
    with tempfile.TemporaryDirectory(prefix="fim-audit-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *arguments, page.resolve().as_uri()]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=True)
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise BrowserUnavailable(f"Chromium exited {exc.returncode} on {page}: {last[0]}") from None
        except subprocess.TimeoutExpired:
            raise BrowserUnavailable(f"Chromium did not finish {page} in {TIMEOUT_SECONDS} s") from None


@dataclass(frozen=True)
class Rendering:
    dom: str
    console: tuple[str, ...]

    @property
    def console_errors(self) -> tuple[str, ...]:
        return tuple(line for line in self.console if "Uncaught" in line or "Error" in line)


def render(page: Path) -> Rendering:
    """The DOM after scripts ran, and every console message logged while loading it."""
    done = _run(page, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return Rendering(done.stdout, tuple(line for line in done.stderr.splitlines() if ":CONSOLE" in line))


def _written(page: Path, target: Path, option: str, *arguments: str) -> Path:
    """Chromium writes ``option=FILE`` into a temporary folder, and that file then replaces ``target`` atomically
    (claims/files.py): a Chromium that fails or is interrupted leaves the previous ``target`` as it was."""
    with tempfile.TemporaryDirectory(prefix="fim-audit-chromium-output-") as folder:
        written = Path(folder) / target.name
        _run(page, f"{option}={written}", *arguments)
        if not written.is_file():
            raise BrowserUnavailable(f"Chromium wrote no {target.suffix.lstrip('.').upper()} for {page}")
        write_bytes_atomic(target, written.read_bytes())
    return target


def pdf(page: Path, document: Path) -> Path:
    """The page printed to PDF by Chromium (its print stylesheet applies), without header and footer lines."""
    return _written(page, document, "--print-to-pdf", "--no-pdf-header-footer")


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-z])")


def pdf_pages(document: Path) -> int:
    """How many pages a PDF written by Chromium has (its page objects are uncompressed dictionaries)."""
    return len(_PAGE_OBJECT.findall(document.read_bytes()))


def screenshot(page: Path, image: Path, width: int = 1280, height: int = 2400) -> Path:
    """A PNG of the top of the page, ``width`` x ``height`` CSS pixels."""
    return _written(page, image, "--screenshot", f"--window-size={width},{height}")
