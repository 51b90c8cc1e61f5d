"""Matplotlib rendering of a :class:`~symconv.verification.figure.VerdictPicture`.

:mod:`symconv.verification.figure` decides what is drawn (cells, taps, crop, caption); this
module only puts it on a canvas, and loads with matplotlib, when a picture is drawn.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .figure import Cell, Index, Product, VerdictPicture

__all__ = ["draw"]

_SPEC_FILL, _SPEC_TEXT = "#c6ddf2", "#0b4f8c"  # blue: the spec
_USER_EDGE, _USER_TEXT = "#d62728", "#b0151b"  # red: the user's code
_PAD_FILL, _GRID = "#ececec", "#666666"


def _tap_label(products: tuple[Product, ...], lead: Index) -> str:
    """``w_{u,v}`` for taps of the drawn filter and channel, the full index otherwise."""
    parts = []
    for p in products[:2]:
        index = p.weight[2:] if p.weight[:2] == lead[:2] else p.weight
        coefficient = "" if p.coefficient in (0, 1) else f"{p.coefficient}"
        parts.append(coefficient + "w_{" + ",".join(map(str, index)) + "}")
    more = r"+\ldots" if len(products) > 2 else ""
    return "$" + "+".join(parts) + more + "$"


def _label_size(label: str) -> float:
    """A font size that keeps a tap label inside its cell (by its printed length)."""
    printed = len(label.replace("_{", "").replace("}", "").replace("$", "").replace(
        r"\ldots", "..."))
    return 8.5 if printed <= 6 else 7 if printed <= 10 else 5.5


def _cell_name(picture: VerdictPicture, cell: Cell) -> str:
    (top, _), (left, _) = picture.pads
    r, c = cell[0] - top, cell[1] - left
    if not (0 <= r < picture.size[0] and 0 <= c < picture.size[1]):
        return "$0$"
    spatial = (c,) if picture.rank == 1 else (*picture.input_slice[2:], r, c)
    return "$x_{" + ",".join(map(str, spatial)) + "}$"


def draw(plt: Any, picture: VerdictPicture, fmt: str, dpi: int) -> bytes:
    """``picture`` drawn with matplotlib's ``plt`` as ``fmt`` (png or svg) bytes: the input
    grid (spec in blue, code in red), the kernel beside it, the legend and the caption."""
    from matplotlib.patches import Patch, Rectangle
    (r0, r1), (c0, c1) = picture.window
    rows, cols = r1 - r0, c1 - c0
    kr, kc = picture.kernel
    gap, inch = 1.6, 0.62
    width = cols + gap + kc
    height = max(rows, kr)
    fig = plt.figure(figsize=(max(width, 9.0) * inch, (height + 3.2) * inch))
    ax = fig.add_axes((0, 0, 1, 1))
    top = height
    for i in range(rows):
        for j in range(cols):
            cell = (r0 + i, c0 + j)
            x, y = j, top - i - 1
            name = _cell_name(picture, cell)
            spec, user = picture.spec.get(cell, ()), picture.user.get(cell, ())
            face = _SPEC_FILL if spec else _PAD_FILL if name == "$0$" else "white"
            ax.add_patch(Rectangle((x, y), 1, 1, facecolor=face, edgecolor=_GRID, lw=0.8))
            if user:
                ax.add_patch(Rectangle((x + 0.06, y + 0.06), 0.88, 0.88, fill=False,
                                       edgecolor=_USER_EDGE, lw=2.2))
            ax.text(x + 0.5, y + 0.72, name, ha="center", va="center", fontsize=9.5,
                    color="#777777" if name == "$0$" else "black")
            s, u = _tap_label(spec, picture.kernel_slice), _tap_label(user, picture.kernel_slice)
            if spec and user and s == u:
                ax.text(x + 0.5, y + 0.3, s, ha="center", va="center",
                        fontsize=_label_size(s) + 0.5)
            else:
                for label, dy, colour, present in ((s, 0.41, _SPEC_TEXT, spec),
                                                   (u, 0.18, _USER_TEXT, user)):
                    if present:
                        ax.text(x + 0.5, y + dy, label, ha="center", va="center",
                                fontsize=_label_size(label), color=colour)
    (pt, pb), (pl, pr) = picture.pads
    full = (picture.size[0] + pt + pb, picture.size[1] + pl + pr)
    dots = {"color": "#777777", "fontsize": 14, "ha": "center", "va": "center"}
    if c1 < full[1]:  # cropped: the input goes on beyond the grid
        ax.text(cols + 0.35, top - rows / 2, r"$\cdots$", **dots)
    below = 0.4 if r1 < full[0] else 0.0
    if below:
        ax.text(cols / 2, top - rows - 0.22, r"$\vdots$", **dots)
    for i in range(rows):  # input coordinates on the left and on top
        r = r0 + i - pt
        if 0 <= r < picture.size[0] and picture.size[0] > 1:
            ax.text(-0.15, top - i - 0.5, str(r), ha="right", va="center", fontsize=7,
                    color="#777777")
    for j in range(cols):
        c = c0 + j - pl
        if 0 <= c < picture.size[1]:
            ax.text(j + 0.5, top + 0.12, str(c), ha="center", va="bottom", fontsize=7,
                    color="#777777")
    kx, ktop = cols + gap, top - (height - kr) / 2
    for i in range(kr):
        for j in range(kc):
            bad = (i, j) in picture.changed_taps
            ax.add_patch(Rectangle((kx + j, ktop - i - 1), 1, 1, facecolor="white",
                                   edgecolor=_GRID, lw=0.8))
            if bad:
                ax.add_patch(Rectangle((kx + j + 0.06, ktop - i - 0.94), 0.88, 0.88, fill=False,
                                       edgecolor=_USER_EDGE, lw=2.2))
            tap = (j,) if picture.rank == 1 else (*picture.kernel_slice[2:], i, j)
            ax.text(kx + j + 0.5, ktop - i - 0.5, "$w_{" + ",".join(map(str, tap)) + "}$",
                    ha="center", va="center", fontsize=9,
                    color=_USER_TEXT if bad else "black")
    lead = ",".join(map(str, picture.input_slice))
    ax.text(cols / 2, top + 0.55, f"input x[{lead}]" + (", padded" if any(
        a or b for a, b in picture.pads) else ""), ha="center", va="bottom", fontsize=10)
    ax.text(kx + kc / 2, ktop + 0.55, f"kernel w[{','.join(map(str, picture.kernel_slice))}]",
            ha="center", va="bottom", fontsize=10)
    ax.text(width / 2, top + 1.2, picture.title, ha="center", va="bottom", fontsize=12,
            weight="bold")
    both = any(c in picture.user for c in picture.spec)
    handles = [Patch(facecolor=_SPEC_FILL, edgecolor=_GRID, label="the spec multiplies this "
                     "cell (its tap in blue)"),
               Patch(facecolor="white", edgecolor=_USER_EDGE, lw=2.2, label="your code "
                     "multiplies this cell (its tap in red)")]
    handles += [Patch(facecolor=_SPEC_FILL, edgecolor=_USER_EDGE, lw=2.2,
                      label="both (a black tap: both pair the cell with it)")] * both
    handles += [Patch(facecolor=_PAD_FILL, edgecolor=_GRID, label="zero padding")] * any(
        a or b for a, b in picture.pads)
    ax.legend(handles=handles, loc="upper center", ncol=2, fontsize=9, frameon=False,
              bbox_to_anchor=(width / 2, -0.2 - below), bbox_transform=ax.transData)
    text = "\n".join(textwrap.fill(line, int(max(width, 9.0) * 10)) for line in picture.caption)
    ax.text(width / 2, -1.35 - below, text, ha="center", va="top", fontsize=9, color="#333333")
    ax.set_xlim(-0.6, width + 0.2)
    ax.set_ylim(-1.5 - below, top + 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
    return out.getvalue()
