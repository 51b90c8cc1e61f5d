"""The backward kinds of :func:`~symconv.verification.verify`: what each computes, and the
catalogue of backward mistakes, each an exact wrong formulation on the user's layer.

A backward kind fixes the two operands ``fn`` takes, the shape it returns and the spec's value
(from :mod:`symconv.adjoint`):

* ``input-gradient``: ``fn(dout, w) -> dx`` = :func:`~symconv.adjoint.input_gradient`;
* ``weight-gradient``: ``fn(x, dout) -> dw`` = :func:`~symconv.adjoint.weight_gradient`;
* ``transposed``: ``fn(y, w) -> z`` = :func:`~symconv.adjoint.conv_transpose` (PyTorch's, back
  to the layer's input size).

The mistakes are written with explicit loops over every product (:func:`scatter`,
:func:`gather`), so each is the correct loop with one slip: the kernel not flipped where a full
correlation needs it, the stride or dilation dropped, output_padding on the near side or added
to the padding, col2im overwriting instead of accumulating, dout and x swapped in the weight
gradient's matrix product.  A mistake is named only when the user's output equals it exactly.

>>> import numpy as np
>>> from symconv import ConvSpec
>>> spec = ConvSpec((5,), (3,), stride=2)
>>> task = backward_task(spec, BackwardKind.TRANSPOSED)
>>> task.names, task.shapes, task.out_shape
(('y', 'w'), ((1, 1, 2), (1, 1, 3)), (1, 1, 5))
>>> task.reference(np.array([[[1, 10]]]), np.array([[[1, 2, 3]]]))
array([[[ 1,  2, 13, 20, 30]]])
>>> scatter(np.array([[[1, 10]]]), np.array([[[1, 2, 3]]]), spec, overwrite='last')
array([[[1, 2, 10, 20, 30]]], dtype=object)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..adjoint import conv_transpose, input_gradient, weight_gradient
from ..errors import SymconvError
from ..spec import ConvSpec, PaddingMode
from .randomized import EXACT_BITS
from .rounding import _dtype, _holds
from .verdict import BackwardKind, BackwardMistakeKind, Mistake

_K = BackwardMistakeKind

Case = tuple[str, np.ndarray, np.ndarray]
#: a formulation ``f(a, b)`` of a backward kind's value on its two operands
Formulation = Callable[[Any, Any], Any]

__all__ = ["BackwardTask", "draw_bound", "cases", "backward_task", "scatter", "gather",
           "backward_candidates", "catalogue", "vector_candidates", "default_output_padding"]


@dataclass(frozen=True)
class BackwardTask:
    """What ``fn`` takes and returns for one backward kind on one layer."""

    kind: BackwardKind
    names: tuple[str, str]  #: the operands' names, as ``fn`` takes them
    shapes: tuple[tuple[int, ...], tuple[int, ...]]  #: their shapes
    out_shape: tuple[int, ...]  #: the shape ``fn`` must return
    out_layout: str  #: what that shape is, in words
    reference: Callable[[Any, Any], Any]  #: the spec's value on numbers or symbols

    @property
    def call(self) -> str:
        """``'fn(dout, w)'``."""
        return f"fn({', '.join(self.names)})"

    #: at most this many products are summed into one output entry of the spec's value
    products_per_output: int = 1


def backward_task(spec: ConvSpec, kind: BackwardKind) -> BackwardTask:
    """The operands, output shape and reference of a backward ``kind`` on ``spec``'s layer."""
    inp, out, weight = spec.input_shape, spec.output_shape, spec.weight_shape
    if kind is BackwardKind.WEIGHT_GRADIENT:  # dw sums over the batch and output positions
        return BackwardTask(kind, ("x", "dout"), (inp, out), weight,
                            "(out_channels, in_channels // groups, *kernel_size) of the weight",
                            lambda x, dout: weight_gradient(x, dout, spec),
                            spec.batch * int(np.prod(spec.output_size)))
    taps = spec.group_out_channels * int(np.prod(spec.kernel_size))  # filters x taps
    if kind is BackwardKind.INPUT_GRADIENT:
        return BackwardTask(kind, ("dout", "w"), (out, weight), inp,
                            "(batch, in_channels, *input_size) of the input",
                            lambda dout, w: input_gradient(dout, w, spec), taps)
    return BackwardTask(kind, ("y", "w"), (out, weight), inp,
                        "(batch, in_channels, *input_size) of the forward layer's input",
                        lambda y, w: conv_transpose(y, w, spec), taps)


