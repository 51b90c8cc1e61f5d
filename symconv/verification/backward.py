"""``verify(fn, spec, kind='input-gradient'|'weight-gradient'|'transposed')``: backward code.

The same evidence as the forward kinds: ``fn`` runs on object arrays of
:class:`~symconv.ring.Polynomial` variables (``dout_{...}``, ``w_{...}``, ``x_{...}``, ``y_{...}``)
and its output is compared with :mod:`symconv.adjoint`'s value by canonical forms; then seven
numeric calls (random, sparse and one-hot integers in int64, float64 and float32) must give
exactly fn's own symbolic forms evaluated there, and a WRONG verdict's example is run on
numbers.  Code that needs numbers (torch, a data branch) gets the randomized exact check
(Schwartz-Zippel bound).  Above ``VECTOR_MIN_PRODUCTS`` (or with ``carrier='vector'``) fn
runs on the vector carrier (:mod:`.backward_vector`) with the same cross-check and
confirmation; code the carrier cannot follow falls back to polynomial entries up to
``POLYNOMIAL_MAX_PRODUCTS``, to the randomized check above.  A mistake of
:func:`~symconv.verification.backward_forms.backward_candidates` is named when the output
equals it exactly.

>>> import numpy as np
>>> from symconv import ConvSpec, verify
>>> from symconv.adjoint import input_gradient
>>> spec = ConvSpec((5,), (3,), stride=2)
>>> bool(verify(lambda dout, w: input_gradient(dout, w, spec), spec, kind="input-gradient"))
True
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import prove_equal
from ..errors import NotExactError, SymconvError
from ..ring import Polynomial
from ..spec import ConvSpec
from ..tensors import Backend, parse_name, substitute, symbolic_tensor, values_of
from .backward_forms import BackwardTask, backward_candidates, backward_task, cases, draw_bound
from .backward_vector import run_backward_vector
from .crosscheck import mismatch
from .randomized import trials_needed
from .run import call, changed_entries, snapshot, to_numpy
from .symbolic import Symbolic, short, verdict
from .trace import BranchLog
from .vectorised import VECTOR_MIN_PRODUCTS
from .verdict import BackwardKind, ConcreteExample, Mistake, Status, Verdict

__all__ = ["verify_backward", "check_layer", "POLYNOMIAL_MAX_PRODUCTS"]

#: The largest layer (products) the backward kinds run on polynomial entries (above: sampled).
POLYNOMIAL_MAX_PRODUCTS = 200_000
#: Above this many products a WRONG output is not matched against the mistake catalogue.
CANDIDATE_MAX_PRODUCTS = 200_000
EXACT = "exact: symbolic execution on polynomial entries, canonical forms compared"
RANDOM = "randomized exact check: random integer inputs, outputs compared exactly"

def _where(p: tuple[int, ...]) -> str:
    return "out[" + ",".join(map(str, p)) + "]"


def _shown(positions: tuple[tuple[int, ...], ...], differing: int) -> str:
    return "differing positions: " + ", ".join(map(_where, positions)) + (
        " ..." if differing > len(positions) else "")


def _read(value: Any, task: BackwardTask) -> tuple[np.ndarray | None, str]:
    """The output as an array of the task's shape, or None and why not."""
    try:
        out = to_numpy(value)
    except Exception as err:  # noqa: BLE001 - whatever fn returned
        return None, f"returned something that is not an array ({type(err).__name__})"
    if out.shape != task.out_shape:
        return None, f"returned shape {out.shape} where {task.out_shape} belongs"
    return out, ""


def check_layer(spec: ConvSpec, kind: BackwardKind) -> None:
    """A one-line :class:`SymconvError` when the backward ``kind`` cannot take the layer."""
    task = backward_task(spec, kind)
    if spec.bias:
        raise SymconvError(f"spec.bias: the {task.kind.value} kind takes no bias (its gradient "
                           "is dout summed over batch and positions); build the ConvSpec "
                           "with bias=False")
    task.reference(np.zeros(task.shapes[0], dtype=np.int64),
                   np.zeros(task.shapes[1], dtype=np.int64))  # a spec it cannot take raises


