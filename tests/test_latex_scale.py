"""Derivations of large layers on the vector carrier: still proved as built, fast, same pages.

A layer with at least ``VECTOR_PRODUCTS`` products builds its engine tensors as FormArrays; every
Term's printed formula is evaluated on them with vectorised indexing and every check is an exact
comparison of canonical term arrays.  The pages do not depend on the carrier (golden pages are
derived on both), and a wrong printed formula or a step whose sides differ is refused there too.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy

from symconv import ConvSpec, derive
from symconv.forms import convolve, correlate, flip
from symconv.latex import DerivationError, Names, Step
from symconv.latex import layer as layer_module
from symconv.latex.backward import BACKWARD
from symconv.latex.derivation import prove_same
from symconv.latex.display import tensor
from symconv.latex.layer import Layer, layer_products
from symconv.ring import Polynomial
from symconv.vector import FormArray, Space, space_tensor
from symconv.vector.compare import METHOD as VECTOR

from .cli_runner import run_cli
from .test_latex_pages import GOLDEN, PAGES

RING = "canonical polynomial forms (exact)"
#: The layer of issue 12 item 5: 940,800 products, 15.8 s and 617 MB before the vector carrier.
LARGE = ConvSpec((32, 32), (5, 5), in_channels=3, out_channels=16)
#: Over the threshold (42,336 products), small enough for a quick test.
MID = ConvSpec((16, 16), (3, 3), in_channels=3, out_channels=8)


@pytest.fixture
def vector_everywhere(monkeypatch):
    monkeypatch.setattr(layer_module, "VECTOR_PRODUCTS", 0)


def test_threshold_picks_the_carrier():
    assert layer_products(MID) == 8 * 14 * 14 * 27 == 42336
    assert Layer(MID, Names()).vector
    assert isinstance(Layer(MID, Names()).x, FormArray)
    assert not Layer(ConvSpec((5, 5), (3, 3)), Names()).vector
    assert not Layer(MID, Names(), vector=False).vector
    numbers = Layer(ConvSpec((2, 2), (1, 1)), Names(), np.ones((1, 1, 2, 2), dtype=int),
                    np.ones((1, 1, 1, 1), dtype=int), vector=True)
    assert not numbers.vector  # the worked example's numbers stay numbers


def test_mid_layer_steps_are_proved_on_the_vector_carrier():
    d = derive("all-formulations-agree", MID)
    methods = [step.proof.method for step in d.steps]
    assert methods == [VECTOR] * len(d.steps)
    whole = [step.proof for step in d.steps if step.proof.positions == 8 * 14 * 14]
    assert [p.products for p in whole] == [42336, 42336]  # definition, entry of the product
    assert [step.proof.products for step in d.steps[-2:]] == [8 * 27, 27 * 196]  # W_row, X_col


@pytest.mark.parametrize("name", ["definition-equals-elementwise",
                                  "dot-equals-im2col-batch-fastest",
                                  "convolution-is-flipped-correlation", "flip-is-involution"])
def test_mid_layer_pages_do_not_depend_on_the_carrier(name, monkeypatch):
    spec = ConvSpec((7, 6), (3, 2), in_channels=2, out_channels=2, batch=2, padding=(1, 0))
    monkeypatch.setattr(layer_module, "VECTOR_PRODUCTS", 10**12)
    ring = derive(name, spec)
    monkeypatch.setattr(layer_module, "VECTOR_PRODUCTS", 0)
    vector = derive(name, spec)
    assert {s.proof.method for s in ring.steps} == {RING}
    assert {s.proof.method for s in vector.steps} == {VECTOR}
    assert vector.document() == ring.document()
    assert vector.markdown() == ring.markdown()


@pytest.mark.parametrize("stem, name, spec", PAGES, ids=[p[0] for p in PAGES])
def test_golden_pages_on_the_vector_carrier(stem, name, spec, vector_everywhere):
    d = derive(name, spec)
    if name != "output-size" and name not in BACKWARD:  # integers; degree 3: the ring carrier
        assert VECTOR in {step.proof.method for step in d.steps}
    assert d.document() == (GOLDEN / f"{stem}.tex").read_text(encoding="utf-8")


def test_large_layer_derives_in_seconds():
    start = time.perf_counter()
    d = derive("all-formulations-agree", LARGE)
    page = d.document()
    seconds = time.perf_counter() - start
    assert seconds < 10, f"{seconds:.1f} s (measured 1.5 s on an idle machine; was 15.8 s)"
    assert d.steps[0].proof.method == VECTOR and d.steps[0].proof.products == 940800
    assert d.steps[-1].proof.products == 75 * 784  # X_col, every entry, one gather
    assert r"X_{\mathrm{col}} &= \left[" in page and r"\cdots" in page  # printed truncated


# ---- attacks on the vector path: a wrong page is refused, never printed ----

def test_wrong_printed_definition_on_a_large_layer_is_refused(monkeypatch):
    original = Layer.definition  # the kernel read backwards: not cross-correlation
    monkeypatch.setattr(Layer, "definition", lambda self, **_: original(self, flipped_index=True))
    with pytest.raises(DerivationError, match="printed formula does not denote its tensor: "
                                              r"12544 of 12544 positions differ; first at "):
        derive("all-formulations-agree", LARGE)


def test_the_cli_refuses_a_wrong_page_of_a_large_layer_and_writes_nothing(
        monkeypatch, capsys, tmp_path):
    original = Layer.definition
    monkeypatch.setattr(Layer, "definition", lambda self, **_: original(self, flipped_index=True))
    out = tmp_path / "page.tex"
    code, stdout, err = run_cli(capsys, "derive", "all-formulations-agree", "--format",
                                "document", "--input", "32x32", "--kernel", "5x5",
                                "--in-channels", "3", "--out-channels", "16", "-o", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert "does not denote its tensor" in err and len(err.strip().splitlines()) == 1


def test_wrong_printed_column_of_the_product_is_refused(monkeypatch):
    original = Layer.im2col_entry

    def shifted(self, free):
        entry = original(self, free)
        if not free:
            return entry
        product, row, col = entry.args
        return type(entry)(product, row, col.subs(self.spatial[-1], 0))  # a row's first column

    monkeypatch.setattr(Layer, "im2col_entry", shifted)
    with pytest.raises(DerivationError, match="does not denote its tensor"):
        derive("dot-equals-im2col", MID)


@pytest.mark.parametrize("change", ["swap", "zero", "outside"])
def test_a_wrong_entry_of_the_printed_x_col_is_refused(change, monkeypatch):
    original = Layer.im2col_shown

    def tampered(self):
        w_row, x_col = original(self)
        x_col = x_col.copy()
        if change == "swap":  # two window entries exchanged in the last column
            x_col[0, -1], x_col[1, -1] = x_col[1, -1], x_col[0, -1]
        elif change == "zero":
            x_col[4, 100] = sympy.Integer(0)
        else:
            x_col[4, 100] = tensor("#in")[0, 99, 0]
        return w_row, x_col

    monkeypatch.setattr(Layer, "im2col_shown", tampered)
    expected = "is outside the tensor" if change == "outside" else "does not denote its tensor"
    with pytest.raises(DerivationError, match=expected):
        derive("all-formulations-agree", MID)


def test_a_step_whose_sides_differ_is_refused_on_the_vector_carrier():
    layer = Layer(MID, Names())
    assert layer.vector
    x, w, s = layer.x, layer.w, layer.spec
    corr, conv = correlate(x, w, s), convolve(x, w, s)
    left = layer.out(layer.definition(), corr, free=True)
    right = layer.out(layer.definition(convolution=True), conv, free=True)  # each term is right
    with pytest.raises(DerivationError, match=r"the two sides differ: 1568 of 1568 positions "
                                              r"differ; first at \[0, 0, 0\]"):
        Step(left, right, "convolution is correlation")
    flipped = layer.kernel("#flip", flip(w))
    with pytest.raises(DerivationError, match="the two sides differ"):
        Step(flipped, layer.kernel("#w", w), "a kernel is its own flip")
    assert Step(left, layer.out(layer.definition(), corr, free=True), "same").proof.method \
        == VECTOR


def test_prove_same_mixes_carriers_exactly():
    x = space_tensor(Space({"x": (3,)}), "x")
    other = space_tensor(Space({"x": (3,)}), "x")  # another Space: compared as polynomials
    assert prove_same(x + x, x * 2, "").method == VECTOR
    mixed = prove_same(x, other, "two spaces")
    assert mixed and mixed.method == RING
    poly = np.array([Polynomial.variable("x_{0}"), Polynomial.variable("x_{1}"),
                     Polynomial.variable("x_{2}") * 2], dtype=object)
    refused = prove_same(x, poly, "x = poly")
    assert not refused and refused.method == RING
    assert str(refused.counterexample).startswith("1 of 3 positions differ; first at [2]")


def test_printed_matrices_on_form_arrays():
    from symconv.latex.display import DisplayError, evaluate

    space = Space({"x": (2, 3), "w": (2,)})
    x, w = space_tensor(space, "x"), space_tensor(space, "w")
    binding = {"#in": x, "#w": w}
    xs, ws = tensor("#in"), tensor("#w")
    one = evaluate(sympy.ImmutableMatrix([[xs[1, 2], 0, xs[1, 2]], [xs[0, 0], xs[0, 1], 0]]),
                   binding)  # one tensor and zeros: a single gather
    assert isinstance(one, FormArray) and one.is_dense()
    assert [[str(p) for p in row] for row in one.to_polynomials()] == [
        ["x_{1,2}", "0", "x_{1,2}"], ["x_{0,0}", "x_{0,1}", "0"]]
    two = evaluate(sympy.ImmutableMatrix([[xs[0, 1], ws[1]]]), binding)  # entry by entry
    assert [str(p) for p in two.to_polynomials()[0]] == ["x_{0,1}", "w_{1}"]
    with pytest.raises(DisplayError, match=r"#in\[2, 0\] is outside the tensor of shape"):
        evaluate(sympy.ImmutableMatrix([[xs[0, 0], xs[2, 0]]]), binding)
    with pytest.raises(DisplayError, match=r"#in\[0\] is outside"):
        evaluate(sympy.ImmutableMatrix([[xs[0]]]), binding)


def test_a_transposed_printed_index_is_refused():
    layer = Layer(MID, Names())
    out = correlate(layer.x, layer.w, layer.spec)
    f, i, j = layer.free
    layer.out(tensor("#out")[f, i, j], out, free=True)  # every index in order: proved as is
    with pytest.raises(DerivationError, match="does not denote its tensor: 1456 of 1568 "
                                              r"positions differ; first at \[0, 0, 1\]"):
        layer.out(tensor("#out")[f, j, i], out, free=True)  # same shape; agrees where i = j
