"""Name the mistake of a large layer, chunk by chunk, exactly as :mod:`.diagnose` does on
polynomial entries: a mistake is named only when fn's output equals its formulation at every
position.

The catalogue's wrong formulations are index geometries (:mod:`.mistakes`); on one chunk of the
weight a geometry gives the sorted packed keys of its products with a weight variable in the
chunk (:func:`chunk_keys`), compared with fn's sorted keys of that chunk
(:class:`~.packed.Sorted`).  At the first differing chunk every candidate is tried; the ones
that match are tried again on every later chunk.  The correct geometry is checked against the
spec's own forms on every chunk, so a naming never rests on the catalogue alone.  Not tried
(a note says so): a first difference after the first chunk (the earlier chunks were not kept),
coefficients other than 1, and a bias.  The output permutations of im2col folds
(:func:`~.mistakes.fold_candidates`) are tried the same way: fn's keys with each position ``p``
moved to ``perm[p]`` against the spec's.

>>> from symconv import ConvSpec
>>> from symconv.vector import Space
>>> from .geometry import correct_geometry
>>> spec = ConvSpec((3,), (2,))
>>> space = Space({"x": spec.input_shape, "w": spec.weight_shape})
>>> keys = chunk_keys(correct_geometry(spec, mirrored=False), spec, space, (1, 2))
>>> [space.monomial(int(k % space.key_count)) for k in keys]
[('w_{0,0,1}', 'x_{0,0,1}'), ('w_{0,0,1}', 'x_{0,0,2}')]
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..spec import ConvSpec
from ..vector import Space
from .geometry import Geometry, correct_geometry, gather
from .mistakes import fold_candidates, geometry_candidates
from .packed import Sorted
from .verdict import Kind, Mistake

__all__ = ["chunk_keys", "ChunkNamer"]


def chunk_keys(geometry: Geometry, spec: ConvSpec, space: Space, bounds: tuple[int, int]
               ) -> np.ndarray:
    """Sorted packed keys ``position * key_count + key`` of the geometry's products whose
    weight variable has flat index in ``[a, b)``."""
    a, b = bounds
    per = spec.products_per_output
    f0, f1 = a // per, (b - 1) // per + 1
    out = math.prod(spec.output_size)
    sub = dataclasses.replace(geometry, channel_base=geometry.channel_base[f0:f1])
    wi, xi = gather(sub, spec, (spec.batch, f1 - f0, *spec.output_size))
    wi = np.where(wi >= 0, wi + f0 * per, -1)
    valid = (wi >= a) & (wi < b) & (xi >= 0)
    n, rest = np.divmod(np.arange(wi.shape[0], dtype=np.int64), (f1 - f0) * out)
    rows = n * spec.out_channels * out + f0 * out + rest
    pos = np.broadcast_to(rows[:, None], wi.shape)[valid]
    keys = space.multiply(wi[valid] + space.linear_offset("w"), ("w",),
                          xi[valid] + space.linear_offset("x"), ("x",))
    packed = pos * space.key_count + keys
    packed.sort(kind="stable")  # sorted by position already: runs of one position's taps
    return packed


class ChunkNamer:
    """Follows the chunks of one vector run and keeps the catalogue's mistakes that match."""

    def __init__(self, spec: ConvSpec, kind: Kind, space: Space) -> None:
        self.spec, self.kind, self.space = spec, kind, space
        self.correct = correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION)
        self.alive: list[tuple[Mistake, Geometry]] | None = None
        self.folds: list[tuple[Mistake, np.ndarray]] = []
        self.why = "a bias" if spec.bias else ""
        self.seen_equal = False

    def chunk(self, bounds: tuple[int, int], compared: Sorted) -> None:
        """Take one chunk's comparison into account."""
        if self.why:
            return
        if compared.sorted is None:
            self.why = "coefficients other than 1"
            return
        if self.alive is None and compared.equal:  # nothing to name yet: no cost
            self.seen_equal = True
            return
        if self.alive is None and self.seen_equal:
            self.why = "the first difference is not in the first chunk of the weight"
            return
        got, want = compared.sorted
        if not np.array_equal(chunk_keys(self.correct, self.spec, self.space, bounds), want):
            self.why = "the catalogue does not cover this layer exactly"
            return
        if self.alive is None:
            self.alive = list(geometry_candidates(self.spec, self.kind))
            self.folds = list(fold_candidates(self.spec))
        self.alive = [(m, g) for m, g in self.alive
                      if np.array_equal(chunk_keys(g, self.spec, self.space, bounds), got)]
        kc = self.space.key_count
        self.folds = [(m, perm) for m, perm in self.folds
                      if np.array_equal(np.sort(perm[got // kc] * kc + got % kc, kind="stable"),
                                        want)]

    def result(self) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
        """The matching mistakes, or a note why none is named."""
        if self.why:
            return (), (f"no mistake is named at this size: {self.why}",)
        found = tuple(m for m, _ in self.folds) + tuple(m for m, _ in self.alive or ())
        if not found:
            return (), ("no known mistake matches this output exactly; the raw difference is "
                        "above",)
        return found, ()
