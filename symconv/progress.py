"""Progress bars on stderr for the long runs (exact proofs of big layers, derivations, verify).

A :class:`Progress` is either enabled — phases are real ``tqdm`` bars with an ETA — or disabled,
and then writes nothing at all. By default it is enabled only when its stream (stderr) is a
terminal, so pipes, CI logs and tests stay clean; the CLI's ``--quiet`` passes ``enabled=False``.
:data:`QUIET` is the disabled instance, the default wherever a ``progress=`` is accepted.

>>> import io
>>> out = io.StringIO()
>>> progress = Progress(enabled=True, stream=out)
>>> with progress.phase("comparing", total=4, unit="chunk") as advance:
...     for _ in range(4):
...         advance()
>>> "comparing" in out.getvalue() and "4/4" in out.getvalue()
True
>>> with QUIET.phase("comparing", total=4) as advance:
...     advance(4)
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

__all__ = ["Progress", "QUIET"]


def _noop(n: int = 1) -> None:
    """The ``advance`` of a disabled phase: does nothing."""


#: A phase without a total: its description and elapsed time, then also its count.
_ELAPSED = "{desc} [{elapsed}]"
_COUNTED = "{desc}: {n_fmt}{unit} [{elapsed}, {rate_fmt}]"

#: Seconds between redraws of a running bar, so elapsed time and ETA move during long calls.
TICK_SECONDS = 0.5


def _tick(bar: Any, stop: threading.Event) -> None:
    """Redraw ``bar`` every :data:`TICK_SECONDS` until ``stop`` is set."""
    while not stop.wait(TICK_SECONDS):
        bar.refresh()


class Progress:
    """Progress bars (tqdm) on stderr, shown only when enabled; default: when stderr is a terminal.

    >>> Progress(enabled=False).enabled
    False
    >>> import io
    >>> Progress(stream=io.StringIO()).enabled  # not a terminal: quiet
    False

    Parameters
    ----------
    enabled:
        ``True`` to show bars, ``False`` to write nothing, ``None`` (default) to show them only
        when ``stream.isatty()``.
    stream:
        where bars and messages go; default ``sys.stderr`` (looked up when used, so a replaced
        ``sys.stderr``, e.g. pytest's capture, is honoured).

    A ``Progress`` is also callable with one string (the same as :meth:`message`), so it serves
    wherever a ``Callable[[str], None]`` progress callback is accepted.
    """

    def __init__(self, enabled: bool | None = None, *, stream: IO[str] | None = None) -> None:
        self._stream = stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            try:
                enabled = bool(isatty()) if callable(isatty) else False
            except (ValueError, OSError):  # a closed or detached stream
                enabled = False
        self._enabled = bool(enabled)

    @property
    def stream(self) -> IO[str]:
        """The stream bars and messages are written to (``sys.stderr`` unless one was given)."""
        return sys.stderr if self._stream is None else self._stream

    @property
    def enabled(self) -> bool:
        """Whether anything is shown.

        >>> QUIET.enabled
        False
        """
        return self._enabled

    def __repr__(self) -> str:
        return f"Progress(enabled={self._enabled})"

    @contextlib.contextmanager
    def phase(self, description: str, total: int | None = None,
              unit: str = "it") -> Iterator[Callable[..., None]]:
        """Context manager yielding ``advance(n: int = 1) -> None``; a real tqdm bar with ETA when
        enabled and total is given, a spinner-less elapsed line when total is None; no output at all
        when disabled.

        >>> import io
        >>> out = io.StringIO()
        >>> with Progress(True, stream=out).phase("writing", unit="page") as advance:
        ...     advance(3)
        >>> print(out.getvalue().strip().split("\\r")[-1].split(" [")[0])
        writing: 3page

        Phases nest: an inner phase shows its own bar below the outer one while it runs.  A
        running bar is redrawn every :data:`TICK_SECONDS`, so its elapsed time moves even while
        one long call blocks.
        """
        if not self._enabled:
            yield _noop
            return
        from tqdm import tqdm

        bar = tqdm(total=total, desc=description, unit=unit, file=self.stream,
                   leave=None, dynamic_ncols=True, mininterval=0.2, smoothing=0.1,
                   bar_format=_ELAPSED if total is None else None)
        stop = threading.Event()
        ticker = threading.Thread(target=_tick, args=(bar, stop), daemon=True)
        ticker.start()
        try:
            def advance(n: int = 1) -> None:
                if bar.bar_format == _ELAPSED:  # no total: the count shows once there is one
                    bar.bar_format = _COUNTED
                bar.update(n)

            yield advance
        finally:
            stop.set()
            ticker.join()
            bar.close()

    def message(self, text: str) -> None:
        """Write one line on the stream above any bar (``tqdm.write``), only when enabled.

        >>> import io
        >>> out = io.StringIO()
        >>> Progress(True, stream=out).message("building the derivation")
        >>> out.getvalue()
        'building the derivation\\n'
        >>> QUIET.message("nothing is written")
        """
        if not self._enabled:
            return
        from tqdm import tqdm

        tqdm.write(text, file=self.stream)

    def __call__(self, text: str) -> None:
        """The same as :meth:`message` (a ``Progress`` is a ``Callable[[str], None]`` too)."""
        self.message(text)


#: The disabled Progress: writes nothing (the default ``progress=`` everywhere).
QUIET: Progress = Progress(enabled=False)
