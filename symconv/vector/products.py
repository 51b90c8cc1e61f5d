"""Broadcast products of FormArrays, computed only where both factors are nonzero.

``a * b`` is kept lazy (:class:`Lazy`) until it is used; a sum over axes right after it (what
``sum``, ``@``, ``einsum`` and ``tensordot`` are made of) only changes the strides with which
positions are written, so the full broadcast product is never stored.

Evaluation takes one factor as a dense *slab* (one key per entry) and walks the terms of the
other: the entries a term meets are one slice of the slab, gathered as a block, and a product is
written for each nonzero entry of the block.  Work and memory are proportional to the nonzero
products (in blocks of :data:`BLOCK` entries), not to the broadcast shape.

>>> from symconv.vector.space import Space
>>> from symconv.vector.array import space_tensor
>>> space = Space({"x": (3,), "w": (2,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> (x[:, None] * w[None, :]).sum(axis=0).to_polynomials()
array([w_{0}·x_{0} + w_{0}·x_{1} + w_{0}·x_{2}, w_{1}·x_{0} + w_{1}·x_{1} + w_{1}·x_{2}],
      dtype=object)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .space import Type
from .terms import check_coefficients, strides, unravel

if TYPE_CHECKING:
    from .array import FormArray, Part

__all__ = ["Lazy", "multiply", "evaluate", "lazy_sum", "BLOCK"]

#: Entries of the slab gathered at once (bounds the temporary memory of a product).
BLOCK = 1 << 22


@dataclass(frozen=True)
class Lazy:
    """``a * b`` broadcast to ``full``; result positions are ``sum coord_i * out_strides[i]``."""

    a: FormArray
    b: FormArray
    full: tuple[int, ...]
    out_strides: tuple[int, ...]


def multiply(a: FormArray, b: FormArray) -> FormArray:
    """The broadcast product, lazy."""
    from .array import FormArray

    full = tuple(int(s) for s in np.broadcast_shapes(a.shape, b.shape))
    a = a.reshape((1,) * (len(full) - a.ndim) + a.shape)
    b = b.reshape((1,) * (len(full) - b.ndim) + b.shape)
    space = a.space
    types = frozenset(space.product_type(ta, tb) for ta in a.types for tb in b.types)
    if not types:
        return FormArray.zeros(space, full)
    return FormArray(space, full, types,
                     lazy=Lazy(a, b, full, tuple(int(s) for s in strides(full))))


def lazy_sum(fa: FormArray, axes: tuple[int, ...], keepdims: bool) -> FormArray | None:
    """``fa.sum(axes)`` by re-striding a fresh lazy product; None if ``fa`` is not one."""
    from .array import FormArray

    lazy = fa._lazy
    if lazy is None or fa.shape != lazy.full or lazy.out_strides != tuple(
            int(s) for s in strides(lazy.full)):
        return None
    kept = tuple(1 if i in axes else s for i, s in enumerate(lazy.full)) if keepdims else tuple(
        s for i, s in enumerate(lazy.full) if i not in axes)
    st = iter(strides(tuple(s for i, s in enumerate(lazy.full) if i not in axes)).tolist())
    out = tuple(0 if i in axes else next(st) for i in range(len(lazy.full)))
    return FormArray(fa.space, kept, fa.types, lazy=Lazy(lazy.a, lazy.b, lazy.full, out))


def _by_type(fa: FormArray) -> list[tuple[Type, FormArray]]:
    """``fa`` split into one FormArray per monomial type."""
    from .array import FormArray

    if len(fa.types) <= 1:
        return [(t, fa) for t in fa.types]
    space, out = fa.space, []
    kinds = space.types
    pos, key, coef = fa.terms()
    which = space.types_of(key)
    for t in sorted(fa.types):
        m = which == kinds.index(t)
        out.append((t, FormArray(space, fa.shape, frozenset({t}),
                                 parts=((pos[m], key[m], None if coef is None else coef[m]),))))
    return out


def evaluate(lazy: Lazy) -> tuple[Part, ...]:
    """The terms of a lazy product (positions by its out_strides)."""
    parts: list[Part] = []
    for ta, a in _by_type(lazy.a):
        for tb, b in _by_type(lazy.b):
            parts.extend(_pair(a, ta, b, tb, lazy))
    return tuple(parts)


def _layers(fa: FormArray) -> list[FormArray]:
    """``fa`` as a sum of tensors with at most one term per entry (dense-able)."""
    from .array import FormArray

    pos, key, coef = fa.terms()
    order = np.argsort(pos, kind="stable")
    pos, key = pos[order], key[order]
    coef = None if coef is None else coef[order]
    first = np.searchsorted(pos, pos, side="left")
    rank = np.arange(pos.size) - first
    return [FormArray(fa.space, fa.shape, fa.types, parts=((pos[rank == r], key[rank == r],
                                                            None if coef is None
                                                            else coef[rank == r]),))
            for r in range(int(rank.max()) + 1 if rank.size else 0)]


def _pair(a: FormArray, ta: Type, b: FormArray, tb: Type, lazy: Lazy) -> list[Part]:
    na, nb = a.term_count(), b.term_count()
    if not na or not nb:
        return []
    # walking one factor's terms touches, per term, the other's entries along the axes only the
    # other has: take the cheaper way round (zeros of a chunked weight are never walked)
    cost_b_slab = na * _free_size(b.shape, a.shape)
    cost_a_slab = nb * _free_size(a.shape, b.shape)
    slab, walk, ts, tw = (b, a, tb, ta) if cost_b_slab <= cost_a_slab else (a, b, ta, tb)
    dense = slab.dense()
    if dense is None:
        slab, walk, ts, tw = walk, slab, tw, ts
        dense = slab.dense()
    if dense is None:
        return [p for layer in _layers(slab) for p in _pair(layer, ts, walk, tw, lazy)]
    return _slab_product(dense, slab.shape, ts, walk, tw, lazy)


def _free_size(slab: tuple[int, ...], walk: tuple[int, ...]) -> int:
    """Entries of the slab one walked term meets: the axes where only the slab is long."""
    return math.prod(s for s, w in zip(slab, walk) if s > 1 and w == 1)


def _slab_product(dense: tuple[np.ndarray, np.ndarray | None], sshape: tuple[int, ...],
                  ts: Type, walk: FormArray, tw: Type, lazy: Lazy) -> list[Part]:
    space, ostr, r = walk.space, lazy.out_strides, len(lazy.full)
    wshape = walk.shape
    fixed = [i for i in range(r) if sshape[i] > 1 and wshape[i] > 1]
    free = [i for i in range(r) if sshape[i] > 1 and wshape[i] == 1]
    own = [i for i in range(r) if wshape[i] > 1]
    keys, scoef = dense
    order = fixed + free + [i for i in range(r) if sshape[i] == 1]
    n_fixed = math.prod(sshape[i] for i in fixed)
    n_free = math.prod(sshape[i] for i in free)
    smat = keys.transpose(order).reshape(n_fixed, n_free)
    cmat = None if scoef is None else scoef.transpose(order).reshape(n_fixed, n_free)
    free_contrib = np.zeros(n_free, dtype=np.int64)
    if free:
        grids = np.indices([sshape[i] for i in free], dtype=np.int64).reshape(len(free), -1)
        for g, i in zip(grids, free):
            free_contrib += g * ostr[i]
    pos, key, coef = walk.terms()
    coords = unravel(pos, wshape, own)
    own_contrib = np.zeros(pos.size, dtype=np.int64)
    for i in own:
        if ostr[i]:
            own_contrib += coords[i] * ostr[i]
    fixed_idx = np.zeros(pos.size, dtype=np.int64)
    for i, st in zip(fixed, strides(tuple(sshape[i] for i in fixed))):
        fixed_idx += coords[i] * int(st)
    if coef is not None and cmat is not None:
        check_coefficients(int(np.abs(coef).max()) * int(np.abs(cmat).max()), "product")
    rows = max(1, BLOCK // max(n_free, 1))
    out: list[Part] = []
    for start in range(0, pos.size, rows):
        sl = slice(start, start + rows)
        block = smat[fixed_idx[sl]]
        mask = block >= 0
        full = bool(mask.all())
        if not full and not mask.any():
            continue
        p = own_contrib[sl, None] + free_contrib[None, :]
        k = space.multiply(key[sl, None], tw, block, ts)
        p, k = (p.ravel(), k.ravel()) if full else (p[mask], k[mask])
        if coef is None and cmat is None:
            c = None
        else:
            cw = np.ones((block.shape[0], 1), np.int64) if coef is None else coef[sl, None]
            cs = 1 if cmat is None else cmat[fixed_idx[sl]]
            c = np.broadcast_to(cw * cs, block.shape)
            c = c.ravel() if full else c[mask]
        out.append((p, np.ascontiguousarray(k, dtype=np.int64), c))
    return out
