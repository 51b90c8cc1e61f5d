"""The backward pass, written once for numbers, object arrays of symbols and FormArrays.

* :func:`zero_insert` - ``s - 1`` zeros between neighbouring entries along every spatial axis.
* :func:`conv_transpose` - PyTorch's ``conv_transpose{1,2,3}d`` for the layer a spec describes:
  every ``y[n, f, o]`` times every tap ``w[f, c, u]`` is added at input position ``o*s + u*d``,
  then the padding is cropped off.
* :func:`col2im` - the adjoint of :func:`symconv.forms.im2col`: every column entry is added back
  at the input position it was copied from (overlaps accumulate).
* :func:`input_gradient` - ``dL/dx`` for ``L = sum(dout * conv(x, w))``: the transposed
  convolution of ``dout``.
* :func:`weight_gradient` - ``dL/dw[f, c, u] = sum_{n,o} dout[n, f, o] * xpad[n, c, o*s + u*d]``.

Only numpy padding, slicing, reshapes, ``*``, ``+`` and ``sum`` are used, so the same code runs
on numbers and symbolically; the shapes come from :class:`~symconv.spec.ConvSpec`.

>>> import numpy as np
>>> from symconv import ConvSpec
>>> spec = ConvSpec((5,), (3,), stride=2)
>>> conv_transpose(np.array([[[1, 10]]]), np.array([[[1, 2, 3]]]), spec)
array([[[ 1,  2, 13, 20, 30]]])
>>> zero_insert(np.array([[[1, 2, 3]]]), 2)
array([[[1, 0, 2, 0, 3]]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError
from .forms import Im2colLayout, as_array, check_operands, patches
from .spec import ConvSpec, PaddingMode

__all__ = ["zero_insert", "conv_transpose", "col2im", "input_gradient", "weight_gradient"]


def _strides(stride: Any, rank: int) -> tuple[int, ...]:
    values = (stride,) * rank if isinstance(stride, (int, np.integer)) else tuple(stride)
    if len(values) != rank or not all(isinstance(s, (int, np.integer)) and s >= 1
                                      for s in values):
        raise SpecError(f"stride: expected an integer >= 1 or one per spatial axis ({rank}), "
                        f"got {stride!r}; e.g. stride=2")
    return tuple(int(s) for s in values)


def zero_insert(y: Any, stride: Any) -> Any:
    """Insert ``s - 1`` zeros between neighbours along every spatial axis (axes 2, 3, ...).

    A length ``o`` becomes ``(o - 1)*s + 1``; ``stride`` is an int or one per spatial axis.

    >>> zero_insert(np.arange(4).reshape(1, 1, 2, 2), (1, 3))[0, 0]
    array([[0, 0, 0, 1],
           [2, 0, 0, 3]])
    """
    y = as_array(y)
    if y.ndim < 3:
        raise SpecError(f"y: expected (batch, channels, *size) with at least 3 axes, got shape "
                        f"{y.shape}; add axes, e.g. y[None, None]")
    for axis, s in enumerate(_strides(stride, y.ndim - 2), start=2):
        o = y.shape[axis]
        if s == 1 or o == 0:
            continue
        spread = np.expand_dims(y, axis + 1)
        width = [(0, 0)] * spread.ndim
        width[axis + 1] = (0, s - 1)
        spread = np.pad(spread, width)
        spread = spread.reshape(*y.shape[:axis], o * s, *y.shape[axis + 1:])
        y = spread[(slice(None),) * axis + (slice(0, (o - 1) * s + 1),)]
    return y


def _scatter(taps: dict[tuple[int, ...], Any], spec: ConvSpec, full: tuple[int, ...]) -> Any:
    """``sum_u`` of each ``taps[u]`` ``(N, C, *O)`` placed at ``o*s + u*d`` in a ``full`` buffer,
    then cropped to ``spec.pads``' interior (the adjoint of taking windows of the padded input)."""
    total = None
    for tap, part in taps.items():
        spread = zero_insert(part, spec.stride)
        width = [(0, 0), (0, 0)]
        for t, d, n, size in zip(tap, spec.dilation, spread.shape[2:], full):
            width.append((d * t, size - d * t - n))
        placed = np.pad(spread, width)
        total = placed if total is None else total + placed
    assert total is not None
    crop = tuple(slice(pl, size - pr) for (pl, pr), size in zip(spec.pads, full))
    return total[(slice(None),) * 2 + crop]


def _zeros_only(spec: ConvSpec, what: str) -> None:
    if spec.padding_mode is not PaddingMode.ZEROS:
        raise SpecError(f"padding_mode: expected 'zeros' for {what} (as in PyTorch), got "
                        f"'{spec.padding_mode.value}'; use padding_mode='zeros'")


def _check_output(y: Any, spec: ConvSpec, field: str) -> Any:
    if not isinstance(spec, ConvSpec):
        check_operands(y, None, spec)  # raises the spec error
    y = as_array(y)
    if y.shape != spec.output_shape:
        raise SpecError(f"{field}: expected shape {spec.output_shape} (batch, out_channels, "
                        f"*output_size) of the forward layer, got {y.shape}; pass a tensor of "
                        "the convolution's output shape")
    return y


