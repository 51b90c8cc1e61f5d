"""``derive fft-circular-convolution``: circular correlation by the DFT on a small 1-D layer,
every step checked in the cyclotomic field Q(ζ_n).

A circular-padded layer (``left + right = k − 1``) has as many outputs as inputs, and its
output is the circular convolution of the input with the kernel reversed and rolled,
``h_e = K_{(left − e) mod n}``; the DFT turns that into a pointwise product.  The page shows
the DFT matrix in powers of ζ = ζ_n, the transforms of ``I`` and ``h``, their product, the
inverse transform and the correlation it equals.  Each printed power of ζ is compared with the
exact run on :class:`~symconv.fourier.carrier.Forms` (coordinates in Q(ζ_n)), the result with
symconv's ``correlate`` (circular padding) by the identity engine, and the theorem is proved
on the layer by :func:`~symconv.fourier.prove_fft`.  The machinery is that of
:mod:`symconv.latex.fourier` (the linear page).

>>> page = fft_circular_page()
>>> page.title
'Circular correlation by the DFT: n = 4, k = 3'
>>> print(page.blocks[4][1][1].split("&= ")[-1])   # S_0, from the inverse transform
I_{3} K_{0} + I_{0} K_{1} + I_{1} K_{2}
"""

from __future__ import annotations

import numpy as np
import sympy

from ..engine import prove_equal
from ..errors import SpecError
from ..forms import correlate
from ..fourier import Cyclotomic, Forms, Root, dft, idft, prove_fft
from ..spec import ConvSpec
from ..tensors import symbolic_input, symbolic_weight
from .derivation import DerivationError
from .fourier import (
    MAX_PAGE_LENGTH,
    FourierPage,
    FourierPrinter,
    _check,
    _phi_block,
    _poly,
    _sum,
    _times,
    _wrapped,
    _zeta_power,
)
from .names import Names

__all__ = ["fft_circular_page", "kernel_layout", "DEFAULT_CIRCULAR_SPEC"]

#: The layer of the page when none is given.
DEFAULT_CIRCULAR_SPEC = ConvSpec((4,), (3,), padding=1, padding_mode="circular")


def kernel_layout(n: int, k: int, right: int) -> list[int | None]:
    """``h = roll(flip(pad(K, n)), −right)`` as kernel indices: entry ``e`` holds ``K_u`` (or 0).

    >>> kernel_layout(4, 3, 1)
    [1, 0, None, 2]
    """
    flipped = [k - 1 - j if j < k else None for j in range(n)]
    return [flipped[(e + right) % n] for e in range(n)]


