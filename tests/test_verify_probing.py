"""Black-box functions (torch, float-only numpy) found wrong by the randomized check are probed
with one-hot inputs, and their mistake is named exactly as for numpy code run on symbols."""

from __future__ import annotations

import functools
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings

from symconv import ConvSpec, MistakeKind, convolve, correlate, flip, im2col_matmul
from symconv import verify as _verify
from symconv.cli import main
from symconv.ring import canonical
from symconv.strategies import conv_specs
from symconv.tensors import Backend, symbolic_input, symbolic_weight
from symconv.verification import Status
from symconv.verification.probe import PROBED, polynomials, probe

from .test_verify_zoo import bound
from .zoo import right, wrong


def verify(*args, **kwargs):
    """verify with a time budget no busy CI machine can hit (the budget has its own test)."""
    kwargs.setdefault("max_probe_seconds", 600)
    return _verify(*args, **kwargs)

# small specs that still expose each bug (non-square kernels, C>1, stride, dilation, groups)
SMALL = ConvSpec((4, 5), (2, 3), in_channels=2, out_channels=2)
BATCHED = SMALL.replace(batch=2)
SQUARE = ConvSpec((5, 5), (3, 3), in_channels=2)
STRIDED = ConvSpec((6, 7), (2, 3), out_channels=2, stride=2, padding=1)
DILATED = ConvSpec((6, 7), (2, 3), out_channels=2, dilation=2, padding=1)
GROUPED = ConvSpec((3, 4), (2, 3), in_channels=4, out_channels=4, groups=2)


def float_only(fn):
    """``fn`` that converts its inputs to float64 first, so it refuses symbolic entries."""
    @functools.wraps(fn)
    def wrapper(x, w, **options):
        return fn(np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64), **options)
    return wrapper


def assert_named(verdict, mistake):
    assert verdict.status is Status.WRONG and not verdict and not verdict.proved, str(verdict)
    assert verdict.mistakes and verdict.mistakes[0].kind is mistake, str(verdict)
    text = str(verdict)
    assert f"mistake: {mistake.value}" in text and PROBED in text
    assert "cannot run on symbolic entries" in text  # it really went the randomized way
    assert any(" where " in d and " belongs" in d for d in verdict.details), text


NUMPY_WRONG = [
    (wrong.convolve2d_no_flip, SMALL, "convolution", MistakeKind.MISSING_FLIP),
    (wrong.conv2d_transposed_kernel, SQUARE, "correlation", MistakeKind.TRANSPOSED_KERNEL),
    (wrong.conv2d_im2col_row_bug, SMALL, "correlation", MistakeKind.KERNEL_HEIGHT_FOR_WIDTH),
    (wrong.conv2d_stride_on_offsets, STRIDED, "correlation",
     MistakeKind.STRIDE_ON_KERNEL_OFFSETS),
    (wrong.conv2d_dilation_ignored, DILATED, "correlation", MistakeKind.DILATION_IGNORED),
    (wrong.conv2d_groups_leak, GROUPED, "correlation", MistakeKind.GROUPS_LEAK),
]


@pytest.mark.parametrize(("fn", "spec", "kind", "mistake"), NUMPY_WRONG,
                         ids=[f.__name__ for f, *_ in NUMPY_WRONG])
def test_float_only_numpy_mistakes_are_named(fn, spec, kind, mistake):
    assert_named(verify(bound(float_only(fn), spec), spec, kind=kind), mistake)


# every numpy zoo member that can also run on symbols: the probed diagnosis equals the exact one
SAME_AS_EXACT = NUMPY_WRONG + [
    (wrong.conv2d_flipped, SMALL, "correlation", MistakeKind.UNWANTED_FLIP),
    (wrong.convolve2d_flip_rows_only, SMALL, "convolution", MistakeKind.FLIP_ONE_AXIS),
    (wrong.conv2d_same_extra_left, ConvSpec((4, 5), (2, 2), padding="same"), "correlation",
     MistakeKind.WINDOW_SHIFTED),
    (wrong.conv2d_im2col_uvc_patches, SMALL, "correlation", MistakeKind.IM2COL_ROW_ORDER),
    (wrong.conv2d_im2col_fold_mixup, BATCHED, "correlation", MistakeKind.BATCH_SPATIAL_MIXED),
    (wrong.conv2d_cs231n_out_width, SMALL, "correlation", MistakeKind.WRONG_OUTPUT_SHAPE),
    (wrong.conv2d_nhwc_output, SMALL, "correlation", MistakeKind.WRONG_OUTPUT_SHAPE),
]


