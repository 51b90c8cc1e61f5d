"""symconv.conventions: every translated call, run as printed, equals symconv.numeric.conv;
and the traps it states, each shown numerically with the libraries themselves."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SpecError, numeric
from symconv.conventions import PADDING_NAMES, translate
from symconv.spec import PaddingMode
from symconv.strategies import conv_specs

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
SPECS = conv_specs(max_size=6, max_kernel=4, max_channels=3, max_batch=2)
SINGLE = conv_specs(max_size=7, max_kernel=4, max_channels=1, max_batch=1, max_groups=1)


def check_all(spec: ConvSpec, target: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, spec.input_shape).astype(np.float64)
    w = rng.integers(-9, 10, spec.weight_shape).astype(np.float64)
    want = numeric.conv(x, w, spec)
    for t in translate(spec, target):
        got = t.run(x, w)
        assert got.shape == want.shape, f"{t.library}:\n{t.code}"
        assert np.allclose(got, want, rtol=0, atol=1e-9), f"{t.library}:\n{t.code}"


@settings(max_examples=80, deadline=None)
@given(st.one_of(SPECS, SINGLE), st.sampled_from(["scipy", "ndimage", "numpy"]),
       st.integers(0, 2**31))
def test_translations_compute_the_layer(spec: ConvSpec, target: str, seed: int) -> None:
    check_all(spec, target, seed)


@settings(max_examples=40, deadline=None)
@given(st.one_of(SPECS, SINGLE), st.integers(0, 2**31))
def test_torch_translation(spec: ConvSpec, seed: int) -> None:
    pytest.importorskip("torch")
    check_all(spec, "torch", seed)


@pytest.mark.parametrize(("spec", "library", "code"), [
    (ConvSpec((5, 5), (4, 4), padding="same"), "scipy.signal.correlate2d",
     "y = scipy.signal.correlate2d(x, w, mode='same')"),
    (ConvSpec((5, 5), (4, 4), padding="same"), "scipy.signal.correlate",
     "y = scipy.signal.correlate(x, w, mode='full')[2:7, 2:7]"),
    (ConvSpec((5, 5), (3, 3), padding=2, padding_mode="circular"), "scipy.signal.correlate2d",
     "y = scipy.signal.correlate2d(x, w, mode='full', boundary='wrap')"),
    (ConvSpec((6, 6), (3, 3), padding=1, padding_mode="reflect", stride=2),
     "scipy.signal.correlate2d",
     "xp = np.pad(x, ((1, 1), (1, 1)), mode='reflect')\n"
     "y = scipy.signal.correlate2d(xp, w, mode='valid')[::2, ::2]"),
    (ConvSpec((6, 6), (4, 3), padding="same", padding_mode="replicate"),
     "scipy.ndimage.correlate",
     "y = scipy.ndimage.correlate(x, w, mode='nearest', origin=(-1, 0))"),
])
def test_golden_calls(spec: ConvSpec, library: str, code: str) -> None:
    target = "ndimage" if library == "scipy.ndimage.correlate" else "scipy"
    (t,) = [t for t in translate(spec, target) if t.library == library]
    assert t.code == code
    check_all(spec, target, 0)


@pytest.mark.parametrize("spec", [
    ConvSpec((6, 5), (3, 2), in_channels=2, out_channels=3, batch=2, stride=2, padding=1),
    ConvSpec((5, 5), (3, 3), in_channels=3, out_channels=2, batch=3),
])
def test_cs231n_im2col_layout(spec: ConvSpec) -> None:
    (t,) = translate(spec, "im2col")
    assert "transpose(3, 0, 1, 2)" in t.code  # batch-fastest columns fold back this way
    check_all(spec, "im2col", 1)


def test_im2col_refuses_what_cs231n_cannot_express() -> None:
    with pytest.raises(SpecError, match=r"^to: cs231n-style im2col takes 2-D, groups=1"):
        translate(ConvSpec((5, 5), 3, dilation=2), "im2col")


def test_unknown_target() -> None:
    with pytest.raises(SpecError, match=r"^to: expected one of torch, scipy, ndimage, numpy, "
                                        r"im2col, got 'matlab'"):
        translate(ConvSpec((5, 5), 3), "matlab")


# ---- the traps, shown with the libraries themselves ----

def test_trap_same_with_even_kernel_splits_differently() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 5)), rng.standard_normal((4, 4))
    full = scipy.signal.correlate2d(x, w, mode="full")
    # correlate2d keeps PyTorch's split (1 left, 2 right): full[2:7]; correlate shifts by one
    assert np.allclose(scipy.signal.correlate2d(x, w, mode="same"), full[2:7, 2:7])
    assert np.allclose(scipy.signal.correlate(x, w, mode="same"), full[1:6, 1:6])
    spec = ConvSpec((5, 5), (4, 4), padding="same")
    torch_like = numeric.conv(x[None, None], w[None, None], spec)[0, 0]
    assert np.allclose(torch_like, scipy.signal.correlate2d(x, w, mode="same"))
    assert not np.allclose(torch_like, scipy.signal.correlate(x, w, mode="same"))
    (_, nd) = translate(spec, "scipy")
    assert nd.same_offset == (1, 1)
    assert np.allclose(torch_like[:-1, :-1], scipy.signal.correlate(x, w, mode="same")[1:, 1:])
    # numpy.correlate (1-D) splits like scipy.signal.correlate
    a, v = rng.standard_normal(7), rng.standard_normal(4)
    assert np.allclose(np.correlate(a, v, "same"), scipy.signal.correlate(a, v, "same"))


def test_trap_valid_swaps_inputs_when_second_is_larger() -> None:
    a, v = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    for correlate in (scipy.signal.correlate, np.correlate):
        swapped = correlate(v, a, "valid")[::-1]  # not sum_u a[o+u] v[u], which has no terms
        assert np.allclose(correlate(a, v, "valid"), swapped)
    assert np.allclose(scipy.signal.correlate2d(a[None], v[None], "valid"),
                       scipy.signal.correlate2d(v[None], a[None], "valid")[:, ::-1])


def test_trap_complex_correlate_conjugates_second_argument() -> None:
    a, v = np.array([1 + 1j, 2.0]), np.array([1j, 1.0])
    plain = (a * v).sum()  # what PyTorch's conv (and symconv.numeric.conv) computes
    assert np.isclose(scipy.signal.correlate(a, v, "valid")[0], (a * v.conj()).sum())
    assert np.isclose(np.correlate(a, v, "valid")[0], (a * v.conj()).sum())
    assert not np.isclose((a * v.conj()).sum(), plain)
    assert np.isclose(numeric.conv(a[None, None], v[None, None], ConvSpec((2,), (2,)))[0, 0, 0],
                      plain)


def test_trap_padding_mode_names() -> None:
    x = np.arange(1.0, 5.0)
    assert PADDING_NAMES[PaddingMode.REFLECT] == ("reflect", None, "mirror")
    reflect = np.pad(x, 2, mode="reflect")  # torch reflect: edge not repeated
    symm = np.pad(x, 2, mode="symmetric")  # scipy 'symm', ndimage 'reflect': edge repeated
    assert reflect.tolist() == [3, 2, 1, 2, 3, 4, 3, 2]
    assert symm.tolist() == [2, 1, 1, 2, 3, 4, 4, 3]
    ones = np.ones((1, 3))
    img = np.arange(1.0, 5.0)[None]
    assert np.allclose(scipy.signal.correlate2d(img, ones, "same", boundary="symm"),
                       scipy.signal.correlate2d(np.pad(img, ((0, 0), (1, 1)), "symmetric"),
                                                ones, "valid"))
    for mode, (np_mode, _, nd_mode) in PADDING_NAMES.items():
        spec = ConvSpec((4,), (3,), padding=1, padding_mode=mode)
        got = numeric.conv(img[None], np.ones((1, 1, 3)), spec)[0, 0]
        assert np.allclose(got, np.convolve(np.pad(img[0], 1, mode=np_mode), np.ones(3), "valid"))
        assert np.allclose(got, scipy.ndimage.correlate(img[0], np.ones(3), mode=nd_mode))


def test_cli_convert_prints_call_and_offset(capsys: pytest.CaptureFixture[str]) -> None:
    from symconv.cli import main

    code = main(["convert", "--to", "scipy", "--input", "5x5", "--kernel", "4x4",
                 "--padding", "same"])
    out = capsys.readouterr().out
    assert code == 0
    assert "    y = scipy.signal.correlate2d(x, w, mode='same')\n  offset: (0, 0)" in out
    assert "    y = scipy.signal.correlate(x, w, mode='full')[2:7, 2:7]\n  offset: (1, 1)" in out
    assert out.count("checked: equal to symconv.numeric.conv") == 2


@pytest.mark.parametrize("target", ["torch", "numpy", "ndimage", "im2col"])
def test_cli_convert_other_targets(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    from symconv.cli import main

    if target == "torch":
        pytest.importorskip("torch")
    assert main(["convert", "--to", target, "--input", "6x5", "--kernel", "3x2",
                 "--in-channels", "2", "--out-channels", "3", "--padding", "1"]) == 0
    assert "checked: equal to symconv.numeric.conv" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["--to", "matlab"], "symconv convert: error: to: expected one of torch, scipy, ndimage, "
                         "numpy, im2col, got 'matlab'; e.g. --to scipy\n"),
    (["--to", "im2col", "--dilation", "2", "--input", "9x9"],
     "symconv convert: error: to: cs231n-style im2col takes 2-D"),
    (["--to", "scipy", "--kernel", "9x9"], "symconv convert: error: --kernel: expected"),
])
def test_cli_convert_bad_input(argv: list[str], message: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from symconv.cli import main

    assert main(["convert", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
