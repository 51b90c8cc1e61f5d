"""Index-level formulations of convolutions, right and wrong, as (weight, input) index pairs.

A :class:`Geometry` says where every product of an output entry reads from: which weight entry,
which input channel (relative to the filter's channel base) and which kernel tap, with a stride,
a tap spacing (dilation), a shift and a padding.  :func:`gather` turns it into two integer arrays
``(positions, products)`` of flat weight and input indices (``-1`` where the product vanishes
because the input position lies in zero padding or outside the input).  Comparing those with the
canonical forms of a user's symbolic output decides *exactly* whether the user computed that
formulation.  The correct geometry is checked against :mod:`symconv.forms` before any mistake is
named, so a naming never rests on this module alone.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,))
>>> wi, xi = gather(correct_geometry(spec, mirrored=False), spec, spec.output_shape)
>>> wi.tolist(), xi.tolist()
([[0, 1], [0, 1]], [[0, 1], [1, 2]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..spec import ConvSpec, Pads

__all__ = ["Geometry", "Tap", "gather", "correct_geometry", "pairs_from", "weight_tap",
           "channel_bases", "pair_counts"]

#: ``(channel, *kernel offsets)`` of one product inside a filter
Tap = tuple[int, ...]


@dataclass(frozen=True)
class Geometry:
    """Where each product of every output entry reads from (see the module docstring)."""

    #: ``(flat weight offset inside the filter, input channel offset, kernel taps per axis)``
    pairs: tuple[tuple[int, int, tuple[int, ...]], ...]
    pads: Pads
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    shift: tuple[int, ...]
    #: first input channel each filter reads
    channel_base: tuple[int, ...]
    #: numpy.pad mode of the padding ('constant' for zeros)
    mode: str = "constant"


def weight_tap(kernel: Sequence[int], tap: Tap, mirror: Sequence[bool]) -> Tap:
    """The weight tap paired with patch tap ``tap`` when the axes in ``mirror`` are flipped."""
    c, *offsets = tap
    return (c, *(k - 1 - u if m else u for u, k, m in zip(offsets, kernel, mirror)))


def pairs_from(spec: ConvSpec, pairing: Sequence[tuple[Tap, Tap]]) -> tuple[
        tuple[int, int, tuple[int, ...]], ...]:
    """``[(weight tap, patch tap), ...]`` as :attr:`Geometry.pairs`."""
    dims = (spec.group_in_channels, *spec.kernel_size)
    return tuple((int(np.ravel_multi_index(wt, dims)), int(pt[0]), tuple(int(t) for t in pt[1:]))
                 for wt, pt in pairing)


def channel_bases(spec: ConvSpec, group_of: Callable[[int], int] | None = None,
                  stride: int | None = None) -> tuple[int, ...]:
    """First input channel of every filter: ``group(f) * Cg`` (by default ``f // (F/G)``)."""
    group_of = group_of or (lambda f: f // spec.group_out_channels)
    step = spec.group_in_channels if stride is None else stride
    return tuple(group_of(f) * step for f in range(spec.out_channels))


def correct_geometry(spec: ConvSpec, *, mirrored: bool) -> Geometry:
    """The geometry of correlation (``mirrored=False``) or true convolution."""
    mirror = (mirrored,) * spec.rank
    taps = np.ndindex(spec.group_in_channels, *spec.kernel_size)
    pairing = [(weight_tap(spec.kernel_size, t, mirror), t) for t in taps]
    return Geometry(pairs_from(spec, pairing),
                    spec.convolution_pads if mirrored else spec.pads, spec.stride, spec.dilation,
                    (0,) * spec.rank, channel_bases(spec), spec.padding_mode.numpy_mode)


def _source(q: np.ndarray, size: int, pads: tuple[int, int], mode: str) -> np.ndarray:
    """Input index read at padded coordinate ``q`` (``-1``: zero padding or outside)."""
    left, right = pads
    j = q - left
    out = np.where((j >= 0) & (j < size), j, -1)
    if mode != "constant":
        table = np.pad(np.arange(size), (left, right), mode=mode)
        inside = (q >= 0) & (q < len(table))
        out = np.where(inside, table[np.clip(q, 0, len(table) - 1)], out)
    return out


def gather(geometry: Geometry, spec: ConvSpec, out_shape: tuple[int, ...]) -> tuple[
        np.ndarray, np.ndarray]:
    """Flat weight and input indices ``(prod(out_shape), products)``; ``-1`` marks a zero."""
    batch, filters, *out = out_shape
    rank, count = spec.rank, len(geometry.pairs)
    if count == 0:
        return (np.full((int(np.prod(out_shape)), 0), -1),) * 2
    offset = np.array([p[0] for p in geometry.pairs])
    chan = np.array([p[1] for p in geometry.pairs])
    taps = np.array([p[2] for p in geometry.pairs]).reshape(count, rank)
    lead = (batch, filters, *out, count)
    base = np.array(geometry.channel_base[:filters])
    channel = (base[:, None] + chan[None, :]).reshape(1, filters, *(1,) * rank, count)
    index = np.arange(batch).reshape(batch, *(1,) * (rank + 2)) * spec.in_channels + channel
    valid = (channel >= 0) & (channel < spec.in_channels)
    for a in range(rank):
        q = (np.arange(out[a])[:, None] * geometry.stride[a]
             + taps[:, a][None, :] * geometry.dilation[a] + geometry.shift[a])
        src = _source(q, spec.input_size[a], geometry.pads[a], geometry.mode)
        src = src.reshape(1, 1, *(out[a] if b == a else 1 for b in range(rank)), count)
        index = index * spec.input_size[a] + src
        valid = valid & (src >= 0)
    filt = np.arange(filters).reshape(1, filters, *(1,) * rank, 1) * spec.products_per_output
    wi = np.broadcast_to(filt + offset, lead)
    valid = np.broadcast_to(valid, lead)
    xi = np.where(valid, np.broadcast_to(index, lead), -1)
    wi = np.where(valid, wi, -1)
    return wi.reshape(-1, count), xi.reshape(-1, count)


def pair_counts(wi: np.ndarray, xi: np.ndarray, position: int) -> dict[tuple[int, int], int]:
    """``{(weight index, input index): multiplicity}`` of one output position."""
    counts: dict[tuple[int, int], int] = {}
    for a, b in zip(wi[position].tolist(), xi[position].tolist()):
        if a >= 0:
            counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts
