"""Soundness of the identity engine: it must refuse every false identity, with a counterexample."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import (
    Backend,
    ConvSpec,
    NotExactError,
    Polynomial,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col_matmul,
    prove_equal,
    substitute,
    symbolic_input,
    symbolic_weight,
)
from symconv.tensors import parse_name, values_of
from tests.strategies import conv_specs


def sides(spec, backend=Backend.RING):
    return symbolic_input(spec, backend=backend), symbolic_weight(spec, backend=backend)


def assert_refused_with_witness(left, right):
    """The proof fails, and its numbers really differ when substituted."""
    proof = prove_equal(left, right)
    assert not proof
    cex = proof.counterexample
    assert cex is not None and cex.differing >= 1
    assert cex.differences, "a counterexample names the differing products"
    lv = substitute(np.asarray(left)[cex.position], cex.values)
    rv = substitute(np.asarray(right)[cex.position], cex.values)
    assert lv == cex.left_value and rv == cex.right_value and lv != rv
    return proof


def test_missing_flip_is_refused():
    spec = ConvSpec((4, 4), (2, 2))
    x, w = sides(spec)
    proof = assert_refused_with_witness(convolve(x, w, spec), correlate(x, w, spec))
    assert proof.counterexample.differing == 9


def test_transposed_kernel_is_refused():
    spec = ConvSpec((5, 5), (3, 3))
    x, w = sides(spec)
    wrong = correlate(x, w.transpose(0, 1, 3, 2), spec)
    proof = assert_refused_with_witness(correlate(x, w, spec), wrong)
    only_left = {m for m, _ in proof.counterexample.only_left}
    assert ("w_{0,0,0,1}", "x_{0,0,0,1}") in only_left


def test_stride_off_by_one_is_refused():
    spec = ConvSpec((7, 7), (3, 3), stride=2)
    dense = spec.replace(stride=1)
    x, w = sides(spec)
    ok = correlate(x, w, dense)[:, :, ::2, ::2]
    assert prove_equal(correlate(x, w, spec), ok)
    assert not prove_equal(correlate(x, w, spec), correlate(x, w, spec.replace(stride=3)))
    # same shape, windows one step off
    wrong = correlate(x, w, dense)[:, :, 1::2, 1::2]
    left = correlate(x, w, spec)[:, :, :wrong.shape[2], :wrong.shape[3]]
    assert_refused_with_witness(left, wrong)


def test_single_swapped_product_is_refused_and_named():
    spec = ConvSpec((4, 4), (2, 2), in_channels=2)
    x, w = sides(spec)
    right = elementwise_sum(x, w, spec)
    left = right.copy()
    bad = Polynomial.variable("w_{0,1,1,1}") * Polynomial.variable("x_{0,1,1,1}")
    swapped = Polynomial.variable("w_{0,1,1,1}") * Polynomial.variable("x_{0,1,2,1}")
    left[0, 0, 0, 0] = left[0, 0, 0, 0] - bad + swapped
    proof = assert_refused_with_witness(left, right)
    cex = proof.counterexample
    assert cex.differing == 1 and cex.position == (0, 0, 0, 0)
    assert cex.only_left == ((("w_{0,1,1,1}", "x_{0,1,2,1}"), 1),)
    assert cex.only_right == ((("w_{0,1,1,1}", "x_{0,1,1,1}"), 1),)


def test_coefficient_change_is_refused():
    a, b = sympy.symbols("a b")
    proof = assert_refused_with_witness(np.array([(a + b) ** 2], dtype=object),
                                        np.array([a * a + b * b + a * b], dtype=object))
    assert proof.counterexample.changed == ((("a", "b"), 2, 1),)


def test_true_identity_with_cancellation_is_proved():
    a, b = sympy.symbols("a b")
    proof = prove_equal(np.array([(a + b) * (a - b)], dtype=object),
                        np.array([a * a - b * b], dtype=object), "difference of squares")
    assert proof and proof.products == 2 and proof.counterexample is None
    assert str(proof).startswith("PROVED: difference of squares")


def test_shape_mismatch_is_refused():
    proof = prove_equal(np.zeros((2, 3), dtype=int), np.zeros((3, 2), dtype=int))
    assert not proof
    assert str(proof.counterexample) == "shapes differ: left (2, 3), right (3, 2)"


def test_floats_are_never_compared():
    with pytest.raises(NotExactError):
        prove_equal(np.array([0.1 + 0.2]), np.array([0.3]))
    with pytest.raises(NotExactError):
        prove_equal(np.array([sympy.Float(0.5) * sympy.Symbol("a")], dtype=object),
                    np.array([sympy.Symbol("a") / 2], dtype=object))


def test_integers_compare_exactly():
    assert prove_equal(np.array([10**30 + 1]), np.array([10**30 + 1], dtype=object))
    assert not prove_equal(np.array([10**30 + 1], dtype=object), np.array([10**30], dtype=object))


def test_sympy_and_ring_backends_agree():
    spec = ConvSpec((4, 5), (2, 3), in_channels=2, out_channels=2, stride=(1, 2), padding=1)
    xs, ws = sides(spec, Backend.SYMPY)
    xr, wr = sides(spec, Backend.RING)
    for form in (correlate, elementwise_sum, flattened_dot, im2col_matmul, convolve):
        assert prove_equal(form(xs, ws, spec), form(xr, wr, spec))


@st.composite
def mutations(draw):
    spec = draw(conv_specs(max_size=5, max_channels=2, max_batch=2))
    out = elementwise_sum(*sides(spec), spec)
    pos = tuple(draw(st.integers(0, s - 1)) for s in out.shape)
    kind = draw(st.sampled_from(["drop", "add", "double", "swap-x"]))
    return spec, out, pos, kind, draw(st.integers(0, 10**6))


@settings(max_examples=150, deadline=None)
@given(mutations())
def test_any_single_mutation_is_refused(case):
    """Change one output entry in any way that changes the polynomial: always caught, there."""
    spec, right, pos, kind, seed = case
    left = right.copy()
    entry = left[pos]
    terms = sorted(entry.terms) if isinstance(entry, Polynomial) else []
    rng = np.random.default_rng(seed)
    w_name = f"w_{{{','.join(map(str, (0,) * len(spec.weight_shape)))}}}"
    x_name = f"x_{{{','.join(map(str, (0,) * len(spec.input_shape)))}}}"
    if kind == "drop" and terms:
        m = terms[rng.integers(len(terms))]
        left[pos] = entry - Polynomial({m: entry.terms[m]})
    elif kind == "double" and terms:
        m = terms[rng.integers(len(terms))]
        left[pos] = entry + Polynomial({m: entry.terms[m]})
    elif kind == "swap-x" and terms:
        m = terms[rng.integers(len(terms))]
        new = tuple(sorted(v if not v.startswith("x") else "x_{9,9,9}" for v in m))
        left[pos] = entry - Polynomial({m: entry.terms[m]}) + Polynomial({new: 1})
    else:
        left[pos] = entry + Polynomial.variable(w_name) * Polynomial.variable(x_name)
    proof = assert_refused_with_witness(left, right)
    assert proof.counterexample.differing == 1 and proof.counterexample.position == pos


@settings(max_examples=60, deadline=None)
@given(conv_specs(max_size=5, max_channels=2), st.integers(0, 2**31))
def test_counterexample_values_reproduce_numerically(spec, seed):
    """Plugging the witness into numeric tensors shows the two formulas really differ."""
    if all(k == 1 for k in spec.kernel_size):
        return  # a 1x1 kernel equals its own flip: convolve == correlate, nothing to refute
    x, w = sides(spec)
    proof = prove_equal(convolve(x, w, spec), correlate(x, w, spec))
    if proof:  # possible when padding leaves one tap: then the numbers must agree too
        rng = np.random.default_rng(seed)
        xn, wn = rng.integers(-9, 9, spec.input_shape), rng.integers(-9, 9, spec.weight_shape)
        assert np.array_equal(convolve(xn, wn, spec), correlate(xn, wn, spec))
        return
    values = proof.counterexample.values
    xn = np.zeros(spec.input_shape, dtype=object)
    wn = np.zeros(spec.weight_shape, dtype=object)
    for name, v in values.items():
        base, index = parse_name(name)
        (xn if base == "x" else wn)[index] = v
    assert values_of("x", xn).keys() >= {k for k in values if k.startswith("x")}
    pos = proof.counterexample.position
    assert convolve(xn, wn, spec)[pos] != correlate(xn, wn, spec)[pos]


def test_flip_without_condition_is_refused():
    spec = ConvSpec((6, 5), (4, 2), padding="same")
    x, w = sides(spec)
    naive = correlate(x, flip(w), spec)  # forgets to mirror the 'same' split
    assert_refused_with_witness(convolve(x, w, spec), naive)
    odd = ConvSpec((6, 5), (3, 3), padding="same")
    x, w = sides(odd)
    assert prove_equal(convolve(x, w, odd), correlate(x, flip(w), odd))
