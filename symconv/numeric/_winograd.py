"""The numeric Winograd path: tiled F(m, r) with the proved transforms, batched GEMMs between.

For a stride-1, dilation-1 layer of rank 1 or 2 with kernel taps ``r <= 5`` per axis:

1. the padded input is cut into overlapping tiles of ``α = m + r - 1`` per axis (step ``m``;
   zeros past the end so that every output lies in a tile), gathered by a strided view into one
   array ``(α^rank, C, N·tiles)``;
2. every tile is transformed at once, ``BT·d·B`` as one GEMM with the Kronecker product
   ``BT ⊗ BT`` (``(α², α²) @ (α², C·N·tiles)``), and every filter ``G·g·Gᵀ`` likewise;
3. ``α^rank`` batched GEMMs ``(α², F, C) @ (α², C, N·tiles)`` sum the channels in the
   transformed domain: the step where Winograd's fewer multiplications pay (F(4×4, 3×3):
   36 products for 16 outputs instead of 144);
4. ``AT ⊗ AT`` brings every tile back to ``m^rank`` outputs, which are stitched and cropped.

The matrices are :func:`symconv.winograd.winograd_transforms` (exact ``Rational`` entries,
proved by :func:`symconv.winograd.prove_winograd`), converted to floats once and cached.
Floats only: float32 stays float32 inside.  The transforms round, so the result is the
correlation up to a rounding error that grows with ``α`` (see ``benchmarks/winograd_error.py``).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import SpecError
from ..forms import pad
from ..spec import ConvSpec, PaddingMode

__all__ = ["check_spec", "tile_sizes", "winograd", "MAX_TAPS", "ALPHA"]

#: Largest kernel extent per axis the path accepts (the transforms' error grows with α).
MAX_TAPS = 5
#: Default tile extent α = m + r - 1: F(4, 3), F(2, 5), F(5, 2) all have α = 6.
ALPHA = 6


def check_spec(spec: ConvSpec) -> None:
    """Refuse the layers the Winograd path does not compute, with a one-line reason.

    >>> check_spec(ConvSpec((8, 8), (3, 3), stride=2))
    Traceback (most recent call last):
    ...
    symconv.errors.SpecError: stride: expected 1 on every axis for method='winograd', ...
    """
    if spec.rank not in (1, 2):
        raise SpecError(f"rank: expected a 1-D or 2-D layer for method='winograd', got rank "
                        f"{spec.rank}; use method='im2col' or 'auto'")
    if any(s != 1 for s in spec.stride):
        raise SpecError(f"stride: expected 1 on every axis for method='winograd', got "
                        f"{spec.stride}; F(m, r) computes m adjacent outputs, use "
                        "method='im2col' or 'auto'")
    if any(d != 1 for d in spec.dilation):
        raise SpecError(f"dilation: expected 1 on every axis for method='winograd', got "
                        f"{spec.dilation}; F(m, r) does not skip taps, use method='im2col'")
    if any(k > MAX_TAPS for k in spec.kernel_size):
        raise SpecError(f"kernel_size: expected at most {MAX_TAPS} taps per axis for "
                        f"method='winograd', got {spec.kernel_size}; larger tiles lose float "
                        "accuracy, use method='fft' or 'im2col'")


def tile_sizes(spec: ConvSpec, alpha: int = ALPHA) -> tuple[int, ...]:
    """Outputs ``m`` per tile and axis: ``α - r + 1``, never more than the output extent, and 1
    for a single tap (F(1, 1) is the plain product; a longer tile would only add rounding).

    >>> tile_sizes(ConvSpec((56, 56), (3, 3), padding=1)), tile_sizes(ConvSpec((4, 9), (3, 5)))
    ((4, 4), (2, 2))
    """
    return tuple(1 if r == 1 else max(1, min(alpha - r + 1, o))
                 for r, o in zip(spec.kernel_size, spec.output_size))


@functools.lru_cache(maxsize=64)
def _axis_matrices(m: int, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(AT, G, BT)`` of F(m, r) as float64 arrays, from the exact transforms (cached)."""
    from ..winograd import winograd_transforms

    return tuple(np.array(M.tolist(), dtype=np.float64) for M in winograd_transforms(m, r))


