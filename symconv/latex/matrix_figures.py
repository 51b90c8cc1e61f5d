"""Figures of the backward pages, in the grid model of :mod:`.figures` (TikZ and matplotlib).

* :func:`matrix_figure` - the matrix ``C`` of a small layer beside its transpose, each nonzero
  entry labelled with its kernel tap (zeros grey);
* :func:`zero_insertion_figure` - the output gradient spread with ``s - 1`` zeros between its
  entries, padded by ``d(k - 1) - p`` (grey), the flipped kernel at the first position (red);
* :func:`weight_gradient_figure` - the padded input with the output gradient laid over it at
  every ``s``-th entry (red), summing to the first tap of the kernel gradient;
* :func:`counts_figure` - how many windows cover each input entry (col2im accumulates them).

>>> from symconv import ConvSpec
>>> from symconv.latex.layer import Layer
>>> from symconv.latex.names import Names
>>> fig = matrix_figure(Layer(ConvSpec((5,), (3,), stride=2), Names()))
>>> fig.panels[0].shape, nonzero(fig.panels[0])
((2, 5), 6)
>>> fig.panels[0].cells[1]
('0', '0', 'K_{0}', 'K_{1}', 'K_{2}')
"""

from __future__ import annotations

import numpy as np
import sympy

from ..adjoint import col2im, zero_insert
from ..forms import pad
from .backward_layer import backward_tensors, flip_display, pad_or_crop
from .figures import MAX_GRID, Figure, Grid, _as2d, _first_only, _slice_note, _texts
from .layer import Layer, _display_array
from .printer import ConvLatexPrinter

__all__ = ["matrix_figure", "zero_insertion_figure", "weight_gradient_figure", "counts_figure",
           "backward_figures", "nonzero"]


def nonzero(grid: Grid) -> int:
    """The number of cells of ``grid`` whose text is not ``0``."""
    return sum(text != "0" for row in grid.cells for text in row)


def _slice(array: np.ndarray, rank: int) -> np.ndarray:
    """The first batch entry and channel (leading two axes), of rank 3 the first depth slice,
    as a 2-D array."""
    return _as2d(_first_only(array[0, 0], rank) if rank == 3 else array[0, 0])


def matrix_figure(layer: Layer) -> Figure | None:
    """``C`` beside ``Cᵀ`` (one channel, batch 1, rank <= 2, at most 25 rows and columns);
    ``C`` alone when ``Cᵀ`` would be taller than :data:`~symconv.latex.figures.MAX_GRID` rows."""
    c = backward_tensors(layer).matrix()
    if c is None or c.shape[0] > MAX_GRID:
        return None
    p = ConvLatexPrinter(layer.labels)
    zeros = {(r, k) for r in range(c.shape[0]) for k in range(c.shape[1]) if c[r, k] == 0}
    panels: tuple[Grid | str, ...] = (Grid(_texts(p, c), r"\mathbf{C}", grey=frozenset(zeros)),)
    if c.shape[1] <= MAX_GRID:
        panels += (r"\xrightarrow{\top}", Grid(_texts(p, c.T), r"\mathbf{C}^{\top}",
                                               grey=frozenset((k, r) for r, k in zeros)))
    return Figure(panels,
                  "The layer as a matrix: row o of C holds the kernel taps at the input entries "
                  "window o reads (grey: zero), so the output read row by row is C times the "
                  "input read row by row. The transposed convolution multiplies by the "
                  "transpose: column o of C becomes row o" +
                  ("." if len(panels) > 1 else " (drawn for layers of at most 16 inputs)."))


