"""Oracle: numeric paths and formulations agree with scipy.signal in every mode and boundary.

The padding each scipy mode applies is written out here as the fact under test (kernel extent
``E``): valid ``(0, 0)``; full ``(E-1, E-1)``; same ``((E-1)//2, E//2)`` for correlate2d and
``(E//2, (E-1)//2)`` for the N-D correlate.  Boundaries: fill = zeros, wrap = circular,
symm = numpy 'symmetric' (no ConvSpec mode: padded by np.pad, then 'valid').
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, forms, numeric

METHODS = ("direct", "im2col", "fft", "auto")
PADS = {
    "valid": lambda e: (0, 0),
    "full": lambda e: (e - 1, e - 1),
    "same2d": lambda e: ((e - 1) // 2, e // 2),
    "sameNd": lambda e: (e // 2, (e - 1) // 2),
}


@st.composite
def image_and_kernel(draw: st.DrawFn, ranks: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    rank = draw(st.sampled_from(ranks))
    kernel = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    image = tuple(draw(st.integers(k, 9 if rank < 3 else 6)) for k in kernel)
    return image, kernel


def arrays(shape: tuple[int, ...], kernel: tuple[int, ...], integer: bool, seed: int):
    rng = np.random.default_rng(seed)
    if integer:
        return rng.integers(-20, 21, shape), rng.integers(-20, 21, kernel)
    return rng.standard_normal(shape), rng.standard_normal(kernel)


def agree(x: np.ndarray, w: np.ndarray, spec: ConvSpec, want: np.ndarray, *,
          kernel_for_conv: np.ndarray | None = None) -> None:
    """Every numeric path and the symbolic formulations equal ``want`` (exactly for ints)."""
    xs, ws = x[None, None], (w if kernel_for_conv is None else kernel_for_conv)[None, None]
    results = {m: numeric.conv(xs, ws, spec, m) for m in METHODS}
    results["forms.correlate"] = forms.correlate(xs, ws, spec)
    results["forms.im2col_matmul"] = forms.im2col_matmul(xs, ws, spec)
    bound = numeric.error_bound(xs, ws, spec, np.float64)
    for name, got in results.items():
        got = got[0, 0]
        assert got.shape == want.shape, name
        if x.dtype.kind == "i":
            assert got.dtype == np.int64 and (got == want).all(), name
        else:
            assert np.abs(got - want).max() <= 2 * bound, name


@settings(max_examples=150, deadline=None)
@given(image_and_kernel((1, 2, 3)), st.sampled_from(("valid", "full", "same")), st.booleans(),
       st.integers(0, 2**31))
def test_correlate_nd(sizes, mode: str, integer: bool, seed: int) -> None:
    image, kernel = sizes
    x, w = arrays(image, kernel, integer, seed)
    pads = PADS["sameNd" if mode == "same" else mode]
    spec = ConvSpec(image, kernel, padding=tuple(pads(k) for k in kernel))
    agree(x, w, spec, scipy.signal.correlate(x, w, mode=mode, method="direct"))


@settings(max_examples=150, deadline=None)
@given(image_and_kernel((2,)), st.sampled_from(("valid", "full", "same")),
       st.sampled_from(("fill", "wrap", "symm")), st.booleans(), st.integers(0, 2**31))
def test_correlate2d_modes_and_boundaries(sizes, mode: str, boundary: str, integer: bool,
                                          seed: int) -> None:
    image, kernel = sizes
    x, w = arrays(image, kernel, integer, seed)
    want = scipy.signal.correlate2d(x, w, mode=mode, boundary=boundary)
    pads = tuple(PADS["same2d" if mode == "same" else mode](k) for k in kernel)
    if boundary == "symm":  # numpy 'symmetric': no ConvSpec mode, pad first
        x = np.pad(x, pads, mode="symmetric")
        spec = ConvSpec(x.shape, kernel)
    else:
        spec = ConvSpec(image, kernel, padding=pads,
                        padding_mode={"fill": "zeros", "wrap": "circular"}[boundary])
    agree(x, w, spec, want)


@settings(max_examples=60, deadline=None)
@given(image_and_kernel((1, 2, 3)), st.sampled_from(("valid", "full", "same")), st.booleans(),
       st.integers(0, 2**31))
def test_convolve_is_correlate_with_flipped_kernel(sizes, mode: str, integer: bool,
                                                   seed: int) -> None:
    image, kernel = sizes
    x, w = arrays(image, kernel, integer, seed)
    want = scipy.signal.convolve(x, w, mode=mode, method="direct")
    padding = "same" if mode == "same" else tuple(PADS[mode](k) for k in kernel)
    spec = ConvSpec(image, kernel, padding=padding)
    assert np.allclose(forms.convolve(x[None, None], w[None, None], spec)[0, 0], want)
    # numerically: correlate with the flipped kernel, padded by the mirrored ('convolution') pads
    flipped = spec.replace(padding=spec.convolution_pads)
    agree(x, w, flipped, want, kernel_for_conv=np.flip(w))
    if len(image) == 2:
        assert np.allclose(scipy.signal.convolve2d(x, w, mode=mode), want)


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", ["full", "same"])
def test_convolve2d_boundaries(mode: str, boundary: str) -> None:
    x, w = arrays((6, 5), (3, 4), True, 5)
    want = scipy.signal.convolve2d(x, w, mode=mode, boundary=boundary)
    spec = ConvSpec((6, 5), (3, 4), padding="same" if mode == "same" else 0)
    pads = spec.convolution_pads if mode == "same" else ((2, 2), (3, 3))
    if boundary == "symm":
        xp = np.pad(x, pads, mode="symmetric")
        got = numeric.conv(xp[None, None], np.flip(w)[None, None], ConvSpec(xp.shape, (3, 4)))
    else:
        mode_name = {"fill": "zeros", "wrap": "circular"}[boundary]
        got = numeric.conv(x[None, None], np.flip(w)[None, None],
                           ConvSpec((6, 5), (3, 4), padding=pads, padding_mode=mode_name))
    assert (got[0, 0] == want).all()
