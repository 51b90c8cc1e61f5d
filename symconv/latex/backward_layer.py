"""The tensors of a backward page: ``S̄`` (fresh symbols), the transposed convolution, the
zero-inserted padded ``𝒵``, the loss, the matrix ``C``, and the printed formulas built on them.

Built once per :class:`~symconv.latex.layer.Layer` (:func:`backward_tensors`), on the ring
carrier: the inner products and the loss are of degree 3.

>>> from symconv import ConvSpec
>>> from symconv.latex.names import Names
>>> b = backward_tensors(Layer(ConvSpec((5,), (3,), stride=2), Names(), vector=False))
>>> b.sides, b.z.shape
([(2, 2)], (1, 1, 7))
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import sympy

from ..adjoint import conv_transpose, zero_insert
from ..forms import correlate
from ..tensors import Backend, symbolic_tensor
from .display import EntrySum, Hadamard, Iverson, Rows, Times, tensor
from .layer import C, F, Layer, N, _display_array, _plus, _sym, view

__all__ = ["BackwardTensors", "backward_tensors", "flip_display", "pad_or_crop",
           "MATRIX_ENTRIES"]

#: Output-position letters of the bracket sums (i, j, l index the input; u, v, t the taps).
_POSITIONS = {1: "p", 2: "p q", 3: "r p q"}
#: ``C`` is printed and drawn when it has at most this many rows and columns.
MATRIX_ENTRIES = 25


def pad_or_crop(z: Any, sides: list[tuple[int, int]]) -> Any:
    """Pad spatial axis ``i`` of ``z`` by ``sides[i]``; a negative amount crops that many."""
    z = np.pad(z, [(0, 0), (0, 0)] + [(max(a, 0), max(b, 0)) for a, b in sides])
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(sides, z.shape[2:]))
    return z[(slice(None),) * 2 + crop]


class BackwardTensors:
    """The backward tensors of one layer: ``S̄`` (symbols), ``Ī``, ``𝒵``, gradients, ``C``."""

    def __init__(self, layer: Layer) -> None:
        s = self.spec = layer.spec
        self.layer = layer
        self.g = symbolic_tensor(s.output_shape, "g", Backend.RING)
        self.gd = _display_array("#dout", s.output_shape)
        self._out: Any = None
        size = s.transposed_input_size()
        self.sides = []
        for t, o, k, st, d, (pl, pr) in zip(size, s.output_size, s.kernel_size, s.stride,
                                            s.dilation, s.pads):
            extra = t - ((o - 1) * st - pl - pr + d * (k - 1) + 1)  # the output padding
            self.sides.append((d * (k - 1) - pl, d * (k - 1) - pr + extra))
        self.z = pad_or_crop(zero_insert(self.g, s.stride), self.sides)
        self.zd = pad_or_crop(zero_insert(self.gd, s.stride), self.sides)
        self.positions = sympy.symbols(_POSITIONS[s.rank], integer=True, nonnegative=True)
        if not isinstance(self.positions, tuple):
            self.positions = (self.positions,)
        inp, ker, out = layer.names.latex
        layer.labels.update({"#dout": rf"\overline{{{out}}}", "#dx": rf"\overline{{{inp}}}",
                             "#dw": rf"\overline{{{ker}}}", "#zpad": r"\mathcal{Z}",
                             "#zmat": r"\mathcal{Z}", "#L": r"\mathcal{L}",
                             "#cols": r"\overline{X}^{\mathrm{col}}", "#count": r"\mathcal{N}",
                             })
        self._loss: Any = None
        self._tr: Any = None
        self.matrix_printed = False  # set when the steps print C

    # ---- values ----
    @property
    def tr(self) -> Any:
        """The transposed convolution of ``S̄`` (zero padding only)."""
        if self._tr is None:
            self._tr = conv_transpose(self.g, self.layer.w, self.spec)
        return self._tr

    @property
    def loss(self) -> Any:
        """``L = sum(S̄ * S)``, a Polynomial of degree 3."""
        if self._loss is None:
            from ..adjoint_theorems import _total
            self._loss = _total(self.g * self.out)
        return self._loss

    @property
    def out(self) -> Any:
        """The layer's output ``S`` (built only by the pages that print it)."""
        if self._out is None:
            self._out = correlate(self.layer.x, self.layer.w, self.spec)
        return self._out

    def binding(self, **extra: Any) -> dict[str, Any]:
        """Keys of the backward tensors for :meth:`Layer.term` (``out`` once it is built)."""
        built = {} if self._out is None else {"out": view(self._out)}
        return {**built, "dout": view(self.g), "zpad": view(self.z), **extra}

    @property
    def in_free(self) -> tuple[sympy.Symbol, ...]:
        """Printed input indices: n (batch > 1), c (channels > 1), then spatial."""
        s = self.spec
        return tuple([N] * (s.batch > 1) + [C] * (s.in_channels > 1)) + self.layer.spatial

    @property
    def in_origin(self) -> tuple[int, ...]:
        return (0,) * len(self.in_free)

    def lead(self, batch: Any, channel: Any, channels: int) -> list[Any]:
        """The printed leading indices: batch (if > 1), then the channel (if > 1)."""
        return [batch] * (self.spec.batch > 1) + [channel] * (channels > 1)

    # ---- printed formulas ----
    def scatter(self, key: str = "#dout") -> Any:
        """``Σ_f Σ_p Σ_u [s p + d u = j + p_l] · S̄_{f,p} · K_{f,c,u}``: PyTorch's definition."""
        s, layer = self.spec, self.layer
        lhs = [_plus(st * p, d * u) for p, u, st, d in zip(self.positions, layer.taps,
                                                           s.stride, s.dilation)]
        rhs = [_plus(j, pl) for j, (pl, _) in zip(layer.spatial, s.pads)]
        bracket = Iverson(*((lhs[0], rhs[0]) if s.rank == 1 else
                            (sympy.Tuple(*lhs), sympy.Tuple(*rhs))))
        body = Times(bracket, tensor(key)[tuple(self.lead(N, F, s.out_channels)) +
                                          self.positions],
                     tensor("#w")[tuple([F] * (s.out_channels > 1) + [C] * (s.in_channels > 1)) +
                                  layer.taps])
        limits = [(F, 0, s.out_channels - 1)] * (s.out_channels > 1) + [
            (p, 0, o - 1) for p, o in zip(self.positions, s.output_size)] + [
            (u, 0, k - 1) for u, k in zip(layer.taps, s.kernel_size)]
        return sympy.Sum(body, *limits)

    def flipped_correlation(self) -> Any:
        """``Σ_f Σ_u 𝒵_{f, j + d u} · K_{f, c, k-1-u}``: stride 1 over the zero-inserted S̄."""
        s, layer = self.spec, self.layer
        index = [_plus(j, d * u) for j, u, d in zip(layer.spatial, layer.taps, s.dilation)]
        flipped = [_plus(k - 1, -u) for u, k in zip(layer.taps, s.kernel_size)]
        body = Times(tensor("#zpad")[tuple(self.lead(N, F, s.out_channels)) + tuple(index)],
                     tensor("#w")[tuple([F] * (s.out_channels > 1) + [C] * (s.in_channels > 1)) +
                                  tuple(flipped)])
        limits = [(F, 0, s.out_channels - 1)] * (s.out_channels > 1) + [
            (u, 0, k - 1) for u, k in zip(layer.taps, s.kernel_size)]
        return sympy.Sum(body, *limits)

    def flipped_first(self) -> Any:
        """The first input entry of the flipped correlation, the entries of 𝒵 written out."""
        s = self.spec
        zd, wd = self.zd[0], flip_display(self.layer.wd)
        rows = []
        for f in range(s.out_channels):
            for prefix in np.ndindex(*s.kernel_size[:-1]):
                terms = []
                for v in range(s.kernel_size[-1]):
                    tap = (*prefix, v)
                    at = tuple(d * t for d, t in zip(s.dilation, tap))
                    terms.append(Times(_sym(zd[(f, *at)]), wd[(f, 0, *tap)]))
                rows.append(terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False))
        return rows[0] if len(rows) == 1 else Rows(*rows)

    def inner(self, a: str, b: str) -> Any:
        return EntrySum(Hadamard(sympy.Symbol(a), sympy.Symbol(b)))

    def z_matrix(self) -> tuple[Any, Any] | None:
        """(shown, value) of 𝒵 as a matrix, for one batch entry and filter at rank <= 2."""
        s = self.spec
        if s.rank > 2 or s.batch * s.out_channels > 1 or max(self.z.shape[2:]) > MATRIX_ENTRIES:
            return None
        value = self.z[0, 0].reshape(1, -1) if s.rank == 1 else self.z[0, 0]
        shown = self.zd[0, 0].reshape(value.shape)
        return sympy.ImmutableMatrix(np.vectorize(_sym, otypes=[object])(shown).tolist()), value

    def matrix(self) -> np.ndarray | None:
        """The display entries of ``C`` (``vec(S) = C vec(I)``, row-major vectors), or None
        for layers with several channels or batch entries, rank 3, or more than
        :data:`MATRIX_ENTRIES` rows or columns."""
        s = self.spec
        rows, cols = int(np.prod(s.output_size)), int(np.prod(s.input_size))
        if s.rank > 2 or s.batch * s.in_channels * s.out_channels > 1 or \
                max(rows, cols) > MATRIX_ENTRIES:
            return None
        index = np.arange(1, cols + 1).reshape(1, 1, *s.input_size)  # 0: padding
        taps = correlate_index(index, s)  # (rows, taps): flat input index + 1 per tap
        wd = self.layer.wd.reshape(-1)
        c = np.full((rows, cols), sympy.Integer(0), dtype=object)
        for r in range(rows):
            for t, position in enumerate(taps[r]):
                if position:
                    c[r, position - 1] = wd[t]
        return c


def correlate_index(index: np.ndarray, spec: Any) -> np.ndarray:
    """``(outputs, taps)``: the (1-based, 0 for padding) input index each tap reads."""
    from ..forms import patches
    zeros = spec.replace(padding_mode="zeros")
    return patches(index, zeros).reshape(int(np.prod(spec.output_size)), -1)


def flip_display(wd: np.ndarray) -> np.ndarray:
    """The kernel's display entries with every spatial axis mirrored."""
    return wd[(slice(None),) * 2 + (slice(None, None, -1),) * (wd.ndim - 2)]


_STATE: weakref.WeakKeyDictionary[Layer, BackwardTensors] = weakref.WeakKeyDictionary()


def backward_tensors(layer: Layer) -> BackwardTensors:
    """The :class:`BackwardTensors` of ``layer``, built once."""
    if layer not in _STATE:
        _STATE[layer] = BackwardTensors(layer)
    return _STATE[layer]
