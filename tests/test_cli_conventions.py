"""CLI conventions: --version, python -m symconv, --json (README schema), --quiet, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import symconv
from symconv import theorem_names
from symconv.cli.records import SCHEMA
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[1]
LAYER_KEYS = {"description", "rank", "input_size", "kernel_size", "in_channels", "out_channels",
              "batch", "groups", "stride", "dilation", "padding", "same", "padding_mode", "bias",
              "input_shape", "weight_shape", "output_size", "output_shape"}
PROOF_KEYS = {"theorem", "layer", "holds", "method", "positions", "products", "seconds",
              "counterexample"}


def run_json(capsys, *argv):
    code, out, err = run_cli(capsys, *argv)
    return code, json.loads(out), err


def test_version_is_the_package_metadata(capsys):
    assert symconv.__version__ == version("symconv")
    assert symconv.__version__.count(".") >= 1
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out == f"symconv {version('symconv')}\n"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        symconv.nonsense  # noqa: B018


def test_python_dash_m_symconv(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "symconv", "--version"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout == f"symconv {version('symconv')}\n", run.stderr
    run = subprocess.run([sys.executable, "-m", "symconv", "prove", "flip-is-involution", "-q"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_prove_json_one_theorem(capsys):
    code, doc, err = run_json(capsys, "prove", "elementwise-equals-dot", "--input", "5x6",
                              "--kernel", "3x2", "--padding", "0,1x1,2", "--json")
    assert code == 0 and err == ""
    assert doc["schema"] == SCHEMA == "symconv-cli/1"
    assert (doc["command"], doc["holds"], doc["count"], doc["held"]) == ("prove", True, 1, 1)
    (proof,) = doc["proofs"]
    assert set(proof) == PROOF_KEYS and set(proof["layer"]) == LAYER_KEYS | {"label"}
    assert proof["theorem"] == "elementwise-equals-dot" and proof["holds"] is True
    assert proof["layer"]["padding"] == [[0, 1], [1, 2]]
    # (5+0+1-3+1) x (6+1+2-2+1) = 4 x 8 positions; products with a padding zero vanish:
    # rows 3+3+3+2 = 11 (tap, row) pairs inside the image, columns 1+2*5+1+0 = 12
    assert proof["layer"]["output_size"] == [4, 8]
    assert (proof["positions"], proof["products"]) == (32, 11 * 12)
    assert proof["counterexample"] is None and proof["seconds"] >= 0
    assert "exact" in proof["method"]  # e.g. "canonical polynomial forms (exact)"


def test_prove_json_all(capsys):
    code, doc, _ = run_json(capsys, "prove", "--json")
    assert code == 0 and doc["holds"] is True
    assert doc["count"] == doc["held"] == len(doc["proofs"]) == len(theorem_names()) * 12 - 25
    backward = theorem_names()[8:12]  # the four theorems stated for zero padding
    assert {(s["theorem"], s["layer"]) for s in doc["skipped"] if s["theorem"] in backward} == {
        (n, mode) for n in backward for mode in ("reflect padding", "circular padding")}
    circular = [s for s in doc["proofs"] if s["theorem"] == "fft-circular-convolution"]
    assert [s["layer"]["label"] for s in circular] == ["circular padding"]
    assert {p["layer"]["label"] for p in doc["proofs"]} >= {"seed example", "3-D"}
    seed = next(p for p in doc["proofs"] if p["theorem"] == "elementwise-equals-dot"
                and p["layer"]["label"] == "seed example")
    assert (seed["products"], seed["layer"]["description"]) == (81, "5x5 * 3x3")


def test_prove_json_disproof_has_the_counterexample(capsys, monkeypatch):
    from symconv import Theorem, correlate
    from symconv import theorems as module
    wrong = Theorem("no-flip", "convolution is correlation (false)", correlate,
                    lambda x, w, s: correlate(x, w[..., ::-1], s), "correlate", "half-flipped")
    monkeypatch.setitem(module._REGISTRY, "no-flip", wrong)
    code, doc, _ = run_json(capsys, "prove", "no-flip", "--input", "4", "--kernel", "2", "--json")
    assert code == 1 and doc["holds"] is False and doc["held"] == 0
    cx = doc["proofs"][0]["counterexample"]
    assert cx["differing"] == 3 and cx["positions"][0] == [0, 0, 0]
    assert "left only" in cx["text"]
    code, out, _ = run_cli(capsys, "prove", "no-flip", "--input", "4", "--kernel", "2", "-q")
    assert code == 1 and out == "DISPROVED: no-flip on 4 * 2\n"


def test_prove_all_sizes_json(capsys):
    code, doc, _ = run_json(capsys, "prove", "--all-sizes", "--json")
    assert code == 0 and doc["all_sizes"] is True and doc["count"] == doc["held"] == 39
    assert sorted(doc["instance_only"]) == ["fft-circular-convolution", "fft-linear-convolution",
                                           "winograd-equals-correlation"]
    ranks = {(p["theorem"], p["rank"]) for p in doc["proofs"]}
    assert ("output-size", 3) in ranks and len(ranks) == 39
    assert all(p["layer"] == {"rank": p["rank"], "sizes": "symbolic"} for p in doc["proofs"])
    assert all(p["products"] is None and p["verdict"] == "PROVED" for p in doc["proofs"])
    code, doc, _ = run_json(capsys, "prove", "elementwise-equals-dot", "--all-sizes", "--json")
    assert code == 0 and [p["rank"] for p in doc["proofs"]] == [1, 2, 3]
    rank2 = doc["proofs"][1]
    assert rank2["step_count"] == len(rank2["steps"]) == 12
    assert rank2["steps"][6]["rule"] == "split index into mixed-radix digits"
    assert rank2["steps"][6]["conditions"][0].startswith("Cg*kH*kW - 1 + 1 = Cg * kH * kW")


def test_quiet_prints_nothing_when_everything_holds(capsys):
    assert run_cli(capsys, "prove", "-q") == (0, "", "")
    assert run_cli(capsys, "prove", "--all-sizes", "--quiet") == (0, "", "")
    assert run_cli(capsys, "convert", "--to", "numpy", "-q") == (0, "", "")


def test_convert_json(capsys):
    code, doc, _ = run_json(capsys, "convert", "--to", "scipy", "--input", "5x5", "--kernel",
                            "4x4", "--padding", "same", "--json")
    assert code == 0 and doc["command"] == "convert" and doc["target"] == "scipy"
    assert doc["layer"]["padding"] == [[1, 2], [1, 2]] and doc["layer"]["same"] is True
    by_library = {t["library"]: t for t in doc["translations"]}
    assert by_library["scipy.signal.correlate2d"]["same_offset"] == [0, 0]
    assert by_library["scipy.signal.correlate"]["code"] == \
        "y = scipy.signal.correlate(x, w, mode='full')[2:7, 2:7]"
    assert by_library["scipy.signal.correlate"]["same_offset"] == [1, 1]
    assert {t["check"] for t in doc["translations"]} == {"checked"}


def test_shell_completion_with_argcomplete(tmp_path):
    pytest.importorskip("argcomplete")
    exe = Path(sys.executable).with_name("symconv")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "symconv"]
    out = tmp_path / "completions"
    line = "symconv prove dot-"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n",
           "COMP_LINE": line, "COMP_POINT": str(len(line)),
           "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.read_text().split() == ["dot-equals-im2col", "dot-equals-im2col-batch-fastest"]
