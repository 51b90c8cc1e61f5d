"""symconv.numeric without torch: hand-worked cases, exact integers, adjointness, errors.

The oracle comparisons with torch and scipy live in test_oracle_torch.py / test_oracle_scipy.py;
here the reference is the plain definition (symconv.forms.correlate) run on Python integers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SpecError, correlate, numeric
from symconv.forms import pad
from symconv.numeric import _exact, _paths
from symconv.strategies import conv_specs

METHODS = ("direct", "im2col", "fft", "auto")


def exact(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The definition on Python integers: no overflow, no rounding."""
    return correlate(np.asarray(x).astype(object), np.asarray(w).astype(object), spec)


@pytest.mark.parametrize("method", METHODS)
def test_worked_example(method: str) -> None:
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]])
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    got = numeric.conv(image[None, None], kernel[None, None], ConvSpec((5, 5), (3, 3)), method)
    assert got.dtype == np.int64
    assert got[0, 0].tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


@pytest.mark.parametrize("method", METHODS)
def test_hand_worked_strided_dilated_1d(method: str) -> None:
    # padded input [0, 1, 2, 3, 4, 5, 0]; taps at 0 and 2; windows start at 0, 3
    spec = ConvSpec((5,), (2,), stride=3, padding=1, dilation=2)
    got = numeric.conv(np.array([[[1, 2, 3, 4, 5]]]), np.array([[[10, 1]]]), spec, method)
    assert got.tolist() == [[[0 * 10 + 2, 3 * 10 + 5]]]


@pytest.mark.parametrize("method", METHODS)
def test_hand_worked_groups(method: str) -> None:
    # two groups of one channel each; filter 0 sees channel 0 only, filter 1 channel 1 only
    spec = ConvSpec((3,), (1,), in_channels=2, out_channels=2, groups=2)
    x = np.array([[[1, 2, 3], [10, 20, 30]]])
    w = np.array([[[2]], [[-1]]])
    assert numeric.conv(x, w, spec, method).tolist() == [[[2, 4, 6], [-10, -20, -30]]]


@pytest.mark.parametrize("method", METHODS)
def test_hand_worked_transpose(method: str) -> None:
    # stride 2: y[0]*w lands at 0..2, y[1]*w at 2..4; padding 1 crops one on each side
    spec = ConvSpec((5,), (3,), stride=2)
    y, w = np.array([[[1, 10]]]), np.array([[[1, 2, 3]]])
    assert numeric.conv_transpose(y, w, spec, method=method).tolist() == [[[1, 2, 13, 20, 30]]]
    cropped = ConvSpec((3,), (3,), stride=2, padding=1)
    assert numeric.conv_transpose(y, w, cropped, method=method).tolist() == [[[2, 13, 20]]]
    # output_padding=1 appends a position no tap reaches
    assert numeric.conv_transpose(y, w, cropped, 1, method).tolist() == [[[2, 13, 20, 30]]]


@settings(max_examples=60, deadline=None)
@given(conv_specs(max_size=6), st.sampled_from(METHODS), st.integers(0, 2**31))
def test_integers_exact_against_definition(spec: ConvSpec, method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, spec.input_shape, dtype=np.int16)
    w = rng.integers(-9, 10, spec.weight_shape, dtype=np.int8)
    got = numeric.conv(x, w, spec, method)
    assert got.dtype == np.int64
    assert got.tolist() == exact(x, w, spec).tolist()


@settings(max_examples=60, deadline=None)
@given(conv_specs(max_size=6, padding_modes=("zeros",)), st.sampled_from(METHODS),
       st.integers(0, 2**31))
