"""Recover a black-box function's products by probing it with one-hot inputs.

A convolution is bilinear: ``out[o] = sum_{i,j} c[o,i,j] * x[i] * w[j]``.  Calling ``fn`` with
``x = e_i`` and ``w = e_j`` (one entry 1, the rest 0) returns ``c[:, i, j]`` itself, small
integers that float32, float64 and int64 code all compute exactly.  ``|x| * |w|`` such calls
(plus one on zeros: a bilinear function maps zeros to zeros) read off the whole bilinear form,
*if* ``fn`` is bilinear.  That assumption is then checked: the form must reproduce ``fn``'s own
output on the random trial inputs of the randomized check, exactly; if it does not, ``fn`` is not
bilinear (or rounds) and nothing is named.  The form is turned into the same canonical forms the
exact path builds by symbolic execution, so the same catalogue names the same mistakes.

This never decides correctness: the randomized check's WRONG (a concrete counterexample) stands
on its own; probing only explains it.

>>> import numpy as np
>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,))
>>> def fn(x, w):  # float-only code that flips the kernel
...     x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
...     return np.array([[[x[0, 0, 0] * w[0, 0, 1] + x[0, 0, 1] * w[0, 0, 0],
...                        x[0, 0, 1] * w[0, 0, 1] + x[0, 0, 2] * w[0, 0, 0]]]])
>>> found = probe(fn, spec)
>>> found.problem is None, found.calls
(True, 7)
>>> polynomials(found, spec)[0, 0, 0]
w_{0,0,0}·x_{0,0,1} + w_{0,0,1}·x_{0,0,0}
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SymconvError
from ..forms import convolve, correlate
from ..ring import Polynomial
from ..spec import ConvSpec
from ..tensors import Backend, symbolic_input, symbolic_weight, variable_name
from .bias import add_bias, arguments, bias_shape, symbolic_bias
from .diagnose import Forms, describe_products, name_mistakes, shape_mistakes
from .rounding import DELTA_LIMIT, draws_for, error_at, one_hot_error, rounded_range, within
from .run import call, to_numpy
from .shrink import kind_spec
from .verdict import Kind, Mistake

__all__ = ["DEFAULT_MAX_PROBE_CALLS", "DEFAULT_MAX_PROBE_SECONDS", "PROBED", "Probe", "probe",
           "polynomials", "reproduces", "Diagnosis", "diagnose_by_probing"]

#: Probing needs ``|x| * |w| + 1`` calls; above this many it is skipped (and the verdict says so).
DEFAULT_MAX_PROBE_CALLS = 20_000
#: Probing is skipped when the trials' timing predicts more seconds than this, and stopped there.
DEFAULT_MAX_PROBE_SECONDS = 10.0
#: What the verdict says about where the named mistake comes from.
PROBED = "products recovered by probing with one-hot inputs (exact if fn is bilinear)"

#: Calls left out of the rate that forecasts the probing time (first calls warm caches up).
_WARM_UP = 8
#: How a note begins when no trial sample could check the probed form.
_UNUSED = "products probed but not used"
#: Float outputs at or above this are not trusted to be exact integers.
_EXACT_LIMIT = 2 ** 53


class _Stop(Exception):
    """Probing stopped for a reason of its own (not an exception of ``fn``)."""


@dataclass(frozen=True, eq=False)
class Probe:
    """The bilinear form read off one-hot calls, as sparse ``(out, x, w) -> coefficient``
    arrays over flat indices; ``problem`` says why there is none."""

    shape: tuple[int, ...] | None = None
    out_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    x_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    w_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    coefficient: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    #: with ``spec.bias``: the linear form in ``b``, ``(out, f) -> coefficient``, read off
    #: ``fn(0, 0, e_f)``
    bias_terms: tuple[tuple[int, int, Any], ...] = ()
    calls: int = 0
    seconds: float = 0.0
    problem: str | None = None


@contextlib.contextmanager
def _torch_single_threaded() -> Iterator[None]:
    """One torch intra-op thread while probing (restored after), if torch is already imported.

    One-hot probes are tiny; with a thread pool every call waits for its workers, which on a busy
    two-core machine costs a scheduler time slice per call (measured: 3.7 s instead of 12 ms for
    960 calls)."""
    torch = sys.modules.get("torch")
    if torch is None or not hasattr(torch, "set_num_threads"):
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _read(value: Any, shape: tuple[int, ...] | None, spec: ConvSpec | None = None
          ) -> np.ndarray:
    """A probe's output as exact Python integers (object array), or :class:`_Stop`; with
    ``spec`` (a one-hot probe) float entries within the rounding error of a correct float
    algorithm (:func:`~.rounding.one_hot_error`, far below 1/2) are rounded: FFT and Winograd
    code does not return exact integers even on one-hot inputs."""
    try:
        out = to_numpy(value)
        if out.dtype == object:
            out = out.astype(np.float64)
    except Exception as err:  # noqa: BLE001
        raise _Stop(f"products not recovered: an output on one-hot inputs cannot be read as "
                    f"numbers ({err})") from None
    if shape is not None and out.shape != shape:
        raise _Stop(f"the function is not bilinear: its output shape changes between calls "
                    f"({shape} and {out.shape}); no mistake is named")
    if out.dtype.kind not in "biuf":
        raise _Stop(f"products not recovered: an output on one-hot inputs has dtype "
                    f"{out.dtype}")
    if out.dtype.kind == "f":
        bad = ~np.isfinite(out) | (np.abs(out) >= _EXACT_LIMIT)
        tolerance = 0.0 if spec is None else one_hot_error(spec, float(np.finfo(out.dtype).eps))
        bad[~bad] = np.abs(out[~bad] - np.rint(out[~bad])) > tolerance
        if bad.any():
            where = ",".join(map(str, np.argwhere(bad)[0]))
            raise _Stop(f"products not recovered: an output on one-hot inputs is not an "
                        f"exact integer "
                        f"(out[{where}] = {out[tuple(np.argwhere(bad)[0])]!r})")
        out = np.rint(out)
    return np.array([int(v) for v in out.reshape(-1).tolist()], dtype=object).reshape(out.shape)


def probe(fn: Callable[..., Any], spec: ConvSpec, *, dtype: Any = np.int64,
          kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
          max_calls: int = DEFAULT_MAX_PROBE_CALLS,
          max_seconds: float = DEFAULT_MAX_PROBE_SECONDS) -> Probe:
    """Call ``fn`` on every pair of one-hot inputs and read off its bilinear form.

    Skipped (``problem`` set) above ``max_calls`` calls; stopped as soon as the calls made so
    far predict more than ``max_seconds`` in all, or when ``max_seconds`` run out.

    >>> from symconv import ConvSpec, correlate
    >>> spec = ConvSpec((4, 4), (3, 3))
    >>> print(probe(lambda x, w: correlate(x, w, spec), spec, max_calls=100).problem)
    products not recovered: probing takes 145 calls of the function (one per pair of an input
    entry and a weight entry), above max_probe_calls=100
    """
    nx, nw = int(np.prod(spec.input_shape)), int(np.prod(spec.weight_shape))
    nb = spec.out_channels if spec.bias else 0
    calls = nx * nw + 1 + nb
    if calls > max_calls:
        return Probe(problem=f"products not recovered: probing takes {calls} calls of the "
                     f"function (one per pair of an input entry and a weight entry), above "
                     f"max_probe_calls={max_calls}")
    options = kwargs or {}
    found: list[tuple[int, int, np.ndarray, np.ndarray]] = []
    linear: list[tuple[int, int, Any]] = []
    state = {"calls": 0}

    def at(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> Any:
        bias = np.zeros(nb, dtype) if spec.bias and b is None else b
        return fn(*arguments(x, w, bias), **options)

    def run() -> tuple[int, ...]:
        with _torch_single_threaded():
            return one_hots()

    def one_hots() -> tuple[int, ...]:
        begin = warm = time.perf_counter()
        zero = _read(at(np.zeros(spec.input_shape, dtype), np.zeros(spec.weight_shape, dtype)),
                     None)
        state["calls"] = 1
        if any(v != 0 for v in zero.flat):
            where = tuple(int(i) for i in np.argwhere(zero != 0)[0])
            zeros = "0, 0, 0" if nb else "0, 0"
            raise _Stop(f"the function is not bilinear: fn({zeros}) is not zero (out["
                        f"{','.join(map(str, where))}] = {zero[where]}), as a constant or a bias "
                        "would make it; no mistake is named")
        for i in range(nx):
            for j in range(nw):
                now, done = time.perf_counter(), state["calls"]
                if done == _WARM_UP:
                    warm = now
                forecast = now - begin
                if done >= 4 * _WARM_UP:  # the rate after warm-up, times the calls left
                    forecast += (now - warm) / (done - _WARM_UP) * (calls - done)
                if forecast > max_seconds:
                    raise _Stop(f"products not recovered: probing stopped after {done} of "
                                f"{calls} calls, as it would take about {forecast:.2g} s in "
                                f"all, above max_probe_seconds={max_seconds}")
                x = np.zeros(spec.input_shape, dtype)
                w = np.zeros(spec.weight_shape, dtype)
                x.flat[i], w.flat[j] = 1, 1
                out = _read(at(x, w), zero.shape, spec).reshape(-1)
                state["calls"] += 1
                hit = np.flatnonzero(out != 0)
                if hit.size:
                    found.append((i, j, hit, out[hit]))
        for f in range(nb):  # the bias apart: fn(0, 0, e_f) is the linear form at e_f
            b = np.zeros(nb, dtype)
            b[f] = 1
            out = _read(at(np.zeros(spec.input_shape, dtype), np.zeros(spec.weight_shape, dtype),
                           b), zero.shape, spec).reshape(-1)
            state["calls"] += 1
            linear.extend((int(o), f, out[o]) for o in np.flatnonzero(out != 0))
        return zero.shape

    start = time.perf_counter()
    outcome = call(run, (), timeout=None if timeout is None else max_seconds + timeout)
    seconds = time.perf_counter() - start
    if outcome.timed_out:
        return Probe(calls=state["calls"], seconds=seconds, problem=(
            f"products not recovered: a call on one-hot inputs did not return within {timeout} s"))
    if isinstance(outcome.error, _Stop):
        return Probe(calls=state["calls"], seconds=seconds, problem=str(outcome.error))
    if not outcome.ok:
        return Probe(calls=state["calls"], seconds=seconds, problem=(
            f"products not recovered: the function raised {outcome.error_line} on one-hot "
            "inputs"))
    sizes = [len(hit) for _, _, hit, _ in found]
    return Probe(tuple(outcome.value),
                 np.concatenate([hit for *_, hit, _ in found] or [np.zeros(0, np.int64)]),
                 np.repeat(np.array([i for i, *_ in found], dtype=np.int64), sizes),
                 np.repeat(np.array([j for _, j, *_ in found], dtype=np.int64), sizes),
                 np.concatenate([c for *_, c in found] or [np.zeros(0, object)]),
                 tuple(linear), calls=state["calls"], seconds=seconds)


def _evaluate(found: Probe, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None
              ) -> np.ndarray:
    """The probed form at integer inputs ``x, w`` (and ``b``), exactly (Python integers)."""
    assert found.shape is not None
    xs = np.array([int(v) for v in np.asarray(x).reshape(-1).tolist()], dtype=object)
    ws = np.array([int(v) for v in np.asarray(w).reshape(-1).tolist()], dtype=object)
    out = np.zeros(int(np.prod(found.shape)), dtype=object)
    np.add.at(out, found.out_index, found.coefficient * xs[found.x_index] * ws[found.w_index])
    if b is not None:
        bs = [int(v) for v in np.asarray(b).reshape(-1).tolist()]
        for o, f, c in found.bias_terms:
            out[o] += c * bs[f]
    return out.reshape(found.shape)


def reproduces(found: Probe, samples: Sequence[tuple[np.ndarray, ...]],
               spec: ConvSpec | None = None, kind: Kind = Kind.CORRELATION) -> str | None:
    """``None`` if the probed form gives ``fn``'s output on every ``(x, w, out)`` sample (``(x,
    w, out, b)`` with a bias) exactly; else a note saying where it does not.  With ``spec``, a
    float sample that rounds is compared by the rounding rule (:func:`~.rounding.within` its
    :func:`~.rounding.error_at`), and one whose bound is not below 1/2 is left out.

    >>> from symconv import ConvSpec, correlate
    >>> spec = ConvSpec((3,), (2,))
    >>> x, w = np.array([[[1, 2, 3]]]), np.array([[[4, 5]]])
    >>> found = probe(lambda x, w: correlate(x, w, spec) + x[..., :2] ** 2, spec)
    >>> print(reproduces(found, [(x, w, correlate(x, w, spec) + x[..., :2] ** 2)]))
    the function is not bilinear (or it rounds): the products probed with one-hot inputs give
    out[0,0,0] = 23 on random trial 1, the function gave 15; no mistake is named
    """
    used = 0
    for k, (x, w, out, *bias) in enumerate(samples):
        want = _evaluate(found, x, w, *bias)
        got = np.asarray(out)
        if got.shape != want.shape:
            return (f"the function is not bilinear: its output shape on random trial {k + 1} "
                    f"is {got.shape}, on one-hot inputs {want.shape}; no mistake is named")
        if spec is not None and got.dtype.kind == "f" and not (got == want).all():
            eps = float(max(np.finfo(got.dtype).eps, np.finfo(np.float64).eps))
            delta = error_at(x, w, kind_spec(spec, kind), eps, *bias)
            if within(got, want.astype(np.float64), delta):
                used += 1
                continue
            if not delta < DELTA_LIMIT:  # rounding cannot decide on this sample
                continue
        used += 1
        differ = np.argwhere(got != want)
        if len(differ):
            at = tuple(int(i) for i in differ[0])
            value = got[at].item() if hasattr(got[at], "item") else got[at]
            return (f"the function is not bilinear (or it rounds): the products probed with "
                    f"one-hot inputs give out[{','.join(map(str, at))}] = {want[at]} on random "
                    f"trial {k + 1}, the function gave {value}; no mistake is named")
    if not used:
        return (f"{_UNUSED}: on every random trial the rounding error bound "
                "of a correct float algorithm is >= 1/2, so no trial checks the bilinear "
                "assumption; no mistake is named")
    return None


def _rounded_sample(fn: Callable[..., Any], spec: ConvSpec,
                    samples: Sequence[tuple[np.ndarray, ...]], kwargs: dict[str, Any] | None,
                    timeout: float | None) -> tuple[np.ndarray, ...] | None:
    """One call of ``fn`` on inputs drawn where a correct float algorithm's error bound is below
    1/2 (:func:`~.rounding.rounded_range`), in the trials' dtypes; ``None`` if there is none."""
    out_dtype, in_dtype = np.asarray(samples[0][2]).dtype, np.asarray(samples[0][0]).dtype
    if out_dtype.kind != "f":
        return None
    magnitude = rounded_range(spec, float(max(np.finfo(out_dtype).eps,
                                              np.finfo(np.float64).eps)))
    try:
        draws = draws_for(spec, in_dtype, at_most=magnitude) if magnitude >= 1 else None
    except SymconvError:
        draws = None
    if draws is None:
        return None
    rng = np.random.default_rng(len(samples))
    x, w = draws.draw(rng, spec.input_shape), draws.draw(rng, spec.weight_shape)
    b = draws.draw(rng, bias_shape(spec)) if spec.bias else None
    outcome = call(fn, arguments(x.copy(), w.copy(), None if b is None else b.copy()), kwargs,
                   timeout=timeout)
    try:
        out = to_numpy(outcome.value) if outcome.ok else None
    except Exception:  # noqa: BLE001 - not an array: no sample
        out = None
    if out is None or out.dtype.kind not in "biuf":
        return None
    return (x, w, out) + (() if b is None else (b,))