@functools.lru_cache(maxsize=64)
def _kron_matrices(tile: tuple[int, ...], taps: tuple[int, ...],
                   dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rank-``len(tile)`` transforms ``⊗ AT``, ``⊗ G``, ``⊗ BT`` (row-major flattening)."""
    per_axis = [_axis_matrices(m, r) for m, r in zip(tile, taps)]
    out = []
    for k in range(3):
        matrix = np.ones((1, 1))
        for mats in per_axis:
            matrix = np.kron(matrix, mats[k])
        matrix = matrix.astype(dtype)
        matrix.setflags(write=False)
        out.append(matrix)
    return tuple(out)


def _padded(x: np.ndarray, spec: ConvSpec, full: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The padded input, with zeros past the end up to ``full`` so the last tiles are whole."""
    if spec.padding_mode is PaddingMode.ZEROS:  # one copy: x placed inside the zeros
        start = tuple(left for left, _ in spec.pads)
        inner = x
    else:
        start, inner = (0,) * spec.rank, pad(x, spec)
    if tuple(inner.shape[2:]) == full:  # (then x needs no padding at all, or was padded)
        return np.ascontiguousarray(inner, dtype=dtype)
    grown = np.zeros((*x.shape[:2], *full), dtype=dtype)
    grown[(slice(None), slice(None), *(slice(b, b + s) for b, s in zip(start, inner.shape[2:])))
          ] = inner
    return grown


def _tiles(xp: np.ndarray, tile: tuple[int, ...], alphas: tuple[int, ...],
           count: tuple[int, ...]) -> np.ndarray:
    """``(α^rank, C, N·tiles)``: every tile of ``xp (N, C, *P)``, gathered by a strided view."""
    n, c = xp.shape[:2]
    sn, sc, *sp = xp.strides
    view = as_strided(xp, (*alphas, c, n, *count),
                      (*sp, sc, sn, *(s * t for s, t in zip(sp, tile))), writeable=False)
    return np.ascontiguousarray(view).reshape(math.prod(alphas), c, -1)


def winograd(x: np.ndarray, w: np.ndarray, spec: ConvSpec, dtype: np.dtype,
             tile: tuple[int, ...] | None = None) -> np.ndarray:
    """The layer ``spec`` by tiled Winograd with ``tile`` outputs per axis (default
    :func:`tile_sizes`), on float ``x (N, C, *in)`` and ``w (F, C/G, *k)``: ``(N, F, *out)``.

    >>> spec = ConvSpec((6,), (3,))
    >>> y = winograd(np.arange(6.0)[None, None], np.array([[[1.0, 0.0, -1.0]]]), spec, np.float64)
    >>> y.round(12) + 0.0  # F(4, 3) of y[i] = x[i] - x[i + 2]: exact up to rounding
    array([[[-2., -2., -2., -2.]]])
    """
    check_spec(spec)
    dtype = np.dtype(dtype)
    taps = spec.kernel_size
    tile = tile_sizes(spec) if tile is None else tuple(tile)
    alphas = tuple(m + r - 1 for m, r in zip(tile, taps))
    out = spec.output_size
    count = tuple(-(-o // m) for o, m in zip(out, tile))
    AT, G, BT = _kron_matrices(tile, taps, dtype.str)
    n, groups, cg, fg = spec.batch, spec.groups, spec.group_in_channels, spec.group_out_channels
    a2 = math.prod(alphas)
    full = tuple(k * m + r - 1 for k, m, r in zip(count, tile, taps))
    d = _tiles(_padded(x, spec, full, dtype), tile, alphas, count)  # (α², C, N·tiles)
    v = (BT @ d.reshape(a2, -1)).reshape(a2, groups, cg, -1)
    u = (G @ w.reshape(spec.out_channels * cg, -1).T.astype(dtype, copy=False))
    u = u.reshape(a2, groups, fg, cg)
    mm = np.matmul(u, v)  # (α², G, F/G, N·tiles): the channel sums, in the transformed domain
    y = (AT @ mm.reshape(a2, -1)).reshape(*tile, spec.out_channels, n, *count)
    rank = spec.rank
    # (*tile, F, N, *count) -> (N, F, count_0, tile_0, count_1, tile_1, ...)
    order = (rank + 1, rank, *(a for i in range(rank) for a in (rank + 2 + i, i)))
    result = np.empty((n, spec.out_channels, *(k for pair in zip(count, tile) for k in pair)),
                      dtype=dtype)
    result[...] = y.transpose(order)
    result = result.reshape(n, spec.out_channels, *(k * m for k, m in zip(count, tile)))
    if any(k * m != o for k, m, o in zip(count, tile, out)):
        result = np.ascontiguousarray(result[(slice(None), slice(None),
                                              *(slice(0, o) for o in out))])
    return result
