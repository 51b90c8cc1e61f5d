"""A picture of a WRONG verdict: which input cells the spec multiplies, which the code does.

For the first differing output position, :func:`verdict_picture` lays the products of the spec
and of the user's code on the (padded) input slice they read, each cell with the kernel tap it
is paired with; :func:`draw_verdict` draws that beside the kernel as PNG or SVG (the ``figures``
extra, ``pip install 'symconv[figures]'``).  Everything drawn comes from the exact canonical
forms the verdict keeps (:attr:`~symconv.verification.Verdict.first_forms`: from symbolic
execution, or from one-hot probing after a randomized check, which the caption then says), plus
the spec's window over zero padding, whose products are zero and so absent from any form.

>>> import numpy as np
>>> from symconv import ConvSpec, verify
>>> def transposed(x, w):  # the kernel read as w[f, c, v, u]
...     win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
...     return np.einsum("nchwuv,fcvu->nfhw", win, w)
>>> picture = verdict_picture(verify(transposed, ConvSpec((4, 4), (2, 2))))
>>> picture.title
'out[0,0,0,0]: kernel transposed'
>>> [p.weight for p in picture.spec[(0, 1)]]  # x[0,0,0,1] belongs with w[0,0,0,1]
[(0, 0, 0, 1)]
>>> [p.weight for p in picture.user[(0, 1)]]  # the code pairs it with w[0,0,1,0]
[(0, 0, 1, 0)]
>>> sorted(picture.changed_taps)
[(0, 1), (1, 0)]
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SymconvError
from ..ring import Coefficient
from ..spec import PaddingMode
from ..tensors import parse_name
from .diagnose import bracket
from .verdict import Kind, Status, Verdict

__all__ = ["Product", "VerdictPicture", "verdict_picture", "draw_verdict", "figure_path",
           "MAX_CELLS"]

#: Grids larger than this (rows or columns) are cropped around the highlighted cells.
MAX_CELLS = 12

Cell = tuple[int, int]
Index = tuple[int, ...]

_FORMATS = {".png": "png", ".svg": "svg"}


@dataclass(frozen=True)
class Product:
    """One product drawn in a cell: the full weight index it pairs the cell with."""

    weight: Index
    coefficient: Coefficient = 1
    #: the cell is zero padding, so the product is 0 (the spec's window only)
    padding: bool = False


@dataclass(frozen=True, eq=False)
class VerdictPicture:
    """What :func:`draw_verdict` draws; cells are ``(row, column)`` of the padded slice."""

    position: Index  #: the output position, ``(n, f, *out)``
    rank: int  #: spatial axes of the layer (1, 2 or 3)
    title: str
    input_slice: Index  #: ``(n, c)``, or ``(n, c, d)`` for a 3-D layer
    kernel_slice: Index  #: ``(f, c)``, or ``(f, c, t)``: the kernel drawn beside
    size: tuple[int, int]  #: unpadded rows and columns of the slice (1 row for 1-D)
    pads: tuple[tuple[int, int], tuple[int, int]]  #: padding drawn (rows, columns)
    kernel: tuple[int, int]  #: rows and columns of the kernel grid
    spec: dict[Cell, tuple[Product, ...]]
    user: dict[Cell, tuple[Product, ...]]
    changed_taps: frozenset[Cell]  #: kernel cells the code pairs with other cells than the spec
    window: tuple[tuple[int, int], tuple[int, int]]  #: rows and columns shown, [start, stop)
    caption: tuple[str, ...]

    def image(self, fmt: str = "png", dpi: int = 150) -> bytes:
        """The picture as PNG or SVG bytes (needs matplotlib); Jupyter shows it by itself
        (``_repr_png_``, ``_repr_svg_``: None without matplotlib, so the text form shows)."""
        if fmt not in _FORMATS.values():
            raise SymconvError(f"fmt: expected 'png' or 'svg', got {fmt!r}")
        from ..latex.plots import _pyplot
        from .figure_draw import draw
        plt = _pyplot()
        with plt.rc_context({"mathtext.fontset": "cm"}):
            return draw(plt, self, fmt, dpi)

    def _repr_png_(self) -> bytes | None:
        return self.image("png", dpi=100) if importlib.util.find_spec("matplotlib") else None

    def _repr_svg_(self) -> str | None:
        return self.image("svg").decode() if importlib.util.find_spec("matplotlib") else None


def _refuse(verdict: Any) -> None:
    if not isinstance(verdict, Verdict):
        raise SymconvError(f"verdict: expected the Verdict returned by verify(), got "
                           f"{type(verdict).__name__}")
    if verdict.status is not Status.WRONG:
        raise SymconvError(f"verdict: nothing to draw: the verdict is {verdict.status.value} "
                           f"({verdict.summary}); a picture is drawn only for a WRONG verdict")
    if verdict.first_forms is None:
        raise SymconvError("verdict: nothing to draw: this WRONG verdict comes from the "
                           "randomized check, which knows the numbers at "
                           f"{_out(verdict.positions[0]) if verdict.positions else 'out'} but "
                           "could not recover which products the function multiplies (see "
                           "its notes); verify with method='exact' (a function that runs on "
                           "object arrays) to draw it")


def _out(position: Index) -> str:
    return f"out[{','.join(map(str, position))}]"


def _grid_parts(index: Index, rank: int) -> tuple[Index, Cell]:
    """Split a full index ``(a, b, *spatial)`` into its slice key and its 2-D grid cell."""
    lead, spatial = index[:2], index[2:]
    if rank == 1:
        return lead, (0, spatial[0])
    return lead + spatial[:-2], (spatial[-2], spatial[-1])


Layout = dict[Index, dict[Cell, list[Product]]]


def _layout(items: Any, rank: int) -> tuple[Layout, list[str]]:
    """Bilinear products by input slice and cell; other terms as text."""
    slices: Layout = {}
    other: list[str] = []
    for monomial, coefficient in items:
        names = [parse_name(v) if v[:2] in ("w_", "x_") else ("?", ()) for v in monomial]
        if len(names) == 2 and names[0][0] == "w" and names[1][0] == "x":
            key, cell = _grid_parts(names[1][1], rank)
            slices.setdefault(key, {}).setdefault(cell, []).append(
                Product(names[0][1], coefficient))
        else:
            body = "·".join(bracket(v) for v in monomial) or "1"
            other.append(body if coefficient == 1 else f"{coefficient}·{body}")
    return slices, other


def _padding_products(verdict: Verdict, key: Index,
                      pads: tuple[tuple[int, int], ...]) -> dict[Cell, list[Product]]:
    """The spec's window cells that fall in zero padding on slice ``key`` (products of 0)."""
    spec, (n, f, *out) = verdict.spec, verdict.positions[0]
    base = f // spec.group_out_channels * spec.group_in_channels
    if key[0] != n or not base <= key[1] < base + spec.group_in_channels:
        return {}
    mirrored = verdict.kind is Kind.CONVOLUTION
    cells: dict[Cell, list[Product]] = {}
    for tap in itertools.product(*(range(k) for k in spec.kernel_size)):
        q = [o * s + t * d for o, s, t, d in zip(out, spec.stride, tap, spec.dilation)]
        inside = [pl <= qa < pl + size for qa, (pl, _), size in zip(q, pads, spec.input_size)]
        if all(inside) or (spec.rank == 3 and (not inside[0] or q[0] - pads[0][0] != key[2])):
            continue
        weight = tuple(k - 1 - t if mirrored else t for t, k in zip(tap, spec.kernel_size))
        cell = (0, q[0]) if spec.rank == 1 else (q[-2], q[-1])
        cells.setdefault(cell, []).append(Product((f, key[1] - base, *weight), 0, True))
    return cells


