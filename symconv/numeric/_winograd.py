"""The numeric Winograd path: tiled F(m, r) with the proved transforms, batched GEMMs between.

For a stride-1, dilation-1 layer of rank 1 or 2 with kernel taps ``r <= 5`` per axis, tiles of
``α = m + r - 1`` inputs per axis (step ``m``, zeros past the end so that every output lies in
a tile; ``m`` from :func:`tile_sizes`) are processed in blocks of about :data:`BLOCK_TILES`
tiles, so that one block's arrays stay in cache from gather to stitch:

1. the block's tiles are gathered from a strided view of the padded input, ``(α^rank, C, tiles)``;
2. ``BT·d·B`` for all of them at once, one GEMM per axis (the separable form of ``BT ⊗ BT``);
3. ``α^rank`` batched GEMMs ``(α², F, C) @ (α², C, tiles)`` with the filters ``G·g·Gᵀ``
   (transformed once per call, one GEMM with ``G ⊗ G``) sum the channels in the transformed
   domain: the step where Winograd's fewer multiplications pay (F(4×4, 3×3): 36 products for
   16 outputs instead of 144);
4. ``AT`` per axis brings every tile back to ``m^rank`` outputs, stitched into place; the
   border is cropped at the end.

The matrices are :func:`symconv.winograd.winograd_transforms` (exact ``Rational`` entries,
proved by :func:`symconv.winograd.prove_winograd`), converted to floats once and cached.
Floats only: float32 stays float32 inside.  The transforms round, so the result is the
correlation up to a rounding error that grows with ``α`` (``benchmarks/winograd_error.py``).
"""

from __future__ import annotations

import concurrent.futures
import functools
import itertools
import math
import threading

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


#: Tile cost model ``α^rank · (FILTER_COST + tiles · (1 + TRANSFORM_COST / channels))``: the
#: filter transform costs like ``FILTER_COST`` tiles of products, and the tile transforms add
#: ``TRANSFORM_COST / channels`` per tile.  Fitted to one-thread CPU times (ms) of F(2x2, 3x3),
#: F(3x3, 3x3), F(4x4, 3x3): 7x7x512 batch 1 5.5, 8.0, 10.8; batch 8 17.4, 18.7, 17.6;
#: 14x14x256 batch 8 13.0, 11.8, 12.2; 28x28x128 batch 1 1.8, 1.6, 1.3.
FILTER_COST, TRANSFORM_COST = 60, 56


