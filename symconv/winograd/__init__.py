"""Winograd minimal filtering: exact transforms, their proofs, and the tiled whole-image algorithm.

* :func:`winograd_transforms` - ``(AT, G, BT)`` of F(m, r) by Cook–Toom interpolation, exact
  ``Rational`` entries (correlation, the CNN convention); :func:`convolution_transforms` for true
  convolution.
"""

from __future__ import annotations

from .transforms import INFINITY, convolution_transforms, default_points, winograd_transforms

__all__ = ["INFINITY", "default_points", "winograd_transforms", "convolution_transforms"]
