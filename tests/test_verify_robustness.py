"""User code that raises, hangs, mutates, returns NaN or nonsense: a verdict, never a crash."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest

from symconv import ConvSpec, SymconvError, verify
from symconv.verification import Status
from symconv.verification.run import call, changed_entries

from .zoo import broken, right

SPEC = ConvSpec((5, 6), (2, 3), in_channels=2, out_channels=2, batch=2)


def test_raising_function_shows_its_traceback_under_the_verdict():
    verdict = verify(broken.conv2d_index_error, SPEC)
    assert verdict.status is Status.RAISED and not verdict
    text = str(verdict)
    assert text.startswith("RAISED: the function raised IndexError")
    assert "traceback of the function:" in text and "conv2d_index_error" in text
    assert "symconv/verification" not in verdict.traceback  # only the user's frames
    assert "raises on integer inputs too" in text


def test_function_that_needs_numbers_is_checked_by_sampling():
    verdict = verify(functools.partial(right.conv2d_loops), SPEC.replace(batch=1))
    assert verdict.proved  # loops with dtype=x.dtype run on symbols

    def floats_only(x, w):
        return right.conv2d_loops(np.asarray(x, dtype=np.float64), np.asarray(w, np.float64))
    verdict = verify(floats_only, SPEC)
    assert verdict.status is Status.PASSED and bool(verdict) and not verdict.proved
    assert "cannot run on symbolic entries" in str(verdict)
    assert verdict.bound is not None and verdict.bound < 1e-15


def test_nan_output():
    verdict = verify(broken.conv2d_float_nan, SPEC)
    assert verdict.status is Status.NOT_FINITE and "NaN" in verdict.summary


def test_mutated_input_is_reported_with_the_output_judged_on_the_original():
    verdict = verify(broken.conv2d_flips_in_place, SPEC)
    assert verdict.status is Status.MUTATED_INPUT and not verdict
    assert "w (24 entries)" in verdict.summary
    assert "the output itself is wrong too" in str(verdict)  # it computed a convolution
    verdict = verify(broken.conv2d_flips_in_place, SPEC, kind="convolution")
    assert "the output itself is right" in str(verdict)


def test_timeout_returns_promptly():
    start = time.perf_counter()
    verdict = verify(broken.conv2d_slow, SPEC, timeout=0.2)
    assert time.perf_counter() - start < 2
    assert verdict.status is Status.TIMED_OUT and "0.2 s" in verdict.summary


@pytest.mark.parametrize(("fn", "status"), [
    (broken.conv2d_returns_none, Status.WRONG_DTYPE),
    (broken.conv2d_fft_complex, Status.WRONG_DTYPE),
    (lambda x, w: "out", Status.WRONG_DTYPE),
    (lambda x, w: np.zeros((1, 1, 4, 4), dtype=bool), Status.WRONG_DTYPE),
    (lambda x, w: np.zeros((1, 1, 3, 4), dtype=object), Status.WRONG_SHAPE),
    (lambda x, w: np.zeros((1, 1, 4, 4), dtype=object), Status.WRONG),
    (lambda x, w: np.zeros((1, 1, 4, 4)) + x[0, 0, 0, 0] * 0.5, Status.WRONG),
])
def test_nonsense_outputs(fn, status):
    spec = ConvSpec((5, 6), (2, 3))
    assert verify(fn, spec).status is status


def test_bool_output_on_numbers_is_a_dtype_error():
    verdict = verify(lambda x, w: np.zeros((1, 1, 4, 4), dtype=bool), ConvSpec((5, 6), (2, 3)),
                     method="randomized")
    assert verdict.status is Status.WRONG_DTYPE


def test_exact_method_does_not_fall_back():
    def floats_only(x, w):
        return right.conv2d_loops(np.asarray(x, dtype=np.float64), np.asarray(w, np.float64))
    verdict = verify(floats_only, SPEC, method="exact")
    assert verdict.status is Status.RAISED and "TypeError" in verdict.summary


def test_bad_arguments_to_verify_are_symconv_errors():
    with pytest.raises(SymconvError, match="^fn: expected a function"):
        verify(3, SPEC)
    with pytest.raises(SymconvError, match="^spec: expected a ConvSpec"):
        verify(right.conv2d_loops, (5, 5))
    with pytest.raises(SymconvError, match="kind 'correlation' or 'convolution'"):
        verify(right.conv2d_loops, SPEC, kind="conv")


def test_call_and_changed_entries():
    assert call(lambda: 1 / 0, ()).error_line == "ZeroDivisionError: division by zero"
    assert call(time.sleep, (1,), timeout=0.05).timed_out
    a = np.arange(4.0)
    b = a.copy()
    b[1] = np.nan
    assert changed_entries(a, a.copy()) == 0 and changed_entries(a, b) == 1
    assert changed_entries(b, b.copy()) == 0  # NaN stays NaN
    assert changed_entries(a, a[:2]) == 4


def test_unwritten_np_empty_entries_are_explained():
    """np.empty(dtype=object) holds None: the exact run fails, the randomized one refuses, and
    the verdict says why the symbolic run could not go through."""
    import numpy as np

    from symconv import ConvSpec, verify

    def leaky(x, w):
        out = np.empty((1, 1, 3, 3), dtype=x.dtype)
        out[:, :, :2, :] = 0  # the last row is never written
        for i in range(2):
            for j in range(3):
                out[0, 0, i, j] = (x[0, 0, i:i + 3, j:j + 3] * w[0, 0]).sum()
        return out * 1

    verdict = verify(leaky, ConvSpec((5, 5), (3, 3)))
    # with numbers, the unwritten row holds whatever memory held (usually wrong, not certainly)
    assert verdict.method.startswith("randomized") and not verdict.proved
    assert any("np.empty" in note for note in verdict.notes)
