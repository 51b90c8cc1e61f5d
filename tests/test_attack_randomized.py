"""Attacks on the randomized check (issue 8, item 4): every way it could say PASSED about wrong
code, each asserted refused with its reason or counterexample.

Correct float algorithms that genuinely round (Winograd F(2x2,3x3) in float32, FFT in float64
and float32) are written here, in the tests: they must pass by the rounding rule, and the same
code with one transform entry tampered, a missing tap or a ``+ 1.0`` bias must be WRONG.
"""

from __future__ import annotations

import functools
import itertools
import numbers
import textwrap
from fractions import Fraction

import numpy as np
import pytest

from symconv import ConvSpec, SymconvError, correlate, verify
from symconv.cli import main
from symconv.verification import Status
from symconv.verification.randomized import check_options, run_trials
from symconv.verification.rounding import (
    DELTA_LIMIT,
    deviations,
    draws_for,
    error_at,
    error_model,
    read_values,
    rounded_range,
)
from symconv.verification.verdict import Kind

from .zoo import right, wrong

SMALL = ConvSpec((6, 6), 3, in_channels=2, out_channels=2)
WIDE = ConvSpec((6, 6), 3, in_channels=16, out_channels=2)
LONG = ConvSpec((4, 4), 3, in_channels=2048)  # 18432 products per output


def einsum(x, w, dtype=np.float32):
    """Direct correlation in ``dtype`` (exact on the check's draws: partial sums < 2**24)."""
    x, w = np.asarray(x, dtype), np.asarray(w, dtype)
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


# -- Winograd F(2x2, 3x3) and FFT: correct float algorithms that round -------------------------
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float32)
G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], np.float32)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float32)


# F(4x4, 3x3) (Lavin & Gray): its 1/6, 1/12, 1/24 are not binary fractions, so it rounds
BT4 = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], np.float32)
G4 = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], np.float32)
AT4 = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], np.float32)


