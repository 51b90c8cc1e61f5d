"""CLI papercuts (issue 12, item 7): option names, padding forms, budgets, layer options."""

from __future__ import annotations

import re
import sys
import textwrap

import pytest

from symconv import SpecError, prove, theorem_names
from symconv.cli.options import parse_padding
from tests.cli_runner import run_cli

USER_MODULE = textwrap.dedent('''
    import numpy as np

    SEEN = []

    def conv(x, w, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
        """Correlation with (left, right) pads per axis; records the options it was given."""
        SEEN.append(dict(stride=stride, padding=padding, padding_mode=padding_mode))
        pads = padding if isinstance(padding, tuple) else ((padding, padding),) * 2
        mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
                "circular": "wrap"}[padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), *pads), mode=mode)
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
        return np.einsum("nchwuv,fcuv->nfhw", win[:, :, ::stride, ::stride], w)

    def no_mode(x, w, stride=1, padding=0, dilation=1, groups=1):
        return conv(x, w, stride, padding)
''')


@pytest.fixture
def userconv(tmp_path, monkeypatch):
    (tmp_path / "papercut_conv.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    sys.modules.pop("papercut_conv", None)
    yield lambda: sys.modules["papercut_conv"]
    sys.modules.pop("papercut_conv", None)


@pytest.mark.parametrize(("text", "rank", "expected"), [
    ("1", 2, 1),
    ("1x0", 2, (1, 0)),
    ("1,2", 1, ((1, 2),)),
    ("1,2", 2, ((1, 2), (1, 2))),
    ("0,1,1,2", 2, ((0, 1), (1, 2))),
    ("0,1x1,2", 2, ((0, 1), (1, 2))),
    ("Valid", 2, "valid"),
])
def test_padding_forms(text, rank, expected):
    assert parse_padding(text, rank) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("1x0,2", "each axis as P or L,R"),
    ("1,2,3", "left,right pairs (an even count of numbers)"),
    ("full", "'same' or 'valid', got 'full'"),
    ("-1", "'same' or 'valid', got '-1'"),
])
def test_padding_refused(text, message):
    with pytest.raises(SpecError, match=r"^--padding: expected .*" + re.escape(message)):
        parse_padding(text, 2)


def test_asymmetric_padding_reaches_the_spec(capsys):
    code, out, _ = run_cli(capsys, "prove", "output-size", "--input", "5x5", "--padding", "1,2")
    assert code == 0 and "command line: 5x5 * 3x3, pad ((1, 2), (1, 2))" in out
    code, out, _ = run_cli(capsys, "prove", "dot-equals-im2col", "--input", "5x6", "--padding",
                           "0,1,1,2")
    assert code == 0 and "pad ((0, 1), (1, 2))" in out


def test_layer_options_without_a_theorem_prove_every_theorem_there(capsys):
    code, out, err = run_cli(capsys, "prove", "--input", "7x7", "--stride", "2")
    assert code == 0 and err == ""
    rows = [line for line in out.splitlines() if line.endswith("proved")]
    skipped = [line for line in out.splitlines() if "does not apply (stride)" in line]
    assert len(rows) == len(theorem_names()) - 2 and len(skipped) == 2  # the FFT theorems
    assert all("command line: 7x7 * 3x3, stride 2" in row for row in rows + skipped)
    assert f"{len(rows)} of {len(rows)} proofs hold" in out
    assert "on the layer the command line describes" in out


def test_prove_refuses_a_tuple_for_the_spec():
    with pytest.raises(SpecError, match=r"^spec: expected a ConvSpec, got tuple \(5, 5\); "
                                        r"e\.g\. prove\('output-size', ConvSpec"):
        prove("output-size", (5, 5))


def test_verify_takes_the_layer_as_prove_does(userconv, capsys):
    spatial = ("--input", "5x6", "--kernel", "2x3", "--in-channels", "3", "--out-channels", "2",
               "--batch", "2")
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", *spatial)
    assert code == 0, out
    assert out.startswith("CORRECT: proved equal to the spec at all 64 output positions")
    assert "layer: correlation on 5x6 * 2x3, N=2, C=3, F=2" in out
    code, same, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "2x3x5x6",
                            "--kernel", "2x3x2x3")
    assert code == 0 and same.splitlines()[:2] == out.splitlines()[:2]
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "9",
                           "--kernel", "3")
    assert code == 1 and "layer: correlation on 9 * 3" in out  # a 2-D function on a 1-D layer


def test_pass_options_passes_padding_mode_and_pairs(userconv, capsys):
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:conv", "--input", "6x6", "--kernel",
                           "3x3", "--padding", "0,1,1,2", "--padding-mode", "reflect",
                           "--pass-options")
    assert code == 0, out
    assert "pad ((0, 1), (1, 2)), reflect" in out
    assert userconv().SEEN[0] == {"stride": 1, "padding": ((0, 1), (1, 2)),
                                  "padding_mode": "reflect"}
    # a function without padding_mode is not handed one for zeros padding ...
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "6x6",
                           "--kernel", "3x3", "--padding", "1", "--pass-options")
    assert code == 0, out
    # ... but is for reflect, and the verdict says the call failed
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "6x6",
                           "--kernel", "3x3", "--padding", "1", "--padding-mode", "reflect",
                           "--pass-options")
    assert code == 1 and "unexpected keyword argument 'padding_mode'" in out


def test_verify_json_and_quiet(userconv, capsys):
    import json
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "1x1x5x5",
                           "--kernel", "1x1x3x3", "--stride", "2", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["command"] == "verify" and doc["holds"] is False
    assert doc["status"] == "wrong shape" and doc["bound"] is None
    assert doc["target"] == "papercut_conv:no_mode"
    assert doc["mistakes"][0]["kind"] == "wrong output shape"
    assert doc["layer"]["output_shape"] == [1, 1, 2, 2]
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "1x1x5x5",
                           "--kernel", "1x1x3x3", "--stride", "2", "-q")
    assert code == 1 and out.count("\n") == 1 and out.startswith("WRONG SHAPE: ")
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "1x1x5x5",
                           "--kernel", "1x1x3x3", "-q")
    assert (code, out) == (0, "")


def test_verify_json_randomized_has_the_bound(userconv, capsys):
    import json
    code, out, _ = run_cli(capsys, "verify", "papercut_conv:no_mode", "--input", "1x1x5x5",
                           "--kernel", "1x1x3x3", "--method", "randomized", "--trials", "3",
                           "--json")
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "passed" and doc["proved"] is False
    assert doc["trials"] == 3 and 0 < doc["bound"] < 1
    assert doc["differing"] == 0 and doc["differing_positions"] == []


def test_wrong_function_json_lists_the_differing_positions(userconv, capsys):
    import json
    with open("papercut_wrong.py", "w") as fh:
        fh.write("from papercut_conv import conv\n"
                 "def transposed(x, w):\n    return conv(x, w.swapaxes(2, 3))\n")
    code, out, _ = run_cli(capsys, "verify", "papercut_wrong:transposed", "--input", "4x4",
                           "--kernel", "2x2", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["status"] == "wrong" and doc["differing"] == 9
    assert doc["differing_positions"][:2] == [[0, 0, 0, 0], [0, 0, 0, 1]]
    assert doc["mistakes"][0]["kind"] == "kernel transposed"
    sys.modules.pop("papercut_wrong", None)