def test_transpose_is_exact_adjoint(spec: ConvSpec, method: str, seed: int) -> None:
    """<conv(x), y> = <x, conv_transpose(y)> in integers: the transpose is the adjoint."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, spec.input_shape)
    w = rng.integers(-5, 6, spec.weight_shape)
    y = rng.integers(-5, 6, spec.output_shape)
    back = numeric.conv_transpose(y, w, spec, method=method)
    assert back.shape == spec.input_shape and back.dtype == np.int64
    assert int((exact(x, w, spec) * y).sum()) == int((x.astype(object) * back).sum())


def test_transpose_methods_agree_with_output_padding() -> None:
    spec = ConvSpec((7, 6), (3, 2), in_channels=4, out_channels=2, batch=2, stride=(3, 2),
                    padding=((1, 0), (2, 1)), dilation=(2, 1), groups=2)
    rng = np.random.default_rng(3)
    y, w = rng.integers(-9, 9, spec.output_shape), rng.integers(-9, 9, spec.weight_shape)
    for op in [(0, 0), (2, 1), (1, 0)]:
        size = spec.transposed_input_size(op)
        results = [numeric.conv_transpose(y, w, spec, op, m) for m in METHODS]
        assert all(r.shape == (2, 4, *size) for r in results)
        assert all((r == results[0]).all() for r in results)


def test_large_integers_leave_int64_and_stay_exact() -> None:
    spec = ConvSpec((4, 4), (2, 2), in_channels=3)
    rng = np.random.default_rng(0)
    x = rng.integers(2**40, 2**41, spec.input_shape).astype(object)
    w = rng.integers(2**30, 2**31, spec.weight_shape).astype(object)
    assert _exact.arithmetic_of(x, w, spec.products_per_output)[0] is _exact.Arithmetic.PYINT
    reference = exact(x, w, spec)
    for method in METHODS:
        got = numeric.conv(x, w, spec, method)
        assert got.dtype == object and got.tolist() == reference.tolist()


def test_fft_rounds_only_under_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small integers take the FFT and round; near 2**26 the bound refuses it (exact path)."""
    calls = []
    real_fft = _paths.fft
    monkeypatch.setattr(_paths, "fft", lambda *a: calls.append(1) or real_fft(*a))
    spec = ConvSpec((16, 16), (5, 5), in_channels=4)
    rng = np.random.default_rng(1)
    small_x, small_w = rng.integers(-50, 50, spec.input_shape), rng.integers(-50, 50,
                                                                            spec.weight_shape)
    assert numeric.error_bound(small_x, small_w, spec, np.float64) < _exact.FFT_ROUNDING_LIMIT
    assert (numeric.conv(small_x, small_w, spec, "fft") == exact(small_x, small_w, spec)).all()
    assert calls == [1]
    big_x = rng.integers(2**25, 2**26, spec.input_shape)
    big_w = rng.integers(2**25, 2**26, spec.weight_shape)  # products near 2**52: float64 fails
    assert numeric.error_bound(big_x, big_w, spec, np.float64) >= _exact.FFT_ROUNDING_LIMIT
    got = numeric.conv(big_x, big_w, spec, "fft")
    assert calls == [1]  # the FFT was refused
    assert got.dtype == np.int64 and got.tolist() == exact(big_x, big_w, spec).tolist()
    # and refusing was necessary: the float64 FFT does not round to the exact answer here
    raw = np.rint(real_fft(pad(big_x.astype(float), spec), big_w.astype(float), spec,
                           np.dtype(np.float64)))
    assert not (raw.astype(object) == exact(big_x, big_w, spec)).all()


@settings(max_examples=40, deadline=None)
@given(conv_specs(max_size=6), st.sampled_from(("direct", "im2col", "fft")),
       st.integers(0, 2**31))
def test_float32_within_error_bound(spec: ConvSpec, method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(spec.input_shape).astype(np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    got = numeric.conv(x, w, spec, method)
    assert got.dtype == np.float32
    truth = numeric.conv(x.astype(np.float64), w.astype(np.float64), spec, "direct")
    assert np.abs(got - truth).max() <= numeric.error_bound(x, w, spec)


def test_complex_inputs_do_not_conjugate() -> None:
    spec = ConvSpec((4,), (2,))
    x = np.array([[[1, 1j, 2, -1j]]])
    w = np.array([[[1j, 2]]])
    want = np.array([[[1j * 1 + 2 * 1j, 1j * 1j + 2 * 2, 1j * 2 + 2 * -1j]]])
    for method in METHODS:
        assert np.allclose(numeric.conv(x, w, spec, method), want)


def test_errors_name_the_field() -> None:
    spec = ConvSpec((5,), (3,))
    x, w = np.zeros((1, 1, 5)), np.zeros((1, 1, 3))
    with pytest.raises(SpecError, match=r"^method: expected one of auto, direct, im2col, fft"):
        numeric.conv(x, w, spec, "strassen")
    with pytest.raises(SpecError, match=r"^x: expected shape \(1, 1, 5\)"):
        numeric.conv(np.zeros((5,)), w, spec)
    with pytest.raises(SpecError, match=r"^y: expected shape \(1, 1, 3\)"):
        numeric.conv_transpose(x, w, spec)
    with pytest.raises(SpecError, match=r"^padding_mode: expected 'zeros' for a transposed"):
        numeric.conv_transpose(np.zeros((1, 1, 5)), w,
                               ConvSpec((5,), (3,), padding=1, padding_mode="reflect"))
    with pytest.raises(SpecError, match=r"^output_padding: expected a value smaller than stride"):
        numeric.conv_transpose(np.zeros((1, 1, 3)), w, spec, output_padding=1)
    with pytest.raises(SpecError, match=r"^x, w: expected numbers"):
        numeric.conv(x.astype(str), w, spec)


def test_fast_length() -> None:
    assert [_paths.fast_length(n) for n in (1, 7, 11, 13, 17, 97, 128)] == [
        1, 8, 12, 15, 18, 100, 128]
