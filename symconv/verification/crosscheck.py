"""Cross-check a symbolic run on numbers: does ``fn`` compute, on numbers, the polynomials it
returned on symbols?

A symbolic run proves what the code does on *symbols*.  Code can do something else on numbers:
branch on the dtype (``x.dtype.kind == 'f'``, ``x.dtype == object``), on the data in ways the
trace did not see, keep state between calls (a counter, a cache), or mutate.  So after the
symbolic call, ``fn`` is called again on numbers: random integers, sparse inputs (mostly
zeros) and one-hot inputs, in int64 and float64 (and float32 when the value bound keeps every
partial sum of a bilinear output below 2**24, so float32 computes it exactly).  Each numeric
output is compared *exactly* with fn's own symbolic output, its canonical forms evaluated at
those inputs (vectorised, in int64 when a bound on the magnitude allows, else in exact Python
numbers).  Comparing with fn's own polynomials, rather than with the spec, makes the check the
same for a CORRECT and a WRONG symbolic verdict: it tests the symbolic run, not the function.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,))
>>> terms = [{("w_{0,0,0}", "x_{0,0,0}"): 1, ("w_{0,0,1}", "x_{0,0,1}"): 1},
...          {("w_{0,0,0}", "x_{0,0,1}"): 1, ("w_{0,0,1}", "x_{0,0,2}"): 1}]
>>> forms = CompiledForms(terms, (1, 1, 2), spec)
>>> forms(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]))
array([[[21, 32]]])
>>> [case.label for case in cases(spec)][:3]
['random integers, int64', 'random integers, float64', 'sparse x (mostly zeros), int64']
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from typing import Any

import numpy as np

from ..ring import Coefficient, Monomial
from ..spec import ConvSpec
from ..tensors import variable_name
from .bias import arguments, bias_shape
from .diagnose import Forms
from .randomized import EXACT_BITS, expected_output
from .run import Outcome, call, changed_entries, to_numpy
from .shrink import zero_chunks
from .verdict import ConcreteExample, Kind

__all__ = ["Case", "draw_bound", "cases", "CompiledForms", "mismatch", "CrossCheck", "cross_check",
           "Refuted", "refute"]

#: int64 evaluation is used when the magnitude bound stays below this (else exact Python ints).
_INT64_SAFE = 2 ** 62
#: Density of the nonzero entries of a sparse input.
_SPARSE = 0.1


@dataclass(frozen=True, eq=False)
class Case:
    """One numeric call of the cross-check: integer-valued inputs in one dtype."""

    label: str
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None = None  #: the bias, for a layer with ``spec.bias``

    @property
    def args(self) -> tuple[np.ndarray, ...]:
        """Fresh copies of the call's arguments: ``(x, w)`` or ``(x, w, b)``."""
        return arguments(self.x.copy(), self.w.copy(), None if self.b is None else self.b.copy())


def _sparse(rng: np.random.Generator, shape: tuple[int, ...], bound: int) -> np.ndarray:
    values = rng.integers(1, bound + 1, shape) * rng.choice([-1, 1], shape)
    keep = rng.random(shape) < _SPARSE
    keep.reshape(-1)[rng.integers(keep.size)] = True  # never all zero
    return np.where(keep, values, 0).astype(np.int64)


def _one_hot(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=np.int64)
    out.reshape(-1)[rng.integers(out.size)] = 1
    return out