def polynomials(found: Probe, spec: ConvSpec) -> np.ndarray:
    """The probed form as an object array of :class:`~symconv.ring.Polynomial` entries, named
    like :func:`~symconv.tensors.symbolic_input` and :func:`~symconv.tensors.symbolic_weight`."""
    if found.shape is None:
        raise SymconvError(f"found: expected a probe that recovered products, got one that did "
                           f"not ({found.problem}); check found.problem first")
    x_names = [variable_name("x", i) for i in np.ndindex(*spec.input_shape)]
    w_names = [variable_name("w", j) for j in np.ndindex(*spec.weight_shape)]
    terms: list[dict[tuple[str, ...], int]] = [{} for _ in range(int(np.prod(found.shape)))]
    for o, i, j, c in zip(found.out_index.tolist(), found.x_index.tolist(),
                          found.w_index.tolist(), found.coefficient.tolist()):
        terms[o][(w_names[j], x_names[i])] = c
    for o, f, c in found.bias_terms:
        terms[o][(variable_name("b", (f,)),)] = c
    out = np.empty(len(terms), dtype=object)
    for k, entry in enumerate(terms):
        out[k] = Polynomial(entry)
    return out.reshape(found.shape)


@dataclass(frozen=True)
class Diagnosis:
    """What probing adds to a randomized WRONG verdict."""

    mistakes: tuple[Mistake, ...] = ()
    details: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: the probed and the spec's canonical forms at the first differing position, as
    #: :attr:`Verdict.first_forms <symconv.verification.verdict.Verdict>` holds them
    first_forms: tuple[tuple[tuple[tuple[str, ...], Any], ...], ...] | None = None


