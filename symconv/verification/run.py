"""Run a user's function safely: exceptions captured with their traceback, a timeout, and a
check that the inputs were not changed in place.

The timeout uses a daemon thread and ``Thread.join(timeout)``.  A thread cannot be killed: a
function that never returns keeps running in the background (as a daemon it does not keep the
interpreter alive at exit).  A subprocess could be killed, but it would have to pickle the
function (lambdas, closures and ``functools.partial`` of local functions do not pickle), start a
new interpreter that imports numpy (and torch) for every call, and ship large object arrays of
polynomials back and forth; the symbolic run must happen in this process anyway.

>>> outcome = call(lambda a: 1 / a, (0,), timeout=5)
>>> outcome.error_line
'ZeroDivisionError: division by zero'
>>> call(sum, ([1, 2],), timeout=5).value
3
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .trace import BranchLog, watching

__all__ = ["Outcome", "call", "snapshot", "changed_entries", "to_numpy"]


@dataclass(frozen=True)
class Outcome:
    """What a call did: its value, or the exception and traceback, or a timeout."""

    value: Any = None
    error: BaseException | None = None
    traceback: str | None = None
    timed_out: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """The call returned a value."""
        return self.error is None and not self.timed_out

    @property
    def error_line(self) -> str:
        """``'TypeError: message'`` (first line of the message)."""
        if self.error is None:
            return ""
        message = str(self.error).strip().splitlines()
        return type(self.error).__name__ + (f": {message[0]}" if message else "")


def call(fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any] | None = None, *,
         timeout: float | None = 60.0, watch: BranchLog | None = None) -> Outcome:
    """Call ``fn(*args, **kwargs)`` in a daemon thread; never raises what ``fn`` raises.

    With ``watch``, the call runs under :func:`~symconv.verification.trace.watching` in that
    thread: a Polynomial used as a truth value or compared is logged there and stops the call.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        start = time.perf_counter()
        try:
            with watching(watch) if watch is not None else contextlib.nullcontext():
                box["value"] = fn(*args, **(kwargs or {}))
        except BaseException as err:  # noqa: BLE001 - the user's failure is reported, not raised
            box["error"] = err
            frames = traceback.extract_tb(err.__traceback__)[1:]  # drop this wrapper's frame
            box["traceback"] = "".join(
                ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
                + traceback.format_exception_only(type(err), err))
        box["elapsed"] = time.perf_counter() - start

    thread = threading.Thread(target=target, name="symconv-verify", daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return Outcome(timed_out=True, elapsed=time.perf_counter() - start)
    return Outcome(box.get("value"), box.get("error"), box.get("traceback"), False,
                   box.get("elapsed", 0.0))


def snapshot(array: np.ndarray) -> np.ndarray:
    """A copy to compare against after the call (object arrays: the same entry objects)."""
    return np.array(array, copy=True)


def changed_entries(before: np.ndarray, after: Any) -> int:
    """How many entries of an input differ from its snapshot (shape change counts as all)."""
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return before.size
    if before.dtype == object:
        return sum(1 for a, b in zip(before.reshape(-1), after.reshape(-1)) if a is not b)
    return int(np.count_nonzero(~((before == after) | (np.isnan(before) & np.isnan(after))))
               if before.dtype.kind == "f" else np.count_nonzero(before != after))


def to_numpy(value: Any) -> np.ndarray:
    """The output as a numpy array (torch/jax tensors via ``detach().cpu()``/``__array__``)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