def draw_bound(task: BackwardTask, dtype: Any = np.int64) -> int:
    """Inputs in ``[-B, B]`` keep every partial sum of a correct output below ``2**24`` and
    exact in ``dtype``; a one-line error when that leaves fewer than 3 values to draw."""
    dtype = _dtype(dtype)
    cap = min(2 ** EXACT_BITS - 1, _holds(dtype))
    bound = min(2 ** 11, math.isqrt(cap // task.products_per_output))
    if bound < (2 if dtype.kind == "u" else 1):
        raise SymconvError(f"numeric_dtype: {dtype} cannot hold a sum of "
                           f"{task.products_per_output} products of draws from 3 or more values "
                           "without wrapping or rounding; use a wider dtype such as int32")
    return bound


def cases(task: BackwardTask, seed: int) -> list[Case]:
    """The cross-check's 7 inputs ``(label, a, b)``: random, sparse and one-hot integers in
    int64, float64 and float32 (whose sums stay exact on :func:`draw_bound`'s range)."""
    rng = np.random.default_rng([seed, 1])
    b = draw_bound(task)
    sa, sb = task.shapes

    def uniform(shape: tuple[int, ...]) -> np.ndarray:
        return rng.integers(-b, b + 1, shape)

    def sparse(shape: tuple[int, ...]) -> np.ndarray:
        keep = rng.random(shape) < 0.2
        keep.reshape(-1)[rng.integers(keep.size)] = True
        return np.where(keep, uniform(shape), 0)

    def one_hot(shape: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(shape, dtype=np.int64)
        out.reshape(-1)[rng.integers(out.size)] = 1
        return out
    na, nb = task.names
    drawn = [("random integers", np.int64, uniform(sa), uniform(sb)),
             ("random integers", np.float64, uniform(sa), uniform(sb)),
             (f"sparse {na}", np.int64, sparse(sa), uniform(sb)),
             (f"sparse {na} and {nb}", np.float64, sparse(sa), sparse(sb)),
             (f"one-hot {na} and {nb}", np.int64, one_hot(sa), one_hot(sb)),
             (f"one-hot {na}", np.float64, one_hot(sa), uniform(sb)),
             ("random integers", np.float32, uniform(sa), uniform(sb))]
    return [(f"{label}, {np.dtype(dt).name}", x.astype(dt), y.astype(dt))
            for label, dt, x, y in drawn]


def default_output_padding(spec: ConvSpec) -> tuple[int, ...]:
    """PyTorch's output_padding that brings the transposed conv back to the input size.

    >>> default_output_padding(ConvSpec((6,), (3,), stride=2))
    (1,)
    """
    return tuple((i + pl + pr - d * (k - 1) - 1) % s for i, (pl, pr), d, k, s in zip(
        spec.input_size, spec.pads, spec.dilation, spec.kernel_size, spec.stride))


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(0)
    return out


def scatter(y: Any, w: Any, spec: ConvSpec, *, stride: tuple[int, ...] | None = None,
            dilation: tuple[int, ...] | None = None, flip: bool = False,
            start: tuple[int, ...] | None = None, overwrite: str = "") -> np.ndarray:
    """The transposed conv as a loop: ``y[n, f, o] * w[f, c, u]`` added at ``o*s + u*d - start``
    (``start`` defaults to the left padding); with ``overwrite='last'`` (``'first'``) each
    output position's window (summed over filters) is assigned instead of added, the last
    (first) window in row-major order winning.

    >>> spec = ConvSpec((4,), (2,))
    >>> scatter(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), spec)
    array([[[1, 12, 23, 30]]], dtype=object)
    """
    y, w = np.asarray(y, dtype=object), np.asarray(w, dtype=object)
    s = spec.stride if stride is None else stride
    d = spec.dilation if dilation is None else dilation
    begin = tuple(pl for pl, _ in spec.pads) if start is None else start
    k, size, fg, cg = spec.kernel_size, spec.input_size, spec.group_out_channels, \
        spec.group_in_channels
    out = _zeros(spec.input_shape)
    for n in range(spec.batch):
        order = list(np.ndindex(*y.shape[2:]))
        for o in order[::-1] if overwrite == "first" else order:
            window: dict[tuple[int, ...], Any] = {}
            for f in range(spec.out_channels):
                g = f // fg
                for c in range(cg):
                    for u in np.ndindex(*k):
                        tap = tuple(kk - 1 - t for kk, t in zip(k, u)) if flip else u
                        pos = tuple(oo * ss + t * dd - b for oo, ss, t, dd, b in
                                    zip(o, s, tap, d, begin))
                        if all(0 <= p < m for p, m in zip(pos, size)):
                            key = (g * cg + c, *pos)
                            term = y[(n, f, *o)] * w[(f, c, *u)]
                            window[key] = term if key not in window else window[key] + term
            for key, value in window.items():
                at = (n, *key)
                out[at] = value if overwrite else out[at] + value
    return out


def gather(x: Any, dout: Any, spec: ConvSpec, *, stride: tuple[int, ...] | None = None,
           dilation: tuple[int, ...] | None = None, flip: bool = False) -> np.ndarray:
    """The weight gradient as a loop: ``dw[f, c, u] = sum dout[n, f, o] * xpad[n, c, o*s + u*d]``
    (zero padding; ``flip`` reads tap ``k - 1 - u``).

    >>> gather(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), ConvSpec((3,), (2,)))
    array([[[21, 32]]], dtype=object)
    """
    x, dout = np.asarray(x, dtype=object), np.asarray(dout, dtype=object)
    s = spec.stride if stride is None else stride
    d = spec.dilation if dilation is None else dilation
    xpad = np.pad(x, [(0, 0), (0, 0), *spec.pads], constant_values=0)
    k, fg, cg = spec.kernel_size, spec.group_out_channels, spec.group_in_channels
    dw = _zeros(spec.weight_shape)
    for f in range(spec.out_channels):
        g = f // fg
        for c in range(cg):
            for u in np.ndindex(*k):
                tap = tuple(kk - 1 - t for kk, t in zip(k, u)) if flip else u
                total: Any = 0
                for n in range(spec.batch):
                    for o in np.ndindex(*dout.shape[2:]):
                        pos = tuple(oo * ss + t * dd for oo, ss, t, dd in zip(o, s, tap, d))
                        if all(p < m for p, m in zip(pos, xpad.shape[2:])):
                            total = total + dout[(n, f, *o)] * xpad[(n, g * cg + c, *pos)]
                dw[(f, c, *u)] = total
    return dw


def backward_candidates(spec: ConvSpec, kind: BackwardKind, a: Any,
                        b: Any) -> Iterator[tuple[Mistake, np.ndarray]]:
    """Each known backward mistake that applies to the layer, with its value on ``a, b``."""
    for mistake, formulation in catalogue(spec, kind):
        yield mistake, formulation(a, b)


def catalogue(spec: ConvSpec, kind: BackwardKind) -> Iterator[tuple[Mistake, Formulation]]:
    """Each known backward mistake that applies to the layer, with its loop formulation."""
    ones = (1,) * spec.rank
    if kind is BackwardKind.WEIGHT_GRADIENT:
        yield from _weight_candidates(spec, ones)
        return
    what = "dx" if kind is BackwardKind.INPUT_GRADIENT else "the transposed conv"
    if any(k > 1 for k in spec.kernel_size):
        yield Mistake(_K.DX_NOT_FLIPPED, f"{what} is the full correlation of dout "
                      "with w instead of with its flip: input position o*s + (k-1-u)*d gets "
                      "w[u] where w[k-1-u] belongs"), lambda a, b: scatter(a, b, spec, flip=True)
    if any(s > 1 for s in spec.stride):
        yield Mistake(_K.STRIDE_IGNORED, f"the stride is ignored in {what}: dout[o] "
                      "is spread to o + u*d instead of o*s + u*d (no zeros inserted)"), \
            lambda a, b: scatter(a, b, spec, stride=ones)
    if any(d > 1 for d in spec.dilation):
        yield Mistake(_K.DILATION_IGNORED, f"the dilation is ignored in {what}: "
                      "w[u] lands at o*s + u instead of o*s + u*d"), \
            lambda a, b: scatter(a, b, spec, dilation=ones)
    op = default_output_padding(spec)
    if any(op):
        left = tuple(pl for pl, _ in spec.pads)
        near, far = tuple(p - e for p, e in zip(left, op)), tuple(p + e for p, e in zip(left, op))
        yield Mistake(_K.OUTPUT_PADDING_NEAR_SIDE, f"output_padding {op} is added on "
                      "the near side (the start of each axis) instead of the far side"), \
            lambda a, b: scatter(a, b, spec, start=near)
        yield Mistake(_K.OUTPUT_PADDING_AS_PADDING, f"output_padding {op} is treated "
                      "as input padding: that many more entries are cropped at the start"), \
            lambda a, b: scatter(a, b, spec, start=far)
    for which in ("last", "first"):
        yield Mistake(_K.COL2IM_OVERWRITES, f"where windows overlap only the {which} "
                      "window's value (in row-major order of the output positions) is kept, as "
                      "a fancy assignment with repeated indices keeps its last write"), \
            lambda a, b, which=which: scatter(a, b, spec, overwrite=which)


def _weight_candidates(spec: ConvSpec, ones: tuple[int, ...]
                       ) -> Iterator[tuple[Mistake, Formulation]]:
    zeros = spec.padding_mode is PaddingMode.ZEROS
    f = spec.out_channels

    def swapped(x: Any, dout: Any) -> Any:
        right = gather(x, dout, spec) if zeros else np.asarray(weight_gradient(x, dout, spec))
        return right.reshape(f, -1).T.reshape(spec.weight_shape)
    yield Mistake(_K.DOUT_X_SWAPPED, "dout and x are swapped in the matrix product: "
                  "dw = X_col @ dout.T (shape (C*k, F)) read as (F, C/groups, *k) instead of "
                  "dout @ X_col.T"), swapped
    if not zeros:
        return
    if any(k > 1 for k in spec.kernel_size):
        yield Mistake(_K.DW_FLIPPED, "the weight gradient is flipped: dw[u] gets "
                      "x[o*s + (k-1-u)*d] where x[o*s + u*d] belongs (a convolution where the "
                      "correlation of x with dout belongs)"), \
            lambda x, dout: gather(x, dout, spec, flip=True)
    if any(s > 1 for s in spec.stride):
        yield Mistake(_K.STRIDE_IGNORED, "the stride is ignored in dw: dout[o] "
                      "multiplies x[o + u*d] instead of x[o*s + u*d]"), \
            lambda x, dout: gather(x, dout, spec, stride=ones)
    if any(d > 1 for d in spec.dilation):
        yield Mistake(_K.DILATION_IGNORED, "the dilation is ignored in dw: dout[o] "
                      "multiplies x[o*s + u] instead of x[o*s + u*d]"), \
            lambda x, dout: gather(x, dout, spec, dilation=ones)


def _window(full: Any, start: tuple[int, ...], size: tuple[int, ...]) -> Any:
    """``full[..., start:start + size]`` per spatial axis, zeros where it reaches outside."""
    margin = [(max(-b, 0), max(b + n - m, 0)) for b, n, m in zip(start, size, full.shape[2:])]
    padded = np.pad(full, [(0, 0), (0, 0), *margin])
    return padded[(slice(None),) * 2 + tuple(slice(b + lo, b + lo + n) for b, (lo, _), n in
                                             zip(start, margin, size))]


def _placed(spec: ConvSpec, y: Any, w: Any, **changes: Any) -> Any:
    """Every ``y[n, f, o] * w[f, c, u]`` added at ``o*s + u*d`` of the uncropped buffer (the
    padded input's size), for the layer with ``changes`` (stride or dilation): ``y`` is padded
    with zeros at the end to that layer's output size."""
    full = spec.replace(padding=0, input_size=spec.padded_size, **changes)
    grow = [(0, 0), (0, 0), *((0, m - o) for m, o in zip(full.output_size, y.shape[2:]))]
    return conv_transpose(np.pad(y, grow), w, full)


def _overwritten(spec: ConvSpec, y: Any, w: Any, which: str) -> Any:
    """:func:`scatter` with ``overwrite=which``, as numpy's fancy assignment does it: every
    window's column written to the input in row-major order of the output positions (reversed
    for ``'first'``), a later write replacing an earlier one at the same position."""
    n, g, size, k, out = spec.batch, spec.groups, spec.input_size, spec.kernel_size, \
        spec.output_size
    taps, outputs = math.prod(k), math.prod(out)
    cols = np.einsum("gfcu,ngfo->ngcuo", w.reshape(g, spec.group_out_channels,
                                                   spec.group_in_channels, taps),
                     y.reshape(n, g, spec.group_out_channels, outputs))
    u = np.array(list(np.ndindex(*k)), dtype=np.int64).reshape(taps, 1, -1)
    o = np.array(list(np.ndindex(*out)), dtype=np.int64).reshape(1, outputs, -1)
    pos = o * np.array(spec.stride) + u * np.array(spec.dilation) - np.array(
        [pl for pl, _ in spec.pads])  # (taps, outputs, rank)
    tap, at = np.nonzero(((pos >= 0) & (pos < np.array(size))).all(-1))
    order = np.lexsort((tap, at if which == "last" else -at))  # the winner written last
    target = np.ravel_multi_index(tuple(pos[tap, at].T), size)[order]
    buffer = np.zeros_like(y, shape=(n, spec.in_channels, math.prod(size)))
    buffer[:, :, target] = cols.reshape(n, spec.in_channels, taps * outputs)[
        :, :, (tap * outputs + at)[order]]
    return buffer.reshape(spec.input_shape)


def vector_candidates(spec: ConvSpec, kind: BackwardKind
                      ) -> Iterator[tuple[Mistake, Formulation]]:
    """:func:`backward_candidates` as formulations ``f(a, b)`` written with whole-array numpy
    (pads, slices, flips, masks and :mod:`symconv.adjoint`), so they run on the vector
    carrier's chunked tensors; each equals its loop formulation (tests check it on numbers)."""
    ones, axes = (1,) * spec.rank, tuple(range(2, 2 + spec.rank))
    if kind is BackwardKind.WEIGHT_GRADIENT:
        f = spec.out_channels

        def bigger(x: Any, dout: Any, **changes: Any) -> Any:
            wide = spec.replace(**changes)
            grow = [(0, 0), (0, 0), *((0, m - o) for m, o in zip(wide.output_size,
                                                                  dout.shape[2:]))]
            return weight_gradient(x, np.pad(dout, grow), wide)
        formulations: dict[BackwardMistakeKind, Formulation] = {
            _K.DOUT_X_SWAPPED: lambda x, dout: weight_gradient(x, dout, spec).reshape(
                f, -1).T.reshape(spec.weight_shape),
            _K.DW_FLIPPED: lambda x, dout: np.flip(weight_gradient(x, dout, spec), axes),
            _K.STRIDE_IGNORED: lambda x, dout: bigger(x, dout, stride=ones),
            _K.DILATION_IGNORED: lambda x, dout: bigger(x, dout, dilation=ones)}
    else:
        left = tuple(pl for pl, _ in spec.pads)
        op, size = default_output_padding(spec), spec.input_size

        def at(start: tuple[int, ...], **changes: Any) -> Formulation:
            return lambda y, w: _window(_placed(spec, y, w, **changes), start, size)
        formulations = {
            _K.DX_NOT_FLIPPED: lambda y, w: conv_transpose(y, np.flip(w, axes), spec),
            _K.STRIDE_IGNORED: at(left, stride=ones), _K.DILATION_IGNORED: at(left, dilation=ones),
            _K.OUTPUT_PADDING_NEAR_SIDE: at(tuple(p - e for p, e in zip(left, op))),
            _K.OUTPUT_PADDING_AS_PADDING: at(tuple(p + e for p, e in zip(left, op)))}
    for mistake, _ in catalogue(spec, kind):
        if mistake.kind is _K.COL2IM_OVERWRITES:
            which = "last" if "the last window" in mistake.detail else "first"
            yield mistake, (lambda y, w, which=which: _overwritten(spec, y, w, which))
        else:
            yield mistake, formulations[mistake.kind]
