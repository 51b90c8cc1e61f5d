"""Pages a lecturer can paste: golden pages per theorem, every tensor defined and used, math
justifications, no page break inside a sum, figures of one channel or a clear refusal.

Golden files live in ``tests/golden/``; after an intended change of the pages, regenerate them
with ``SYMCONV_UPDATE_GOLDEN=1 python -m pytest tests/test_latex_pages.py`` and read the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from symconv import ConvSpec, GeneralProof, derive
from symconv.cli import main
from tests.latex_names import layer_derivations

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMCONV_UPDATE_GOLDEN") == "1"

#: (golden file stem, derivation, spec): every theorem on the seed layer, plus the pages that
#: used to carry wrong text (padding 'same', 1-D, several channels).
PAGES = [(name, name, None) for name in layer_derivations()] + [
    ("flip-same-even-kernel", "convolution-is-flipped-correlation",
     ConvSpec((6, 5), (4, 2), padding="same")),
    ("definition-1d-strided-padded", "definition-equals-elementwise",
     ConvSpec((9,), (3,), stride=2, padding=1, out_channels=2)),
    ("all-formulations-multichannel", "all-formulations-agree",
     ConvSpec((6, 6), (3, 3), in_channels=3, out_channels=2, batch=2)),
]


@pytest.mark.parametrize("stem, name, spec", PAGES, ids=[p[0] for p in PAGES])
def test_golden_page(stem, name, spec):
    got = derive(name, spec).document()
    path = GOLDEN / f"{stem}.tex"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SYMCONV_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


def test_golden_mathjax_flip_same_defines_hat():
    got = derive("convolution-is-flipped-correlation",
                 ConvSpec((6, 5), (4, 2), padding="same")).mathjax().splitlines()
    assert got[-2] == (r"  &\text{where } \hat{I} = I \text{ padded by } (2, 1), (1, 0) "
                       r"\text{ (the mirrored split)}")
    assert not any(r"\tilde" in line for line in got)


# ---- every tensor named on a page is defined there, and nothing else is ----

LAYERS = [ConvSpec((5, 5), (3, 3)), ConvSpec((5, 5), (3, 3), padding=1),
          ConvSpec((6, 5), (4, 2), padding="same"), ConvSpec((9,), (3,), stride=2, padding=1),
          ConvSpec((4, 5), (2, 3), in_channels=2, out_channels=2),
          ConvSpec((5, 5), (2, 2), batch=2, padding=(1, 0)),
          ConvSpec((4, 4, 4), (2, 2, 2), in_channels=2, padding=1)]


def _setup_and_math(page: str) -> tuple[str, str]:
    start = page.index(r"\begin{align*}")
    return page[:start], page[start:]


@pytest.mark.parametrize("name", layer_derivations()[:-1])
@pytest.mark.parametrize("spec", LAYERS, ids=lambda s: s.describe())
def test_padded_tensors_are_defined_exactly_when_written(name, spec):
    page = derive(name, spec).document()
    setup, rest = _setup_and_math(page)
    body = rest + "".join(re.findall(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", setup,
                                     re.S))
    for accent in (r"\tilde{I}", r"\hat{I}"):
        defined = f"${accent}$ is $I$ padded by" in setup
        assert defined == (accent in body), (name, spec.describe(), accent)


@pytest.mark.parametrize("name", layer_derivations()[:-1])
@pytest.mark.parametrize("spec", LAYERS, ids=lambda s: s.describe())
def test_index_letters_are_introduced_only_when_written(name, spec):
    page = derive(name, spec).document()
    setup, rest = _setup_and_math(page)
    sentence = re.search(r"\. ((?:\$[ncf]\$(?:, | and )?)+) runs? over", setup)
    introduced = set(re.findall(r"\$([ncf])\$", sentence.group(1))) if sentence else set()
    written = {letter for letter in "ncf" if re.search(rf"[{{,]{letter}[,}}]", rest)}
    assert introduced == written, (name, spec.describe())


def test_mathjax_and_markdown_define_the_padded_input():
    d = derive("definition-equals-elementwise", ConvSpec((4, 4), (3, 3), padding=1))
    where = r"&\text{where } \tilde{I} = I \text{ padded by } (1, 1), (1, 1) \text{ (zeros)}"
    assert where in d.mathjax() and where in d.markdown() and where in d.latex()
    assert r"\text{where}" not in d.document()  # the page defines it in its text instead
    assert r"\text{where" not in derive("definition-equals-elementwise").mathjax()


def test_one_dimensional_pages_read_as_one_dimensional():
    page = derive("all-formulations-agree", ConvSpec((9,), (3,), stride=2, padding=1)).document()
    assert "input of size $9$" in page and "the $9$ input" not in page
    assert "kernel row" not in page and "top-left" not in page
    assert "PyTorch conv1d" in page and "the first window, product by product" in page


def test_no_index_sentence_for_a_single_channel_layer():
    assert "run over" not in derive("all-formulations-agree").document()
    page = derive("definition-equals-elementwise", ConvSpec((4, 4), (2, 2), in_channels=2))
    assert "$c$ runs over the input channels." in page.document()


@pytest.mark.parametrize("name", layer_derivations())
def test_justifications_are_math_not_ascii(name):
    for step in derive(name, ConvSpec((5, 5), (3, 3), padding=1)
                       if name != "example" else None).steps:
        prose = re.sub(r"\$[^$]*\$", "", step.justification)
        assert not re.search(r"\d+x\d+|\bk-1|floor\(|\*|\.\.", prose), step.justification
    page = derive("output-size").document()
    assert r"$\lfloor (i + p_l + p_r - d(k - 1) - 1)/s \rfloor + 1$" in page
    assert "5x5" not in page and " * " not in page


def test_no_page_break_inside_a_multi_line_sum():
    lines = derive("definition-equals-elementwise", ConvSpec((4, 4), (3, 3))).latex().splitlines()
    sum_start = next(k for k, line in enumerate(lines) if "S_{0,0}" in line)
    assert lines[sum_start].endswith(r"\\*") and lines[sum_start + 1].endswith(r"\\*")
    assert lines[sum_start + 2].endswith(r" \\")  # the last row of the sum: breaks allowed
    assert r"\\*" not in derive("definition-equals-elementwise").mathjax()


def test_long_names_put_left_sides_on_their_own_lines():
    names = "abcdefghijklmnopqrstuvwx,Kernelweightsabcdefghij,outputfeaturemapabcdefgh"
    lines = derive("elementwise-equals-dot", names=names).latex().splitlines()
    assert lines[1] == r"  &\mathrm{outputfeaturemapabcdefgh}_{i,j} \\*"
    assert lines[2].startswith(r"  &\qquad = \sum_{u=0}^{2}")


# ---- derive builds what it prints ----

def test_first_entry_steps_run_on_the_first_window_only():
    from symconv.latex.layer import Layer
    from symconv.latex.names import Names
    layer = Layer(ConvSpec((32, 32), (5, 5), in_channels=3, padding=1), Names())
    x, _, spec = layer.first_window()
    assert spec.input_size == (4, 4) and spec.pads == ((1, 0), (1, 0))
    assert x.shape == (1, 3, 4, 4)


def test_large_layers_prove_the_theorem_for_every_size():
    d = derive("definition-equals-elementwise", ConvSpec((24, 24), (5, 5), in_channels=3))
    assert isinstance(d.proofs[0], GeneralProof) and d.proofs[0]
    assert "proved for every size at rank 2" in d.document()
    small = derive("definition-equals-elementwise").proofs[0]
    assert small.positions == 9 and small.products == 81


# ---- figures ----

def test_multichannel_figure_shows_the_first_channel_and_says_so():
    d = derive("all-formulations-agree",
               ConvSpec((6, 6), (3, 3), in_channels=3, out_channels=2, batch=2))
    (window,) = d.figures
    assert window.panels[0].cells[0][0] == "I_{0,0,0,0}"
    assert "Shown: batch entry 0 of 2, input channel 0 of 3, filter 0 of 2" in window.caption


def test_a_3d_figure_shows_one_depth_slice_and_says_so():
    d = derive("all-formulations-agree", ConvSpec((4, 4, 4), (2, 2, 2), in_channels=2))
    (window,) = d.figures
    assert window.panels[0].shape == (4, 4) and window.panels[0].cells[0][0] == "I_{0,0,0,0}"
    assert window.panels[0].weights[(1, 1)] == "K_{0,0,1,1}"
    assert ("Shown: input channel 0 of 2, depth slice 0 of input, kernel and output (the "
            "output also sums over the other input channels and kernel slices).") in \
        window.caption
    (flipped,) = derive("flip-is-involution", ConvSpec((4, 4, 4), (2, 3, 2))).figures
    assert flipped.panels[0].shape == (3, 2) and "depth slice 0." in flipped.caption


def test_figures_too_large_to_draw_are_refused_without_a_file(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.png"
    assert main(["derive", "definition-equals-elementwise", "--input", "20x20",
                 "--format", "figures-png", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no figure" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_multichannel_figures_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    assert main(["derive", "all-formulations-agree", "--input", "6x6", "--in-channels", "2",
                 "--batch", "2", "--format", "figures-png", "-o", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("dpi", ["0", "-5", "abc", "100000"])
def test_dpi_is_validated(dpi, tmp_path, capsys):
    out = tmp_path / "p.png"
    assert main(["derive", "example", "--format", "png", "--dpi", dpi, "-o", str(out)]) == 2
    assert "--dpi" in capsys.readouterr().err and not out.exists()


def test_an_unwritable_output_leaves_no_file(tmp_path, capsys):
    target = tmp_path / "missing-dir" / "d.tex"
    assert main(["derive", "example", "--format", "document", "-o", str(target)]) == 2
    assert "-o: cannot write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from symconv.cli import derive as cli_derive
    target = tmp_path / "d.tex"

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_derive.os, "replace", broken_replace)
    assert main(["derive", "example", "--format", "document", "-o", str(target)]) == 2
    assert list(tmp_path.iterdir()) == []
