"""Catch user code that branches on data while it runs on symbols.

A symbolic run executes one path of the user's code: the path a *symbol* takes.  A symbol
cannot say whether it is zero, positive or equal to something, so code that asks
(``if xv:``, ``x != 0``, ``max(a, b)``, ``np.maximum(x, 0)``) would take a path numbers need not
take.  While :func:`watching` is active in a thread, a :class:`~symconv.ring.Polynomial` used as
a truth value or compared (``== != < <= > >=``) *in that thread* is recorded (operation, and
file:line in the user's code) and :class:`DataBranch` is raised there, so the symbolic run
stops instead of silently answering.  The record stays even if the user's code catches the
exception.  Everywhere else (symconv's own engine, diagnosis, other threads) Polynomials keep
answering as before.

The state is thread-local and set *inside* the thread that runs the user's function
(:func:`symconv.verification.run.call` does it), which is why a context variable of the caller
is not used: a thread does not inherit it.  Threads the user's function starts itself are not
watched; the numeric cross-check of :mod:`.crosscheck` still compares what they compute.

>>> from symconv.ring import Polynomial
>>> log = BranchLog()
>>> with watching(log):
...     try:
...         bool(Polynomial.variable("x"))
...     except DataBranch:
...         pass
>>> log.first.operation, log.first.where.startswith("<doctest")
('truth value', True)
>>> bool(Polynomial.variable("x"))  # not watched: answers as before
True
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .. import ring
from ..errors import SymconvError

__all__ = ["DataBranch", "Branch", "BranchLog", "watching"]

#: Frames in these files are not the user's: the ring, this module, numpy's Python code.
_NOT_USER = (os.path.abspath(ring.__file__), os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
#: A log keeps this many branches (code that catches DataBranch in a loop would add more).
_KEEP = 8


class DataBranch(SymconvError):
    """The user's code used a symbolic value as a truth value or compared it (raised in it)."""


@dataclass(frozen=True)
class Branch:
    """One place where the user's code asked a question of a symbolic value."""

    operation: str  #: 'truth value', '==', '!=', '<', '<=', '>' or '>='
    where: str  #: ``file:line in function`` of the innermost frame of the user's code
    code: str  #: that source line, stripped ('' when unavailable)

    def __str__(self) -> str:
        what = "used a symbolic entry as a truth value" if self.operation == "truth value" \
            else f"compared a symbolic entry with {self.operation}"
        return f"{what} at {self.where}" + (f": {self.code}" if self.code else "")


@dataclass
class BranchLog:
    """The branches met during one watched call (the first few)."""

    branches: list[Branch] = field(default_factory=list)
    count: int = 0

    @property
    def first(self) -> Branch | None:
        """The first branch met, or ``None``."""
        return self.branches[0] if self.branches else None

    def __bool__(self) -> bool:
        return self.count > 0


def _user_frame() -> tuple[str, str]:
    frame = sys._getframe(1)
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if name not in _NOT_USER and not name.startswith(_NUMPY_DIR):
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}", line
        frame = frame.f_back  # type: ignore[assignment]
    return "an unknown place (no Python frame of the user's code)", ""


@contextlib.contextmanager
def watching(log: BranchLog) -> Iterator[BranchLog]:
    """Within this block, in this thread, a Polynomial asked a question raises DataBranch."""

    def hook(operation: str) -> None:
        log.count += 1
        where, code = _user_frame()
        branch = Branch(operation, where, code)
        if len(log.branches) < _KEEP:
            log.branches.append(branch)
        raise DataBranch(f"fn: the code {branch}; a symbol cannot say which way numbers "
                         "would go, so symbolic execution stops here")

    previous = getattr(ring.WATCH, "hook", None)
    ring.WATCH.hook = hook
    try:
        yield log
    finally:
        ring.WATCH.hook = previous