def winograd(x, w, bt=BT, g=G, at=AT):
    """Correlation by Winograd F(m x m, 3x3) tiles in float32 (stride 1, no padding);
    m = 2 with the default transforms, 4 with ``BT4, G4, AT4``."""
    x, w = np.asarray(x, np.float32), np.asarray(w, np.float32)
    n, c, h, wd = x.shape
    m, t = at.shape
    oh, ow = h - 2, wd - 2
    th, tw = -(-oh // m), -(-ow // m)
    xp = np.zeros((n, c, m * th + 2, m * tw + 2), np.float32)
    xp[:, :, :h, :wd] = x
    u = np.einsum("ij,fcjk,lk->fcil", g, w, g)  # G g G^T
    out = np.zeros((n, w.shape[0], m * th, m * tw), np.float32)
    for i, j in itertools.product(range(th), range(tw)):
        v = np.einsum("ij,ncjk,lk->ncil", bt, xp[:, :, m * i:m * i + t, m * j:m * j + t], bt)
        prod = np.einsum("fcil,ncil->nfil", u, v)
        out[:, :, m * i:m * i + m, m * j:m * j + m] = np.einsum("ij,nfjk,lk->nfil", at, prod, at)
    return out[:, :, :oh, :ow]


winograd4 = functools.partial(winograd, bt=BT4, g=G4, at=AT4)


def fft_conv(x, w, dtype=np.float64, kernel_scale=None):
    """Correlation through the FFT (full convolution with the flipped kernel, valid part)."""
    x, w = np.asarray(x, dtype), np.asarray(w, dtype)
    if kernel_scale is not None:
        w = w * np.asarray(kernel_scale, dtype)
    (h, wd), (kh, kw) = x.shape[2:], w.shape[2:]
    size = (h + kh - 1, wd + kw - 1)
    xf = np.fft.rfftn(x, size, axes=(2, 3))
    kf = np.fft.rfftn(w[:, :, ::-1, ::-1], size, axes=(2, 3))
    full = np.fft.irfftn(np.einsum("nchw,fchw->nfhw", xf, kf), size, axes=(2, 3))
    return full[:, :, kh - 1:h, kw - 1:wd].astype(dtype)


def without_tap(fn):
    """``fn`` with kernel tap (1, 1) forgotten."""
    def missing(x, w):
        w = np.array(w, copy=True)
        w[..., 1, 1] = 0
        return fn(x, w)
    return missing


def plus_one(fn):
    """``fn`` with a bias of 1.0 added (as a forgotten ``bias=False``)."""
    return lambda x, w: fn(x, w) + 1.0


TAMPERED_G = G.copy()
TAMPERED_G[1, 1] = -0.5
TAMPERED_BT = BT.copy()
TAMPERED_BT[2, 1] = 1
TAMPERED_G4 = G4.copy()
TAMPERED_G4[3, 1] = 1 / 12 + 1 / 1024  # one entry off by about one per cent

ROUNDING_RIGHT = [
    ("winograd-float32", winograd, WIDE),
    ("winograd-4x4-float32", winograd4, SMALL),
    ("winograd-4x4-float32-wide", winograd4, ConvSpec((10, 10), 3, in_channels=16)),
    ("fft-float64", fft_conv, WIDE),
    ("fft-float32", functools.partial(fft_conv, dtype=np.float32), SMALL),
    ("fft-float32-wide", functools.partial(fft_conv, dtype=np.float32), WIDE),
]
ROUNDING_WRONG = [
    ("winograd-tampered-G", functools.partial(winograd, g=TAMPERED_G)),
    ("winograd-tampered-BT", functools.partial(winograd, bt=TAMPERED_BT)),
    ("winograd-missing-tap", without_tap(winograd)),
    ("winograd-bias", plus_one(winograd)),
    ("winograd-4x4-tampered-G", functools.partial(winograd, bt=BT4, g=TAMPERED_G4, at=AT4)),
    ("winograd-4x4-missing-tap", without_tap(winograd4)),
    ("winograd-4x4-bias", plus_one(winograd4)),
    ("fft-float32-kernel-off-by-1e-4", functools.partial(
        fft_conv, dtype=np.float32, kernel_scale=[1, 1, 1.0001])),
    ("fft-float32-missing-tap", without_tap(functools.partial(fft_conv, dtype=np.float32))),
    ("fft-float64-bias", plus_one(fft_conv)),
    # below 1/2 everywhere, hidden in the allowance of dense inputs, beyond it on sparse ones
    ("direct-plus-0.4", lambda x, w: einsum(x, w) + np.float32(0.4)),
    ("direct-plus-0.2-sign", lambda x, w: einsum(x, w) * (1 + np.float32(1e-7)) + np.float32(
        0.2) * np.sign(einsum(x, w))),
]


@pytest.mark.parametrize(("name", "fn", "spec"), ROUNDING_RIGHT, ids=[r[0] for r in ROUNDING_RIGHT])
def test_correct_rounding_algorithms_pass_with_the_comparison_named(name, fn, spec):
    verdict = verify(fn, spec)
    assert verdict.status is Status.PASSED and verdict, str(verdict)
    assert verdict.bound is not None and verdict.bound < 1e-6
    text = str(verdict)
    assert "integer coefficients" in text and "|S| = " in text
    if "exactly" not in verdict.summary:  # it rounded: the rule, delta and assumption are named
        assert "rounded (each within delta = " in verdict.method and "< 1/2" in verdict.method
        assert "assumes the function's float error is below delta" in text


@pytest.mark.parametrize("fn", [functools.partial(fft_conv, dtype=np.float32), winograd4])
def test_float32_rounding_needs_the_smaller_range_and_states_the_recomputed_bound(fn):
    verdict = verify(fn, SMALL)
    magnitude = rounded_range(SMALL, float(np.finfo(np.float32).eps))
    assert verdict.status is Status.PASSED and 1 <= magnitude < draws_for(SMALL).high
    assert verdict.bound == pytest.approx((2 / (2 * magnitude + 1)) ** 8)
    assert f"checked again on the smaller range {{-{magnitude}, ..., {magnitude}}}" in str(verdict)


@pytest.mark.parametrize(("name", "fn"), ROUNDING_WRONG, ids=[r[0] for r in ROUNDING_WRONG])
def test_tampered_rounding_algorithms_are_wrong_with_a_position(name, fn):
    verdict = verify(fn, WIDE, max_probe_calls=0)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.positions and verdict.example is not None
    ex = verdict.example
    got = np.asarray(fn(ex.x, ex.w))[ex.position]  # the counterexample reproduces
    assert abs(float(got) - ex.expected) > error_at(ex.x, ex.w, WIDE, 2.0 ** -23)


# -- the tolerance fallback is gone -------------------------------------------------------------
def test_missing_tap_on_a_long_reduction_is_wrong_not_within_tolerance():
    for dtype in (np.float32, np.float64):
        verdict = verify(without_tap(functools.partial(einsum, dtype=dtype)), LONG,
                         method="randomized", max_probe_calls=0)
        assert verdict.status is Status.WRONG and not verdict, str(verdict)
        assert "tolerance" not in str(verdict).lower()


def test_missing_tap_hidden_in_rounding_noise_is_found_on_a_sparse_input():
    # float32 code that rounds on a 18432-long reduction: the random trial is undecided (a
    # correct float32 algorithm could err by more than the tap); zeroing entries finds an input
    # on which the error model allows far less than the tap's product
    def noisy(x, w):  # one tap of one channel forgotten: at most B**2 = 900 off
        w = np.array(w, copy=True)
        w[0, 0, 1, 1] = 0
        out = einsum(x, w)
        return out + np.float32(0.25) * np.sign(out)
    verdict = verify(noisy, LONG, method="randomized", max_probe_calls=0)
    assert verdict.status is Status.WRONG, str(verdict)
    assert "sparse input" in verdict.summary and "undecided" in str(verdict)
    ex = verdict.example
    assert np.count_nonzero(ex.x) + np.count_nonzero(ex.w) < 100
    assert abs(float(noisy(ex.x, ex.w)[ex.position]) - ex.expected) > error_at(
        ex.x, ex.w, LONG, 2.0 ** -23)


def test_correct_rounding_code_on_a_long_reduction_is_inconclusive_not_passed():
    def rounding(x, w):  # right to within one part in 10**7: what float32 FFT code might do
        out = einsum(x, w, np.float64)
        return (out * (1 + 1e-7 * np.cos(out))).astype(np.float32)
    verdict = verify(rounding, LONG, method="randomized", max_probe_calls=0)
    assert verdict.status is Status.INCONCLUSIVE and not verdict, str(verdict)
    assert "rounding cannot decide" in verdict.summary


def test_forgotten_bias_on_a_5x5_layer_is_wrong():
    spec = ConvSpec((9, 9), 5)
    for fn in (plus_one(einsum), plus_one(functools.partial(einsum, dtype=np.float64))):
        verdict = verify(fn, spec, method="randomized")
        assert verdict.status is Status.WRONG and not verdict, str(verdict)


def test_cli_exit_1_for_the_long_missing_tap(tmp_path, monkeypatch, capsys):
    (tmp_path / "tapconv.py").write_text(textwrap.dedent("""
        import numpy as np
        def conv(x, w):
            x, w = np.asarray(x, np.float32), np.array(w, np.float32)
            w[..., 2, 2] = 0
            win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
            return np.einsum("nchwuv,fcuv->nfhw", win, w)
    """))
    monkeypatch.chdir(tmp_path)
    code = main(["verify", "tapconv:conv", "--input", "1x2048x4x4", "--kernel", "1x2048x3x3",
                 "--method", "randomized", "--max-probe-calls", "0"])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("WRONG"), out


# -- exact outputs are compared exactly, floats in object arrays are floats ---------------------
def test_fraction_output_is_compared_exactly_not_truncated():
    def fractions(x, w):
        out = correlate(x, w, SMALL)
        return np.array([Fraction(int(v)) * (1 + Fraction(1, 10 ** 12)) for v in out.flat],
                        dtype=object).reshape(out.shape)
    verdict = verify(fractions, SMALL, method="randomized", max_probe_calls=0)
    assert verdict.status is Status.WRONG and verdict.example is not None, str(verdict)
    assert isinstance(verdict.example.got, Fraction) and verdict.example.got != \
        verdict.example.expected

    def exact(x, w):
        out = correlate(x, w, SMALL)
        return np.array([Fraction(int(v)) for v in out.flat], dtype=object).reshape(out.shape)
    assert verify(exact, SMALL, method="randomized").status is Status.PASSED


@pytest.mark.parametrize(("kind", "error"), [(float, 1e-6), (np.float64, 1e-6),
                                             (np.float32, 1e-4)])
def test_floats_in_object_arrays_are_float_output(kind, error):
    # (1 + error) is well above what a correct algorithm of that precision can err by;
    # smaller relative errors are within the rounding rule's assumption, not a deviation
    def scaled(x, w):
        out = correlate(x, w, SMALL)
        return np.array([kind(int(v) * (1 + error)) for v in out.flat],
                        dtype=object).reshape(out.shape)
    verdict = verify(scaled, SMALL, method="randomized", max_probe_calls=0)
    assert verdict.status is Status.WRONG and "farther than delta" in verdict.summary, \
        str(verdict)

    def same(x, w):
        out = correlate(x, w, SMALL)
        return np.array([kind(int(v)) for v in out.flat], dtype=object).reshape(out.shape)
    assert verify(same, SMALL, method="randomized").status is Status.PASSED


def test_read_values_never_truncates():
    values, eps, _ = read_values(np.array([Fraction(1, 2), 3], dtype=object))
    assert eps is None and deviations(values, np.array([0, 3]), None).tolist() == [True, False]
    values, eps, _ = read_values(np.array([np.float32(0.5), 3], dtype=object))
    assert eps == 2.0 ** -23 and values.dtype == np.float64 and values[0] == 0.5
    assert read_values(np.array([1 + 2j], dtype=object))[0] is None
    assert read_values(np.array([2 ** 70], dtype=object))[0][0] == 2 ** 70  # not int64


# -- trials and the other numeric options ------------------------------------------------------
@pytest.mark.parametrize(("options", "field"), [
    ({"trials": 0}, "trials"), ({"trials": -2}, "trials"), ({"trials": 1.5}, "trials"),
    ({"trials": True}, "trials"), ({"seed": -1}, "seed"), ({"seed": 0.5}, "seed"),
    ({"timeout": 0}, "timeout"), ({"timeout": float("nan")}, "timeout"),
    ({"numeric_dtype": bool}, "numeric_dtype"), ({"numeric_dtype": "complex128"}, "numeric_dtype"),
    ({"numeric_dtype": "no-such-dtype"}, "numeric_dtype"), ({"numeric_dtype": object},
                                                            "numeric_dtype"),
])
def test_bad_numeric_options_are_refused_before_fn_runs(options, field):
    calls = []

    def fn(x, w):
        calls.append(1)
        return right.conv2d_einsum(x, w)
    for method in ("auto", "randomized", "exact"):
        with pytest.raises(SymconvError, match=rf"^{field}: expected .*; ") as err:
            verify(fn, SMALL, method=method, **options)
        assert "\n" not in str(err.value)
    assert calls == []


def test_cli_trials_zero_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "userconv.py").write_text("def conv(x, w):\n    return x\n")
    monkeypatch.chdir(tmp_path)
    for trials in ("0", "-3"):
        code = main(["verify", "userconv:conv", "--input", "1x1x5x5", "--kernel", "1x1x3x3",
                     "--method", "randomized", "--trials", trials])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and "trials" in err, err
    for option, value in (("--numeric-dtype", "bool"), ("--numeric-dtype", "nonsense"),
                          ("--seed", "-1")):
        code = main(["verify", "userconv:conv", "--input", "1x1x5x5", "--kernel", "1x1x3x3",
                     option, value])
        err = capsys.readouterr().err
        field = option.lstrip("-").replace("-", "_")
        assert code == 2 and len(err.strip().splitlines()) == 1 and field in err, err


