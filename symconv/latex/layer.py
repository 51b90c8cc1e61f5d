"""The display side of a layer: its tensors as printable indexed names, bound to engine tensors.

:class:`Layer` holds the engine tensors of a ConvSpec (exact polynomials, or numbers for the
worked example), the same tensors as arrays of printable ``Indexed`` names, the binding from
names to engine arrays, and builders for the expressions every derivation prints: the
definition as nested sums, the top-left window expanded one kernel row per line, the Hadamard
form, the dot product and the im2col matrix product.  Batch and channel indices are printed only
when their size is not 1.

The engine tensors of a symbolic layer with at least :data:`VECTOR_PRODUCTS` products are
:class:`~symconv.vector.FormArray` values of the vector carrier (the printed formulas are then
evaluated and compared on term arrays); smaller layers keep exact sparse polynomials.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from ..errors import SymconvError
from ..forms import Im2colLayout, correlate, flip, im2col, pad, patches
from ..spec import ConvSpec
from ..tensors import Backend, symbolic_input, symbolic_weight
from ..theorems import AUTO_VECTOR_PRODUCTS
from ..vector import FormArray, Space, space_tensor
from .derivation import Term
from .display import Dot, Entry, EntrySum, Hadamard, MatProd, Rows, Times, take, tensor
from .names import Names

__all__ = ["Layer", "view", "VECTOR_PRODUCTS", "layer_products"]

#: Symbolic layers with at least this many products (the output of the definition) are built on
#: the vector carrier: the same threshold as ``prove(..., backend='auto')``.
VECTOR_PRODUCTS = AUTO_VECTOR_PRODUCTS

_SPATIAL = {1: "i", 2: "i j", 3: "l i j"}
_TAPS = {1: "u", 2: "u v", 3: "t u v"}
N, F, C = sympy.symbols("n f c", integer=True, nonnegative=True)


def layer_products(spec: ConvSpec) -> int:
    """Products in the definition of the whole output of ``spec``.

    >>> layer_products(ConvSpec((32, 32), (5, 5), in_channels=3, out_channels=16))
    940800
    """
    return spec.batch * spec.out_channels * int(np.prod(spec.output_size)) * \
        spec.products_per_output


def view(array: Any) -> Any:
    """Drop the leading (batch/filter, channel) axes of size 1: the printed layout."""
    if not isinstance(array, FormArray):
        array = np.asarray(array, dtype=object)
    return array[tuple(0 if size == 1 else slice(None) for size in array.shape[:2])]


def _plus(*terms: Any) -> Any:
    """An index expression in written order, zero terms left out."""
    kept = [sympy.sympify(t) for t in terms if t != 0]
    if not kept:
        return sympy.Integer(0)
    return kept[0] if len(kept) == 1 else sympy.Add(*kept, evaluate=False)


def _display_array(key: str, shape: tuple[int, ...]) -> np.ndarray:
    base, kept = tensor(key), [a for a in (0, 1) if shape[a] != 1]
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = base[tuple(idx[a] for a in kept) + idx[2:]]
    return out


def _sym(value: Any) -> Any:
    return sympy.Integer(value) if isinstance(value, (int, np.integer)) else value


class Layer:
    """Engine and display tensors of one ConvSpec (see the module docstring)."""

    def __init__(self, spec: ConvSpec, names: Names, x: Any = None, w: Any = None,
                 layout: Im2colLayout = Im2colLayout.BATCH_SLOWEST,
                 vector: bool | None = None) -> None:
        if spec.groups != 1:
            raise SymconvError(f"spec: derivations print one im2col matrix, so they need "
                               f"groups=1, got groups={spec.groups}; prove grouped layers "
                               "with symconv prove")
        self.spec, self.names, self.rank = spec, names, spec.rank
        self.numeric = x is not None
        #: engine tensors are FormArrays (``vector=None``: from the layer's size)
        self.vector: bool = not self.numeric and (layer_products(spec) >= VECTOR_PRODUCTS
                                                  if vector is None else vector)
        if self.vector:
            space = Space({"x": spec.input_shape, "w": spec.weight_shape})
            self.x, self.w = space_tensor(space, "x"), space_tensor(space, "w")
        else:
            self.x = symbolic_input(spec, backend=Backend.RING) if x is None else np.asarray(x)
            self.w = symbolic_weight(spec, backend=Backend.RING) if w is None else np.asarray(w)
        self.conv_spec = spec.replace(padding=spec.convolution_pads)
        inp, ker, out = names.latex
        mirrored = spec.convolution_pads != spec.pads  # 'same' with an odd total: its own name
        padded = any(p for pair in spec.pads for p in pair)  # unpadded: the input itself
        padded_name = (r"\tilde{" + inp + "}") if padded else inp  # defined in setup()
        self.labels = {"#in": inp, "#pad": padded_name,
                       "#cpad": (r"\hat{" + inp + "}") if mirrored else padded_name,
                       "#w": ker, "#flip": "{" + ker + "'}", "#flip2": "{" + ker + "''}",
                       "#out": out, "#Wrow": r"W_{\mathrm{row}}", "#Xcol": r"X_{\mathrm{col}}"}
        self.binding: dict[str, Any] = {
            "#in": view(self.x), "#pad": view(pad(self.x, spec)),
            "#cpad": view(pad(self.x, spec, spec.convolution_pads)), "#w": view(self.w),
            "#flip": view(flip(self.w)), "#flip2": view(flip(flip(self.w))),
            "#Wrow": self.w.reshape(spec.out_channels, -1),
            "#Xcol": im2col(self.x, spec, layout)[0]}
        self.layout = Im2colLayout(layout)
        if self.numeric:  # printed entries are the numbers themselves
            self.xd = np.vectorize(_sym, otypes=[object])(self.x)
            self.wd = np.vectorize(_sym, otypes=[object])(self.w)
        else:
            self.xd = _display_array("#in", spec.input_shape)
            self.wd = _display_array("#w", spec.weight_shape)
        self.spatial = sympy.symbols(_SPATIAL[self.rank], integer=True, nonnegative=True)
        self.taps = sympy.symbols(_TAPS[self.rank], integer=True, nonnegative=True)
        if not isinstance(self.spatial, tuple):
            self.spatial, self.taps = (self.spatial,), (self.taps,)

    def first_window(self) -> tuple[np.ndarray, np.ndarray, ConvSpec]:
        """``(x, w, spec)`` of the smallest layer whose first output entry is this layer's.

        The first entry reads only the first window, so formulations printed at that entry run
        on the input cropped to it (same symbols, channels, kernel, stride, dilation, left
        padding): a page of a large layer builds only what it prints.  Padding modes other
        than zeros read the far side of the input, so they keep the whole layer.
        """
        s = self.spec
        if s.padding_mode.value != "zeros":
            return self.x, self.w, s
        extent = [d * (k - 1) + 1 for k, d in zip(s.kernel_size, s.dilation)]
        sizes = tuple(min(max(e - pl, 1), i) for e, i, (pl, _) in
                      zip(extent, s.input_size, s.pads))
        pads = tuple((pl, max(0, e - pl - n)) for e, n, (pl, _) in zip(extent, sizes, s.pads))
        if sizes == s.input_size and pads == s.pads:
            return self.x, self.w, s
        crop = self.x[(slice(None),) * 2 + tuple(slice(0, n) for n in sizes)]
        return crop, self.w, s.replace(input_size=sizes, padding=pads)

    # ---- indices ----
    @property
    def free(self) -> tuple[sympy.Symbol, ...]:
        """Printed output indices: n (if batch > 1), f (if filters > 1), then spatial."""
        s = self.spec
        return tuple([N] * (s.batch > 1) + [F] * (s.out_channels > 1)) + self.spatial

    @property
    def origin(self) -> tuple[int, ...]:
        """The first output entry, in printed layout."""
        return (0,) * len(self.free)

    def output(self, key: str = "#out", at: tuple[Any, ...] | None = None) -> Any:
        """``S_{i,j}`` (or ``S_{0,0}`` with ``at``)."""
        return tensor(key)[at if at is not None else self.free]

    def term(self, display: Any, value: Any, free: tuple[sympy.Symbol, ...] = (),
             **extra: Any) -> Term:
        """A checked Term bound to this layer's tensors (plus ``extra`` keys, without ``#``)."""
        binding = {**self.binding, **{"#" + k: v for k, v in extra.items()}}
        return Term(display, value if isinstance(value, FormArray) else
                    np.asarray(value, dtype=object), binding, free)

    def out(self, display: Any, output: Any, free: bool = False) -> Term:
        """A Term for an output tensor: every printed index (``free``) or the first entry."""
        value = view(output)
        first = take(value, self.origin) if isinstance(value, FormArray) else value[self.origin]
        return self.term(display, value if free else first,
                         self.free if free else (), out=value)

    @property
    def kernel_free(self) -> tuple[sympy.Symbol, ...]:
        """Printed kernel indices: f (if filters > 1), c (if channels > 1), then the taps."""
        s = self.spec
        return tuple([F] * (s.out_channels > 1) + [C] * (s.in_channels > 1)) + self.taps

    def kernel(self, key: str, value: Any, flipped_index: bool = False) -> Term:
        """``K_{u,v}`` (or ``K_{k-1-u,...}``) at every printed kernel index."""
        lead = self.kernel_free[:len(self.kernel_free) - self.rank]
        taps = [_plus(k - 1, -u) for u, k in zip(self.taps, self.spec.kernel_size)] \
            if flipped_index else list(self.taps)
        return self.term(tensor(key)[tuple(lead) + tuple(taps)], view(value), self.kernel_free)

    def output_entries(self) -> np.ndarray:
        """The output in printed layout: numbers (worked example) or names ``S_{i,j}``."""
        if self.numeric:
            return view(correlate(self.x, self.w, self.spec))
        return view(_display_array("#out", self.spec.output_shape))

    # ---- printed formulas ----
    def definition(self, *, convolution: bool = False, kernel: str = "#w",
                   flipped_index: bool = False) -> Any:
        """Nested sums over channel and kernel taps of ``(padded input · kernel)``."""
        s = self.spec
        data = tensor("#cpad" if convolution or flipped_index or kernel == "#flip" else "#pad")
        chan = [C] * (s.in_channels > 1)
        index = []
        for o, u, st, d, k in zip(self.spatial, self.taps, s.stride, s.dilation, s.kernel_size):
            index.append(_plus(st * o, d * (k - 1), -d * u) if convolution
                         else _plus(st * o, d * u))
        ktaps = [_plus(k - 1, -u) for u, k in zip(self.taps, s.kernel_size)] if flipped_index \
            else list(self.taps)
        body = Times(data[tuple([N] * (s.batch > 1) + chan + index)],
                     tensor(kernel)[tuple([F] * (s.out_channels > 1) + chan + ktaps)])
        limits = [(C, 0, s.in_channels - 1)] * (s.in_channels > 1) + [
            (u, 0, k - 1) for u, k in zip(self.taps, s.kernel_size)]
        return sympy.Sum(body, *limits)

    def window(self, kernel: np.ndarray | None = None, *, flipped: bool = False) -> tuple[
            np.ndarray, np.ndarray]:
        """Printed (window, kernel) arrays ``(C, *kernel_size)`` at the first output entry."""
        spec = self.conv_spec if flipped else self.spec
        win = patches(self.xd, spec)[(0, slice(None)) + (0,) * self.rank]
        ker = flip(self.wd)[0] if flipped else self.wd[0]
        return np.vectorize(_sym, otypes=[object])(win), ker

    def expanded(self, flipped: bool = False) -> Any:
        """The sum of products at the first output entry, one kernel row per line."""
        win, ker = self.window(flipped=flipped)
        rows = []
        for c in range(win.shape[0]):
            for prefix in np.ndindex(*win.shape[1:-1]):
                terms = [Times(win[(c, *prefix, v)], ker[(c, *prefix, v)])
                         for v in range(win.shape[-1])]
                rows.append(terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False))
        return rows[0] if len(rows) == 1 else Rows(*rows)

    def hadamard(self) -> Any | None:
        """``sum(P ⊙ K)`` for a 2-D single-channel layer, else ``None``."""
        if self.rank != 2 or self.spec.in_channels != 1:
            return None
        win, ker = self.window()
        return EntrySum(Hadamard(sympy.ImmutableMatrix(win[0].tolist()),
                                 sympy.ImmutableMatrix(ker[0].tolist())))

    def dot(self) -> Any:
        """``[vec(P)] [vec(K)]^T`` at the first output entry."""
        win, ker = self.window()
        return Dot(sympy.ImmutableMatrix([list(win.reshape(-1))]),
                   sympy.ImmutableMatrix([list(ker.reshape(-1))]))

    def im2col_shown(self) -> tuple[np.ndarray, np.ndarray]:
        """Printed ``W_row`` and ``X_col``."""
        x_col = im2col(self.xd, self.spec, self.layout)[0]
        return (self.wd.reshape(self.spec.out_channels, -1),
                np.vectorize(_sym, otypes=[object])(x_col))

    def im2col_entry(self, free: bool) -> Any:
        """``(W_row X_col)_{f, column}``: the output entry as one entry of the product."""
        s = self.spec
        if not free:
            return Entry(MatProd(sympy.Symbol("#Wrow"), sympy.Symbol("#Xcol")), 0, 0)
        sizes = s.output_size
        flat = [int(np.prod(sizes[a + 1:])) * o for a, o in enumerate(self.spatial)]
        n = N if s.batch > 1 else 0
        positions = int(np.prod(sizes))
        col = _plus(n * positions, *flat) if self.layout is Im2colLayout.BATCH_SLOWEST \
            else _plus(*[s.batch * t for t in flat], n)
        row = F if s.out_channels > 1 else 0
        return Entry(MatProd(sympy.Symbol("#Wrow"), sympy.Symbol("#Xcol")), row, col)

    def size_text(self, used: frozenset[str] = frozenset({"#in", "#w", "#out"}),
                  indices: frozenset[str] = frozenset("nfc")) -> str:
        """Intro sentence naming the tensors the page uses, with their shapes (LaTeX, no user
        text); padded inputs and the indices n, c, f are defined only when ``used``/``indices``
        (the keys and index letters the printed steps contain) say the page writes them."""
        s = self.spec
        inp, ker, out = self.names.latex

        def dims(*sizes: int) -> str:
            return "$" + r" \times ".join(str(v) for v in sizes) + "$"

        shape_in = dims(*([s.batch] * (s.batch > 1) + [s.in_channels] * (s.in_channels > 1)),
                        *s.input_size)
        shape_k = dims(*([s.out_channels] * (s.out_channels > 1) +
                         [s.in_channels] * (s.in_channels > 1)), *s.kernel_size)
        shape_o = dims(*([s.batch] * (s.batch > 1) + [s.out_channels] * (s.out_channels > 1)),
                       *s.output_size)
        what = "numbers" if self.numeric else "symbols"
        settings = _settings(s)
        text = (f"Let ${inp}$ be the input of size {shape_in}, ${ker}$ the kernel of size "
                f"{shape_k} and ${out}$ the output of size {shape_o}"
                f"{' (' + settings + ')' if settings else ''}; entries are {what}.")
        used = self._padded_used(used)
        if "#pad" in used and self.labels["#pad"] != inp:
            text += (rf" $\tilde{{{inp}}}$ is ${inp}$ padded by ${_pads(s.pads)}$ "
                     f"({s.padding_mode.value}).")
        if "#cpad" in used and self.labels["#cpad"] not in (inp, self.labels["#pad"]):
            text += (rf" True convolution keeps the centre of the unflipped kernel, so it pads "
                     rf"by the mirrored split: $\hat{{{inp}}}$ is ${inp}$ padded by "
                     rf"${_pads(s.convolution_pads)}$ (as \texttt{{scipy.signal.convolve}} "
                     "does in mode 'same').")
        roles = [(name, role) for name, role in (("n", "the batch"), ("c", "the input channels"),
                                                 ("f", "the filters")) if name in indices]
        if roles:
            text += (" " + _join([f"${name}$" for name, _ in roles]) +
                     (" runs" if len(roles) == 1 else " run") + " over " +
                     _join([role for _, role in roles]) + ".")
        return text

    def _padded_used(self, used: frozenset[str]) -> frozenset[str]:
        """``used``, with ``#pad`` when ``#cpad`` is used and prints as the same tensor."""
        if "#cpad" in used and self.labels["#cpad"] == self.labels["#pad"]:
            return used | {"#pad"}
        return used

    def where(self, used: frozenset[str]) -> list[str]:
        """Definitions of the padded inputs the steps use, as LaTeX math lines (MathJax)."""
        inp, s, lines = self.names.latex[0], self.spec, []
        used = self._padded_used(used)
        if "#pad" in used and self.labels["#pad"] != inp:
            lines.append(rf"\tilde{{{inp}}} &= {inp} \text{{ padded by }} {_pads(s.pads)} "
                         rf"\text{{ ({s.padding_mode.value})}}")
        if "#cpad" in used and self.labels["#cpad"] not in (inp, self.labels["#pad"]):
            lines.append(rf"\hat{{{inp}}} &= {inp} \text{{ padded by }} "
                         rf"{_pads(s.convolution_pads)} \text{{ (the mirrored split)}}")
        return lines


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _settings(spec: ConvSpec) -> str:
    """Stride, dilation, padding and groups that differ from the defaults, as LaTeX text."""
    parts = []
    for field in ("stride", "dilation"):
        values = getattr(spec, field)
        if any(v != 1 for v in values):
            parts.append(f"{field} $" + ", ".join(map(str, values)) + "$")
    if spec.padding == "same":
        parts.append(r"padding \texttt{'same'}")
    elif any(p for pair in spec.pads for p in pair):
        parts.append(f"padding ${_pads(spec.pads)}$")
    return ", ".join(parts)


def _pads(pads: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"({a}, {b})" for a, b in pads)