def draw_bound(spec: ConvSpec) -> tuple[int, bool]:
    """``(B, float32)``: inputs are drawn from ``[-B, B]``, and float32 calls are made when every
    partial sum of a bilinear output, ``|sum| <= products * B**2``, stays below ``2**24``.

    >>> draw_bound(ConvSpec((5, 5), (3, 3))), draw_bound(ConvSpec((3, 3), 3, in_channels=2**21))
    ((1365, True), (1, False))
    """
    products = spec.products_per_output + spec.bias  # a bias is one more term, |b| <= B**2
    b = max(1, min(2 ** 11, math.isqrt((2 ** EXACT_BITS - 1) // products)))
    return b, products * b * b < 2 ** EXACT_BITS


def cases(spec: ConvSpec, seed: int = 0) -> list[Case]:
    """The cross-check's inputs: random, sparse and one-hot integers in int64 and float64, and
    random ones in float32 when ``products * bound**2 < 2**24`` (float32 then sums exactly)."""
    rng = np.random.default_rng([seed, 1])  # not the randomized check's draws
    b, float32 = draw_bound(spec)
    xs, ws = spec.input_shape, spec.weight_shape

    def uniform(shape: tuple[int, ...]) -> np.ndarray:
        return rng.integers(-b, b + 1, shape).astype(np.int64)

    drawn = [("random integers", np.int64, uniform(xs), uniform(ws)),
             ("random integers", np.float64, uniform(xs), uniform(ws)),
             ("sparse x (mostly zeros)", np.int64, _sparse(rng, xs, b), uniform(ws)),
             ("sparse x and w", np.float64, _sparse(rng, xs, b), _sparse(rng, ws, b)),
             ("one-hot x and w", np.int64, _one_hot(rng, xs), _one_hot(rng, ws)),
             ("one-hot x", np.float64, _one_hot(rng, xs), uniform(ws))]
    if float32:
        drawn.append(("random integers", np.float32, uniform(xs), uniform(ws)))
    biases: list[np.ndarray | None] = [None] * len(drawn)
    if spec.bias:  # drawn apart, so that x and w are those of a layer without bias
        more = np.random.default_rng([seed, 2])
        bs = bias_shape(spec)

        def bias_for(label: str) -> np.ndarray:
            if label.startswith("one-hot x and"):
                return _one_hot(more, bs)
            if label.startswith("sparse x and"):
                return _sparse(more, bs, b)
            return more.integers(-b, b + 1, bs).astype(np.int64)
        biases = [bias_for(label) for label, *_ in drawn]
        biases[0] = np.zeros(bs, dtype=np.int64)  # one call sees the convolution alone
    return [Case(f"{label}, {np.dtype(dtype).name}", x.astype(dtype), w.astype(dtype),
                 None if bias is None else np.asarray(bias).astype(dtype))
            for (label, dtype, x, w), bias in zip(drawn, biases)]


class CompiledForms:
    """Canonical forms (one ``monomial -> coefficient`` map per output entry, row-major) ready to
    be evaluated exactly at numeric ``x, w`` (variables other than x's and w's count as 0)."""

    def __init__(self, terms: Sequence[Mapping[Monomial, Coefficient]], shape: tuple[int, ...],
                 spec: ConvSpec,
                 pairs: Sequence[Mapping[tuple[int, int], Coefficient]] | None = None) -> None:
        self.shape = tuple(shape)
        size = int(np.prod(spec.input_shape))
        raw: dict[int, tuple[np.ndarray, np.ndarray, list[Coefficient]]] = {}
        if pairs is not None:  # bilinear forms as (flat w index, flat x index) pairs: no names
            counts = np.fromiter((len(e) for e in pairs), np.int64, len(pairs))
            wx = np.fromiter(chain.from_iterable(chain.from_iterable(e) for e in pairs),
                             np.int64, 2 * int(counts.sum())).reshape(-1, 2)
            raw[2] = (np.repeat(np.arange(len(pairs)), counts),
                      np.stack([wx[:, 1], size + wx[:, 0]], axis=1),
                      list(chain.from_iterable(e.values() for e in pairs)))
        else:
            index = {variable_name("x", i): k for k, i in enumerate(np.ndindex(*spec.input_shape))}
            index.update({variable_name("w", i): size + k
                          for k, i in enumerate(np.ndindex(*spec.weight_shape))})
            if spec.bias:  # b's entries follow w's in the values
                top = size + int(np.prod(spec.weight_shape))
                index.update({variable_name("b", (f,)): top + f
                              for f in range(spec.out_channels)})
            lists: dict[int, tuple[list[int], list[list[int]], list[Coefficient]]] = {}
            for p, entry in enumerate(terms):
                for m, c in entry.items():
                    pos, var, coef = lists.setdefault(len(m), ([], [], []))
                    pos.append(p)
                    var.append([index.get(v, -1) for v in m])  # -1: the trailing 0 of values
                    coef.append(c)
            raw = {d: (np.asarray(pos, dtype=np.int64),
                       np.asarray(var, dtype=np.int64).reshape(len(pos), d), coef)
                   for d, (pos, var, coef) in lists.items()}
        self.integral = all(type(c) is int for _, _, coef in raw.values() for c in coef)
        #: per degree: (degree, positions with terms, segment starts, variables, coefficients
        #: as int64 when they fit else object, sum of |coefficient| as an exact Python number)
        self.groups = []
        for d, (pos, var, coef) in sorted(raw.items()):
            if not len(pos):
                continue
            starts = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])  # pos is sorted
            total = sum(abs(c) for c in coef)
            exact = np.asarray(coef, dtype=object)
            if self.integral and total < _INT64_SAFE:
                exact = exact.astype(np.int64)
            self.groups.append((d, pos[starts], starts, var, exact, total))

    @classmethod
    def of(cls, forms: Forms, spec: ConvSpec) -> CompiledForms:
        """From a :class:`~symconv.verification.diagnose.Forms` (its pairs when bilinear and
        the layer has no bias; with a bias the pairs hold only the products)."""
        return cls(forms.terms, forms.shape, spec, None if spec.bias else forms.pairs)

    def __call__(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None
                 ) -> np.ndarray:
        """The forms' exact values at integer-valued ``x, w`` (and ``b``): int64, or object
        when large."""
        bias = [] if b is None else [np.asarray(b).reshape(-1).astype(np.int64)]
        values = np.concatenate([np.asarray(x).reshape(-1).astype(np.int64),
                                 np.asarray(w).reshape(-1).astype(np.int64), *bias, [0]])
        top = int(np.abs(values).max())
        small = self.integral and sum(total * top ** d for d, *_, total in self.groups) \
            < _INT64_SAFE
        if not small:
            values = np.array(values.tolist(), dtype=object)  # exact Python integers
        out = np.zeros(int(np.prod(self.shape, dtype=np.int64)), dtype=np.int64 if small
                       else object)
        for _, where, starts, var, coef, _ in self.groups:
            term = coef if small else coef.astype(object)
            for column in var.T:
                term = term * values[column]
            out[where] += np.add.reduceat(term, starts)  # exact: int64 or Python numbers
        return out.reshape(self.shape)


def _same(a: Any, b: Coefficient) -> bool:
    if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Number):
        return False  # a bool, a Polynomial, a string: not the number it should be
    if isinstance(a, numbers.Complex) and not isinstance(a, numbers.Real):
        if a.imag != 0:  # its own parts: complex() would round a clongdouble
            return False
        a = a.real
    if isinstance(a, numbers.Integral):
        return int(a) == b
    if isinstance(a, numbers.Rational):  # Fraction, sympy Rational: exactly, never via float
        return Fraction(int(a.numerator), int(a.denominator)) == b
    if isinstance(a, np.floating):  # every width exactly: float() would round a longdouble
        return bool(np.isfinite(a)) and Fraction(*a.as_integer_ratio()) == b
    a = float(a)
    return bool(np.isfinite(a)) and Fraction(a) == b


