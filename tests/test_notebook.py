"""docs/example.ipynb executes in a real kernel, and each result cell shows the right MIME types.

nbclient, nbformat and ipykernel are in the ``test`` extra; without them these tests skip with a
reason, except in CI (``CI=true``), where a missing one is a failure.
"""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "example.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _need(module: str):
    if os.environ.get("CI", "").lower() == "true":
        return __import__(module)  # required in CI: an ImportError fails the run
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install -e "
                               "'.[test]' installs it)")


nbformat = _need("nbformat")
nbclient = _need("nbclient")
_need("ipykernel")
pytest.importorskip("matplotlib", reason="matplotlib is not installed (the notebook draws)")


def test_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 10
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed once, in a fresh kernel, from a scratch directory; and the time."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}}).execute()
    return nb, time.perf_counter() - start


def outputs(executed, tag: str) -> dict:
    """The MIME bundle of the cell tagged ``tag``: its one ``execute_result``."""
    nb, _ = executed
    [cell] = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1, cell.outputs
    return results[0].data


def test_every_cell_ran_without_errors_or_warnings(executed):
    nb, seconds = executed
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            kinds = {o.output_type for o in cell.outputs}
            assert kinds <= {"execute_result"}, (cell.source, cell.outputs)
    print(f"notebook executed in {seconds:.1f} s")


def test_proof_cell(executed):
    data = outputs(executed, "proof")
    assert {"text/plain", "text/markdown", "text/html"} <= set(data)
    md = data["text/markdown"]
    assert md.startswith("**PROVED**: all-formulations-agree on 5x5 \\* 3x3\n")
    assert "- **products:** 243\n" in md
    assert ">products</th><td style=\"text-align:left\">243</td>" in data["text/html"]
    assert '<strong style="color:#1a7f37">PROVED</strong>' in data["text/html"]


def test_disproof_and_counterexample_cells(executed):
    data = outputs(executed, "disproof")
    assert data["text/markdown"].startswith("**DISPROVED**: convolve = correlate\n")
    assert '<strong style="color:#cf222e">DISPROVED</strong>' in data["text/html"]
    cex = outputs(executed, "counterexample")
    assert cex["text/markdown"].startswith("**COUNTEREXAMPLE**: 9 of 9 positions differ\n")
    assert "- **left only:** `w_{0,0,0,0}·x_{0,0,0,1} + w_{0,0,0,1}·x_{0,0,0,0}`" in \
        cex["text/markdown"]
    assert "<code>w_{0,0,0,0}·x_{0,0,0,0} + w_{0,0,0,1}·x_{0,0,0,1}</code>" in cex["text/html"]


def test_general_proof_cell(executed):
    data = outputs(executed, "general")
    md, page = data["text/markdown"], data["text/html"]
    assert md.startswith("**PROVED**: for every size (rank 2): `elementwise-equals-dot`\n")
    assert "- **steps:** 12\n" in md and "12. `" in md
    assert "<details><summary>the 12 checked steps</summary>" in page
    assert "<strong>split index into mixed-radix digits</strong>" in page


def test_verdict_cells(executed):
    right = outputs(executed, "right")
    assert right["text/markdown"].startswith("**CORRECT**: proved equal to the spec at all 9 ")
    assert '<strong style="color:#1a7f37">CORRECT</strong>' in right["text/html"]
    wrong = outputs(executed, "wrong")
    assert wrong["text/plain"].startswith("Verdict(")
    assert '<strong style="color:#cf222e">WRONG</strong>: 9 of 9 output positions differ' in \
        wrong["text/html"]
    assert "<strong>kernel transposed</strong>: the kernel is transposed" in wrong["text/html"]
    assert "- **mistake:** **kernel transposed**" in wrong["text/markdown"]
    assert "```python\nx = np.array(" in wrong["text/markdown"]


def _png(data: dict) -> tuple[int, int]:
    png = base64.b64decode(data["image/png"])
    assert png.startswith(PNG_MAGIC)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_picture_cell(executed):
    data = outputs(executed, "picture")
    width, height = _png(data)
    assert width > 300 and height > 200
    assert "<svg" in data["image/svg+xml"]


def test_derivation_cell(executed):
    data = outputs(executed, "derivation")
    assert data["text/latex"].startswith("$$\n\\begin{aligned}\n  {K''}_{u,v} &= {K'}_{2 - u,")
    assert data["text/markdown"].startswith("**Flip")
    assert "\\begin{aligned}" in data["text/markdown"]


def test_figure_cell(executed):
    data = outputs(executed, "figure")
    width, height = _png(data)
    assert width > height > 50  # the padded input and the output, side by side
    assert "<svg" in data["image/svg+xml"]