def verify_backward(fn: Callable[..., Any], spec: ConvSpec, kind: BackwardKind, *, exact_only: bool,
                    sampled_only: bool, timeout: float | None, trials: int,
                    max_symbolic_products: int, seed: int, numeric_dtype: Any,
                    kwargs: dict[str, Any] | None, carrier: str = "auto") -> Verdict:
    """:func:`~symconv.verification.verify` for a backward ``kind`` (see the module text)."""
    task = backward_task(spec, kind)
    check_layer(spec, kind)
    draw_bound(task, numeric_dtype)  # a dtype that cannot hold the sums: before fn runs
    start = time.perf_counter()
    size = int(np.prod(spec.output_shape)) * spec.products_per_output
    run = _Run(fn, spec, task, timeout, kwargs, seed, start)
    if sampled_only or (not exact_only and size > max_symbolic_products):
        notes = () if sampled_only else (
            f"{size} products exceed the backward kinds' limit (max_symbolic_products="
            f"{max_symbolic_products}): randomized check",)
        return run.randomized(trials, numeric_dtype, notes)
    small = exact_only or size <= POLYNOMIAL_MAX_PRODUCTS
    if carrier == "vector" or (carrier == "auto" and size > VECTOR_MIN_PRODUCTS):
        vector = run_backward_vector(fn, spec, task, timeout=timeout, kwargs=kwargs, seed=seed,
                                     start=start)
        if isinstance(vector, Symbolic):
            return run.decide(vector, trials, numeric_dtype)
        note = (f"{vector}; " + ("polynomial entries instead" if small else
                                 "checked on numbers instead"),)
        if not small:
            return run.numbers(trials, numeric_dtype, note)
        decided = _polynomial(run, exact_only, trials, numeric_dtype)
        return dataclasses.replace(decided, notes=note + decided.notes)
    return _polynomial(run, exact_only, trials, numeric_dtype)


def _polynomial(run: _Run, exact_only: bool, trials: int, numeric_dtype: Any) -> Verdict:
    """The symbolic run on polynomial entries, then the cross-check and the example."""
    log = BranchLog()
    found, got, witness = run.exact(log)
    if log:
        assert log.first is not None
        return run.numbers(trials, numeric_dtype, (
            f"symbolic execution stopped: the code {log.first}; a symbol cannot say which way "
            "numbers go, so nothing symbolic was compared: checked on numbers instead",))
    if got is None:
        if exact_only or found.status is not Status.RAISED:
            return found
        return run.randomized(trials, numeric_dtype, (
            f"the function cannot run on symbolic entries ({short(found.summary)}): randomized "
            "check instead",))
    names = run.task.names

    def forms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return substitute(got, values_of(names[0], a.astype(np.int64)) |
                          values_of(names[1], b.astype(np.int64)))
    forms.shape = got.shape  # type: ignore[attr-defined]
    return run.decide(Symbolic(found, forms, witness), trials, numeric_dtype)


