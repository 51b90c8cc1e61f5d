"""verify for backward code (issue 10, item 3): input gradient, weight gradient, transposed conv.

Right code (cs231n-style loops, an im2col/col2im version, torch.autograd) must be CORRECT or
PASSED; each catalogued backward mistake WRONG with its name and an example that really fails;
attacks never CORRECT; the CLI exits 0/1/2.
"""

from __future__ import annotations

import itertools
import textwrap
from functools import partial

import numpy as np
import pytest

from symconv import ConvSpec, verify
from symconv.adjoint import conv_transpose, input_gradient, weight_gradient
from symconv.errors import SymconvError
from symconv.forms import correlate
from symconv.verification import BackwardKind, BackwardMistakeKind, Status
from symconv.verification.backward_forms import (
    backward_candidates,
    backward_task,
    default_output_padding,
    gather,
    scatter,
)

from . import cli_runner
from .zoo import backward as zoo

SPEC = ConvSpec((5, 5), (3, 3), stride=2, padding=1, in_channels=2, out_channels=2, batch=2)
DX = partial(zoo.naive_dx, stride=2, pad=1, input_size=(5, 5))
DW = partial(zoo.naive_dw, stride=2, pad=1)
TRANSPOSED = ConvSpec((6, 6), (3, 3), stride=2, padding=1, dilation=2, in_channels=2,
                      out_channels=3)
OP = default_output_padding(TRANSPOSED)[0]


def _confirm(fn, verdict):
    """The verdict's example really fails: fn's number is not the spec's at the position."""
    ex = verdict.example
    assert ex is not None, str(verdict)
    task = backward_task(verdict.spec, verdict.kind)
    got = np.asarray(fn(ex.x.copy(), ex.w.copy()))[ex.position]
    want = np.asarray(task.reference(ex.x, ex.w))[ex.position]
    assert got == ex.got and want == ex.expected and got != want, str(verdict)
    assert ex.names == task.names and f"# expected {task.call}[" in ex.code()


@pytest.mark.parametrize("spec", [
    ConvSpec((5,), (3,), stride=2),
    ConvSpec((6, 5), (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), in_channels=2,
             out_channels=2),
    ConvSpec((7,), (3,), stride=2, padding=(2, 1), groups=2, in_channels=2, out_channels=4,
             batch=2),
    ConvSpec((4, 3, 3), (2, 2, 2), stride=(2, 1, 1), padding=1),
])
def test_loop_formulations_are_the_adjoint_module(spec):
    """The catalogue's loops without a slip are symconv.adjoint, on random integers."""
    rng = np.random.default_rng(3)
    dout = rng.integers(-9, 10, spec.output_shape)
    w = rng.integers(-9, 10, spec.weight_shape)
    x = rng.integers(-9, 10, spec.input_shape)
    assert (scatter(dout, w, spec) == input_gradient(dout, w, spec)).all()
    assert (gather(x, dout, spec) == weight_gradient(x, dout, spec)).all()


def test_hand_worked_overwrite_and_flip():
    spec = ConvSpec((5,), (3,), stride=2)
    y, w = np.array([[[1, 10]]]), np.array([[[1, 2, 3]]])
    assert scatter(y, w, spec).tolist() == [[[1, 2, 13, 20, 30]]]
    assert scatter(y, w, spec, overwrite="last").tolist() == [[[1, 2, 10, 20, 30]]]
    assert scatter(y, w, spec, overwrite="first").tolist() == [[[1, 2, 3, 20, 30]]]
    assert scatter(y, w, spec, flip=True).tolist() == [[[3, 2, 31, 20, 10]]]
    assert default_output_padding(ConvSpec((6,), (3,), stride=2)) == (1,)


@pytest.mark.parametrize("fn, kind", [
    (DX, "input-gradient"),
    (DW, "weight-gradient"),
    (partial(zoo.im2col_dx, stride=2, pad=1), "input-gradient"),
    (partial(zoo.im2col_dw, stride=2, pad=1), "weight-gradient"),
])
def test_cs231n_naive_and_col2im_are_proved(fn, kind):
    verdict = verify(fn, SPEC, kind=kind)
    assert verdict.status is Status.CORRECT and verdict.proved, str(verdict)
    assert "cross-checked on 7 numeric calls" in verdict.method
    assert str(verdict).startswith("CORRECT: proved equal to the spec at all ")
    assert f"layer: {kind} on 5x5 * 3x3" in str(verdict)


