"""The formulations of a convolution layer, written once for sympy and numeric arrays alike.

Every function takes ``(x, w, spec)`` in PyTorch layouts and returns
``(batch, out_channels, *output_size)``.  The code uses only numpy indexing, padding, reshapes,
``*``, ``sum`` and ``@``, so running it on object arrays of symbols *is* a symbolic execution of
the code that runs on numbers.

* :func:`correlate` - the definition: for every kernel tap, a shifted slice of the input times
  one weight, accumulated (what frameworks call "conv").
* :func:`elementwise_sum` - sum of the Hadamard product of receptive field and kernel
  (the deeplearning.ai picture).
* :func:`flattened_dot` - ``vec(patch) . vec(kernel)`` (the cs231n neuron picture).
* :func:`im2col_matmul` - ``W_row @ X_col`` (one matrix multiply; cs231n's im2col).
* :func:`convolve` - true convolution: input index *minus* kernel offset.

The classic worked example, top-left output 4:

>>> import numpy as np
>>> from symconv import ConvSpec
>>> image = np.array([[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]])
>>> kernel = np.array([[1,0,1],[0,1,0],[1,0,1]])
>>> spec = ConvSpec((5, 5), (3, 3))
>>> x, w = image[None, None], kernel[None, None]
>>> elementwise_sum(x, w, spec)[0, 0]
array([[4, 3, 4],
       [2, 4, 3],
       [2, 3, 4]])
>>> bool((im2col_matmul(x, w, spec) == flattened_dot(x, w, spec)).all())
True
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arithmetic import widen
from .errors import SpecError
from .spec import ConvSpec, Pads

__all__ = ["Im2colLayout", "as_array", "check_operands", "pad", "patches", "im2col", "correlate",
           "elementwise_sum", "flattened_dot", "im2col_matmul", "convolve", "flip"]


class Im2colLayout(str, enum.Enum):
    """Order of the columns of ``X_col``: which index varies slowest."""

    BATCH_SLOWEST = "batch-slowest"  #: column ``n * (OH*OW) + oh * OW + ow`` (Caffe, cs231n)
    BATCH_FASTEST = "batch-fastest"  #: column ``(oh * OW + ow) * N + n`` (cs231n's conv_fast)


def as_array(value: Any) -> Any:
    """``np.asarray(value)``, except that a duck array (a carrier implementing numpy's
    ``__array_function__`` protocol, such as :class:`symconv.vector.FormArray`) stays itself."""
    if not isinstance(value, np.ndarray) and hasattr(type(value), "__array_function__"):
        return value
    return np.asarray(value)


def check_operands(x: np.ndarray, w: np.ndarray | None,
                   spec: ConvSpec) -> tuple[np.ndarray, ...]:
    """``x`` (and ``w``) as arrays of the spec's shapes, or a SpecError naming the fix."""
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__}; "
                        "build one with ConvSpec(input_size, kernel_size, ...)")
    x = as_array(x)
    if x.shape != spec.input_shape:
        raise SpecError(f"x: expected shape {spec.input_shape} (batch, in_channels, *input_size)"
                        f", got {x.shape}; add the missing axes, e.g. x[None, None]")
    if w is None:
        return (x,)
    w = as_array(w)
    if w.shape != spec.weight_shape:
        raise SpecError(f"w: expected shape {spec.weight_shape} (out_channels, in_channels // "
                        f"groups, *kernel_size), got {w.shape}; add the missing axes, "
                        "e.g. w[None, None]")
    return x, w


