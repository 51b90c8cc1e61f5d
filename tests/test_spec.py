"""ConvSpec: hand-worked sizes and every kind of bad input."""

from __future__ import annotations

import dataclasses

import pytest
import sympy
from hypothesis import given, settings

from symconv import ConvSpec, SpecError, SymconvError, output_length
from tests.strategies import conv_specs


@pytest.mark.parametrize(("kwargs", "expected"), [
    (dict(input_size=(5, 5), kernel_size=(3, 3)), (3, 3)),
    (dict(input_size=(32, 32), kernel_size=3, stride=2, padding=1), (16, 16)),
    (dict(input_size=(7, 7), kernel_size=3, dilation=2), (3, 3)),
    (dict(input_size=(5, 5), kernel_size=3, padding="same"), (5, 5)),
    (dict(input_size=(6, 5), kernel_size=(4, 2), padding="same"), (6, 5)),
    (dict(input_size=(224, 224), kernel_size=7, stride=2, padding=3), (112, 112)),
    (dict(input_size=(10,), kernel_size=(3,), stride=3), (3,)),
    (dict(input_size=(4, 5, 6), kernel_size=(2, 2, 3), padding=((1, 0), (0, 0), (2, 1))),
     (4, 4, 7)),
    (dict(input_size=(2,), kernel_size=(4,), padding=(2, 1)), (2,)),
])
def test_output_size_hand_worked(kwargs, expected):
    assert ConvSpec(**kwargs).output_size == expected


def test_same_padding_splits_like_pytorch():
    assert ConvSpec((6,), (4,), padding="same").pads == ((1, 2),)
    assert ConvSpec((6,), (4,), padding="same").convolution_pads == ((2, 1),)
    assert ConvSpec((6,), (3,), padding="same", dilation=3).pads == ((3, 3),)
    assert ConvSpec((6,), (2,), padding="valid").pads == ((0, 0),)


def test_shapes_follow_pytorch_layouts():
    spec = ConvSpec((9, 10), (2, 3), in_channels=4, out_channels=6, batch=2, groups=2)
    assert spec.input_shape == (2, 4, 9, 10)
    assert spec.weight_shape == (6, 2, 2, 3)
    assert spec.output_shape == (2, 6, 8, 8)
    assert spec.products_per_output == 12


def test_output_length_is_symbolic():
    i, k, s, p, d = sympy.symbols("i k s p d", integer=True, positive=True)
    expr = output_length(i, k, s, p, p, d)
    assert expr.subs({i: 32, k: 3, s: 2, p: 1, d: 1}) == 16


def test_frozen_and_replace_revalidates():
    spec = ConvSpec((5, 5), 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.stride = (2, 2)  # type: ignore[misc]
    with pytest.raises(SpecError, match=r"^stride: "):
        spec.replace(stride=0)


@pytest.mark.parametrize(("kwargs", "pattern"), [
    (dict(stride=0), r"^stride: expected an integer >= 1 on every axis, got 0; use stride=1"),
    (dict(stride=(1, -2)), r"^stride: .*got \(1, -2\)"),
    (dict(dilation=0), r"^dilation: expected an integer >= 1"),
    (dict(padding=-1), r"^padding: expected an integer >= 0, got -1"),
    (dict(padding="half"), r"^padding: expected an integer, a tuple, 'valid' or 'same'"),
    (dict(padding=(1, 2, 3)), r"^padding: expected one value or 2"),
    (dict(in_channels=3, groups=2), r"^in_channels: expected a multiple of groups=2, got 3"),
    (dict(out_channels=5, groups=2, in_channels=2), r"^out_channels: expected a multiple"),
    (dict(in_channels=0), r"^in_channels: expected an integer >= 1, got 0"),
    (dict(batch=1.5), r"^batch: expected an integer >= 1, got 1.5"),
    (dict(groups=True), r"^groups: expected an integer >= 1, got True"),
    (dict(padding="same", stride=2), r"^stride: expected 1 when padding='same'"),
    (dict(padding_mode="mirror"), r"^padding_mode: expected one of zeros, reflect"),
    (dict(padding=5, padding_mode="reflect"), r"^padding: expected at most 4 on axis 0"),
])
def test_bad_options_name_the_field(kwargs, pattern):
    with pytest.raises(SpecError, match=pattern) as info:
        ConvSpec((5, 5), (3, 3), **kwargs)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, SymconvError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("inp", "ker", "pattern"), [
    ((5, 5), (7, 7), r"^kernel_size: expected a kernel no wider than the padded input \(5\) "
                     r"on axis 0, got \(7, 7\); its dilated extent is 7: .* pad by at least 2"),
    ((5, 5), (3,), r"^kernel_size: expected one value or 2"),
    ((5, 5), (3, 3, 3), r"^kernel_size: expected one value or 2"),
    ((5, 0), (3, 3), r"^input_size: expected an integer >= 1 on every axis"),
    ((5, 5, 5, 5), (1, 1, 1, 1), r"^input_size: expected 1, 2 or 3 sizes"),
    ((), (1,), r"^input_size: expected 1, 2 or 3 sizes"),
    (("5", 5), (3, 3), r"^input_size: expected an integer >= 1"),
])
def test_impossible_shapes(inp, ker, pattern):
    with pytest.raises(SpecError, match=pattern):
        ConvSpec(inp, ker)


def test_dilated_kernel_must_fit():
    with pytest.raises(SpecError, match=r"dilated extent is 5"):
        ConvSpec((4,), (3,), dilation=2)
    assert ConvSpec((4,), (3,), dilation=2, padding=(1, 0)).output_size == (1,)


@settings(max_examples=200, deadline=None)
@given(conv_specs())
def test_generated_specs_are_consistent(spec):
    assert len(spec.output_size) == spec.rank
    assert all(o >= 1 for o in spec.output_size)
    for (pl, pr), (cl, cr) in zip(spec.pads, spec.convolution_pads):
        assert pl + pr == cl + cr
    assert spec.in_channels % spec.groups == 0 == spec.out_channels % spec.groups


def test_describe():
    assert ConvSpec((5, 5), 3).describe() == "5x5 * 3x3"
    text = ConvSpec((6, 5), (4, 2), padding="same", in_channels=2, groups=2, out_channels=2,
                    batch=3).describe()
    assert text == "6x5 * 4x2, N=3, C=2, F=2, groups 2, pad same"
