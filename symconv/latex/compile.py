"""Run pdflatex safely and turn its PDF into PNG pages.

pdflatex runs in a fresh temporary directory with ``-no-shell-escape``, ``-halt-on-error``,
``-interaction=nonstopmode``, ``openin_any=p`` and ``openout_any=p`` (paranoid: no reading or
writing outside the working directory), stdin closed and a timeout.  PNG pages come from
``pdftoppm`` (Debian package poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import SymconvError

__all__ = ["CompileError", "Compiled", "pdflatex", "pdf_to_png", "log_problems", "have_pdflatex",
           "have_pdftoppm"]

#: Seconds before a pdflatex run is stopped.
TIMEOUT = 60


class CompileError(SymconvError):
    """pdflatex (or pdftoppm) is missing, failed or took too long."""


@dataclass(frozen=True)
class Compiled:
    """The PDF, the log and how long pdflatex took."""

    pdf: bytes
    log: str
    seconds: float

    @property
    def problems(self) -> list[str]:
        """Errors and overfull boxes reported in the log."""
        return log_problems(self.log)


def have_pdflatex() -> bool:
    """Whether ``pdflatex`` is on PATH."""
    return shutil.which("pdflatex") is not None


def have_pdftoppm() -> bool:
    """Whether ``pdftoppm`` (poppler-utils) is on PATH."""
    return shutil.which("pdftoppm") is not None


def log_problems(log: str) -> list[str]:
    """Lines of a TeX log that report an error (``!``) or an overfull box.

    >>> log_problems("ok\\nOverfull \\\\hbox (3.2pt too wide) in paragraph\\n! Undefined control")
    ['Overfull \\\\hbox (3.2pt too wide) in paragraph', '! Undefined control']
    """
    return [line for line in log.splitlines()
            if line.startswith("!") or re.match(r"^Overfull \\[hv]box", line)]


def _safe_env(tmp: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SOURCE_DATE_EPOCH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(HOME=tmp, TMPDIR=tmp, TEXMFOUTPUT=tmp, openin_any="p", openout_any="p",
               shell_escape="f")
    return env


def pdflatex(tex: str, timeout: float = TIMEOUT) -> Compiled:
    """Compile a complete LaTeX document; raises :class:`CompileError` with the first error."""
    if not have_pdflatex():
        raise CompileError("pdflatex: not found on PATH; install TeX Live (Debian: "
                           "texlive-latex-base texlive-latex-recommended texlive-pictures)")
    with tempfile.TemporaryDirectory(prefix="symconv-tex-") as tmp:
        with open(os.path.join(tmp, "derivation.tex"), "w", encoding="utf-8") as fh:
            fh.write(tex)
        cmd = ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode",
               "derivation.tex"]
        start = time.perf_counter()
        try:
            subprocess.run(cmd, cwd=tmp, env=_safe_env(tmp), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           check=False)
        except subprocess.TimeoutExpired:
            raise CompileError(f"pdflatex: no result after {timeout:g} s; the document may "
                               "be too large") from None
        seconds = time.perf_counter() - start
        log_path, pdf_path = (os.path.join(tmp, "derivation." + e) for e in ("log", "pdf"))
        log = Path(log_path).read_text("latin-1") if os.path.exists(log_path) else ""
        if not os.path.exists(pdf_path):
            first = next((line for line in log.splitlines() if line.startswith("!")),
                         "no PDF written")
            raise CompileError(f"pdflatex: {first}")
        with open(pdf_path, "rb") as fh:
            return Compiled(fh.read(), log, seconds)


def pdf_to_png(pdf: bytes, dpi: int = 150, timeout: float = TIMEOUT) -> list[bytes]:
    """Every page of a PDF as PNG bytes (needs ``pdftoppm``, Debian package poppler-utils)."""
    if not have_pdftoppm():
        raise CompileError("pdftoppm: not found on PATH; install poppler-utils (Debian: "
                           "apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="symconv-png-") as tmp:
        src = os.path.join(tmp, "page.pdf")
        with open(src, "wb") as fh:
            fh.write(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(int(dpi)), src,
                            os.path.join(tmp, "page")], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as err:
            raise CompileError(f"pdftoppm: failed ({err})") from None
        pages = sorted((f for f in os.listdir(tmp) if f.endswith(".png")),
                       key=lambda f: int(re.findall(r"\d+", f)[-1]))
        return [Path(tmp, f).read_bytes() for f in pages]
