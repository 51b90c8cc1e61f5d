"""numeric.conv(method='winograd'): the tiled F(m, r) path against the float64 direct path, torch,
hand-worked values and the exact transforms it is built from; refusals; the attack it must fail.

Tolerances come from ``benchmarks/winograd_error.py`` (inputs uniform on [-1, 1], float32): the
largest ``max |y32 - y64| / max |y64|`` measured for the default tiles (alpha <= 6) was 1.1e-6
in 1-D (F(4, 3), 64 channels) and 6.1e-6 in 2-D (F(4x4, 3x3)).  The tests allow 8x that,
relative to the largest entry of the absolute-value correlation ``conv(|x|, |w|)`` (which bounds
``|y|``, so the scale never collapses on a small output); float64 scales it by eps64 / eps32 =
2**-29.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SpecError, numeric
from symconv.numeric import _winograd
from symconv.strategies import conv_specs
from symconv.winograd import convolution_transforms, prove_winograd, winograd_transforms

#: float32 tolerance per rank: 8x the measured worst relative error (module docstring).
RTOL32 = {1: 8 * 1.1e-6, 2: 8 * 6.1e-6}
RTOL64 = {rank: tol * 2.0**-29 for rank, tol in RTOL32.items()}
SPECS = conv_specs(ranks=(1, 2), max_size=9, max_kernel=5, max_channels=4, max_batch=2,
                   max_stride=1, max_dilation=1)


def scale(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> float:
    """Largest entry of conv(|x|, |w|): a bound on |y| that does not vanish by cancellation."""
    return float(np.abs(numeric.conv(np.abs(x).astype(np.float64), np.abs(w).astype(np.float64),
                                     spec, "direct")).max(initial=0.0)) or 1.0


def assert_close(y: np.ndarray, ref: np.ndarray, x: np.ndarray, w: np.ndarray, spec: ConvSpec,
                 rtol: dict[int, float]) -> None:
    err = float(np.abs(y.astype(np.float64) - ref.astype(np.float64)).max(initial=0.0))
    bound = rtol[spec.rank] * scale(x, w, spec)
    assert err <= bound, f"winograd error {err:.3e} > tolerance {bound:.3e} on {spec}"


def draw(spec: ConvSpec, seed: int, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, spec.input_shape).astype(dtype),
            rng.uniform(-1, 1, spec.weight_shape).astype(dtype))


@settings(max_examples=60, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_float64_matches_direct(spec: ConvSpec, seed: int) -> None:
    x, w = draw(spec, seed)
    y = numeric.conv(x, w, spec, "winograd")
    assert y.shape == spec.output_shape and y.dtype == np.float64
    assert_close(y, numeric.conv(x, w, spec, "direct"), x, w, spec, RTOL64)


@settings(max_examples=40, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_float32_stays_float32_within_measured_error(spec: ConvSpec, seed: int) -> None:
    x, w = draw(spec, seed, np.float32)
    y = numeric.conv(x, w, spec, "winograd")
    assert y.dtype == np.float32 and y.shape == spec.output_shape
    ref = numeric.conv(x.astype(np.float64), w.astype(np.float64), spec, "direct")
    assert_close(y, ref, x, w, spec, RTOL32)


def test_hand_worked_1d_and_2d() -> None:
    # y[i] = x[i] - x[i + 2]  on 0..5: -2 everywhere
    spec = ConvSpec((6,), (3,))
    y = numeric.conv(np.arange(6.0)[None, None], np.array([[[1.0, 0.0, -1.0]]]), spec, "winograd")
    np.testing.assert_allclose(y, [[[-2.0, -2.0, -2.0, -2.0]]], rtol=0, atol=1e-12)
    # the 3x3 box sum of a 5x5 ramp x[i, j] = 5 i + j, zero-padded: the centre is 9 * 12
    spec = ConvSpec((5, 5), (3, 3), padding=1)
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    y = numeric.conv(x, np.ones((1, 1, 3, 3)), spec, "winograd")
    assert y[0, 0, 2, 2] == pytest.approx(108.0, abs=1e-12)
    assert y[0, 0, 0, 0] == pytest.approx(0 + 1 + 5 + 6, abs=1e-12)


def test_resnet_like_layers_against_direct_float64() -> None:
    for size, c, n, groups in [(14, 32, 2, 1), (9, 16, 1, 4), (7, 8, 3, 8)]:
        spec = ConvSpec((size, size), (3, 3), in_channels=c, out_channels=c, batch=n, padding=1,
                        groups=groups)
        x, w = draw(spec, size, np.float32)
        ref = numeric.conv(x.astype(np.float64), w.astype(np.float64), spec, "direct")
        assert_close(numeric.conv(x, w, spec, "winograd"), ref, x, w, spec, RTOL32)


@pytest.mark.parametrize("tile", [2, 4, 6])
def test_every_tile_size_against_torch(tile: int) -> None:
    torch = pytest.importorskip("torch")
    spec = ConvSpec((13, 11), (3, 3), in_channels=6, out_channels=4, batch=2, padding=1)
    x, w = draw(spec, tile, np.float32)
    y = _winograd.winograd(x, w, spec, np.dtype(np.float32), tile=(tile, tile))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    rtol = {2: RTOL32[2] * (1.1e-5 / 6.1e-6 if tile == 6 else 1.0)}  # F(6x6): 1.1e-5 measured
    assert_close(y, ref, x, w, spec, rtol)


@settings(max_examples=30, deadline=None)
@given(SPECS.filter(lambda s: s.padding_mode.value == "zeros" and s.rank == 2),
       st.integers(0, 2**31))
def test_float32_against_torch(spec: ConvSpec, seed: int) -> None:
    torch = pytest.importorskip("torch")
    x, w = draw(spec, seed, np.float32)
    flat = [p for pair in reversed(spec.pads) for p in pair]
    t = torch.nn.functional.pad(torch.from_numpy(x), flat)
    ref = torch.nn.functional.conv2d(t, torch.from_numpy(w), groups=spec.groups).numpy()
    assert_close(numeric.conv(x, w, spec, "winograd"), ref, x, w, spec, {2: 2 * RTOL32[2]})


def test_integers_stay_exact() -> None:
    spec = ConvSpec((9, 7), (3, 3), in_channels=2, out_channels=3, padding=1)
    rng = np.random.default_rng(0)
    x, w = rng.integers(-9, 10, spec.input_shape), rng.integers(-9, 10, spec.weight_shape)
    y = numeric.conv(x, w, spec, "winograd")
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(y, numeric.conv(x, w, spec, "direct"))


def test_matrices_are_the_proved_transforms() -> None:
    for m, r in [(4, 3), (2, 5), (5, 2), (2, 3)]:
        assert prove_winograd(m, r).holds
        AT, G, BT = _winograd._axis_matrices(m, r)
        for got, exact in zip((AT, G, BT), winograd_transforms(m, r)):
            np.testing.assert_array_equal(got, np.array(exact.tolist(), dtype=np.float64))


def test_attack_convolution_transforms_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classic mistake (true-convolution transforms used for correlation) must fail the
    tolerance: the check above can fail.  Counterexample: an asymmetric kernel."""
    spec = ConvSpec((8, 8), (3, 3), in_channels=2, out_channels=2, padding=1)
    x, w = draw(spec, 7)
    ref = numeric.conv(x, w, spec, "direct")
    wrong = {(m, r): tuple(np.array(M.tolist(), dtype=np.float64)
                           for M in convolution_transforms(m, r)) for m, r in [(4, 3)]}
    monkeypatch.setattr(_winograd, "_axis_matrices", lambda m, r: wrong[(m, r)])
    _winograd._kron_matrices.cache_clear()
    try:
        with pytest.raises(AssertionError, match="winograd error"):
            assert_close(numeric.conv(x, w, spec, "winograd"), ref, x, w, spec, RTOL64)
    finally:
        _winograd._kron_matrices.cache_clear()


