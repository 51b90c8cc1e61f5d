"""The bug zoo: every right implementation accepted, every wrong one refused with its name."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from symconv import ConvSpec, MistakeKind, verify
from symconv.verification import Status

from .zoo import right, wrong

# specs chosen to expose each bug: non-square kernels, C>1, N>1, stride, dilation, groups
BASE = ConvSpec((5, 6), (2, 3), in_channels=2, out_channels=2, batch=2)
STRIDED = ConvSpec((7, 8), (2, 3), in_channels=2, out_channels=2, batch=2, stride=2, padding=1)
DILATED = ConvSpec((7, 8), (2, 3), in_channels=2, out_channels=2, dilation=2, padding=1)
GROUPED = ConvSpec((5, 6), (2, 3), in_channels=4, out_channels=4, batch=2, groups=2)
SQUARE = ConvSpec((5, 6), (3, 3), in_channels=2, out_channels=2)
SAME = ConvSpec((5, 6), (2, 2), padding="same")


def bound(fn, spec):
    """``fn`` with the spec's options bound by their PyTorch names."""
    padding = "same" if spec.padding == "same" else tuple(left for left, _ in spec.pads)
    return functools.partial(fn, stride=spec.stride, padding=padding, dilation=spec.dilation,
                             groups=spec.groups)


RIGHT = [
    (right.conv2d_loops, STRIDED, "correlation"),
    (right.conv2d_loops, DILATED, "correlation"),
    (right.conv2d_loops, GROUPED, "correlation"),
    (right.conv2d_im2col_batch_first, STRIDED, "correlation"),
    (right.conv2d_im2col_batch_first, DILATED, "correlation"),
    (right.conv2d_im2col_batch_last, STRIDED, "correlation"),
    (right.conv2d_im2col_batch_last, DILATED, "correlation"),
    (right.conv2d_colmajor, STRIDED, "correlation"),
    (right.conv2d_colmajor, DILATED, "correlation"),
    (right.conv2d_einsum, GROUPED, "correlation"),
    (right.conv2d_einsum, DILATED, "correlation"),
    (right.conv2d_im2col_uvc, STRIDED, "correlation"),
    (right.conv2d_shift_add, DILATED, "correlation"),
    (right.conv2d_shift_add, GROUPED, "correlation"),
    (right.convolve2d_flip_loops, STRIDED, "convolution"),
]

WRONG = [
    (wrong.convolve2d_no_flip, BASE, "convolution", MistakeKind.MISSING_FLIP),
    (wrong.conv2d_flipped, BASE, "correlation", MistakeKind.UNWANTED_FLIP),
    (wrong.convolve2d_flip_rows_only, BASE, "convolution", MistakeKind.FLIP_ONE_AXIS),
    (wrong.conv2d_transposed_kernel, SQUARE, "correlation", MistakeKind.TRANSPOSED_KERNEL),
    (wrong.conv2d_stride_on_offsets, STRIDED, "correlation",
     MistakeKind.STRIDE_ON_KERNEL_OFFSETS),
    (wrong.conv2d_dilation_ignored, DILATED, "correlation", MistakeKind.DILATION_IGNORED),
    (wrong.conv2d_same_extra_left, SAME, "correlation", MistakeKind.WINDOW_SHIFTED),
    (wrong.conv2d_im2col_uvc_patches, BASE, "correlation", MistakeKind.IM2COL_ROW_ORDER),
    (wrong.conv2d_im2col_row_bug, BASE, "correlation", MistakeKind.KERNEL_HEIGHT_FOR_WIDTH),
    (wrong.conv2d_im2col_fold_mixup, BASE, "correlation", MistakeKind.BATCH_SPATIAL_MIXED),
    (wrong.conv2d_groups_leak, GROUPED, "correlation", MistakeKind.GROUPS_LEAK),
    (wrong.conv2d_cs231n_out_width, BASE, "correlation", MistakeKind.WRONG_OUTPUT_SHAPE),
    (wrong.conv2d_nhwc_output, BASE, "correlation", MistakeKind.WRONG_OUTPUT_SHAPE),
]