@pytest.mark.parametrize(("fn", "spec", "kind", "mistake"), SAME_AS_EXACT,
                         ids=[f.__name__ for f, *_ in SAME_AS_EXACT])
def test_probing_gives_the_exact_paths_diagnosis(fn, spec, kind, mistake):
    exact = verify(bound(fn, spec), spec, kind=kind, method="exact")
    probed = verify(bound(fn, spec), spec, kind=kind, method="randomized")
    assert exact.mistakes and exact.mistakes[0].kind is mistake, str(exact)
    assert probed.status is exact.status and probed.mistakes == exact.mistakes, str(probed)
    if exact.status is Status.WRONG_SHAPE:
        assert probed.details == exact.details
    else:  # the trials' first differing position may differ from the proof's
        assert probed.first_forms is not None and probed.first_forms[0] != probed.first_forms[1]


@settings(max_examples=25, deadline=None)
@given(conv_specs(ranks=(1, 2), max_size=5, max_kernel=3, max_channels=2, max_batch=1))
def test_probed_products_equal_symbolic_execution(spec):
    """An independent oracle: what one-hot calls read off is what running on symbols gives."""
    x, w = symbolic_input(spec, backend=Backend.RING), symbolic_weight(spec, backend=Backend.RING)
    for formulation in (lambda a, b: correlate(a, b, spec),
                        lambda a, b: im2col_matmul(a, flip(b), spec)):
        found = probe(float_only(formulation), spec, max_calls=10 ** 6)
        assert found.problem is None and found.calls == x.size * w.size + 1
        got = [canonical(v) for v in polynomials(found, spec).reshape(-1)]
        assert got == [canonical(v) for v in formulation(x, w).reshape(-1)]


def _with_square(x, w):
    out = right.conv2d_einsum(x, w)
    out[0, 0, 0, 0] += x[0, 0, 0, 0] ** 2  # not bilinear: x squared
    return out


def test_a_function_that_is_not_bilinear_gets_no_name():
    verdict = verify(float_only(_with_square), SMALL)
    assert verdict.status is Status.WRONG and verdict.mistakes == (), str(verdict)
    assert "not bilinear" in str(verdict) and "no mistake is named" in str(verdict)
    assert verdict.example is not None  # the counterexample still stands


def test_a_constant_term_is_caught_by_the_zero_probe():
    verdict = verify(float_only(lambda x, w: right.conv2d_einsum(x, w) + 1), SMALL)
    assert verdict.status is Status.WRONG and verdict.mistakes == ()
    assert "not bilinear: fn(0, 0) is not zero" in str(verdict)


def test_inexact_one_hot_outputs_are_not_read():
    verdict = verify(float_only(lambda x, w: right.conv2d_einsum(x, w) * 1.5), SMALL)
    assert verdict.status is Status.WRONG and verdict.mistakes == ()
    assert "not an exact integer" in str(verdict)


def test_a_function_raising_on_one_hot_inputs_gets_a_note():
    def picky(x, w):
        if np.count_nonzero(x) == 1:
            raise ZeroDivisionError("one-hot")
        return right.conv2d_einsum(x, np.flip(w, (2, 3)))
    verdict = verify(float_only(picky), SMALL)
    assert verdict.status is Status.WRONG and verdict.mistakes == ()
    assert "raised ZeroDivisionError: one-hot on one-hot inputs" in str(verdict)


def test_budgets_skip_probing_with_a_note():
    fn = bound(float_only(wrong.conv2d_im2col_row_bug), SMALL)
    few = verify(fn, SMALL, max_probe_calls=100)
    assert few.status is Status.WRONG and few.mistakes == () and few.example is not None
    assert "probing takes 961 calls" in str(few) and "max_probe_calls=100" in str(few)
    quick = verify(fn, SMALL, max_probe_seconds=1e-9)
    assert quick.status is Status.WRONG and quick.mistakes == ()
    assert "above max_probe_seconds=1e-09" in str(quick)
    off = verify(fn, SMALL, max_probe_calls=0)
    assert off.mistakes == () and PROBED not in str(off)
    with pytest.raises(ValueError, match="max_probe_calls/max_probe_seconds: expected"):
        verify(fn, SMALL, max_probe_calls=-1)


def test_a_sampled_pass_is_not_probed_and_not_proved():
    verdict = verify(bound(float_only(right.conv2d_einsum), GROUPED), GROUPED)
    assert verdict.status is Status.PASSED and not verdict.proved and verdict.mistakes == ()
    assert PROBED not in str(verdict) and "probing" not in str(verdict)