# -- the bound follows numeric_dtype ----------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "int64",
                                   "float16", "float32", "float64"])
def test_draws_are_exact_in_the_dtype_and_count_distinct_values(dtype):
    for spec in (ConvSpec((5, 5), 3), ConvSpec((6, 6), 2, in_channels=3)):
        draws = draws_for(spec, dtype)
        values = np.arange(draws.low, draws.high + 1)
        assert draws.values == len(np.unique(values.astype(dtype))) >= 3
        assert (values.astype(dtype).astype(np.int64) == values).all()  # nothing collapsed
        top = spec.products_per_output * draws.magnitude ** 2  # no partial sum wraps or rounds
        assert top <= (np.iinfo(dtype).max if dtype[0] in "iu" else
                       2 ** (np.finfo(dtype).nmant + 1))


@pytest.mark.parametrize(("dtype", "spec"), [("bool", SMALL), ("int8", LONG),
                                             ("uint8", ConvSpec((9, 9), 5, in_channels=3)),
                                             ("float16", LONG)])
def test_dtypes_whose_draws_give_no_bound_are_refused(dtype, spec):
    with pytest.raises(SymconvError, match="^numeric_dtype: .*Schwartz-Zippel bound below 1"):
        verify(wrong.conv2d_transposed_kernel, spec, numeric_dtype=dtype)


