"""The randomized exact check: torch code, float code, large layers, the Schwartz-Zippel bound."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings

from symconv import ConvSpec, correlate, verify
from symconv.strategies import conv_specs
from symconv.verification import Status
from symconv.verification.randomized import expected_output, value_bound

from .reference import convolve_loops
from .zoo import right, wrong

SPEC = ConvSpec((7, 8), (2, 3), in_channels=2, out_channels=4, batch=2, stride=2, padding=1,
                dilation=(2, 1))


@settings(max_examples=40, deadline=None)
@given(conv_specs(max_size=6))
def test_expected_output_matches_the_definition(spec):
    rng = np.random.default_rng(0)
    b = value_bound(spec)
    x = rng.integers(-b, b + 1, spec.input_shape)
    w = rng.integers(-b, b + 1, spec.weight_shape)
    from symconv.verification import Kind
    assert (expected_output(x, w, spec, Kind.CORRELATION) == correlate(x, w, spec)).all()
    if spec.padding_mode.value == "zeros":
        assert (expected_output(x, w, spec, Kind.CONVOLUTION) == convolve_loops(x, w, spec)).all()


def test_value_bound_keeps_sums_exact_in_float32():
    for spec in (SPEC, ConvSpec((56, 56), 3, in_channels=64, out_channels=64, padding=1),
                 ConvSpec((3,), (1,))):
        b = value_bound(spec)
        assert spec.products_per_output * b * b < 2 ** 24


def test_large_layer_is_sampled_and_states_the_bound():
    verdict = verify(right.conv2d_einsum, ConvSpec((12, 12), 3, in_channels=4, out_channels=4),
                     max_symbolic_products=1000)
    assert verdict.status is Status.PASSED and bool(verdict) and not verdict.proved
    b = value_bound(ConvSpec((12, 12), 3, in_channels=4, out_channels=4))
    assert verdict.bound == pytest.approx((2 / (2 * b + 1)) ** 8)
    text = str(verdict)
    assert "max_symbolic_products=1000" in text and "chance that a wrong bilinear" in text


def test_sampled_wrong_function_gets_a_small_example():
    spec = ConvSpec((6, 7), (2, 3), in_channels=2, out_channels=2, batch=2)
    verdict = verify(wrong.conv2d_im2col_row_bug, spec, method="randomized")
    assert verdict.status is Status.WRONG and verdict.differing > 0
    ex = verdict.example
    assert ex.got != ex.expected
    assert np.count_nonzero(ex.x) + np.count_nonzero(ex.w) <= 4  # shrunk
    assert (np.asarray(wrong.conv2d_im2col_row_bug(ex.x, ex.w))[ex.position] == ex.got)


def test_float_noise_is_rounded_with_its_delta_stated_never_a_tolerance():
    # behaviour changed on purpose (issue 8): one unit in the last place off used to be
    # "PASSED WITHIN TOLERANCE" without a bound; now the output is rounded to the exact integer
    # under a stated delta < 1/2, and the Schwartz-Zippel bound applies to the rounded values
    def noisy(x, w):  # one unit in the last place off, as an FFT or Winograd might be
        out = right.conv2d_einsum(x, w).astype(np.float64)
        return np.nextafter(out, np.inf)
    spec = SPEC.replace(stride=1, padding=0, dilation=1)
    verdict = verify(noisy, spec, method="randomized")
    assert verdict.status is Status.PASSED and verdict.bound is not None and verdict.bound < 1e-12
    assert "rounded (each within delta = " in verdict.method and "< 1/2" in verdict.method
    assert "integer coefficients" in str(verdict)

    def off(x, w):  # a relative error far above float64 rounding is wrong, not noise
        return right.conv2d_einsum(x, w) * (1 + 1e-9)
    verdict = verify(off, spec, method="randomized")
    assert verdict.status is Status.WRONG and "farther than delta" in verdict.summary


torch = pytest.importorskip("torch")


def test_torch_conv2d_passes_randomized():
    from .zoo.torch_conv import conv2d_torch, conv2d_torch_float32

    opts = dict(stride=2, padding=1, dilation=(2, 1))
    for fn in (conv2d_torch, conv2d_torch_float32):
        verdict = verify(functools.partial(fn, **opts), SPEC)
        assert verdict.status is Status.PASSED, str(verdict)
        assert "cannot run on symbolic entries" in str(verdict)
        assert verdict.bound < 1e-12


def test_torch_transposed_kernel_is_refused():
    from .zoo.torch_conv import conv2d_torch_transposed

    spec = ConvSpec((6, 6), 3, in_channels=2, out_channels=2)
    verdict = verify(conv2d_torch_transposed, spec)
    assert verdict.status is Status.WRONG and verdict.example is not None
    assert "paste into a test" in str(verdict)
