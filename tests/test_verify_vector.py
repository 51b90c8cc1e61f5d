"""verify on the vector carrier (issue 9, item 2): user numpy code run exactly on FormArrays,
chunk by chunk of the weight, cross-checked on numbers, refusing every attack of issue 8."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, MistakeKind, verify
from symconv.errors import SymconvError
from symconv.forms import convolve, correlate
from symconv.strategies import conv_specs
from symconv.vector import Space, space_tensor
from symconv.vector.evaluate import evaluate, evaluate_many
from symconv.verification import Status, vectorised
from symconv.verification.randomized import expected_output

from . import test_verify_zoo as zoo
from .zoo import right, scale

VECTOR = vectorised.VECTOR
SMALL = ConvSpec((9, 8), (3, 3), in_channels=3, out_channels=4, batch=2, padding=1, stride=2)
#: above VECTOR_MIN_PRODUCTS and below the polynomial limit: auto runs the vector carrier
MID = ConvSpec((12, 12), (3, 3), in_channels=8, out_channels=8, padding=1)


@pytest.fixture
def chunked(monkeypatch):
    """Chunks of about 60 products, so that small layers are checked in many chunks."""
    monkeypatch.setattr(vectorised, "CHUNK_PRODUCTS", 60)


def bound(fn, spec):
    return functools.partial(fn, stride=spec.stride[0], pad=spec.pads[0][0])


def confirm(fn, verdict):
    """The verdict's example really fails on numbers."""
    ex = verdict.example
    assert ex is not None, str(verdict)
    got = np.asarray(fn(ex.x.copy(), ex.w.copy()))[ex.position]
    want = expected_output(ex.x, ex.w, verdict.spec, verdict.kind)[ex.position]
    assert got == ex.got and want == ex.expected and got != want, str(verdict)


# ---- evaluate ----

def test_evaluate_is_the_polynomials_value_hand_worked():
    space = Space({"x": (3,), "w": (2,)})
    x, w = space_tensor(space, "x"), space_tensor(space, "w")
    y = 3 * x[:2] * w - x[1:] + x[0] * x[2]  # 3*w0*x0 - x1 + x0*x2, 3*w1*x1 - x2 + x0*x2
    got = evaluate(y, {"x": np.array([2, 5, 7]), "w": np.array([10, -1])})
    assert got.tolist() == [3 * 10 * 2 - 5 + 14, 3 * -1 * 5 - 7 + 14] and got.dtype == np.int64
    assert evaluate(y, {"x": np.array([2.0, 5.0, 7.0])}).tolist() == [-5 + 14, -7 + 14]


def test_evaluate_is_exact_beyond_float_and_int64():
    space = Space({"x": (2,), "w": (2,)})
    f = (space_tensor(space, "x") * space_tensor(space, "w")).sum()
    big = 2 ** 40 + 1
    assert int(evaluate(f, {"x": [big, 1], "w": [big, 1]})) == big * big + 1  # > 2**62
    assert int(evaluate(f, {"x": [2 ** 27 + 1, 0], "w": [2 ** 27 + 1, 0]})) == (2 ** 27 + 1) ** 2


def test_evaluate_refuses_non_integers_and_unknown_blocks():
    space = Space({"x": (2,), "w": (2,)})
    f = space_tensor(space, "x") * space_tensor(space, "w")
    with pytest.raises(SymconvError, match=r"values\['x'\]: expected integer values"):
        evaluate(f, {"x": np.array([0.5, 1.0])})
    with pytest.raises(SymconvError, match="no block named 'b'"):
        evaluate(f, {"b": np.array([1])})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=conv_specs(max_size=5, max_kernel=3, max_channels=2, max_batch=2),
       seed=st.integers(0, 2 ** 16))
def test_evaluate_matches_the_numeric_convolution(spec, seed):
    rng = np.random.default_rng(seed)
    xv = rng.integers(-9, 10, spec.input_shape)
    wv = rng.integers(-9, 10, spec.weight_shape)
    space = Space({"x": spec.input_shape, "w": spec.weight_shape})
    forms = correlate(space_tensor(space, "x"), space_tensor(space, "w"), spec)
    want = expected_output(xv, wv, spec, "correlation")
    a, b = evaluate_many(forms, [{"x": xv, "w": wv}, {"x": xv}])
    assert np.array_equal(a, want) and not b.any()


# ---- user code at scale, on small layers ----

@pytest.mark.parametrize("fn", scale.RIGHT, ids=lambda f: f.__name__)
def test_user_style_convolutions_are_proved_on_the_vector_carrier(fn):
    verdict = verify(bound(fn, SMALL), SMALL, carrier="vector")
    assert verdict.status is Status.CORRECT and verdict.proved, str(verdict)
    assert verdict.method.startswith(VECTOR) and "cross-checked on 7 numeric calls" in \
        verdict.method
    assert verdict.summary == "proved equal to the spec at all 160 output positions (3432 products)"


