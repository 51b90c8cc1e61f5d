"""The tiled whole-image Winograd algorithm, written once for numbers and exact carriers.

:func:`winograd_conv` cuts the (padded) input into overlapping tiles of ``m + r − 1`` per axis
(step ``m``; the border tiles are zero-padded past the end), transforms every tile with ``BT``
and every filter with ``G``, sums over input channels in the transformed domain (one batched
matrix multiply per transformed point: ``(F, C) @ (C, tiles)``), transforms back with ``AT``
and stitches the ``m``-output tiles together.  The same code runs on floats, on integers (exact
``Fraction`` transforms, integer result) and on object arrays of symbols or
:class:`~symconv.ring.Polynomial`, so :data:`WINOGRAD_THEOREM` is proved by symbolic execution.

F(m, r) computes ``m`` adjacent outputs of a dense filter, so a stride or a dilation is reduced
to it: the dilated kernel is spread out with zeros between its taps, and a stride ``s`` is split
into ``s`` polyphase parts per axis (inputs and taps of one residue mod ``s``), each a stride-1
correlation; ``polyphase=False`` refuses such layers instead, with the reason.

>>> import numpy as np
>>> from symconv import ConvSpec, correlate
>>> spec = ConvSpec((7, 6), (3, 3), in_channels=2, out_channels=3, padding=1)
>>> rng = np.random.default_rng(0)
>>> x, w = rng.integers(-5, 6, spec.input_shape), rng.integers(-5, 6, spec.weight_shape)
>>> bool((winograd_conv(x, w, spec, m=4) == correlate(x, w, spec)).all())
True
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import SpecError, SymconvError
from ..forms import check_operands, correlate, pad
from ..spec import ConvSpec
from ..theorem import Theorem
from .proof import axis_transforms, exact_array

__all__ = ["winograd_conv", "winograd_theorem", "WINOGRAD_THEOREM", "check_winograd_spec"]


def check_winograd_spec(spec: ConvSpec) -> None:
    """Refuse the layers the tiled algorithm does not compute (stride or dilation above 1).

    >>> check_winograd_spec(ConvSpec((8,), (3,), stride=2))
    Traceback (most recent call last):
    ...
    symconv.errors.SpecError: stride: expected 1 on every axis for Winograd, got (2,); ...
    """
    if any(s != 1 for s in spec.stride):
        raise SpecError(f"stride: expected 1 on every axis for Winograd, got {spec.stride}; "
                        "F(m, r) computes m adjacent outputs, so use method='im2col' or "
                        "split the layer into stride-1 polyphase parts")
    if any(d != 1 for d in spec.dilation):
        raise SpecError(f"dilation: expected 1 on every axis for Winograd, got {spec.dilation};"
                        " F(m, r) does not skip taps, so use method='im2col'")


def _tiles_per_axis(m: Any, rank: int) -> tuple[int, ...]:
    tile = (m,) * rank if isinstance(m, (int, np.integer)) and not isinstance(m, bool) else m
    if (not isinstance(tile, tuple) or len(tile) != rank
            or not all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) and t >= 1
                       for t in tile)):
        raise SymconvError(f"m: expected an integer >= 1 or one per axis ({rank}), got {m!r}; "
                           "e.g. m=2 (F(2, 3)) or m=4")
    return tuple(int(t) for t in tile)


def _kind(x: np.ndarray, w: np.ndarray) -> str:
    """'float' (float transforms), 'int' (exact, back to integers) or 'object' (exact)."""
    kinds = {x.dtype.kind, w.dtype.kind}
    if kinds <= set("biu"):
        return "int"
    if "O" in kinds:
        return "object"
    if kinds <= set("biuf"):
        return "float"
    raise SymconvError(f"x: expected real numbers, integers or symbols, got dtypes {x.dtype} "
                       f"and {w.dtype}; split complex data into real and imaginary parts")


def _along(matrix: np.ndarray, array: np.ndarray, axis: int) -> np.ndarray:
    moved = np.moveaxis(array, axis, -1)
    return np.moveaxis(moved @ matrix.T, -1, axis)


def winograd_conv(x: np.ndarray, w: np.ndarray, spec: ConvSpec, m: int | tuple[int, ...] = 2,
                  points: Any = None, transforms: Any = None,
                  polyphase: bool = True) -> np.ndarray:
    """The layer ``spec`` (correlation) by tiled Winograd F(m, r), any rank.

    ``m`` outputs per tile (an int or one per axis), ``r`` = the kernel size; ``points`` /
    ``transforms`` as in :func:`~symconv.winograd.prove_winograd`.  Any input size (the last
    tiles are zero-padded and cropped), any padding and padding mode, channels and groups.
    Floats run with float transforms (rounding); integers and symbols run exactly.

    Stride ``s`` and dilation ``d`` (``polyphase=True``): the kernel is spread to its dilated
    extent (zeros between the taps), then split into ``s`` phases per axis, ``w_ρ[q] =
    w[s·q + ρ]`` against ``x_ρ[j] = x[s·j + ρ]``; each phase is a stride-1 correlation done by
    F(m, ⌈(K − ρ)/s⌉), and the phases are summed.  ``polyphase=False`` refuses such layers
    (:func:`check_winograd_spec`); ``points``/``transforms`` fit one kernel size, so they are
    refused with a stride or dilation.

    >>> from symconv import ConvSpec
    >>> winograd_conv(np.arange(6)[None, None], np.array([[[1, 0, -1]]]), ConvSpec((6,), (3,)))
    array([[[-2, -2, -2, -2]]])
    >>> winograd_conv(np.arange(7)[None, None], np.array([[[1, 0, -1]]]),
    ...               ConvSpec((7,), (3,), stride=2))
    array([[[-2, -2, -2]]])
    """
    x, w = check_operands(x, w, spec)
    if not polyphase:
        check_winograd_spec(spec)
    if not (isinstance(x, np.ndarray) and isinstance(w, np.ndarray)):
        from ..vector import UnsupportedError

        raise UnsupportedError("Winograd's transforms have rational entries; the term arrays "
                               "carry integer coefficients only")
    kind = _kind(x, w)
    tile = _tiles_per_axis(m, spec.rank)
    xp = pad(x, spec)
    if kind != "float":
        xp, w = xp.astype(object), w.astype(object)
    unit = all(v == 1 for v in (*spec.stride, *spec.dilation))
    if unit:
        y = _valid(xp, w, spec.groups, tile, kind, points, transforms)
    else:
        if points is not None or transforms is not None:
            raise SymconvError("transforms: expected the default points with stride or "
                               f"dilation (stride={spec.stride}, dilation={spec.dilation}), "
                               "since each phase has its own kernel size; drop points/"
                               "transforms or use polyphase=False on a stride-1 layer")
        y = _polyphase(xp, _dilated(w, spec), spec, tile, kind)
    y = y[(slice(None), slice(None), *(slice(0, o) for o in spec.output_size))]
    return _integers(y) if kind == "int" else y


def _dilated(w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The kernel at its dilated extent ``d(k − 1) + 1``, zeros between the taps."""
    extent = tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))
    spread = np.zeros((*w.shape[:2], *extent), dtype=w.dtype)
    spread[(slice(None), slice(None), *(slice(None, None, d) for d in spec.dilation))] = w
    return spread