@pytest.mark.parametrize(("fn", "spec", "kind"), RIGHT,
                         ids=[f"{f.__name__}-{s.describe()}" for f, s, _ in RIGHT])
def test_right_implementations_are_proved(fn, spec, kind):
    verdict = verify(bound(fn, spec), spec, kind=kind)
    assert verdict.proved and verdict.status is Status.CORRECT, str(verdict)
    assert bool(verdict) and verdict.mistakes == ()


@pytest.mark.parametrize(("fn", "spec", "kind", "mistake"), WRONG,
                         ids=[f.__name__ for f, *_ in WRONG])
def test_wrong_implementations_are_refused_with_their_name(fn, spec, kind, mistake):
    verdict = verify(bound(fn, spec), spec, kind=kind)
    assert not verdict and verdict.status in (Status.WRONG, Status.WRONG_SHAPE), str(verdict)
    assert verdict.mistakes and verdict.mistakes[0].kind is mistake, str(verdict)
    assert f"mistake: {mistake.value}" in str(verdict)


def test_the_zoo_is_big_enough():
    assert len({f for f, *_ in WRONG}) >= 12 and len({f for f, *_ in RIGHT}) >= 5
    # every mistake of the list has a member
    assert {m for *_, m in WRONG} >= set(MistakeKind) - {
        MistakeKind.STRIDE_IGNORED, MistakeKind.PADDING_MODE_IGNORED,
        MistakeKind.CONVOLUTION_TRANSFORMS, MistakeKind.FFT_CIRCULAR} - {  # test_verify_fast.py
        k for k in MistakeKind if k.about_bias}  # fn(x, w, b): tests/test_verify_bias.py


@pytest.mark.parametrize(("fn", "spec", "kind", "mistake"), WRONG[:11],
                         ids=[f.__name__ for f, *_ in WRONG[:11]])
def test_the_concrete_example_really_fails(fn, spec, kind, mistake):
    """Paste the printed example into a test: the function's number differs from the spec."""
    from symconv.verification.randomized import expected_output

    verdict = verify(bound(fn, spec), spec, kind=kind)
    ex = verdict.example
    namespace = {"np": np}
    exec(ex.code(), namespace)  # the printed lines are valid Python
    x, w = namespace["x"], namespace["w"]
    assert (x == ex.x).all() and (w == ex.w).all()
    got = np.asarray(bound(fn, spec)(x, w))[ex.position]
    want = expected_output(x, w, spec, verdict.kind)[ex.position]
    assert (got, want) == (ex.got, ex.expected) and got != want
    assert np.count_nonzero(x) + np.count_nonzero(w) <= 4  # small: one product or two


def test_transposed_kernel_message_names_the_swapped_entries():
    verdict = verify(bound(wrong.conv2d_transposed_kernel, SQUARE), SQUARE)
    assert "out[0,0,0,0] multiplies x[0,0,0,1] by w[0,0,1,0] where w[0,0,0,1] belongs" in \
        str(verdict)


def test_cs231n_shape_bug_says_how_the_size_was_computed():
    verdict = verify(bound(wrong.conv2d_cs231n_out_width, BASE), BASE)
    assert "kernel height and width swapped" in verdict.mistakes[0].detail
    assert "every entry it has follows the spec's formula" in str(verdict)


def test_nhwc_output_says_transpose():
    verdict = verify(bound(wrong.conv2d_nhwc_output, BASE), BASE)
    assert "(N, H, W, F)" in str(verdict)


def test_no_name_when_two_mistakes_combine():
    """Transposed kernel *and* missing flip: no single catalogued mistake matches exactly."""
    def both(x, w):
        return right.conv2d_loops(x, np.swapaxes(w, 2, 3))
    verdict = verify(both, SQUARE, kind="convolution")
    assert not verdict and verdict.mistakes == ()
    assert "no known mistake matches" in str(verdict)
    assert "multiplies" in str(verdict)