def test_narrow_dtype_bound_uses_its_own_set():
    spec = ConvSpec((5, 5), 3)

    def in_dtype(x, w):  # computes in the input's dtype: int8 arithmetic, no widening
        out = np.zeros(spec.output_shape, dtype=x.dtype)
        for u, v in itertools.product(range(3), range(3)):
            out += x[:, :, u:u + 3, v:v + 3] * w[:, :, u, v][..., None, None]
        return out
    verdict = verify(in_dtype, spec, numeric_dtype="int8", method="randomized")
    draws = draws_for(spec, "int8")
    assert verdict.status is Status.PASSED and draws.values == 7
    assert "|S| = 7, int8" in str(verdict) and verdict.trials == 12  # (2/7)**8 > 1e-6
    assert verdict.bound == pytest.approx((2 / 7) ** 12) and "12 trials run where 8" in \
        str(verdict)
    assert verify(wrong.conv2d_transposed_kernel, spec, numeric_dtype="int8",
                  method="randomized").status is Status.WRONG
    assert verify(wrong.conv2d_transposed_kernel, spec, numeric_dtype="uint8",
                  method="randomized").status is Status.WRONG


# -- verify never raises what fn raises --------------------------------------------------------
def failing_on(call_numbers, result=right.conv2d_einsum):
    state = {"calls": 0}

    def fn(x, w):
        state["calls"] += 1
        if state["calls"] in call_numbers:
            raise IndexError(f"boom on call {state['calls']}")
        return result(np.asarray(x, np.float64), np.asarray(w, np.float64))
    return fn