def test_stride1_full_convolution_is_proved():
    spec = ConvSpec((5, 5), (3, 2), in_channels=2, out_channels=3)
    assert verify(zoo.dx_full_convolution, spec, kind="input-gradient").proved


def test_transposed_loops_are_proved():
    fn = partial(zoo.conv_transpose2d, stride=2, padding=1, dilation=2, output_padding=OP)
    assert OP == 1
    verdict = verify(fn, TRANSPOSED, kind="transposed")
    assert verdict.proved, str(verdict)
    assert verify(lambda y, w: conv_transpose(y, w, TRANSPOSED), TRANSPOSED,
                  kind=BackwardKind.TRANSPOSED).proved


@pytest.mark.parametrize("fn, spec, kind, mistake", [
    (zoo.dx_full_correlation_no_flip, ConvSpec((5, 5), (3, 2), in_channels=2, out_channels=3),
     "input-gradient", BackwardMistakeKind.DX_NOT_FLIPPED),
    (partial(zoo.naive_dx_stride_ignored, stride=2, pad=1), SPEC, "input-gradient",
     BackwardMistakeKind.STRIDE_IGNORED),
    (partial(zoo.im2col_dx, stride=2, pad=1, overwrite=True), SPEC, "input-gradient",
     BackwardMistakeKind.COL2IM_OVERWRITES),
    (partial(zoo.im2col_dw, stride=2, pad=1, swapped=True), SPEC, "weight-gradient",
     BackwardMistakeKind.DOUT_X_SWAPPED),
    (partial(zoo.conv_transpose2d, stride=2, padding=1, dilation=2, output_padding=OP,
             use_dilation=False), TRANSPOSED, "transposed", BackwardMistakeKind.DILATION_IGNORED),
    (partial(zoo.conv_transpose2d, stride=2, padding=1, dilation=2, output_padding=OP,
             output_padding_at="start"), TRANSPOSED, "transposed",
     BackwardMistakeKind.OUTPUT_PADDING_NEAR_SIDE),
    (partial(zoo.conv_transpose2d, stride=2, padding=1, dilation=2, output_padding=OP,
             output_padding_at="padding"), TRANSPOSED, "transposed",
     BackwardMistakeKind.OUTPUT_PADDING_AS_PADDING),
])
def test_each_backward_mistake_is_named(fn, spec, kind, mistake):
    verdict = verify(fn, spec, kind=kind)
    assert verdict.status is Status.WRONG, str(verdict)
    assert verdict.mistake_kinds == (mistake,), str(verdict)
    assert f"mistake: {mistake.value}: " in str(verdict)
    assert "the example confirmed on numbers" in verdict.method
    _confirm(fn, verdict)


def test_weight_gradient_slips_of_the_catalogue_are_named():
    """Flip, stride and dilation slips in dw, each written as the user would (loops)."""
    spec = ConvSpec((7, 6), (3, 2), stride=2, dilation=(1, 2), in_channels=2, out_channels=2)
    for mistake, options in [(BackwardMistakeKind.DW_FLIPPED, {"flip": True}),
                             (BackwardMistakeKind.STRIDE_IGNORED, {"stride": (1, 1)}),
                             (BackwardMistakeKind.DILATION_IGNORED, {"dilation": (1, 1)})]:
        def fn(x, dout, options=options):
            return gather(x, dout, spec, **options)
        verdict = verify(fn, spec, kind="weight-gradient")
        assert verdict.mistake_kinds == (mistake,), str(verdict)
        _confirm(fn, verdict)


def test_catalogue_names_only_what_applies():
    plain = ConvSpec((4, 4), (1, 1))
    kind = BackwardKind.INPUT_GRADIENT
    ones = (np.ones(s, dtype=np.int64) for s in backward_task(plain, kind).shapes)
    names = {m.kind for m, _ in backward_candidates(plain, kind, *ones)}
    assert names == {BackwardMistakeKind.COL2IM_OVERWRITES}


