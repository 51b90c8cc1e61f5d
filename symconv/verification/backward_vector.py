"""The backward kinds' exact path at scale: ``fn(dout, w)``, ``fn(x, dout)`` or ``fn(y, w)`` on
the vector carrier.

The same machinery as the forward kinds (:mod:`.vectorised`): ``fn`` runs on
:class:`~symconv.vector.FormArray` tensors of both operands, chunk by chunk of the second
operand (``w``, or ``dout`` for the weight gradient; :mod:`symconv.vector.chunks` says why
equality in every chunk is equality of the whole layer when no product has two factors of the
chunked operand, which is checked on every chunk), and each chunk's output is compared with
:mod:`symconv.adjoint` run on the same tensors (:func:`~.vectorised.follow`).  The output's
forms are evaluated at the backward cross-check's seven inputs
(:func:`~.backward_forms.cases`) as they are built, so :mod:`.backward` compares fn's numbers
with them exactly as on polynomial entries.  A mistake is named only when fn's output equals a
catalogued wrong formulation (:func:`~.backward_forms.vector_candidates`) at every position.

>>> from symconv import ConvSpec
>>> from symconv.adjoint import input_gradient
>>> from symconv.verification import BackwardKind
>>> from .backward_forms import backward_task
>>> spec = ConvSpec((5, 5), (3, 3), stride=2, in_channels=2)
>>> task = backward_task(spec, BackwardKind.INPUT_GRADIENT)
>>> found = run_backward_vector(lambda d, w: input_gradient(d, w, spec), spec, task)
>>> found.verdict.status.value, found.verdict.summary
('correct', 'proved equal to the spec at all 50 output positions (72 products)')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..spec import ConvSpec
from ..vector import FormArray, Space, UnsupportedError, space_tensor
from ..vector.chunks import chunk_bounds
from .backward_forms import BackwardTask, cases, vector_candidates
from .packed import Sorted
from .symbolic import Symbolic, verdict
from .vectorised import (
    CHUNK_PRODUCTS,
    VECTOR,
    Evaluated,
    Followed,
    _Chunk,
    _fingerprint,
    _mutated,
    _wrong,
    follow,
)
from .verdict import Mistake, Status

__all__ = ["run_backward_vector", "backward_bounds"]


def backward_bounds(spec: ConvSpec, task: BackwardTask, chunk_products: int = 0
                    ) -> list[tuple[int, int]]:
    """Ranges of flat indices of the chunked (second) operand, each about ``chunk_products``
    products (whole filters of ``w``, as the forward kinds chunk it).

    >>> from symconv.verification import BackwardKind
    >>> from .backward_forms import backward_task
    >>> spec = ConvSpec((4,), (2,), batch=2)
    >>> backward_bounds(spec, backward_task(spec, BackwardKind.WEIGHT_GRADIENT), 4)
    [(0, 2), (2, 4), (4, 6)]
    """
    chunk_products = chunk_products or CHUNK_PRODUCTS
    if task.names[1] == "w":
        return chunk_bounds(spec, chunk_products)
    size = math.prod(task.shapes[1])
    total = spec.products_per_output * math.prod(spec.output_shape)
    step = max(1, size * chunk_products // max(total, 1))
    return [(a, min(a + step, size)) for a in range(0, size, step)]


class _Namer:
    """The catalogue's wrong formulations, compared with fn's output chunk by chunk (each is
    the spec's value with one slip, so it is built on the same chunked tensors)."""

    def __init__(self, spec: ConvSpec, task: BackwardTask, space: Space) -> None:
        self.spec, self.task, self.space = spec, task, space
        self.alive: list[tuple[Mistake, Callable[[Any, Any], Any]]] | None = None
        self.seen_equal = False
        self.why = ""

    def chunk(self, bounds: tuple[int, int], compared: Sorted) -> None:
        if self.why or (self.alive is None and compared.equal):
            self.seen_equal = self.seen_equal or compared.equal
            return
        if self.alive is None:
            if self.seen_equal:
                self.why = "the first difference is not in the first chunk"
                return
            self.alive = list(vector_candidates(self.spec, self.task.kind))
        a, b = _operands(self.space, self.task, bounds)
        self.alive = [(m, f) for m, f in self.alive if _matches(compared.got, f, a, b)]

    def result(self) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
        if self.why:
            return (), (f"no mistake is named at this size: {self.why}",)
        found = tuple(m for m, _ in self.alive or ())
        return found, () if found else ("no known backward mistake matches this output "
                                        "exactly",)


def _matches(got: FormArray, formulation: Callable[[Any, Any], Any], a: FormArray,
             b: FormArray) -> bool:
    """fn's chunk equals the formulation's (one the carrier cannot build names nothing)."""
    try:
        return Sorted(got, formulation(a, b)).equal
    except UnsupportedError:
        return False


def _operands(space: Space, task: BackwardTask, bounds: tuple[int, int]
              ) -> tuple[FormArray, FormArray]:
    a, b = task.names
    return space_tensor(space, a), space_tensor(space, b, keep=bounds)


def run_backward_vector(fn: Callable[..., Any], spec: ConvSpec, task: BackwardTask, *,
                        timeout: float | None = 60.0, kwargs: dict[str, Any] | None = None,
                        seed: int = 0, start: float | None = None,
                        chunk_products: int = 0) -> Symbolic | str:
    """fn's symbolic run on the vector carrier for a backward ``task``: a
    :class:`~.symbolic.Symbolic` whose forms are fn's output evaluated at the backward
    cross-check's inputs (``forms(a, b)``), or why the carrier cannot decide."""
    start = time.perf_counter() if start is None else start
    names = task.names
    space = Space(dict(zip(names, task.shapes)))
    bounds = backward_bounds(spec, task, chunk_products)
    todo = cases(task, seed)
    values = [dict(zip(names, (a.astype(np.int64), b.astype(np.int64)))) for _, a, b in todo]
    weightless = [{names[0]: v[names[0]]} for v in values]
    namer = _Namer(spec, task, space)

    def make(bound: tuple[int, int]) -> _Chunk:
        return _Chunk(fn, lambda: _operands(space, task, bound), task.reference,
                      task.out_shape, names, names[1], kwargs, timeout)

    found = follow(make, bounds, values, weightless, namer)
    if isinstance(found, str):
        return found
    kind = task.kind
    if isinstance(found, _Chunk):
        return _mutated(spec, kind, found, start, names[1])
    return _decided(spec, task, found, todo, bounds, namer, start)


def _decided(spec: ConvSpec, task: BackwardTask, found: Followed, todo: list[Any],
             bounds: list[tuple[int, int]], namer: _Namer, start: float) -> Symbolic:
    table = {_fingerprint(a, b): s for (_, a, b), s in zip(todo, found.sums)}
    forms = Evaluated(task.out_shape, table)
    how = f"vector carrier: {len(bounds)} chunk{'s' if len(bounds) > 1 else ''} of " \
          f"{task.names[1]}"
    if found.failing is None:
        return Symbolic(verdict(Status.CORRECT, spec, task.kind, VECTOR, f"proved equal to the "
                                f"spec at all {math.prod(task.out_shape)} output positions "
                                f"({found.products} products)", start,
                                notes=(how,) if len(bounds) > 1 else ()), forms)
    mistakes, notes = namer.result()
    return _wrong(spec, task.kind, found.failing, found.positions, found.terms, forms,
                  (how, *notes), mistakes, start, task.out_shape)