def test_a_later_trial_failure_is_raised_naming_the_call():
    verdict = verify(failing_on({3}), SMALL, method="randomized")
    assert verdict.status is Status.RAISED and not verdict
    assert "(call 3: random trial 3)" in verdict.summary and "boom on call 3" in verdict.summary
    assert verdict.traceback and "IndexError" in verdict.traceback


def test_failures_while_shrinking_or_probing_never_escape():
    transposed = functools.partial(wrong.conv2d_transposed_kernel)
    for calls in ({2}, {3}, set(range(2, 400)), set(range(5, 400))):
        verdict = verify(failing_on(calls, transposed), SMALL, method="randomized")
        assert verdict.status is Status.WRONG and not verdict, str(verdict)
    verdict = verify(failing_on(set(range(2, 400)), transposed), SMALL, method="randomized")
    assert "failed on" in str(verdict) and "IndexError" in str(verdict)


@pytest.mark.parametrize("later", [None, "text", np.zeros((1, 2, 4, 4), complex),
                                   np.full((1, 2, 4, 4), np.nan), np.zeros((2, 2)), [[1]]])
def test_a_later_call_returning_junk_is_not_a_pass(later):
    state = {"calls": 0}

    def fn(x, w):
        state["calls"] += 1
        return right.conv2d_einsum(np.asarray(x, float), np.asarray(w, float)) if \
            state["calls"] < 3 else later
    verdict = verify(fn, SMALL, method="randomized")
    assert not verdict and "call 3" in verdict.summary, str(verdict)


# -- no option combination makes a wrong function pass -----------------------------------------
def float_only(fn):
    @functools.wraps(fn)
    def wrapper(x, w):
        return fn(np.asarray(x, np.float64), np.asarray(w, np.float64))
    return wrapper


WRONG_FUNCTIONS = [wrong.conv2d_transposed_kernel, wrong.conv2d_flipped,
                   wrong.conv2d_im2col_row_bug, float_only(wrong.conv2d_transposed_kernel),
                   float_only(wrong.conv2d_im2col_row_bug), plus_one(einsum),
                   without_tap(einsum), functools.partial(winograd, g=TAMPERED_G)]
SPEC_FOR_COMBINATIONS = ConvSpec((5, 6), (2, 3), in_channels=2)


