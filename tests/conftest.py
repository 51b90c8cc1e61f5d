"""Shared pytest configuration.

Hypothesis: in CI (``CI=true``) examples are derandomized, so a run is reproducible and a
landing does not depend on luck; locally every run explores new examples.

CI guard: torch is an optional extra, so torch tests skip themselves without it
(``pytest.importorskip("torch")``).  In CI (``CI=true``) torch is installed on purpose, and a
skip whose reason mentions torch means the oracle suite did not run: it is turned into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")


def torch_skip_is_failure(reason: str, environ: Mapping[str, str]) -> bool:
    """Whether a skip with ``reason`` must fail the run: in CI, when it is about torch."""
    return environ.get("CI", "").lower() == "true" and "torch" in reason.lower()


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_torch_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped:
        reason = _skip_reason(report)
        if torch_skip_is_failure(reason, os.environ):
            report.outcome = "failed"
            report.longrepr = (f"CI=true but a torch test was skipped ({reason}); CI must run "
                               "the torch oracle tests: install torch (pip install -e '.[torch]')")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    _fail_torch_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    outcome = yield
    _fail_torch_skip(outcome.get_result())


@pytest.fixture(scope="module")
def tex():
    """``symconv.latex.compile.pdflatex``; without pdflatex a skip with the reason (in CI a
    failure: a skipped TeX test would hide a page that does not compile)."""
    from symconv.latex.compile import have_pdflatex, pdflatex

    if not have_pdflatex():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but pdflatex is missing: install texlive-latex-base "
                        "texlive-latex-recommended texlive-pictures")
        pytest.skip("pdflatex not installed (Debian: texlive-latex-base "
                    "texlive-latex-recommended texlive-pictures)")
    return pdflatex
