"""Every theorem has a thin script in proofs/, and each runs green."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symconv import theorem_names

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


def test_one_script_per_theorem():
    scripts = {p.stem for p in PROOFS.glob("*.py")}
    assert {n.replace("-", "_") for n in theorem_names()} <= scripts


@pytest.mark.parametrize("name", theorem_names())
def test_script_runs_and_proves(name):
    script = PROOFS / f"{name.replace('-', '_')}.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"Theorem {name}: ")
    assert "configurations proved exactly." in run.stdout and "DISPROVED" not in run.stdout
