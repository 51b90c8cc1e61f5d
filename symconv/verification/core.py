"""``verify(fn, spec)``: check anyone's convolution against the spec, exactly when possible.

The exact path runs ``fn`` on object arrays of :class:`~symconv.ring.Polynomial` variables (a
symbolic execution of the user's own numpy code) and compares the result with
:func:`~symconv.forms.correlate` or :func:`~symconv.forms.convolve` by canonical forms
(:func:`~symconv.engine.prove_equal`).  Functions that cannot take object arrays (torch, numba,
float-only code) and layers above ``max_symbolic_products`` get the randomized exact check of
:mod:`symconv.verification.randomized` instead; when it finds them wrong, a small enough layer
is probed with one-hot inputs (:mod:`symconv.verification.probe`) to recover the products and
name the mistake as the exact path does.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import Counterexample, prove_equal
from ..errors import NotExactError, SymconvError
from ..forms import convolve, correlate
from ..ring import Polynomial
from ..spec import ConvSpec
from ..tensors import Backend, symbolic_input, symbolic_weight
from ..torch_layers import is_torch_module, module_function, module_spec
from .backward import check_layer, verify_backward
from .bias import add_bias, arguments, check_arity, symbolic_bias
from .crosscheck import CompiledForms, cross_check, refute
from .diagnose import Forms, describe_products, name_mistakes, shape_mistakes
from .probe import DEFAULT_MAX_PROBE_CALLS, DEFAULT_MAX_PROBE_SECONDS, diagnose_by_probing
from .randomized import check_options, run_trials
from .run import call, changed_entries, snapshot, to_numpy
from .symbolic import Symbolic as _Symbolic
from .symbolic import confirmed as _confirmed
from .symbolic import example as _example
from .symbolic import short as _short
from .symbolic import verdict as _verdict
from .trace import BranchLog
from .vectorised import VECTOR_MIN_PRODUCTS, run_vector
from .verdict import BackwardKind, Kind, Mistake, Status, Verdict, parse_kind

__all__ = ["verify", "Method", "DEFAULT_MAX_SYMBOLIC_PRODUCTS"]

#: Above this many products (output entries x products per entry) ``Method.AUTO`` samples.
DEFAULT_MAX_SYMBOLIC_PRODUCTS = 150_000_000
#: The largest layer ``Method.AUTO`` runs on polynomial entries (above: the vector carrier).
POLYNOMIAL_MAX_PRODUCTS = 200_000

EXACT = "exact: symbolic execution on polynomial entries, canonical forms compared"
ATTEMPTED = "exact (attempted): symbolic execution on polynomial entries"
RANDOM = "randomized exact check: random integer inputs, outputs compared exactly"


class Method(str, enum.Enum):
    """How :func:`verify` checks."""

    AUTO = "auto"  #: exact when small enough and the function takes object arrays, else sampled
    #: symbolic execution only (a function that needs numbers fails); a symbolic run that does
    #: not count (a data branch, or numbers that disagree with it) is still checked on numbers
    EXACT = "exact"
    RANDOMIZED = "randomized"  #: random integer trials only


def _check_args(fn: Any, spec: Any, kind: Any, method: Any) -> tuple[Any, Method]:
    if not callable(fn):
        raise SymconvError(f"fn: expected a function fn(x, w), got {type(fn).__name__}; "
                           "bind options with functools.partial")
    if not isinstance(spec, ConvSpec):
        raise SymconvError(f"spec: expected a ConvSpec, got {type(spec).__name__}; build one "
                           "with ConvSpec(input_size, kernel_size, ...)")
    try:
        parsed = parse_kind(kind), Method(method)
    except ValueError:
        raise SymconvError(f"kind/method: expected kind 'correlation' or 'convolution' (or "
                           "'input-gradient', 'weight-gradient', 'transposed') and "
                           f"method 'auto', 'exact' or 'randomized', got {kind!r}, {method!r}"
                           ) from None
    if parsed[0].backward:  # its own operands; no bias
        check_layer(spec, parsed[0])
    check_arity(fn, spec)
    return parsed


def verify(fn: Callable[..., Any], spec: ConvSpec | None = None, *,
           kind: Kind | BackwardKind | str = Kind.CORRELATION,
           method: Method | str = Method.AUTO,
           timeout: float | None = 60.0, trials: int = 8,
           max_symbolic_products: int = DEFAULT_MAX_SYMBOLIC_PRODUCTS, seed: int = 0,
           numeric_dtype: Any = np.int64, kwargs: dict[str, Any] | None = None,
           max_probe_calls: int = DEFAULT_MAX_PROBE_CALLS,
           max_probe_seconds: float = DEFAULT_MAX_PROBE_SECONDS,
           input_size: Any = None, carrier: str = "auto") -> Verdict:
    """Check ``fn(x, w)`` (PyTorch layouts) against the spec's correlation or convolution.

    With ``spec.bias`` it checks ``fn(x, w, b)`` against the same plus ``b[f]`` on filter
    ``f``'s outputs.  ``fn`` may be a ``torch.nn.Module`` conv layer (any module whose
    parameters are ``weight`` and an optional ``bias``): its own forward runs with them replaced
    by verify's inputs (:func:`symconv.torch_layers.module_function`); for an ``nn.ConvNd`` the
    spec may be omitted when ``input_size`` (``(N, C, *spatial)``) is given.

    Returns a :class:`Verdict`, truthy when correct; it never raises what ``fn`` raises.

    >>> import numpy as np
    >>> from symconv import ConvSpec
    >>> def conv(x, w):  # correlation over sliding windows, as PyTorch's conv2d
    ...     win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    ...     return np.einsum("nchwuv,fcuv->nfhw", win, w)
    >>> verdict = verify(conv, ConvSpec((4, 5), (2, 3), in_channels=2))
    >>> bool(verdict), verdict.proved
    (True, True)
    >>> print(verify(conv, ConvSpec((4, 5), (2, 3)), kind="convolution"))
    WRONG: 9 of 9 output positions differ
      layer: convolution on 4x5 * 2x3
      method: exact: symbolic execution on polynomial entries, canonical forms compared;
        cross-checked on 7 numeric calls (dtypes int64, float64, float32); the example
        confirmed on numbers
      mistake: missing flip: computed correlation where convolution was asked: ...
      differing positions: out[0,0,0,0], out[0,0,0,1], out[0,0,0,2], out[0,0,1,0], ...
      out[0,0,0,0] multiplies w[0,0,0,0] with x[0,0,0,0] where x[0,0,1,2] belongs
      ...
      concrete example (paste into a test):
        x = np.array([[[[1, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]]])
        w = np.array([[[[1, 0, 0], [0, 0, 0]]]])
        # expected fn(x, w)[0, 0, 0, 0] == 0, got 1

    Parameters: ``kind`` 'correlation' (PyTorch's conv), 'convolution' (flipped kernel) or
    a backward kind of :mod:`.backward` ('input-gradient', 'weight-gradient', 'transposed');
    ``method`` 'auto', 'exact' or 'randomized'; ``timeout`` seconds per call of ``fn`` (``None``:
    wait forever); ``input_size`` of a torch ``nn.ConvNd`` given without a spec; ``trials`` of
    the randomized check; ``max_symbolic_products`` the size above
    which ``auto`` samples; ``numeric_dtype`` of the random integer inputs (e.g. 'float32' for
    float-only code); ``kwargs`` passed to ``fn`` on every call; ``max_probe_calls`` and
    ``max_probe_seconds`` bound the one-hot probing that names the mistake of a function found
    wrong by the randomized check (``max_probe_calls=0``: no probing); ``carrier`` of the
    symbolic run: 'auto' (the vector carrier above 20000 products, polynomial entries below),
    'vector' or 'polynomial'.
    """
    notes: tuple[str, ...] = ()
    if is_torch_module(fn):  # its own forward, on numbers
        spec = module_spec(fn, spec, input_size)
        fn = module_function(fn, spec)
        if method == Method.AUTO:
            method = Method.RANDOMIZED
            notes = ("a torch module computes on float64 tensors, not on symbols: checked by "
                     "the randomized exact check",)
    kind, method = _check_args(fn, spec, kind, method)
    assert spec is not None
    if isinstance(max_probe_calls, bool) or not isinstance(max_probe_calls, int) or \
            max_probe_calls < 0 or not max_probe_seconds > 0:
        raise SymconvError(f"max_probe_calls/max_probe_seconds: expected an int >= 0 and a "
                           f"positive number, got {max_probe_calls!r}, {max_probe_seconds!r}; "
                           "use max_probe_calls=0 to turn probing off")
    budget = (max_probe_calls, float(max_probe_seconds))
    if carrier not in ("auto", "vector", "polynomial"):
        raise SymconvError(f"carrier: expected 'auto', 'vector' or 'polynomial', got "
                           f"{carrier!r}")
    check_options(spec, trials=trials, seed=seed, numeric_dtype=numeric_dtype, timeout=timeout)
    if kind.backward:  # fn(dout, w), fn(x, dout) or fn(y, w): symconv.verification.backward
        return verify_backward(fn, spec, kind, exact_only=method is Method.EXACT, sampled_only=(
            method is Method.RANDOMIZED), timeout=timeout, trials=trials, seed=seed, kwargs=kwargs,
            max_symbolic_products=max_symbolic_products, numeric_dtype=numeric_dtype,
            carrier=carrier)
    start = time.perf_counter()
    size = int(np.prod(spec.output_shape)) * spec.products_per_output

    def on_numbers(why: tuple[str, ...]) -> Verdict:
        """The randomized check decides, and the cross-check's inputs can still refute."""
        return _numbers_decide(fn, spec, kind, timeout, trials, seed, numeric_dtype, kwargs,
                               start, why, budget)

    if method is Method.RANDOMIZED or (method is Method.AUTO and size > max_symbolic_products):
        if method is Method.AUTO:
            notes = (f"{size} products exceed max_symbolic_products={max_symbolic_products}: "
                     "randomized check",)

        return _randomized(fn, spec, kind, timeout, trials, seed, numeric_dtype, kwargs, start,
                           notes, budget)
    found, vector_note = None, ()
    if carrier == "vector" or (carrier == "auto" and size > VECTOR_MIN_PRODUCTS):
        found, vector_note = _vector_first(fn, spec, kind, timeout, kwargs, seed, start,
                                           method, size, carrier)
        if found is None and vector_note and vector_note[0].endswith("on numbers instead"):
            return on_numbers(vector_note)

    def symbolic() -> Verdict:
        log = BranchLog()
        verdict, forms, witness = _exact(fn, spec, kind, timeout, kwargs, start, log) \
            if found is None else found
        if log:  # the code asked a symbol a question: its numeric paths were not executed
            assert log.first is not None
            return on_numbers((f"symbolic execution stopped: the code {log.first}; a symbol cannot "
                               "say which way numbers go, so nothing symbolic was compared: "
                               "checked on numbers instead",))
        if forms is None:  # nothing was compared
            if method is Method.EXACT or verdict.status is not Status.RAISED:
                return verdict
            notes = (f"the function cannot run on symbolic entries ({_short(verdict.summary)}): "
                     "randomized check instead",)
            if "NoneType" in verdict.summary:  # np.empty(..., dtype=object) is filled with None
                notes += ("None met a symbol: some entries of an np.empty array were read before "
                          "being written; with numbers they hold whatever was in memory",)
            sampled = _randomized(fn, spec, kind, timeout, trials, seed, numeric_dtype, kwargs,
                                  start, notes, budget)
            if sampled.status is Status.RAISED:  # the error is the function's, not the symbols'
                again = sampled.summary.removeprefix("the function raised ").removesuffix(
                    " on integer inputs")
                return dataclasses.replace(verdict, notes=(f"it raises on integer inputs too: "
                                                           f"{again}",) + verdict.notes,
                                           elapsed=time.perf_counter() - start)
            return sampled
        if verdict.status is Status.MUTATED_INPUT:  # true of the symbolic call; never a pass
            return verdict
        compiled = CompiledForms.of(forms, spec) if isinstance(forms, Forms) else forms
        check = cross_check(fn, spec, compiled, kwargs=kwargs, timeout=timeout, seed=seed)
        if check.failed is not None:
            failed = check.failed
            what = (f"did not return within {timeout} s" if failed.timed_out
                    else f"raised {failed.error_line}")
            return _verdict(Status.TIMED_OUT if failed.timed_out else Status.RAISED, spec, kind,
                            f"{verdict.method}; then the numeric cross-check: "
                            f"{check.failed_call} failed",
                            f"the function {what} on {check.failed_call}", start,
                            traceback=failed.traceback, notes=(
                                f"the symbolic call returned ({_short(verdict.summary)}); a later "
                                "call failed, so the function cannot be trusted either way",))
        if not check.agreed:
            return on_numbers((f"symbolic execution was not faithful to the numbers: "
                               f"{check.disagreement}; the code takes another path on numbers "
                               "(it branches on the dtype or the data, keeps state, or mutates), "
                               f"so the symbolic verdict ({verdict.status.value}) is set "
                               "aside: checked on numbers instead",))
        method_text = f"{verdict.method}; {check.describe()}"
        if witness is not None:  # WRONG: run the example now, after the cross-check's calls
            ex = _example(fn, spec, kind, *witness, timeout, kwargs)
            if ex is None or not _confirmed(ex):
                shown = "the numeric call failed" if ex is None else \
                    f"fn returns {ex.got!r}, the spec's value"
                return on_numbers((f"the symbolic run's counterexample does not fail on numbers "
                                   f"({shown}): the code computes something else on "
                                   "symbols, so its symbolic verdict is set aside: checked "
                                   "on numbers instead",))
            method_text += "; the example confirmed on numbers"
            verdict = dataclasses.replace(verdict, example=ex)
        return dataclasses.replace(verdict, method=method_text, elapsed=time.perf_counter() - start)

    decided = symbolic()
    return dataclasses.replace(decided, notes=vector_note + decided.notes) if vector_note \
        else decided


def _vector_first(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, timeout: float | None,
                  kwargs: dict[str, Any] | None, seed: int, start: float, method: Method,
                  size: int, carrier: str) -> tuple[_Symbolic | None, tuple[str, ...]]:
    """The vector carrier's symbolic run, or None and why the Polynomial path (or, for a layer
    too large for it, the numbers) decides instead."""
    found = run_vector(fn, spec, kind, timeout=timeout, kwargs=kwargs, seed=seed, start=start)
    small = method is Method.EXACT or size <= POLYNOMIAL_MAX_PRODUCTS
    if isinstance(found, str):
        return None, (f"{found}; " + ("polynomial entries instead" if small else
                                      "checked on numbers instead"),)
    if found.verdict.status is Status.WRONG and small and carrier != "vector":
        return None, ("vector carrier: wrong; run again on polynomial entries to name the "
                      "mistake",)
    return found, ()


def _numbers_decide(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, timeout: float | None,
                    trials: int, seed: int, dtype: Any, kwargs: dict[str, Any] | None,
                    start: float, notes: tuple[str, ...], budget: tuple[int, float]) -> Verdict:
    """After a symbolic run that does not count: the randomized check's verdict, unless it
    passes and a cross-check input (sparse, one-hot, other dtypes) shows fn wrong."""
    sampled = _randomized(fn, spec, kind, timeout, trials, seed, dtype, kwargs, start, notes,
                          budget)
    if not sampled:
        return sampled
    found = refute(fn, spec, kind, kwargs=kwargs, timeout=timeout, seed=seed)
    if found is None:
        return sampled
    method = (f"numeric: exact comparison with the spec on the cross-check's inputs ("
              f"{found.call}); the randomized check ({sampled.method}) had passed")
    if found.shape is not None:
        return _verdict(Status.WRONG_SHAPE, spec, kind, method, f"the output has shape "
                        f"{found.shape} where the spec gives {spec.output_shape} on "
                        f"{found.call}", start, notes=notes)
    shown = ", ".join("out[" + ",".join(map(str, p)) + "]" for p in found.positions)
    return _verdict(Status.WRONG, spec, kind, method, f"{found.differing} of "
                    f"{int(np.prod(spec.output_shape))} output positions differ on "
                    f"{found.call}", start, differing=found.differing,
                    positions=found.positions, example=found.example,
                    details=(f"differing positions: {shown}" + (
                        " ..." if found.differing > len(found.positions) else ""),),
                    notes=notes + ("the randomized check's inputs missed it; the cross-check's "
                                   "inputs include sparse and one-hot ones",) + ((
                                       f"the example's x and w are {found.dtype} arrays: pass "
                                       f"them as {found.dtype} (with int64 the function may "
                                       "agree)",) if found.dtype != "int64" else ()))


def _randomized(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, timeout: float | None,
                trials: int, seed: int, dtype: Any, kwargs: dict[str, Any] | None, start: float,
                notes: tuple[str, ...], budget: tuple[int, float]) -> Verdict:
    t = run_trials(fn, spec, kind, trials=trials, timeout=timeout, seed=seed, dtype=dtype,
                   kwargs=kwargs)
    mistakes: tuple[Mistake, ...] = ()
    found_details: tuple[str, ...] = ()
    first_forms = None
    if t.status in (Status.WRONG, Status.WRONG_SHAPE) and budget[0] > 0:
        # the status stays the trials' (a counterexample); probing only explains it
        found = diagnose_by_probing(fn, spec, kind, t.samples, t.positions, dtype=dtype,
                                    kwargs=kwargs, timeout=timeout, max_calls=budget[0],
                                    max_seconds=budget[1])
        mistakes, found_details, notes = found.mistakes, found.details, notes + found.notes
        first_forms = found.first_forms
    method = RANDOM if t.delta is None else t.comparison
    shown = ", ".join("out[" + ",".join(map(str, p)) + "]" for p in t.positions)
    details = (f"differing positions: {shown}" + (" ..." if t.differing > len(t.positions)
                                                  else ""),) if t.positions else ()
    return _verdict(t.status, spec, kind, method, t.summary, start, trials=t.trials,
                    bound=t.bound, differing=t.differing, positions=t.positions,
                    example=t.example, traceback=t.traceback, details=details + found_details,
                    notes=notes + t.notes, mistakes=mistakes, first_forms=first_forms)


def _exact(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, timeout: float | None,
           kwargs: dict[str, Any] | None, start: float, log: BranchLog) -> _Symbolic:
    x = symbolic_input(spec, backend=Backend.RING)
    w = symbolic_weight(spec, backend=Backend.RING)
    b = symbolic_bias(spec) if spec.bias else None
    before = tuple(snapshot(a) for a in arguments(x, w, b))
    outcome = call(fn, arguments(x, w, b), kwargs, timeout=timeout, watch=log)

    def failed(status: Status, what: str, summary: str, **fields: Any) -> _Symbolic:
        return _Symbolic(_verdict(status, spec, kind, f"{ATTEMPTED}; {what}, so nothing was "
                                  "compared", summary, start, **fields))

    if outcome.timed_out:
        return failed(Status.TIMED_OUT, "the call did not return", f"the function did not "
                      f"return within {timeout} s (it keeps running in a background thread)",
                      notes=("raise timeout=, or use method='randomized' for a large layer",))
    if not outcome.ok:
        return failed(Status.RAISED, "the call raised", f"the function raised "
                      f"{outcome.error_line}", traceback=outcome.traceback)
    if outcome.value is None:
        return failed(Status.WRONG_DTYPE, "it returned None", "the function returned None "
                      "(a missing return statement?)")
    try:
        got = to_numpy(outcome.value)
        if got.dtype.kind in "bcmMSUV":
            return failed(Status.WRONG_DTYPE, f"it returned dtype {got.dtype}", f"the output "
                          f"has dtype {got.dtype}; expected numbers or polynomials")
        if got.dtype != object:
            got = got.astype(object)
        got_forms = Forms(got, spec)
    except NotExactError as err:
        status = Status.NOT_FINITE if "nan" in str(err).lower() or "inf" in str(err).lower() \
            else Status.WRONG_DTYPE
        return failed(status, "its output is not polynomials", f"the output holds a value "
                      f"that is not a polynomial: {err}")
    except Exception as err:  # noqa: BLE001 - anything the user returned that is not an array
        return failed(Status.WRONG_DTYPE, "its output is not an array", f"the output cannot "
                      f"be read as an array of numbers ({type(err).__name__}: {err})")
    reference = convolve if kind is Kind.CONVOLUTION else correlate
    want = reference(before[0], before[1], spec)  # the inputs as given, not as left
    want = add_bias(want, before[2] if b is not None else None, spec)
    changed = [f"{name} ({changed_entries(old, new)} entries)"
               for name, old, new in zip("xwb", before, arguments(x, w, b))
               if changed_entries(old, new)]
    proof = prove_equal(got, want, f"fn(x, w) = {kind.value}(x, w)" if b is None else
                        f"fn(x, w, b) = {kind.value}(x, w) + b")
    if changed:
        return _Symbolic(_verdict(Status.MUTATED_INPUT, spec, kind, EXACT, "the function "
                                  "changed its input in place: " + ", ".join(changed), start,
                                  notes=("the output itself is " + ("right" if proof else
                                                                    "wrong too"),)), got_forms)
    if proof:
        terms = spec.bias * int(np.prod(spec.output_shape))  # one b_f per output entry
        counted = f"{proof.products - terms} products" + (
            f" and {terms} bias terms" if terms else "")
        return _Symbolic(_verdict(Status.CORRECT, spec, kind, EXACT, f"proved equal to the spec "
                                  f"at all {proof.positions} output positions ({counted})",
                                  start), got_forms)
    want_forms = Forms(want, spec)
    if got.shape != want.shape:
        mistakes, details = shape_mistakes(got, got_forms, want_forms, spec, kind)
        return _Symbolic(_verdict(Status.WRONG_SHAPE, spec, kind, EXACT, f"the output has shape "
                                  f"{got.shape} where the spec gives {want.shape}", start,
                                  mistakes=mistakes, details=details), got_forms)
    cex = proof.counterexample
    assert cex is not None and cex.position is not None
    first = [int(np.ravel_multi_index(p, got.shape)) for p in cex.positions]
    mistakes, notes = name_mistakes(got_forms, want_forms, spec, kind, first)
    if not mistakes and not notes:
        notes = ("no known mistake matches this output exactly; the raw difference is above",)
    values = _witness(cex, got_forms, want_forms, first[0])
    shown = ", ".join("out[" + ",".join(map(str, p)) + "]" for p in cex.positions)
    details = [f"differing positions: {shown}" + (" ..." if cex.differing > len(
        cex.positions) else "")]
    details += describe_products(cex.position, got_forms.terms[first[0]],
                                 want_forms.terms[first[0]])
    return _Symbolic(_verdict(Status.WRONG, spec, kind, EXACT, f"{cex.differing} of {got.size} "
                              f"output positions differ", start, mistakes=mistakes,
                              details=tuple(details), differing=cex.differing,
                              positions=cex.positions, notes=notes,
                              first_forms=tuple(tuple(sorted(f.terms[first[0]].items()))
                                                for f in (got_forms, want_forms))),
                     got_forms, (cex.position, values))


def _witness(cex: Counterexample, got: Forms, want: Forms, flat: int) -> dict[str, int]:
    """The sparsest readable witness: one differing product's variables set to 1, if that
    shows the difference; else the engine's witness."""
    left, right = Polynomial(got.terms[flat]), Polynomial(want.terms[flat])
    for monomial, _, _ in cex.differences:
        values = {v: 1 for v in monomial}
        if left.evaluate(values) != right.evaluate(values):
            return values
    return {k: int(v) for k, v in cex.values.items()}
