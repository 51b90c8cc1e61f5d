"""Formulations: hand-worked cases, the plain-loop definition, scipy.signal as an oracle."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings

from symconv import (
    Backend,
    ConvSpec,
    SpecError,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col,
    im2col_matmul,
    patches,
    prove_equal,
    symbolic_input,
    symbolic_weight,
)
from symconv.example import CLASSIC_IMAGE, CLASSIC_KERNEL
from tests.reference import convolve_loops, correlate_loops
from tests.strategies import conv_specs, int_tensors, small_specs

FORMS = {
    "correlate": correlate,
    "elementwise_sum": elementwise_sum,
    "flattened_dot": flattened_dot,
    "im2col_matmul": im2col_matmul,
    "im2col_matmul(batch-fastest)": lambda x, w, s: im2col_matmul(x, w, s, "batch-fastest"),
}


@pytest.mark.parametrize("name", FORMS)
def test_classic_worked_example(name):
    spec = ConvSpec((5, 5), (3, 3))
    out = FORMS[name](CLASSIC_IMAGE[None, None], CLASSIC_KERNEL[None, None], spec)
    assert out[0, 0].tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_hand_worked_1d_stride_dilation_padding():
    x = np.array([[[1, 2, 3, 4, 5]]])
    w = np.array([[[1, 10]]])
    # dilation 2: y[o] = x[o] + 10 x[o+2]
    assert correlate(x, w, ConvSpec((5,), (2,), dilation=2)).tolist() == [[[31, 42, 53]]]
    # stride 2, padding 1: xpad = 0 1 2 3 4 5 0 -> windows (0,1) (2,3) (4,5)
    assert correlate(x, w, ConvSpec((5,), (2,), stride=2, padding=1)).tolist() == [[[10, 32, 54]]]
    # true convolution: y[o] = x[o+1] + 10 x[o]
    assert convolve(x, w, ConvSpec((5,), (2,))).tolist() == [[[12, 23, 34, 45]]]


def test_hand_worked_groups_keep_channels_apart():
    x = np.array([[[1, 1]], [[100, 100]]]).reshape(1, 2, 2)
    w = np.array([[[1]], [[2]]])  # filter 0 sees channel 0 only, filter 1 channel 1 only
    spec = ConvSpec((2,), (1,), in_channels=2, out_channels=2, groups=2)
    for form in FORMS.values():
        assert form(x, w, spec).tolist() == [[[1, 1], [200, 200]]]


def test_im2col_columns_in_both_layouts():
    x = np.arange(2 * 9).reshape(2, 1, 3, 3)  # batch 2, 3x3
    spec = ConvSpec((3, 3), (2, 2), batch=2)
    slow = im2col(x, spec)[0]
    fast = im2col(x, spec, "batch-fastest")[0]
    assert slow.shape == fast.shape == (4, 8)
    # rows: c*kH*kW + u*kW + v; column 0 is the first window of image 0 in both layouts
    assert slow[:, 0].tolist() == [0, 1, 3, 4] == fast[:, 0].tolist()
    assert slow[:, 4].tolist() == [9, 10, 12, 13]  # batch-slowest: image 1 starts at column 4
    assert fast[:, 1].tolist() == [9, 10, 12, 13]  # batch-fastest: images interleave
    assert slow[:, 1].tolist() == [1, 2, 4, 5]


def test_patches_and_flip():
    x = np.arange(16).reshape(1, 1, 4, 4)
    p = patches(x, ConvSpec((4, 4), (2, 2), stride=2))
    assert p.shape == (1, 1, 2, 2, 2, 2)
    assert p[0, 0, 1, 1].tolist() == [[10, 11], [14, 15]]
    w = np.arange(6).reshape(1, 1, 2, 3)
    assert flip(w)[0, 0].tolist() == [[5, 4, 3], [2, 1, 0]]
    with pytest.raises(SpecError, match=r"^w: expected a weight"):
        flip(np.arange(3))


@pytest.mark.parametrize(("x_shape", "w_shape", "pattern"), [
    ((5, 5), (1, 1, 3, 3), r"^x: expected shape \(1, 1, 5, 5\) .*got \(5, 5\); add"),
    ((1, 1, 5, 5), (3, 3), r"^w: expected shape \(1, 1, 3, 3\) .*got \(3, 3\)"),
    ((1, 2, 5, 5), (1, 1, 3, 3), r"^x: expected shape"),
])
@pytest.mark.parametrize("name", FORMS)
def test_wrong_tensor_shapes(name, x_shape, w_shape, pattern):
    with pytest.raises(SpecError, match=pattern):
        FORMS[name](np.zeros(x_shape), np.zeros(w_shape), ConvSpec((5, 5), (3, 3)))


def test_spec_must_be_a_convspec():
    with pytest.raises(SpecError, match=r"^spec: expected a ConvSpec, got dict"):
        correlate(np.zeros((1, 1, 3)), np.zeros((1, 1, 1)), {"input_size": 3})


@settings(max_examples=120, deadline=None)
@given(small_specs(padding_modes=("zeros",)).flatmap(
    lambda s: int_tensors(s).map(lambda xw: (s, *xw))))
def test_every_formulation_matches_plain_loops(case):
    spec, x, w = case
    expected = correlate_loops(x, w, spec)
    for name, form in FORMS.items():
        assert np.array_equal(form(x, w, spec), expected), name
    assert np.array_equal(convolve(x, w, spec), convolve_loops(x, w, spec))


@settings(max_examples=40, deadline=None)
@given(small_specs(padding_modes=("zeros",), max_size=4, max_batch=1, max_channels=2))
def test_every_formulation_matches_plain_loops_symbolically(spec):
    x, w = symbolic_input(spec), symbolic_weight(spec)  # sympy symbols, the slow honest way
    expected = correlate_loops(x, w, spec)
    for name, form in FORMS.items():
        assert prove_equal(form(x, w, spec), expected), name
    assert prove_equal(convolve(x, w, spec), convolve_loops(x, w, spec))


@settings(max_examples=80, deadline=None)
@given(conv_specs(padding_modes=("reflect", "replicate", "circular"), max_channels=2)
       .flatmap(lambda s: int_tensors(s).map(lambda xw: (s, *xw))))
def test_padding_modes_are_numpy_pad_then_valid(case):
    spec, x, w = case
    mode = spec.padding_mode.numpy_mode
    xp = np.pad(x, ((0, 0), (0, 0), *spec.pads), mode=mode)
    valid = ConvSpec(xp.shape[2:], spec.kernel_size, in_channels=spec.in_channels,
                     out_channels=spec.out_channels, batch=spec.batch, stride=spec.stride,
                     dilation=spec.dilation, groups=spec.groups)
    assert np.array_equal(elementwise_sum(x, w, spec), correlate_loops(xp, w, valid))
    assert np.array_equal(im2col_matmul(x, w, spec), correlate_loops(xp, w, valid))


def _single(shape, kernel, mode):
    pad = {"valid": 0, "full": tuple(k - 1 for k in kernel), "same": "same"}[mode]
    return ConvSpec(shape, kernel, padding=pad)


@settings(max_examples=120, deadline=None)
@given(small_specs(ranks=(1, 2, 3), max_channels=1, max_batch=1, max_kernel=4, max_stride=1,
                   max_dilation=1, padding_modes=("zeros",)).flatmap(
    lambda s: int_tensors(s, -20, 20).map(lambda xw: (s, *xw))))
def test_scipy_signal_oracle(case):
    spec, x, w = case
    xi, wi = x[0, 0], w[0, 0]
    for mode in ("valid", "full", "same"):
        if mode == "valid" and any(k > i for k, i in zip(spec.kernel_size, spec.input_size)):
            continue  # scipy's 'valid' would swap the inputs
        s = _single(spec.input_size, spec.kernel_size, mode)
        assert np.array_equal(convolve(x, w, s)[0, 0], scipy.signal.convolve(xi, wi, mode)), mode
        if mode != "same" or all(k % 2 for k in spec.kernel_size):
            # scipy.signal.correlate centres 'same' on the flipped kernel: equal for odd kernels
            assert np.array_equal(correlate(x, w, s)[0, 0], scipy.signal.correlate(xi, wi, mode))
        if spec.rank == 2:
            assert np.array_equal(correlate(x, w, s)[0, 0],
                                  scipy.signal.correlate2d(xi, wi, mode)), mode
            assert np.array_equal(convolve(x, w, s)[0, 0],
                                  scipy.signal.convolve2d(xi, wi, mode)), mode


def test_scipy_correlate_same_even_kernel_is_the_mirrored_split():
    """The trap, stated: scipy.signal.correlate 'same' = our correlate with mirrored padding."""
    rng = np.random.default_rng(0)
    xi, wi = rng.integers(-9, 9, (6, 5)), rng.integers(-9, 9, (4, 2))
    spec = ConvSpec((6, 5), (4, 2), padding="same")
    mirrored = spec.replace(padding=spec.convolution_pads)
    assert not np.array_equal(correlate(xi[None, None], wi[None, None], spec)[0, 0],
                              scipy.signal.correlate(xi, wi, "same"))
    assert np.array_equal(correlate(xi[None, None], wi[None, None], mirrored)[0, 0],
                          scipy.signal.correlate(xi, wi, "same"))


def test_symbolic_top_left_is_the_written_sum():
    spec = ConvSpec((5, 5), (3, 3))
    x, w = symbolic_input(spec), symbolic_weight(spec)
    expected = sum(x[0, 0, i, j] * w[0, 0, i, j] for i in range(3) for j in range(3))
    assert (elementwise_sum(x, w, spec)[0, 0, 0, 0] - expected).expand() == 0
    xr, wr = symbolic_input(spec, backend=Backend.RING), symbolic_weight(spec, backend="ring")
    assert im2col_matmul(xr, wr, spec)[0, 0, 2, 1].terms == {
        (f"w_{{0,0,{u},{v}}}", f"x_{{0,0,{2 + u},{1 + v}}}"): 1 for u in range(3) for v in range(3)}


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.bool_])
@pytest.mark.parametrize("name", [*FORMS, "convolve"])
def test_narrow_integer_data_never_wraps(name, dtype):
    """uint8 images give the exact integers (not 360000 mod 256), like int64 ones."""
    spec = ConvSpec((4, 4), (3, 3), in_channels=2)
    top = 1 if dtype is np.bool_ else int(np.iinfo(dtype).max)
    x = np.full(spec.input_shape, top, dtype=dtype)
    w = np.full(spec.weight_shape, top, dtype=dtype)
    fn = FORMS.get(name, convolve)
    got = fn(x, w, spec)
    assert got.dtype.kind == "i" and got.dtype.itemsize == 8
    assert (got == top * top * spec.products_per_output).all()


def test_huge_integers_leave_int64_exactly():
    spec = ConvSpec((3,), (2,))
    x = np.array([[[2**40, 1, 2**40]]])
    w = np.array([[[2**30, 3]]])
    got = correlate(x, w, spec)
    assert got.dtype == object and got.tolist() == [[[2**70 + 3, 2**30 + 3 * 2**40]]]
