"""Tests that kill surviving mutants of the verify comparison (.ci/mutation, verify-comparison).

Each test pins a decision of the comparison code to an exact value or a refusal: where an
output entry counts as different, which bound a range is shrunk to, which verdict is given.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy

from symconv import ConvSpec, convolve, correlate, verify
from symconv.verification.crosscheck import _same, mismatch
from symconv.verification.randomized import run_trials
from symconv.verification.rounding import (
    DELTA_LIMIT,
    MAX_VALUE,
    _factor,
    deviations,
    draws_for,
    error_model,
    expected_output,
    rounded_range,
)
from symconv.verification.verdict import Kind, Status

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
    # int64 against int64 exactly, not through float64 (where 2**53 + 1 is 2**53)
    assert mismatch(np.array([2 ** 53 + 1]), np.array([2 ** 53])).tolist() == [True]
    assert mismatch(np.array([2 ** 53 + 1], dtype=np.int64),
                    np.array([2 ** 53 + 1])).tolist() == [False]


def test_float_fast_path_only_below_2_to_the_53():
    # float64(2**53 + 1) is 2**53: compared as floats, the two would look equal
    assert mismatch(np.array([2.0 ** 53]), np.array([2 ** 53 + 1])).tolist() == [True]
    assert mismatch(np.array([2.0 ** 53, -4.0]), np.array([2 ** 53, -4])).tolist() == [False,
                                                                                      False]
    assert mismatch(np.array([np.nan, np.inf, 1.5]), np.array([0, 0, 1])).tolist() == [True] * 3
    assert mismatch(np.zeros((0, 2)), np.zeros((0, 2), dtype=np.int64)).shape == (0, 2)


def test_fractions_are_never_compared_as_floats():
    third = np.array([Fraction(1, 3), Fraction(1, 2), 2], dtype=object)
    assert mismatch(np.array([1 / 3, 0.5, 2.0]), third).tolist() == [True, False, False]
    assert mismatch(np.array([0, 0, 2]), third).tolist() == [True, True, False]


def test_mismatch_refuses_a_shape_it_cannot_compare():
    with pytest.raises(ValueError, match=r"out: expected shape \(2,\), got \(3,\)"):
        mismatch(np.zeros(3), np.zeros(2, dtype=np.int64))


@pytest.mark.parametrize(("value", "want", "same"), [
    (True, 1, False), (np.bool_(False), 0, False), ("3", 3, False), (None, 0, False),
    (3, 3, True), (np.int8(-3), -3, True), (4, 3, False), (2 ** 53 + 1, 2 ** 53, False),
    (np.int64(2 ** 62 + 1), 2 ** 62, False), (2 ** 70, 2 ** 70, True),
    (Fraction(1, 3), Fraction(1, 3), True), (Fraction(1, 3), 0, False),
    (sympy.Integer(3), 3, True), (sympy.Integer(2) ** 70, 2 ** 70, True),
    (sympy.Rational(1, 3), Fraction(1, 3), True), (sympy.Rational(1, 3), 0, False),
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


# -- core._exact: each way the symbolic run ends ---------------------------------------------
BSPEC = ConvSpec((4, 4), (3, 3), bias=True)
CHECKED = ("exact: symbolic execution on polynomial entries, canonical forms compared; "
           "cross-checked on 7 numeric calls (dtypes int64, float64, float32)")
NOTHING = "exact (attempted): symbolic execution on polynomial entries; {}, so nothing was compared"


@pytest.mark.parametrize(("fn", "status", "what", "summary"), [
    (lambda x, w: None, Status.WRONG_DTYPE, "it returned None",
     "the function returned None (a missing return statement?)"),
    (lambda x, w: np.zeros((1, 1, 2, 2), bool), Status.WRONG_DTYPE, "it returned dtype bool",
     "the output has dtype bool; expected numbers or polynomials"),
    (lambda x, w: np.zeros((1, 1, 2, 2), complex), Status.WRONG_DTYPE,
     "it returned dtype complex128", "the output has dtype complex128; expected numbers or "
     "polynomials"),
    (lambda x, w: np.zeros((1, 1, 2, 2), "U3"), Status.WRONG_DTYPE, "it returned dtype <U3",
     "the output has dtype <U3; expected numbers or polynomials"),
    (lambda x, w: np.full((1, 1, 2, 2), np.nan), Status.NOT_FINITE,
     "its output is not polynomials", "the output holds a value that is not a polynomial: "
     "value: expected an exact number, got the float nan"),
    (lambda x, w: np.full((1, 1, 2, 2), -np.inf), Status.NOT_FINITE,
     "its output is not polynomials", "the output holds a value that is not a polynomial: "
     "value: expected an exact number, got the float -inf"),
    (lambda x, w: np.full((1, 1, 2, 2), 0.5), Status.WRONG_DTYPE,
     "its output is not polynomials", "the output holds a value that is not a polynomial: "
     "value: expected an exact number, got the float 0.5"),
    (lambda x, w: 1 / 0, Status.RAISED, "the call raised",
     "the function raised ZeroDivisionError: division by zero"),
])
def test_a_symbolic_run_that_compares_nothing_says_so(fn, status, what, summary):
    verdict = verify(fn, SPEC, method="exact")
    assert verdict.status is status and not verdict and not verdict.proved
    assert verdict.method == NOTHING.format(what)
    assert verdict.summary.startswith(summary)


def test_an_output_that_is_no_array_is_wrong_dtype():
    class Opaque:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no array here")

    verdict = verify(lambda x, w: Opaque(), SPEC, method="exact")
    assert verdict.status is Status.WRONG_DTYPE and not verdict
    assert verdict.method == NOTHING.format("its output is not an array")
    assert verdict.summary == ("the output cannot be read as an array of numbers "
                               "(RuntimeError: no array here)")


def test_a_symbolic_run_past_the_timeout_is_timed_out():
    def slow(x, w):
        time.sleep(1.5)
        return correlate(x, w, SPEC)

    verdict = verify(slow, SPEC, method="exact", timeout=0.2)
    assert verdict.status is Status.TIMED_OUT and not verdict
    assert verdict.method == NOTHING.format("the call did not return")
    assert verdict.summary == ("the function did not return within 0.2 s (it keeps running "
                               "in a background thread)")
    assert verdict.notes == ("raise timeout=, or use method='randomized' for a large layer",)


def test_changing_the_input_is_refused_and_the_output_judged_too():
    def zero_x(x, w):
        out = correlate(x, w, SPEC)
        x[0, 0, 0, 0] = 0
        return out

    def zero_w(x, w):
        out = correlate(x, w, SPEC)
        w[...] = 0
        return out + 1

    for fn, changed, note in ((zero_x, "x (1 entries)", "right"),
                              (zero_w, "w (9 entries)", "wrong too")):
        verdict = verify(fn, SPEC, method="exact")
        assert verdict.status is Status.MUTATED_INPUT and not verdict and not verdict.proved
        assert verdict.summary == "the function changed its input in place: " + changed
        assert verdict.notes == ("the output itself is " + note,)
        assert verdict.method == "exact: symbolic execution on polynomial entries, canonical " \
            "forms compared"


def test_correct_counts_products_and_bias_terms():
    verdict = verify(lambda x, w: correlate(x, w, SPEC), SPEC, method="exact")
    assert verdict.status is Status.CORRECT and verdict.proved
    assert verdict.summary == "proved equal to the spec at all 4 output positions (36 products)"
    assert verdict.method == CHECKED
    verdict = verify(lambda x, w, b: correlate(x, w, SPEC) + b.reshape(1, -1, 1, 1), BSPEC,
                     method="exact")
    assert verdict.status is Status.CORRECT and verdict.proved
    assert verdict.summary == ("proved equal to the spec at all 4 output positions (36 products "
                               "and 4 bias terms)")


def test_wrong_names_its_positions_and_keeps_the_example():
    def doubled(x, w):
        out = correlate(x, w, SPEC)
        out[0, 0, 1, 1] = out[0, 0, 1, 1] * 2
        return out

    verdict = verify(doubled, SPEC, method="exact")
    assert verdict.status is Status.WRONG and not verdict and not verdict.proved
    assert verdict.summary == "1 of 4 output positions differ"
    assert verdict.method == CHECKED + "; the example confirmed on numbers"
    assert verdict.differing == 1 and verdict.positions == ((0, 0, 1, 1),)
    assert verdict.details[0] == "differing positions: out[0,0,1,1]"
    assert verdict.details[1] == "out[0,0,1,1] has w[0,0,0,0]·x[0,0,1,1] 2 times where 1 belongs"
    assert verdict.notes == ("no known mistake matches this output exactly; the raw difference "
                             "is above",)
    ex = verdict.example
    assert ex is not None and ex.position == (0, 0, 1, 1) and ex.got == 2 * ex.expected != 0
    got, want = verdict.first_forms
    assert len(got) == len(want) == 9 and {c for _, c in got} == {2} and {c for _, c in want} == {1}


def test_many_differing_positions_are_shown_with_an_ellipsis():
    spec = ConvSpec((9, 9), (2, 2))
    verdict = verify(lambda x, w: correlate(x, w, spec) + 1, spec, method="exact")
    assert verdict.status is Status.WRONG and verdict.differing == 64
    assert verdict.summary == "64 of 64 output positions differ"
    assert verdict.details[0].endswith(" ...") and len(verdict.positions) < 64


def test_a_wrong_shape_is_wrong_shape():
    verdict = verify(lambda x, w: correlate(x, w, SPEC)[..., :1], SPEC, method="exact")
    assert verdict.status is Status.WRONG_SHAPE and not verdict
    assert verdict.summary == "the output has shape (1, 1, 2, 1) where the spec gives (1, 1, 2, 2)"
    assert verdict.method == CHECKED  # its forms were cross-checked on numbers too


# -- randomized.run_trials: the second phase on a smaller range ------------------------------
SMALL = ConvSpec((6, 6), 3, in_channels=2, out_channels=2)
F32 = float(np.finfo(np.float32).eps)


def _noisy(x, w, spec, part=1e-7):
    out = correlate(np.asarray(x, np.int64), np.asarray(w, np.int64), spec).astype(np.float64)
    return out * (1 + part * np.cos(out))  # right to one part in 1 / part, never exact


def test_a_precision_that_changes_between_phases_is_inconclusive():
    small = rounded_range(SMALL, F32)

    def float16_on_small_inputs(x, w):
        noisy = _noisy(x, w, SMALL)
        return noisy.astype(np.float32 if np.abs(x).max() > small else np.float16)

    verdict = verify(float16_on_small_inputs, SMALL, method="randomized", max_probe_calls=0)
    assert verdict.status is Status.INCONCLUSIVE and not verdict and verdict.trials == 0
    found = run_trials(float16_on_small_inputs, SMALL, Kind.CORRELATION)
    assert found.status is Status.INCONCLUSIVE and found.exact is False and found.trials == 0
    assert verdict.summary == (
        "the float output is not exact (precision eps = 1.2e-07) and agrees with the spec only "
        "within the error bound of a correct float algorithm, which is >= 1/2 on inputs from "
        f"[-{draws_for(SMALL).high}, {draws_for(SMALL).high}], and its precision changed between "
        "calls (eps = 0.00098 on the smaller range)")


def test_float32_noise_passes_only_on_the_smaller_range_with_both_ranges_named():
    small, high = rounded_range(SMALL, F32), draws_for(SMALL).high
    verdict = verify(lambda x, w: _noisy(x, w, SMALL).astype(np.float32), SMALL,
                     method="randomized", max_probe_calls=0)
    assert verdict.status is Status.PASSED and verdict and "rounded" in verdict.method
    assert verdict.notes[0] == (
        "the float output is not exact (precision eps = 1.2e-07) and agrees with the spec only "
        "within the error bound of a correct float algorithm, which is >= 1/2 on inputs from "
        f"[-{high}, {high}]: checked again on the smaller range {{-{small}, ..., {small}}} "
        f"(|S| = {2 * small + 1}, int64)")
    assert verdict.bound == pytest.approx((2 / (2 * small + 1)) ** verdict.trials)


def test_no_range_below_one_half_is_inconclusive_with_zero_trials():
    assert rounded_range(SMALL, 2.0 ** -10) == 0  # float16 on this layer: no range rounds
    verdict = verify(lambda x, w: _noisy(x, w, SMALL, 1e-3).astype(np.float16), SMALL,
                     method="randomized", max_probe_calls=0, numeric_dtype="int8")
    assert verdict.status is Status.INCONCLUSIVE and not verdict and verdict.trials == 0
    assert verdict.summary.endswith("; no input range with 3 or more values brings it below "
                                    "1/2 on this layer, so rounding cannot decide")
    assert verdict.notes == ("use a smaller layer, float64 output, or code that sums exactly",)


# -- rounding.expected_output: exact at every magnitude --------------------------------------
@pytest.mark.parametrize("spec", [
    ConvSpec((5, 4), (3, 2), in_channels=2, out_channels=3, padding="same"),
    ConvSpec((7,), 4, stride=2, dilation=1, padding=2, bias=True),
    ConvSpec((6, 5), (2, 3), in_channels=4, out_channels=2, groups=2, dilation=(2, 1),
             bias=True),
])
@pytest.mark.parametrize("kind", [Kind.CORRELATION, Kind.CONVOLUTION])
@pytest.mark.parametrize("high", [9, 2 ** 20, 2 ** 26])  # 2**26: sums past 2**53
def test_expected_output_is_the_exact_spec_output(spec, kind, high):
    rng = np.random.default_rng(high)
    x = rng.integers(-high, high + 1, spec.input_shape)
    w = rng.integers(-high, high + 1, spec.weight_shape)
    b = rng.integers(-high, high + 1, (spec.out_channels,)) if spec.bias else None
    reference = convolve if kind is Kind.CONVOLUTION else correlate
    want = reference(x.astype(object), w.astype(object), spec)
    if b is not None:
        want = want + b.astype(object).reshape((1, -1) + (1,) * spec.rank)
    got = expected_output(x, w, spec, kind, b)
    assert got.shape == want.shape
    assert [int(v) for v in got.flat] == [int(v) for v in want.flat]


def test_run_trials_defaults_are_eight_trials_from_seed_zero():
    calls = []

    def right(x, w):
        calls.append(np.array(x, copy=True))
        return correlate(x, w, SMALL)

    found = run_trials(right, SMALL, Kind.CORRELATION)
    assert found.status is Status.PASSED and found.trials == 8 and len(calls) == 8
    draws = draws_for(SMALL)
    assert np.array_equal(calls[0], draws.draw(np.random.default_rng(0), SMALL.input_shape))
    assert run_trials(right, SMALL, Kind.CORRELATION, seed=1).samples[0][0].tolist() != \
        calls[0].tolist()


def test_randomized_check_passes_the_keyword_arguments():
    def scaled(x, w, *, scale):
        return scale * correlate(x, w, SMALL)

    verdict = verify(scaled, SMALL, method="randomized", kwargs={"scale": 1})
    assert verdict.status is Status.PASSED and verdict
    verdict = verify(scaled, SMALL, method="randomized", kwargs={"scale": 2}, max_probe_calls=0)
    assert verdict.status is Status.WRONG and not verdict


ONE = ConvSpec((4, 4), 1)  # float16 output rounds only on {-1, 0, 1}: rounded_range is 1


def _noisy16(x, w):
    return _noisy(x, w, ONE, 1e-3).astype(np.float16)


def test_a_smaller_range_of_magnitude_one_is_still_checked():
    assert rounded_range(ONE, 2.0 ** -10) == 1
    verdict = verify(_noisy16, ONE, method="randomized", max_probe_calls=0, numeric_dtype="int8")
    assert verdict.status is Status.PASSED and verdict and verdict.trials == 35
    assert verdict.summary.endswith("on 35 random integer inputs from [-1, 1]")
    assert verdict.notes[0].endswith(": checked again on the smaller range {-1, ..., 1} "
                                     "(|S| = 3, int8)")  # drawn in the dtype asked for


def test_a_smaller_range_the_dtype_cannot_draw_is_inconclusive():
    # uint8 on magnitude 1 has the values {0, 1}: no Schwartz-Zippel bound below 1
    found = run_trials(_noisy16, ONE, Kind.CORRELATION, dtype="uint8")
    assert found.status is Status.INCONCLUSIVE and found.trials == 0 and found.exact is False
    assert found.summary.endswith("no input range with 3 or more values brings it below 1/2 "
                                  "on this layer, so rounding cannot decide")


def test_the_randomized_check_keeps_its_timeout():
    def slow(x, w):
        time.sleep(0.5)
        return correlate(x, w, ONE)

    verdict = verify(slow, ONE, method="randomized", timeout=0.1)
    assert verdict.status is Status.TIMED_OUT and not verdict
    assert verdict.summary == ("the function did not return within 0.1 s on integer inputs "
                               "(call 1: random trial 1)")


def test_expected_output_switches_to_python_integers_where_float64_would_round():
    spec, a = ConvSpec((2,), 2), 2 ** 26 + 1
    x, w = np.array([[[a, a]]]), np.array([[[a, a - 1]]])
    # a*a + a*(a - 1) = 2**53 + 2**27 + 2**26 + 1: odd and above 2**53, so no float64
    assert expected_output(x, w, spec, Kind.CORRELATION).tolist() == [[[a * a + a * (a - 1)]]]
    bias = ConvSpec((1,), 1, bias=True)  # a bias near 2**63 would wrap in int64
    one, b = np.array([[[1]]]), np.array([2 ** 63 - 1])
    assert expected_output(one, one, bias, Kind.CORRELATION, b).tolist() == [[[2 ** 63]]]
