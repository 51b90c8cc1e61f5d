"""Shrink a failing input of the randomized check to one small enough to read.

Chunks of ``x`` and ``w`` are zeroed while the function still fails on them.  For float output a
sparser input also allows less rounding (:func:`.rounding.error_at`), so a deviation hidden in
the rounding allowance of a dense random input can show on a sparse one: the search keeps a
chunk zeroed while the distance past the allowance does not shrink.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spec import ConvSpec
from .bias import arguments
from .diagnose import value_at
from .rounding import deviations, error_at, expected_output, read_output
from .run import call
from .verdict import Kind

__all__ = ["Look", "look", "kind_spec", "shrink", "zero_chunks"]


@dataclass(frozen=True)
class Look:
    """One call on chosen inputs: how far past the allowed distance it errs (``score > 1``:
    a counterexample), where, and what ``fn`` gave there."""

    score: float
    position: tuple[int, ...] | None = None
    got: Any = None
    delta: float | None = None
    differing: int = 0


def look(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, x: np.ndarray, w: np.ndarray,
          kwargs: dict[str, Any] | None, timeout: float | None, failures: list[str],
          b: np.ndarray | None = None) -> Look | None:
    """Call ``fn`` on ``x, w`` and score its output: exact output scores ``inf`` where it
    differs; float output ``max |out - want| / delta`` with ``delta`` the error a correct float
    algorithm may make on these very inputs (:func:`.rounding.error_at`); ``b``: the bias of a
    layer with ``spec.bias``, passed as ``fn(x, w, b)``."""
    outcome = call(fn, arguments(x.copy(), w.copy(), None if b is None else b.copy()), kwargs,
                   timeout=timeout)
    if not outcome.ok:
        failures.append("timed out" if outcome.timed_out else outcome.error_line)
        return None
    read = read_output(outcome.value, spec)
    if read.values is None:
        return None
    want = expected_output(x, w, spec, kind, b)
    if read.eps is None:
        wrong = np.argwhere(deviations(read.values, want, None))
        if not len(wrong):
            return Look(0.0)
        at = tuple(int(i) for i in wrong[0])
        return Look(math.inf, at, value_at(read.raw, at), None, len(wrong))
    far = np.abs(read.values - want.astype(np.float64))
    if not far.max(initial=0.0) > 0:
        return Look(0.0)
    delta = error_at(x, w, kind_spec(spec, kind), read.eps, b)
    at = tuple(int(i) for i in np.unravel_index(int(np.argmax(far)), far.shape))
    score = math.inf if delta == 0 else float(far[at]) / delta
    return Look(score, at, value_at(read.raw, at), delta, int(np.count_nonzero(far > delta)))


def kind_spec(spec: ConvSpec, kind: Kind) -> ConvSpec:
    """The spec whose padding the reference pads ``x`` with (mirrored for convolution)."""
    return spec.replace(padding=spec.convolution_pads) if kind is Kind.CONVOLUTION else spec


def zero_chunks(arrays: list[np.ndarray], keep: Callable[[list[np.ndarray]], bool],
                budget: int) -> list[np.ndarray]:
    """Zero ever smaller chunks of the nonzero entries of each array in turn (halves first, down
    to single entries), keeping a zeroing whenever ``keep(candidate arrays)`` says so; at most
    ``budget`` calls of ``keep``.  Returns the arrays as last kept (copies; inputs untouched).

    >>> keep_if_first_is_set = lambda arrays: arrays[0][0] != 0
    >>> zero_chunks([np.array([5, 6, 7, 8])], keep_if_first_is_set, 20)[0].tolist()
    [5, 0, 0, 0]
    """
    arrays = [a.copy() for a in arrays]
    for k in range(len(arrays)):
        chunk = max(1, int(np.count_nonzero(arrays[k])) // 2)
        while budget > 0:
            nonzero = np.flatnonzero(arrays[k])
            for start in range(0, len(nonzero), chunk):
                trial = arrays[k].copy()
                trial.reshape(-1)[nonzero[start:start + chunk]] = 0
                budget -= 1
                if keep([trial if i == k else a for i, a in enumerate(arrays)]):
                    arrays[k] = trial
                    break
                if budget <= 0:
                    break
            else:
                if chunk == 1:
                    break
                chunk = max(1, chunk // 2)
    return arrays


def shrink(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, x: np.ndarray, w: np.ndarray, *,
           kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
           budget: int = 150, failures: list[str] | None = None, b: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray, Look, np.ndarray | None] | None:
    """Zero out chunks of ``x`` and ``w`` (at most ``budget`` calls) towards a small input on
    which ``fn`` fails: exact output that differs, or float output farther from the exact value
    than a correct float algorithm can err on that input.  A chunk is kept zeroed while the
    input fails, or, before it fails, while the distance past the allowed one does not shrink
    (sparser inputs allow less rounding).  ``None`` unless a failing input is found.  Calls that
    raise count as not failing; their errors are appended to ``failures``.  With a bias ``b``
    (``fn(x, w, b)``), its chunks are zeroed too; returns ``(x, w, look, b)``."""
    failures = [] if failures is None else failures
    best = look(fn, spec, kind, x, w, kwargs, timeout, failures, b)
    if best is None or best.score == 0:
        return None
    arrays = [x.copy(), w.copy()] + ([] if b is None else [b.copy()])

    def smaller(candidate: list[np.ndarray]) -> bool:
        nonlocal best
        args = [*candidate, None]
        again = look(fn, spec, kind, args[0], args[1], kwargs, timeout, failures, args[2])
        if again is not None and again.score > 0 and (
                again.score > 1 or again.score >= best.score):
            best = again
            return True
        return False

    arrays = zero_chunks(arrays, smaller, budget)
    if not best.score > 1:
        return None
    ones = [np.sign(a).astype(a.dtype) for a in arrays] + [None]  # readable: +-1 if possible
    signs = look(fn, spec, kind, ones[0], ones[1], kwargs, timeout, failures, ones[2])
    if signs is not None and signs.score > 1:
        return ones[0], ones[1], signs, ones[2]
    return arrays[0], arrays[1], best, (arrays + [None])[2]
