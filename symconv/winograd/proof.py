"""Exact proofs of Winograd's F(m, r) and F(m×n, r×s): the transforms against the definition.

:func:`prove_winograd` runs the nested transform ``AT[(G g Gᵀ) ⊙ (BT d B)]A`` (one triple per
axis) on a tile ``d`` and filter ``g`` of symbolic variables, carried by the exact sparse
polynomial ring (:class:`~symconv.ring.Polynomial`, ``Fraction`` coefficients), and compares it
with :func:`symconv.forms.correlate` of the same tile by the identity engine.  Wrong transforms
are DISPROVED with the engine's counterexample.

>>> proof = prove_winograd(2, 3, rank=2)
>>> print(proof.statement)
F(2×2, 3×3): AT[(G g Gᵀ) ⊙ (BT d B)]A = correlation of a 4×4 tile with a 3×3 filter
>>> bool(proof), proof.multiplications, proof.direct_multiplications
(True, 16, 36)
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from ..engine import Proof, prove_equal
from ..errors import SymconvError
from ..forms import correlate
from ..spec import ConvSpec
from ..tensors import symbolic_tensor
from .transforms import Transforms, winograd_transforms

__all__ = ["WinogradProof", "prove_winograd", "axis_transforms", "exact_array"]


@dataclass(frozen=True)
class WinogradProof(Proof):
    """A :class:`~symconv.engine.Proof` of F(m, r) that also counts the multiplications."""

    #: outputs per tile on each axis (m, n)
    tile: tuple[int, ...] = ()
    #: filter taps on each axis (r, s)
    taps: tuple[int, ...] = ()
    #: element-wise products of the transformed domain: Π α per axis ((m + r − 1)^rank)
    multiplications: int = 0
    #: products of the direct algorithm for the same outputs: Π m·r per axis ((m·r)^rank)
    direct_multiplications: int = 0
    #: the ``(AT, G, BT)`` triple of each axis, as proved
    transforms: tuple[Transforms, ...] = ()

    @property
    def saving(self) -> Fraction:
        """``direct_multiplications / multiplications`` (2.25 for F(2×2, 3×3))."""
        return Fraction(self.direct_multiplications, max(self.multiplications, 1))


def exact_array(matrix: Any, field: str) -> np.ndarray:
    """``matrix`` as a 2-D object array of exact ``Fraction`` entries; floats are refused.

    >>> exact_array(sympy.Matrix([[1, sympy.Rational(1, 2)]]), "G")
    array([[Fraction(1, 1), Fraction(1, 2)]], dtype=object)
    """
    try:
        entries = sympy.Matrix(matrix)
    except (TypeError, ValueError, sympy.SympifyError):
        raise SymconvError(f"{field}: expected a matrix of exact rationals, got "
                           f"{type(matrix).__name__}; build it with winograd_transforms or "
                           "sympy.Matrix") from None
    for (i, j), e in np.ndenumerate(np.array(entries.tolist(), dtype=object)):
        if not isinstance(e, sympy.Rational):
            raise SymconvError(f"{field}: expected exact rational entries, got {e} at [{i}, "
                               f"{j}]; use sympy.Rational or fractions.Fraction, not floats")
    return np.array([[Fraction(int(e.p), int(e.q)) for e in row] for row in entries.tolist()],
                    dtype=object).reshape(entries.shape)


def _checked(triple: Any, m: int, r: int, axis: int) -> Transforms:
    """A user's ``(AT, G, BT)`` for one axis, shapes checked against F(m, r)."""
    name = "transforms" if axis < 0 else f"transforms[{axis}]"
    if not isinstance(triple, Sequence) or len(triple) != 3:
        raise SymconvError(f"{name}: expected a triple (AT, G, BT), got {type(triple).__name__};"
                           " pass winograd_transforms(m, r) or your own three matrices")
    AT, G, BT = (sympy.Matrix(exact_array(M, f"{name}.{label}").tolist())
                 for M, label in zip(triple, ("AT", "G", "BT")))
    a = G.rows
    want = {"AT": (m, a), "G": (a, r), "BT": (a, m + r - 1)}
    for label, M in (("AT", AT), ("G", G), ("BT", BT)):
        if M.shape != want[label]:
            raise SymconvError(f"{name}.{label}: expected shape {want[label]} for F({m}, {r}) "
                               f"with {a} products, got {M.shape}; AT is m×α, G α×r, BT α×(m+r−1)")
    return AT, G, BT


def axis_transforms(tile: Sequence[int], taps: Sequence[int], points: Any = None,
                    transforms: Any = None) -> tuple[Transforms, ...]:
    """One ``(AT, G, BT)`` per axis: generated from ``points`` or the user's ``transforms``.

    ``points`` / ``transforms`` may be given once (used on every axis) or one per axis.

    >>> [M.shape for M in axis_transforms((2, 4), (3, 3))[1]]
    [(4, 6), (6, 3), (6, 6)]
    """
    rank = len(tile)
    if transforms is not None:
        per_axis = (len(transforms) == rank and rank > 1 and all(
            isinstance(t, Sequence) and len(t) == 3 for t in transforms))
        triples = list(transforms) if per_axis else [transforms] * rank
        return tuple(_checked(t, m, r, i if per_axis else -1)
                     for i, (t, m, r) in enumerate(zip(triples, tile, taps)))
    nested = (points is not None and rank > 1 and len(points) == rank
              and all(isinstance(p, Sequence) and not isinstance(p, str) for p in points))
    chosen = list(points) if nested else [points] * rank
    return tuple(winograd_transforms(m, r, p) for m, r, p in zip(tile, taps, chosen))


