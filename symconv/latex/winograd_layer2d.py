"""``derive winograd-equals-correlation`` on a small 2-D layer: tiled F(2×2, r×s).

The 2-D page of :mod:`symconv.latex.winograd_layer`: tiles of ``(2 + r − 1) × (2 + s − 1)``
(tile ``(t, t')`` covers the padded rows ``2t … 2t + r`` and columns ``2t' … 2t' + s``), the
filter transform ``U = G g G'ᵀ``, the tile transform ``V = Bᵀ d B'``, the channel sum of
``U ⊙ V`` in the transformed domain and ``Y = Aᵀ M A'`` per tile; every printed matrix (or its
entries, when a matrix is too wide for the line) is compared with its definition by the
identity engine, the stitched tiles with ``correlate``, and the theorem is proved on the layer.

>>> from symconv import ConvSpec
>>> page = winograd_layer2d_page(ConvSpec((4, 4), (3, 3)))
>>> page.title
'Tiled Winograd F(2×2, 3×3) on a 2-D layer: 4×4 input, 3×3 kernel, 1×1 tiles'
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy

from ..errors import SpecError
from ..forms import correlate, pad
from ..spec import ConvSpec
from ..theorems import prove
from ..winograd import prove_winograd
from . import winograd_layer as one
from .derivation import DerivationError
from .fourier import FourierPage, FourierPrinter, _sum, _wrapped
from .names import Names
from .printer import LINE_EM, width_em

__all__ = ["winograd_layer2d_page", "WINOGRAD_2D_LIMITS"]

#: What fits on the 2-D page: tiles (all axes), taps per axis, input × output channel pairs.
WINOGRAD_2D_LIMITS = {"tiles": 4, "kernel taps": 3, "channel pairs": 2}


def _refuse(spec: ConvSpec) -> None:
    tiles = int(np.prod([-(-o // one.M) for o in spec.output_size]))
    pairs = spec.in_channels * spec.out_channels
    for what, value, fix, field in (
            ("tiles", tiles, "--input 6x6 --kernel 3x3", "input_size"),
            ("kernel taps", max(spec.kernel_size), "--kernel 3x3", "kernel_size"),
            ("channel pairs", pairs, "--in-channels 1 --out-channels 2", "in_channels")):
        if value > WINOGRAD_2D_LIMITS[what]:
            raise SpecError(f"{field}: the 2-D Winograd page prints at most "
                            f"{WINOGRAD_2D_LIMITS[what]} {what}, got {value}; use a smaller "
                            f"layer, e.g. {fix}")


def _matrix(p: FourierPrinter, head: str, name: str, mat: sympy.Matrix) -> list[str]:
    """``head &= matrix`` when it fits the line, else one (wrapped) line per entry."""
    columns = sum(max(width_em(p.doprint(mat[a, b])) for a in range(mat.rows)) + 1.5
                  for b in range(mat.cols))
    if width_em(head) + columns + 3 < LINE_EM:
        return [f"{head} &= {p.doprint(mat)}"]
    lines = [f"{head} &= \\left[{_entry(name, 'a', 'b')}\\right]_{{a<{mat.rows},\\, b<{mat.cols}}}"]
    for a, b in itertools.product(range(mat.rows), range(mat.cols)):
        value = mat[a, b]
        terms = list(value.args) if isinstance(value, sympy.Add) else [value]
        lines += _wrapped(p, _entry(name, a, b), terms)
    return lines


def _entry(name: str, a: int, b: int) -> str:
    """Entry ``(a, b)`` of the matrix called ``name`` (``U_{a,b}``, ``(U_{0})_{a,b}``)."""
    return f"({name})_{{{a},{b}}}" if "_" in name else f"{name}_{{{a},{b}}}"


def _label(base: str, sub: str) -> str:
    return f"{base}_{{{sub}}}" if sub else base


def winograd_layer2d_page(spec: ConvSpec, names: Names | None = None) -> FourierPage:
    """The checked 2-D page (batch 1, groups 1, stride 1; see :data:`WINOGRAD_2D_LIMITS`).

    >>> page = winograd_layer2d_page(ConvSpec((3, 4), (2, 3)))
    >>> page.proofs[-1].positions, page.checks[-1].split(":")[0]
    (4, 'winograd-equals-correlation')
    """
    _refuse(spec)
    names = names or Names.parse("I,K,S")
    inp, ker, out = names.latex
    m, C, F = one.M, spec.in_channels, spec.out_channels
    (k1, k2), (o1, o2) = spec.kernel_size, spec.output_size
    alphas = (m + k1 - 1, m + k2 - 1)
    counts = (-(-o1 // m), -(-o2 // m))
    axes = [one.winograd_transforms(m, k) for k in (k1, k2)]
    f_proof = prove_winograd(m, k1, rank=2, s=k2, transforms=tuple(axes))
    if not f_proof:
        raise DerivationError(f"transforms: {f_proof.statement} does not hold")
    (AT1, G1, BT1), (AT2, G2, BT2) = axes
    p, one_c, one_f = FourierPrinter(), C == 1, F == 1
    x = np.array([[[[sympy.Symbol(f"{inp}_{{{one._index(c, i, j, single=(one_c, 0, 0))}}}")
                     for j in range(spec.input_size[1])] for i in range(spec.input_size[0])]
                   for c in range(C)]], dtype=object)
    drop = (one_f, one_c, False, False)
    w = np.array([[[[sympy.Symbol(f"{ker}_{{{one._index(f, c, u, v, single=drop)}}}")
                     for v in range(k2)] for u in range(k1)] for c in range(C)]
                  for f in range(F)], dtype=object)
    xp = pad(x, spec)[0]
    xp = np.pad(xp, [(0, 0), *((0, m * t + k - 1 - s) for t, k, s in
                                zip(counts, (k1, k2), xp.shape[1:]))])  # zeros past the end
    same = k1 == k2
    mats = [("A^{\\top}", AT1), ("G", G1), ("B^{\\top}", BT1)] if same else \
        [("A^{\\top}", AT1), ("G", G1), ("B^{\\top}", BT1), ("A'^{\\top}", AT2), ("G'", G2),
         ("B'^{\\top}", BT2)]
    blocks = [(rf"\paragraph{{The transforms of F(2, {k1})" + ("" if same else
                                                              f" and F(2, {k2})")
               + r",} exact rationals" + ("" if same else " (primed: the columns)") + ":",
               tuple(f"{label} &= {p.doprint(mat)}" for label, mat in mats))]
    prime = "" if same else "'"
    tiles = list(itertools.product(*(range(c) for c in counts)))
    d, lines = {}, []
    for c, (t1, t2) in itertools.product(range(C), tiles):
        d[c, t1, t2] = sympy.Matrix(xp[c, m * t1:m * t1 + alphas[0],
                                       m * t2:m * t2 + alphas[1]].tolist())
        sub = one._index(c, t1, t2, single=(one_c, 0, 0))
        lines += _matrix(p, f"d_{{{sub}}}", f"d_{{{sub}}}", d[c, t1, t2])
    padded = (rf"${inp}$ padded by {spec.pads} ({spec.padding_mode.value}) and"
              if any(v for pair in spec.pads for v in pair) else f"${inp}$")
    blocks.append((rf"\paragraph{{Tiles.}} {{\sloppy $\tilde{{{inp}}}$ is {padded} "
                   "extended with zeros; tile "
                   rf"$(t, t')$ holds rows ${m}t$ to ${m}t + {k1}$ and columns ${m}t'$ to "
                   rf"${m}t' + {k2}$ of $\tilde{{{inp}}}$:\par}}", tuple(lines)))
    U, V, lines, values = {}, {}, [], {}
    for f, c in itertools.product(range(F), range(C)):
        g = sympy.Matrix(w[f, c].tolist())
        U[f, c] = (G1 * g * G2.T).expand()
        one._checked(U[f, c], G1 * g * G2.T, "filter transform")
        sub = one._index(f, c, single=(one_f, one_c))
        lines += _matrix(p, rf"{_label('U', sub)} = G\,{_label(ker, sub)}\,G{prime}^{{\top}}",
                         _label("U", sub), U[f, c])
        values.update({sympy.Symbol(_entry(_label("U", sub), a, b)): U[f, c][a, b]
                       for a in range(alphas[0]) for b in range(alphas[1])})
    for c, (t1, t2) in itertools.product(range(C), tiles):
        V[c, t1, t2] = (BT1 * d[c, t1, t2] * BT2.T).expand()
        one._checked(V[c, t1, t2], BT1 * d[c, t1, t2] * BT2.T, "tile transform")
        sub = one._index(c, t1, t2, single=(one_c, 0, 0))
        lines += _matrix(p, rf"V_{{{sub}}} = B^{{\top}} d_{{{sub}}}\, B{prime}", f"V_{{{sub}}}",
                         V[c, t1, t2])
        values.update({sympy.Symbol(_entry(f"V_{{{sub}}}", a, b)): V[c, t1, t2][a, b]
                       for a in range(alphas[0]) for b in range(alphas[1])})
    blocks.append((r"\paragraph{Transforms.} Each filter once, each tile once:", tuple(lines)))
    products, inverse, expect = [], [], correlate(x, w, spec)[0]
    stitched = np.zeros((F, m * counts[0], m * counts[1]), dtype=object)
    for f, (t1, t2) in itertools.product(range(F), tiles):
        subs = [(one._index(f, c, single=(one_f, one_c)), one._index(c, t1, t2,
                                                                     single=(one_c, 0, 0)))
                for c in range(C)]
        shown = sympy.Matrix([[_sum([sympy.Mul(
            sympy.Symbol(_entry(_label("U", su), a, b)),
            sympy.Symbol(_entry(f"V_{{{sv}}}", a, b)), evaluate=False) for su, sv in subs])
            for b in range(alphas[1])] for a in range(alphas[0])])
        Mft = sum((U[f, c].multiply_elementwise(V[c, t1, t2]) for c in range(C)),
                  sympy.zeros(*alphas))
        one._checked(shown.xreplace(values), Mft, "element-wise products, summed over channels")
        sub = one._index(f, t1, t2, single=(one_f, 0, 0))
        products += _matrix(p, f"M_{{{sub}}}", f"M_{{{sub}}}", shown)
        y = (AT1 * Mft * AT2.T).expand()
        reference = sympy.Matrix([[sum(
            w[f, c, u, v] * xp[c, m * t1 + i + u, m * t2 + j + v]
            for c in range(C) for u in range(k1) for v in range(k2)) for j in range(m)]
            for i in range(m)])
        one._checked(y, reference, f"inverse transform of tile {(t1, t2)}")
        stitched[f, m * t1:m * t1 + m, m * t2:m * t2 + m] = np.array(y.tolist(), dtype=object)
        inverse += _matrix(p, rf"Y_{{{sub}}} = A^{{\top}} M_{{{sub}}}\, A{prime}",
                           f"Y_{{{sub}}}", y)
    for f in range(F):
        one._checked(sympy.Matrix(stitched[f, :o1, :o2].tolist()),
                     sympy.Matrix(expect[f].tolist()), "stitched tiles = correlation")
    theorem = prove("winograd-equals-correlation", spec)
    if not theorem:
        raise DerivationError(f"proof: {theorem.statement} does not hold")
    blocks.append((r"\paragraph{Element-wise products,} summed over the input channels in the "
                   "transformed domain:", tuple(products)))
    cropped = (m * counts[0] - o1, m * counts[1] - o2)
    blocks.append((r"\paragraph{Inverse transforms,} $2 \times 2$ outputs per tile, side by side"
                   + (f" (cropped to the {o1}×{o2} output)" if any(cropped) else "")
                   + f": the correlation ${out}$:", tuple(inverse)))
    per_tile = alphas[0] * alphas[1]
    wino, direct = F * C * len(tiles) * per_tile, F * C * o1 * o2 * k1 * k2
    size = "×".join(map(str, spec.input_size))
    title = (f"Tiled Winograd F(2×2, {k1}×{k2}) on a 2-D layer: {size}"
             f" input, {k1}×{k2} kernel, {counts[0]}×{counts[1]} tiles")
    intro = (rf"{{\sloppy The layer correlates ${inp}$ ({C} channel{'s' * (C > 1)}, "
             f"{size}) with ${ker}$ ({F} output "
             rf"channel{'s' * (F > 1)}); its output ${out}$ is {o1}×{o2}. F(2×2, {k1}×{k2}) "
             r"computes $2 \times 2$ outputs of a tile as $A^{\top}\left[(G g G'^{\top}) \odot "
             r"(B^{\top} d B')\right] A'$.\par}",
             rf"\emph{{Multiplications:}} {wino} ($F \cdot C \cdot$ tiles $\cdot\,"
             rf"{alphas[0]} \cdot {alphas[1]}$) instead of {direct} for the direct correlation, "
             f"{float(direct / wino):.2f}$\\times$ fewer.")
    checks = ("Every printed tile, transform, product and inverse transform was compared with "
              "its definition by the identity engine (exact rationals); the stitched tiles "
              "equal symconv's correlate.",
              f"F(2×2, {k1}×{k2}): proved ({f_proof.positions} outputs).",
              f"winograd-equals-correlation: proved on this layer ({theorem.positions} "
              f"positions, {theorem.products} products).")
    return FourierPage(title, intro, tuple(blocks), checks, (f_proof, theorem),
                       name="winograd-equals-correlation", spec=spec)
