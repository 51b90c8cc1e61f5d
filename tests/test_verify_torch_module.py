"""verify(module, spec): a torch conv module's own forward, its weight and bias replaced by
verify's inputs (torch.func.functional_call on float64), checked by the randomized exact check.

A torch module cannot run on symbols, so a correct one PASSES (with its Schwartz-Zippel bound)
rather than being PROVED; a wrong one gets a counterexample, and probing names the mistake.
Issue 12, item 4.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from symconv import ConvSpec, SymconvError, verify
from symconv.verification import MistakeKind, Status
from symconv.verification.rounding import expected_output
from tests.cli_runner import run_cli

torch = pytest.importorskip("torch")
F = torch.nn.functional

SPEC = ConvSpec((5, 5), (3, 3), in_channels=1, out_channels=2, bias=True)


class MyConv(torch.nn.Module):
    """A user's own conv module: parameters weight and bias, a forward of its own."""

    def __init__(self, mistake: str = "") -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(2, 1, 3, 3))
        self.bias = torch.nn.Parameter(torch.zeros(2))
        self.mistake = mistake

    def forward(self, x):
        w = self.weight.transpose(-1, -2) if self.mistake == "transposed" else self.weight
        out = F.conv2d(x, w)
        if self.mistake == "forgot":
            return out
        out = out + self.bias[None, :, None, None]
        return out + self.bias[None, :, None, None] if self.mistake == "twice" else out


def _confirm(fn, verdict):
    ex = verdict.example
    assert ex is not None and ex.b is not None, str(verdict)
    want = expected_output(ex.x, ex.w, verdict.spec, verdict.kind, ex.b)[ex.position]
    assert want == ex.expected and ex.got != want, str(verdict)


def test_a_correct_conv2d_with_bias_passes_with_its_bound_and_its_own_spec():
    layer = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    verdict = verify(layer, input_size=(2, 3, 7, 7))
    assert verdict and verdict.status is Status.PASSED, str(verdict)
    assert verdict.spec == ConvSpec((7, 7), 3, in_channels=3, out_channels=4, batch=2, stride=2,
                                    padding=1, bias=True)
    assert verdict.bound <= 1e-6
    assert "a torch module computes on float64 tensors, not on symbols" in str(verdict)
    assert "bilinear map plus bias" in str(verdict)
    assert layer.weight.dtype == torch.float32  # the layer itself is not changed
    assert verify(MyConv(), SPEC).status is Status.PASSED


def test_a_correct_conv_without_bias_passes_with_a_spec_without_bias():
    layer = torch.nn.Conv1d(2, 3, 2, dilation=2, bias=False)
    spec = ConvSpec((6,), (2,), in_channels=2, out_channels=3, dilation=2)
    assert verify(layer, spec).status is Status.PASSED


@pytest.mark.parametrize("mistake, kind", [
    ("forgot", MistakeKind.BIAS_MISSING),
    ("twice", MistakeKind.BIAS_TWICE),
    ("transposed", MistakeKind.TRANSPOSED_KERNEL),
])
def test_a_wrong_custom_module_is_wrong_with_the_mistake_named(mistake, kind):
    module = MyConv(mistake)
    verdict = verify(module, SPEC)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert verdict.mistake_kinds[0] is kind, str(verdict)
    assert "the bias is probed apart, by fn(0, 0, e_f)" in str(verdict)
    _confirm(module, verdict)


def test_a_layer_without_bias_verified_as_one_with_bias_misses_it():
    layer = torch.nn.Conv2d(1, 2, 3, bias=False)
    verdict = verify(layer, SPEC)
    assert verdict.mistake_kinds == (MistakeKind.BIAS_MISSING,), str(verdict)


def test_modules_that_do_not_fit_get_one_line_errors():
    class Named(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kernel = torch.nn.Parameter(torch.zeros(2, 1, 3, 3))

        def forward(self, x):
            return F.conv2d(x, self.kernel)
    with pytest.raises(SymconvError, match=r"^module: expected a conv module whose parameters "
                                           r"are 'weight' and an optional 'bias', got Named "
                                           r"with parameters \['kernel'\]"):
        verify(Named(), SPEC)
    with pytest.raises(SymconvError, match=r"^spec: expected bias=True for Conv2d, which has "
                                           r"a bias parameter"):
        verify(torch.nn.Conv2d(1, 2, 3), SPEC.replace(bias=False))
    with pytest.raises(SymconvError, match=r"^module: its weight has shape \(2, 1, 2, 2\) "
                                           r"where the spec gives \(2, 1, 3, 3\)"):
        verify(torch.nn.Conv2d(1, 2, 2), SPEC)
    with pytest.raises(SymconvError, match=r"^spec: expected a ConvSpec, or input_size="):
        verify(torch.nn.Conv2d(1, 2, 3))
    with pytest.raises(SymconvError, match=r"^spec: expected a ConvSpec for MyConv, which is "
                                           r"not an nn.ConvNd"):
        verify(MyConv(), input_size=(1, 1, 5, 5))
    with pytest.raises(SymconvError, match=r"^module: expected a forward conv layer, got "
                                           r"ConvTranspose2d"):
        verify(torch.nn.ConvTranspose2d(2, 1, 3), input_size=(1, 2, 5, 5))


def test_torch_is_imported_only_when_a_torch_module_is_passed():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        from symconv import ConvSpec, verify
        def conv(x, w, b):
            win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
            return np.einsum("nchwuv,fcuv->nfhw", win, w) + b[:, None, None]
        assert verify(conv, ConvSpec((4, 4), 2, bias=True)).proved
        print("torch" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


USER_MODULE = '''
import torch

torch.manual_seed(0)
layer = torch.nn.Conv2d(1, 2, 3)
nobias = torch.nn.Conv2d(1, 2, 3, bias=False)


class Forgot(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(2, 1, 3, 3))
        self.bias = torch.nn.Parameter(torch.zeros(2))

    def forward(self, x):
        return torch.nn.functional.conv2d(x, self.weight)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 2, 3)


forgot, model, relu = Forgot(), Net(), torch.nn.ReLU()
'''


@pytest.mark.parametrize("argv, code, text", [
    (["usertorch:layer"], 0, "PASSED: agrees with the spec exactly"),
    (["usertorch:model.conv1"], 0, "layer: correlation on 5x5 * 3x3, F=2, bias"),
    (["usertorch:nobias"], 0, "layer: correlation on 5x5 * 3x3, F=2\n"),
    (["usertorch:nobias", "--bias"], 1, "mistake: bias missing"),
    (["usertorch:forgot", "--kernel", "2x1x3x3"], 1, "mistake: bias missing"),
    (["usertorch:forgot"], 2, "--kernel: expected FxCgxKHxKW for usertorch:forgot, a Forgot"),
    (["usertorch:relu", "--kernel", "2x1x3x3"], 2, "module: expected a conv module whose"),
    (["usertorch:layer", "--stride", "2"], 2, "--stride: the layer is read from the torch"),
    (["usertorch:layer", "--pass-options"], 2, "--pass-options: a torch module takes its"),
])
def test_cli_verifies_a_torch_module(tmp_path, monkeypatch, capsys, argv, code, text):
    (tmp_path / "usertorch.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("usertorch", None)
    got, out, err = run_cli(capsys, "verify", *argv, "--input", "1x1x5x5")
    assert got == code, out + err
    assert text in out + err
    if code == 2:
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