def conv_transpose(y: Any, w: Any, spec: ConvSpec, output_padding: Any = None) -> Any:
    """PyTorch's ``conv_transpose{1,2,3}d`` of the layer ``spec`` describes.

    ``y`` has ``spec.output_shape``; ``w`` has ``spec.weight_shape`` ``(F, C/groups, *k)``, which
    is PyTorch's transposed weight for ``in_channels = F``.  The result has shape ``(N, C,
    *spec.transposed_input_size(output_padding))``: ``spec.input_size`` by default.  Stride,
    per-side and ``'same'`` padding, dilation and groups follow the spec; padding mode zeros only.

    >>> spec = ConvSpec((4,), (2,), stride=2, padding=(1, 0))
    >>> conv_transpose(np.array([[[1, 2]]]), np.array([[[1, 10]]]), spec, output_padding=1)
    array([[[10,  2, 20,  0]]])
    """
    y = _check_output(y, spec, "y")
    w = as_array(w)
    if w.shape != spec.weight_shape:
        raise SpecError(f"w: expected shape {spec.weight_shape} (out_channels, in_channels // "
                        f"groups, *kernel_size), got {w.shape}; PyTorch's transposed weight "
                        "(C_in, C_out/groups, *k) is this layout")
    _zeros_only(spec, "a transposed convolution")
    size = spec.transposed_input_size(output_padding)
    full = tuple(t + pl + pr for t, (pl, pr) in zip(size, spec.pads))
    n, g, r = spec.batch, spec.groups, spec.rank
    cg, fg, out = spec.group_in_channels, spec.group_out_channels, spec.output_size
    yg = y.reshape(n, g, fg, 1, *out)
    wg = w.reshape(g, fg, cg, *spec.kernel_size)
    taps = {}
    for tap in np.ndindex(*spec.kernel_size):
        weight = wg[(slice(None),) * 3 + tap][(None, Ellipsis, *(None,) * r)]  # (1, G, F/G, Cg)
        taps[tap] = (yg * weight).sum(axis=2).reshape(n, spec.in_channels, *out)
    return _scatter(taps, spec, full)


def col2im(cols: Any, spec: ConvSpec,
           layout: Im2colLayout | str = Im2colLayout.BATCH_SLOWEST) -> Any:
    """The adjoint of :func:`symconv.forms.im2col`: add every column entry back where it came from.

    ``cols`` is ``(groups, Cg*prod(kernel), batch*prod(output))`` in the given column ``layout``;
    overlapping windows accumulate; the result has ``spec.input_shape``.  Padding mode zeros only.

    >>> col2im(np.array([[[1, 2, 3], [10, 20, 30]]]), ConvSpec((4,), (2,)))
    array([[[ 1, 12, 23, 30]]])
    """
    if not isinstance(spec, ConvSpec):
        check_operands(cols, None, spec)  # raises the spec error
    cols = as_array(cols)
    n, g, r = spec.batch, spec.groups, spec.rank
    cg, out, k = spec.group_in_channels, spec.output_size, spec.kernel_size
    expected = (g, spec.products_per_output, n * int(np.prod(out, dtype=np.int64)))
    if cols.shape != expected:
        raise SpecError(f"cols: expected shape {expected} (groups, in_channels/groups * "
                        f"prod(kernel), batch * prod(output)), got {cols.shape}; pass "
                        "im2col's layout for this spec")
    _zeros_only(spec, "col2im")
    if Im2colLayout(layout) is Im2colLayout.BATCH_FASTEST:
        v = np.moveaxis(cols.reshape(g, -1, *out, n), -1, 2)  # (G, L, N, *O)
    else:
        v = cols.reshape(g, -1, n, *out)
    v = np.moveaxis(v, (0, 1), (1, 2 + r))  # (N, G, *O, L)
    v = v.reshape(n, g, *out, cg, *k)
    v = np.moveaxis(v, 2 + r, 2).reshape(n, spec.in_channels, *out, *k)  # (N, C, *O, *K)
    taps = {tap: v[(Ellipsis, *tap)] for tap in np.ndindex(*k)}
    return _scatter(taps, spec, spec.padded_size)


def input_gradient(dout: Any, w: Any, spec: ConvSpec) -> Any:
    """``dL/dx`` for ``L = sum(dout * conv(x, w))``: :func:`conv_transpose` of ``dout`` to
    ``spec.input_size``.

    >>> input_gradient(np.array([[[1, 1]]]), np.array([[[1, 2]]]), ConvSpec((3,), (2,)))
    array([[[1, 3, 2]]])
    """
    return conv_transpose(dout, w, spec)


def weight_gradient(x: Any, dout: Any, spec: ConvSpec) -> Any:
    """``dL/dw[f, c, u] = sum_{n,o} dout[n, f, o] * xpad[n, g*C/G + c, o*s + u*d]``, ``g`` the
    group of filter ``f``: the correlation of the padded input with the stride-dilated ``dout``.

    Every padding mode is followed (the padded input is what the weight multiplies).

    >>> weight_gradient(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), ConvSpec((3,), (2,)))
    array([[[21, 32]]])
    """
    (x,) = check_operands(x, None, spec)
    dout = _check_output(dout, spec, "dout")
    n, g, r = spec.batch, spec.groups, spec.rank
    cg, fg, out = spec.group_in_channels, spec.group_out_channels, spec.output_size
    fields = patches(x, spec).reshape(n, g, 1, cg, *out, *spec.kernel_size)
    grads = dout.reshape(n, g, fg, 1, *out, *(1,) * r)
    summed = (0, *range(4, 4 + r))  # batch and output positions
    dw = (fields * grads).sum(axis=summed)  # (G, F/G, Cg, *K)
    return dw.reshape(spec.weight_shape)
