"""Progress: tqdm bars on a stream when enabled, nothing at all when disabled."""

from __future__ import annotations

import io

import pytest

from symconv import QUIET, Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_disabled_writes_nothing(capsys):
    progress = Progress(enabled=False)
    with progress.phase("proving", total=10, unit="chunk") as advance:
        for _ in range(10):
            advance()
        with progress.phase("inner") as inner:
            inner(5)
    progress.message("a message")
    progress("a callback message")
    with QUIET.phase("quiet", total=3) as advance:
        advance(3)
    QUIET.message("quiet message")
    assert capsys.readouterr() == ("", "")


def test_default_is_quiet_when_stderr_is_not_a_terminal(capsys):
    progress = Progress()  # pytest's captured stderr is not a terminal
    assert not progress.enabled
    with progress.phase("proving", total=2) as advance:
        advance(2)
    progress.message("hidden")
    assert capsys.readouterr() == ("", "")


def test_default_is_enabled_on_a_terminal():
    stream = _Terminal()
    progress = Progress(stream=stream)
    assert progress.enabled
    progress.message("shown")
    assert stream.getvalue() == "shown\n"
    assert not Progress(stream=io.StringIO()).enabled
    assert not Progress(False, stream=_Terminal()).enabled


def test_closed_stream_is_quiet():
    stream = io.StringIO()
    stream.close()
    assert not Progress(stream=stream).enabled


def test_enabled_bar_shows_description_and_counts():
    stream = io.StringIO()
    with Progress(enabled=True, stream=stream).phase("comparing", total=7, unit="chunk") as advance:
        for _ in range(7):
            advance()
    text = stream.getvalue()
    assert "comparing" in text
    assert "0/7" in text  # the bar as it opens
    assert "7/7" in text  # and as it closes
    assert "chunk" in text
    assert "100%" in text


def test_advance_by_n_and_unknown_total_shows_count_and_elapsed():
    stream = io.StringIO()
    with Progress(enabled=True, stream=stream).phase("writing", unit="page") as advance:
        advance(3)
        advance(2)
    last = stream.getvalue().strip().split("\r")[-1]
    assert last.startswith("writing: 5page [00:00")
    assert "%" not in last  # no total: no percentage, no bar


def test_nested_phases_show_both_bars():
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    with progress.phase("formulations", total=2, unit="form") as outer:
        for _ in range(2):
            with progress.phase("chunks", total=3, unit="chunk") as inner:
                for _ in range(3):
                    inner()
            outer()
    text = stream.getvalue()
    assert "formulations" in text and "2/2" in text
    assert "chunks" in text and "0/3" in text


def test_message_goes_above_a_running_bar():
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    with progress.phase("proving", total=2) as advance:
        advance()
        progress.message("compiling with pdflatex")
        advance()
    text = stream.getvalue()
    assert "compiling with pdflatex\n" in text
    assert text.index("compiling with pdflatex") < text.rindex("2/2")


def test_bar_closes_when_the_phase_raises():
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    with pytest.raises(RuntimeError), progress.phase("failing", total=4) as advance:
        advance()
        raise RuntimeError("boom")
    assert "failing" in stream.getvalue() and "1/4" in stream.getvalue()


def test_a_progress_is_a_message_callback():
    stream = io.StringIO()
    Progress(True, stream=stream)("phase two")
    assert stream.getvalue() == "phase two\n"
    assert repr(QUIET) == "Progress(enabled=False)"


def test_a_running_phase_is_redrawn_while_the_caller_blocks(monkeypatch):
    import time

    import symconv.progress as progress_module

    monkeypatch.setattr(progress_module, "TICK_SECONDS", 0.05)
    stream = io.StringIO()
    with Progress(enabled=True, stream=stream).phase("building the derivation"):
        time.sleep(0.4)  # no advance at all: only the ticker draws
    assert stream.getvalue().count("building the derivation") >= 3


def test_a_phase_without_total_or_count_shows_only_its_elapsed_time():
    stream = io.StringIO()
    with Progress(enabled=True, stream=stream).phase("compiling with pdflatex"):
        pass
    assert stream.getvalue().strip().split("\r")[-1] == "compiling with pdflatex [00:00]"