def mismatch(out: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Where ``out`` (any dtype) differs from the exact integers/fractions ``want``, exactly:
    no tolerance, no rounding, NaN and non-numbers always differ, bools are not numbers."""
    if out.shape != want.shape:
        raise ValueError(f"out: expected shape {want.shape}, got {out.shape}")
    if want.dtype == np.int64:
        if out.dtype == np.int64 or (out.dtype.kind in "iu" and out.dtype.itemsize < 8):
            return out.astype(np.int64) != want  # int64 holds both exactly
        if out.dtype.kind == "f" and out.dtype.itemsize <= 8 and \
                (want.size == 0 or int(np.abs(want).max()) <= 2 ** 53):
            return ~(out.astype(np.float64) == want.astype(np.float64))  # both exact; NaN differs
    flat = [not _same(a, b) for a, b in zip(out.reshape(-1).tolist(), want.reshape(-1).tolist())]
    return np.array(flat, dtype=bool).reshape(out.shape)


@dataclass(frozen=True, eq=False)
class CrossCheck:
    """What the numeric calls after the symbolic one showed."""

    calls: int  #: numeric calls made
    dtypes: tuple[str, ...]  #: their input dtypes, in order of first use
    failed: Outcome | None = None  #: the call that raised or timed out
    failed_call: str = ""  #: which call that was
    disagreement: str = ""  #: evidence that the symbolic run was not faithful ('' if none)
    #: ``(case, numeric output or None)`` of every call made
    records: tuple[tuple[Case, np.ndarray | None], ...] = ()

    @property
    def agreed(self) -> bool:
        """Every numeric call returned exactly fn's symbolic output evaluated at its inputs."""
        return self.failed is None and not self.disagreement

    def describe(self) -> str:
        """``'cross-checked on 7 numeric calls (dtypes int64, float64, float32)'``."""
        return f"cross-checked on {self.calls} numeric calls (dtypes {', '.join(self.dtypes)})"


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (``5``, not ``np.int64(5)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _where(p: Sequence[int]) -> str:
    return "out[" + ",".join(str(int(i)) for i in p) + "]"


def cross_check(fn: Callable[..., Any], spec: ConvSpec, forms: CompiledForms, *,
                kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
                seed: int = 0) -> CrossCheck:
    """Call ``fn`` on every input of :func:`cases` and compare each output exactly with
    ``forms`` (fn's symbolic output) evaluated there; stops at the first disagreement."""
    todo = cases(spec, seed)
    dtypes = tuple(dict.fromkeys(str(c.x.dtype) for c in todo))
    records: list[tuple[Case, np.ndarray | None]] = []
    for k, case in enumerate(todo, start=1):
        name = f"numeric call {k} of {len(todo)} after the symbolic one ({case.label})"
        args = case.args
        outcome = call(fn, args, kwargs, timeout=timeout)
        if not outcome.ok:
            return CrossCheck(k, dtypes, outcome, name, records=tuple(records))
        try:
            out = to_numpy(outcome.value)
        except Exception as err:  # noqa: BLE001 - whatever fn returned
            out, why = None, f"returned something that is not an array ({type(err).__name__})"
        else:
            why = ""
        records.append((case, out))
        changed = [n for n, old, new in zip("xwb", (case.x, case.w, case.b), args)
                   if changed_entries(old, new)]
        if changed:
            why = f"changed its input {' and '.join(changed)} in place"
        elif out is not None and out.shape != forms.shape:
            why = f"returned shape {out.shape} where the symbolic run returned {forms.shape}"
        elif out is not None:
            want = forms(case.x, case.w, case.b)
            bad = mismatch(out, want)
            if bad.any():
                p = tuple(int(i) for i in np.argwhere(bad)[0])
                why = (f"gave {_where(p)} = {_plain(out[p])!r} where fn's own symbolic output "
                       f"evaluates to {_plain(want[p])!r} at these inputs ({int(bad.sum())} of "
                       f"{bad.size} positions differ)")
        if why:
            return CrossCheck(k, dtypes, disagreement=f"{name} {why}", records=tuple(records))
    return CrossCheck(len(todo), dtypes, records=tuple(records))



@dataclass(frozen=True, eq=False)
class Refuted:
    """A numeric call on which ``fn`` differs from the spec: a confirmed counterexample."""

    call: str  #: which call, with its inputs' label
    differing: int
    positions: tuple[tuple[int, ...], ...]
    example: ConcreteExample | None  #: small inputs that still fail (None: shape differs)
    shape: tuple[int, ...] | None = None  #: the output's shape when it is not the spec's
    dtype: str = "int64"  #: the inputs' dtype on that call


def refute(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, *,
           kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
           seed: int = 0) -> Refuted | None:
    """Call ``fn`` on every input of :func:`cases` and compare with the spec's exact output;
    the first difference (shrunk to a small example), or ``None``.  Calls that raise or return
    no array are skipped: the randomized check reports those."""
    todo = cases(spec, seed)
    for k, case in enumerate(todo, start=1):
        outcome = call(fn, case.args, kwargs, timeout=timeout)
        try:
            out = to_numpy(outcome.value) if outcome.ok else None
        except Exception:  # noqa: BLE001 - not an array
            out = None
        if out is None or out.dtype == object and out.size and \
                not all(isinstance(v, numbers.Number) for v in out.flat):
            continue
        name = f"numeric call {k} of {len(todo)} ({case.label})"
        arrays = [a.astype(np.int64) for a in arguments(case.x, case.w, case.b)]
        if out.shape != spec.output_shape:
            return Refuted(name, out.size, (), None, out.shape)
        want = expected_output(*arrays[:2], spec, kind, *arrays[2:])
        bad = mismatch(out, want)
        if not bad.any():
            continue
        positions = tuple(tuple(int(i) for i in p) for p in np.argwhere(bad)[:5])
        small = _shrink(fn, spec, kind, arrays, case.x.dtype, kwargs, timeout)
        *shrunk, at, got, expected = small if small is not None else (
            *arrays, positions[0], np.asarray(out[positions[0]]).item(),
            want[positions[0]].item())
        sx, sw, sb = (*[a.astype(case.x.dtype) for a in shrunk], None)[:3]
        example = ConcreteExample(sx, sw, at, expected, got, sb)
        return Refuted(name, int(bad.sum()), positions, example, dtype=str(case.x.dtype))
    return None


def _fails(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, arrays: Sequence[np.ndarray],
           dtype: np.dtype, kwargs: dict[str, Any] | None, timeout: float | None
           ) -> tuple[tuple[int, ...], Any, Any] | None:
    """``(position, fn's value, the spec's)`` of the first difference on ``x, w`` (and ``b``),
    or None."""
    outcome = call(fn, tuple(a.astype(dtype) for a in arrays), kwargs, timeout=timeout)
    try:
        out = to_numpy(outcome.value) if outcome.ok else None
    except Exception:  # noqa: BLE001 - not an array
        return None
    if out is None or out.shape != spec.output_shape:
        return None
    want = expected_output(arrays[0], arrays[1], spec, kind, *arrays[2:])
    bad = np.argwhere(mismatch(out, want))
    if not len(bad):
        return None
    p = tuple(int(i) for i in bad[0])
    return p, np.asarray(out[p]).item(), want[p].item()


def _shrink(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, inputs: Sequence[np.ndarray],
            dtype: np.dtype, kwargs: dict[str, Any] | None, timeout: float | None,
            budget: int = 100) -> tuple[Any, ...] | None:
    """Zero halves, then smaller chunks, of ``x`` and ``w`` (and ``b``) while ``fn`` still
    fails (at most ``budget`` calls): ``(x, w[, b], position, got, expected)`` re-checked on the
    last call."""
    found = _fails(fn, spec, kind, inputs, dtype, kwargs, timeout)
    if found is None:
        return None

    def still_fails(candidate: list[np.ndarray]) -> bool:
        nonlocal found
        again = _fails(fn, spec, kind, candidate, dtype, kwargs, timeout)
        if again is None:
            return False
        found = again
        return True

    arrays = zero_chunks(list(inputs), still_fails, budget)
    return *arrays, *found
