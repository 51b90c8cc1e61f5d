"""verify on fast-algorithm code: Winograd and FFT convolutions (float code that rounds).

The zoo (tests/zoo/fast.py) is numpy code as users write it.  FFT code cannot run on symbols
(numpy.fft refuses object arrays) and float Winograd transforms (1/2, 1/6, ...) are refused by
the polynomial carrier, so the randomized check with the rounding rule decides; Winograd code
with ``Fraction`` transforms runs on symbols and is proved exactly.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from symconv import ConvSpec, MistakeKind, verify
from symconv.verification import Status
from symconv.verification.rounding import DELTA_LIMIT, error_at, expected_output, rounded_range
from symconv.verification.verdict import Kind

from .zoo import fast

ONE_D = ConvSpec((7,), (3,), in_channels=2, out_channels=3, batch=2, padding=1)
TWO_D = ConvSpec((7, 6), (3, 3), in_channels=2, out_channels=2, batch=2, padding=1)
SMALL = ConvSpec((5, 4), (3, 3), in_channels=2, out_channels=2, padding=1)  # 1441 probes
TILE = ConvSpec((6, 6), (3, 3))  # one F(4x4, 3x3) tile
#: probing names the mistake of a float function; on a busy machine it may need more than 10 s
PROBE = {"max_probe_seconds": 60.0}
FLIP = (MistakeKind.UNWANTED_FLIP, MistakeKind.CONVOLUTION_TRANSFORMS)


def padded(fn, spec):
    """``fn`` with the spec's (symmetric) padding bound."""
    return functools.partial(fn, padding=spec.pads[0][0])


def oracle(x, w, padding):
    """Correlation by numpy sliding windows (not symconv): the zoo's own reference."""
    rank = x.ndim - 2
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0)) + ((padding, padding),) * rank)
    win = sliding_window_view(xp, w.shape[2:], axis=tuple(range(2, 2 + rank)))
    letters = "hwd"[:rank]
    kern = "uvt"[:rank]
    return np.einsum(f"nc{letters}{kern},fc{kern}->nf{letters}", win, w.astype(np.int64))


RIGHT = [
    (fast.winograd_f23_1d, ONE_D), (fast.winograd_f2x2_3x3, TWO_D),
    (fast.winograd_f4x4_3x3, TWO_D), (fast.winograd_f4x4_3x3, TILE),
    (fast.fft_conv, ONE_D), (fast.fft_conv, TWO_D), (fast.fft_conv_reversed, TWO_D),
]
WRONG = [
    (fast.winograd_f23_1d_conv_transforms, ONE_D, FLIP),
    (fast.winograd_f2x2_3x3_conv_transforms, SMALL, FLIP),
    (fast.winograd_f4x4_3x3_conv_transforms, SMALL, FLIP),
    (fast.fft_conv_no_conjugate, ONE_D, FLIP),
    (fast.fft_conv_no_conjugate, SMALL, FLIP),
    (fast.fft_conv_circular, ONE_D, (MistakeKind.FFT_CIRCULAR,)),
    (fast.fft_conv_circular, SMALL, (MistakeKind.FFT_CIRCULAR,)),
    (fast.fft_conv_crop_off_by_one, SMALL, (MistakeKind.WINDOW_SHIFTED,)),
    (fast.winograd_f2x2_3x3_no_border, SMALL, ()),
    (fast.winograd_f23_1d_no_border, ONE_D, ()),
]
DTYPES = ["int64", "float32"]


def _id(case):
    return f"{case[0].__name__}-{case[1].rank}d"


@pytest.mark.parametrize("fn, spec", RIGHT, ids=[_id(c) for c in RIGHT])
def test_the_right_zoo_computes_pytorch_conv_by_an_independent_oracle(fn, spec):
    rng = np.random.default_rng(3)
    x, w = rng.integers(-9, 10, spec.input_shape), rng.integers(-9, 10, spec.weight_shape)
    got = padded(fn, spec)(x, w)
    assert np.abs(got - oracle(x, w, spec.pads[0][0])).max() < 1e-6


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn, spec", RIGHT, ids=[_id(c) for c in RIGHT])
def test_right_fast_code_passes_by_the_rounding_rule(fn, spec, dtype):
    verdict = verify(padded(fn, spec), spec, numeric_dtype=dtype)
    assert verdict.status is Status.PASSED and verdict, str(verdict)
    assert verdict.bound is not None and verdict.bound <= 1e-6
    if "exactly" not in verdict.summary:  # it rounded: never a tolerance, delta < 1/2 named
        assert "rounded (each within delta = " in verdict.method and "< 1/2" in verdict.method
        assert "assumes the function's float error is below delta" in str(verdict)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn, spec, kinds", WRONG, ids=[_id(c) for c in WRONG])
