"""``symconv verify``: exit 0 correct, 1 wrong (diagnosis printed), 2 bad input (one line)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import cli_runner

ROOT = Path(__file__).resolve().parents[1]

USER_MODULE = textwrap.dedent('''
    import numpy as np

    def conv(x, w, stride=1, padding=0, dilation=1, groups=1):
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
        return np.einsum("nchwuv,fcuv->nfhw", win[:, :, ::stride, ::stride], w)

    def conv_no_options(x, w):
        return conv(x, w)

    def transposed(x, w):
        return conv(x, np.swapaxes(w, 2, 3))

    not_a_function = 3
''')


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    (tmp_path / "userconv.py").write_text(USER_MODULE)
    (tmp_path / "broken_import.py").write_text("raise RuntimeError('no GPU')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("userconv", "broken_import"):
        sys.modules.pop(name, None)
    return tmp_path


def run_cli(capsys, *argv):
    return cli_runner.run_cli(capsys, "verify", *argv)


def test_correct_function_exits_0(user_dir, capsys):
    code, out, err = run_cli(capsys, "userconv:conv_no_options", "--input", "2x3x5x6",
                             "--kernel", "4x3x2x3")
    assert code == 0 and err == "" and out.startswith("CORRECT: proved")


def test_pass_options_passes_pytorch_names(user_dir, capsys):
    code, out, _ = run_cli(capsys, "userconv:conv", "--input", "1x2x7x7", "--kernel",
                           "2x2x3x3", "--stride", "2", "--pass-options")
    assert code == 0, out
    code, out, _ = run_cli(capsys, "userconv:conv_no_options", "--input", "1x2x7x7",
                           "--kernel", "2x2x3x3", "--stride", "2")
    assert code == 1 and "WRONG SHAPE" in out


def test_wrong_function_exits_1_with_the_diagnosis(user_dir, capsys):
    code, out, err = run_cli(capsys, "userconv:transposed", "--input", "1x1x5x5", "--kernel",
                             "1x1x3x3")
    assert code == 1 and err == ""
    assert "mistake: kernel transposed" in out and "paste into a test" in out
    code, out, _ = run_cli(capsys, "userconv:conv_no_options", "--input", "1x1x5x5",
                           "--kernel", "1x1x3x3", "--kind", "convolution")
    assert code == 1 and "missing flip" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["nosuchmodule:conv"], "no module 'nosuchmodule'"),
    (["userconv:nothere"], "has no function 'nothere'"),
    (["userconv:not_a_function"], "has no function 'not_a_function'"),
    (["userconv"], "expected e.g. myconv:conv2d"),
    (["broken_import:conv"], "importing 'broken_import' raised RuntimeError: no GPU"),
    (["userconv:conv", "--input", "1x1x1x1x5x5"], "--input: expected N x C x 1 to 3 spatial"),
    (["userconv:conv", "--input", "5x5"], "--kernel: expected one value or 2"),
    (["userconv:conv", "--input", "1x1x5x5", "--batch", "2"],
     "--input: expected 1 to 3 spatial sizes with --batch, got '1x1x5x5'"),
    (["userconv:conv", "--stride", "a"], "error: --stride: expected sizes like 5x5"),
    (["userconv:conv", "--timeout", "-1"], "--timeout: expected a number of seconds > 0, got -1"),
    (["userconv:conv", "--trials", "0"], "--trials: expected an integer >= 1, got 0"),
    (["userconv:conv", "--max-probe-calls", "-3"], "--max-probe-calls: expected an integer >= 0"),
    (["userconv:conv", "--input", "1x1x5xa"], "--input: expected sizes like 5x5"),
    (["userconv:conv", "--kernel", "1x1x3"], "--kernel: expected 4 sizes"),
    (["userconv:conv", "--kernel", "1x2x3x3"], "--kernel: expected 1 channels per group"),
    (["userconv:conv", "--kernel", "1x1x9x3"], "--kernel: expected a kernel no wider"),
    (["userconv:conv", "--stride", "0"], "--stride: expected an integer >= 1"),
])
def test_bad_input_exits_2_with_one_line(user_dir, capsys, argv, message):
    defaults = {"--input": "1x1x5x5", "--kernel": "1x1x3x3"}
    for i, a in enumerate(argv):
        if a in defaults:
            defaults[a] = argv[i + 1]
    args = [argv[0]] + [t for k, v in defaults.items() for t in (k, v)] + [
        a for i, a in enumerate(argv[1:], 1) if a not in defaults and argv[i - 1] not in defaults]
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err and message in err, err


def test_fresh_interpreter_from_the_repository(tmp_path):
    """As a user runs it: a new process, the module found from the current directory."""
    cmd = [sys.executable, "-m", "symconv.cli", "verify", "tests.zoo.wrong:conv2d_im2col_row_bug",
           "--input", "2x2x5x6", "--kernel", "2x2x2x3", "--pass-options"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "kernel height used for width" in run.stdout
    run = subprocess.run(cmd[:4] + ["tests.zoo.right:conv2d_loops"] + cmd[5:], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("CORRECT"), run.stdout + run.stderr