@pytest.mark.parametrize("chunk", [0, 400])
@pytest.mark.parametrize("fn", scale.WRONG, ids=lambda f: f.__name__)
def test_wrong_user_style_convolutions_are_wrong_with_a_confirmed_example(fn, chunk, monkeypatch):
    monkeypatch.setattr(vectorised, "CHUNK_PRODUCTS", chunk)
    f = bound(fn, SMALL)
    verdict = verify(f, SMALL, carrier="vector")
    named = MistakeKind.TRANSPOSED_KERNEL if "transposed" in fn.__name__ else \
        MistakeKind.WINDOW_SHIFTED
    assert verdict.mistakes and verdict.mistakes[0].kind is named, str(verdict)
    assert f"vector carrier: {11 if chunk else 1} chunk" in verdict.notes[0]
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.method.startswith(VECTOR) and "the example confirmed on numbers" in \
        verdict.method
    assert any(" where " in d or "lacks the product" in d or "extra product" in d
               for d in verdict.details), str(verdict)
    confirm(f, verdict)


def test_chunks_give_the_same_verdicts(chunked):
    f = bound(scale.conv_cs231n, SMALL)
    verdict = verify(f, SMALL)  # 4320 products: auto runs polynomial entries
    assert not verdict.method.startswith(VECTOR)
    verdict = verify(f, SMALL, carrier="vector")
    assert verdict.status is Status.CORRECT, str(verdict)
    assert "vector carrier: 108 chunks of the weight" in verdict.notes
    g = bound(scale.conv_taps_transposed, SMALL)
    verdict = verify(g, SMALL, carrier="vector")
    assert verdict.status is Status.WRONG and verdict.method.startswith(VECTOR), str(verdict)
    assert verdict.differing == verify(g, SMALL, carrier="polynomial").differing
    confirm(g, verdict)


def test_no_mistake_is_named_when_the_first_chunk_agrees(chunked):
    f = bound(scale.conv_cs231n_transposed, SMALL)  # the first chunk is w[0,0,0,0] alone
    verdict = verify(f, SMALL, carrier="vector")
    assert verdict.status is Status.WRONG and not verdict.mistakes, str(verdict)
    assert "no mistake is named at this size: the first difference is not in the first chunk " \
        "of the weight" in verdict.notes


def test_a_wrong_chunk_lists_the_products_of_the_shown_position(chunked):
    spec = ConvSpec((4,), (2,))
    verdict = verify(lambda x, w: convolve(x, w, spec), spec, carrier="vector")
    assert verdict.status is Status.WRONG and verdict.differing == 3, str(verdict)
    assert "out[0,0,0] multiplies w[0,0,0] with x[0,0,1] where x[0,0,0] belongs" in \
        verdict.details


def test_auto_runs_the_vector_carrier_above_its_threshold_and_names_mistakes_below_200k():
    assert 20_000 < MID.products_per_output * int(np.prod(MID.output_shape)) <= 200_000
    verdict = verify(bound(scale.conv_cs231n, MID), MID)
    assert verdict.status is Status.CORRECT and verdict.method.startswith(VECTOR), str(verdict)
    verdict = verify(bound(scale.conv_cs231n_transposed, MID), MID)
    assert verdict.status is Status.WRONG and not verdict.method.startswith(VECTOR)
    assert verdict.mistakes[0].kind is MistakeKind.TRANSPOSED_KERNEL, str(verdict)
    assert verdict.notes[0].startswith("vector carrier: wrong; run again on polynomial entries")


def test_bias_is_checked_on_the_vector_carrier(chunked):
    spec = ConvSpec((5, 4), (2, 2), in_channels=2, out_channels=3, bias=True)

    def conv(x, w, b):
        return correlate(x, w, spec) + b.reshape(1, -1, 1, 1)

    def conv_bias_on_width(x, w, b):
        return correlate(x, w, spec) + b[:3].reshape(1, 1, 1, -1)

    verdict = verify(conv, spec, carrier="vector")
    assert verdict.status is Status.CORRECT and verdict.method.startswith(VECTOR), str(verdict)
    assert verdict.summary.endswith("(288 products and 36 bias terms)")
    assert verdict.notes == ("vector carrier: 5 chunks of the weight",)
    verdict = verify(conv_bias_on_width, spec, carrier="vector")
    assert verdict.status is Status.WRONG and verdict.method.startswith(VECTOR), str(verdict)


def test_unsupported_code_falls_back_with_the_reason():
    def loops_into_zeros(x, w):
        out = np.zeros(SMALL.output_shape)
        out[...] = right.conv2d_einsum(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), w
                                       )[:, :, ::2, ::2]
        return out

    verdict = verify(loops_into_zeros, SMALL, carrier="vector")
    assert verdict.notes[0].startswith("vector carrier: array: the code turns symbolic values "
                                       "into a plain numpy array"), str(verdict)
    assert verdict.notes[0].endswith("polynomial entries instead")
    assert verdict.status is Status.PASSED  # a float array holds no polynomials either
    big = ConvSpec((200, 200), (3, 3), in_channels=2, out_channels=2, padding=1)
    verdict = verify(lambda x, w: np.asarray(x)[:, :2] * 0, big)
    assert verdict.notes[0].endswith("checked on numbers instead"), str(verdict)
    assert verdict.status is Status.WRONG  # all zeros