def _polyphase(xp: np.ndarray, w: np.ndarray, spec: ConvSpec, tile: tuple[int, ...],
               kind: str) -> np.ndarray:
    """Σ over phases ρ of the stride-1 correlation of ``x_ρ`` with ``w_ρ`` (see above)."""
    total = None
    for phase in itertools.product(*(range(s) for s in spec.stride)):
        if any(rho >= k for rho, k in zip(phase, w.shape[2:])):
            continue  # a phase without taps (stride larger than the kernel's extent)
        cut = (slice(None), slice(None), *(slice(rho, None, s) for rho, s in
                                           zip(phase, spec.stride)))
        part = _valid(xp[cut], w[cut], spec.groups, tile, kind, None, None)
        part = part[(slice(None), slice(None), *(slice(0, o) for o in spec.output_size))]
        total = part if total is None else total + part
    return total


def _valid(xp: np.ndarray, w: np.ndarray, groups: int, tile: tuple[int, ...], kind: str,
           points: Any, transforms: Any) -> np.ndarray:
    """Stride-1 'valid' correlation of the padded ``xp`` with ``w`` by tiled F(m, r)."""
    rank, kernel = len(tile), w.shape[2:]
    triples = axis_transforms(tile, kernel, points, transforms)
    exact = [tuple(exact_array(M, label) for M, label in zip(t, ("AT", "G", "BT")))
             for t in triples]
    mats = exact if kind != "float" else [tuple(M.astype(float) for M in t) for t in exact]
    out = tuple(p - k + 1 for p, k in zip(xp.shape[2:], kernel))
    count = tuple(-(-o // t) for o, t in zip(out, tile))  # tiles per axis
    extra = [(0, 0), (0, 0)] + [(0, c * t - o) for c, t, o in zip(count, tile, out)]
    xp = np.pad(xp, extra)  # zeros past the end: the last tiles' missing inputs
    size = tuple(t + r - 1 for t, r in zip(tile, kernel))
    windows = sliding_window_view(xp, size, axis=tuple(range(2, 2 + rank)))
    d = windows[(slice(None), slice(None), *(slice(None, None, t) for t in tile))]
    # d: (N, C, *count, *size); g: (F, Cg, *r)
    U, V = w, d
    for i, (_, G, BT) in enumerate(mats):
        U = _along(G, U, 2 + i)
        V = _along(BT, V, 2 + rank + i)
    n, (f, cg) = xp.shape[0], w.shape[:2]
    fg = f // groups
    alphas = U.shape[2:]
    # transformed points first: one (F/G, Cg) @ (Cg, N·tiles) product per point and group
    U = np.moveaxis(U.reshape(groups, fg, cg, *alphas), (0, 1, 2), (rank, rank + 1, rank + 2))
    V = V.reshape(n, groups, cg, *count, *alphas)
    V = V.transpose(*range(3 + rank, 3 + 2 * rank), 1, 2, 0, *range(3, 3 + rank))
    # V: (*alphas, G, Cg, N, *count)
    V = V.reshape(*alphas, groups, cg, -1)
    M = U @ V  # (*alphas, G, F/G, N·tiles): the channel sum, in the transformed domain
    M = M.reshape(*alphas, groups, fg, n, *count)
    for i, (AT, _, _) in enumerate(mats):
        M = _along(AT, M, i)
    # (*tile, G, F/G, N, *count) -> (N, G, F/G, count_0, tile_0, count_1, tile_1, ...)
    order = (rank + 2, rank, rank + 1, *(a for i in range(rank) for a in (rank + 3 + i, i)))
    return M.transpose(order).reshape(n, f, *(c * t for c, t in zip(count, tile)))


def _integers(y: np.ndarray) -> np.ndarray:
    """An exact result on integer data, back to integers (every entry has denominator 1)."""
    flat = [v.numerator if v.denominator == 1 else None for v in y.reshape(-1).tolist()]
    if any(v is None for v in flat):
        raise RuntimeError("internal error: Winograd on integers gave a non-integer")
    big = max((abs(v) for v in flat), default=0) >= 2**62
    return np.array(flat, dtype=object if big else np.int64).reshape(y.shape)


def winograd_theorem(m: int | tuple[int, ...] = 2) -> Theorem:
    """The theorem ``winograd-equals-correlation`` for tiles of ``m`` outputs per axis.

    >>> from symconv import ConvSpec, prove
    >>> bool(prove(winograd_theorem(4), ConvSpec((7,), (3,), in_channels=2)))
    True
    """
    def tiled(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
        return winograd_conv(x, w, spec, m=m)

    tiled.__doc__ = f"Tiled Winograd with m = {m}."
    return Theorem(
        "winograd-equals-correlation",
        f"tiled Winograd F(m, r) (m = {m}, r = the kernel) equals correlation",
        tiled, correlate, f"tiled Winograd F({m}, r)", "correlation (definition)",
        conditions="every ConvSpec (any rank, size, batch, channels, padding, padding mode, "
                   "groups; stride and dilation by the polyphase split)")


#: Tiled F(2, r) equals correlation on every ConvSpec (to be registered in
#: :mod:`symconv.theorems`).
WINOGRAD_THEOREM = winograd_theorem(2)