def test_wrong_fast_code_is_wrong_with_its_name(fn, spec, kinds, dtype):
    verdict = verify(padded(fn, spec), spec, numeric_dtype=dtype, **PROBE)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.mistake_kinds == kinds, str(verdict)
    ex = verdict.example
    assert ex is not None  # the example fails on numbers, by more than the rounding allows
    got = padded(fn, spec)(ex.x, ex.w)[ex.position]
    assert abs(float(got) - ex.expected) > error_at(ex.x, ex.w, spec, 2.0 ** -23)


def test_the_names_speak_of_the_transforms_and_of_the_padding():
    text = str(verify(padded(fast.winograd_f2x2_3x3_conv_transforms, SMALL), SMALL, **PROBE))
    assert "  mistake: unwanted flip: " in text
    assert ("  same products as: transforms for true convolution used as correlation: the "
            "output is the true convolution, the kernel flipped: Winograd") in text
    assert "G[:, ::-1]" in text and "conj(W)" in text
    text = str(verify(padded(fast.fft_conv_circular, SMALL), SMALL, **PROBE))
    assert "mistake: FFT without enough zero padding (circular convolution): the border " \
        "reads the opposite edge" in text
    assert "rounding rule" in text and "one-hot outputs rounded" in text


def test_border_tiles_not_padded_are_wrong_at_the_last_row_only():
    verdict = verify(padded(fast.winograd_f2x2_3x3_no_border, SMALL), SMALL, **PROBE)
    assert verdict.status is Status.WRONG
    assert all(p[2] == 4 for p in verdict.positions)  # output 5x4: row 4 never computed
    assert "lacks the product" in str(verdict)


def test_a_circular_fft_is_right_for_a_circular_layer_and_no_mistake_without_padding():
    circular = TWO_D.replace(padding_mode="circular")
    assert verify(padded(fast.fft_conv_circular, circular), circular).status is Status.PASSED
    valid = ConvSpec((7, 6), (3, 3), in_channels=2)  # no padding: nothing wraps
    assert verify(fast.fft_conv_circular, valid).status is Status.PASSED


# ---- exact path: Winograd code with Fraction transforms runs on symbols ----------------------

def test_fraction_winograd_is_proved_and_its_convolution_transforms_named_exactly():
    verdict = verify(padded(fast.winograd_f23_exact, ONE_D), ONE_D)
    assert verdict.proved, str(verdict)
    wrong = verify(functools.partial(fast.winograd_f23_exact, padding=1, convolution=True),
                   ONE_D)
    assert wrong.status is Status.WRONG and wrong.mistake_kinds == FLIP, str(wrong)
    assert wrong.method.startswith("exact: symbolic execution")


@pytest.mark.parametrize("spec", [ConvSpec((7,), (3,), in_channels=2, out_channels=3, batch=2),
                                  ConvSpec((8,), (3,))])
def test_float_transforms_on_symbols_are_never_a_proof(spec):
    verdict = verify(fast.winograd_f23_uncast, spec)  # 0.5 * Polynomial is refused
    assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
    assert "cannot run on symbolic entries" in verdict.notes[0]


# ---- hypothesis: small layers --------------------------------------------------------------

@st.composite
def padded_layers(draw):
    """Stride-1 zero-padded layers of rank 1 or 2 with padding 1 <= p < k."""
    rank = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(2, 3)) for _ in range(rank))
    p = draw(st.integers(1, min(k) - 1))
    size = tuple(draw(st.integers(kk, 6)) for kk in k)
    return ConvSpec(size, k, in_channels=draw(st.integers(1, 2)),
                    out_channels=draw(st.integers(1, 2)), batch=draw(st.integers(1, 2)),
                    padding=p)


@settings(max_examples=12, deadline=None)
@given(padded_layers(), st.sampled_from(DTYPES))
def test_fft_conv_passes_and_the_under_padded_one_fails_on_small_layers(spec, dtype):
    assert verify(padded(fast.fft_conv, spec), spec, numeric_dtype=dtype), spec.describe()
    wrong = verify(padded(fast.fft_conv_circular, spec), spec, numeric_dtype=dtype, **PROBE)
    if any(2 * p > k - 1 for (p, _), k in zip(spec.pads, spec.kernel_size)):
        assert wrong.status is Status.WRONG_SHAPE, str(wrong)  # more outputs than inputs
        return
    assert wrong.status is Status.WRONG, str(wrong)
    assert MistakeKind.FFT_CIRCULAR in wrong.mistake_kinds, str(wrong)


@settings(max_examples=8, deadline=None)
@given(st.integers(3, 8), st.integers(3, 8), st.integers(1, 3), st.integers(0, 1))
def test_winograd_f4x4_passes_in_float32_on_small_layers(h, w, c, p):
    spec = ConvSpec((h, w), (3, 3), in_channels=c, padding=p)
    verdict = verify(padded(fast.winograd_f4x4_3x3, spec), spec, numeric_dtype="float32")
    assert verdict.status is Status.PASSED, str(verdict)


