"""``derive winograd-equals-correlation``: tiled Winograd F(2, r) on a small 1-D layer (2-D:
:mod:`symconv.latex.winograd_layer2d`).

The page prints the transforms of F(2, r) for the layer's kernel (``r`` taps), the padded input
cut into overlapping tiles of ``α = m + r − 1`` (tile ``t`` covers the padded inputs
``m·t … m·t + m + r − 2``, the last tile zero-padded past the end), the filter and tile
transforms, the element-wise products summed over the input channels in the transformed
domain, the inverse transform of every tile, and the multiplications against the direct
algorithm.  Every printed equation is compared with what it claims by the identity engine as
the page is built (a failure raises :class:`~symconv.latex.derivation.DerivationError`), the
stitched outputs with symconv's ``correlate``, and the registered theorem is proved on the
layer by :func:`symconv.prove`.

>>> page = winograd_layer_page()
>>> page.title
'Tiled Winograd F(2, 3) on a 1-D layer: n = 6, k = 3, 2 tiles'
>>> page.proofs[-1].statement
'winograd-equals-correlation on 6 * 3'
"""

from __future__ import annotations

import numpy as np
import sympy

from ..engine import prove_equal
from ..errors import SpecError
from ..forms import correlate, pad
from ..spec import ConvSpec
from ..theorems import prove
from ..winograd import prove_winograd, winograd_transforms
from .derivation import DerivationError
from .fourier import FourierPage, FourierPrinter, _sum, _wrapped
from .names import Names
from .printer import LINE_EM, width_em

__all__ = ["winograd_layer_page", "DEFAULT_WINOGRAD_SPEC", "WINOGRAD_LAYER_LIMITS"]

#: The layer of the page when none is given.
DEFAULT_WINOGRAD_SPEC = ConvSpec((6,), (3,))
#: What fits on the page: tiles, kernel taps, input × output channel pairs.
WINOGRAD_LAYER_LIMITS = {"tiles": 4, "kernel taps": 5, "channel pairs": 4}
M = 2  # outputs per tile: F(2, r)


def _checked(shown: sympy.Matrix, value: sympy.Matrix, what: str) -> None:
    """The printed ``shown`` must equal the computed ``value`` exactly, or the page fails."""
    proof = prove_equal(np.array(shown.tolist(), dtype=object),
                        np.array(value.tolist(), dtype=object), what)
    if not proof:
        raise DerivationError(f"step {what!r}: the printed side differs: "
                              f"{str(proof.counterexample).splitlines()[0]}")


