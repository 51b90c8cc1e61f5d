"""``symconv prove --all-sizes`` and proofs/general.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from symconv.cli import main

SCRIPT = Path(__file__).resolve().parents[1] / "proofs" / "general.py"


def test_all_sizes_table(capsys):
    assert main(["prove", "--all-sizes"]) == 0
    out = capsys.readouterr().out
    assert "39 of 39 general proofs hold" in out
    assert "dot-equals-im2col-batch-fastest" in out and "disproved" not in out


def test_all_sizes_one_theorem_prints_its_steps(capsys):
    assert main(["prove", "elementwise-equals-dot", "--all-sizes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PROVED for every size (rank 2): elementwise-equals-dot")
    assert "split index into mixed-radix digits" in out and "closing check" in out
    assert "rank 1: PROVED" in out and "rank 3: PROVED" in out


def test_all_sizes_unknown_name_is_one_line_exit_2(capsys):
    assert main(["prove", "elementwise-equals-dt", "--all-sizes"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean elementwise-equals-dot" in err


def test_proof_script_runs_green():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "39 of 39 general proofs hold" in run.stdout
    assert "NOT PROVED" not in run.stdout and "DISPROVED" not in run.stdout
