"""verify with ``spec.bias``: fn(x, w, b) against the convolution + b[f], exactly and on numbers.

The exact path runs fn on symbolic b_{f} too; the bias mistakes (missing, added twice, on the
wrong axis) are named only on an exact match; the randomized check draws b, states its bound for
the affine form, and probing reads the bias apart.  Issue 12, item 4.
"""

from __future__ import annotations

import numpy as np
import pytest

from symconv import ConvSpec, SpecError, SymconvError, verify
from symconv.verification import MistakeKind, Status
from symconv.verification.crosscheck import cases, draw_bound
from symconv.verification.rounding import draws_for, error_at, error_model, expected_output
from tests.cli_runner import run_cli

SPEC = ConvSpec((5, 5), (3, 3), in_channels=2, out_channels=3, bias=True)


def conv(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


def good(x, w, b):
    return conv(x, w) + b[None, :, None, None]


def missing(x, w, b):
    return conv(x, w)


def twice(x, w, b):
    return conv(x, w) + b[:, None, None] + b[:, None, None]


def transposed(x, w, b):
    return conv(x, np.swapaxes(w, 2, 3)) + b[:, None, None]


def transposed_no_bias(x, w, b):
    return conv(x, np.swapaxes(w, 2, 3))


def on_batch(x, w, b):  # b[:, None, None, None] broadcasts along the batch axis
    return conv(x, w) + b[:, None, None, None]


def on_width(x, w, b):  # out + b broadcasts b along the last axis
    return conv(x, w) + b


def float_only(x, w, b, *, add=True):
    x, w, b = (np.asarray(a, dtype=np.float32) for a in (x, w, b))
    return conv(x, w) + (b[:, None, None] if add else 0)


def _confirm(fn, verdict):
    """The example really fails: fn's number at the position is not the spec's."""
    ex = verdict.example
    assert ex is not None and ex.b is not None, str(verdict)
    got = np.asarray(fn(ex.x.copy(), ex.w.copy(), ex.b.copy()))[ex.position]
    want = expected_output(ex.x, ex.w, verdict.spec, verdict.kind, ex.b)[ex.position]
    assert got == ex.got and want == ex.expected and got != want, str(verdict)
    assert "b = np.array(" in str(verdict) and "expected fn(x, w, b)[" in str(verdict)


def test_spec_bias_is_a_validated_field_shown_by_describe():
    assert SPEC.describe() == "5x5 * 3x3, C=2, F=3, bias"
    assert ConvSpec((5, 5), 3).bias is False
    with pytest.raises(SpecError, match=r"^bias: expected True or False, got 1; use bias=True"):
        ConvSpec((5, 5), 3, bias=1)


def test_expected_output_adds_the_bias_per_filter_hand_worked():
    spec = ConvSpec((3,), (2,), out_channels=2, bias=True)
    x, w, b = np.array([[[1, 2, 3]]]), np.array([[[1, 10]], [[0, 1]]]), np.array([100, -5])
    # filter 0: 1*1 + 2*10 = 21, 2*1 + 3*10 = 32; filter 1: 2, 3; then + b[f]
    assert expected_output(x, w, spec, "correlation", b).tolist() == [[[121, 132], [-3, -2]]]


def test_correct_bias_is_proved_exactly_with_the_symbolic_b():
    verdict = verify(good, SPEC)
    assert verdict.proved, str(verdict)
    assert verdict.summary == ("proved equal to the spec at all 27 output positions (486 "
                               "products and 27 bias terms)")
    assert "cross-checked on 7 numeric calls" in verdict.method


@pytest.mark.parametrize("fn, kind, detail", [
    (missing, MistakeKind.BIAS_MISSING, "b[f] is never added"),
    (twice, MistakeKind.BIAS_TWICE, "added twice to every output of filter f"),
])
def test_bias_mistakes_are_named_on_the_exact_path(fn, kind, detail):
    verdict = verify(fn, SPEC)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.mistake_kinds == (kind,)
    assert detail in str(verdict.mistakes[0])
    assert "the example confirmed on numbers" in verdict.method
    _confirm(fn, verdict)


def test_bias_added_along_the_batch_or_the_width_axis_is_named_with_the_axis():
    spec = ConvSpec((5, 5), (3, 3), batch=3, out_channels=3, bias=True)
    verdict = verify(on_batch, spec)
    assert verdict.mistake_kinds == (MistakeKind.BIAS_WRONG_AXIS,), str(verdict)
    assert "broadcast along the batch axis (b[n] is added)" in str(verdict)
    assert "reshape it to (1, F, 1, 1)" in str(verdict)
    _confirm(on_batch, verdict)
    wide = ConvSpec((5, 5), (3, 3), out_channels=3, bias=True)  # output width 3 == F
    verdict = verify(on_width, wide)
    assert verdict.mistake_kinds == (MistakeKind.BIAS_WRONG_AXIS,), str(verdict)
    assert "along the width axis (b[w] is added)" in str(verdict)


def test_products_and_bias_mistakes_are_named_together_only_when_both_match():
    verdict = verify(transposed, SPEC)
    assert verdict.mistake_kinds[0] is MistakeKind.TRANSPOSED_KERNEL, str(verdict)
    assert MistakeKind.BIAS_MISSING not in verdict.mistake_kinds
    both = verify(transposed_no_bias, SPEC)
    assert both.mistake_kinds[:2] == (MistakeKind.BIAS_MISSING, MistakeKind.TRANSPOSED_KERNEL)
    lines = str(both).splitlines()
    assert "  mistake: bias missing: the output is the convolution alone: b[f] is never added" \
        in lines and any(line.startswith("  mistake: kernel transposed") for line in lines)

    def scrambled(x, w, b):  # products wrong in no catalogued way, bias missing
        out = conv(x, w)
        out[0, 0, 0, 0] += x[0, 0, 4, 4] * w[0, 0, 0, 0]
        return out
    verdict = verify(scrambled, SPEC)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert "the bias terms are those of 'bias missing', but the products differ too" in \
        str(verdict)


def test_a_bias_term_the_catalogue_does_not_know_is_not_named():
    def negated(x, w, b):
        return conv(x, w) - b[:, None, None]
    verdict = verify(negated, SPEC)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert "out[0,0,0,0] has -1·b[0] where 1 belongs" not in str(verdict)
    assert "the bias terms match no known bias mistake" in str(verdict)


def test_arity_errors_say_what_was_expected():
    with pytest.raises(SymconvError, match=r"^fn: expected fn\(x, w, b\) since the spec has "
                                           r"bias=True, got a function conv that takes 2"):
        verify(conv, SPEC)
    with pytest.raises(SymconvError, match=r"^fn: expected fn\(x, w\) since the spec has "
                                           r"bias=False, got a function good that needs 3"):
        verify(good, SPEC.replace(bias=False))


def test_a_bias_used_with_the_wrong_shape_gets_a_verdict_saying_how_b_was_passed():
    def four_d(x, w, b):  # expects b of shape (1, F, 1, 1)
        return conv(x, w) + b[0, :, 0, 0][None, :, None, None]
    verdict = verify(four_d, SPEC)
    assert verdict.status is Status.RAISED, str(verdict)
    assert "IndexError" in verdict.summary
    assert "b of shape (3,) (one bias per filter)" in str(verdict)


def test_mutating_the_bias_is_never_a_pass():
    def bumps(x, w, b):
        out = good(x, w, b)
        b[0] = b[0] + 1
        return out
    verdict = verify(bumps, SPEC)
    assert verdict.status is Status.MUTATED_INPUT and not verdict, str(verdict)
    assert verdict.summary == "the function changed its input in place: b (1 entries)"


def test_code_that_drops_the_bias_only_on_numbers_is_caught_by_the_cross_check():
    def sneaky(x, w, b):  # right on symbols (object arrays), no bias on numbers
        return good(x, w, b) if b.dtype == object else conv(x, w)
    verdict = verify(sneaky, SPEC)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert "symbolic execution was not faithful to the numbers" in str(verdict)
    _confirm(sneaky, verdict)


def test_randomized_pass_states_the_bound_for_the_affine_form():
    verdict = verify(float_only, SPEC)
    assert verdict.status is Status.PASSED and verdict.bound <= 1e-6, str(verdict)
    text = str(verdict)
    assert "chance that a wrong bilinear map plus bias (integer coefficients) passes" in text
    assert "plus linear in b (an affine form of degree <= 2)" in text
    assert "products and a bias of |v| <=" in text


def test_randomized_wrong_is_named_by_probing_the_bias_apart():
    verdict = verify(lambda x, w, b: float_only(x, w, b, add=False), SPEC)
    assert verdict.status is Status.WRONG, str(verdict)
    assert verdict.mistake_kinds == (MistakeKind.BIAS_MISSING,)
    assert "the bias is probed apart, by fn(0, 0, e_f)" in str(verdict)
    calls = 50 * 54 + 1 + 3  # one-hot pairs, zeros, one call per bias entry
    assert f"{calls} calls in" in str(verdict)


def test_probing_names_nothing_when_the_bias_is_not_added_linearly():
    def squared(x, w, b):
        return float_only(x, w, b) + np.asarray(b, dtype=np.float32)[:, None, None] ** 2
    verdict = verify(squared, SPEC)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert "the function is not bilinear (or it rounds)" in str(verdict)


def test_the_draws_count_the_bias_as_one_more_term():
    plain, biased = SPEC.replace(bias=False), SPEC
    b = draws_for(biased).high
    assert biased.products_per_output * b * b + b < 2 ** 24 <= (
        biased.products_per_output + 1) * (b + 1) ** 2
    assert draw_bound(biased)[0] <= draw_bound(plain)[0]
    x, w = np.ones(SPEC.input_shape), np.ones(SPEC.weight_shape)
    eps = 2.0 ** -23
    assert error_at(x, w, biased, eps, np.full(3, 1000)) > error_at(x, w, biased, eps)
    assert all(case.b is None for case in cases(plain))
    biased_cases = cases(biased)
    assert all(case.b.shape == (3,) and case.b.dtype == case.x.dtype for case in biased_cases)
    assert not biased_cases[0].b.any() and biased_cases[1].b.any()  # one call has b = 0


USER_MODULE = '''
import numpy as np

def conv(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcuv->nfhw", win, w)

def conv_b(x, w, b):
    return conv(x, w) + b[:, None, None]

def forgot(x, w, b):
    return conv(x, w)
'''


@pytest.mark.parametrize("argv, code, text", [
    (["userbias:conv_b", "--bias"], 0, "CORRECT: proved equal"),
    (["userbias:forgot", "--bias"], 1, "mistake: bias missing"),
    (["userbias:conv", "--bias"], 2, "fn: expected fn(x, w, b) since the spec has bias=True"),
    (["userbias:conv_b"], 2, "fn: expected fn(x, w) since the spec has bias=False"),
])
def test_cli_bias_exit_codes(tmp_path, monkeypatch, capsys, argv, code, text):
    (tmp_path / "userbias.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    got, out, err = run_cli(capsys, "verify", *argv, "--input", "1x2x5x5", "--kernel", "3x2x3x3")
    assert got == code, out + err
    assert text in out + err
    if code == 2:
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_code_wrong_only_when_the_bias_is_zero_is_refuted_on_the_cross_check_inputs():
    def zero_bias_slip(x, w, b):  # right on symbols; on numbers off by one when b == 0
        if b.dtype != object and not b.any():
            return good(x, w, b) + 1
        return good(x, w, b)
    verdict = verify(zero_bias_slip, SPEC)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert "the randomized check (" in verdict.method and "had passed" in verdict.method
    assert not verdict.example.b.any()
    _confirm(zero_bias_slip, verdict)


def test_a_wrong_shape_with_a_missing_bias_is_not_said_to_follow_the_formula():
    def padded_no_bias(x, w, b):  # one extra output column, and no bias
        return conv(np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 1))), w)
    verdict = verify(padded_no_bias, SPEC)
    assert verdict.status is Status.WRONG_SHAPE, str(verdict)
    assert "follows the spec's formula" not in str(verdict)
    verdict = verify(lambda x, w, b: padded_no_bias(x, w, b) + b[:, None, None], SPEC)
    assert "every entry it has follows the spec's formula" in str(verdict)


def test_convolution_with_bias_flips_the_kernel_and_adds_b():
    def true_conv(x, w, b):
        return good(x, w[..., ::-1, ::-1], b)
    assert verify(true_conv, SPEC, kind="convolution").proved
    verdict = verify(good, SPEC, kind="convolution")
    assert verdict.mistake_kinds[0] is MistakeKind.MISSING_FLIP, str(verdict)
    assert MistakeKind.BIAS_MISSING not in verdict.mistake_kinds


def test_the_rounding_error_model_covers_the_bias_on_every_input():
    eps, m = 2.0 ** -23, 9
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(-m, m + 1, SPEC.input_shape)
        w = rng.integers(-m, m + 1, SPEC.weight_shape)
        b = rng.integers(-m, m + 1, (3,))
        assert error_at(x, w, SPEC, eps, b) <= error_model(SPEC, eps, m) * (1 + 1e-12)
    full = np.full(3, m)
    at_most = error_at(np.full(SPEC.input_shape, m), np.full(SPEC.weight_shape, m), SPEC, eps,
                       full)
    assert at_most == pytest.approx(error_model(SPEC, eps, m))
