"""The randomized exact check, for functions that cannot run on symbols and for large layers.

Each trial draws integer tensors uniformly from ``S`` (:mod:`.rounding`: a range in which every
partial sum of a correct convolution is exact in ``numeric_dtype``) and compares the function's
output with the spec's exactly.  If the function is a wrong bilinear map with integer
coefficients, the difference at some output entry is a nonzero polynomial of degree 2, which by
the Schwartz-Zippel lemma vanishes at a random point of ``S^n`` with probability at most
``2 / |S|``; ``k`` independent trials all pass with probability at most ``(2 / |S|)**k``.
With ``spec.bias`` the function is ``fn(x, w, b)`` and ``b`` is drawn from ``S`` too: the
difference of two maps bilinear in ``(x, w)`` plus linear in ``b`` is an affine form of degree
still at most 2, so the same bound holds (the range counts the bias as one more term).

Float output that is not exact (an FFT or Winograd algorithm rounds) is never passed by a
tolerance: it is compared by the rounding rule of :mod:`.rounding`, on a range of values shrunk
until a correct algorithm's error bound ``delta`` is below 1/2, and the stated bound is
recomputed for that smaller ``S``.  An output farther than ``delta`` from the exact integer is
WRONG; when no range gives ``delta < 1/2`` the verdict is INCONCLUSIVE (not a pass).

>>> from symconv import ConvSpec
>>> value_bound(ConvSpec((56, 56), 3, in_channels=64, out_channels=64, padding=1))
170
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SymconvError
from ..spec import ConvSpec
from .bias import arguments, bias_shape
from .diagnose import value_at
from .rounding import (
    DELTA_LIMIT,
    Draws,
    deviations,
    draws_for,
    error_at,
    expected_output,
    read_output,
    rounded_range,
)
from .run import call, changed_entries, snapshot
from .shrink import Look, kind_spec, shrink
from .verdict import ConcreteExample, Kind, Status

__all__ = ["value_bound", "expected_output", "Trials", "run_trials", "shrink", "check_trials",
           "check_options", "trials_needed", "EXACT_BITS", "MAX_PASS_BOUND"]

#: No pass states a Schwartz-Zippel bound above this: more trials are run than asked if need be.
MAX_PASS_BOUND = 1e-6
#: Partial sums stay below ``2**EXACT_BITS``, which float32 (24-bit significand) holds exactly.
EXACT_BITS = 24


def value_bound(spec: ConvSpec) -> int:
    """Largest ``B`` with ``L * B**2 < 2**24`` (``L`` = products per output), at most 2**11."""
    return draws_for(spec, np.int64).high


def trials_needed(trials: int, values: int) -> int:
    """``trials``, or more if needed so that a pass has ``(2 / values)**k <= MAX_PASS_BOUND``.

    >>> trials_needed(1, 3), trials_needed(8, 55), trials_needed(1, 1365)
    (35, 8, 3)
    """
    per_trial = 2 / values
    return max(trials, math.ceil(math.log(MAX_PASS_BOUND) / math.log(per_trial)))


def check_trials(trials: Any) -> int:
    """``trials`` as an int >= 1, or a one-line :class:`SymconvError`.

    >>> check_trials(0)
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: trials: expected an int >= 1, got 0; fewer than one trial checks
    nothing, use trials=8
    """
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise SymconvError(f"trials: expected an int >= 1, got {trials!r}; fewer than one "
                           "trial checks nothing, use trials=8")
    return int(trials)


def check_options(spec: ConvSpec, *, trials: Any, seed: Any, numeric_dtype: Any,
                  timeout: Any) -> Draws:
    """Validate the randomized check's options before ``fn`` is called; returns the draws.

    >>> check_options(ConvSpec((5, 5), 3), trials=8, seed=0, numeric_dtype="int16",
    ...               timeout=None).describe()
    '{-60, ..., 60} (|S| = 121, int16)'
    """
    check_trials(trials)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SymconvError(f"seed: expected an int >= 0, got {seed!r}; use seed=0")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(
            timeout, (int, float, np.integer, np.floating)) or not 0 < timeout < math.inf):
        raise SymconvError(f"timeout: expected a positive number of seconds or None, got "
                           f"{timeout!r}; use timeout=None to wait forever")
    return draws_for(spec, numeric_dtype)


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
    samples: tuple[tuple[np.ndarray, ...], ...] = field(default=(),
                                                                          compare=False)
    #: the largest rounding-rule distance used (``None``: every comparison was exact)
    delta: float | None = None
    draws: Draws | None = None

    @property
    def comparison(self) -> str:
        """How outputs were compared, for the verdict's ``method``."""
        if self.delta is None:
            return "randomized exact check: random integer inputs, outputs compared exactly"
        if self.status is Status.PASSED and self.delta < DELTA_LIMIT:
            return (f"randomized check: random integer inputs, float outputs rounded (each "
                    f"within delta = {self.delta:.2g} < 1/2 of the exact integer), then "
                    "compared exactly")
        return (f"randomized check: random integer inputs, float outputs compared with the "
                f"exact integers; a correct float algorithm errs by at most delta = "
                f"{self.delta:.2g} on the input shown (assumed)")


