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
