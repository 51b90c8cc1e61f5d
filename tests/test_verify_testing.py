"""symconv.testing and symconv.strategies from a user's point of view: one-line tests."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings

from symconv import ConvSpec
from symconv.strategies import conv_specs
from symconv.testing import assert_conv_correct

from .zoo import right, wrong


def test_assert_conv_correct_returns_the_verdict():
    verdict = assert_conv_correct(right.conv2d_einsum, ConvSpec((5, 6), (2, 3), in_channels=2))
    assert verdict.proved


def test_assert_conv_correct_raises_with_the_diagnosis():
    spec = ConvSpec((5, 6), (2, 3), in_channels=2, out_channels=2)
    with pytest.raises(AssertionError, match="mistake: im2col rows ordered differently"):
        assert_conv_correct(wrong.conv2d_im2col_uvc_patches, spec)


def test_require_proof_refuses_a_sampled_pass():
    spec = ConvSpec((5, 6), (2, 3))
    with pytest.raises(AssertionError, match="not proved exactly"):
        assert_conv_correct(right.conv2d_einsum, spec, method="randomized", require_proof=True)


@settings(max_examples=30, deadline=None)
@given(conv_specs(ranks=(2,), max_size=6, padding_modes=("zeros",), allow_same=False)
       .filter(lambda s: all(left == r for left, r in s.pads)))
def test_property_test_in_one_line(spec):
    """What a user writes: every drawn layer, their function, proved."""
    padding = tuple(left for left, _ in spec.pads)
    assert_conv_correct(functools.partial(right.conv2d_shift_add, stride=spec.stride,
                                          padding=padding, dilation=spec.dilation,
                                          groups=spec.groups), spec)


@settings(max_examples=30, deadline=None)
@given(conv_specs(ranks=(2,), max_size=6, padding_modes=("zeros",), allow_same=False))
def test_strategies_draw_valid_layers_over_the_options(spec):
    assert spec.rank == 2 and spec.padding_mode.value == "zeros"
    assert all(o >= 1 for o in spec.output_size)
    assert spec.in_channels % spec.groups == 0 and spec.out_channels % spec.groups == 0
