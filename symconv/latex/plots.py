"""The derivation figures drawn with matplotlib, as PNG or SVG, for readers without TeX.

Same model as the TikZ figures (:mod:`symconv.latex.figures`); cell texts use matplotlib's
mathtext.  Needs the ``figures`` extra (``pip install 'symconv[figures]'``).
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import SymconvError
from .figures import _GAP, Figure, Grid

__all__ = ["figure_image", "render_figures", "save_figures"]

_FORMATS = ("png", "svg")


def _pyplot() -> Any:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SymconvError("matplotlib: not installed; pip install 'symconv[figures]'") from None
    return plt


def _draw_grid(ax: Any, grid: Grid, x0: float, cell: float, symbolic: bool) -> None:
    from matplotlib.patches import Rectangle
    rows, cols = grid.shape
    top = rows * cell / 2
    size = 8 if symbolic else 11
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + c * cell, top - (r + 1) * cell
            face = ("#d9d9fb" if (r, c) in grid.highlight else
                    "#ececec" if (r, c) in grid.grey else "white")
            ax.add_patch(Rectangle((x, y), cell, cell, facecolor=face, edgecolor="#666666",
                                   linewidth=0.8))
            dy = cell * 0.12 if (r, c) in grid.weights else 0.0
            ax.text(x + cell / 2, y + cell / 2 + dy, f"${grid.cells[r][c]}$", ha="center",
                    va="center", fontsize=size)
            if (r, c) in grid.weights:
                ax.text(x + cell - 0.03, y + 0.03, f"${grid.weights[(r, c)]}$", ha="right",
                        va="bottom", fontsize=5.5, color="red")
    ax.text(x0 + cols * cell / 2, -top - 0.1, f"${grid.label}$", ha="center", va="top",
            fontsize=11)


def _mathtext(op: str) -> str:
    return {r"\longrightarrow": r"\rightarrow", r"\xrightarrow{\text{flip}}":
            r"\overset{\mathrm{flip}}{\rightarrow}",
            r"\xrightarrow{\top}": r"\overset{\top}{\rightarrow}"}.get(op, op)


def figure_image(figure: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """One figure as PNG or SVG bytes."""
    if fmt not in _FORMATS:
        raise SymconvError(f"format: expected one of {', '.join(_FORMATS)}, got {fmt!r}")
    plt = _pyplot()
    with plt.rc_context({"mathtext.fontset": "cm"}):
        return _render(plt, figure, fmt, dpi)


def _render(plt: Any, figure: Figure, fmt: str, dpi: int) -> bytes:
    cell = figure.cell
    height = max(p.shape[0] for p in figure.panels if isinstance(p, Grid)) * cell
    fig = plt.figure(figsize=(figure.width / 2.54 + 0.4, (height + 1.0) / 2.54 + 0.3))
    ax = fig.add_axes((0, 0, 1, 1))
    x = 0.0
    for panel in figure.panels:
        if isinstance(panel, str):
            ax.text(x + _GAP, 0, f"${_mathtext(panel)}$", ha="center", va="center", fontsize=14)
            x += 2 * _GAP
        else:
            _draw_grid(ax, panel, x, cell, figure.symbolic)
            x += panel.shape[1] * cell
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(-height / 2 - 0.9, height / 2 + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=dpi)
    plt.close(fig)
    return out.getvalue()


def save_figures(derivation: Any, stem: str, fmt: str = "png", dpi: int = 150) -> list[str]:
    """Write every figure of a derivation to ``{stem}-{k}.{fmt}``; returns the paths.

    Every image is rendered before the first file is opened, so a failure leaves no file
    behind; a derivation without figures (a 3-D layer, grids above the size limit) raises.
    """
    images = render_figures(derivation, fmt, dpi)
    paths = [f"{stem}-{k}.{fmt}" for k in range(1, len(images) + 1)]
    for path, image in zip(paths, images):
        with open(path, "wb") as fh:
            fh.write(image)
    return paths


def render_figures(derivation: Any, fmt: str = "png", dpi: int = 150) -> list[bytes]:
    """Every figure of a derivation as PNG or SVG bytes; no figure at all raises."""
    if not derivation.figures:
        raise SymconvError(f"figures: no figure for {derivation.name} on "
                           f"{derivation.spec.describe()} (figures draw grids of at most 16 "
                           "cells a side); use --format document or png for the page")
    return [figure_image(figure, fmt, dpi) for figure in derivation.figures]