def test_forward_output_is_wrong_shape_naming_the_expected_one():
    spec = ConvSpec((5, 5), (3, 3), in_channels=2, out_channels=3)

    def forward_instead(x, dout):  # returns conv(x, w) with a made-up w
        return correlate(x, np.ones(spec.weight_shape, dtype=np.int64), spec)
    verdict = verify(forward_instead, spec, kind="weight-gradient")
    assert verdict.status is Status.WRONG_SHAPE and not verdict
    assert verdict.summary == ("the output has shape (1, 3, 3, 3) where fn(x, dout) must return "
                               "(3, 2, 3, 3), (out_channels, in_channels // groups, "
                               "*kernel_size) of the weight (the forward layer's output shape: "
                               "it returns the forward output?)")


def test_shapes_not_matching_the_layer_say_how_fn_was_called():
    verdict = verify(DX, ConvSpec((6, 6), (3, 3), stride=2, padding=1), kind="input-gradient")
    assert not verdict
    assert verdict.status in (Status.RAISED, Status.WRONG_SHAPE), str(verdict)
    assert any("called as fn(dout, w) with dout of shape (1, 1, 3, 3) and w of shape "
               "(1, 1, 3, 3)" in n for n in verdict.notes), str(verdict)


def test_bad_options_are_one_line_errors():
    with pytest.raises(SymconvError, match=r"^spec.bias: the input-gradient kind takes no bias"):
        verify(DX, ConvSpec((5, 5), (3, 3), bias=True), kind="input-gradient")
    with pytest.raises(SymconvError, match=r"^padding_mode: expected 'zeros'"):
        verify(DX, ConvSpec((5, 5), (3, 3), padding=1, padding_mode="reflect"),
               kind="transposed")
    with pytest.raises(SymconvError, match="'input-gradient', 'weight-gradient', "
                                           "'transposed'"):
        verify(DX, SPEC, kind="backward")


def test_randomized_method_passes_right_code_and_names_wrong_code():
    passed = verify(DX, SPEC, kind="input-gradient", method="randomized")
    assert passed.status is Status.PASSED and passed.bound is not None and passed.bound < 1e-6
    wrong = partial(zoo.naive_dx_stride_ignored, stride=2, pad=1)
    verdict = verify(wrong, SPEC, kind="input-gradient", method="randomized")
    assert verdict.status is Status.WRONG
    assert verdict.mistake_kinds == (BackwardMistakeKind.STRIDE_IGNORED,)
    _confirm(wrong, verdict)