def _positions(mask: np.ndarray) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(i) for i in p) for p in np.argwhere(mask)[:5])


class _Run:
    """The calls of one randomized check (numbered across phases)."""

    def __init__(self, fn: Callable[..., Any], spec: ConvSpec, kind: Kind,
                 kwargs: dict[str, Any] | None, timeout: float | None) -> None:
        self.fn, self.spec, self.kind, self.kwargs, self.timeout = fn, spec, kind, kwargs, timeout
        self.calls, self.seconds = 0, 0.0
        #: ``(x, w, out)``, or ``(x, w, out, b)`` for a layer with bias
        self.samples: list[tuple[np.ndarray, ...]] = []

    def result(self, status: Status, summary: str, trials: int, **fields: Any) -> Trials:
        return Trials(status, summary, trials, fn_seconds=self.seconds,
                      samples=tuple(self.samples), **fields)

    def phase(self, draws: Draws, trials: int, rng: np.random.Generator) -> Trials | float:
        """``trials`` trials on ``draws``: a result, or the machine epsilon of a float output
        that needs the rounding rule on a smaller range."""
        spec, worst, asked = self.spec, None, trials
        trials = trials_needed(trials, draws.values)
        for trial in range(1, trials + 1):
            x, w = draws.draw(rng, spec.input_shape), draws.draw(rng, spec.weight_shape)
            b = draws.draw(rng, bias_shape(spec)) if spec.bias else None  # after x, w: the
            before = tuple(snapshot(a) for a in arguments(x, w, b))  # same x, w as without
            outcome = call(self.fn, arguments(x, w, b), self.kwargs, timeout=self.timeout)
            self.calls += 1
            self.seconds += outcome.elapsed
            where = f"call {self.calls}: random trial {trial}"
            if outcome.timed_out:
                return self.result(Status.TIMED_OUT, f"the function did not return within "
                                   f"{self.timeout} s on integer inputs ({where})", trial - 1)
            if not outcome.ok:
                return self.result(Status.RAISED, f"the function raised {outcome.error_line} "
                                   f"on integer inputs ({where})", trial - 1,
                                   traceback=outcome.traceback)
            read = read_output(outcome.value, spec)
            if read.raw is not None and read.raw.dtype.kind in "biuf":
                self.samples.append((before[0], before[1], read.raw, *before[2:]))
            if read.status is not None:
                return self.result(read.status, f"{read.why} ({where})", trial)
            changed = [f"{name} ({changed_entries(old, new)} entries)"
                       for name, old, new in zip("xwb", before, arguments(x, w, b))
                       if changed_entries(old, new)]
            if changed:
                return self.result(Status.MUTATED_INPUT, "the function changed its input in "
                                   f"place: {', '.join(changed)} ({where})", trial)
            assert read.values is not None and read.raw is not None
            bias = before[2] if spec.bias else None
            want = expected_output(before[0], before[1], spec, self.kind, bias)
            delta = None
            if read.eps is not None and not (read.values == want).all():
                delta = error_at(before[0], before[1], kind_spec(spec, self.kind), read.eps,
                                 bias)
            wrong = deviations(read.values, want, delta)
            if wrong.any():
                return self.wrong(wrong, want, read.raw, before, trial, delta, draws)
            if delta is not None:
                if delta >= DELTA_LIMIT:  # undecided: look for a sparser failing input first
                    failures: list[str] = []
                    small = shrink(self.fn, spec, self.kind, before[0], before[1],
                                   kwargs=self.kwargs, timeout=self.timeout, failures=failures,
                                   b=bias)
                    if small is not None:
                        return self.shrunk(small, trial, delta, draws, failures)
                    return read.eps
                worst = max(worst or 0.0, delta)
        return self.passed(draws, trials, worst, asked)

    def _notes(self, draws: Draws, delta: float | None, failures: list[str]) -> list[str]:
        notes = [f"inputs drawn from {draws.describe()}"]
        if delta is not None:
            notes.append(f"rounding rule: a correct float algorithm errs by at most delta = "
                         f"{delta:.2g} on that input (assumed, error model of "
                         "symconv.verification.rounding); the output errs by more")
        if failures:
            notes.append(f"while shrinking the counterexample the function failed on "
                         f"{len(failures)} call(s), first: {failures[0]}; those inputs were "
                         "skipped")
        return notes

    def wrong(self, wrong: np.ndarray, want: np.ndarray, raw: np.ndarray,
              before: tuple[np.ndarray, ...], trial: int, delta: float | None,
              draws: Draws) -> Trials:
        pos = _positions(wrong)
        failures: list[str] = []
        bias = before[2] if len(before) > 2 else None
        small = shrink(self.fn, self.spec, self.kind, before[0], before[1], kwargs=self.kwargs,
                       timeout=self.timeout, failures=failures, b=bias)
        example = ConcreteExample(before[0], before[1], pos[0], value_at(want, pos[0]),
                                  value_at(raw, pos[0]), bias)
        if small is not None:
            example = self.example(small)
        how = "differ" if delta is None else f"are farther than delta = {delta:.2g} from the " \
            "exact integers"
        n = int(wrong.sum())
        return self.result(Status.WRONG, f"{n} of {wrong.size} output positions {how} on random "
                           f"integer inputs (trial {trial})", trial, differing=n, positions=pos,
                           example=example, notes=tuple(self._notes(draws, delta, failures)),
                           delta=delta, exact=delta is None, draws=draws)

    def example(self, small: tuple[np.ndarray, np.ndarray, Look, np.ndarray | None]
                ) -> ConcreteExample:
        sx, sw, look, sb = small
        assert look.position is not None
        want = value_at(expected_output(sx, sw, self.spec, self.kind, sb), look.position)
        return ConcreteExample(sx, sw, look.position, want, look.got, sb)

    def shrunk(self, small: tuple[np.ndarray, np.ndarray, Look, np.ndarray | None],
               trial: int, delta: float, draws: Draws, failures: list[str]) -> Trials:
        """WRONG found on a sparser input after trial ``trial`` agreed within ``delta``."""
        look = small[2]
        assert look.position is not None
        far = "differs from" if look.delta is None else \
            f"is farther than delta = {look.delta:.2g} from"
        notes = self._notes(draws, look.delta, failures)
        notes.insert(0, f"random trial {trial} agreed only within the error bound delta = "
                        f"{delta:.2g} >= 1/2 of a correct float algorithm (undecided); zeroing "
                        "entries of its input found this failing one")
        size, at = int(np.prod(self.spec.output_shape)), ",".join(map(str, look.position))
        return self.result(Status.WRONG, f"{look.differing} of {size} output positions fail "
                           f"on a sparse input from random trial {trial}: out[{at}] {far} the "
                           "exact integer", trial, differing=look.differing,
                           positions=(look.position,), example=self.example(small),
                           notes=tuple(notes), delta=look.delta, exact=look.delta is None,
                           draws=draws)

    def passed(self, draws: Draws, trials: int, delta: float | None, asked: int) -> Trials:
        size = draws.values
        how = "exactly" if delta is None else f"after rounding (every output within delta = " \
            f"{delta:.2g} of the exact integer)"
        maps = "wrong bilinear maps" if not self.spec.bias else (
            "wrong maps bilinear in (x, w) plus linear in b (an affine form of degree <= 2)")
        notes = [f"Schwartz-Zippel: over {maps} with integer coefficients, one "
                 f"passes a trial with probability <= 2/|S| = 2/{size}; inputs drawn uniformly "
                 f"from S^n, S = {draws.describe()}, partial sums exact ({draws.limit})"]
        if trials > asked:
            notes.append(f"{trials} trials run where {asked} were asked, so that the bound "
                         f"(2/{size})**{trials} is at most {MAX_PASS_BOUND:g}")
        if delta is not None:
            notes.append(f"rounding rule: assumes the function's float error is below delta = "
                         f"{delta:.2g} < 1/2 (the error model of a correct direct, FFT or "
                         "Winograd algorithm at this magnitude); then any integer deviation "
                         "changes the rounded value")
        return self.result(Status.PASSED, f"agrees with the spec {how} on {trials} random "
                           f"integer inputs from [{draws.low}, {draws.high}]", trials,
                           bound=(2 / size) ** trials, exact=delta is None, notes=tuple(notes),
                           delta=delta, draws=draws)


