"""The command line: exit codes 0 / 1 / 2, tables, one-line errors, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symconv import Theorem, correlate, get_theorem, not_applicable, theorem_names
from symconv import theorems as theorems_module
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[1]


def test_prove_all_prints_the_table(capsys):
    code, out, err = run_cli(capsys, "prove")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["theorem", "configuration", "products", "time", "result"]
    body = [line for line in lines[2:] if line.strip() and "proofs hold" not in line
            and "--all-sizes" not in line and "do not apply" not in line]
    assert len(body) == len(theorem_names()) * len(theorems_module.DEFAULT_SPECS)
    pairs = [(n, spec) for n in theorem_names() for _, spec in theorems_module.DEFAULT_SPECS]
    skips = sum(1 for n, spec in pairs if not_applicable(get_theorem(n), spec))
    # the four zero-padding backward theorems on the reflect and circular layers (8), the
    # circular FFT theorem on the 11 others, the linear one on 6 (stride, dilation, groups, modes)
    assert skips == 8 + 11 + 6
    skipped = [line for line in body if " does not apply (" in line]
    assert len(skipped) == skips
    assert sum("does not apply (padding_mode='reflect')" in line for line in skipped) == 4
    proved = [line for line in body if line.endswith("proved")]
    assert len(proved) == len(body) - skips
    assert any("seed example: 5x5 * 3x3" in line for line in body)
    assert f"{len(proved)} of {len(proved)} proofs hold" in out
    assert f"{skips} theorem/layer pairs do not apply" in out


def test_prove_one_with_options(capsys):
    code, out, _ = run_cli(capsys, "prove", "dot-equals-im2col", "--input", "9x10", "--kernel",
                           "2x3", "--in-channels", "2", "--out-channels", "4", "--batch", "2",
                           "--stride", "2x1", "--padding", "1", "--dilation", "1x2",
                           "--groups", "2")
    assert code == 0
    assert "command line: 9x10 * 2x3, N=2, C=2, F=4, groups 2, stride 2x1, dilation 1x2, pad 1" \
        in out


def test_prove_same_padding_even_kernel(capsys):
    code, out, _ = run_cli(capsys, "prove", "convolution-is-flipped-correlation", "--input",
                           "6x6", "--kernel", "4x4", "--padding", "same")
    assert code == 0 and "pad same" in out


def test_disproof_exits_1_with_counterexample(capsys, monkeypatch):
    wrong = Theorem("no-flip", "convolution is correlation (false)", correlate,
                    lambda x, w, s: correlate(x, w[..., ::-1], s), "correlate", "half-flipped")
    monkeypatch.setitem(theorems_module._REGISTRY, "no-flip", wrong)
    code, out, _ = run_cli(capsys, "prove", "no-flip", "--input", "4", "--kernel", "2")
    assert code == 1
    assert "DISPROVED" in out and "counterexample" in out and "left only" in out


@pytest.mark.parametrize(("argv", "pattern"), [
    (["prove", "nonsense"], "theorem: no theorem named 'nonsense'"),
    (["prove", "output-size", "--stride", "0"], "--stride: expected an integer >= 1"),
    (["prove", "output-size", "--input", "5xx5"], "--input: expected sizes like 5x5"),
    (["prove", "output-size", "--kernel", "9x9"], "--kernel: expected a kernel no wider"),
    (["prove", "output-size", "--in-channels", "3", "--groups", "2"],
     "--in-channels: expected a multiple of groups=2"),
    (["prove", "output-size", "--padding", "same", "--stride", "2"], "--stride: expected 1"),
    (["prove", "output-size", "--padding", "-1"], "--padding: expected an integer (1), one "
     "per axis (1x0), a left,right pair for every axis (1,2), one pair per axis (0,1,1,2 or "
     "0,1x1,2), 'same' or 'valid', got '-1'"),
    (["prove", "output-size", "--padding", "full"], "'same' or 'valid', got 'full'"),
    (["prove", "output-size", "--padding", "1,2,3"], "--padding: expected left,right pairs"),
    (["prove", "output-size", "--padding", "0,1,1,2,0,0"], "--padding: expected one value or 2"),
    (["prove", "output-size", "--stride", "2xa"], "error: --stride: expected sizes like 5x5"),
    (["prove", "output-size", "--in-channels", "a"], "error: --in-channels: expected sizes"),
    (["prove", "--all-sizes", "--input", "7x7"], "--all-sizes: proves every size at once, so "
     "--input cannot apply"),
    (["prove", "output-size", "--padding-mode", "mirror"], "--padding-mode: expected one of"),
    (["prove", "output-size", "--batch", "2x2"], "--batch: expected one integer"),
    (["frobnicate"], "invalid choice"),
    (["prove", "--backend", "maple"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, pattern):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert pattern in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_example(capsys):
    code, out, _ = run_cli(capsys, "example")
    assert code == 0
    assert "(1·1)+(1·0)+(1·1)+(0·0)+(1·1)+(1·0)+(0·1)+(0·0)+(1·1) = 4" in out
    assert out.count("[[4,3,4],[2,4,3],[2,3,4]]") == 5  # four formulations + true convolution
    assert "[1 0 1 0 1 0 1 0 1] @ [1 1 1 0 1 1 0 0 1]^T = 4" in out
    assert "true convolution                [[2,3,3],[1,3,2],[2,2,1]]" in out


def test_console_script_in_a_subprocess(tmp_path):
    """The installed entry point: exit codes and stderr as a user sees them."""
    exe = Path(sys.executable).with_name("symconv")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "symconv.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([*cmd, "prove", "elementwise-equals-dot"], capture_output=True,
                        text=True, env=env, cwd=tmp_path, timeout=120)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*cmd, "prove", "output-size", "--groups", "0"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("symconv prove: error: --groups: expected an integer >= 1")
    assert "Traceback" not in bad.stderr and bad.stdout == ""
