"""Backward pages (issue #10, item 4): backprop through a layer, the transposed layer as C^T,
col2im as the adjoint of im2col.  Every step proved as built, a tampered step refused, every
tensor and index letter defined, figures with the right nonzero entries, pages that compile."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SymconvError, derive
from symconv.latex import DerivationError, Names, Step
from symconv.latex.backward import BACKWARD
from symconv.latex.backward_layer import backward_tensors
from symconv.latex.derivation import names_used
from symconv.latex.display import Iverson, Times, tensor
from symconv.latex.layer import Layer, view
from symconv.latex.matrix_figures import nonzero
from symconv.strategies import conv_specs

NAMES = sorted(BACKWARD)
SPECS = [None, ConvSpec((5,), (3,), stride=2), ConvSpec((9,), (3,), stride=2, padding=1),
         ConvSpec((6, 5), (3, 2), stride=(2, 1), dilation=(1, 2), padding=(1, 0)),
         ConvSpec((6, 5), (4, 2), padding="same"),
         ConvSpec((4, 4), (2, 2), in_channels=2, out_channels=2, batch=2, stride=2),
         ConvSpec((4, 4, 3), (2, 2, 2), in_channels=2, padding=1),
         ConvSpec((7,), (3,), stride=3, padding=4)]  # d(k-1) - p < 0: the zeros are cropped


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe() if s else "default")
@pytest.mark.parametrize("name", NAMES)
def test_every_backward_page_builds_with_proved_steps(name, spec):
    d = derive(name, spec)
    assert d.steps and all(step.proof for step in d.steps)
    assert d.proofs and all(d.proofs)


@settings(max_examples=15, deadline=None)
@given(conv_specs(ranks=(1, 2), max_size=6, max_kernel=3, max_channels=2, max_batch=2,
                  max_groups=1, padding_modes=("zeros",)), st.sampled_from(NAMES))
def test_backward_pages_build_on_random_layers(spec, name):
    d = derive(name, spec)
    assert all(step.proof for step in d.steps) and all(d.proofs)


def test_a_false_bracket_is_a_strong_zero_and_a_true_one_reads_its_factors():
    from symconv.latex.display import DisplayError, evaluate
    w = tensor("#w")
    assert evaluate(Times(Iverson(1, 2), w[7]), {"#w": np.array([3])}) == 0
    with pytest.raises(DisplayError, match="outside"):
        evaluate(Times(Iverson(2, 2), w[7]), {"#w": np.array([3])})
    with pytest.raises(DisplayError, match="outside"):
        evaluate(Times(w[7], Iverson(1, 2)), {"#w": np.array([3])})  # only a leading bracket


def test_the_five_backward_theorems_have_recipes():
    from symconv.latex.recipes import derivations
    assert set(BACKWARD) == {"transposed-is-adjoint", "transposed-is-zero-insertion",
                             "col2im-is-adjoint-of-im2col",
                             "input-gradient-is-transposed-convolution",
                             "weight-gradient-is-correlation"}
    assert set(BACKWARD) <= set(derivations())


# ---- hand-worked small cases ----

def test_zero_insertion_page_of_a_stride_2_layer():
    d = derive("transposed-is-zero-insertion", ConvSpec((5,), (3,), stride=2))
    tex = d.latex()
    assert r"\left[2 p + u = i\right] \cdot \overline{S}_{p} \cdot K_{u}" in tex
    assert r"\mathcal{Z}_{i + u} \cdot K_{2 - u}" in tex
    # S̄ = (S0, S1) spread with one zero between, padded by d(k-1) - p = 2 on each side
    assert (r"0 & 0 & \overline{S}_{0} & 0 & \overline{S}_{1} & 0 & 0") in tex
    assert (r"\overline{I}_{0} &= \left(0 \cdot K_{2}\right) + \left(0 \cdot K_{1}\right) + "
            r"\left(\overline{S}_{0} \cdot K_{0}\right)") in tex


def test_stride_1_input_gradient_is_a_full_convolution():
    d = derive("input-gradient-is-transposed-convolution", ConvSpec((4,), (3,)))
    assert any("full convolution" in s.justification for s in d.steps)
    assert r"\mathcal{L} &= \operatorname{sum}\left(S \odot \overline{S}\right)" in d.latex()
    # padded by k - 1 = 2: the first entry of dL/dI meets only S̄_0, with the last tap
    first = d.steps[-1].right.value
    b = backward_tensors(Layer(ConvSpec((4,), (3,)), Names(), vector=False))
    assert first == b.g[0, 0, 0] * Layer(ConvSpec((4,), (3,)), Names()).w[0, 0, 0]


def test_weight_gradient_first_tap_pairs_the_input_with_every_stride_th_entry():
    d = derive("weight-gradient-is-correlation", ConvSpec((5,), (2,), stride=2))
    assert (r"\overline{K}_{0} &= \left(I_{0} \cdot \overline{S}_{0}\right) + "
            r"\left(I_{2} \cdot \overline{S}_{1}\right)") in d.latex()


def test_col2im_counts_of_a_1d_layer():
    d = derive("col2im-is-adjoint-of-im2col", ConvSpec((5,), (3,)))
    counts = next(s for s in d.steps if s.justification == "overlapping windows accumulate")
    assert counts.right.value.tolist() == [[1, 2, 3, 2, 1]]
    (figure,) = d.figures
    assert figure.panels[0].cells == (("1", "2", "3", "2", "1"),)
    assert figure.panels[0].highlight == frozenset({(0, 1), (0, 2), (0, 3)})


# ---- figures ----

def test_matrix_of_a_1d_stride_2_layer():
    (figure,) = derive("transposed-is-adjoint", ConvSpec((5,), (3,), stride=2)).figures
    c, _, ct = figure.panels
    assert c.shape == (2, 5) and ct.shape == (5, 2)
    assert nonzero(c) == nonzero(ct) == 6
    assert c.cells == (("K_{0}", "K_{1}", "K_{2}", "0", "0"), ("0", "0", "K_{0}", "K_{1}", "K_{2}"))
    assert ct.cells == tuple(zip(*c.cells))
    assert len(c.grey) == 4


def test_the_transpose_is_drawn_only_when_it_fits():
    (figure,) = derive("transposed-is-adjoint").figures  # 5x5 * 3x3: C is 9 x 25
    assert len(figure.panels) == 1 and figure.panels[0].shape == (9, 25)
    assert nonzero(figure.panels[0]) == 81
    assert derive("transposed-is-adjoint", ConvSpec((6, 6), (2, 2))).figures == ()


def test_matrix_of_a_small_2d_layer():
    (figure,) = derive("transposed-is-adjoint", ConvSpec((3, 3), (2, 2))).figures
    c = figure.panels[0]
    assert c.shape == (4, 9) and nonzero(c) == 16
    assert c.cells[3] == ("0", "0", "0", "0", "K_{0,0}", "K_{0,1}", "0", "K_{1,0}", "K_{1,1}")


def test_zero_insertion_figure_spreads_and_pads():
    (figure,) = derive("input-gradient-is-transposed-convolution",
                       ConvSpec((5, 5), (3, 3), stride=2)).figures
    z = figure.panels[0]
    assert z.shape == (7, 7)  # (2 - 1)*2 + 1 = 3 entries spread, padded by 2 on each side
    entries = {(r, c) for r in range(7) for c in range(7) if z.cells[r][c] != "0"}
    assert entries == {(2, 2), (2, 4), (4, 2), (4, 4)}
    assert z.cells[2][2] == r"\overline{S}_{0,0}" and z.cells[4][4] == r"\overline{S}_{1,1}"
    assert len(z.grey) == 7 * 7 - 3 * 3  # the padding
    assert z.weights[(0, 0)] == "K_{2,2}" and z.weights[(2, 2)] == "K_{0,0}"  # flipped


def test_weight_gradient_figure_lays_dout_at_the_stride():
    (figure,) = derive("weight-gradient-is-correlation",
                       ConvSpec((5, 5), (3, 3), stride=2)).figures
    x = figure.panels[0]
    assert sorted(x.weights) == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert x.weights[(2, 2)] == r"\overline{S}_{1,1}"


def test_figures_render_as_png():
    pytest.importorskip("matplotlib")
    from symconv.latex.plots import render_figures
    for name in NAMES:
        d = derive(name, ConvSpec((5,), (3,), stride=2))
        images = render_figures(d, "png", 60)
        assert images and all(i[:8] == b"\x89PNG\r\n\x1a\n" for i in images), name


# ---- a tampered step is refused ----

def _layer(spec):
    layer = Layer(spec, Names(), vector=False)
    return layer, backward_tensors(layer)


def test_an_unflipped_kernel_is_refused():
    spec = ConvSpec((5,), (3,), stride=2)
    layer, b = _layer(spec)
    tr = view(b.tr)
    left = layer.term(tensor("#dx")[b.in_free], tr, b.in_free, **b.binding(dx=tr))
    u, (i,) = layer.taps[0], layer.spatial
    wrong = sympy.Sum(Times(tensor("#zpad")[i + u], tensor("#w")[u]), (u, 0, 2))  # no flip
    with pytest.raises(DerivationError, match="does not denote|differ"):
        Step(left, layer.term(wrong, tr, b.in_free, **b.binding()), "forgot the flip")


def test_a_bracket_that_ignores_the_stride_is_refused():
    spec = ConvSpec((5,), (3,), stride=2)
    layer, b = _layer(spec)
    (p,), (u,), (i,) = b.positions, layer.taps, layer.spatial
    wrong = sympy.Sum(Times(Iverson(p + u, i), tensor("#dout")[p], tensor("#w")[u]),
                      (p, 0, 1), (u, 0, 2))
    with pytest.raises(DerivationError, match="does not denote"):
        layer.term(wrong, view(b.tr), b.in_free, **b.binding())


def test_a_transposed_convolution_with_the_wrong_value_is_refused():
    """A wrong implementation's output (two entries swapped) is not what the printed PyTorch
    definition denotes, and a step to it from the true value is refused."""
    spec = ConvSpec((5,), (3,), stride=2)
    layer, b = _layer(spec)
    good = view(b.tr)
    bad = good.copy()
    bad[0], bad[1] = good[1], good[0]
    left = layer.term(tensor("#dx")[b.in_free], good, b.in_free, **b.binding(dx=good))
    assert Step(left, layer.term(b.scatter(), good, b.in_free, **b.binding()), "true").proof
    with pytest.raises(DerivationError, match="does not denote"):
        layer.term(b.scatter(), bad, b.in_free, **b.binding())
    with pytest.raises(DerivationError, match="differ"):
        Step(left, layer.term(tensor("#dx")[b.in_free], bad, b.in_free, **b.binding(dx=bad)),
             "a swapped implementation")


def test_a_matrix_with_two_entries_swapped_is_refused():
    layer, b = _layer(ConvSpec((5,), (3,), stride=2))
    c = b.matrix()
    c[0, 0], c[0, 1] = c[0, 1], c[0, 0]
    from symconv.latex.display import MatProd, Transposed, Vec
    out = view(b.out).reshape(-1, 1)
    with pytest.raises(DerivationError):
        layer.term(MatProd(sympy.ImmutableMatrix(c.tolist()),
                           Transposed(Vec(sympy.Symbol("#in")))), out, **b.binding())


def test_reflect_padding_is_refused_where_the_theorem_needs_zeros():
    spec = ConvSpec((5,), (3,), padding=1, padding_mode="reflect")
    with pytest.raises(SymconvError, match="padding_mode"):
        derive("transposed-is-adjoint", spec)
    assert all(s.proof for s in derive("weight-gradient-is-correlation", spec).steps)


# ---- every tensor and index letter on a page is defined ----

_KEYS = ("#dout", "#dx", "#dw", "#zpad", "#zmat", "#cols", "#count", "#Xcol", "#L")


@pytest.mark.parametrize("spec", SPECS[:6], ids=lambda s: s.describe() if s else "default")
@pytest.mark.parametrize("name", NAMES)
def test_every_backward_tensor_and_letter_is_defined(name, spec):
    d = derive(name, spec)
    page = d.document()
    setup = page[:page.index(r"\begin{align*}")]
    used, letters = names_used(d.steps)
    for key in set(_KEYS) & used:
        assert f"${d.labels[key]}" in setup, (name, key)
    for letter in set("pqr") & letters:
        assert re.search(rf"\${letter}\$(, \$[pqr]\$)* runs? over the output positions|"
                         rf"\$[pqr]\$, \${letter}\$", setup), (name, letter)
    for key in set(_KEYS) - used - {"#zmat", "#zpad"}:  # nothing defined that is not written
        if key != "#Xcol":
            assert f"${d.labels.get(key, '@')}$," not in setup, (name, key)


# ---- compile ----


@pytest.mark.parametrize("spec", [ConvSpec((5,), (3,), stride=2), SPECS[3], SPECS[5], SPECS[7]],
                         ids=lambda s: s.describe())
@pytest.mark.parametrize("name", NAMES)
def test_backward_pages_compile_cleanly(tex, name, spec):
    compiled = tex(derive(name, spec).document())
    assert compiled.pdf.startswith(b"%PDF") and compiled.problems == [], compiled.problems


def test_large_layers_print_first_entries_and_cite_the_every_size_proof():
    from symconv import GeneralProof
    spec = ConvSpec((24, 24), (3, 3), in_channels=3, out_channels=8)
    adjoint = derive("transposed-is-adjoint", spec)
    assert isinstance(adjoint.proofs[0], GeneralProof) and adjoint.proofs[0]
    assert [s.justification.split(":")[0] for s in adjoint.steps] == [
        "the transposed convolution"]  # no degree-3 pairing, no bracket sum of 34848 terms
    col = derive("col2im-is-adjoint-of-im2col", spec)
    assert any(s.justification.endswith("(first entry)") for s in col.steps)


@pytest.mark.parametrize("spec", [ConvSpec((5,), (3,), stride=2),
                                  ConvSpec((7,), (2,), dilation=3, padding=2),
                                  ConvSpec((4, 4), (3, 2), stride=(1, 2), padding=1)],
                         ids=lambda s: s.describe())
def test_the_drawn_matrix_is_torch_s_jacobian(spec):
    """Independent oracle: with numbers for the taps, C (as drawn) is the Jacobian
    torch.autograd computes for conv{1,2}d."""
    torch = pytest.importorskip("torch")
    (figure,) = derive("transposed-is-adjoint", spec).figures
    taps = np.arange(2, 2 + int(np.prod(spec.kernel_size))).reshape(spec.kernel_size)
    names = {("K_{" + ",".join(map(str, t)) + "}"): int(taps[t]) for t in np.ndindex(*taps.shape)}
    c = np.array([[0 if text == "0" else names[text] for text in row]
                  for row in figure.panels[0].cells])
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d}[spec.rank]
    w = torch.tensor(taps, dtype=torch.float64)[None, None]
    pads = spec.pads
    assert all(a == b for a, b in pads)  # torch takes symmetric padding

    def layer(x):
        return conv(x.reshape(1, 1, *spec.input_size), w, stride=spec.stride,
                    padding=tuple(a for a, _ in pads), dilation=spec.dilation).reshape(-1)
    x = torch.zeros(int(np.prod(spec.input_size)), dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(layer, x)
    assert np.array_equal(jacobian.numpy().astype(np.int64), c)