@pytest.mark.parametrize(("spec", "pattern"), [
    (ConvSpec((8, 8), (3, 3), stride=2), r"^stride: expected 1 on every axis"),
    (ConvSpec((8, 8), (3, 3), dilation=2), r"^dilation: expected 1 on every axis"),
    (ConvSpec((9, 9), (7, 7)), r"^kernel_size: expected at most 5 taps"),
    (ConvSpec((4, 4, 4), (3, 3, 3)), r"^rank: expected a 1-D or 2-D layer"),
])
def test_refused_layers_name_the_field(spec: ConvSpec, pattern: str) -> None:
    x, w = np.zeros(spec.input_shape, np.float32), np.zeros(spec.weight_shape, np.float32)
    with pytest.raises(SpecError, match=pattern):
        numeric.conv(x, w, spec, "winograd")
    with pytest.raises(SpecError, match=pattern):  # integers too: the refusal does not depend on it
        numeric.conv(x.astype(int), w.astype(int), spec, "winograd")


def test_transpose_refuses_winograd_and_auto_never_breaks_it() -> None:
    spec = ConvSpec((56, 56), (3, 3), in_channels=8, out_channels=8, padding=1)
    y = np.zeros(spec.output_shape, np.float32)
    w = np.zeros(spec.weight_shape, np.float32)
    with pytest.raises(SpecError, match=r"^method: 'winograd' computes the forward"):
        numeric.conv_transpose(y, w, spec, method="winograd")
    assert numeric.conv_transpose(y, w, spec).shape == spec.input_shape