@dataclasses.dataclass
class _Run:
    fn: Callable[..., Any]
    spec: ConvSpec
    task: BackwardTask
    timeout: float | None
    kwargs: dict[str, Any] | None
    seed: int
    start: float

    def verdict(self, status: Status, method: str, summary: str, **fields: Any) -> Verdict:
        if status in (Status.RAISED, Status.WRONG_SHAPE):  # how fn was called: a usual slip
            task = self.task
            fields["notes"] = tuple(fields.get("notes", ())) + (
                f"called as {task.call} with {task.names[0]} of shape {task.shapes[0]} and "
                f"{task.names[1]} of shape {task.shapes[1]} (the layer: "
                f"{self.spec.describe()})",)
        return verdict(status, self.spec, self.task.kind, method, summary, self.start, **fields)

    def wrong_shape(self, shape: tuple[int, ...], method: str, notes: tuple[str, ...] = ()
                    ) -> Verdict:
        task = self.task
        forward = " (the forward layer's output shape: it returns the forward output?)" \
            if shape == self.spec.output_shape != task.out_shape else ""
        return self.verdict(Status.WRONG_SHAPE, method, f"the output has shape {shape} where "
                            f"{task.call} must return {task.out_shape}, {task.out_layout}"
                            f"{forward}", notes=notes)

    def exact(self, log: BranchLog) -> tuple[Verdict, np.ndarray | None, Any]:
        """The symbolic run: its verdict, fn's output (None: nothing compared), a witness."""
        task = self.task
        a, b = (symbolic_tensor(s, n, Backend.RING) for s, n in zip(task.shapes, task.names))
        before = snapshot(a), snapshot(b)
        outcome = call(self.fn, (a, b), self.kwargs, timeout=self.timeout, watch=log)
        attempted = "exact (attempted): symbolic execution on polynomial entries"
        if outcome.timed_out:
            return self.verdict(Status.TIMED_OUT, f"{attempted}; the call did not return",
                                f"the function did not return within {self.timeout} s"), \
                None, None
        if not outcome.ok:
            return self.verdict(Status.RAISED, f"{attempted}; the call raised", f"the function "
                                f"raised {outcome.error_line}", traceback=outcome.traceback), \
                None, None
        if outcome.value is None:
            return self.verdict(Status.WRONG_DTYPE, f"{attempted}; it returned None", "the "
                                "function returned None (a missing return statement?)"), None, None
        try:
            got = to_numpy(outcome.value)
            if got.dtype.kind in "bcmMSUV":
                raise NotExactError(f"dtype {got.dtype}")
            got = got.astype(object)
        except Exception as err:  # noqa: BLE001 - anything the user returned
            return self.verdict(Status.WRONG_DTYPE, f"{attempted}; its output is not "
                                "polynomials", f"the output cannot be read as numbers or "
                                f"polynomials ({type(err).__name__}: {err})"), None, None
        changed = [f"{n} ({changed_entries(o, new)} entries)" for n, o, new in
                   zip(task.names, before, (a, b)) if changed_entries(o, new)]
        if changed:
            return self.verdict(Status.MUTATED_INPUT, EXACT, "the function changed its input "
                                "in place: " + ", ".join(changed)), got, None
        if got.shape != task.out_shape:
            return self.wrong_shape(got.shape, EXACT), got, None
        want = task.reference(*before)
        try:
            proof = prove_equal(got, want, f"{task.call} = {task.kind.value} of the layer")
        except NotExactError as err:
            return self.verdict(Status.WRONG_DTYPE, f"{attempted}; its output is not "
                                f"polynomials", f"the output holds a value that is not a "
                                f"polynomial: {err}"), None, None
        if proof:
            return self.verdict(Status.CORRECT, EXACT, f"proved equal to the spec at all "
                                f"{proof.positions} output positions ({proof.products} "
                                "products)"), got, None
        cex = proof.counterexample
        assert cex is not None and cex.position is not None
        mistakes, notes = self.name(got, before)
        values = {k: int(v) for k, v in cex.values.items()}
        left, right = Polynomial.constant(0) + got[cex.position], \
            Polynomial.constant(0) + want[cex.position]
        for monomial, _, _ in cex.differences:  # the sparsest witness that shows it
            ones = {v: 1 for v in monomial}
            if left.evaluate(ones) != right.evaluate(ones):
                values = ones
                break
        return self.verdict(Status.WRONG, EXACT, f"{cex.differing} of {got.size} output "
                            "positions differ", mistakes=mistakes, notes=notes,
                            differing=cex.differing, positions=cex.positions,
                            details=(_shown(cex.positions, cex.differing),)), \
            got, (cex.position, values)

    def name(self, got: np.ndarray, operands: tuple[Any, Any]
             ) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
        """The catalogued mistakes ``got`` equals exactly (canonical forms)."""
        size = int(np.prod(self.spec.output_shape)) * self.spec.products_per_output
        if size > CANDIDATE_MAX_PRODUCTS:
            return (), (f"the layer ({size} products) is above {CANDIDATE_MAX_PRODUCTS}: the "
                        "mistake catalogue was not compared",)
        found = tuple(m for m, value in backward_candidates(self.spec, self.task.kind, *operands)
                      if prove_equal(got, value))
        return found, () if found else (
            "no known backward mistake matches this output exactly",)

    def decide(self, found: Symbolic, trials: int, dtype: Any) -> Verdict:
        """A symbolic run's verdict, once fn's numbers agree with its forms on the 7 cross-check
        calls and a WRONG verdict's example fails on numbers; else the numbers decide."""
        verdict, forms, witness = found
        if verdict.status is Status.MUTATED_INPUT or forms is None:
            return verdict
        check = self.cross_check(forms)
        if isinstance(check, Verdict):
            return check
        if check:
            return self.numbers(trials, dtype, (
                f"symbolic execution was not faithful to the numbers: {check}; the code takes "
                f"another path on numbers, so the symbolic verdict ({verdict.status.value}) is "
                "set aside: checked on numbers instead",))
        method = f"{verdict.method}; cross-checked on 7 numeric calls (dtypes int64, float64, " \
                 "float32)"
        if witness is not None:
            ex = self.example(*witness)
            if ex is None:
                return self.numbers(trials, dtype, (
                    "the symbolic run's counterexample does not fail on numbers: its symbolic "
                    "verdict is set aside: checked on numbers instead",))
            method += "; the example confirmed on numbers"
            verdict = dataclasses.replace(verdict, example=ex)
        return dataclasses.replace(verdict, method=method,
                                   elapsed=time.perf_counter() - self.start)

    def cross_check(self, forms: Any) -> Verdict | str:
        """'' when fn's numbers equal its symbolic output ``forms(a, b)`` (of shape
        ``forms.shape``) at every case, else why not (or the verdict of a call that failed)."""
        todo = cases(self.task, self.seed)
        for k, (label, a, b) in enumerate(todo, start=1):
            which = f"numeric call {k} of {len(todo)} after the symbolic one ({label})"
            args = a.copy(), b.copy()
            outcome = call(self.fn, args, self.kwargs, timeout=self.timeout)
            if not outcome.ok:
                what = f"did not return within {self.timeout} s" if outcome.timed_out \
                    else f"raised {outcome.error_line}"
                return self.verdict(Status.TIMED_OUT if outcome.timed_out else Status.RAISED,
                                    f"{EXACT}; then the numeric cross-check: {which} failed",
                                    f"the function {what} on {which}",
                                    traceback=outcome.traceback)
            if any(changed_entries(o, new) for o, new in zip((a, b), args)):
                return f"{which} changed its input in place"
            right = tuple(forms.shape) == self.task.out_shape
            out, why = _read(outcome.value, self.task) if right else (None, "")
            if out is None and right:
                return f"{which} {why}"
            if out is None:  # a wrong shape: the numbers must give it too
                shape = to_numpy(outcome.value).shape
                if shape != tuple(forms.shape):
                    return f"{which} returned shape {shape}, the symbolic run {forms.shape}"
                continue
            want = forms(a, b)
            bad = mismatch(out, want)
            if bad.any():
                p = tuple(int(i) for i in np.argwhere(bad)[0])
                return (f"{which} gave {_where(p)} = {out[p]!r} where fn's own symbolic output "
                        f"evaluates to {want[p]!r}")
        return ""

    def example(self, position: tuple[int, ...], values: dict[str, int]
                ) -> ConcreteExample | None:
        """The witness as integer tensors, if fn really differs from the spec there."""
        arrays = {n: np.zeros(s, dtype=np.int64) for n, s in zip(self.task.names,
                                                                  self.task.shapes)}
        for name, value in values.items():
            base, index = parse_name(name)
            if base in arrays:
                arrays[base][index] = value
        return self.confirm(*arrays.values(), position)

    def confirm(self, a: np.ndarray, b: np.ndarray, position: tuple[int, ...]
                ) -> ConcreteExample | None:
        outcome = call(self.fn, (a.copy(), b.copy()), self.kwargs, timeout=self.timeout)
        out = _read(outcome.value, self.task)[0] if outcome.ok else None
        if out is None:
            return None
        want = np.asarray(self.task.reference(a, b), dtype=np.int64)
        if not mismatch(np.asarray(out[position]).reshape(1), want[position].reshape(1)).all():
            return None
        got = out[position].item() if hasattr(out[position], "item") else out[position]
        return ConcreteExample(a, b, position, int(want[position]), got,
                               names=self.task.names)

    def randomized(self, trials: int, dtype: Any, notes: tuple[str, ...]) -> Verdict:
        """Random integer trials compared exactly with the spec."""
        task, bound = self.task, draw_bound(self.task, dtype)
        low = 0 if np.dtype(dtype).kind == "u" else -bound
        k = trials_needed(trials, bound - low + 1)
        rng = np.random.default_rng(self.seed)
        for trial in range(1, k + 1):
            a, b = (rng.integers(low, bound + 1, s) for s in task.shapes)
            args = a.astype(dtype), b.astype(dtype)
            outcome = call(self.fn, args, self.kwargs, timeout=self.timeout)
            if outcome.timed_out:
                return self.verdict(Status.TIMED_OUT, RANDOM, f"the function did not return "
                                    f"within {self.timeout} s on trial {trial}", notes=notes)
            if not outcome.ok:
                return self.verdict(Status.RAISED, RANDOM, f"the function raised "
                                    f"{outcome.error_line} on integer inputs",
                                    traceback=outcome.traceback, notes=notes)
            if any(changed_entries(o.astype(dtype), new) for o, new in zip((a, b), args)):
                return self.verdict(Status.MUTATED_INPUT, RANDOM, "the function changed its "
                                    f"input in place on trial {trial}", notes=notes)
            out, why = _read(outcome.value, task)
            if out is None:
                try:
                    shape = to_numpy(outcome.value).shape
                except Exception:  # noqa: BLE001 - not an array
                    return self.verdict(Status.WRONG_DTYPE, RANDOM, f"the function {why}",
                                        notes=notes)
                return self.wrong_shape(shape, RANDOM, notes)
            found = self.refuted(out, a, b, f"random trial {trial}", RANDOM, notes)
            if found is not None:
                return found
        return self.verdict(Status.PASSED, RANDOM, f"agreed exactly with the spec on {k} "
                            "random trials", trials=k, bound=(2 / (bound - low + 1)) ** k,
                            notes=notes + (f"inputs drawn from {{{low}, ..., {bound}}} as "
                                           f"{np.dtype(dtype).name}",))

    def refuted(self, out: np.ndarray, a: np.ndarray, b: np.ndarray, which: str, method: str,
                notes: tuple[str, ...]) -> Verdict | None:
        """A WRONG verdict when ``out`` differs from the spec on ``a, b``."""
        want = np.asarray(self.task.reference(a.astype(np.int64), b.astype(np.int64)),
                          dtype=np.int64)
        bad = mismatch(out, want)
        if not bad.any():
            return None
        positions = tuple(tuple(int(i) for i in p) for p in np.argwhere(bad)[:8])
        got = out[positions[0]]
        ex = ConcreteExample(a.astype(np.int64), b.astype(np.int64), positions[0],
                             int(want[positions[0]]), got.item() if hasattr(got, "item")
                             else got, names=self.task.names)
        mistakes: tuple[Mistake, ...] = ()
        size = int(np.prod(self.spec.output_shape)) * self.spec.products_per_output
        if size <= CANDIDATE_MAX_PRODUCTS:  # numeric agreement on this input only
            mistakes = tuple(m for m, value in backward_candidates(
                self.spec, self.task.kind, a.astype(np.int64), b.astype(np.int64))
                if not mismatch(out, np.asarray(value, dtype=np.int64)).any())
            if mistakes:
                notes += ("the mistake is named because the output equals it on these "
                          "numbers (not by canonical forms: the code did not run on symbols)",)
        differing = int(bad.sum())
        return self.verdict(Status.WRONG, method, f"{differing} of {bad.size} output positions "
                            f"differ on {which}", differing=differing, positions=positions,
                            example=ex, mistakes=mistakes, notes=notes,
                            details=(_shown(positions, differing),))

    def numbers(self, trials: int, dtype: Any, notes: tuple[str, ...]) -> Verdict:
        """The randomized check decides; when it passes the cross-check's inputs may refute."""
        sampled = self.randomized(trials, dtype, notes)
        if not sampled:
            return sampled
        for label, a, b in cases(self.task, self.seed):
            outcome = call(self.fn, (a.copy(), b.copy()), self.kwargs, timeout=self.timeout)
            out = _read(outcome.value, self.task)[0] if outcome.ok else None
            if out is None:
                continue
            found = self.refuted(out, a, b, label, f"numeric: exact comparison with the spec "
                                 f"on the cross-check's inputs ({label}); the randomized check "
                                 "had passed", notes)
            if found is not None:
                return found
        return sampled