def _pairing(cells: dict[Cell, list[Product]], lead: Index) -> dict[Index, set[Any]]:
    taps: dict[Index, set[Any]] = {}
    for cell, products in cells.items():
        for p in products:
            if not p.padding and p.weight[:len(lead)] == lead:
                taps.setdefault(p.weight[len(lead):], set()).add((cell, p.coefficient))
    return taps


def verdict_picture(verdict: Verdict) -> VerdictPicture:
    """The data of the picture of a WRONG verdict (see the module docstring for an example).

    Raises :class:`~symconv.errors.SymconvError` for a verdict that is not WRONG, or a
    randomized one whose products could not be recovered by probing.
    """
    _refuse(verdict)
    spec, rank = verdict.spec, verdict.spec.rank
    got, want = verdict.first_forms  # type: ignore[misc]
    user, other = _layout(got, rank)
    ref, ref_other = _layout(want, rank)
    keys = sorted(set(user) | set(ref))
    if not keys:
        raise SymconvError(f"verdict: nothing to draw: neither side has a weight-times-input "
                           f"product at {_out(verdict.positions[0])}")
    differ = [k for k in keys if {c: sorted(map(repr, v)) for c, v in user.get(k, {}).items()}
              != {c: sorted(map(repr, v)) for c, v in ref.get(k, {}).items()}]
    key = (differ or keys)[0]
    zeros = spec.padding_mode is PaddingMode.ZEROS
    pads = (spec.convolution_pads if verdict.kind is Kind.CONVOLUTION else spec.pads) if zeros \
        else ((0, 0),) * rank
    grid_pads = ((0, 0), pads[0]) if rank == 1 else (pads[-2], pads[-1])
    shift = (grid_pads[0][0], grid_pads[1][0])

    def padded(cells: dict[Cell, list[Product]]) -> dict[Cell, list[Product]]:
        return {(r + shift[0], c + shift[1]): list(v) for (r, c), v in cells.items()}

    spec_cells = padded(ref.get(key, {}))
    if zeros:
        for cell, products in _padding_products(verdict, key, pads).items():
            spec_cells.setdefault(cell, []).extend(products)
    user_cells = padded(user.get(key, {}))
    first = next(iter(spec_cells.values()), None) or next(iter(user_cells.values()))
    lead = first[0].weight[:2] + (first[0].weight[2:-2] if rank == 3 else ())
    kernel = (1, spec.kernel_size[0]) if rank == 1 else spec.kernel_size[-2:]
    want_taps, got_taps = _pairing(spec_cells, lead), _pairing(user_cells, lead)
    changed = frozenset(((0, *t) if rank == 1 else t)  # type: ignore[misc]
                        for t in set(want_taps) | set(got_taps)
                        if want_taps.get(t) != got_taps.get(t))
    size = (1, spec.input_size[0]) if rank == 1 else spec.input_size[-2:]
    full = [s + a + b for s, (a, b) in zip(size, grid_pads)]
    marked = list(spec_cells) + list(user_cells)
    window = tuple((0, n) if n <= MAX_CELLS else
                   (max(0, min(c[a] for c in marked) - 1), min(n, max(c[a] for c in marked) + 2))
                   for a, n in enumerate(full))
    where = _out(verdict.positions[0])
    named = verdict.mistakes[0].kind.value if verdict.mistakes else \
        "not the spec's products (no known mistake matches exactly)"
    caption = [f"{where}: the input slice x[{','.join(map(str, key))}] and the kernel slice "
               f"w[{','.join(map(str, lead))}] beside it"]
    if not zeros:
        caption.append(f"padding mode {spec.padding_mode.value}: drawn without the padding; a "
                       "product with a padded cell is shown at the cell it copies")
    if not verdict.method.startswith("exact"):
        caption.append("your code's products were recovered by probing it with one-hot inputs "
                       "(exact if it is bilinear; checked on the random trials)")
    if rank == 3:
        caption.append(f"3-D layer: drawn the input's depth slice d={key[2]}, the first that "
                       f"differs, and the kernel's depth slice t={lead[2]}")
    if not spec_cells:
        base = lead[0] // spec.group_out_channels * spec.group_in_channels
        caption.append(f"the spec multiplies no cell of this slice: filter {lead[0]} reads "
                       f"x[{key[0]},{base}..{base + spec.group_in_channels - 1}]")
    if len(differ) > 1:
        rest = ", ".join(f"x[{','.join(map(str, k))}]" for k in differ[1:4])
        caption.append(f"the products also differ on {len(differ) - 1} other input slice"
                       f"{'s' if len(differ) > 2 else ''} (not drawn): {rest}"
                       + (" ..." if len(differ) > 4 else ""))
    if not differ:
        caption.append("the weight-times-input products agree on every slice: only the other "
                       "terms differ")
    if other or ref_other:
        caption.append("terms that are not weight-times-input products (not drawn): "
                       + "; ".join(f"{side}: {', '.join(t[:3])}" for side, t in
                                   (("yours", other), ("spec", ref_other)) if t))
    if changed:
        caption.append("red kernel taps: your code pairs them with other input cells than "
                       "the spec does")
    if any(w != (0, n) for w, n in zip(window, full)):
        caption.append(f"cropped to rows {window[0][0]}..{window[0][1] - 1} and columns "
                       f"{window[1][0]}..{window[1][1] - 1} of the padded {full[0]}x{full[1]} "
                       "input")
    return VerdictPicture(verdict.positions[0], rank, f"{where}: {named}", key, lead, size,
                          grid_pads, kernel,
                          {c: tuple(v) for c, v in spec_cells.items()},
                          {c: tuple(v) for c, v in user_cells.items()}, changed,
                          window, tuple(caption))  # type: ignore[arg-type]