def fft_circular_page(spec: ConvSpec | None = None, names: Names | None = None) -> FourierPage:
    """The checked page of ``fft-circular-convolution`` on a small 1-D circular-padded layer
    (default n = 4, k = 3, padding 1).

    >>> page = fft_circular_page(ConvSpec((3,), (2,), padding=(1, 0), padding_mode="circular"))
    >>> page.checks[-1].startswith("fft-circular-convolution: proved")
    True
    """
    spec = DEFAULT_CIRCULAR_SPEC if spec is None else spec
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__}")
    names = names or Names.parse("I,K,S")
    inp, ker, out = names.latex
    if spec.rank != 1 or spec.batch != 1 or spec.in_channels != 1 or spec.out_channels != 1:
        raise SpecError(f"spec: the circular FFT page is for a 1-D layer with one channel and "
                        f"batch 1, got {spec.describe()}; e.g. --input 4 --kernel 3 --padding 1 "
                        "--padding-mode circular")
    proof = prove_fft("fft-circular-convolution", spec)  # refuses stride 2, zeros etc.
    (n,), (k,) = spec.input_size, spec.kernel_size
    (left, right), = spec.pads
    if n > MAX_PAGE_LENGTH:
        raise SpecError(f"input_size: the circular FFT page prints an n×n matrix, n = {n} > "
                        f"{MAX_PAGE_LENGTH}; use a smaller layer, e.g. --input 4 --kernel 3")
    p, root = FourierPrinter(), Root(n)
    x_sym = [sympy.Symbol(f"{inp}_{{{j}}}") for j in range(n)]
    w_sym = [sympy.Symbol(f"{ker}_{{{u}}}") for u in range(k)]
    zeta = [_zeta_power(e, n) for e in range(n)]
    layout = kernel_layout(n, k, right)

    # the exact run the page reports: h as the FFT side builds it, then DFT, product, IDFT
    xf = dft(Forms.variables(spec.input_shape, "x", n), root)
    h = np.roll(np.pad(np.flip(Forms.variables(spec.weight_shape, "w", n), axis=(-1,)),
                       [(0, 0), (0, 0), (0, n - k)]), (-right,), axis=(-1,))
    hf = dft(h, root)
    prod = xf * hf
    xc, hc, pc = xf.field(), hf.field(), prod.field()

    matrix = sympy.Matrix(n, n, lambda f, j: zeta[f * j % n])
    h_shown = [w_sym[u] if u is not None else sympy.Integer(0) for u in layout]
    blocks = [(rf"{{\sloppy \paragraph{{The kernel, reversed and rolled.}} With circular padding "
               rf"$({left}, {right})$ the output ${out}_t = \sum_{{u}} {ker}_u\, {inp}_{{(t + u - "
               rf"{left}) \bmod {n}}}$ is the circular convolution of ${inp}$ with "
               rf"$h_e = {ker}_{{({left} - e) \bmod {n}}}$ (zero where the index is ${k}$ or "
               r"more):\par}", (rf"h &= {p.doprint(sympy.Matrix([h_shown]))}",)),
              (rf"\paragraph{{The DFT matrix.}} $F_{{fj}} = \zeta^{{fj}}$, $\zeta = \zeta_{{{n}}}$"
               ", exponents modulo $n$:", (rf"F &= {p.doprint(matrix)}",))]
    x_lines, h_lines, p_lines = [], [], []
    for f in range(n):
        terms = []
        for j in range(n):
            e = f * j % n
            _check(Cyclotomic.root(n, e), xc[0, 0, f, j, 0], xf.scale, f"X_{f}")
            terms.append(_times(zeta[e], x_sym[j]))
        x_lines += _wrapped(p, rf"\hat{{{inp}}}_{{{f}}}", terms)
        terms = []
        for j, u in enumerate(layout):
            if u is not None:
                e = f * j % n
                _check(Cyclotomic.root(n, e), hc[0, 0, f, 0, u], hf.scale, f"H_{f}")
                terms.append(_times(zeta[e], w_sym[u]))
        h_lines.append(rf"\hat{{h}}_{{{f}}} &= " + p.doprint(_sum(terms)))
        terms = []
        for j in range(n):
            for e_h, u in enumerate(layout):
                if u is not None:
                    e = f * (j + e_h) % n
                    _check(Cyclotomic.root(n, e), pc[0, 0, f, j, u], prod.scale, "product")
                    terms.append(_times(zeta[e], x_sym[j], w_sym[u]))
        p_lines += _wrapped(p, rf"\hat{{{inp}}}_{{{f}}}\hat{{h}}_{{{f}}}", terms)
    blocks += [(r"\paragraph{Transforms} of the input and of $h$:", tuple(x_lines + h_lines)),
               (r"\paragraph{Pointwise product.}", tuple(p_lines))]

    names_x = [f"x_{{0,0,{j}}}" for j in range(n)]
    names_w = [f"w_{{0,0,{u}}}" for u in range(k)]
    result = idft(prod, root).polynomials(names_x, names_w)[0, 0]  # refuses irrationals
    x_ring = symbolic_input(spec, backend="ring")
    w_ring = symbolic_weight(spec, backend="ring")
    same = prove_equal(result, correlate(x_ring, w_ring, spec)[0, 0],
                       "IDFT(DFT(x)·DFT(h)) = correlate(x, w), circular padding")
    if not same:
        raise DerivationError(f"step 'inverse transform': the result is not the circular "
                              f"correlation: {str(same.counterexample).splitlines()[0]}")
    to_sym = {**dict(zip(names_x, x_sym)), **dict(zip(names_w, w_sym))}
    inv = []
    for t in range(n):
        inv.append(rf"{out}_{{{t}}} &= \frac{{1}}{{{n}}}\sum_{{f=0}}^{{{n - 1}}} "
                   + ("" if t == 0 else rf"\zeta_{{{n}}}^{{-{'' if t == 1 else t}f}}\,")
                   + rf"\hat{{{inp}}}_{{f}}\hat{{h}}_{{f}}")
        value = _poly(result[t], to_sym)
        inv += _wrapped(p, "", list(value.args) if isinstance(value, sympy.Add) else [value])
    blocks.append((rf"{{\sloppy \paragraph{{Inverse transform.}} Each sum was computed in "
                   rf"$\mathbb{{Q}}(\zeta_{{{n}}})$; every coefficient came out rational, and "
                   rf"the result is the layer's circular correlation ${out}_t = \sum_u {ker}_u\, "
                   rf"{inp}_{{(t + u - {left}) \bmod {n}}}$:\par}}", tuple(inv)))
    blocks.append(_phi_block(n))
    checks = ("Every printed power of $\\zeta$ in the transforms and the product was compared "
              rf"with the exact DFT in $\mathbb{{Q}}(\zeta_{{{n}}})$ (coordinates modulo "
              rf"$\Phi_{{{n}}}$).",
              f"The inverse transform equals symconv's correlate with circular padding "
              f"({same.positions} positions), by the identity engine.",
              f"fft-circular-convolution: proved on this layer ({len(proof.steps) - 1} claims, "
              f"{proof.positions} positions, {proof.products} products).")
    title = f"Circular correlation by the DFT: n = {n}, k = {k}"
    intro = (rf"Let $\zeta_{{{n}}}$ be a primitive root of unity of order {n}. The layer "
             rf"correlates ${inp}$ (length {n}, circular padding $({left}, {right})$) with "
             rf"${ker}$ (length {k}); its output ${out}$ has length {n}, and no zero padding "
             "is needed: the DFT has the input's own length.",)
    return FourierPage(title, intro, tuple(blocks), checks, (proof,),
                       name="fft-circular-convolution", spec=spec)