def diagnose_by_probing(fn: Callable[..., Any], spec: ConvSpec, kind: Kind,
                        samples: Sequence[tuple[np.ndarray, ...]],
                        positions: Sequence[tuple[int, ...]], *, dtype: Any = np.int64,
                        kwargs: dict[str, Any] | None = None, timeout: float | None = 60.0,
                        max_calls: int = DEFAULT_MAX_PROBE_CALLS,
                        max_seconds: float = DEFAULT_MAX_PROBE_SECONDS) -> Diagnosis:
    """Probe ``fn``, check the form against the trial ``samples``, then name its mistakes
    exactly as the exact path does (``positions``: where the trials saw a difference)."""
    found = probe(fn, spec, dtype=dtype, kwargs=kwargs, timeout=timeout, max_calls=max_calls,
                  max_seconds=max_seconds)
    if found.problem is not None:
        return Diagnosis(notes=(found.problem,))
    if not samples:
        return Diagnosis(notes=("products probed but not used: no trial output to check the "
                                "bilinear assumption against; no mistake is named",))
    failure = reproduces(found, samples, spec, kind)
    if failure is not None and failure.startswith(_UNUSED):  # one more call, rounding decides
        extra = _rounded_sample(fn, spec, samples, kwargs, timeout)
        if extra is not None:
            samples = (*samples, extra)
            failure = reproduces(found, [extra], spec, kind)
    if failure is not None:
        return Diagnosis(notes=(failure,))
    trials = "the random trial input" if len(samples) == 1 else \
        f"all {len(samples)} random trial inputs"
    how = (f"{PROBED}: {found.calls} calls in {found.seconds:.2g} s; the probed form "
           f"reproduces the function's output on {trials} exactly")
    if any(np.asarray(sample[2]).dtype.kind == "f" for sample in samples):
        how += (" (float outputs by the rounding rule: within the error bound delta < 1/2 of a "
                "correct float algorithm, one-hot outputs rounded)")
    if spec.bias:
        how += ("; with a bias it assumes fn is bilinear in (x, w) plus linear in b, and the "
                "bias is probed apart, by fn(0, 0, e_f)")
    got = polynomials(found, spec)
    reference = convolve if kind is Kind.CONVOLUTION else correlate
    want = add_bias(reference(symbolic_input(spec, backend=Backend.RING),
                              symbolic_weight(spec, backend=Backend.RING), spec),
                    symbolic_bias(spec) if spec.bias else None, spec)
    got_forms, want_forms = Forms(got, spec), Forms(want, spec)
    if got.shape != want.shape:
        mistakes, details = shape_mistakes(got, got_forms, want_forms, spec, kind)
        return Diagnosis(mistakes, details, (how,))
    first = [int(np.ravel_multi_index(p, got.shape)) for p in positions]
    mistakes, notes = name_mistakes(got_forms, want_forms, spec, kind, first)
    if not mistakes and not notes:
        notes = ("no known mistake matches the probed products exactly; the raw difference is "
                 "above",)
    if not first:
        return Diagnosis(mistakes, (), (how, *notes))
    details = describe_products(positions[0], got_forms.terms[first[0]],
                                want_forms.terms[first[0]])
    return Diagnosis(mistakes, tuple(details), (how, *notes), tuple(
        tuple(sorted(f.terms[first[0]].items())) for f in (got_forms, want_forms)))
