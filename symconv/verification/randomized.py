"""The randomized exact check, for functions that cannot run on symbols and for large layers.

Each trial draws integer tensors uniformly from ``S = {-B, ..., B}`` and compares the function's
output with the spec's exactly.  If the function is a wrong bilinear map, the difference at some
output entry is a nonzero polynomial of degree 2, which by the Schwartz-Zippel lemma vanishes at
a random point with probability at most ``2 / |S|``; ``k`` independent trials all pass with
probability at most ``prod(2 / |S|)``.  ``B`` is chosen so that every partial sum of a
convolution, ``|sum w*x| <= L * B**2`` (``L`` products per output), stays below ``2**24``:
float32, float64 and int64 code all compute such inputs *exactly*, so float code is checked
exactly too.  When float output still differs (an FFT or Winograd algorithm rounds), the
comparison falls back to a tolerance, and the verdict says so.

>>> from symconv import ConvSpec
>>> value_bound(ConvSpec((56, 56), 3, in_channels=64, out_channels=64, padding=1))
170
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..forms import flip, im2col_matmul
from ..spec import ConvSpec
from .run import call, changed_entries, snapshot, to_numpy
from .verdict import ConcreteExample, Kind, Status

__all__ = ["value_bound", "expected_output", "Trials", "run_trials", "shrink", "EXACT_BITS"]

#: Partial sums stay below ``2**EXACT_BITS``, which float32 (24-bit significand) holds exactly.
EXACT_BITS = 24


def value_bound(spec: ConvSpec) -> int:
    """Largest ``B`` with ``L * B**2 < 2**24`` (``L`` = products per output), at most 2**11."""
    return max(1, min(2 ** 11, math.isqrt((2 ** EXACT_BITS - 1) // spec.products_per_output)))


def expected_output(x: np.ndarray, w: np.ndarray, spec: ConvSpec, kind: Kind) -> np.ndarray:
    """The spec's output on integer tensors, exactly (float64 BLAS on sums below 2**53).

    >>> from symconv import ConvSpec
    >>> spec = ConvSpec((3,), (2,))
    >>> expected_output(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), spec, Kind.CONVOLUTION)
    array([[[12, 23]]])
    """
    if kind is Kind.CONVOLUTION:  # the flip theorem, with the mirrored 'same' padding split
        w, spec = flip(w), spec.replace(padding=spec.convolution_pads)
    out = im2col_matmul(np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64), spec)
    return np.rint(out).astype(np.int64)


@dataclass(frozen=True)
class Trials:
    """What the randomized trials found."""

    status: Status
    summary: str
    trials: int = 0
    bound: float | None = None
    exact: bool = True
    differing: int = 0
    positions: tuple[tuple[int, ...], ...] = ()
    example: ConcreteExample | None = None
    traceback: str | None = None
    fn_seconds: float = 0.0
    notes: tuple[str, ...] = ()
    #: ``(x, w, output)`` of every trial that returned numbers (what probing is checked against)
    samples: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...] = field(default=(),
                                                                          compare=False)


def _numeric_output(value: Any, spec: ConvSpec) -> tuple[np.ndarray | None, Status | None, str]:
    if value is None:
        return None, Status.WRONG_DTYPE, "the function returned None (a missing return statement?)"
    try:
        out = to_numpy(value)
    except Exception as err:  # noqa: BLE001
        return None, Status.WRONG_DTYPE, f"the output cannot be read as an array ({err})"
    if out.shape != spec.output_shape:
        return out, Status.WRONG_SHAPE, (f"the output has shape {out.shape} where the spec gives "
                                         f"{spec.output_shape}")
    if out.dtype == object:
        try:
            out = out.astype(np.float64) if any(isinstance(v, float) for v in out.flat) else \
                out.astype(np.int64)
        except (TypeError, ValueError, OverflowError):
            return out, Status.WRONG_DTYPE, "the output holds entries that are not numbers"
    if out.dtype.kind not in "iuf":
        return out, Status.WRONG_DTYPE, (f"the output has dtype {out.dtype}; expected integers "
                                         "or floats")
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        bad = int(np.count_nonzero(~np.isfinite(out)))
        return out, Status.NOT_FINITE, f"the output has {bad} NaN or infinite entries"
    return out, None, ""


def _differs(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, x: np.ndarray, w: np.ndarray,
             kwargs: dict[str, Any] | None, timeout: float | None) -> tuple[int, ...] | None:
    outcome = call(fn, (x.copy(), w.copy()), kwargs, timeout=timeout)
    if not outcome.ok:
        return None
    out, status, _ = _numeric_output(outcome.value, spec)
    if status is not None or out is None:
        return None
    wrong = np.argwhere(out != expected_output(x.astype(np.int64), w.astype(np.int64), spec, kind))
    return tuple(int(i) for i in wrong[0]) if len(wrong) else None


def shrink(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, x: np.ndarray, w: np.ndarray, *,
           kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
           budget: int = 150) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]] | None:
    """Zero out chunks of ``x`` and ``w`` while the output still differs (at most ``budget``
    calls): a failing input small enough to read.  ``None`` if ``x, w`` do not fail."""
    where = _differs(fn, spec, kind, x, w, kwargs, timeout)
    if where is None:
        return None
    arrays = [x.copy(), w.copy()]
    for k in (0, 1):
        chunk = max(1, int(np.count_nonzero(arrays[k])) // 2)
        while budget > 0:
            nonzero = np.flatnonzero(arrays[k])
            for start in range(0, len(nonzero), chunk):
                trial = arrays[k].copy()
                trial.reshape(-1)[nonzero[start:start + chunk]] = 0
                budget -= 1
                found = _differs(fn, spec, kind, *(trial, arrays[1]) if k == 0 else
                                 (arrays[0], trial), kwargs, timeout)
                if found is not None:
                    arrays[k], where = trial, found
                    break
                if budget <= 0:
                    break
            else:
                if chunk == 1:
                    break
                chunk = max(1, chunk // 2)
    ones = [np.sign(a).astype(a.dtype) for a in arrays]  # readable: +-1 where possible
    found = _differs(fn, spec, kind, ones[0], ones[1], kwargs, timeout)
    if found is not None:
        return ones[0], ones[1], found
    return arrays[0], arrays[1], where


def _positions(mask: np.ndarray) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(i) for i in p) for p in np.argwhere(mask)[:5])


def run_trials(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, *, trials: int = 8,
               timeout: float | None = 60.0, seed: int = 0, dtype: Any = np.int64,
               kwargs: dict[str, Any] | None = None) -> Trials:
    """Run ``trials`` random integer trials of ``fn(x, w)`` against the spec."""
    rng = np.random.default_rng(seed)
    bound = value_bound(spec)
    size = 2 * bound + 1
    fn_seconds, exact, worst = 0.0, True, 0.0
    samples: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for trial in range(trials):
        x = rng.integers(-bound, bound + 1, spec.input_shape).astype(dtype)
        w = rng.integers(-bound, bound + 1, spec.weight_shape).astype(dtype)
        before = (snapshot(x), snapshot(w))
        outcome = call(fn, (x, w), kwargs, timeout=timeout)
        fn_seconds += outcome.elapsed
        if outcome.timed_out:
            return Trials(Status.TIMED_OUT, f"the function did not return within {timeout} s "
                          "on integer inputs", trial)
        if not outcome.ok:
            return Trials(Status.RAISED, f"the function raised {outcome.error_line} on integer "
                          "inputs", trial, traceback=outcome.traceback)
        out, status, why = _numeric_output(outcome.value, spec)
        if out is not None and out.dtype.kind in "biuf":
            samples.append((before[0], before[1], out))
        if status is not None:
            return Trials(status, why, trial + 1, fn_seconds=fn_seconds, samples=tuple(samples))
        assert out is not None
        changed = [f"{name} ({changed_entries(b, a)} entries)"
                   for name, b, a in (("x", before[0], x), ("w", before[1], w))
                   if changed_entries(b, a)]
        if changed:
            return Trials(Status.MUTATED_INPUT, "the function changed its input in place: "
                          + ", ".join(changed), trial + 1)
        want = expected_output(before[0].astype(np.int64), before[1].astype(np.int64), spec, kind)
        if out.dtype.kind == "f" and not (out == want).all():
            # rounding: a sum of L products in this precision errs by at most L*eps*sum|w*x|
            scale = expected_output(np.abs(before[0]).astype(np.int64),
                                    np.abs(before[1]).astype(np.int64), spec, Kind.CORRELATION)
            tol = spec.products_per_output * np.finfo(out.dtype).eps * np.maximum(scale, 1)
            err = np.abs(out.astype(np.float64) - want)
            if (err <= tol).all():
                exact, worst = False, max(worst, float((err / np.maximum(scale, 1)).max()))
                continue
            wrong = err > tol
        else:
            wrong = out != want
        if wrong.any():
            pos = _positions(wrong)
            small = shrink(fn, spec, kind, before[0], before[1], kwargs=kwargs, timeout=timeout)
            example = ConcreteExample(before[0], before[1], pos[0], want[pos[0]].item(),
                                      out[pos[0]].item())
            if small is not None:
                sx, sw, at = small
                sout = to_numpy(call(fn, (sx.copy(), sw.copy()), kwargs, timeout=timeout).value)
                swant = expected_output(sx.astype(np.int64), sw.astype(np.int64), spec, kind)
                example = ConcreteExample(sx, sw, at, swant[at].item(), sout[at].item())
            return Trials(Status.WRONG, f"{int(wrong.sum())} of {out.size} output positions "
                          f"differ on random integer inputs (trial {trial + 1})", trial + 1,
                          differing=int(wrong.sum()), positions=pos, fn_seconds=fn_seconds,
                          example=example, samples=tuple(samples))
    prob = (2 / size) ** trials
    if not exact:
        return Trials(Status.PASSED_WITHIN_TOLERANCE, f"agrees with the spec within float "
                      f"tolerance on {trials} random integer inputs (largest relative error "
                      f"{worst:.2g}); not exact, so no Schwartz-Zippel bound applies", trials,
                      exact=False, fn_seconds=fn_seconds)
    return Trials(Status.PASSED, f"agrees with the spec exactly on {trials} random integer "
                  f"inputs from [-{bound}, {bound}]", trials, prob, fn_seconds=fn_seconds,
                  notes=(f"Schwartz-Zippel: a wrong bilinear map passes one trial with "
                         f"probability <= 2/{size}",))