# ---- the command line: phases on a terminal's stderr, nothing otherwise or with --quiet ----

def _terminal_stderr(monkeypatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


def _lines(err: str) -> list[str]:
    """The distinct lines tqdm drew (redraws are separated by carriage returns)."""
    return list(dict.fromkeys(line.strip() for line in err.replace("\r", "\n").splitlines()
                              if line.strip()))


def test_cli_prove_shows_its_estimate_and_phases_on_a_terminal(capsys, monkeypatch):
    import symconv.cli.prove as prove_cli
    from tests.cli_runner import run_cli

    monkeypatch.setattr(prove_cli, "LONG_PROOF_SECONDS", 0.0)
    _terminal_stderr(monkeypatch)
    code, out, err = run_cli(capsys, "prove", "elementwise-equals-dot", "--backend", "ring")
    assert code == 0 and "proved" in out
    lines = _lines(err)
    assert lines[0] == ("proving elementwise-equals-dot on 5x5 * 3x3: estimated 81 products, "
                        "~0.0 s, ~46 KiB (ring carrier)")
    assert len(lines) >= 2  # the phases theorems.prove reports, below the estimate
    code, _, err = run_cli(capsys, "prove", "elementwise-equals-dot", "--quiet")
    assert (code, err) == (0, "")


def test_cli_prove_is_silent_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    import symconv.cli.prove as prove_cli
    from tests.cli_runner import run_cli

    monkeypatch.setattr(prove_cli, "LONG_PROOF_SECONDS", 0.0)
    code, _, err = run_cli(capsys, "prove", "elementwise-equals-dot")
    assert (code, err) == (0, "")


def test_cli_derive_shows_its_phases_on_a_terminal(capsys, monkeypatch, tmp_path):
    import symconv.cli.derive as derive_cli
    from tests.cli_runner import run_cli

    monkeypatch.setattr(derive_cli, "LONG_DERIVE_SECONDS", 0.0)
    _terminal_stderr(monkeypatch)
    target = tmp_path / "d.tex"
    code, _, err = run_cli(capsys, "derive", "elementwise-equals-dot", "--format", "document",
                           "-o", str(target))
    assert code == 0 and target.read_text().startswith("\\documentclass")
    phases = [line.split(" [")[0] for line in _lines(err)]
    assert list(dict.fromkeys(phases)) == [
        "deriving elementwise-equals-dot on 5x5 * 3x3: estimated 81 products, ~0.0 s, ~119 KiB",
        "building the derivation (every step proved as it is built)",
        "formatting the document", f"writing {target}", f"wrote {target}"]
    code, _, err = run_cli(capsys, "derive", "elementwise-equals-dot", "--format", "document",
                           "-o", str(target), "--quiet")
    assert (code, err) == (0, "")


def test_cli_derive_short_text_output_shows_no_phases(capsys, monkeypatch):
    from tests.cli_runner import run_cli

    _terminal_stderr(monkeypatch)
    code, out, err = run_cli(capsys, "derive", "elementwise-equals-dot")
    assert code == 0 and out.startswith("\\begin{align*}") and err == ""


def test_cli_verify_shows_an_elapsed_line_on_a_terminal(capsys, monkeypatch):
    import symconv.cli.verify as verify_cli
    from tests.cli_runner import run_cli

    monkeypatch.setattr(verify_cli, "LONG_VERIFY_SECONDS", 0.0)
    _terminal_stderr(monkeypatch)
    argv = ("verify", "tests.zoo.right:conv2d_einsum", "--input", "1x1x5x5", "--kernel",
            "1x1x3x3")
    code, out, err = run_cli(capsys, *argv)
    assert code == 0 and "CORRECT" in out.upper()
    assert _lines(err)[0].startswith("verifying tests.zoo.right:conv2d_einsum on 5x5 * 3x3 by "
                                     "symbolic execution (estimated 81 products, ~")
    code, _, err = run_cli(capsys, *argv, "--quiet")
    assert (code, err) == (0, "")