def figure_path(path: str | Path, field: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path` if it ends in .png or .svg and its directory exists
    and is writable; else a :class:`~symconv.errors.SymconvError` naming ``field``.

    >>> figure_path("verdict.jpg")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: path: expected a file name ending in .png or .svg, got ...
    """
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise SymconvError(f"{field}: expected a file name ending in .png or .svg, got "
                           f"{str(path)!r}; e.g. verdict.png")
    folder = path.parent
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        why = "is a directory" if path.is_dir() else "its directory does not exist" if \
            not folder.is_dir() else "its directory is not writable"
        raise SymconvError(f"{field}: cannot write {str(path)!r} ({why}); choose a file in a "
                           "writable directory")
    return path


def draw_verdict(verdict: Verdict, path: str | Path, *, dpi: int = 150) -> Path:
    """Draw the first differing output position of a WRONG verdict to ``path`` (.png or .svg).

    Returns the path written.  Raises :class:`~symconv.errors.SymconvError` for another suffix,
    an unwritable path, a verdict :func:`verdict_picture` refuses, and when matplotlib is
    missing.
    """
    path = figure_path(path)
    data = verdict_picture(verdict).image(_FORMATS[path.suffix.lower()], dpi)
    try:
        path.write_bytes(data)
    except OSError as err:
        raise SymconvError(f"path: cannot write {str(path)!r} ({err.strerror or err}); choose "
                           "a writable file") from None
    return path

