"""The exact path of :func:`~symconv.verification.verify` at scale: user code on the vector carrier.

``fn`` runs on :class:`~symconv.vector.FormArray` tensors (its own numpy code, followed
operation by operation), chunk by chunk of the weight (:mod:`symconv.vector.chunks` says why
equality in every chunk is equality of the whole layer: it needs that no monomial type has two
weight factors, checked on every chunk's output).  Each chunk's output is compared with
:func:`~symconv.forms.correlate` (or ``convolve``, plus the bias) run on the same tensors.

The symbolic run sees one path, so the verdict is cross-checked on numbers exactly as the
Polynomial path's (:mod:`.crosscheck`): the numeric inputs are drawn first, every chunk's forms
are evaluated there as soon as they are built (:func:`symconv.vector.evaluate.evaluate_many`),
and fn's numeric outputs must equal the sum over chunks, minus the terms without a weight
variable counted once per extra chunk: ``fn(x, w) = A(x) + sum_i w_i B_i(x)`` and chunk ``c``
gives ``A(x) + sum_{i in c} w_i B_i(x)``, exact by the same bilinearity.

Anything the carrier cannot follow comes back as a reason (a ``str``), and verify falls back.

>>> from symconv import ConvSpec
>>> def conv(x, w):
...     win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
...     return np.einsum("nchwuv,fcuv->nfhw", win, w)
>>> found = run_vector(conv, ConvSpec((4, 5), (2, 3), in_channels=2), Kind.CORRELATION)
>>> found.verdict.status.value, found.verdict.summary
('correct', 'proved equal to the spec at all 9 output positions (108 products)')
>>> run_vector(lambda x, w: np.asarray(x)[:, :1, :2, :2] * 0, ConvSpec((3, 3), (2, 2)),
...            Kind.CORRELATION)[:33]
'vector carrier: array: the code t'
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

from ..forms import convolve, correlate
from ..ring import Polynomial
from ..spec import ConvSpec
from ..vector import FormArray, Space, UnsupportedError, space_tensor
from ..vector.chunks import chunk_bounds
from ..vector.compare import Difference, equal
from ..vector.evaluate import evaluate_many
from .bias import arguments, bias_shape
from .crosscheck import Case, cases
from .diagnose import describe_products
from .naming import ChunkNamer
from .packed import Sorted
from .run import call
from .symbolic import Symbolic, verdict
from .verdict import Kind, Mistake, Status

__all__ = ["run_vector", "VECTOR", "VECTOR_MIN_PRODUCTS", "CHUNK_PRODUCTS", "Evaluated",
           "follow", "Followed", "forward_chunk"]

VECTOR = ("exact: symbolic execution on the vector carrier (bilinear forms as term arrays), "
          "canonical forms compared")
#: ``Method.AUTO`` runs numpy code on the vector carrier above this many products.
VECTOR_MIN_PRODUCTS = 20_000
#: Products of one chunk of the weight (0: :data:`symconv.vector.chunks.CHUNK_PRODUCTS`).
#: Measured on ResNet-50's 3x3 layer (cs231n im2col code): 8M products per chunk 31 s and
#: 1.07 GB peak, 4M 16 s and 0.63 GB.
CHUNK_PRODUCTS = 1 << 22

Terms = dict[tuple[str, ...], int]


def _fingerprint(x: Any, w: Any, b: Any = None) -> bytes:
    return b"|".join(np.asarray(a).astype(np.int64).tobytes() for a in (x, w, b)
                     if a is not None)


class Evaluated:
    """fn's symbolic output evaluated at the cross-check's inputs, looked up by their values
    (what :func:`~.crosscheck.cross_check` calls as ``forms(x, w[, b])``)."""

    def __init__(self, shape: tuple[int, ...], table: dict[bytes, np.ndarray]) -> None:
        self.shape, self.table = shape, table

    def __call__(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None
                 ) -> np.ndarray:
        return self.table[_fingerprint(x, w, b)]


def _values(case: Case, weight: bool = True) -> dict[str, np.ndarray]:
    out = {"x": case.x}
    if weight:
        out["w"] = case.w
    if case.b is not None:
        out["b"] = case.b
    return out


_OURS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
         os.path.dirname(os.path.abspath(np.__file__)) + os.sep)


def _watched(fn: Callable[..., Any], caught: list[str]) -> Callable[..., Any]:
    """``fn``, tracing (in the thread that runs it) the UnsupportedErrors that pass through the
    user's frames, so that one the code catches still counts: after it, the code took a path
    the carrier did not follow."""
    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception" and isinstance(arg[1], UnsupportedError) and len(caught) < 4:
            caught.append(f"{arg[1]} (in {frame.f_code.co_name}, "
                          f"{frame.f_code.co_filename}:{frame.f_lineno})")
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event != "call" or os.path.abspath(frame.f_code.co_filename).startswith(_OURS):
            return None
        frame.f_trace_lines = False  # exceptions only: no cost per line
        return local

    def run(*args: Any, **kwargs: Any) -> Any:
        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.settrace(previous)
    return run


def _keys(f: FormArray) -> np.ndarray | None:
    d = f.dense()
    return None if d is None or d[1] is not None else d[0].copy()


class _Chunk:
    """One symbolic call on a chunk of one operand: fn's output and the spec's, or a reason.

    ``operands()`` builds fresh tensors (the chunked one keeping its chunk's variables),
    ``reference`` computes the spec's value on them, ``names`` name them for a mutation and
    ``chunked`` is the block whose variables are split into chunks."""

    def __init__(self, fn: Callable[..., Any], operands: Callable[[], tuple[FormArray, ...]],
                 reference: Callable[..., FormArray], shape: tuple[int, ...],
                 names: tuple[str, ...], chunked: str, kwargs: dict[str, Any] | None,
                 timeout: float | None) -> None:
        args, fresh = operands(), operands()
        before = [_keys(a) for a in args]
        caught: list[str] = []
        outcome = call(_watched(fn, caught), args, kwargs, timeout=timeout)
        self.reason, self.mutated = "", [
            name for name, a, k in zip(names, args, before)
            if a.shape != k.shape or (now := _keys(a)) is None or not np.array_equal(now, k)]
        if outcome.timed_out:
            self.reason = f"the symbolic call did not return within {timeout} s"
            return
        if not outcome.ok:
            err = outcome.error
            self.reason = (caught[0] if caught else str(err)) \
                if isinstance(err, UnsupportedError) else \
                f"the symbolic call raised {outcome.error_line}"
            return
        if caught:
            self.reason = (f"the code caught a refusal of the carrier: {caught[0]}; after it "
                           "the code took a path the symbols did not follow")
            return
        out = outcome.value
        space = args[0].space
        if isinstance(out, np.ndarray) and out.dtype.kind in "biu":  # constants, e.g. zeros
            out = FormArray.constant(space, out)
        if not isinstance(out, FormArray):
            self.reason = (f"it returned {type(out).__name__}, not a tensor of forms (a plain "
                           "array cannot hold symbols)")
            return
        self.out, self.want = out, reference(*fresh)
        try:
            out.parts()  # a view read after its base was written raises here, not later
        except UnsupportedError as err:
            self.out, self.degree = None, 0
            if not self.mutated:
                self.reason = str(err)
            return
        if out.shape != tuple(shape):
            self.reason = f"the output has shape {out.shape} where the spec gives {shape}"
        self.chunked = chunked
        self.degree = max((t.count(chunked) for t in out.types | self.want.types), default=0)


def forward_chunk(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, space: Space,
                  kwargs: dict[str, Any] | None, timeout: float | None
                  ) -> Callable[[tuple[int, int]], _Chunk]:
    """The forward kinds' chunks: fn(x, w[, b]) against the correlation or convolution."""
    def operands(bounds: tuple[int, int]) -> tuple[FormArray, ...]:
        b = space_tensor(space, "b") if spec.bias else None
        return arguments(space_tensor(space, "x"), space_tensor(space, "w", keep=bounds), b)

    def reference(x: FormArray, w: FormArray, b: FormArray | None = None) -> FormArray:
        want = (convolve if kind is Kind.CONVOLUTION else correlate)(x, w, spec)
        return want if b is None else want + b.reshape((1, spec.out_channels) + (1,) * spec.rank)

    return lambda bounds: _Chunk(fn, lambda: operands(bounds), reference, spec.output_shape,
                                 ("x", "w", "b"), "w", kwargs, timeout)


class Followed:
    """What :func:`follow` found over all chunks: fn's numbers at each case (summed over chunks),
    the spec's term count, the first difference (its chunk's, with the terms at its first
    position gathered from every chunk), every differing position."""

    def __init__(self, cases: int) -> None:
        self.sums: list[Any] = [0] * cases
        self.products = 0
        self.failing: Difference | None = None
        self.positions = np.zeros(0, np.int64)
        self.terms: tuple[Terms, Terms] = ({}, {})


def follow(make: Callable[[tuple[int, int]], _Chunk], bounds: list[tuple[int, int]],
           values: list[dict[str, np.ndarray]], weightless: list[dict[str, np.ndarray]],
           namer: ChunkNamer | None = None) -> Followed | _Chunk | str:
    """Run every chunk; a reason (``str``) when the carrier cannot decide, the chunk when fn
    mutated its input, else a :class:`Followed`.  ``weightless`` are ``values`` without the
    chunked block: the terms without its variables, counted once per extra chunk."""
    found = Followed(len(values))
    for c, bound in enumerate(bounds):
        chunk = make(bound)
        if chunk.reason:
            return f"vector carrier: {chunk.reason}"
        if len(bounds) > 1 and chunk.degree > 1:
            what = "weight" if chunk.chunked == "w" else chunk.chunked
            return (f"vector carrier: the output has products of two {what} variables, so a "
                    f"check by chunks of the {what} would not cover them")
        if chunk.mutated:
            return chunk
        found.products += chunk.want.term_count()
        extra = weightless if c == 0 and len(bounds) > 1 else []
        numbers = evaluate_many(chunk.out, values + extra)
        for i in range(len(values)):
            found.sums[i] = found.sums[i] + numbers[i]
            if extra:
                found.sums[i] = found.sums[i] - (len(bounds) - 1) * numbers[len(values) + i]
        compared = Sorted(chunk.out, chunk.want)
        if namer is not None:
            namer.chunk(bound, compared)
        if found.failing is not None:  # the shown position's products, from every chunk after
            g, h = compared.terms_at(int(found.failing.positions[0]))
            found.terms[0].update(g)
            found.terms[1].update(h)
        if not compared.equal:
            found.positions = np.union1d(found.positions, compared.positions())
            if found.failing is None:
                found.failing = compared.difference()
                assert found.failing is not None
                found.terms = compared.terms_at(int(found.failing.positions[0]))
    return found


def run_vector(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, *,
               timeout: float | None = 60.0, kwargs: dict[str, Any] | None = None,
               seed: int = 0, start: float | None = None) -> Symbolic | str:
    """fn's symbolic run on the vector carrier: a :class:`~.symbolic.Symbolic` whose forms
    are fn's output evaluated at the cross-check's inputs, or why the carrier cannot decide
    (``'vector carrier: ...'``)."""
    start = time.perf_counter() if start is None else start
    space = Space({"x": spec.input_shape, "w": spec.weight_shape,
                   **({"b": bias_shape(spec)} if spec.bias else {})})
    bounds = chunk_bounds(spec, CHUNK_PRODUCTS)
    todo = cases(spec, seed)
    namer = ChunkNamer(spec, kind, space)
    terms = spec.bias * int(np.prod(spec.output_shape))  # one b_f per output entry
    found = follow(forward_chunk(fn, spec, kind, space, kwargs, timeout), bounds,
                   [_values(case) for case in todo],
                   [_values(case, weight=False) for case in todo], namer)
    if isinstance(found, str):
        return found
    if isinstance(found, _Chunk):
        return _mutated(spec, kind, found, start)
    sums, products, positions = found.sums, found.products - terms * len(bounds), found.positions
    table = {_fingerprint(case.x, case.w, case.b): s for case, s in zip(todo, sums)}
    forms = Evaluated(tuple(spec.output_shape), table)
    how = f"{len(bounds)} chunk{'s' if len(bounds) > 1 else ''} of the weight"
    if found.failing is None:
        counted = f"{products} products" + (f" and {terms} bias terms" if terms else "")
        return Symbolic(verdict(Status.CORRECT, spec, kind, VECTOR, f"proved equal to the spec "
                                f"at all {int(np.prod(spec.output_shape))} output positions "
                                f"({counted})", start,
                                notes=(f"vector carrier: {how}",) if len(bounds) > 1 else ()),
                        forms)
    mistakes, notes = namer.result()
    return _wrong(spec, kind, found.failing, positions, found.terms, forms,
                  (f"vector carrier: {how}", *notes), mistakes, start)


def _mutated(spec: ConvSpec, kind: Kind, chunk: _Chunk, start: float, chunked: str = "the "
             "weight") -> Symbolic:
    """MUTATED_INPUT, with whether the output itself is right (on the chunk that mutated)."""
    note = "the output is a view of what was changed: it cannot be read" if chunk.out is None \
        else "the output itself is " + ("right" if equal(chunk.out, chunk.want) else "wrong too")
    return Symbolic(verdict(Status.MUTATED_INPUT, spec, kind, VECTOR, "the function changed "
                            "its input in place: " + ", ".join(chunk.mutated), start,
                            notes=(f"{note} (on the first chunk of {chunked})",)))


def _wrong(spec: ConvSpec, kind: Kind, diff: Difference, positions: np.ndarray,
           terms: tuple[Terms, Terms], forms: Evaluated, notes: tuple[str, ...],
           mistakes: tuple[Mistake, ...], start: float, shape: tuple[int, ...] | None = None
           ) -> Symbolic:
    got, want = terms
    shape = tuple(spec.output_shape) if shape is None else shape
    at = tuple(int(i) for i in np.unravel_index(int(diff.positions[0]), shape))
    shown = [tuple(int(i) for i in np.unravel_index(int(p), shape)) for p in positions[:5]]
    listing = ", ".join("out[" + ",".join(map(str, p)) + "]" for p in shown)
    details = [f"differing positions: {listing}" + (" ..." if positions.size > 5 else "")]
    details += describe_products(at, got, want)
    return Symbolic(verdict(Status.WRONG, spec, kind, VECTOR, f"{positions.size} of "
                            f"{int(np.prod(shape))} output positions differ", start,
                            details=tuple(details), differing=int(positions.size),
                            positions=tuple(shown), notes=notes, mistakes=mistakes,
                            first_forms=(tuple(sorted(got.items())),
                                         tuple(sorted(want.items())))),
                    forms, (at, _witness(diff, got, want)))


def _witness(diff: Difference, got: Terms, want: Terms) -> dict[str, int]:
    """One differing product's variables set to 1 when that separates the sides, else the
    checked witness of the chunk's counterexample (variables outside the chunk are 0)."""
    left, right = Polynomial(got), Polynomial(want)
    for monomial, _, _ in diff.counterexample.differences:
        values = {v: 1 for v in monomial}
        if left.evaluate(values) != right.evaluate(values):
            return values
    return {k: int(v) for k, v in diff.counterexample.values.items()}
