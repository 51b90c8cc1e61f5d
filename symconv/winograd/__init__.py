"""Winograd minimal filtering: exact transforms, their proofs, and the tiled whole-image algorithm.

* :func:`winograd_transforms` - ``(AT, G, BT)`` of F(m, r) by Cook–Toom interpolation, exact
  ``Rational`` entries (correlation, the CNN convention); :func:`convolution_transforms` for true
  convolution.
* :func:`prove_winograd` - an exact proof (a :class:`WinogradProof`, which is a
  :class:`~symconv.engine.Proof` with multiplication counts) that F(m, r) or F(m×n, r×s)
  computes the correlation of a tile, or the counterexample for wrong transforms.
* :func:`winograd_conv` - the tiled algorithm on a whole layer (numbers or exact carriers), and
  :data:`WINOGRAD_THEOREM` (``winograd-equals-correlation``) for :func:`symconv.prove`.
"""

from __future__ import annotations

from .proof import WinogradProof, prove_winograd
from .tiled import WINOGRAD_THEOREM, check_winograd_spec, winograd_conv, winograd_theorem
from .transforms import INFINITY, convolution_transforms, default_points, winograd_transforms

__all__ = ["INFINITY", "default_points", "winograd_transforms", "convolution_transforms",
           "WinogradProof", "prove_winograd", "winograd_conv", "winograd_theorem",
           "WINOGRAD_THEOREM", "check_winograd_spec"]
