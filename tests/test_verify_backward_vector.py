"""verify for backward code on the vector carrier (issue 10, item 3): fn(dout, w), fn(x, dout)
and fn(y, w) judged exactly at layers above 20000 products.

Right code (cs231n im2col/col2im, tap loops, zero insertion) must be CORRECT on the vector
carrier; each catalogued backward mistake WRONG with its name and an example that fails on
numbers; the carriers agree on small layers; attacks (a dtype branch, a mutation, state, a data
branch, a difference only in a late chunk, products of two chunked variables) are never CORRECT.
"""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, verify
from symconv.adjoint import conv_transpose, input_gradient, weight_gradient
from symconv.verification import BackwardKind, BackwardMistakeKind, Status, backward_vector
from symconv.verification.backward_forms import (
    backward_task,
    catalogue,
    default_output_padding,
    vector_candidates,
)

from . import cli_runner
from .strategies import small_specs
from .test_verify_backward import _confirm
from .zoo import backward as loops
from .zoo import backward_scale as zoo

K = BackwardMistakeKind
# 2 x 8 x 8 outputs x 8 filters x 36 products: 36864 products, above VECTOR_MIN_PRODUCTS
DX_SPEC = ConvSpec((16, 16), (3, 3), stride=2, padding=1, in_channels=4, out_channels=8,
                   batch=2)
DX_OPTIONS = dict(stride=2, pad=1, input_size=(16, 16))
DW_OPTIONS = dict(stride=2, pad=1)
# 9 x 9 outputs x 8 filters x 36 products: 23328 products
T_SPEC = ConvSpec((20, 20), (3, 3), stride=2, padding=1, dilation=2, in_channels=4,
                  out_channels=8)
OP = default_output_padding(T_SPEC)[0]
T_OPTIONS = dict(stride=2, padding=1, dilation=2, output_padding=OP)
VECTOR = "exact: symbolic execution on the vector carrier"


def _products(spec):
    return spec.products_per_output * int(np.prod(spec.output_shape))


def test_layers_are_above_the_vector_threshold():
    assert OP == 1
    for spec in (DX_SPEC, T_SPEC):
        assert 20_000 < _products(spec) <= 200_000


@pytest.mark.parametrize("fn, spec, kind", [
    (partial(zoo.im2col_dx, **DX_OPTIONS), DX_SPEC, "input-gradient"),
    (partial(zoo.taps_dx, **DX_OPTIONS), DX_SPEC, "input-gradient"),
    (partial(zoo.im2col_dw, **DW_OPTIONS), DX_SPEC, "weight-gradient"),
    (partial(zoo.taps_dw, **DW_OPTIONS), DX_SPEC, "weight-gradient"),
    (partial(zoo.taps_transpose, **T_OPTIONS), T_SPEC, "transposed"),
    (partial(zoo.transpose_by_zero_insertion, **T_OPTIONS), T_SPEC, "transposed"),
    (lambda y, w: conv_transpose(y, w, T_SPEC), T_SPEC, "transposed"),
])
def test_right_backward_code_is_proved_on_the_vector_carrier(fn, spec, kind):
    verdict = verify(fn, spec, kind=kind)  # carrier 'auto': the vector carrier at this size
    assert verdict.status is Status.CORRECT and verdict.proved, str(verdict)
    assert verdict.method.startswith(VECTOR), verdict.method
    assert "cross-checked on 7 numeric calls" in verdict.method


