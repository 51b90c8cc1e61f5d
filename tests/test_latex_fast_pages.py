"""The pages of the fast-algorithm theorems (``derive winograd-equals-correlation``,
``fft-circular-convolution``): built with every step checked, tampering refused, compiled,
and the command line (exit 0 with LaTeX; a bad layer exits 2 with one line)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, derive
from symconv.errors import SpecError
from symconv.latex import DerivationError, fourier_circular, winograd_layer
from symconv.latex.fast_pages import FAST_PAGES, fast_page
from symconv.latex.recipes import derivations
from symconv.strategies import conv_specs
from symconv.winograd import winograd_transforms
from tests.cli_runner import run_cli

NEW = ("winograd-equals-correlation", "fft-circular-convolution")

#: small layers with every padding mode, channels and the largest page each builder accepts
WINOGRAD_LAYERS = [
    ConvSpec((6,), (3,)), ConvSpec((5,), (2,), in_channels=2, out_channels=2, padding=1),
    ConvSpec((7,), (4,), padding=(2, 1), padding_mode="reflect"),
    ConvSpec((5,), (3,), padding=2, padding_mode="replicate", out_channels=2),
    ConvSpec((6,), (3,), padding=1, padding_mode="circular", in_channels=2),
    ConvSpec((12,), (5,), in_channels=4), ConvSpec((8,), (1,)), ConvSpec((3,), (3,))]
CIRCULAR_LAYERS = [
    ConvSpec((4,), (3,), padding=1, padding_mode="circular"),
    ConvSpec((5,), (2,), padding=(0, 1), padding_mode="circular"),
    ConvSpec((3,), (2,), padding=(1, 0), padding_mode="circular"),
    ConvSpec((8,), (8,), padding=(3, 4), padding_mode="circular"),
    ConvSpec((1,), (1,), padding_mode="circular")]


# ---- every registered name has a page, and the pages carry their proofs ----

def test_every_registered_theorem_derives_and_the_cli_lists_the_fast_pages():
    from symconv.cli.derive import FAST_PAGES as CLI_FAST_PAGES

    assert set(CLI_FAST_PAGES) == set(FAST_PAGES) and set(FAST_PAGES) <= set(derivations())
    for name in FAST_PAGES:
        page = derive(name)
        assert page.name == name and page.proofs and all(page.proofs)
        assert page.checks[-1].startswith(f"{name}: proved on this layer")


@pytest.mark.parametrize("spec", WINOGRAD_LAYERS, ids=lambda s: s.describe())
def test_winograd_page_builds_on_small_layers(spec):
    page = fast_page("winograd-equals-correlation", spec)
    assert all(page.proofs) and page.proofs[-1].positions == spec.out_channels * \
        spec.output_size[0]


@pytest.mark.parametrize("spec", CIRCULAR_LAYERS, ids=lambda s: s.describe())
def test_circular_page_builds_on_small_layers(spec):
    page = fast_page("fft-circular-convolution", spec)
    assert all(page.proofs) and len(page.blocks) == 6


@settings(max_examples=30, deadline=None)
@given(conv_specs(ranks=(1,), max_size=8, max_kernel=5, max_channels=2, max_batch=1,
                  max_stride=1, max_dilation=1, max_groups=1))
def test_winograd_page_on_random_layers_builds_or_refuses_in_one_line(spec):
    """Any stride-1 1-D layer (every padding mode): a page whose every check held, or a
    SpecError naming a field (a layer too big for the page)."""
    try:
        page = fast_page("winograd-equals-correlation", spec)
    except SpecError as err:
        assert "\n" not in str(err) and str(err).split(":")[0] in (
            "input_size", "kernel_size", "in_channels"), err
        return
    assert all(page.proofs) and page.spec == spec


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n)))
       .flatmap(lambda nk: st.tuples(st.just(nk), st.integers(0, nk[1] - 1))))
def test_circular_page_on_random_layers(layer):
    (n, k), left = layer
    spec = ConvSpec((n,), (k,), padding=((left, k - 1 - left),), padding_mode="circular")
    page = fast_page("fft-circular-convolution", spec)
    assert all(page.proofs) and page.proofs[0].positions >= n


def test_winograd_page_hand_worked():
    """F(2, 3) on n = 6: tiles I_0..I_3 and I_2..I_5, 8 multiplications instead of 12."""
    tex_text = derive("winograd-equals-correlation").latex()
    assert r"d_{0} &= \tilde{I}_{0:4} = \left[\begin{matrix}I_{0} & I_{1} & I_{2} & I_{3}" \
        in tex_text
    assert r"d_{1} &= \tilde{I}_{2:6}" in tex_text
    assert r"S_{0} = (A^{\top} M_{0})_{0} &= I_{0} K_{0} + I_{1} K_{1} + I_{2} K_{2}" in tex_text
    assert r"S_{3} = (A^{\top} M_{1})_{1} &= I_{3} K_{0} + I_{4} K_{1} + I_{5} K_{2}" in tex_text
    doc = derive("winograd-equals-correlation").document()
    assert r"\emph{Multiplications:} 8" in doc and "instead of 12" in doc


def test_winograd_border_tile_is_zero_padded_and_cropped():
    """n = 5, k = 2 (o = 4... no: o = 4 outputs, 2 tiles) vs n = 4, k = 2: o = 3, the last
    tile reads one zero past the end and its second output is cropped."""
    page = fast_page("winograd-equals-correlation", ConvSpec((4,), (2,)))
    text = page.latex()
    assert r"d_{1} &= \tilde{I}_{2:5} = \left[\begin{matrix}I_{2} & I_{3} & 0\end{matrix}" in text
    assert r"\text{cropped: } (A^{\top} M_{1})_{1} &= I_{3} K_{0}" in text
    assert "the last 1 past the output cropped" in page.document()


def test_winograd_page_channel_sum_in_the_transformed_domain():
    page = fast_page("winograd-equals-correlation",
                     ConvSpec((4,), (2,), in_channels=2, out_channels=2))
    text = page.latex()
    assert r"M_{1,0} = \sum_{c} U_{1,c} \odot V_{c,0}" in text
    assert r"(U_{1,0})_{0} (V_{0,0})_{0} + (U_{1,1})_{0} (V_{1,0})_{0}" in text
    assert r"\emph{Multiplications:} 24" in page.document()  # 2·2·2 tiles·3 vs 2·2·3·2 = 24
    assert "instead of 24" in page.document()


WINOGRAD_2D_LAYERS = [
    ConvSpec((4, 4), (3, 3)), ConvSpec((6, 6), (3, 3)), ConvSpec((4, 4), (3, 3), padding=1),
    ConvSpec((3, 4), (2, 3), in_channels=2, padding=((1, 0), (0, 1))),
    ConvSpec((4, 4), (3, 3), out_channels=2, padding=1, padding_mode="reflect"),
    ConvSpec((2, 2), (1, 2), padding=1, padding_mode="circular")]


@pytest.mark.parametrize("spec", WINOGRAD_2D_LAYERS, ids=lambda s: s.describe())
def test_winograd_2d_page_builds(spec):
    page = fast_page("winograd-equals-correlation", spec)
    assert all(page.proofs) and page.proofs[-1].positions == spec.out_channels * \
        spec.output_size[0] * spec.output_size[1]


def test_winograd_2d_page_hand_worked():
    """F(2×2, 3×3) on 4×4: one 4×4 tile, 16 multiplications instead of 36."""
    page = fast_page("winograd-equals-correlation", ConvSpec((4, 4), (3, 3)))
    text = page.latex()
    assert r"(Y_{0,0})_{1,1} &= I_{1,1} K_{0,0} + I_{1,2} K_{0,1}" in text
    assert r"U_{1,1} &= K_{0,0} + K_{0,1} + K_{0,2}" in text
    assert r"\emph{Multiplications:} 16" in page.document() and "instead of 36" in \
        page.document()
    assert "- K_{0,1}" in text and r"&\quad + -" not in text


def test_winograd_2d_page_refuses_tampered_transforms(monkeypatch):
    def tampered(m, r):
        AT, G, BT = winograd_transforms(m, r)
        BT = BT.copy()
        BT[0, 0] = 2
        return AT, G, BT

    monkeypatch.setattr(winograd_layer, "winograd_transforms", tampered)
    with pytest.raises(DerivationError, match="does not hold"):
        fast_page("winograd-equals-correlation", ConvSpec((4, 4), (3, 3)))


def test_circular_page_hand_worked():
    """n = 4, k = 3, padding (1, 1): S_t = K_0 I_{t-1} + K_1 I_t + K_2 I_{t+1} (mod 4)."""
    text = derive("fft-circular-convolution").latex()
    assert r"h &= \left[\begin{matrix}K_{1} & K_{0} & 0 & K_{2}\end{matrix}\right]" in text
    assert r"\hat{h}_{1} &= K_{1} + \zeta_{4} K_{0} + \zeta_{4}^{3} K_{2}" in text
    assert "= I_{3} K_{0} + I_{0} K_{1} + I_{1} K_{2}" in text  # S_0 wraps around
    assert "= I_{2} K_{0} + I_{3} K_{1} + I_{0} K_{2}" in text  # S_3 wraps around


def test_kernel_layout_is_the_rolled_reversed_kernel():
    for n, k, right in ((4, 3, 1), (5, 2, 1), (8, 8, 4), (6, 3, 0)):
        w = np.arange(1, k + 1)
        rolled = np.roll(np.pad(w[::-1], (0, n - k)), -right)
        shown = [w[u] if u is not None else 0 for u in fourier_circular.kernel_layout(n, k,
                                                                                        right)]
        assert shown == rolled.tolist()


# ---- attacks: a tampered step is refused ----

def test_winograd_page_refuses_tampered_transforms(monkeypatch):
    def tampered(m, r):
        AT, G, BT = winograd_transforms(m, r)
        G = G.copy()
        G[1, 1] = 2  # G g no longer interpolates the filter
        return AT, G, BT

    monkeypatch.setattr(winograd_layer, "winograd_transforms", tampered)
    with pytest.raises(DerivationError, match="does not hold"):
        winograd_layer.winograd_layer_page()


def test_winograd_page_refuses_tiles_of_a_wrongly_padded_input(monkeypatch):
    """The tiles agree with each other, but not with the layer: a shifted input is caught."""
    real = winograd_layer.pad
    monkeypatch.setattr(winograd_layer, "pad", lambda x, spec: np.roll(real(x, spec), 1, -1))
    with pytest.raises(DerivationError, match="stitched tiles = correlation"):
        winograd_layer.winograd_layer_page(ConvSpec((5,), (2,), padding=1))


def test_circular_page_refuses_a_printed_kernel_that_is_not_rolled(monkeypatch):
    monkeypatch.setattr(fourier_circular, "kernel_layout",
                        lambda n, k, right: [k - 1 - j if j < k else None for j in range(n)])
    with pytest.raises(DerivationError, match="printed power of zeta"):
        fourier_circular.fft_circular_page()


def test_circular_page_refuses_a_wrong_inverse_transform(monkeypatch):
    """The forward DFT used as the inverse (no 1/n, ζ instead of ζ⁻¹): rational, but wrong."""
    monkeypatch.setattr(fourier_circular, "idft", fourier_circular.dft)
    with pytest.raises(DerivationError, match="not the circular correlation"):
        fourier_circular.fft_circular_page()


# ---- pdflatex ----

@pytest.mark.parametrize("name, spec", [
    *((name, None) for name in NEW),
    ("winograd-equals-correlation", ConvSpec((12,), (5,), in_channels=4)),
    ("winograd-equals-correlation", ConvSpec((8,), (5,), in_channels=2, out_channels=2,
                                             padding=2, padding_mode="circular")),
    ("fft-circular-convolution", ConvSpec((8,), (8,), padding=(3, 4), padding_mode="circular")),
    ("winograd-equals-correlation", ConvSpec((6, 6), (3, 3))),
    ("winograd-equals-correlation", ConvSpec((3, 4), (2, 3), in_channels=2, padding=1)),
], ids=lambda v: v if isinstance(v, str) else v.describe() if v else "default")
def test_pages_compile_cleanly(tex, name, spec):
    compiled = tex(fast_page(name, spec).document())
    assert compiled.pdf.startswith(b"%PDF") and compiled.problems == [], compiled.problems


def test_long_names_compile(tex):
    names = "inputsignalabcdefgh,kernelweightsabc,outputmapabcdefg"
    for name, spec in [*((name, None) for name in NEW),
                       ("winograd-equals-correlation", ConvSpec((4, 4), (3, 3), in_channels=2))]:
        compiled = tex(fast_page(name, spec, names=names).document())
        assert compiled.problems == [], (name, compiled.problems)


# ---- the command line ----

@pytest.mark.parametrize("argv, expect", [
    (["winograd-equals-correlation"], r"V_{1} = B^{\top} d_{1}"),
    (["winograd-equals-correlation", "--input", "5", "--kernel", "2", "--in-channels", "2",
      "--names", "X,W,Y"], r"\tilde{X}_{0,2:5}"),
    (["winograd-equals-correlation", "--input", "4,4", "--kernel", "3,3"],
     r"Y_{0,0} = A^{\top} M_{0,0}\, A"),
    (["fft-circular-convolution"], r"\hat{I}_{1}\hat{h}_{1}"),
    (["fft-circular-convolution", "--input", "5", "--kernel", "2", "--padding", "0,1",
      "--padding-mode", "circular", "--names", "X,W,Y"], r"\hat{X}_{4}"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_cli_writes_latex(capsys, argv, expect):
    code, out, err = run_cli(capsys, "derive", *argv)
    assert code == 0 and err == ""
    assert out.startswith(r"\begin{align*}") and expect in out


def test_cli_writes_a_document_file(capsys, tmp_path):
    for name in NEW:
        path = tmp_path / f"{name}.tex"
        code, _, err = run_cli(capsys, "derive", name, "--format", "document", "-o", str(path))
        assert code == 0 and err == f"wrote {path}\n"
        assert path.read_text().startswith(r"\documentclass") and "Checked." in path.read_text()
    code, out, _ = run_cli(capsys, "derive", "fft-circular-convolution", "--format", "markdown")
    assert code == 0 and "**Pointwise product.**" in out and "```math" in out


@pytest.mark.parametrize("argv, field", [
    (["fft-circular-convolution", "--input", "4", "--kernel", "3", "--padding", "1",
      "--padding-mode", "circular", "--stride", "2"], "stride:"),
    (["fft-circular-convolution", "--input", "4", "--kernel", "3"], "padding_mode:"),
    (["fft-circular-convolution", "--input", "12", "--kernel", "3", "--padding", "1",
      "--padding-mode", "circular"], "input_size:"),
    (["fft-circular-convolution", "--input", "4", "--kernel", "3", "--padding", "1",
      "--padding-mode", "circular", "--in-channels", "2"], "spec:"),
    (["winograd-equals-correlation", "--input", "20", "--kernel", "3"], "input_size:"),
    (["winograd-equals-correlation", "--input", "9", "--kernel", "6"], "kernel_size:"),
    (["winograd-equals-correlation", "--input", "6", "--kernel", "3", "--in-channels", "3",
      "--out-channels", "2"], "in_channels:"),
    (["winograd-equals-correlation", "--input", "8", "--kernel", "3", "--stride", "2"],
     "stride:"),
    (["winograd-equals-correlation", "--input", "4,4,4", "--kernel", "2,2,2"], "spec:"),
    (["winograd-equals-correlation", "--input", "8,8", "--kernel", "3,3"], "input_size:"),
    (["winograd-equals-correlation", "--input", "6,6", "--kernel", "4,4"], "kernel_size:"),
    (["winograd-equals-correlation", "--format", "figures-png", "-o", "/tmp/never.png"],
     "figures:"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_cli_bad_layers_exit_2_with_one_line(capsys, argv, field):
    code, out, err = run_cli(capsys, "derive", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"error: {field}" in err, err


@pytest.mark.parametrize("n, k, left", [(4, 3, 1), (5, 2, 0), (5, 2, 1), (8, 8, 3), (6, 5, 2)])
def test_the_printed_kernel_layout_against_numpy_fft(n, k, left):
    """An independent oracle for the page's claim: IDFT(DFT(x)·DFT(h)) with the printed h is
    the circular correlation S_t = Σ_u K_u x_{(t + u − left) mod n} (numpy.fft, integers)."""
    rng = np.random.default_rng(n * 10 + k)
    x, w = rng.integers(-9, 10, n), rng.integers(-9, 10, k)
    h = [w[u] if u is not None else 0 for u in fourier_circular.kernel_layout(n, k,
                                                                                k - 1 - left)]
    got = np.rint(np.fft.ifft(np.fft.fft(x) * np.fft.fft(h)).real).astype(int)
    expect = [sum(w[u] * x[(t + u - left) % n] for u in range(k)) for t in range(n)]
    assert got.tolist() == expect