def _refuse(spec: ConvSpec) -> None:
    if spec.rank > 2 or spec.batch != 1 or spec.groups != 1:
        raise SpecError(f"spec: the Winograd page is for a 1-D or 2-D layer, batch 1, groups 1,"
                        f" got {spec.describe()}; e.g. --input 6 --kernel 3")
    if any(v != 1 for v in (*spec.stride, *spec.dilation)):
        raise SpecError(f"stride: the Winograd page is for stride 1 and dilation 1, got stride "
                        f"{spec.stride}, dilation {spec.dilation}; drop --stride/--dilation "
                        "(symconv prove covers them by the polyphase split)")
    if spec.rank == 2:
        return  # the 2-D page has its own bounds
    (k,), tiles = spec.kernel_size, -(-spec.output_size[0] // M)
    pairs = spec.in_channels * spec.out_channels
    for what, value, fix in (("tiles", tiles, "--input 6"), ("kernel taps", k, "--kernel 3"),
                             ("channel pairs", pairs, "--in-channels 1 --out-channels 2")):
        if value > WINOGRAD_LAYER_LIMITS[what]:
            field = {"tiles": "input_size", "kernel taps": "kernel_size"}.get(what, "in_channels")
            raise SpecError(f"{field}: the Winograd page prints at most "
                            f"{WINOGRAD_LAYER_LIMITS[what]} {what}, got {value}; use a smaller "
                            f"layer, e.g. {fix}")


def _index(*parts: object, single: tuple[bool, ...]) -> str:
    shown = [str(p) for p, drop in zip(parts, single) if not drop]
    return ",".join(shown)


def _entry_names(base: str, sub: str, alpha: int) -> list[sympy.Symbol]:
    head = f"({base}_{{{sub}}})" if sub else base
    return [sympy.Symbol(f"{head}_{{{i}}}") for i in range(alpha)]


def winograd_layer_page(spec: ConvSpec | None = None, names: Names | None = None
                        ) -> FourierPage:
    """The checked page of ``winograd-equals-correlation`` on a small 1-D layer (default n=6,
    k=3): tiles, transforms, channel sums, inverse transforms, each printed equation proved
    (a 2-D layer: :func:`~symconv.latex.winograd_layer2d.winograd_layer2d_page`).

    >>> page = winograd_layer_page(ConvSpec((5,), (2,), in_channels=2))
    >>> [heading.split("}")[0] for heading, _ in page.blocks][:2]
    ['\\\\paragraph{The transforms of F(2, 2).', '\\\\paragraph{Tiles.']
    """
    spec = DEFAULT_WINOGRAD_SPEC if spec is None else spec
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__}")
    _refuse(spec)
    if spec.rank == 2:
        from .winograd_layer2d import winograd_layer2d_page
        return winograd_layer2d_page(spec, names)
    names = names or Names.parse("I,K,S")
    inp, ker, out = names.latex
    (n,), (k,), (o,) = spec.input_size, spec.kernel_size, spec.output_size
    C, F, alpha = spec.in_channels, spec.out_channels, M + k - 1
    tiles = -(-o // M)
    AT, G, BT = winograd_transforms(M, k)
    f_proof = prove_winograd(M, k, transforms=(AT, G, BT))
    if not f_proof:
        raise DerivationError(f"transforms: {f_proof.statement} does not hold")
    p = FourierPrinter()
    one_c, one_f = C == 1, F == 1
    x = np.array([[[sympy.Symbol(f"{inp}_{{{_index(c, j, single=(one_c, False))}}}")
                    for j in range(n)] for c in range(C)]], dtype=object)
    w = np.array([[[sympy.Symbol(f"{ker}_{{{_index(f, c, u, single=(one_f, one_c, False))}}}")
                    for u in range(k)] for c in range(C)] for f in range(F)], dtype=object)
    xp = pad(x, spec)[0]
    xp = np.pad(xp, [(0, 0), (0, M * tiles + k - 1 - xp.shape[1])])  # zeros past the end
    blocks = [(rf"\paragraph{{The transforms of F(2, {k}).}} Cook--Toom interpolation, exact "
               rf"rationals ($\alpha = m + r - 1 = {alpha}$):",
               tuple(f"{label} &= {p.doprint(mat)}" for label, mat in
                     ((r"A^{\top}", AT), ("G", G), (r"B^{\top}", BT))))]
    tile_lines, d = [], {}
    for c in range(C):
        for t in range(tiles):
            d[c, t] = sympy.Matrix(xp[c, M * t:M * t + alpha].tolist())
            cover = [xp[c, M * t + i] for i in range(alpha)]  # tile t: m·t … m·t + m + r − 2
            _checked(sympy.Matrix(cover), d[c, t], f"tile {t}")
            sub = _index(c, t, single=(one_c, False))
            row = f"{p.doprint(d[c, t].T)}^{{\\top}}"
            shown = row if width_em(row) < LINE_EM - 12 else p.doprint(d[c, t])
            tile_lines.append(rf"d_{{{sub}}} &= \tilde{{{inp}}}_{{{'' if one_c else f'{c},'}"
                              rf"{M * t}:{M * t + alpha}}} = {shown}")
    pads = spec.pads[0]
    padded = (rf"${inp}$ padded by {pads} ({spec.padding_mode.value}) and then"
              if any(pads) else f"${inp}$")
    blocks.append((rf"\paragraph{{Tiles.}} {{\sloppy $\tilde{{{inp}}}$ is {padded} extended "
                   rf"with zeros to ${M} \cdot {tiles} + {k - 1} = {xp.shape[1]}$ entries; tile "
                   rf"$t$ holds $\tilde{{{inp}}}_{{m t}}$ to "
                   rf"$\tilde{{{inp}}}_{{m t + m + r - 2}}$ (here "
                   rf"$\tilde{{{inp}}}_{{{M}t}}$ to $\tilde{{{inp}}}_{{{M}t + {k}}}$), "
                   r"so neighbours overlap by $r - 1$:\par}", tuple(tile_lines)))
    U, V, lines = {}, {}, []
    for f in range(F):
        for c in range(C):
            g = sympy.Matrix(w[f, c].tolist())
            U[f, c] = (G * g).expand()
            _checked(U[f, c], G * g, "filter transform")
            sub = _index(f, c, single=(one_f, one_c))
            lines.append(f"U_{{{sub}}} = G\\,{ker}_{{{sub}}} &= {p.doprint(U[f, c])}" if sub
                         else f"U = G\\,{ker} &= {p.doprint(U[f, c])}")
    for c in range(C):
        for t in range(tiles):
            V[c, t] = (BT * d[c, t]).expand()
            _checked(V[c, t], BT * d[c, t], "tile transform")
            sub = _index(c, t, single=(one_c, False))
            lines.append(rf"V_{{{sub}}} = B^{{\top}} d_{{{sub}}} &= {p.doprint(V[c, t])}")
    blocks.append((r"\paragraph{Transforms.} Each filter once, each tile once:", tuple(lines)))
    names_u = {key: _entry_names("U", _index(*key, single=(one_f, one_c)), alpha) for key in U}
    names_v = {key: _entry_names("V", _index(*key, single=(one_c, False)), alpha) for key in V}
    values = {s: v for key in U for s, v in zip(names_u[key], U[key])}
    values.update({s: v for key in V for s, v in zip(names_v[key], V[key])})
    products, inverse, stitched = [], [], {f: [] for f in range(F)}
    for f in range(F):
        for t in range(tiles):
            shown = sympy.Matrix([_sum([sympy.Mul(names_u[f, c][i], names_v[c, t][i],
                                                  evaluate=False) for c in range(C)])
                                  for i in range(alpha)])
            Mft = sum((U[f, c].multiply_elementwise(V[c, t]) for c in range(C)),
                      sympy.zeros(alpha, 1))
            _checked(shown.xreplace(values), Mft, "element-wise products, summed over channels")
            sub = _index(f, t, single=(one_f, False))
            u_name = "U" + (f"_{{{_index(f, 'c', single=(one_f, one_c))}}}"
                            if not (one_f and one_c) else "")
            total = (rf"{u_name} \odot V_{{{t}}}" if one_c else
                     rf"\sum_{{c}} {u_name} \odot V_{{c,{t}}}")
            products.append(f"M_{{{sub}}} = {total} &= {p.doprint(shown)}")
            y = (AT * Mft).expand()
            reference = sympy.Matrix([sum(w[f, c, u] * xp[c, M * t + i + u] for c in range(C)
                                          for u in range(k)) for i in range(M)])
            _checked(y, reference, f"inverse transform of tile {t}")
            stitched[f] += list(y)
            for i in range(M):
                at = M * t + i
                head = (f"{out}_{{{_index(f, at, single=(one_f, False))}}} = " if at < o
                        else r"\text{cropped: } ") + rf"(A^{{\top}} M_{{{sub}}})_{{{i}}}"
                terms = sympy.Add.make_args(y[i]) if y[i] != 0 else ()
                inverse += _wrapped(p, head, sorted(terms, key=sympy.default_sort_key))
    blocks.append((rf"\paragraph{{Element-wise products}} ({alpha} per tile and channel pair; "
                   "the channel sum is taken in the transformed domain):", tuple(products)))
    expect = correlate(x, w, spec)[0]
    for f in range(F):
        _checked(sympy.Matrix(stitched[f][:o]), sympy.Matrix(expect[f].tolist()),
                 "stitched tiles = correlation")
    theorem = prove("winograd-equals-correlation", spec)
    if not theorem:
        raise DerivationError(f"proof: {theorem.statement} does not hold")
    cropped = M * tiles - o
    channels = "" if one_c else r"\sum_{c} "
    kernel_index = _index("f", "c", "u", single=(one_f, one_c, False))
    blocks.append((r"\paragraph{Inverse transforms,} $m = 2$ outputs per tile, side by side"
                   + (f" (the last {cropped} past the output cropped)" if cropped else "")
                   + rf": the correlation ${out}_{{{_index('f', 'i', single=(one_f, False))}}}"
                   rf" = {channels}\sum_{{u}} {ker}_{{{kernel_index}}}"
                   rf"\,\tilde{{{inp}}}_{{{_index('c', 'i+u', single=(one_c, False))}}}$:",
                   tuple(inverse)))
    wino = F * C * tiles * alpha
    direct = F * C * o * k
    title = f"Tiled Winograd F(2, {k}) on a 1-D layer: n = {n}, k = {k}, {tiles} tiles"
    padding = f"padding {pads}, {spec.padding_mode.value}" if any(pads) else "no padding"
    intro = (rf"The layer correlates ${inp}$ ({C} channel{'s' * (C > 1)} of length {n}, "
             rf"{padding}) with ${ker}$ ({F} output "
             rf"channel{'s' * (F > 1)}, {k} taps); its output ${out}$ has length {o}. "
             rf"Winograd's F(2, {k}) computes 2 outputs of a tile of {alpha} inputs as "
             r"$A^{\top}\left[(G g) \odot (B^{\top} d)\right]$.",
             rf"\emph{{Multiplications:}} {wino} ($F \cdot C \cdot$ tiles $\cdot\,\alpha = "
             rf"{F} \cdot {C} \cdot {tiles} \cdot {alpha}$) instead of {direct} for the direct "
             rf"correlation ($F \cdot C \cdot o \cdot k$), "
             f"{float(direct / wino):.2f}$\\times$ fewer.")
    checks = ("Every printed transform, tile, product and inverse transform was compared "
              "with its definition by the identity engine (exact rationals, no floating "
              "point); the stitched tiles equal symconv's correlate.",
              f"F(2, {k}): proved ({f_proof.positions} outputs, {f_proof.multiplications} "
              f"multiplications instead of {f_proof.direct_multiplications}).",
              f"winograd-equals-correlation: proved on this layer ({theorem.positions} "
              f"positions, {theorem.products} products).")
    return FourierPage(title, intro, tuple(blocks), checks, (f_proof, theorem),
                       name="winograd-equals-correlation", spec=spec)
