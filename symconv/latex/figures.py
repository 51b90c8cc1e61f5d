"""Figures of a derivation: one model, drawn by TikZ (here) and by matplotlib (:mod:`.plots`).

* the (padded) input grid with the kernel window at the first output position, each covered
  cell carrying its kernel weight in red, next to the output grid with that cell highlighted;
* ``X_col^T`` (one row per window) times ``vec(K)`` equals ``vec(S)``, matching row highlighted;
* the kernel beside its flip.

Cell texts are LaTeX math produced by the printer from display names (never user text).

>>> from symconv import ConvSpec
>>> from symconv.latex.layer import Layer
>>> from symconv.latex.names import Names
>>> fig = window_figure(Layer(ConvSpec((3, 3), (2, 2)), Names()))
>>> fig.panels[0].cells[0][0], fig.panels[0].weights[(0, 0)]
('I_{0,0}', 'K_{0,0}')
>>> print(tikz(fig).splitlines()[0])
\\begin{tikzpicture}[scale=1.000, every node/.style={scale=1.000}]
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy

from ..forms import flip, pad
from .layer import Layer, view
from .printer import ConvLatexPrinter, environment, width_em

__all__ = ["Grid", "Figure", "figures_for", "window_figure", "im2col_figure", "flip_figure",
           "tikz", "MAX_GRID", "WIDTH_CM"]

#: Grids larger than this (rows or columns) are not drawn.
MAX_GRID = 16
WIDTH_CM = 17.0  #: drawable width on the page (cm)
_GAP = 0.6  # space (cm) on each side of an operator between panels


@dataclass(frozen=True)
class Grid:
    """A grid of cells: texts, highlighted cells, red weights, greyed (padding) cells."""

    cells: tuple[tuple[str, ...], ...]
    label: str
    highlight: frozenset[tuple[int, int]] = frozenset()
    weights: Mapping[tuple[int, int], str] = field(default_factory=dict)
    grey: frozenset[tuple[int, int]] = frozenset()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.cells), len(self.cells[0])


@dataclass(frozen=True)
class Figure:
    """Panels left to right: grids, and operator strings (LaTeX math) between them."""

    panels: tuple[Grid | str, ...]
    caption: str
    symbolic: bool = True

    @property
    def cell(self) -> float:
        """Cell size in cm: wider for symbols than for digits, and for long names (each cell's
        text is set in scriptsize, about 0.25 cm per em)."""
        widest = max((width_em(t) for p in self.panels if isinstance(p, Grid)
                      for row in p.cells for t in row), default=0.0)
        return max(1.05 if self.symbolic else 0.62, 0.25 * widest + 0.2)

    @property
    def width(self) -> float:
        """Natural width in cm (before any scaling)."""
        return sum(_panel_width(p, self.cell) for p in self.panels)

    def _repr_png_(self) -> bytes | None:
        """The figure as PNG for Jupyter (None without matplotlib: the text form shows)."""
        return _image(self, "png")

    def _repr_svg_(self) -> str | None:
        """The figure as SVG for Jupyter (None without matplotlib)."""
        data = _image(self, "svg")
        return None if data is None else data.decode()


def _image(figure: Figure, fmt: str) -> bytes | None:
    """:func:`~symconv.latex.plots.figure_image` (150 dpi), or None when
    matplotlib is not installed."""
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from .plots import figure_image
    return figure_image(figure, fmt, dpi=150)


def _texts(printer: ConvLatexPrinter, array: np.ndarray) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(printer.doprint(sympy.sympify(v)) for v in row) for row in array)


def _as2d(array: np.ndarray) -> np.ndarray:
    return array.reshape(1, -1) if array.ndim == 1 else array


def _drawable(layer: Layer) -> bool:
    """Every layer is drawn: a batch or several channels by the first of each, a 3-D layer by
    its first depth slice (captions say which)."""
    return layer.spec.rank <= 3


def _first_only(array: np.ndarray, spec_axes: int) -> np.ndarray:
    """The first batch entry / channel / filter of a display array (leading axes of size > 1),
    and of a 3-D layer its first depth slice."""
    array = array[(0,) * (array.ndim - spec_axes)] if array.ndim > spec_axes else array
    return array[0] if spec_axes == 3 else array


def _slice_note(layer: Layer, what: str) -> str:
    """Caption words saying which batch entry, channel and filter a figure shows."""
    s = layer.spec
    parts = [f"{name} 0 of {size}" for name, size in (
        ("batch entry", s.batch if "n" in what else 1),
        ("input channel", s.in_channels if "c" in what else 1),
        ("filter", s.out_channels if "f" in what else 1)) if size > 1]
    if s.rank == 3:
        parts.append("depth slice 0 of input, kernel and output" if "o" in what
                     else "depth slice 0")
    if not parts:
        return ""
    summed = [what_ for what_, more in (("input channels", s.in_channels > 1 and "c" in what),
                                         ("kernel slices", s.rank == 3)) if more]
    extra = f" (the output also sums over the other {' and '.join(summed)})" if summed and \
        "o" in what else ""
    return " Shown: " + ", ".join(parts) + extra + "."


def window_figure(layer: Layer) -> Figure | None:
    """Input (padded) with the first window and red weights, then the output grid."""
    s, p = layer.spec, ConvLatexPrinter(layer.labels)
    if not _drawable(layer):
        return None
    padded = _as2d(_first_only(view(pad(layer.xd, s)), s.rank))
    if max(padded.shape) > MAX_GRID:
        return None
    mask = np.pad(np.ones(s.input_size, dtype=int), s.pads)
    mask = _as2d(mask[0] if s.rank == 3 else mask)
    kernel = _as2d(_first_only(view(layer.wd), s.rank))
    dil = ((1,) * (2 - s.rank) + s.dilation)[-2:]
    weights = {(u * dil[0], v * dil[1]): p.doprint(kernel[u, v])
               for u in range(kernel.shape[0]) for v in range(kernel.shape[1])}
    if layer.numeric:
        weights = {k: r"\times " + v for k, v in weights.items()}
    out = _as2d(_first_only(layer.output_entries(), s.rank))
    grey = frozenset(zip(*np.nonzero(mask == 0)))
    inp, _, res = (layer.labels[k] for k in ("#pad" if grey else "#in", "#w", "#out"))
    return Figure((Grid(_texts(p, padded), inp, frozenset(weights), weights, grey),
                   r"\longrightarrow",
                   Grid(_texts(p, out), res, frozenset({(0, 0)}))),
                  "The kernel window at the first output position; red: the kernel weight each "
                  "covered cell is multiplied by. The products sum to the highlighted output."
                  + _slice_note(layer, "ncfo"), not layer.numeric)


def im2col_figure(layer: Layer) -> Figure | None:
    """``X_col^T`` times ``vec(K)`` equals ``vec(S)``; the first row and entry highlighted."""
    p, s = ConvLatexPrinter(layer.labels), layer.spec
    if s.rank > 2 or s.batch * s.in_channels * s.out_channels > 1:
        return None  # one X_col for every channel and batch entry: the window figure shows it
    x_col = layer.im2col_shown()[1]
    if x_col.shape[1] > MAX_GRID or x_col.shape[0] > 12:
        return None
    vec_k = layer.wd.reshape(-1, 1)
    vec_s = layer.output_entries().reshape(-1, 1)
    return Figure((Grid(_texts(p, x_col.T), r"X_{\mathrm{col}}^{\top}",
                        frozenset((0, c) for c in range(x_col.shape[0]))), r"\times",
                   Grid(_texts(p, vec_k), r"\operatorname{vec}(" + layer.labels["#w"] + ")"),
                   "=",
                   Grid(_texts(p, vec_s), r"\operatorname{vec}(" + layer.labels["#out"] + ")",
                        frozenset({(0, 0)}))),
                  "im2col: row p of the matrix is window p read row by row; times the kernel "
                  "read row by row it gives output p.", not layer.numeric)


def flip_figure(layer: Layer) -> Figure | None:
    """The kernel beside its flip (every spatial axis mirrored)."""
    if not _drawable(layer):
        return None
    p = ConvLatexPrinter(layer.labels)
    rank = layer.spec.rank
    k = _as2d(_first_only(view(layer.wd), rank))
    kf = _as2d(_first_only(view(flip(layer.wd)), rank))
    if max(k.shape) > MAX_GRID:
        return None
    corner = frozenset({(0, 0)})
    last = frozenset({(k.shape[0] - 1, k.shape[1] - 1)})
    return Figure((Grid(_texts(p, k), layer.labels["#w"], corner), r"\xrightarrow{\text{flip}}",
                   Grid(_texts(p, kf), layer.labels["#flip"], last)),
                  "Flipping mirrors the kernel in every axis: the highlighted corner moves to "
                  "the opposite corner." + _slice_note(layer, "cf"), not layer.numeric)


_FIGURES = {"example": (window_figure, im2col_figure),
            "convolution-is-flipped-correlation": (flip_figure,),
            "flip-is-involution": (flip_figure,),
            "dot-equals-im2col": (window_figure, im2col_figure),
            "dot-equals-im2col-batch-fastest": (window_figure, im2col_figure),
            "all-formulations-agree": (window_figure, im2col_figure)}


def figures_for(layer: Layer, name: str) -> tuple[Figure, ...]:
    """The figures of derivation ``name`` that can be drawn for this layer (grids of at most
    :data:`MAX_GRID` cells a side; one channel and depth slice of larger layers)."""
    makers = _FIGURES.get(name, (window_figure,))
    return tuple(f for f in (make(layer) for make in makers) if f is not None)


# ---- TikZ ----

def _panel_width(panel: Grid | str, cell: float) -> float:
    return panel.shape[1] * cell if isinstance(panel, Grid) else 2 * _GAP


def tikz(figure: Figure, width: float = WIDTH_CM) -> str:
    """The figure as a ``tikzpicture`` (needs tikz and xcolor), scaled to fit ``width`` cm."""
    cell = figure.cell
    scale = min(1.0, width / figure.width)
    lines, x = [], 0.0
    for panel in figure.panels:
        if isinstance(panel, str):
            lines.append(rf"\node at ({x + _GAP:.3f}, 0) {{${panel}$}};")
        else:
            lines += _grid_lines(panel, x, cell)
        x += _panel_width(panel, cell)
    return environment("tikzpicture", lines, f"[scale={scale:.3f}, every node/.style="
                                             f"{{scale={scale:.3f}}}]", separator="")


def _grid_lines(grid: Grid, x0: float, cell: float) -> list[str]:
    rows, cols = grid.shape
    top = rows * cell / 2
    font = r"\scriptsize" if cell > 1 else r"\small"
    out = []
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + c * cell, top - (r + 1) * cell
            fill = ("blue!15" if (r, c) in grid.highlight else
                    "black!8" if (r, c) in grid.grey else "white")
            out.append(rf"\filldraw[fill={fill}, draw=black!60] ({x:.3f}, {y:.3f}) rectangle "
                       rf"++({cell:.3f}, {cell:.3f});")
            dy = cell * 0.12 if (r, c) in grid.weights else 0.0
            out.append(rf"\node[font={font}] at ({x + cell / 2:.3f}, {y + cell / 2 + dy:.3f}) "
                       rf"{{${grid.cells[r][c]}$}};")
            if (r, c) in grid.weights:
                out.append(rf"\node[font=\tiny, text=red, anchor=south east, inner sep=1pt] at "
                           rf"({x + cell:.3f}, {y:.3f}) {{${grid.weights[(r, c)]}$}};")
    out.append(rf"\node[anchor=north] at ({x0 + cols * cell / 2:.3f}, {-top - 0.05:.3f}) "
               rf"{{${grid.label}$}};")
    return out
