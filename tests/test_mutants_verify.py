"""Tests that kill surviving mutants of the verify comparison (.ci/mutation, verify-comparison).

Each test pins a decision of the comparison code to an exact value or a refusal: where an
output entry counts as different, which bound a range is shrunk to, which verdict is given.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from symconv import ConvSpec, correlate, verify
from symconv.verification.crosscheck import _same, mismatch
from symconv.verification.rounding import (
    DELTA_LIMIT,
    MAX_VALUE,
    _factor,
    deviations,
    error_model,
    rounded_range,
)

SPEC = ConvSpec((4, 4), (3, 3))


# -- crosscheck.mismatch / _same: exact, every dtype ------------------------------------------
def test_longdouble_output_a_relative_2_to_the_minus_60_off_is_not_correct():
    # found by mutation testing: _same read a longdouble through float(), which rounded
    # v * (1 + 2**-60) to v, so this function was CORRECT: proved
    def off_on_numbers(x, w):
        out = correlate(x, w, SPEC)
        if out.dtype != object:
            return out.astype(np.longdouble) * (1 + np.longdouble(2) ** -60)
        return out

    verdict = verify(off_on_numbers, SPEC)
    assert not verdict and not verdict.proved
    assert "exact comparison" in verdict.method


def test_longdouble_and_clongdouble_entries_are_compared_exactly():
    tiny = np.longdouble(2) ** -62
    out = np.array([3, 3, 2 ** 53], dtype=np.longdouble) + np.array([tiny, 0, 1])
    assert mismatch(out, np.array([3, 3, 2 ** 53])).tolist() == [True, False, True]
    c = np.array([3, 3], dtype=np.clongdouble) + np.array([tiny, 1j * tiny])
    assert mismatch(c, np.array([3, 3])).tolist() == [True, True]
    assert mismatch(np.array([3], dtype=np.clongdouble), np.array([3])).tolist() == [False]


def test_uint64_is_not_read_through_int64():
    # 2**64 - 1 as int64 is -1: the fast path must not take uint64
    assert mismatch(np.array([2 ** 64 - 1], dtype=np.uint64), np.array([-1])).tolist() == [True]
    assert mismatch(np.array([7], dtype=np.uint64), np.array([7])).tolist() == [False]
    assert mismatch(np.array([7, 8], dtype=np.uint32), np.array([7, 7])).tolist() == [False, True]


def test_float_fast_path_only_below_2_to_the_53():
    # float64(2**53 + 1) is 2**53: compared as floats, the two would look equal
    assert mismatch(np.array([2.0 ** 53]), np.array([2 ** 53 + 1])).tolist() == [True]
    assert mismatch(np.array([2.0 ** 53, -4.0]), np.array([2 ** 53, -4])).tolist() == [False,
                                                                                      False]
    assert mismatch(np.array([np.nan, np.inf, 1.5]), np.array([0, 0, 1])).tolist() == [True] * 3
    assert mismatch(np.zeros((0, 2)), np.zeros((0, 2), dtype=np.int64)).shape == (0, 2)


def test_mismatch_refuses_a_shape_it_cannot_compare():
    with pytest.raises(ValueError, match=r"out: expected shape \(2,\), got \(3,\)"):
        mismatch(np.zeros(3), np.zeros(2, dtype=np.int64))


@pytest.mark.parametrize(("value", "want", "same"), [
    (True, 1, False), (np.bool_(False), 0, False), ("3", 3, False), (None, 0, False),
    (3, 3, True), (np.int8(-3), -3, True), (4, 3, False), (2 ** 53 + 1, 2 ** 53, False),
    (np.int64(2 ** 62 + 1), 2 ** 62, False), (2 ** 70, 2 ** 70, True),
    (Fraction(1, 3), Fraction(1, 3), True), (Fraction(1, 3), 0, False),
    (0.5, Fraction(1, 2), True), (0.1, Fraction(1, 10), False),
    (np.float32(0.5), Fraction(1, 2), True), (np.float16(2.0), 2, True),
    (float("nan"), 0, False), (float("inf"), 0, False), (np.float64("-inf"), 0, False),
    (3 + 0j, 3, True), (3 + 1e-300j, 3, False), (np.complex64(2), 2, True),
    (np.complex128(2 + 1j), 2, False),
])
def test_same_is_exact_equality_with_a_number(value, want, same):
    assert _same(value, want) is same


# -- rounding.deviations -----------------------------------------------------------------------
def test_exact_deviations_read_uint64_and_objects_as_integers():
    # numpy compares uint64 with int64 through float64, where 2**53 + 1 is 2**53
    big = np.array([2 ** 53 + 1, 5], dtype=np.uint64)
    assert deviations(big, np.array([2 ** 53, 5]), None).tolist() == [True, False]
    obj = np.array([2 ** 70 + 1, Fraction(1, 2)], dtype=object)
    assert deviations(obj, np.array([2 ** 70, 0], dtype=object), None).tolist() == [True, True]
    assert deviations(obj, obj.copy(), None).tolist() == [False, True]  # 1/2 is no integer
    assert deviations(np.array([[1, 2]]), np.array([[1, 3]]), None).tolist() == [[False, True]]


def test_rounded_deviations_are_strictly_beyond_delta():
    values = np.array([1.25, 0.75, 1.2500001, np.nan, np.inf, -1.0])
    got = deviations(values, np.array([1, 1, 1, 1, 1, -1]), 0.25)
    assert got.tolist() == [False, False, True, True, True, False]


# -- rounding.rounded_range ----------------------------------------------------------------------
@pytest.mark.parametrize("spec", [SPEC, ConvSpec((8,), 3, in_channels=2, bias=True),
                                  ConvSpec((5, 6), (2, 3), in_channels=3, stride=2)])
@pytest.mark.parametrize("eps", [2.0 ** -23, 2.0 ** -16, 2.0 ** -10, 2.0 ** -7])
def test_rounded_range_is_exactly_the_largest_magnitude_below_one_half(spec, eps):
    b = rounded_range(spec, eps)
    assert 0 <= b <= MAX_VALUE
    assert b == 0 or error_model(spec, eps, b) < DELTA_LIMIT
    assert b == MAX_VALUE or error_model(spec, eps, b + 1) >= DELTA_LIMIT


def test_rounded_range_is_capped_and_can_be_zero():
    assert rounded_range(SPEC, 2.0 ** -52) == MAX_VALUE
    assert rounded_range(SPEC, 2.0 ** -2) == 0


@pytest.mark.parametrize("m", [1, 2, 5])
def test_rounded_range_steps_down_where_the_bias_term_tips_delta_over(m):
    # the isqrt estimate ignores the bias term: on this eps it says m, delta at m is >= 1/2
    spec = ConvSpec((8,), 3, in_channels=2, bias=True)
    factor, norms = _factor(spec)
    eps = 0.5 / (factor * (norms * m * m + m / 2))
    assert math.isqrt(int(DELTA_LIMIT / (eps * factor * norms))) == m
    assert error_model(spec, eps, m) >= DELTA_LIMIT > error_model(spec, eps, m - 1)
    assert rounded_range(spec, eps) == m - 1


def test_rounded_range_excludes_delta_exactly_one_half():
    spec, eps = ConvSpec((4,), (4,)), 0.001838235294117647
    assert error_model(spec, eps, 1) == DELTA_LIMIT  # exactly 1/2 in floating point
    assert rounded_range(spec, eps) == 0  # rounding decides only below 1/2