# --- torch ------------------------------------------------------------------------------------

TORCH_WRONG = [
    ("convolve2d_torch_no_flip", SMALL, "convolution", MistakeKind.MISSING_FLIP),
    ("conv2d_torch_im2col_row_bug", SMALL, "correlation", MistakeKind.KERNEL_HEIGHT_FOR_WIDTH),
    ("conv2d_torch_stride_on_offsets", STRIDED, "correlation",
     MistakeKind.STRIDE_ON_KERNEL_OFFSETS),
    ("conv2d_torch_dilation_ignored", DILATED, "correlation", MistakeKind.DILATION_IGNORED),
    ("conv2d_torch_groups_leak", GROUPED, "correlation", MistakeKind.GROUPS_LEAK),
]


@pytest.mark.parametrize(("name", "spec", "kind", "mistake"), TORCH_WRONG,
                         ids=[n for n, *_ in TORCH_WRONG])
def test_torch_mistakes_are_named(name, spec, kind, mistake):
    torch = pytest.importorskip("torch")
    from .zoo import torch_wrong

    threads = torch.get_num_threads()
    assert_named(verify(bound(getattr(torch_wrong, name), spec), spec, kind=kind), mistake)
    assert torch.get_num_threads() == threads  # probing ran single-threaded, then restored


def test_torch_transposed_kernel_is_named_with_the_swapped_entries():
    pytest.importorskip("torch")
    from .zoo.torch_conv import conv2d_torch_transposed

    verdict = verify(conv2d_torch_transposed, SQUARE)
    assert_named(verdict, MistakeKind.TRANSPOSED_KERNEL)
    assert "out[0,0,0,0] multiplies x[0,0,0,1] by w[0,0,1,0] where w[0,0,0,1] belongs" in \
        str(verdict)


def test_correct_torch_passes_without_probing():
    pytest.importorskip("torch")
    from .zoo.torch_conv import conv2d_torch_float32

    for spec in (STRIDED, GROUPED):
        verdict = verify(bound(conv2d_torch_float32, spec), spec)
        assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
        assert "probing" not in str(verdict)


def test_torch_function_that_is_not_bilinear_gets_no_name():
    torch = pytest.importorskip("torch")
    from .zoo.torch_conv import conv2d_torch

    def squared(x, w):
        out = conv2d_torch(x, w)
        xt = torch.as_tensor(x, dtype=torch.float64)
        return out + (xt[:, :1, :out.shape[2], :out.shape[3]] ** 2).numpy()
    verdict = verify(squared, SMALL, kind="convolution")
    assert verdict.status is Status.WRONG and verdict.mistakes == ()
    assert "not bilinear" in str(verdict)


def test_probing_reads_a_convolution_exactly_from_torch():
    pytest.importorskip("torch")
    from .zoo.torch_conv import conv2d_torch_float32

    spec = ConvSpec((5, 5), (3, 3), padding=1)
    found = probe(lambda x, w: conv2d_torch_float32(np.flip(x, (2, 3)).copy(), w, padding=1)
                  .flip((2, 3)), spec)  # reversing input and output turns correlation into
    x, w = symbolic_input(spec, backend=Backend.RING), symbolic_weight(spec, backend=Backend.RING)
    want = convolve(x, w, spec)  # convolution (odd kernel, symmetric padding)
    assert found.problem is None
    assert [canonical(v) for v in polynomials(found, spec).reshape(-1)] == \
        [canonical(v) for v in want.reshape(-1)]


# --- CLI --------------------------------------------------------------------------------------

FLOAT_MODULE = textwrap.dedent('''
    import numpy as np

    def transposed(x, w):
        x, w = np.asarray(x, dtype=np.float32), np.asarray(w, dtype=np.float32)
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
        return np.einsum("nchwuv,fcvu->nfhw", win, w)
''')


def test_cli_names_the_mistake_of_float_only_code(tmp_path, monkeypatch, capsys):
    (tmp_path / "floatconv.py").write_text(FLOAT_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    sys.modules.pop("floatconv", None)
    argv = ["verify", "floatconv:transposed", "--input", "1x2x5x5", "--kernel", "1x2x3x3"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "mistake: kernel transposed" in out and PROBED in out
    assert main([*argv, "--max-probe-calls", "0"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("WRONG") and "mistake:" not in out and PROBED not in out
    assert main([*argv, "--max-probe-calls", "-1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--max-probe-calls" in err  # the CLI's name