@pytest.mark.parametrize("fn, spec, kind, mistake", [
    (partial(zoo.im2col_dx_overwrite, **DX_OPTIONS), DX_SPEC, "input-gradient",
     K.COL2IM_OVERWRITES),
    (partial(zoo.im2col_dx_no_flip, **DX_OPTIONS), DX_SPEC, "input-gradient", K.DX_NOT_FLIPPED),
    (partial(zoo.taps_dx, **DX_OPTIONS, step=1), DX_SPEC, "input-gradient",
     K.STRIDE_IGNORED),
    (partial(zoo.im2col_dw_swapped, **DW_OPTIONS), DX_SPEC, "weight-gradient", K.DOUT_X_SWAPPED),
    (partial(zoo.taps_dw, **DW_OPTIONS, step=1), DX_SPEC, "weight-gradient", K.STRIDE_IGNORED),
    (lambda x, dout: zoo.taps_dw(x, dout, **DW_OPTIONS)[:, :, ::-1, ::-1], DX_SPEC,
     "weight-gradient", K.DW_FLIPPED),
    (partial(zoo.taps_transpose, **T_OPTIONS, use_dilation=False), T_SPEC, "transposed",
     K.DILATION_IGNORED),
    (partial(zoo.taps_transpose, **T_OPTIONS, output_padding_at="start"), T_SPEC, "transposed",
     K.OUTPUT_PADDING_NEAR_SIDE),
    (partial(zoo.taps_transpose, **T_OPTIONS, output_padding_at="padding"), T_SPEC,
     "transposed", K.OUTPUT_PADDING_AS_PADDING),
])
def test_each_backward_mistake_is_named_on_the_vector_carrier(fn, spec, kind, mistake):
    verdict = verify(fn, spec, kind=kind)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.method.startswith(VECTOR), verdict.method
    assert verdict.mistake_kinds == (mistake,), str(verdict)
    assert f"mistake: {mistake.value}: " in str(verdict)
    assert "the example confirmed on numbers" in verdict.method
    _confirm(fn, verdict)


def test_the_dilation_slip_in_dw_is_named():
    spec = ConvSpec((12, 11), (3, 2), stride=2, dilation=(1, 2), in_channels=2, out_channels=3,
                    batch=2)
    formulation = dict(vector_candidates(spec, BackwardKind.WEIGHT_GRADIENT))
    wrong = {m.kind: f for m, f in formulation.items()}[K.DILATION_IGNORED]
    verdict = verify(wrong, spec, kind="weight-gradient", carrier="vector")
    assert verdict.mistake_kinds == (K.DILATION_IGNORED,), str(verdict)
    _confirm(wrong, verdict)


# ---- the catalogue on whole arrays equals the loops; the two carriers agree ----

KINDS = st.sampled_from([BackwardKind.INPUT_GRADIENT, BackwardKind.WEIGHT_GRADIENT,
                         BackwardKind.TRANSPOSED])
SPECS = small_specs(ranks=(1, 2), max_size=6, max_channels=2, padding_modes=("zeros",),
                    allow_same=False)


@settings(max_examples=40, deadline=None)
@given(spec=SPECS, kind=KINDS, seed=st.integers(0, 2**32 - 1))
def test_whole_array_catalogue_equals_the_loops(spec, kind, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.integers(-3, 4, s) for s in backward_task(spec, kind).shapes)
    loops_ = list(catalogue(spec, kind))
    arrays = list(vector_candidates(spec, kind))
    assert [m for m, _ in loops_] == [m for m, _ in arrays]
    for (mistake, loop), (_, whole) in zip(loops_, arrays):
        assert np.array_equal(np.asarray(whole(a, b), dtype=np.int64),
                              np.asarray(loop(a, b), dtype=np.int64)), mistake


@settings(max_examples=25, deadline=None)
@given(spec=SPECS, kind=KINDS, pick=st.integers(0, 7))
def test_vector_and_polynomial_carriers_agree(spec, kind, pick):
    task = backward_task(spec, kind)
    options = [task.reference] + [f for _, f in vector_candidates(spec, kind)]
    fn = options[pick % len(options)]
    vector = verify(fn, spec, kind=kind, carrier="vector")
    polynomial = verify(fn, spec, kind=kind, carrier="polynomial")
    if polynomial.status is not Status.WRONG_SHAPE:  # a wrong shape: polynomial entries decide
        assert vector.method.startswith(VECTOR), str(vector)
    assert polynomial.method.startswith("exact: symbolic execution on polynomial entries")
    assert vector.status is polynomial.status, (str(vector), str(polynomial))
    assert vector.mistake_kinds == polynomial.mistake_kinds, (str(vector), str(polynomial))
    assert (pick % len(options) == 0) <= (vector.status is Status.CORRECT)


@pytest.mark.parametrize("mode", ["reflect", "circular", "replicate"])
def test_weight_gradient_carriers_agree_for_every_padding_mode(mode):
    spec = ConvSpec((6, 5), (3, 2), padding=1, padding_mode=mode, in_channels=2, out_channels=2)
    kind = BackwardKind.WEIGHT_GRADIENT
    options = [backward_task(spec, kind).reference] + [f for _, f in vector_candidates(spec, kind)]
    for fn in options:
        vector = verify(fn, spec, kind=kind, carrier="vector")
        polynomial = verify(fn, spec, kind=kind, carrier="polynomial")
        assert vector.method.startswith(VECTOR), str(vector)
        assert (vector.status, vector.mistake_kinds) == (polynomial.status,
                                                         polynomial.mistake_kinds)
    assert verify(options[0], spec, kind=kind, carrier="vector").proved


# ---- attacks ----

def _right_dx(dout, w):
    return zoo.im2col_dx(dout, w, **DX_OPTIONS)


def test_a_dtype_branch_to_a_wrong_numeric_path_is_not_correct():
    def by_dtype(dout, w):
        right = _right_dx(dout, w)
        if dout.dtype.kind == "O":  # symbols (and object arrays): right
            return right
        return right + (dout.dtype == np.float32)  # float32 numbers: off by one everywhere
    verdict = verify(by_dtype, DX_SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG and not verdict.proved, str(verdict)
    assert "symbolic execution was not faithful to the numbers" in " ".join(verdict.notes)
    assert verdict.example is not None and "float32" in " ".join(verdict.notes)


def test_mutating_dout_is_mutated_input():
    def mutates(x, dout):
        out = zoo.im2col_dw(x, dout, **DW_OPTIONS)
        dout[0, 0, 0, 0] = 0
        return out
    verdict = verify(mutates, DX_SPEC, kind="weight-gradient")
    assert verdict.status is Status.MUTATED_INPUT and not verdict, str(verdict)
    assert verdict.method.startswith(VECTOR)
    assert "changed its input in place: dout" in verdict.summary
    assert verdict.notes[0].startswith("the output is a view of what was changed"), verdict.notes


def test_state_that_turns_wrong_later_is_not_correct():
    """Right on the symbolic call and the first numeric ones, then one entry off by one."""
    calls = itertools.count()

    def stateful(dout, w):
        out = _right_dx(dout, w)
        if next(calls) >= 3:  # from the third numeric call on
            out = np.array(out, copy=True)
            out[1, 3, 15, 15] += 1
        return out
    verdict = verify(stateful, DX_SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG and not verdict.proved, str(verdict)
    assert "not faithful to the numbers" in " ".join(verdict.notes)
    assert verdict.positions[0] == (1, 3, 15, 15), str(verdict)


def test_a_data_branch_is_never_correct():
    def branchy(dout, w):
        right = _right_dx(dout, w)
        return right * 2 if dout[0, 0, 0, 0] == 0 else right
    verdict = verify(branchy, DX_SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG and not verdict.proved, str(verdict)
    assert any(n.startswith("vector carrier: comparison") for n in verdict.notes), str(verdict)


def test_a_difference_in_the_last_chunk_only_is_found(monkeypatch):
    monkeypatch.setattr(backward_vector, "CHUNK_PRODUCTS", 2000)

    def last_filter_flipped(dout, w):
        w = np.concatenate([w[:-1], w[-1:, :, ::-1, ::-1]])
        return _right_dx(dout, w)
    verdict = verify(last_filter_flipped, DX_SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG, str(verdict)
    assert "vector carrier: 20 chunks of w" in verdict.notes, verdict.notes
    assert any("not in the first chunk" in n for n in verdict.notes), verdict.notes
    _confirm(last_filter_flipped, verdict)
    right = verify(_right_dx, DX_SPEC, kind="input-gradient")
    assert right.proved and "vector carrier: 20 chunks of w" in right.notes


def test_products_of_two_chunked_variables_are_refused_by_chunks(monkeypatch):
    monkeypatch.setattr(backward_vector, "CHUNK_PRODUCTS", 2000)

    def squares_dout(x, dout):  # dout[0,0,0,0]**2 added to dw[0,0,0,0]: degree 2 in dout
        extra = np.zeros_like(dout, shape=DX_SPEC.weight_shape)
        extra[0, 0, 0, 0] = dout[0, 0, 0, 0] * dout[0, 0, 0, 0]
        return zoo.im2col_dw(x, dout, **DW_OPTIONS) + extra
    verdict = verify(squares_dout, DX_SPEC, kind="weight-gradient")
    assert verdict.status is Status.WRONG, str(verdict)
    assert "products of two dout variables" in verdict.notes[0], verdict.notes
    _confirm(squares_dout, verdict)


def test_code_the_carrier_cannot_follow_falls_back_with_the_reason():
    spec = ConvSpec((20, 20), (3, 3), padding=1, in_channels=16, out_channels=16)
    assert _products(spec) > 200_000
    fn = partial(loops.im2col_dx, stride=1, pad=1, input_size=(20, 20))  # np.result_type
    verdict = verify(fn, spec, kind="input-gradient")
    assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
    assert verdict.notes[0].startswith("vector carrier: ") and \
        verdict.notes[0].endswith("checked on numbers instead"), verdict.notes


def test_references_agree_with_the_adjoint_module_on_numbers():
    rng = np.random.default_rng(0)
    dout, w = (rng.integers(-3, 4, s) for s in (DX_SPEC.output_shape, DX_SPEC.weight_shape))
    x = rng.integers(-3, 4, DX_SPEC.input_shape)
    assert np.array_equal(_right_dx(dout, w), input_gradient(dout, w, DX_SPEC))
    assert np.array_equal(zoo.taps_dw(x, dout, **DW_OPTIONS), weight_gradient(x, dout, DX_SPEC))
    y, wt = (rng.integers(-3, 4, s) for s in (T_SPEC.output_shape, T_SPEC.weight_shape))
    assert np.array_equal(zoo.transpose_by_zero_insertion(y, wt, **T_OPTIONS),
                          conv_transpose(y, wt, T_SPEC))


# ---- the command line: the vector carrier, and the guard before any call ----

@pytest.fixture
def scale_dir(tmp_path, monkeypatch):
    (tmp_path / "userscale.py").write_text(
        "from functools import partial\n"
        "from tests.zoo import backward_scale as z\n"
        "dx = partial(z.im2col_dx, stride=2, pad=1, input_size=(16, 16))\n"
        "dx_bad = partial(z.im2col_dx_overwrite, stride=2, pad=1, input_size=(16, 16))\n"
        "big = partial(z.im2col_dx, stride=1, pad=1, input_size=(56, 56))\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import sys
    monkeypatch.setitem(sys.modules, "tests", __import__("tests"))
    return tmp_path


@pytest.mark.parametrize("target, code, text", [
    ("userscale:dx", 0, "CORRECT: proved equal to the spec"),
    ("userscale:dx_bad", 1, "mistake: col2im overwrites instead of accumulating"),
])
def test_cli_runs_the_vector_carrier(scale_dir, capsys, target, code, text):
    got, out, err = cli_runner.run_cli(capsys, "verify", target, "--kind", "input-gradient",
                                       "--input", "2x4x16x16", "--kernel", "8x4x3x3",
                                       "--stride", "2", "--padding", "1")
    assert got == code, out + err
    assert text in out and "vector carrier" in out, out


def test_cli_refuses_an_oversized_backward_layer_before_any_call(scale_dir, capsys):
    got, out, err = cli_runner.run_cli(capsys, "verify", "userscale:big", "--kind",
                                       "input-gradient", "--input", "1x64x56x56", "--kernel",
                                       "64x64x3x3", "--padding", "1", "--max-seconds", "1")
    assert got == 2 and "Traceback" not in err, out + err
    assert "is too big: estimated" in err and "vector carrier" in err, err