# ---- attacks (issue 8): none may be CORRECT ----

def branches_on_a_value(x, w):
    out = right.conv2d_einsum(x, w)
    if np.sum(x) != 0:  # on FormArrays: refused; on numbers: wrong unless x sums to 0
        out = out * 2
    return out


def right_on_forms_only(x, w):
    out = right.conv2d_einsum(x, w)
    return out + 1 if isinstance(x, np.ndarray) else out


_calls = {"n": 0}


def right_on_first_call_only(x, w):
    _calls["n"] += 1
    out = right.conv2d_einsum(x, w)
    return out if _calls["n"] == 1 else out * 2


def mutates_input(x, w):
    out = right.conv2d_einsum(x, w)
    x[:, :, 0] = x[:, :, 1]
    return out


def returns_plain_zeros(x, w):
    return np.zeros((1, 1, 3, 3), dtype=np.int64)


def two_weights(x, w):
    """Right plus w[first]*w[last]: zero in every chunk that lacks one of them."""
    return right.conv2d_einsum(x, w) + w[0, 0, 0, 0] * w[-1, -1, -1, -1]


SPEC = ConvSpec((5, 5), (3, 3))


@pytest.mark.parametrize("fn", [branches_on_a_value, right_on_forms_only,
                                right_on_first_call_only, mutates_input, returns_plain_zeros,
                                two_weights], ids=lambda f: f.__name__)
@pytest.mark.parametrize("chunks", [False, True])
def test_attacks_are_refused(fn, chunks, monkeypatch):
    if chunks:
        monkeypatch.setattr(vectorised, "CHUNK_PRODUCTS", 20)
    _calls["n"] = 0
    verdict = verify(fn, SPEC, carrier="vector")
    assert verdict.status is not Status.CORRECT and not verdict.proved and not verdict, \
        str(verdict)
    text = str(verdict)
    if fn is branches_on_a_value:
        assert "vector carrier: comparison: the code compares symbolic values" in text
    if fn is right_on_forms_only:
        assert "symbolic execution was not faithful to the numbers" in text
    if fn is mutates_input:
        assert verdict.status is Status.MUTATED_INPUT and "changed its input in place: x" in text
    if fn is two_weights and chunks:
        assert "products of two weight variables" in verdict.notes[0]
    if fn is two_weights and not chunks:
        assert verdict.status is Status.WRONG and verdict.method.startswith(VECTOR)


# ---- the two carriers agree ----

def reference(spec):
    return lambda x, w: correlate(x, w, spec)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=conv_specs(max_size=5, max_kernel=3, max_channels=2, max_batch=2),
       chunk=st.sampled_from([0, 30]))
def test_reference_convolution_is_proved_on_the_vector_carrier(spec, chunk):
    saved, vectorised.CHUNK_PRODUCTS = vectorised.CHUNK_PRODUCTS, chunk
    try:
        verdict = verify(reference(spec), spec, carrier="vector")
    finally:
        vectorised.CHUNK_PRODUCTS = saved
    assert verdict.status is Status.CORRECT and verdict.method.startswith(VECTOR), str(verdict)


@pytest.mark.parametrize(("fn", "spec", "kind"), zoo.RIGHT + [w[:3] for w in zoo.WRONG],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_the_mistake_zoo_gets_the_same_verdicts_on_both_carriers(fn, spec, kind):
    f = zoo.bound(fn, spec)
    vector = verify(f, spec, kind=kind, carrier="vector")
    polynomial = verify(f, spec, kind=kind, carrier="polynomial")
    assert vector.status is polynomial.status, f"{vector}\n{polynomial}"
    assert vector.differing == polynomial.differing
    assert vector.method.startswith(VECTOR) or vector.notes[0].startswith("vector carrier: ")
    if vector.method.startswith(VECTOR):  # the mistakes are named on term arrays too
        assert [m.kind for m in vector.mistakes] == [m.kind for m in polynomial.mistakes]
    if fn in (right.conv2d_einsum, right.conv2d_im2col_batch_first, right.conv2d_im2col_uvc):
        assert vector.method.startswith(VECTOR), str(vector)


def test_above_the_polynomial_limit_the_vector_carrier_decides_and_names_alone():
    big = ConvSpec((32, 32), (3, 3), in_channels=4, out_channels=8, padding=1)
    assert big.products_per_output * int(np.prod(big.output_shape)) > 200_000
    verdict = verify(bound(scale.conv_cs231n, big), big)
    assert verdict.status is Status.CORRECT and verdict.method.startswith(VECTOR), str(verdict)
    f = bound(scale.conv_cs231n_transposed, big)
    verdict = verify(f, big)
    assert verdict.status is Status.WRONG and verdict.method.startswith(VECTOR), str(verdict)
    assert verdict.mistakes[0].kind is MistakeKind.TRANSPOSED_KERNEL
    assert verdict.differing == 8192 and verdict.first_forms is not None
    confirm(f, verdict)
