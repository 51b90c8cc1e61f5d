"""Exact equality of two FormArrays: canonical term arrays compared, or a counterexample.

Two tensors of forms are equal exactly when, at every position, every monomial has the same
coefficient.  When every coefficient is 1 on both sides (what symbolic runs of convolution code
give) a form is the multiset of its (position, monomial) pairs, so the sorted packed keys
``position * key_count + key`` of the two sides are equal exactly when the forms are; otherwise
the difference ``left - right`` is brought to canonical form (sorted, merged, zeros dropped) and
is empty exactly when they are equal.  A difference is reported like the Polynomial engine's:
the first differing position, the products on one side only, and integers at which the two
sides differ (re-checked by evaluation).

>>> from symconv.vector.space import Space
>>> from symconv.vector.array import space_tensor
>>> space = Space({"x": (3,), "w": (2,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> bool(prove_forms(x[:2] * w, w * x[:2]))
True
>>> print(prove_forms(x[:2] * w, w * x[1:]).counterexample)
2 of 2 positions differ; first at [0]
  left only:  w_{0}·x_{0}
  right only: w_{0}·x_{1}
  at w_{0}=1, x_{0}=1 (all other variables 0): left = 1, right = 0
  also differ: [1]
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..engine import SHOWN_POSITIONS, Counterexample, Proof, _plain, _witness
from ..errors import SymconvError
from ..ring import Polynomial
from .array import FormArray
from .space import MAX_KEY
from .terms import canonical

__all__ = ["Difference", "SortedKeys", "difference", "equal", "form_at", "packed",
           "prove_forms"]

METHOD = "canonical term arrays of bilinear forms (exact, vectorised)"


@dataclass(frozen=True)
class Difference:
    """Where ``left - right`` is nonzero: sorted positions, and the counterexample at the first."""

    positions: np.ndarray
    counterexample: Counterexample


def packed(f: FormArray) -> np.ndarray | None:
    """The packed keys ``position * key_count + key`` of every term, in storage order, when
    every coefficient is 1 and packing fits int64; else None."""
    parts = f.parts()
    if any(c is not None for _, _, c in parts):
        return None
    kc = f.space.key_count
    if max(f.size, 1) * kc >= MAX_KEY:
        return None
    out = np.empty(sum(p.size for p, _, _ in parts), dtype=np.int64)
    start = 0
    for p, k, _ in parts:  # written in place part by part
        piece = out[start:start + p.size]
        np.multiply(p, kc, out=piece)
        piece += k
        start += p.size
    return out


class SortedKeys:
    """The packed keys of one side, in storage order, and sorted once if a comparison needs it.

    Two sides whose terms come in the same order are equal without sorting (equal sequences are
    equal multisets); otherwise their sorted copies are compared.
    """

    def __init__(self, f: FormArray) -> None:
        self.raw = packed(f)
        self._sorted: np.ndarray | None = None
        sizes = [p.size for p, _, _ in f.parts() if p.size]
        #: where each stored part begins and ends in :attr:`raw`
        self.bounds = np.cumsum([0, *sizes])

    def _blocks(self) -> np.ndarray:
        """The parts in a canonical order (by first key, last key, length), concatenated."""
        assert self.raw is not None
        starts, ends = self.bounds[:-1], self.bounds[1:]
        order = np.lexsort((ends - starts, self.raw[ends - 1], self.raw[starts]))
        return np.concatenate([self.raw[starts[i]:ends[i]] for i in order])

    def sorted(self) -> np.ndarray:
        if self._sorted is None:
            assert self.raw is not None
            self._sorted = np.sort(self.raw)
        return self._sorted

    def same(self, other: SortedKeys) -> bool | None:
        """Whether the forms are equal; None when either side is not all unit coefficients."""
        if self.raw is None or other.raw is None:
            return None
        if self.raw.size != other.raw.size:
            return False
        if np.array_equal(self.raw, other.raw):
            return True
        if (self._sorted is None and other._sorted is None and len(self.bounds) == len(
                other.bounds) and 1 < len(self.bounds) <= 1 << 16
                and np.array_equal(self._blocks(), other._blocks())):
            return True  # the same parts in another order: a permutation of equal terms
        return bool(np.array_equal(self.sorted(), other.sorted()))


def equal(left: FormArray, right: FormArray) -> bool:
    """Whether the two tensors of forms are equal (shapes and every entry)."""
    if left.shape != right.shape or left.space is not right.space:
        return False
    same = SortedKeys(left).same(SortedKeys(right))
    if same is not None:
        return same
    return difference_terms(left, right)[0].size == 0


def difference_terms(left: FormArray, right: FormArray) -> tuple[np.ndarray, ...]:
    """Canonical terms of ``left - right``."""
    lp, lk, lc = left.terms()
    rp, rk, rc = right.terms()
    lc = np.ones(lp.size, np.int64) if lc is None else lc
    rc = np.ones(rp.size, np.int64) if rc is None else rc
    return canonical(np.concatenate([lp, rp]), np.concatenate([lk, rk]),
                     np.concatenate([lc, -rc]), left.space.key_count)


def form_at(f: FormArray, position: int) -> dict[tuple[str, ...], int]:
    """The form at one flat position: monomial (variable names) -> nonzero coefficient."""
    pos, key, coef = f.terms()
    m = pos == position
    p, k, c = canonical(pos[m], key[m], None if coef is None else coef[m], f.space.key_count)
    return {f.space.monomial(int(kk)): int(cc) for kk, cc in zip(k, c)}


def difference(left: FormArray, right: FormArray, offset: tuple[int, ...] | None = None
               ) -> Difference | None:
    """None when equal; else the differing positions and a checked counterexample."""
    if left.shape != right.shape:
        return Difference(np.zeros(0, np.int64), Counterexample(left.shape, right.shape))
    dpos, _, _ = difference_terms(left, right)
    if not dpos.size:
        return None
    positions = np.unique(dpos)
    first = int(positions[0])
    a, b = form_at(left, first), form_at(right, first)
    diffs = tuple(sorted(((m, a.get(m, 0), b.get(m, 0)) for m in set(a) | set(b)
                          if a.get(m, 0) != b.get(m, 0)), key=lambda t: t[0]))
    pa, pb = Polynomial(a), Polynomial(b)
    values, lv, rv = _witness(pa - pb, pa, pb)
    shown = tuple(tuple(int(i) for i in np.unravel_index(int(p), left.shape))
                  for p in positions[:SHOWN_POSITIONS])
    cex = Counterexample(left.shape, right.shape, int(positions.size), shown, diffs, values,
                         _plain(lv), _plain(rv))
    return Difference(positions, cex)


def prove_forms(left: FormArray, right: FormArray, statement: str = "") -> Proof:
    """:func:`symconv.engine.prove_equal` for two FormArrays of one Space."""
    if left.space is not right.space:
        raise SymconvError("left, right: FormArrays of different Spaces cannot be compared; "
                           "build both sides from the variables of one Space")
    start = time.perf_counter()
    products = left.term_count()
    steps = [f"left side: {left.size} entries, {products} products as term arrays",
             f"right side: {right.size} entries, {right.term_count()} products as term arrays"]
    if equal(left, right):
        steps.append(f"all {left.size} positions have identical canonical term arrays")
        return Proof(statement, True, METHOD, left.size, products, time.perf_counter() - start,
                     tuple(steps))
    diff = difference(left, right)
    assert diff is not None, "internal error: unequal sorted keys but an empty difference"
    if left.shape != right.shape:
        steps.append(f"shapes differ: {left.shape} vs {right.shape}")
    else:
        steps.append(f"{diff.counterexample.differing} of {left.size} positions differ")
    return Proof(statement, False, METHOD, left.size, products, time.perf_counter() - start,
                 tuple(steps), diff.counterexample)
