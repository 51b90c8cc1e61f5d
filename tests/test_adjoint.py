"""The backward pass: hand-worked cases, exact instance proofs on every carrier, and attacks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SpecError, numeric, prove
from symconv.adjoint import col2im, conv_transpose, input_gradient, weight_gradient, zero_insert
from symconv.adjoint_theorems import (
    ADJOINT_THEOREMS,
    _tensors,
    col2im_theorem,
    gradient,
    transposed_by_zero_insertion,
    zero_insertion_theorem,
)
from symconv.forms import correlate
from symconv.ring import Polynomial
from symconv.strategies import conv_specs
from symconv.theorems import Theorem
from symconv.vector import UnsupportedError

SPECS = conv_specs(max_size=5, max_kernel=3, max_channels=3, max_batch=2,
                   padding_modes=("zeros",))
BILINEAR = ("transposed-is-zero-insertion", "col2im-is-adjoint-of-im2col")


def row(values: list[int]) -> np.ndarray:
    return np.array(values)[None, None]


# ---- hand-worked 1-D cases ----

def test_zero_insert_by_hand() -> None:
    assert zero_insert(row([1, 2, 3]), 2).tolist() == [[[1, 0, 2, 0, 3]]]
    assert zero_insert(row([1, 2]), 3).tolist() == [[[1, 0, 0, 2]]]
    assert zero_insert(row([1, 2]), 1).tolist() == [[[1, 2]]]
    assert zero_insert(np.arange(4).reshape(1, 1, 2, 2), (2, 1))[0, 0].tolist() == [
        [0, 1], [0, 0], [2, 3]]


def test_conv_transpose_by_hand() -> None:
    # stride 2, k=3: y0 lands at 0..2 (times 1, 2, 3), y1 = 10 at 2..4
    assert conv_transpose(row([1, 10]), row([1, 2, 3]), ConvSpec((5,), (3,), stride=2)).tolist() \
        == [[[1, 2, 13, 20, 30]]]
    # input 6: the floor dropped one position, so the default output_padding is 1 (a zero)
    spec = ConvSpec((6,), (3,), stride=2)
    assert conv_transpose(row([1, 10]), row([1, 2, 3]), spec).tolist() == [[[1, 2, 13, 20, 30, 0]]]
    assert conv_transpose(row([1, 10]), row([1, 2, 3]), spec, 0).tolist() == [[[1, 2, 13, 20, 30]]]
    # padding (1, 0) crops one entry on the left; output_padding 1 adds one on the right
    assert conv_transpose(row([1, 2]), row([1, 10]), ConvSpec((4,), (2,), stride=2, padding=(1, 0)),
                          1).tolist() == [[[10, 2, 20, 0]]]
    # dilation 2: taps at o and o + 2
    assert conv_transpose(row([1, 2, 3]), row([1, 10]), ConvSpec((5,), (2,), dilation=2)).tolist() \
        == [[[1, 2, 13, 20, 30]]]
    # groups 2, 1x1: each channel is scaled by its own filter
    spec = ConvSpec((2,), (1,), in_channels=2, out_channels=2, groups=2)
    assert conv_transpose(np.array([[[1, 2], [3, 4]]]), np.array([[[2]], [[3]]]), spec).tolist() \
        == [[[2, 4], [9, 12]]]


def test_col2im_accumulates_overlaps_by_hand() -> None:
    # im2col of 4 taps, k=2 copies x1 and x2 twice: col2im adds both copies back
    assert col2im(np.array([[[1, 2, 3], [10, 20, 30]]]), ConvSpec((4,), (2,))).tolist() == [
        [[1, 12, 23, 30]]]
    # stride 2 without overlap: a plain unfold; padding 1 drops the padded entries
    assert col2im(np.array([[[1, 2], [10, 20]]]), ConvSpec((4,), (2,), stride=2)).tolist() == [
        [[1, 10, 2, 20]]]
    assert col2im(np.array([[[1, 2, 3], [10, 20, 30]]]), ConvSpec((2,), (2,), padding=1)).tolist() \
        == [[[10 + 2, 20 + 3]]]


def test_gradients_by_hand() -> None:
    # L = dout0 (w0 x0 + w1 x1) + dout1 (w0 x1 + w1 x2): dL/dx = [1, 1+2, 2] for dout = 1, w = 1, 2
    assert input_gradient(row([1, 1]), row([1, 2]), ConvSpec((3,), (2,))).tolist() == [[[1, 3, 2]]]
    # dL/dw[u] = sum_o dout[o] x[o + u]
    assert weight_gradient(row([1, 2, 3]), row([1, 10]), ConvSpec((3,), (2,))).tolist() == [
        [[21, 32]]]
    # stride 2: dL/dw[u] = x[u] + 10 x[2 + u]
    assert weight_gradient(row([1, 2, 3, 4, 5]), row([1, 10]),
                           ConvSpec((5,), (3,), stride=2)).tolist() == [[[31, 42, 53]]]


# ---- exact differentiation ----

def test_gradient_matches_sympy_diff() -> None:
    a, b, c = sympy.symbols("a b c")
    expr = 3 * a**3 * b - a * b * c + sympy.Rational(1, 2) * c**2 + 7
    poly = Polynomial.from_sympy(expr)
    variables = np.array([Polynomial.variable(n) for n in "abc"], dtype=object)
    got = gradient(poly, variables)
    for entry, v in zip(got, (a, b, c)):
        assert entry == Polynomial.from_sympy(sympy.diff(expr, v))
    assert list(gradient(expr, np.array([a, b, c]))) == [sympy.diff(expr, v) for v in (a, b, c)]
    assert gradient(5, variables[:1])[0] == 0


def test_gradient_refuses_a_non_variable() -> None:
    a = Polynomial.variable("a")
    with pytest.raises(Exception, match="variables: expected single variables"):
        gradient(a * a, np.array([a + 1], dtype=object))


# ---- instance proofs over the option space ----

@settings(max_examples=40, deadline=None)
@given(SPECS)
def test_every_theorem_proved_on_the_ring_carrier(spec: ConvSpec) -> None:
    for name, thm in ADJOINT_THEOREMS.items():
        proof = prove(thm, spec, backend="ring")
        assert proof, f"{name} on {spec.describe()}\n{proof}"


@settings(max_examples=40, deadline=None)
@given(SPECS)
def test_bilinear_theorems_proved_on_the_vector_carrier(spec: ConvSpec) -> None:
    for name in BILINEAR:
        proof = prove(ADJOINT_THEOREMS[name], spec, backend="vector")
        assert proof and proof.method.startswith("canonical term arrays"), name
    for name in set(ADJOINT_THEOREMS) - set(BILINEAR):  # degree 3: declined, never guessed
        with pytest.raises(UnsupportedError, match="degree above 2"):
            prove(ADJOINT_THEOREMS[name], spec, backend="vector")


@settings(max_examples=40, deadline=None)
@given(SPECS, st.data())
def test_zero_insertion_for_every_output_padding(spec: ConvSpec, data: st.DataObject) -> None:
    op = tuple(data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(spec.stride,
                                                                       spec.dilation))
    try:
        spec.transposed_input_size(op)
    except SpecError:
        return  # a size below 1: PyTorch refuses it too
    assert prove(zero_insertion_theorem(op), spec, backend="ring")
    assert prove(zero_insertion_theorem(op), spec, backend="vector")
    rng = np.random.default_rng(0)
    y, w = rng.integers(-5, 6, spec.output_shape), rng.integers(-5, 6, spec.weight_shape)
    assert np.array_equal(conv_transpose(y, w, spec, op), numeric.conv_transpose(y, w, spec, op))
    assert prove(col2im_theorem("batch-fastest"), spec, backend="ring")


def test_sympy_carrier_and_a_condition_that_crops() -> None:
    spec = ConvSpec((5, 4), (2, 2), stride=2, padding=((3, 1), (0, 2)), in_channels=2,
                    out_channels=4, groups=2)
    assert spec.pads[0][0] > spec.dilation[0] * (spec.kernel_size[0] - 1)  # d(k-1) - p < 0
    for thm in ADJOINT_THEOREMS.values():
        assert prove(thm, spec, backend="sympy"), thm.name
    assert "cropped" in ADJOINT_THEOREMS["transposed-is-zero-insertion"].conditions


def test_weight_gradient_under_reflect_padding() -> None:
    spec = ConvSpec((5, 5), (3, 3), padding=2, padding_mode="reflect", out_channels=2)
    assert prove(ADJOINT_THEOREMS["weight-gradient-is-correlation"], spec, backend="ring")


def test_auto_falls_back_to_the_ring_for_degree_three() -> None:
    spec = ConvSpec((16, 16), (3, 3), in_channels=8, out_channels=8, stride=2)
    proof = prove(ADJOINT_THEOREMS["transposed-is-adjoint"], spec)
    assert proof and proof.method == "canonical polynomial forms (exact)"
    assert proof.steps[0].startswith("vector carrier declined (product:")
    fast = prove(ADJOINT_THEOREMS["transposed-is-zero-insertion"], spec)
    assert fast and fast.method.startswith("canonical term arrays")



def test_vector_proofs_in_chunks_of_the_weight() -> None:
    from symconv.vector.chunks import prove_chunked

    spec = ConvSpec((9, 8), (3, 3), in_channels=4, out_channels=6, groups=2, stride=2, padding=1)
    for name in BILINEAR:
        thm = ADJOINT_THEOREMS[name]
        proof = prove_chunked(thm, spec, chunk_products=400)
        # a statement without the weight has nothing to chunk: one chunk
        how = "chunk: 6 chunks of the weight" if "w" in thm.uses else "one chunk"
        assert proof and proof.steps[0].startswith(how), name
    noflip = _theorem(lambda x, w, y, s: conv_transpose(y, w, s),
                      lambda x, w, y, s: transposed_by_zero_insertion(y, w, s, flipped=False))
    assert not prove_chunked(noflip, spec, chunk_products=400)


def test_a_side_refuses_computed_vector_tensors() -> None:
    from symconv.vector import Space, space_tensor

    spec = ConvSpec((4,), (2,))
    space = Space({"x": spec.input_shape, "w": spec.weight_shape})
    x, w = space_tensor(space, "x"), space_tensor(space, "w")
    with pytest.raises(UnsupportedError, match="w: expected the fresh variables"):
        ADJOINT_THEOREMS["transposed-is-zero-insertion"].left(x, w + w, spec)

# ---- attacks: wrong backward code is disproved with a counterexample ----

def _theorem(left, right, uses: str = "w") -> Theorem:
    def side(f):
        def run(x, w, spec):
            x, w, t = _tensors(x, w, {"y": spec.output_shape})
            return f(x, w, t["y"], spec)
        return run
    return Theorem("attack", "", side(left), side(right), "left", "right", uses=uses)


@pytest.mark.parametrize("backend", ["ring", "vector"])
def test_transpose_without_the_flip_is_disproved(backend: str) -> None:
    thm = _theorem(lambda x, w, y, spec: conv_transpose(y, w, spec),
                   lambda x, w, y, spec: transposed_by_zero_insertion(y, w, spec, flipped=False))
    proof = prove(thm, ConvSpec((5,), (3,), stride=2), backend=backend)
    assert not proof
    assert str(proof.counterexample).splitlines()[1:3] == [
        "  left only:  w_{0,0,0}·y_{0,0,0}", "  right only: w_{0,0,2}·y_{0,0,0}"]


def _output_padding_near_side(y, w, spec: ConvSpec, op: int):
    """The mistake: the extra row of output_padding added before the result, not after."""
    return np.pad(conv_transpose(y, w, spec, 0), ((0, 0), (0, 0), (op, 0)))


def test_output_padding_on_the_wrong_side_is_disproved() -> None:
    spec = ConvSpec((6,), (3,), stride=2)
    thm = _theorem(lambda x, w, y, s: _output_padding_near_side(y, w, s, 1),
                   lambda x, w, y, s: transposed_by_zero_insertion(y, w, s, 1))
    proof = prove(thm, spec, backend="ring")
    assert not proof and proof.counterexample.position == (0, 0, 0)
    assert proof.counterexample.left_value == 0 and proof.counterexample.right_value == 1


def test_col2im_that_overwrites_is_disproved() -> None:
    def overwriting(cols, spec):  # cs231n's bug: x[window] = col instead of +=
        out = np.zeros(spec.input_shape, dtype=object)
        for o in range(spec.output_size[0]):
            out[0, 0, o:o + 2] = cols[0, :, o]
        return out
    spec = ConvSpec((4,), (2,))
    def right(x, w, s):
        cols = _tensors(x, w, {"cols": (1, 2, 3)})[2]["cols"]
        return np.array([(x * overwriting(cols, s)).sum()], dtype=object)
    thm = Theorem("attack", "", col2im_theorem().left, right, "left", "right", uses="x")
    proof = prove(thm, spec, backend="ring")
    assert not proof and "x_{0,0,1}" in str(proof.counterexample)


def test_gradient_of_a_nonlinear_loss_does_not_pass() -> None:
    spec = ConvSpec((4,), (2,), stride=2)

    def squared(x, w, y, s):  # L = sum(conv^2): dL/dx = conv_transpose(2 conv, w), not (y, w)
        return gradient((correlate(x, w, s) ** 2).sum(), x)
    assert not prove(_theorem(squared, lambda x, w, y, s: conv_transpose(y, w, s), "xw"), spec,
                     backend="ring")
    chain = _theorem(squared, lambda x, w, y, s: conv_transpose(2 * correlate(x, w, s), w, s),
                     "xw")
    assert prove(chain, spec, backend="ring")  # the chain rule, from exact differentiation


# ---- bad input: one line naming the field and the fix ----

@pytest.mark.parametrize("call, field", [
    (lambda: conv_transpose(row([1, 2]), row([1, 2, 3]), ConvSpec((5,), (3,), stride=2), 2),
     "output_padding"),
    (lambda: conv_transpose(row([1, 2, 3]), row([1, 2, 3]), ConvSpec((5,), (3,), stride=2)), "y"),
    (lambda: conv_transpose(row([1, 2]), row([1, 2]), ConvSpec((5,), (3,), stride=2)), "w"),
    (lambda: conv_transpose(row([1] * 5), row([1, 2, 3]),
                            ConvSpec((5,), (3,), padding=1, padding_mode="reflect")),
     "padding_mode"),
    (lambda: col2im(np.zeros((1, 2, 2)), ConvSpec((4,), (2,))), "cols"),
    (lambda: weight_gradient(row([1, 2, 3]), row([1]), ConvSpec((3,), (2,))), "dout"),
    (lambda: input_gradient(row([1, 2]), row([1, 2]), "not a spec"), "spec"),
    (lambda: zero_insert(np.array([1, 2]), 2), "y"),
    (lambda: zero_insert(row([1, 2]), 0), "stride"),
])
def test_bad_input_is_one_line(call, field: str) -> None:
    with pytest.raises(SpecError) as err:
        call()
    message = str(err.value)
    assert message.startswith(field + ":") and "\n" not in message
    assert ";" in message  # the fix follows