def tile_sizes(spec: ConvSpec, alpha: int = ALPHA) -> tuple[int, ...]:
    """Outputs ``m`` per tile and axis, ``2 <= m <= α - r + 1`` (at most the output extent), by
    the cost model above: big tiles for many tiles, small ones when the filters dominate; 1 for
    a single tap (F(1, 1) is the plain product; a longer tile would only add rounding).

    >>> tile_sizes(ConvSpec((56, 56), (3, 3), padding=1)), tile_sizes(ConvSpec((4, 9), (3, 5)))
    ((4, 4), (2, 2))
    >>> tile_sizes(ConvSpec((7, 7), (3, 3), in_channels=512, out_channels=512, padding=1))
    (2, 2)
    """
    choices = [[1] if r == 1 else list(range(min(2, o), max(min(alpha - r + 1, o), 1) + 1))
               for r, o in zip(spec.kernel_size, spec.output_size)]
    channels = min(spec.group_in_channels, spec.group_out_channels)

    def cost(tile: tuple[int, ...]) -> float:
        tiles = spec.batch * math.prod(-(-o // m) for o, m in zip(spec.output_size, tile))
        points = math.prod(m + r - 1 for m, r in zip(tile, spec.kernel_size))
        return points * (FILTER_COST + tiles * (1 + TRANSFORM_COST / channels))

    return min(itertools.product(*choices), key=lambda t: (cost(t), [-m for m in t]))


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
    """The padded input, with zeros past the end up to ``full`` so the last tiles are whole
    (in a scratch array: only the border is zeroed, ``x`` is copied once into the middle)."""
    if spec.padding_mode is PaddingMode.ZEROS:  # one copy: x placed inside the zeros
        start = tuple(left for left, _ in spec.pads)
        inner = x
    else:
        start, inner = (0,) * spec.rank, pad(x, spec)
    if tuple(inner.shape[2:]) == full:  # (then x needs no padding at all, or was padded)
        return np.ascontiguousarray(inner, dtype=dtype)
    grown = _buffer(4, (*x.shape[:2], *full), dtype)
    lead = (slice(None), slice(None))
    for axis, (b, s) in enumerate(zip(start, inner.shape[2:])):
        before = (slice(None),) * axis
        grown[(*lead, *before, slice(0, b))] = 0
        grown[(*lead, *before, slice(b + s, None))] = 0
    grown[(*lead, *(slice(b, b + s) for b, s in zip(start, inner.shape[2:])))] = inner
    return grown


#: Scratch arrays up to this many elements are kept between calls (per thread, six slots: at
#: most 6 x 64 MB in float32; ResNet-50's layers keep under 100 MB): reusing them spares the page
#: faults of fresh allocations, which tripled the time of a 56x56x64 layer.
KEEP_ELEMENTS = 1 << 24
_scratch = threading.local()


def _buffer(slot: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A scratch array of ``shape`` from this thread's slot ``slot`` (reused, never zeroed)."""
    size = math.prod(shape)
    buffers = _scratch.__dict__.setdefault("buffers", {})
    flat = buffers.get(slot)
    if flat is None or flat.dtype != dtype or flat.size < size:
        flat = np.empty(size, dtype=dtype)
        if size <= KEEP_ELEMENTS:
            buffers[slot] = flat
    return flat[:size].reshape(shape)


def _along_axes(mats: list[np.ndarray], a: np.ndarray, sizes: tuple[int, ...],
                slots: tuple[int, int]) -> np.ndarray:
    """Apply ``mats[i]`` to axis ``i`` of ``a`` viewed as ``(*sizes, rest)``: one batched GEMM
    per axis (the separable form of the Kronecker product), into the two scratch ``slots``."""
    shape = list(sizes)
    for i, matrix in enumerate(mats):
        lead = math.prod(shape[:i])
        rest = a.size // (lead * shape[i])
        out = _buffer(slots[i % 2], (lead, matrix.shape[0], rest), a.dtype)
        np.matmul(matrix, a.reshape(lead, shape[i], rest), out=out)
        shape[i], a = matrix.shape[0], out
    return a.reshape(math.prod(shape), -1)


#: Tiles per block: a block's gathered tiles, transforms and products stay in cache together.
BLOCK_TILES = 256
#: Threads that run blocks side by side (numpy releases the GIL in copies and GEMMs).  1: on two
#: cores with two BLAS threads, 2 workers measured no faster (28x28x128 batch 8: 9.25 vs 9.23
#: ms; 7x7x512 batch 8: 12.2 vs 13.1), the BLAS threads already filling both cores.
WORKERS = 1


@functools.lru_cache(maxsize=1)
def _pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="symconv-winograd")


def _blocks(n: int, count: tuple[int, ...]) -> list[tuple[slice, slice]]:
    """(images, first-axis tile rows) of each block: whole images when they are small."""
    per_image, per_row = math.prod(count), math.prod(count[1:])
    if per_image >= BLOCK_TILES:
        rows = max(1, BLOCK_TILES // per_row)
        return [(slice(b, b + 1), slice(t, min(t + rows, count[0])))
                for b in range(n) for t in range(0, count[0], rows)]
    images = max(1, BLOCK_TILES // per_image)
    return [(slice(b, min(b + images, n)), slice(None)) for b in range(0, n, images)]


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
    rank, taps = spec.rank, spec.kernel_size
    tile = tile_sizes(spec) if tile is None else tuple(tile)
    alphas = tuple(m + r - 1 for m, r in zip(tile, taps))
    out = spec.output_size
    count = tuple(-(-o // m) for o, m in zip(out, tile))
    G = _kron_matrices(tile, taps, dtype.str)[1]
    per_axis = [tuple(M.astype(dtype) for M in _axis_matrices(m, r)) for m, r in zip(tile, taps)]
    n, c, f = spec.batch, spec.in_channels, spec.out_channels
    groups, cg, fg = spec.groups, spec.group_in_channels, spec.group_out_channels
    a2 = math.prod(alphas)
    full = tuple(k * m + r - 1 for k, m, r in zip(count, tile, taps))
    xp = _padded(x, spec, full, dtype)
    u = _buffer(5, (a2, f * cg), dtype)
    np.matmul(G, w.reshape(f * cg, -1).T.astype(dtype, copy=False), out=u)
    u = u.reshape(a2, groups, fg, cg)
    sn, sc, *sp = xp.strides
    # (N, rows, *α, C, *count[1:]): tile (b, t0, ..) starts at (t0·m0, t1·m1, ..)
    view = as_strided(xp, (n, count[0], *alphas, c, *count[1:]),
                      (sn, sp[0] * tile[0], *sp, sc, *(s * t for s, t in zip(sp[1:], tile[1:]))),
                      writeable=False)
    result = np.empty((n, f, *(k for pair in zip(count, tile) for k in pair)), dtype=dtype)
    # (*tile, F, images, rows, *count[1:]) -> (images, F, rows, tile_0, count_1, tile_1, ...)
    order = (rank + 1, rank, *(a for i in range(rank) for a in (rank + 2 + i, i)))
    def run(block_index: tuple[slice, slice]) -> None:
        images, rows = block_index
        block = np.moveaxis(view[images, rows], (0, 1), (rank + 1, rank + 2))
        d = _buffer(0, block.shape, dtype)
        np.copyto(d, block)  # (*α, C, images, rows, *count[1:]): the block's tiles
        v = _along_axes([m[2] for m in per_axis], d.reshape(a2, -1), alphas, (1, 2))
        mm = _buffer(3, (a2, groups, fg, v.shape[1] // c), dtype)
        np.matmul(u, v.reshape(a2, groups, cg, -1), out=mm)  # the channel sums, transformed
        y = _along_axes([m[0] for m in per_axis], mm.reshape(a2, -1), alphas, (1, 2))
        y = y.reshape(*tile, f, *block.shape[rank + 1:])
        result[images, :, rows] = y.transpose(order)

    blocks = _blocks(n, count)
    if WORKERS > 1 and len(blocks) > 1:
        list(_pool().map(run, blocks))
    else:
        for block_index in blocks:
            run(block_index)
    result = result.reshape(n, f, *(k * m for k, m in zip(count, tile)))
    if any(k * m != o for k, m, o in zip(count, tile, out)):
        result = np.ascontiguousarray(result[(slice(None), slice(None),
                                              *(slice(0, o) for o in out))])
    return result