def _operands(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """:func:`check_operands`, then integer data widened so that no sum wraps around."""
    x, w = check_operands(x, w, spec)
    return widen(x, w, spec.products_per_output)


def pad(x: np.ndarray, spec: ConvSpec, pads: Pads | None = None) -> np.ndarray:
    """Pad the spatial axes of ``x`` by ``pads`` (default ``spec.pads``) with the spec's mode.

    >>> pad(np.arange(3)[None, None], ConvSpec((3,), (2,), padding=(1, 0)))
    array([[[0, 0, 1, 2]]])
    """
    pads = spec.pads if pads is None else pads
    if not any(p for pair in pads for p in pair):
        return x
    width = ((0, 0), (0, 0), *pads)
    mode = spec.padding_mode.numpy_mode
    return np.pad(x, width) if mode == "constant" else np.pad(x, width, mode=mode)


def patches(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Receptive fields: ``(batch, in_channels, *output_size, *kernel_size)``.

    ``patches(x)[n, c, o..., u...]`` is the padded input at ``o*stride + u*dilation``.

    >>> patches(np.arange(5)[None, None], ConvSpec((5,), (2,), stride=2))[0, 0]
    array([[0, 1],
           [2, 3]])
    """
    (x,) = check_operands(x, None, spec)
    r = spec.rank
    extent = tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))
    windows = sliding_window_view(pad(x, spec), extent, axis=tuple(range(2, 2 + r)))
    step = (slice(None),) * 2 + tuple(slice(None, None, s) for s in spec.stride) + tuple(
        slice(None, None, d) for d in spec.dilation)
    return windows[step]


def _grouped_vectors(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Each receptive field flattened in (c, u, v) order: ``(N, G, *O, Cg*prod(K))``."""
    n, g, r = spec.batch, spec.groups, spec.rank
    p = patches(x, spec).reshape(n, g, spec.group_in_channels, *spec.output_size,
                                 *spec.kernel_size)
    p = np.moveaxis(p, 2, 2 + r)  # channel axis next to the kernel axes
    return p.reshape(n, g, *spec.output_size, spec.products_per_output)


def _weight_rows(w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``W_row`` per group: ``(G, F/G, Cg*prod(K))``, i.e. ``w.reshape(F, -1)`` split by group."""
    return w.reshape(spec.groups, spec.group_out_channels, spec.products_per_output)


def _ungroup(y: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``(N, G, F/G, *O)`` to ``(N, F, *O)``."""
    return y.reshape(spec.output_shape)


def elementwise_sum(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Sum of the element-wise (Hadamard) product of each receptive field with each kernel.

    >>> import sympy
    >>> x = np.array(sympy.symbols("a:4"))[None, None]
    >>> w = np.array(sympy.symbols("p q"))[None, None]
    >>> elementwise_sum(x, w, ConvSpec((4,), (2,)))
    array([[[a0*p + a1*q, a1*p + a2*q, a2*p + a3*q]]], dtype=object)
    """
    x, w = _operands(x, w, spec)
    n, g, r = spec.batch, spec.groups, spec.rank
    cg, fg = spec.group_in_channels, spec.group_out_channels
    field = patches(x, spec).reshape(n, g, 1, cg, *spec.output_size, *spec.kernel_size)
    kernel = w.reshape(1, g, fg, cg, *(1,) * r, *spec.kernel_size)
    hadamard = field * kernel  # (N, G, F/G, Cg, *O, *K)
    axes = (3, *range(4 + r, 4 + 2 * r))
    return _ungroup(hadamard.sum(axis=axes), spec)


def flattened_dot(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Dot product ``vec(patch) . vec(kernel)`` for every position and filter (row-major vec).

    >>> flattened_dot(np.arange(6).reshape(1, 1, 2, 3), np.ones((1, 1, 2, 2), int),
    ...               ConvSpec((2, 3), (2, 2)))
    array([[[[ 8, 12]]]])
    """
    x, w = _operands(x, w, spec)
    r = spec.rank
    rows = _grouped_vectors(x, spec)[:, :, None, ..., None, :]  # (N, G, 1, *O, 1, L)
    cols = _weight_rows(w, spec)[(None, slice(None), slice(None), *(None,) * r, slice(None), None)]
    return _ungroup(np.matmul(rows, cols)[..., 0, 0], spec)


def im2col(x: np.ndarray, spec: ConvSpec,
           layout: Im2colLayout | str = Im2colLayout.BATCH_SLOWEST) -> np.ndarray:
    """``X_col`` per group, ``(groups, Cg*prod(kernel), batch*prod(output))``.

    Row ``c*kH*kW + u*kW + v`` holds input channel ``c`` of the group at kernel tap ``(u, v)``,
    so ``W_row = w.reshape(out_channels, -1)`` multiplies it directly.

    >>> im2col(np.arange(4)[None, None], ConvSpec((4,), (2,)))
    array([[[0, 1, 2],
            [1, 2, 3]]])
    """
    v = _grouped_vectors(x, spec)  # (N, G, *O, L)
    v = np.moveaxis(v, (1, v.ndim - 1), (0, 1))  # (G, L, N, *O)
    if Im2colLayout(layout) is Im2colLayout.BATCH_FASTEST:
        v = np.moveaxis(v, 2, v.ndim - 1)  # (G, L, *O, N)
    return v.reshape(spec.groups, spec.products_per_output, -1)


def im2col_matmul(x: np.ndarray, w: np.ndarray, spec: ConvSpec,
                  layout: Im2colLayout | str = Im2colLayout.BATCH_SLOWEST) -> np.ndarray:
    """One matrix multiply per group, ``W_row @ X_col``, then the columns folded back.

    >>> x = np.arange(8).reshape(2, 1, 4)  # batch of two 1-D signals
    >>> im2col_matmul(x, np.array([[[1, -1]]]), ConvSpec((4,), (2,), batch=2), "batch-fastest")
    array([[[-1, -1, -1]],
    <BLANKLINE>
           [[-1, -1, -1]]])
    """
    x, w = _operands(x, w, spec)
    y = _weight_rows(w, spec) @ im2col(x, spec, layout)  # (G, F/G, columns)
    g, fg, out = spec.groups, spec.group_out_channels, spec.output_size
    if Im2colLayout(layout) is Im2colLayout.BATCH_FASTEST:
        y = np.moveaxis(y.reshape(g, fg, *out, spec.batch), -1, 0)
    else:
        y = np.moveaxis(y.reshape(g, fg, spec.batch, *out), 2, 0)
    return _ungroup(y, spec)


def _shift_and_add(x: np.ndarray, w: np.ndarray, spec: ConvSpec, *, mirrored: bool) -> np.ndarray:
    """Accumulate ``w[f, c, u] * xpad[n, c, o*s + d*t]`` over taps, ``t = u`` or ``k-1-u``."""
    pads = spec.convolution_pads if mirrored else spec.pads
    n, g, cg, fg = spec.batch, spec.groups, spec.group_in_channels, spec.group_out_channels
    xp = pad(x, spec, pads)
    xg = xp.reshape(n, g, cg, *xp.shape[2:])
    wg = w.reshape(g, fg, cg, *spec.kernel_size)
    out = np.zeros((n, g, fg, *spec.output_size), dtype=np.result_type(x.dtype, w.dtype))
    for c in range(cg):
        for tap in np.ndindex(*spec.kernel_size):
            offset = [k - 1 - u if mirrored else u for k, u in zip(spec.kernel_size, tap)]
            window = tuple(slice(d * t, d * t + s * (o - 1) + 1, s) for d, t, s, o in zip(
                spec.dilation, offset, spec.stride, spec.output_size))
            shifted = xg[:, :, c][(slice(None), slice(None), *window)]  # (N, G, *O)
            weight = wg[:, :, c][(slice(None), slice(None), *tap)]  # (G, F/G)
            weight = weight[(None, slice(None), slice(None), *(None,) * spec.rank)]
            out += weight * shifted[:, :, None]
    return _ungroup(out, spec)


def correlate(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlation by definition: ``y[n,f,o] = sum_{c,u} w[f,c,u] xpad[n,c,o*s + u*d]``.

    This is PyTorch's ``conv2d``.

    >>> correlate(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), ConvSpec((3,), (2,)))
    array([[[21, 32]]])
    """
    x, w = _operands(x, w, spec)
    return _shift_and_add(x, w, spec, mirrored=False)


def convolve(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """True convolution: ``y[n,f,o] = sum_{c,u} w[f,c,u] xpad[n,c,o*s + d*(k-1-u)]``.

    The input index runs *against* the kernel index, as in ``(x * w)[t] = sum_u x[t-u] w[u]``;
    with ``padding='same'`` the input is padded by :attr:`ConvSpec.convolution_pads`, which
    matches ``scipy.signal.convolve(mode='same')``.

    >>> convolve(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), ConvSpec((3,), (2,)))
    array([[[12, 23]]])
    """
    x, w = _operands(x, w, spec)
    return _shift_and_add(x, w, spec, mirrored=True)


def flip(w: np.ndarray) -> np.ndarray:
    """Mirror a weight ``(out, in, *kernel)`` in every spatial axis (``w[..., ::-1, ::-1]``).

    >>> flip(np.array([[[1, 2, 3]]]))
    array([[[3, 2, 1]]])
    """
    w = as_array(w)
    if w.ndim < 3:
        raise SpecError(f"w: expected a weight (out_channels, in_channels, *kernel_size) with at "
                        f"least 3 axes, got shape {w.shape}; add axes, e.g. w[None, None]")
    return np.flip(w, axis=tuple(range(2, w.ndim)))