def _along(matrix: np.ndarray, array: np.ndarray, axis: int) -> np.ndarray:
    """``matrix`` applied to ``array`` along ``axis`` (a mode-``axis`` product)."""
    moved = np.moveaxis(array, axis, -1)
    return np.moveaxis(moved @ matrix.T, -1, axis)


def nested_transform(d: np.ndarray, g: np.ndarray,
                     triples: Sequence[Transforms]) -> np.ndarray:
    """``AT[(G g Gᵀ) ⊙ (BT d B)]A`` on any rank (one triple per axis of ``d`` and ``g``)."""
    U, V = g, d
    for axis, (_, G, BT) in enumerate(triples):
        U = _along(exact_array(G, "G"), U, axis)
        V = _along(exact_array(BT, "BT"), V, axis)
    M = U * V  # the only products of data: one per point of the transformed tile
    for axis, (AT, _, _) in enumerate(triples):
        M = _along(exact_array(AT, "AT"), M, axis)
    return M


def _positive(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SymconvError(f"{field}: expected an integer >= 1, got {value!r}; e.g. {field}=2")
    return int(value)


def prove_winograd(m: int, r: int, rank: int = 1, points: Any = None, transforms: Any = None,
                   n: int | None = None, s: int | None = None) -> WinogradProof:
    """Prove exactly that Winograd's F(m, r) (rank 2: F(m×n, r×s)) computes the correlation.

    The tile ``d`` (``m + r − 1`` per axis) and filter ``g`` are symbolic; both sides are
    exact polynomials and the identity engine compares them, so the result is a proof, or a
    counterexample when the transforms are wrong.  ``points``/``transforms`` as in
    :func:`winograd_transforms` (once, or one per axis for rank 2); ``n``/``s`` default to
    ``m``/``r``.  The result reports ``multiplications`` and ``direct_multiplications``.

    >>> p = prove_winograd(4, 3)
    >>> bool(p), p.multiplications, p.direct_multiplications, p.saving
    (True, 6, 12, Fraction(2, 1))
    >>> AT, G, BT = winograd_transforms(2, 3)
    >>> G[1, 1] = 2  # a tampered G
    >>> bad = prove_winograd(2, 3, transforms=(AT, G, BT))
    >>> bool(bad), bad.counterexample.position
    (False, (0,))
    """
    m, r = _positive("m", m), _positive("r", r)
    if rank not in (1, 2, 3) or isinstance(rank, bool):
        raise SymconvError(f"rank: expected 1, 2 or 3, got {rank!r}; use rank=2 for F(m×n, r×s)")
    if rank == 1 and (n is not None or s is not None):
        raise SymconvError("n: n and s are the second axis of F(m×n, r×s); pass rank=2 with them")
    tile = (m, *(_positive("n", m if n is None else n),) * (rank - 1))
    taps = (r, *(_positive("s", r if s is None else s),) * (rank - 1))
    start = time.perf_counter()
    triples = axis_transforms(tile, taps, points, transforms)
    alphas = tuple(G.rows for _, G, _ in triples)
    size = tuple(a + b - 1 for a, b in zip(tile, taps))
    d = symbolic_tensor(size, "d", "ring")
    g = symbolic_tensor(taps, "g", "ring")
    left = nested_transform(d, g, triples)
    right = correlate(d[None, None], g[None, None], ConvSpec(size, taps))[0, 0]
    cross = "×".join
    name = f"F({cross(map(str, tile))}, {cross(map(str, taps))})"
    formula = ("AT[(G g) ⊙ (BT d)]" if rank == 1 else "AT[(G g Gᵀ) ⊙ (BT d B)]A" if rank == 2
               else "the nested transforms on every axis")
    tile_text, taps_text = ((f"{size[0]}-point", f"{taps[0]}-tap") if rank == 1 else
                            (cross(map(str, size)), cross(map(str, taps))))
    statement = f"{name}: {formula} = correlation of a {tile_text} tile with a {taps_text} filter"
    proof = prove_equal(left, right, statement)
    mults, direct = math.prod(alphas), math.prod(a * b for a, b in zip(tile, taps))
    steps = (*(f"axis {i}: AT {AT.shape[0]}×{AT.shape[1]}, G {G.shape[0]}×{G.shape[1]}, "
               f"BT {BT.shape[0]}×{BT.shape[1]} (exact rationals)"
               for i, (AT, G, BT) in enumerate(triples)),
             f"symbolic tile d ({cross(map(str, size))}) and filter g ({cross(map(str, taps))}) "
             "on the exact polynomial ring", *proof.steps,
             f"multiplications: {mults} in the transformed domain vs {direct} direct "
             f"({float(Fraction(direct, mults)):.2f}× fewer)")
    base = {f.name: getattr(proof, f.name) for f in fields(Proof)}
    base.update(steps=steps, elapsed=time.perf_counter() - start)
    return WinogradProof(**base, tile=tile, taps=taps, multiplications=mults,
                         direct_multiplications=direct, transforms=triples)