def test_auto_takes_winograd_for_float32_only() -> None:
    spec = ConvSpec((14, 14), (3, 3), in_channels=32, out_channels=32, batch=2, padding=1)
    assert numeric.choose_method(spec) is numeric.Method.WINOGRAD
    x, w = draw(spec, 3, np.float32)
    np.testing.assert_array_equal(numeric.conv(x, w, spec), numeric.conv(x, w, spec, "winograd"))
    # float64 on integer values: auto stays exact (symconv convert compares with array_equal)
    rng = np.random.default_rng(0)
    xi = rng.integers(-9, 10, spec.input_shape).astype(np.float64)
    wi = rng.integers(-9, 10, spec.weight_shape).astype(np.float64)
    exact = numeric.conv(xi.astype(int), wi.astype(int), spec, "direct")
    np.testing.assert_array_equal(numeric.conv(xi, wi, spec), exact)
    assert not np.array_equal(numeric.conv(xi, wi, spec, "winograd"), exact)  # why: it rounds


@pytest.mark.parametrize(("spec", "method"), [
    (ConvSpec((7, 7), (3, 3), in_channels=512, out_channels=512), "im2col"),  # 4 tiles
    (ConvSpec((7, 7), (3, 3), in_channels=512, out_channels=512, batch=8), "winograd"),
    (ConvSpec((32, 32), (3, 3), in_channels=16, out_channels=16, batch=8), "im2col"),
    (ConvSpec((56, 56), (3, 3), in_channels=64, out_channels=64, stride=2), "im2col"),
    (ConvSpec((56, 56), (3, 3), in_channels=64, out_channels=64, dilation=2), "im2col"),
    (ConvSpec((56, 56), (5, 5), in_channels=64, out_channels=64), "im2col"),  # not measured
    (ConvSpec((56, 56), (3, 3), in_channels=64, out_channels=64, groups=4), "im2col"),
])
def test_choose_method_rule(spec: ConvSpec, method: str) -> None:
    assert numeric.choose_method(spec).value == method


@pytest.mark.parametrize("block_tiles", [1, 5, 20, 10_000])
@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_and_threads_cover_every_tile(monkeypatch: pytest.MonkeyPatch, block_tiles: int,
                                             workers: int) -> None:
    monkeypatch.setattr(_winograd, "BLOCK_TILES", block_tiles)
    monkeypatch.setattr(_winograd, "WORKERS", workers)
    for spec in [ConvSpec((13, 10), (3, 3), in_channels=3, out_channels=2, batch=3, padding=1),
                 ConvSpec((17,), (5,), in_channels=2, out_channels=3, batch=2, padding=(0, 2))]:
        x, w = draw(spec, block_tiles)
        assert_close(numeric.conv(x, w, spec, "winograd"), numeric.conv(x, w, spec, "direct"),
                     x, w, spec, RTOL64)


def test_1d_against_torch_conv1d() -> None:
    torch = pytest.importorskip("torch")
    for k, pad in [(2, 0), (3, 1), (4, 2), (5, 2)]:
        spec = ConvSpec((23,), (k,), in_channels=5, out_channels=3, batch=2, padding=pad)
        x, w = draw(spec, k, np.float32)
        ref = torch.nn.functional.conv1d(torch.from_numpy(x), torch.from_numpy(w),
                                         padding=pad).numpy()
        assert_close(numeric.conv(x, w, spec, "winograd"), ref, x, w, spec, {1: 2 * RTOL32[1]})


def test_complex_inputs_do_not_conjugate() -> None:
    spec = ConvSpec((4,), (2,))
    x = np.array([[[1, 1j, 2, -1j]]])
    w = np.array([[[1j, 2]]])
    want = np.array([[[1j * 1 + 2 * 1j, 1j * 1j + 2 * 2, 1j * 2 + 2 * -1j]]])
    got = numeric.conv(x, w, spec, "winograd")
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
