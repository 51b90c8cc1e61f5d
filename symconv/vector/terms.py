"""Flat term arrays: the storage of the vector carrier and the few algorithms on them.

A tensor of forms is a list of *terms* ``(position, key, coefficient)``: ``position`` is the flat
row-major index of an entry, ``key`` a monomial (:mod:`symconv.vector.space`), ``coefficient`` an
``int64`` (``None`` for a part whose coefficients are all 1).  An entry's form is the sum of its
terms; duplicates are allowed until :func:`canonical` merges them.

>>> pos, key, coef = canonical(np.array([2, 0, 2]), np.array([5, 7, 5]), None)
>>> pos.tolist(), key.tolist(), coef.tolist()
([0, 2], [7, 5], [1, 2])
"""

from __future__ import annotations

import numpy as np

from .space import MAX_KEY, UnsupportedError

__all__ = ["canonical", "strides", "unravel", "csr_gather", "check_coefficients"]


def strides(shape: tuple[int, ...]) -> np.ndarray:
    """Row-major element strides of ``shape`` (``int64``)."""
    out = np.ones(len(shape), dtype=np.int64)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * shape[i + 1]
    return out


def unravel(pos: np.ndarray, shape: tuple[int, ...], axes: list[int]) -> dict[int, np.ndarray]:
    """Coordinates on ``axes`` of flat positions in ``shape`` (only the axes asked for)."""
    out: dict[int, np.ndarray] = {}
    if not axes:
        return out
    rest = pos
    for i in range(len(shape) - 1, min(axes) - 1, -1):
        if i == min(axes):
            out[i] = rest if i == 0 else rest % shape[i]
            break
        if i in axes:
            out[i] = rest % shape[i]
        rest = rest // shape[i]
    return out


def remap(pos: np.ndarray, shape: tuple[int, ...], new_strides: list[int]) -> np.ndarray:
    """``sum_i coord_i(pos) * new_strides[i]``: positions in a reordered or reduced shape.

    Runs of consecutive axes whose new strides continue row-major are merged first, so a sum
    over the last axes costs one division.
    """
    groups: list[tuple[int, int]] = []  # (size, new stride) of merged axes
    for size, st in zip(shape, new_strides):
        if groups:
            psize, pst = groups[-1]
            if (pst == 0 and st == 0) or (st != 0 and pst == st * size):
                groups[-1] = (psize * size, st)
                continue
        groups.append((size, st))
    out = np.zeros(pos.shape, dtype=np.int64)
    rest = pos
    for k in range(len(groups) - 1, -1, -1):
        size, st = groups[k]
        if k == 0:
            coord = rest
        else:
            coord = rest % size
            rest = rest // size
        if st:
            out += coord * st
    return out


def check_coefficients(bound: int, what: str) -> None:
    """Refuse coefficients whose magnitude could reach int64's range."""
    if bound >= MAX_KEY:
        raise UnsupportedError(f"{what}: coefficients up to {bound} could overflow int64; "
                               "use the Polynomial carrier (backend='ring')")


def canonical(pos: np.ndarray, key: np.ndarray, coef: np.ndarray | None,
              key_count: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted by (position, key), duplicates merged, zero coefficients dropped."""
    pos = np.asarray(pos, dtype=np.int64)
    key = np.asarray(key, dtype=np.int64)
    if pos.size == 0:
        return pos, key, np.zeros(0, dtype=np.int64)
    if coef is not None:
        check_coefficients(int(np.abs(coef).max()) * pos.size, "sum")
    kc = int(key.max()) + 1 if key_count is None else key_count
    if (int(pos.max()) + 1) * kc < MAX_KEY:
        packed = pos * kc + key
        order = np.argsort(packed, kind="stable") if coef is not None else None
        packed = np.sort(packed) if order is None else packed[order]
        starts = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1])))
        uniq = packed[starts]
        p, k = uniq // kc, uniq % kc
    else:
        order = np.lexsort((key, pos))
        sp, sk = pos[order], key[order]
        starts = np.flatnonzero(np.concatenate(([True], (sp[1:] != sp[:-1])
                                                | (sk[1:] != sk[:-1]))))
        p, k = sp[starts], sk[starts]
    if coef is None:
        c = np.diff(np.append(starts, pos.size)).astype(np.int64)
    else:
        c = np.add.reduceat(coef[order], starts)
        keep = c != 0
        p, k, c = p[keep], k[keep], c[keep]
    return p, k, c


def csr_gather(pos: np.ndarray, key: np.ndarray, coef: np.ndarray | None, size: int,
               src: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Terms of a tensor whose entry ``r`` is the source entry ``src[r]`` (``-1``: zero)."""
    order = np.argsort(pos, kind="stable")
    counts = np.bincount(pos, minlength=size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    s = np.asarray(src, dtype=np.int64).ravel()
    valid = s >= 0
    safe = np.where(valid, s, 0)
    c = np.where(valid, counts[safe], 0)
    total = int(c.sum())
    out_pos = np.repeat(np.arange(s.size, dtype=np.int64), c)
    begin = np.repeat(starts[safe] - (np.cumsum(c) - c), c)
    idx = order[begin + np.arange(total, dtype=np.int64)]
    return out_pos, key[idx], None if coef is None else coef[idx]