# ---- the error model, both directions ------------------------------------------------------

def _ratio(fn, x, w, spec):
    out = fn(x.astype(np.float32), w.astype(np.float32))
    err = np.abs(out.astype(np.float64) - expected_output(x, w, spec, Kind.CORRELATION)).max()
    return err / error_at(x, w, spec, 2.0 ** -23)


def test_the_error_model_holds_for_winograd_f4x4_under_an_adversarial_search():
    """Not too tight: hill-climb the inputs of one F(4x4, 3x3) tile to maximise the float32
    error over the model's delta (measured: about 0.17 at best; 1 would call it WRONG)."""
    rng = np.random.default_rng(7)
    mag = rounded_range(TILE, 2.0 ** -23)
    fn, worst = fast.winograd_f4x4_3x3, 0.0
    for _ in range(3):
        x = rng.integers(-mag, mag + 1, TILE.input_shape)
        w = rng.integers(-mag, mag + 1, TILE.weight_shape)
        r = _ratio(fn, x, w, TILE)
        for _ in range(150):
            x2, w2 = x.copy(), w.copy()
            a = x2 if rng.random() < 0.7 else w2
            a.flat[rng.integers(a.size)] = rng.choice([-mag, mag])
            r2 = _ratio(fn, x2, w2, TILE)
            if r2 >= r:
                x, w, r = x2, w2, r2
        worst = max(worst, r)
    assert 0 < worst < 0.5, worst  # a margin of 2 at least below the model


G_TYPO = np.round(fast.G_43, 4)  # 0.1667, 0.0417, 0.0833: four decimals typed by hand


def winograd_typo(x, w, padding=0):
    """F(4x4, 3x3) with G's 1/6, 1/12, 1/24 typed to four decimals."""
    return fast._winograd_2d(x, w, fast.AT_43, G_TYPO, fast.BT_43, padding)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", [TILE, TWO_D], ids=["tile", "layer"])
def test_not_too_loose_g_typed_to_four_decimals_is_wrong(spec, dtype):
    verdict = verify(padded(winograd_typo, spec), spec, numeric_dtype=dtype)
    assert verdict.status is Status.WRONG, str(verdict)


# ---- the attack: offsets within a loose tolerance --------------------------------------------

def plus(fn, amount):
    """``fn`` with ``amount`` added to output [0, 0, 0(, 0)] only."""
    def offset(x, w):
        y = np.array(fn(x, w), copy=True)
        y[(0,) * y.ndim] += amount
        return y
    return offset


@pytest.mark.parametrize("amount", [0.4, 0.6])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn, spec", [(fast.fft_conv, TWO_D), (fast.winograd_f4x4_3x3, TWO_D),
                                      (fast.fft_conv, ONE_D), (fast.winograd_f4x4_3x3, TILE)],
                         ids=["fft-2d", "winograd4-2d", "fft-1d", "winograd4-tile"])
def test_an_offset_below_one_half_is_not_passed_as_rounding(fn, spec, dtype, amount):
    """0.4 rounds back to the right integer (a round-then-compare or a 0.5 tolerance passes
    it); the rule compares with the error bound delta of the inputs, so it is WRONG too."""
    for seed in range(3):
        verdict = verify(plus(padded(fn, spec), amount), spec, numeric_dtype=dtype, seed=seed)
        assert verdict.status is Status.WRONG, str(verdict)
        assert "farther than delta" in verdict.summary or "fail" in verdict.summary
        assert verdict.positions[0] == (0,) * (spec.rank + 2), str(verdict)


def test_the_rounding_rule_limit_is_one_half():
    assert DELTA_LIMIT == 0.5


# ---- probing float code: one-hot outputs rounded only within the rounding error -------------

def test_probing_rounds_only_within_a_correct_algorithms_error():
    """A scale error of 1e-4 is far beyond the error of float64 FFT on one-hot inputs: the
    probe refuses to round it, so no mistake is named (and the verdict stays WRONG)."""
    def scaled(x, w):
        return padded(fast.fft_conv_no_conjugate, SMALL)(x, w) * (1 + 1e-4)
    verdict = verify(scaled, SMALL)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert any("not an exact integer" in n for n in verdict.notes), str(verdict)


def test_probed_products_must_reproduce_the_rounded_trials():
    """Right on one-hot inputs, wrong on dense ones (a term in x**2): the probed form does not
    reproduce the trials by the rounding rule, so nothing is named."""
    def squared(x, w):
        xf = np.asarray(x, dtype=float)
        return padded(fast.fft_conv, ONE_D)(x, w) + 0.5 * (xf[:, 0] * xf[:, 1])[:, None, :]
    verdict = verify(squared, ONE_D)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert any("not bilinear" in n for n in verdict.notes), str(verdict)