@pytest.mark.parametrize("fn", WRONG_FUNCTIONS, ids=lambda f: getattr(
    f, "__name__", getattr(getattr(f, "func", None), "__name__", "fn")))
def test_no_option_combination_passes_a_wrong_function(fn):
    combos = itertools.product(("auto", "randomized"), (1, 3), ("int8", "int16", "int64",
                                                                "uint8", "float32", "float64"),
                               ("correlation",), (0, 7))
    for method, trials, dtype, kind, seed in combos:
        verdict = verify(fn, SPEC_FOR_COMBINATIONS, method=method, trials=trials,
                         numeric_dtype=dtype, kind=kind, seed=seed, max_probe_calls=0)
        assert not verdict, (method, trials, dtype, kind, seed, str(verdict))
    # a right correlation asked for a convolution is a wrong function too
    for dtype, trials in itertools.product(("int8", "float32", "int64"), (1, 2)):
        verdict = verify(float_only(right.conv2d_einsum), SPEC_FOR_COMBINATIONS,
                         kind="convolution", numeric_dtype=dtype, trials=trials,
                         max_probe_calls=0)
        assert not verdict, str(verdict)


# -- the rounding rule's own arithmetic ----------------------------------------------------
def test_rounded_range_is_the_largest_with_delta_below_one_half():
    for spec in (SMALL, WIDE, ConvSpec((9, 8), 3, in_channels=3, batch=2, padding=1,
                                       padding_mode="reflect")):
        for eps in (2.0 ** -52, 2.0 ** -23, 2.0 ** -10):
            b = rounded_range(spec, eps)
            assert b == 0 or error_model(spec, eps, b) < DELTA_LIMIT
            assert b == 2 ** 11 or error_model(spec, eps, b + 1) >= DELTA_LIMIT


def test_error_at_never_exceeds_the_worst_case_model_on_the_draws():
    spec = ConvSpec((7, 6), 3, in_channels=2, out_channels=3, padding=1, padding_mode="replicate")
    rng = np.random.default_rng(0)
    draws = draws_for(spec, "int64", at_most=9)
    for _ in range(5):
        x, w = draws.draw(rng, spec.input_shape), draws.draw(rng, spec.weight_shape)
        assert error_at(x, w, spec, 2.0 ** -23) <= error_model(spec, 2.0 ** -23, 9) * (1 + 1e-12)


def test_no_pass_states_a_weak_bound():
    # trials=1 on |S| = 3 would be a 2/3 chance; the run extends until the bound is <= 1e-6
    spec = ConvSpec((4, 4), (3, 3), in_channels=14)  # 126 products: int8 allows |v| <= 1
    verdict = verify(float_only(right.conv2d_einsum), spec, numeric_dtype="int8", trials=1)
    assert draws_for(spec, "int8").values == 3 and verdict.status is Status.PASSED
    assert verdict.trials == 35 and verdict.bound == pytest.approx((2 / 3) ** 35)
    assert verdict.bound <= 1e-6


def test_run_trials_refuses_zero_trials_itself():
    with pytest.raises(SymconvError, match="^trials: "):
        run_trials(right.conv2d_einsum, SMALL, Kind.CORRELATION, trials=0)
    assert check_options(SMALL, trials=1, seed=0, numeric_dtype="float32", timeout=1).values > 3


def test_output_entries_whose_methods_raise_never_escape():
    class Evil(Fraction):
        def __eq__(self, other):
            raise RuntimeError("eq")

        def __ne__(self, other):
            raise RuntimeError("ne")

        def __hash__(self):
            return 0

    class Opaque:  # claims to be rational, cannot say which
        numerator = property(lambda self: 1 // 0)
        denominator = 1

        def __init__(self, value):
            pass
    numbers.Rational.register(Opaque)

    for entry in (Evil, Opaque):
        def fn(x, w, entry=entry):
            out = correlate(x, w, SMALL)
            return np.array([entry(int(v)) for v in out.flat], dtype=object).reshape(out.shape)
        verdict = verify(fn, SMALL, method="randomized")
        assert verdict.status in (Status.PASSED, Status.WRONG_DTYPE), str(verdict)
        assert (verdict.status is Status.PASSED) is (entry is Evil)  # Evil's values are right
