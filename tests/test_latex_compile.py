"""Every derivation document compiles with pdflatex, without errors or overfull boxes.

Skipped where pdflatex is absent, except in CI (``CI=true``), where a missing pdflatex fails.
"""

from __future__ import annotations

import os
import time

import pytest

from symconv import ConvSpec, derive
from symconv.cli import main
from symconv.latex.compile import (
    CompileError,
    have_pdftoppm,
    log_problems,
    pdf_to_png,
)
from symconv.latex.recipes import derivations
from tests.latex_names import layer_derivations

IN_CI = os.environ.get("CI", "").lower() == "true"



def _clean(compiled):
    assert compiled.pdf.startswith(b"%PDF")
    assert compiled.problems == [], compiled.problems


@pytest.mark.parametrize("name", derivations())
def test_every_document_compiles_cleanly(tex, name):
    _clean(tex(derive(name).document()))


@pytest.mark.parametrize("name, spec", [
    ("all-formulations-agree", ConvSpec((6, 6), (3, 3), in_channels=2, out_channels=2, batch=2)),
    ("dot-equals-im2col", ConvSpec((7, 7), (3, 3), stride=2, padding=1)),
    ("convolution-is-flipped-correlation", ConvSpec((6, 5), (4, 2), padding="same")),
    ("definition-equals-elementwise", ConvSpec((9,), (3,), stride=2, padding=1)),
    ("all-formulations-agree", ConvSpec((4, 4, 4), (2, 2, 2))),
    ("output-size", ConvSpec((7, 7), (3, 3), dilation=2)),
])
def test_other_layers_compile_cleanly(tex, name, spec):
    _clean(tex(derive(name, spec).document()))


LONG_NAMES = "abcdefghijklmnopqrstuvwx,Kernelweightsabcdefghij,outputfeaturemapabcdefgh"


@pytest.mark.parametrize("name", layer_derivations()[:-1])
@pytest.mark.parametrize("spec, names", [
    (ConvSpec((5, 5), (3, 3), padding=1), LONG_NAMES),  # 24-letter names
    (ConvSpec((12, 12), (9, 9)), None),  # a big kernel
    (ConvSpec((8, 8), (7, 7), in_channels=2), LONG_NAMES),  # both, and two channels
], ids=["long-names", "9x9-kernel", "7x7-kernel-long-names"])
def test_wide_pages_fit_the_text_block(tex, name, spec, names):
    """Nothing wider than the text block, no undefined control sequence: the log is clean."""
    compiled = tex(derive(name, spec, names=names).document())
    assert "Undefined control sequence" not in compiled.log
    assert not [line for line in compiled.log.splitlines() if line.startswith("Overfull")]
    _clean(compiled)


def test_user_names_compile(tex):
    _clean(tex(derive("example", names="image,alpha,Sigma2").document()))


def test_compile_errors_are_reported_not_hidden(tex):
    with pytest.raises(CompileError, match="Undefined control sequence"):
        tex("\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}")


def test_no_file_reads_outside_the_work_directory(tex):
    # openin_any=p: \input of an absolute path outside the directory is refused
    doc = "\\documentclass{article}\\begin{document}\\input{/etc/hostname}\\end{document}"
    with pytest.raises(CompileError):
        tex(doc)


def test_no_shell_escape(tex, tmp_path):
    marker = tmp_path / "pwned"
    doc = ("\\documentclass{article}\\begin{document}\\immediate\\write18{touch "
           f"{marker}}}x\\end{{document}}")
    tex(doc)
    assert not marker.exists()


def test_png_page(tex, tmp_path):
    if not have_pdftoppm():
        if IN_CI:
            pytest.fail("CI=true but pdftoppm is missing: install poppler-utils")
        pytest.skip("pdftoppm not installed (Debian: poppler-utils)")
    pages = pdf_to_png(tex(derive("example").document()).pdf, dpi=60)
    assert len(pages) == 1 and pages[0][:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "ex.png"
    assert main(["derive", "example", "--format", "png", "--dpi", "50", "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compile_time_is_modest(tex):
    start = time.perf_counter()
    tex(derive("example").document())
    assert time.perf_counter() - start < 20


def test_log_problems():
    assert log_problems("Overfull \\hbox (1pt too wide)\nUnderfull \\hbox\n! Bad") == [
        "Overfull \\hbox (1pt too wide)", "! Bad"]
