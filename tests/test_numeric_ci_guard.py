"""The CI guard in tests/conftest.py: in CI a skipped torch test fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import torch_skip_is_failure

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("reason", "env", "fails"), [
    ("could not import 'torch': No module named 'torch'", {"CI": "true"}, True),
    ("could not import 'torch': No module named 'torch'", {"CI": "TRUE"}, True),
    ("could not import 'torch': No module named 'torch'", {}, False),
    ("could not import 'torch': No module named 'torch'", {"CI": "false"}, False),
    ("needs a TeX installation", {"CI": "true"}, False),
])
def test_guard_decision(reason: str, env: dict[str, str], fails: bool) -> None:
    assert torch_skip_is_failure(reason, env) is fails


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest",
                           "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
                           str(tmp_path)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_guard_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_module_skip.py").write_text(
        "import pytest\ntorch = pytest.importorskip('torch_absent_for_guard_test')\n"
        "def test_a():\n    pass\n")
    (tmp_path / "test_inner_skip.py").write_text(
        "import pytest\ndef test_b():\n    pytest.importorskip('torch_absent_for_guard_test')\n"
        "def test_other():\n    pytest.skip('no GPU here')\n")
    local = _run(tmp_path, None)
    assert local.returncode == 0, local.stdout
    assert "3 skipped" in local.stdout
    ci = _run(tmp_path, "true")
    assert ci.returncode != 0, ci.stdout
    assert "CI must run the torch oracle tests" in ci.stdout
    assert "no GPU here" not in ci.stdout  # other skips stay skips
    (tmp_path / "test_module_skip.py").unlink()
    ci_inner = _run(tmp_path, "true")
    assert ci_inner.returncode == 1, ci_inner.stdout
    assert "1 failed" in ci_inner.stdout and "1 skipped" in ci_inner.stdout