def zero_insertion_figure(layer: Layer) -> Figure | None:
    """The zero-inserted, padded output gradient with the flipped kernel at the first
    position (red), next to the transposed convolution with its first entry highlighted."""
    b, s = backward_tensors(layer), layer.spec
    p = ConvLatexPrinter(layer.labels)
    z = _slice(np.vectorize(lambda v: sympy.sympify(v), otypes=[object])(b.zd), s.rank)
    if max(z.shape) > MAX_GRID:
        return None
    marks = zero_insert(np.full(s.output_shape, 2, dtype=np.int64), s.stride)
    marks = _slice(pad_or_crop(marks + (marks == 0), b.sides), s.rank)  # 2 entry, 1 zero
    grey = frozenset(zip(*np.nonzero(marks == 0)))
    kernel = _as2d(_first_only(flip_display(layer.wd)[0, 0], s.rank) if s.rank == 3
                   else flip_display(layer.wd)[0, 0])
    dil = ((1,) * (2 - s.rank) + s.dilation)[-2:]
    weights = {(u * dil[0], v * dil[1]): p.doprint(kernel[u, v])
               for u in range(kernel.shape[0]) for v in range(kernel.shape[1])}
    weights = {k: v for k, v in weights.items() if k[0] < z.shape[0] and k[1] < z.shape[1]}
    dx = _slice(_display_array("#dx", s.input_shape), s.rank)
    return Figure((Grid(_texts(p, z), layer.labels["#zpad"], frozenset(weights), weights, grey),
                   r"\longrightarrow",
                   Grid(_texts(p, dx), layer.labels["#dx"], frozenset({(0, 0)}))),
                  "Zero insertion: the entries of the output-side tensor spread with s - 1 zeros "
                  "between them, padded by d(k - 1) - p (grey); the flipped kernel (red) slides "
                  "over it at stride 1, and its products sum to the highlighted entry."
                  + _slice_note(layer, "ncf"))


def weight_gradient_figure(layer: Layer) -> Figure | None:
    """The padded input with the output gradient at every ``s``-th entry (red), next to the
    kernel gradient with its first tap highlighted."""
    b, s = backward_tensors(layer), layer.spec
    p = ConvLatexPrinter(layer.labels)
    padded = _slice(pad(layer.xd, s), s.rank)
    if max(padded.shape) > MAX_GRID:
        return None
    mask = _slice(np.pad(np.ones(s.input_shape, dtype=int),
                         [(0, 0), (0, 0), *s.pads]), s.rank)
    g = _slice(b.gd, s.rank)
    st = ((1,) * (2 - s.rank) + s.stride)[-2:]
    weights = {(a * st[0], c * st[1]): p.doprint(g[a, c])
               for a in range(g.shape[0]) for c in range(g.shape[1])}
    grey = frozenset(zip(*np.nonzero(mask == 0)))
    label = layer.labels["#pad" if grey else "#in"]
    dw = _slice(_display_array("#dw", s.weight_shape), s.rank)
    return Figure((Grid(_texts(p, padded), label, frozenset(weights), weights, grey),
                   r"\longrightarrow",
                   Grid(_texts(p, dw), layer.labels["#dw"], frozenset({(0, 0)}))),
                  "The kernel gradient at the first tap: the output gradient (red) laid over "
                  "the padded input at every s-th entry, products summed; the next tap shifts "
                  "it by the dilation." + _slice_note(layer, "ncf"))


def counts_figure(layer: Layer) -> Figure | None:
    """How many windows cover each input entry; overlaps (counts above 1) highlighted."""
    s = layer.spec
    cols = np.ones((s.groups, s.products_per_output,
                    s.batch * int(np.prod(s.output_size))), dtype=np.int64)
    counts = _as2d(_first_only(col2im(cols, s, layer.layout)[0, 0], s.rank)
                   if s.rank == 3 else col2im(cols, s, layer.layout)[0, 0])
    if max(counts.shape) > MAX_GRID:
        return None
    texts = tuple(tuple(str(int(v)) for v in row) for row in counts)
    over = frozenset(zip(*np.nonzero(counts > 1)))
    return Figure((Grid(texts, layer.labels["#count"], over),),
                  "How many windows contain each input entry (highlighted: more than one): "
                  "col2im adds every copy back, so overlapping windows accumulate."
                  + (" Shown: depth slice 0." if s.rank == 3 else ""), symbolic=False)


_MAKERS = {"transposed-is-adjoint": (matrix_figure,),
           "transposed-is-zero-insertion": (zero_insertion_figure,),
           "input-gradient-is-transposed-convolution": (zero_insertion_figure,),
           "weight-gradient-is-correlation": (weight_gradient_figure,),
           "col2im-is-adjoint-of-im2col": (counts_figure,)}


def backward_figures(layer: Layer, name: str) -> tuple[Figure, ...]:
    """The figures of backward page ``name`` that can be drawn for ``layer``."""
    return tuple(f for f in (make(layer) for make in _MAKERS.get(name, ())) if f is not None)

