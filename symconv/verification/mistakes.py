"""The catalogue of known mistakes, each as an exact wrong formulation on the user's spec.

:func:`geometry_candidates` yields ``(Mistake, Geometry)`` for the mistakes that change which
products an output entry sums (flips, transposes, stride and dilation slips, a shifted window,
im2col row orders, cs231n's kernel-height-for-width row index, groups leaking channels, the
same flip named for Winograd/FFT transforms built for true convolution, an FFT too small for
the zero padding);
:func:`fold_candidates` yields output permutations (batch and spatial axes mixed up when the
im2col columns are folded back); :func:`shape_formulas` names how a wrong output size was
computed.  A mistake is reported only when the user's output equals the candidate exactly.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((4, 5), (2, 3))
>>> kinds = {m.kind.value for m, _ in geometry_candidates(spec, Kind.CORRELATION)}
>>> sorted(kinds)  # doctest: +NORMALIZE_WHITESPACE
['flipped in some axes only', 'im2col rows ordered differently', 'kernel height used for width',
 'kernel transposed', 'transforms for true convolution used as correlation', 'unwanted flip',
 'window shifted by one']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from ..spec import ConvSpec, output_length
from .geometry import Geometry, Tap, channel_bases, correct_geometry, pairs_from, weight_tap
from .verdict import Kind, Mistake, MistakeKind

__all__ = ["geometry_candidates", "fold_candidates", "shape_formulas", "axis_names"]


def axis_names(rank: int) -> tuple[str, ...]:
    """``('height', 'width')`` for rank 2 (``depth`` first for rank 3)."""
    return ("depth", "height", "width")[3 - rank:]


def _letters(rank: int) -> tuple[str, ...]:
    return ("c", *("t", "u", "v")[3 - rank:])


def _base(spec: ConvSpec, kind: Kind) -> Geometry:
    return correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION)


def _with(geometry: Geometry, **changes: object) -> Geometry:
    fields = {f: getattr(geometry, f) for f in Geometry.__dataclass_fields__}
    fields.update(changes)
    return Geometry(**fields)  # type: ignore[arg-type]


def _taps(spec: ConvSpec, kernel: tuple[int, ...] | None = None) -> list[Tap]:
    return [tuple(t) for t in np.ndindex(spec.group_in_channels, *(kernel or spec.kernel_size))]


_CONVOLUTION_TRANSFORMS = Mistake(MistakeKind.CONVOLUTION_TRANSFORMS, (
    "the output is the true convolution, the kernel flipped: Winograd transforms generated for "
    "convolution (G with its columns reversed, as a generator for convolution prints it), or "
    "an FFT product X*W where correlation needs X*conj(W) (or the kernel reversed first); for "
    "PyTorch's conv use G[:, ::-1] (in 2-D on both sides of g) or conj(W)"))


def _circular(spec: ConvSpec, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    if spec.padding_mode.value != "zeros" or not any(p for pair in base.pads for p in pair):
        return
    yield Mistake(MistakeKind.FFT_CIRCULAR, (
        "the border reads the opposite edge of the input where zeros belong: an FFT of the "
        "input's own size is circular, so the padding wraps around (padding_mode='circular' "
        "instead of zeros); pad to n + k - 1 (per axis, after the conv padding) before the FFT "
        "and crop")), _with(base, mode="wrap")


def _flips(spec: ConvSpec, kind: Kind, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    expected = kind is Kind.CONVOLUTION
    names = axis_names(spec.rank)
    for size in range(1, spec.rank + 1):
        for axes in itertools.combinations(range(spec.rank), size):
            mirror = tuple(expected != (a in axes) for a in range(spec.rank))
            pairs = pairs_from(spec, [(weight_tap(spec.kernel_size, t, mirror), t)
                                      for t in _taps(spec)])
            if size == spec.rank:
                mistake = (Mistake(MistakeKind.MISSING_FLIP, "computed correlation where "
                                   "convolution was asked: the kernel is not flipped")
                           if expected else
                           Mistake(MistakeKind.UNWANTED_FLIP, "flipped the kernel: computed true "
                                   "convolution where correlation (PyTorch's conv) was asked"))
            else:
                which = " and ".join(names[a] for a in axes)
                mistake = Mistake(MistakeKind.FLIP_ONE_AXIS, (
                    f"the kernel is not flipped along the {which} axis (convolution flips "
                    "every spatial axis)") if expected else (
                    f"the kernel is flipped along the {which} axis (correlation flips none)"))
            for pads in (spec.pads, spec.convolution_pads):
                yield mistake, _with(base, pairs=pairs, pads=pads)
                if size == spec.rank and not expected:  # the same products, named for fast code
                    yield _CONVOLUTION_TRANSFORMS, _with(base, pairs=pairs, pads=pads)


def _transposed(spec: ConvSpec, kind: Kind, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    if spec.rank < 2:
        return
    k = spec.kernel_size
    swapped = (*k[:-2], k[-1], k[-2])
    mirror = (kind is Kind.CONVOLUTION,) * spec.rank

    def swap(tap: Tap) -> Tap:
        return (*tap[:-2], tap[-1], tap[-2])
    pairing = [(swap(weight_tap(swapped, t, mirror)), t) for t in _taps(spec, swapped)]
    shape = "x".join(map(str, swapped))
    detail = ("the kernel is transposed: w[..., v, u] is used where w[..., u, v] belongs"
              if swapped == k else f"the kernel is transposed: used as {shape} instead of "
              f"{'x'.join(map(str, k))}")
    yield Mistake(MistakeKind.TRANSPOSED_KERNEL, detail), _with(base, pairs=pairs_from(
        spec, pairing))


def _strides(spec: ConvSpec, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    s, d = spec.stride, spec.dilation
    if any(v != 1 for v in s):
        spacing = tuple(a * b for a, b in zip(s, d))
        yield Mistake(MistakeKind.STRIDE_ON_KERNEL_OFFSETS, "the stride multiplies the kernel "
                      "offsets too: input index o*s + u*s*d instead of o*s + u*d"), _with(
            base, dilation=spacing)
        if any(v != 1 for v in d):
            yield Mistake(MistakeKind.STRIDE_ON_KERNEL_OFFSETS, "the stride replaces the "
                          "dilation on the kernel offsets: input index o*s + u*s"), _with(
                base, dilation=s)
        yield Mistake(MistakeKind.STRIDE_IGNORED, "the stride is ignored: input index o + u*d "
                      "instead of o*s + u*d"), _with(base, stride=(1,) * spec.rank)
    if any(v != 1 for v in d):
        yield Mistake(MistakeKind.DILATION_IGNORED, "the dilation is ignored: input index "
                      "o*s + u instead of o*s + u*d"), _with(base, dilation=(1,) * spec.rank)


def _shifts(spec: ConvSpec, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    names = axis_names(spec.rank)
    for shift in itertools.product((-1, 0, 1), repeat=spec.rank):
        if not any(shift):
            continue
        pads = ", ".join(f"{names[a]} ({pl - sh}, {pr + sh}) instead of ({pl}, {pr})"
                         for a, (sh, (pl, pr)) in enumerate(zip(shift, base.pads)) if sh)
        yield Mistake(MistakeKind.WINDOW_SHIFTED, f"the window is shifted by {shift}: padding "
                      f"asymmetric by one, {pads}"), _with(base, shift=shift)


def _decode(r: int, dims: tuple[int, ...], order: tuple[int, ...]) -> Tap:
    idx = np.unravel_index(r, tuple(dims[i] for i in order))
    tap = [0] * len(dims)
    for pos, axis in enumerate(order):
        tap[axis] = int(idx[pos])
    return tuple(tap)


def _row_orders(spec: ConvSpec, kind: Kind, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    dims = (spec.group_in_channels, *spec.kernel_size)
    letters = _letters(spec.rank)
    mirror = (kind is Kind.CONVOLUTION,) * spec.rank
    canonical = tuple(range(len(dims)))
    total = int(np.prod(dims))
    for other in itertools.permutations(canonical):
        if other == canonical:
            continue
        for patches, weights in ((other, canonical), (canonical, other)):
            pairing = [(weight_tap(spec.kernel_size, _decode(r, dims, weights), mirror),
                        _decode(r, dims, patches)) for r in range(total)]
            text = ("im2col rows ordered ({}) for the patches but ({}) for the weights".format(
                ",".join(letters[i] for i in patches), ",".join(letters[i] for i in weights)))
            yield Mistake(MistakeKind.IM2COL_ROW_ORDER, text), _with(
                base, pairs=pairs_from(spec, pairing))


def _height_for_width(spec: ConvSpec, kind: Kind, base: Geometry) -> Iterator[
        tuple[Mistake, Geometry]]:
    if spec.rank != 2 or spec.kernel_size[0] == spec.kernel_size[1]:
        return
    kh, kw = spec.kernel_size
    total = spec.products_per_output
    mirror = (kind is Kind.CONVOLUTION,) * 2
    writer: dict[int, Tap] = {}
    for tap in _taps(spec):  # loop order c, u, v: the last write to a row wins
        row = tap[0] * kh * kw + tap[1] * kh + tap[2]
        if row < total:
            writer[row] = tap
    dims = (spec.group_in_channels, kh, kw)
    right = {r: tuple(int(i) for i in np.unravel_index(r, dims)) for r in range(total)}
    k = spec.kernel_size
    sides = {"patch": [(weight_tap(k, right[r], mirror), t) for r, t in writer.items()],
             "weight": [(weight_tap(k, t, mirror), right[r]) for r, t in writer.items()],
             "patch and weight": [(weight_tap(k, t, mirror), t) for t in writer.values()]}
    for side, pairing in sides.items():
        yield Mistake(MistakeKind.KERNEL_HEIGHT_FOR_WIDTH, f"the {side} matrix row index uses the "
                      "kernel height where the width belongs: c*kH*kW + u*kH + v instead of "
                      "c*kH*kW + u*kW + v (cs231n's non-square kernel bug)"), _with(
            base, pairs=pairs_from(spec, pairing))


def _groups(spec: ConvSpec, base: Geometry) -> Iterator[tuple[Mistake, Geometry]]:
    if spec.groups == 1:
        return
    cg, fg, g = spec.group_in_channels, spec.group_out_channels, spec.groups
    yield Mistake(MistakeKind.GROUPS_LEAK, f"every filter reads input channels 0..{cg - 1}: the "
                  f"group offset g*{cg} is missing"), _with(base, channel_base=(0,) * g * fg)
    variants = [(f"filter f belongs to group f // {cg} (in channels per group) instead of "
                 f"f // {fg}", channel_bases(spec, lambda f: min(f // cg, g - 1))),
                (f"filter f belongs to group f % {g} instead of f // {fg}",
                 channel_bases(spec, lambda f: f % g)),
                (f"group g starts at input channel g*{fg} (filters per group) instead of g*{cg}",
                 channel_bases(spec, stride=fg))]
    for text, bases in variants:
        if bases != base.channel_base:
            yield Mistake(MistakeKind.GROUPS_LEAK, text), _with(base, channel_base=bases)


def geometry_candidates(spec: ConvSpec, kind: Kind) -> Iterator[tuple[Mistake, Geometry]]:
    """Every known wrong formulation of ``kind`` on ``spec``, as a geometry."""
    base = _base(spec, kind)
    yield from _flips(spec, kind, base)
    yield from _transposed(spec, kind, base)
    yield from _strides(spec, base)
    yield from _shifts(spec, base)
    yield from _row_orders(spec, kind, base)
    yield from _height_for_width(spec, kind, base)
    yield from _groups(spec, base)
    yield from _circular(spec, base)
    if spec.padding_mode.value != "zeros":
        yield Mistake(MistakeKind.PADDING_MODE_IGNORED, f"padded with zeros instead of "
                      f"'{spec.padding_mode.value}'"), _with(base, mode="constant")


def fold_candidates(spec: ConvSpec) -> Iterator[tuple[Mistake, np.ndarray]]:
    """Output permutations ``perm``: the user's flat entry ``p`` holds the spec's ``perm[p]``."""
    n, f, out = spec.batch, spec.out_channels, spec.output_size
    index = np.arange(int(np.prod(spec.output_shape))).reshape(spec.output_shape)
    r = spec.rank
    columns = {"batch-slowest (n, then position)": np.moveaxis(index, 1, 0).reshape(f, -1),
               "batch-fastest (position, then n)": np.moveaxis(index, (1, 0), (0, r + 1))
               .reshape(f, -1)}
    folds = {"batch-slowest": lambda y: np.moveaxis(y.reshape(f, n, *out), 0, 1),
             "batch-fastest": lambda y: np.moveaxis(y.reshape(f, *out, n), (0, r + 1), (1, 0)),
             "a plain reshape to (N, F, ...)": lambda y: y.reshape(n, f, *out)}
    seen: list[np.ndarray] = []
    for layout, y in columns.items():
        for name, fold in folds.items():
            perm = fold(y).reshape(-1)
            if (perm == np.arange(perm.size)).all() or any((perm == s).all() for s in seen):
                continue
            seen.append(perm)
            yield Mistake(MistakeKind.BATCH_SPATIAL_MIXED, f"the im2col result has columns "
                          f"{layout} but is folded back as {name}"), perm


def shape_formulas(spec: ConvSpec) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Output sizes that common slips produce, with the slip's description."""
    k, s, d, pads, i = (spec.kernel_size, spec.stride, spec.dilation, spec.pads, spec.input_size)
    rows = [("with the padding ignored", [(ii, kk, ss, 0, 0, dd) for ii, kk, ss, dd in
                                          zip(i, k, s, d)]),
            ("with the stride ignored", [(ii, kk, 1, pl, pr, dd) for ii, kk, (pl, pr), dd in
                                         zip(i, k, pads, d)]),
            ("with the dilation ignored", [(ii, kk, ss, pl, pr, 1) for ii, kk, ss, (pl, pr) in
                                           zip(i, k, s, pads)]),
            ("with one side's padding only", [(ii, kk, ss, pl, 0, dd) for ii, kk, ss, (pl, _), dd
                                              in zip(i, k, s, pads, d)])]
    if spec.rank >= 2:
        ks = (*k[:-2], k[-1], k[-2])
        rows.append(("with the kernel height and width swapped (cs231n's out_width bug)", [
            (ii, kk, ss, pl, pr, dd) for ii, kk, ss, (pl, pr), dd in zip(i, ks, s, pads, d)]))
    for text, args in rows:
        try:
            yield text, tuple(int(output_length(*a)) for a in args)
        except (ValueError, ZeroDivisionError):
            continue
    yield "rounding up instead of down", tuple(
        -((-(ii + pl + pr - dd * (kk - 1) - 1)) // ss) + 1
        for ii, kk, ss, (pl, pr), dd in zip(i, k, s, pads, d))
    yield "without the + 1", tuple(int(output_length(*a)) - 1 for a in zip(
        i, k, s, (p[0] for p in pads), (p[1] for p in pads), d))