def test_branch_on_data_is_never_correct():
    def branchy(dout, w):
        if dout[0, 0, 0, 0] == 0:  # a question a symbol cannot answer
            return DX(dout, w) * 2
        return DX(dout, w)
    verdict = verify(branchy, SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG, str(verdict)
    assert "symbolic execution stopped" in " ".join(verdict.notes)
    _confirm(branchy, verdict)


def test_right_on_first_call_only_is_never_correct():
    calls = itertools.count()

    def once(dout, w):
        good = DX(dout, w)
        return good if next(calls) == 0 else good + 1
    verdict = verify(once, SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG, str(verdict)
    assert "not faithful to the numbers" in " ".join(verdict.notes)


def test_mutating_the_input_is_never_correct():
    def mutates(x, dout):
        out = DW(x, dout)
        dout[...] = 0
        return out
    assert verify(mutates, SPEC, kind="weight-gradient").status is Status.MUTATED_INPUT


def _torch_setup(spec):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    opts = dict(stride=spec.stride, padding=tuple(p for p, _ in spec.pads),
                dilation=spec.dilation, groups=spec.groups)
    return torch, functional, opts


TORCH_SPEC = ConvSpec((6, 5), (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2,
                      in_channels=2, out_channels=4, batch=2)


def test_torch_autograd_input_and_weight_gradients_pass():
    torch, functional, opts = _torch_setup(TORCH_SPEC)
    f64 = torch.float64

    def dx(dout, w):
        x = torch.zeros(TORCH_SPEC.input_shape, dtype=f64, requires_grad=True)
        out = functional.conv2d(x, torch.as_tensor(w, dtype=f64), **opts)
        return torch.autograd.grad(out, x, torch.as_tensor(dout, dtype=f64))[0]

    def dw(x, dout):
        w = torch.zeros(TORCH_SPEC.weight_shape, dtype=f64, requires_grad=True)
        out = functional.conv2d(torch.as_tensor(x, dtype=f64), w, **opts)
        return torch.autograd.grad(out, w, torch.as_tensor(dout, dtype=f64))[0]

    def transposed(y, w):
        return functional.conv_transpose2d(torch.as_tensor(y, dtype=f64),
                                           torch.as_tensor(w, dtype=f64), **opts,
                                           output_padding=default_output_padding(TORCH_SPEC))
    for fn, kind in [(dx, "input-gradient"), (dw, "weight-gradient"),
                     (transposed, "transposed")]:
        verdict = verify(fn, TORCH_SPEC, kind=kind)
        assert verdict.status is Status.PASSED, str(verdict)
        assert "cannot run on symbolic entries" in verdict.notes[0]

    def dx_swapped_weight(dout, w):  # the forward weight flipped by hand: a real slip
        return dx(dout, np.ascontiguousarray(np.asarray(w)[..., ::-1, ::-1]))
    verdict = verify(dx_swapped_weight, TORCH_SPEC, kind="input-gradient")
    assert verdict.status is Status.WRONG and verdict.mistake_kinds == (
        BackwardMistakeKind.DX_NOT_FLIPPED,), str(verdict)


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    (tmp_path / "userbackward.py").write_text(textwrap.dedent("""
        from functools import partial
        from tests.zoo import backward as z
        dx = partial(z.naive_dx, stride=2, pad=1, input_size=(5, 5))
        dx_bad = partial(z.naive_dx_stride_ignored, stride=2, pad=1, input_size=(5, 5))
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import sys
    monkeypatch.setitem(sys.modules, "tests", __import__("tests"))
    return tmp_path


@pytest.mark.parametrize("target, extra, code, text", [
    ("userbackward:dx", (), 0, "CORRECT: proved equal to the spec"),
    ("userbackward:dx_bad", (), 1, "mistake: stride ignored: the stride is ignored in dx"),
    ("userbackward:dx", ("--bias",), 2, "spec.bias: the input-gradient kind takes no bias"),
])
def test_cli_kind_input_gradient(user_dir, capsys, target, extra, code, text):
    got, out, err = cli_runner.run_cli(capsys, "verify", target, "--kind", "input-gradient",
                                       "--input", "1x1x5x5", "--kernel", "1x1x3x3",
                                       "--stride", "2", "--padding", "1", *extra)
    assert got == code, out + err
    assert text in out + err
    if code == 2:
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_above_the_polynomial_limit_the_randomized_check_decides():
    verdict = verify(DX, SPEC, kind="input-gradient", max_symbolic_products=100)
    assert verdict.status is Status.PASSED and not verdict.proved
    assert verdict.notes[0].startswith("648 products exceed the backward kinds' limit")


def test_method_exact_does_not_fall_back_to_numbers():
    def floats_only(dout, w):
        return DX(np.asarray(dout, dtype=np.float64), np.asarray(w, dtype=np.float64))
    verdict = verify(floats_only, SPEC, kind="input-gradient", method="exact")
    assert verdict.status is Status.RAISED and not verdict, str(verdict)
    assert verify(floats_only, SPEC, kind="input-gradient").status is Status.PASSED


def test_narrow_dtypes_draw_what_they_hold():
    verdict = verify(DX, SPEC, kind="input-gradient", method="randomized", numeric_dtype="int16")
    assert verdict.status is Status.PASSED, str(verdict)
    # 2 filters x 9 taps: |v| <= isqrt(32767 // 18) = 42
    assert "inputs drawn from {-42, ..., 42} as int16" in verdict.notes
    unsigned = verify(DX, SPEC, kind="input-gradient", method="randomized",
                      numeric_dtype="uint8")
    assert unsigned.status is Status.PASSED and "{0, ..., 3} as uint8" in unsigned.notes[-1]
    big = ConvSpec((14, 14), (3, 3))  # dw sums 12 x 12 products: int8 cannot hold 144 * 1
    with pytest.raises(SymconvError, match="^numeric_dtype: int8 cannot hold a sum of 144 "):
        verify(lambda x, dout: weight_gradient(x, dout, big), big, kind="weight-gradient",
               numeric_dtype="int8")
