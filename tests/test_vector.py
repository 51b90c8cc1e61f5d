"""The vector carrier: every formulation and numpy operation agrees with the Polynomial carrier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from symconv import ConvSpec
from symconv.forms import (
    Im2colLayout,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    im2col,
    im2col_matmul,
    patches,
)
from symconv.strategies import conv_specs
from symconv.tensors import symbolic_input, symbolic_tensor, symbolic_weight
from symconv.theorems import get_theorem, prove, theorem_names
from symconv.vector import FormArray, Space, UnsupportedError, prove_forms, space_tensor
from symconv.vector.chunks import prove_chunked

FORMS = {
    "correlate": correlate,
    "convolve": convolve,
    "elementwise_sum": elementwise_sum,
    "flattened_dot": flattened_dot,
    "im2col_matmul": im2col_matmul,
    "im2col_matmul(batch-fastest)": lambda x, w, s: im2col_matmul(x, w, s,
                                                                 Im2colLayout.BATCH_FASTEST),
}


def _both(spec: ConvSpec):
    space = Space({"x": spec.input_shape, "w": spec.weight_shape})
    vx, vw = space_tensor(space, "x"), space_tensor(space, "w")
    rx, rw = symbolic_input(spec, backend="ring"), symbolic_weight(spec, backend="ring")
    return (vx, vw), (rx, rw)


def _same(vector: FormArray, ring: np.ndarray) -> bool:
    ring = np.asarray(ring, dtype=object)
    got = vector.to_polynomials()
    return got.shape == ring.shape and all(a == b for a, b in zip(got.ravel(), ring.ravel()))


@settings(max_examples=60, deadline=None)
@given(conv_specs(max_size=6, max_kernel=3))
def test_every_formulation_agrees_with_the_ring_carrier(spec):
    (vx, vw), (rx, rw) = _both(spec)
    for name, form in FORMS.items():
        assert _same(form(vx, vw, spec), form(rx, rw, spec)), name
    assert _same(patches(vx, spec), patches(rx, spec))
    assert _same(im2col(vx, spec), im2col(rx, spec))


@settings(max_examples=25, deadline=None)
@given(conv_specs(max_size=6, max_kernel=3), st.sampled_from(theorem_names()[:7]))
def test_vector_and_ring_proofs_agree(spec, name):
    ring = prove(name, spec, backend="ring")
    vector = prove(name, spec, backend="vector")
    assert bool(ring) == bool(vector) is True
    assert vector.method.startswith("canonical term arrays")


def _half_flipped(x, w, s):
    return correlate(x, w[..., ::-1], s)


@settings(max_examples=25, deadline=None)
@given(conv_specs(ranks=(1, 2), max_size=6, max_kernel=3))
def test_disproofs_agree_position_products_and_witness(spec):
    (vx, vw), (rx, rw) = _both(spec)
    from symconv.engine import prove_equal

    ring = prove_equal(correlate(rx, rw, spec), _half_flipped(rx, rw, spec))
    vector = prove_forms(correlate(vx, vw, spec), _half_flipped(vx, vw, spec))
    assert bool(ring) == bool(vector)
    if not ring:
        a, b = ring.counterexample, vector.counterexample
        assert (a.differing, a.positions, a.differences) == (b.differing, b.positions,
                                                            b.differences)
        assert b.left_value != b.right_value


@settings(max_examples=20, deadline=None)
@given(conv_specs(max_size=6, max_kernel=3), st.integers(1, 40))
def test_chunks_prove_what_one_run_proves(spec, chunk):
    thm = get_theorem("all-formulations-agree")
    whole = prove_chunked(thm, spec, chunk_products=10**9)
    parts = prove_chunked(thm, spec, chunk_products=chunk, workers=1)
    assert bool(whole) and bool(parts) and whole.products == parts.products


def test_the_chain_is_the_stacked_statement():
    thm = get_theorem("all-formulations-agree")
    spec = ConvSpec((5, 4), (2, 3), in_channels=2, out_channels=2, padding=1)
    (_, _), (rx, rw) = _both(spec)
    left = np.stack([f(rx, rw, spec) for f in thm.chain[:-1]])
    right = np.stack([f(rx, rw, spec) for f in thm.chain[1:]])
    assert _same_objects(left, thm.left(rx, rw, spec))
    assert _same_objects(right, thm.right(rx, rw, spec))


def _same_objects(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and all(p == q for p, q in zip(a.ravel(), b.ravel()))


def test_a_broken_chain_is_disproved_at_the_stacked_position():
    from symconv.theorems import Theorem

    chain = (correlate, elementwise_sum, _half_flipped)
    thm = Theorem("broken", "false", lambda x, w, s: np.stack([f(x, w, s) for f in chain[:-1]]),
                  lambda x, w, s: np.stack([f(x, w, s) for f in chain[1:]]), "l", "r",
                  chain=chain)
    spec = ConvSpec((5, 5), (2, 2), out_channels=2)
    vector = prove_chunked(thm, spec, chunk_products=10, workers=1)
    ring = prove(thm, spec, backend="ring")
    assert not vector and not ring
    assert vector.counterexample.position == ring.counterexample.position == (1, 0, 0, 0, 0)
    assert vector.counterexample.differing == ring.counterexample.differing


def test_a_chunked_disproof_counts_every_differing_position():
    from symconv.theorems import Theorem

    spec = ConvSpec((6, 6), (3, 3), in_channels=2, out_channels=3)
    wrong = Theorem("half", "false", correlate, _half_flipped, "correlate", "half-flipped")
    whole = prove_chunked(wrong, spec, chunk_products=10**9)
    parts = prove_chunked(wrong, spec, chunk_products=30, workers=1)
    assert not whole and not parts
    assert whole.counterexample.differing == parts.counterexample.differing == 48
    assert whole.counterexample.position == parts.counterexample.position == (0, 0, 0, 0)


# ---- numpy operations, against the same operation on object arrays of Polynomials ----

def _pair(shape, base="x", other=("w", (3,))):
    space = Space({base: shape, other[0]: other[1]})
    return space, space_tensor(space, base), symbolic_tensor(shape, base, "ring")


OPS = [
    ("pad constant", lambda a: np.pad(a, ((1, 2), (0, 1)))),
    ("pad reflect", lambda a: np.pad(a, ((2, 1), (1, 2)), mode="reflect")),
    ("pad symmetric", lambda a: np.pad(a, 1, mode="symmetric")),
    ("pad edge", lambda a: np.pad(a, ((0, 2), (1, 0)), mode="edge")),
    ("pad wrap", lambda a: np.pad(a, 2, mode="wrap")),
    ("basic index", lambda a: a[1:, ::-2]),
    ("fancy index", lambda a: a[[2, 0, 2], [1, 1, 0]]),
    ("mixed index", lambda a: a[:, [3, 0]]),
    ("boolean index", lambda a: a[np.array([True, False, True])]),
    ("None and ellipsis", lambda a: a[None, ..., 0]),
    ("windows", lambda a: sliding_window_view(a, (2, 2))[::2]),
    ("reshape transpose", lambda a: a.reshape(4, 3).T.reshape(-1)),
    ("moveaxis", lambda a: np.moveaxis(a[None], 0, -1)),
    ("flip roll", lambda a: np.roll(np.flip(a, 1), 1, axis=0)),
    ("stack", lambda a: np.stack([a, a[::-1]], axis=1)),
    ("concatenate", lambda a: np.concatenate([a, a[:1]], axis=0)),
    ("sum", lambda a: a.sum(axis=0)),
    ("sum keepdims", lambda a: np.sum(a, axis=(0, 1), keepdims=True)),
    ("add broadcast", lambda a: a + a[0]),
    ("subtract scale", lambda a: 3 * a - a[:, :1] * 2),
    ("negate", lambda a: -a),
    ("take repeat tile", lambda a: np.tile(np.repeat(np.take(a, [1, 0], axis=1), 2, 0), 2)),
]


@pytest.mark.parametrize("name, op", OPS, ids=[n for n, _ in OPS])
def test_linear_operations_follow_numpy(name, op):
    _, v, r = _pair((3, 4))
    assert _same(op(v), op(r)), name


BILINEAR = [
    ("matmul", lambda a, b: a @ b),
    ("matmul 1-D", lambda a, b: a[0] @ b),
    ("dot", lambda a, b: np.dot(a, b)),
    ("einsum", lambda a, b: np.einsum("ij,j->i", a, b)),
    ("einsum implicit", lambda a, b: np.einsum("ij,j", a, b)),
    ("tensordot", lambda a, b: np.tensordot(a, b, axes=([1], [0]))),
    ("outer broadcast", lambda a, b: a[:, :, None] * b[None, None, :]),
    ("product of sums", lambda a, b: (a[0] + a[1]) * (b + b[::-1])),
]


@pytest.mark.parametrize("name, op", BILINEAR, ids=[n for n, _ in BILINEAR])
def test_bilinear_operations_follow_numpy(name, op):
    space = Space({"x": (2, 3), "w": (3,)})
    vx, vw = space_tensor(space, "x"), space_tensor(space, "w")
    rx, rw = symbolic_tensor((2, 3), "x", "ring"), symbolic_tensor((3,), "w", "ring")
    assert _same(op(vx, vw), op(rx, rw)), name


def test_setitem_and_add_at_follow_numpy():
    space = Space({"x": (5,), "w": (2,)})
    v = space_tensor(space, "x")
    r = symbolic_tensor((5,), "x", "ring")
    for a, make in ((v, lambda: np.zeros_like(v)), (r, lambda: np.zeros(5, dtype=object))):
        out = make()
        out[[0, 2, 0]] = a[[1, 2, 3]]  # repeated index: the last write wins
        out[3:] += a[3:]
        np.add.at(out, [0, 0, 2], a[:3])  # repeated index: every write adds
        if a is v:
            got = out
        else:
            want = out
    assert _same(got, want)


# ---- attacks: each must be refused, never a wrong PROVED ----

def _sneaky(x, w, s):
    """correlate + w_0 * w_last: the two weight factors fall in different chunks."""
    flat = w.reshape(-1)
    return correlate(x, w, s) + flat[0] * flat[-1]


def test_products_across_chunks_of_the_weight_are_never_chunked():
    """left = right + w_0 * w_last: chunks would never see both factors at once."""
    from symconv.theorems import Theorem

    thm = Theorem("sneaky", "false", _sneaky, correlate, "sneaky", "correlate")
    spec = ConvSpec((6, 6), (3, 3), in_channels=2, out_channels=2)
    with pytest.raises(UnsupportedError, match="two weight"):
        prove_chunked(thm, spec, chunk_products=20, workers=1)
    assert not prove_chunked(thm, spec, chunk_products=10**9)  # one chunk: DISPROVED
    proof = prove(thm, spec.replace(input_size=(40, 40), out_channels=8))  # auto: one chunk
    assert not proof and proof.counterexample.only_left[0][0] == ("w_{0,0,0,0}", "w_{7,1,2,2}")


def test_auto_falls_back_to_the_ring_carrier_when_chunks_cannot_cover(monkeypatch):
    from symconv.theorems import Theorem
    from symconv.vector import chunks

    monkeypatch.setattr(chunks, "CHUNK_PRODUCTS", 500)
    thm = Theorem("sneaky", "false", _sneaky, correlate, "sneaky", "correlate")
    spec = ConvSpec((12, 12), (3, 3), in_channels=4, out_channels=16)
    proof = prove(thm, spec)
    assert not proof and "declined" in proof.steps[0] and "two weight" in proof.steps[0]
    with pytest.raises(UnsupportedError):
        prove(thm, spec, backend="vector")


def test_a_fallback_to_the_ring_is_guarded_at_the_ring_cost(monkeypatch):
    """The vector estimate let a big layer in; the ring would take far longer: refused."""
    from symconv.errors import ResourceError
    from symconv.resources import limited
    from symconv.theorems import Theorem
    from symconv.vector import chunks

    monkeypatch.setattr(chunks, "CHUNK_PRODUCTS", 1 << 16)
    thm = Theorem("sneaky", "false", _sneaky, correlate, "sneaky", "correlate")
    spec = ConvSpec((64, 64), (3, 3), in_channels=16, out_channels=16)
    with limited(max_seconds=60), pytest.raises(ResourceError, match="ring"):
        prove(thm, spec)


def test_degree_three_is_refused():
    space = Space({"x": (2,), "w": (2,)})
    x, w = space_tensor(space, "x"), space_tensor(space, "w")
    with pytest.raises(UnsupportedError, match="degree above 2"):
        (x * w * x).terms()


def test_coefficient_overflow_is_refused():
    space = Space({"x": (2,), "w": (2,)})
    x = space_tensor(space, "x")
    with pytest.raises(UnsupportedError, match="overflow"):
        (x * 2**40) * 2**30
    big = x * 2**61
    with pytest.raises(UnsupportedError, match="overflow"):
        (big + big + big).canonical()


def test_key_space_overflow_is_refused():
    with pytest.raises(UnsupportedError, match="do not fit"):
        Space({"x": (2**31,), "w": (2**31,)})


@pytest.mark.parametrize("value", [0.5, float(2**53), np.float32(1.5), 1 + 0j])
def test_inexact_constants_are_refused(value):
    space = Space({"x": (2,), "w": (1,)})
    x = space_tensor(space, "x")
    with pytest.raises((UnsupportedError, Exception)) as err:
        x * value
    assert isinstance(err.value, (UnsupportedError, ValueError, TypeError))


def test_an_integer_valued_float_constant_is_exact():
    space = Space({"x": (2,), "w": (1,)})
    x = space_tensor(space, "x")
    assert _same(x * 2.0, symbolic_tensor((2,), "x", "ring") * 2)


@pytest.mark.parametrize("use", [bool, lambda a: a == a, lambda a: a < 1, np.asarray,
                                 lambda a: a / 2, lambda a: a.astype(float),
                                 lambda a: np.exp(a), lambda a: np.where(a, 1, 0)])
def test_code_that_looks_at_values_is_refused(use):
    space = Space({"x": (2,), "w": (1,)})
    with pytest.raises(UnsupportedError):
        use(space_tensor(space, "x"))


def test_writes_through_views_and_stale_views_are_refused():
    space = Space({"x": (4,), "w": (1,)})
    x = space_tensor(space, "x")
    out = np.zeros_like(x)
    row = out[1:]
    with pytest.raises(UnsupportedError, match="view"):
        row[0] = x[0]  # numpy would write into out too
    view = out[:2]
    out[0] = x[1]
    with pytest.raises(UnsupportedError, match="view"):
        view + x[:2]  # numpy's view would see the write


def test_in_place_updates_write_through_views_as_numpy_does():
    space = Space({"x": (4,), "w": (1,)})
    x = space_tensor(space, "x")
    r = symbolic_tensor((4,), "x", "ring")
    results = []
    for a, out in ((x, np.zeros_like(x)), (r, np.zeros(4, dtype=object))):
        out[1:] += a[1:]  # getitem, iadd, setitem
        row = out[:2]
        row += a[2:]  # numpy writes into out
        out *= 3
        results.append(out)
    assert _same(results[0], results[1])
    nested = np.zeros_like(x)[1:][1:]
    with pytest.raises(UnsupportedError, match="nested view"):
        nested += x[:2]


def test_tensors_of_two_spaces_never_mix():
    a = space_tensor(Space({"x": (2,), "w": (1,)}), "x")
    b = space_tensor(Space({"x": (2,), "w": (1,)}), "x")
    with pytest.raises(UnsupportedError, match="different Spaces"):
        a + b
    from symconv.errors import SymconvError

    with pytest.raises(SymconvError, match="different Spaces"):
        prove_forms(a, b)


def test_a_coefficient_difference_is_a_difference():
    space = Space({"x": (2,), "w": (2,)})
    x, w = space_tensor(space, "x"), space_tensor(space, "w")
    proof = prove_forms(x * w + x * w, 2 * (x * w) - x * w)
    assert not proof
    (m, a, b), = proof.counterexample.changed
    assert (m, a, b) == (("w_{0}", "x_{0}"), 2, 1)
    assert bool(prove_forms(x * w + x * w, 3 * (x * w) - x * w))