def run_trials(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, *, trials: int = 8,
               timeout: float | None = 60.0, seed: int = 0, dtype: Any = np.int64,
               kwargs: dict[str, Any] | None = None) -> Trials:
    """Run ``trials`` random integer trials of ``fn(x, w)`` against the spec (inputs in
    ``dtype``); float output that rounds is re-checked on a smaller range by the rounding rule.

    >>> from symconv import ConvSpec, correlate
    >>> spec = ConvSpec((4, 4), (3, 3))
    >>> run_trials(lambda x, w: correlate(x, w, spec) + 1, spec, Kind.CORRELATION).status
    <Status.WRONG: 'wrong'>
    """
    trials = check_trials(trials)
    draws = draws_for(spec, dtype)
    rng = np.random.default_rng(seed)
    run = _Run(fn, spec, kind, kwargs, timeout)
    found = run.phase(draws, trials, rng)
    if isinstance(found, Trials):
        return found
    magnitude = rounded_range(spec, found)
    try:
        smaller = draws_for(spec, dtype, at_most=magnitude) if magnitude >= 1 else None
    except SymconvError:
        smaller = None
    why = (f"the float output is not exact (precision eps = {found:.2g}) and agrees with the "
           f"spec only within the error bound of a correct float algorithm, which is >= 1/2 on "
           f"inputs from [{draws.low}, {draws.high}]")
    if smaller is None:
        return run.result(Status.INCONCLUSIVE, f"{why}; no input range with 3 or more values "
                          "brings it below 1/2 on this layer, so rounding cannot decide", 0,
                          exact=False, notes=("use a smaller layer, float64 output, or code "
                                              "that sums exactly",))
    again = run.phase(smaller, trials, rng)
    if isinstance(again, Trials):
        return dataclasses.replace(again, notes=(
            f"{why}: checked again on the smaller range {smaller.describe()}", *again.notes))
    return run.result(Status.INCONCLUSIVE, f"{why}, and its precision changed between calls "
                      f"(eps = {again:.2g} on the smaller range)", 0, exact=False)
