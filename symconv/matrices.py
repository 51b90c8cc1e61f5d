"""The named ``sympy.Matrix`` objects of one layer, for sympy's own matrix algebra in a notebook.

:func:`sympy_matrices` returns the receptive field and the kernel as matrices, ``vec`` of each,
``X_col`` and ``W_row``, built from the same formulations :func:`~symconv.prove` proves equal, so
that ``W_row * X_col`` and ``patch.multiply_elementwise(kernel)`` are the convolution.

One trap to know: sympy's ``Matrix.vec()`` stacks *columns*, while numpy's ``reshape`` and the
im2col row order ``c*kH*kW + u*kW + v`` are row-major.  ``vec_patch`` and ``vec_kernel`` are the
row-major ones (``patch.reshape(L, 1)``); ``W_row * patch.vec()`` pairs the wrong entries.

>>> from symconv import ConvSpec
>>> m = sympy_matrices(ConvSpec((3, 3), (2, 2)))
>>> m.patch
Matrix([
[x_{0,0,0,0}, x_{0,0,0,1}],
[x_{0,0,1,0}, x_{0,0,1,1}]])
>>> m.vec_patch.T
Matrix([[x_{0,0,0,0}, x_{0,0,0,1}, x_{0,0,1,0}, x_{0,0,1,1}]])
>>> m.patch.vec().T
Matrix([[x_{0,0,0,0}, x_{0,0,1,0}, x_{0,0,0,1}, x_{0,0,1,1}]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy

from .errors import SpecError
from .forms import Im2colLayout, correlate, im2col, patches
from .spec import ConvSpec
from .tensors import symbolic_input, symbolic_weight

__all__ = ["SympyMatrices", "sympy_matrices"]


@dataclass(frozen=True, eq=False)
class SympyMatrices:
    """The matrices of one layer at one output position, for one filter.

    A receptive field of ``Cg`` channels and kernel ``(k_1, ..., k_r)`` is the matrix of shape
    ``(Cg*k_1*...*k_{r-1}, k_r)``: channels, then kernel rows, stacked vertically, so its
    row-major ``vec`` is exactly the im2col row order.  ``X_col`` and ``W_row`` are those of the
    filter's group; ``output`` is the definition (``correlate``) in ``X_col``'s column order, and
    ``column`` the column of ``position``.
    """

    spec: ConvSpec
    position: tuple[int, ...]  #: ``(n, *o)``: batch index and output position
    filter: int  #: the output channel ``kernel`` belongs to
    layout: Im2colLayout  #: the column order of ``X_col``
    patch: sympy.Matrix  #: the receptive field at ``position`` (padded entries included)
    kernel: sympy.Matrix  #: ``w[filter]``, the same shape as ``patch``
    vec_patch: sympy.Matrix  #: ``patch.reshape(L, 1)``: row-major, not ``patch.vec()``
    vec_kernel: sympy.Matrix  #: ``kernel.reshape(L, 1)``
    X_col: sympy.Matrix  #: im2col: one column per window, rows ``c*kH*kW + u*kW + v``
    W_row: sympy.Matrix  #: ``w.reshape(F, -1)``, the rows of the group's filters
    output: sympy.Matrix  #: correlate(x, w) of the group's filters, columns as in ``X_col``
    column: int  #: the column of ``X_col`` (and ``output``) that holds ``patch``

    @property
    def row(self) -> int:
        """The row of ``W_row`` (and ``output``) that holds ``kernel``."""
        return self.filter % self.spec.group_out_channels


def _matrix(array: np.ndarray) -> sympy.Matrix:
    return sympy.Matrix(np.asarray(array, dtype=object).tolist())


def _position(spec: ConvSpec, position: object, filter: object) -> tuple[int, ...]:
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__} {spec!r}; "
                        "e.g. sympy_matrices(ConvSpec((5, 5), (3, 3)))")
    bounds = (spec.batch, *spec.output_size)
    if position is None:
        position = (0,) * len(bounds)
    if not isinstance(position, (tuple, list)) or len(position) != len(bounds) or not all(
            isinstance(p, (int, np.integer)) and 0 <= p < b for p, b in zip(position, bounds)):
        axes = ", ".join(f"o{i}" for i in range(spec.rank))
        raise SpecError(f"position: expected (n, {axes}) below {bounds}, got {position!r}; "
                        f"e.g. position={(0,) * len(bounds)}")
    if not isinstance(filter, (int, np.integer)) or not 0 <= filter < spec.out_channels:
        raise SpecError(f"filter: expected an output channel 0 to {spec.out_channels - 1}, got "
                        f"{filter!r}")
    return tuple(int(p) for p in position)


def sympy_matrices(spec: ConvSpec, *, position: tuple[int, ...] | None = None, filter: int = 0,
                   layout: Im2colLayout | str = Im2colLayout.BATCH_SLOWEST, input_name: str = "x",
                   weight_name: str = "w") -> SympyMatrices:
    """The receptive field, kernel, their ``vec``, ``X_col``, ``W_row`` as ``sympy.Matrix``.

    Entries are the sympy symbols ``x_{n,c,i,j}`` and ``w_{f,c,u,v}`` (padding as zeros, or as
    the mirrored entries under ``padding_mode='reflect'`` ...).  ``position`` is ``(n, *o)``
    (default all zeros); ``filter`` picks the kernel (and the group of ``X_col``/``W_row``).

    >>> from symconv import ConvSpec
    >>> m = sympy_matrices(ConvSpec((3, 3), (2, 2)))
    >>> m.kernel
    Matrix([
    [w_{0,0,0,0}, w_{0,0,0,1}],
    [w_{0,0,1,0}, w_{0,0,1,1}]])
    >>> m.X_col.shape, m.W_row.shape
    ((4, 4), (1, 4))
    >>> (m.W_row * m.X_col)[0, 0] == sum(m.patch.multiply_elementwise(m.kernel))
    True
    >>> (m.W_row * m.X_col - m.output).expand().is_zero_matrix
    True
    """
    position = _position(spec, position, filter)
    layout = Im2colLayout(layout)
    x = symbolic_input(spec, input_name)
    w = symbolic_weight(spec, weight_name)
    fg, cg = spec.group_out_channels, spec.group_in_channels
    group = filter // fg
    channels = slice(group * cg, (group + 1) * cg)
    filters = slice(group * fg, (group + 1) * fg)
    n, out = position[0], position[1:]
    last = spec.kernel_size[-1]
    field = patches(x, spec)[(n, channels, *out)]  # (Cg, *K)
    patch = _matrix(field.reshape(-1, last))
    kernel = _matrix(w[filter].reshape(-1, last))
    length = patch.rows * patch.cols
    y = correlate(x, w, spec)[:, filters]  # (N, Fg, *O)
    y = np.moveaxis(y, 1, 0)  # (Fg, N, *O)
    flat_out = int(np.ravel_multi_index(out, spec.output_size))
    positions = math.prod(spec.output_size)
    if layout is Im2colLayout.BATCH_FASTEST:
        y = np.moveaxis(y, 1, y.ndim - 1)  # (Fg, *O, N)
        column = flat_out * spec.batch + n
    else:
        column = n * positions + flat_out
    return SympyMatrices(
        spec=spec, position=position, filter=filter, layout=layout, patch=patch, kernel=kernel,
        vec_patch=patch.reshape(length, 1), vec_kernel=kernel.reshape(length, 1),
        X_col=_matrix(im2col(x, spec, layout)[group]),
        W_row=_matrix(w.reshape(spec.out_channels, -1)[filters]),
        output=_matrix(y.reshape(fg, -1)), column=column)
