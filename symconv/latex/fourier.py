"""``derive fft-linear-convolution``: linear convolution by the DFT on a small 1-D layer, every
step checked in the cyclotomic field Q(ζ_N).

The page shows the DFT matrix as powers of ζ = ζ_N, the transforms of the zero-padded input and
kernel, their pointwise product, the inverse transform and the convolution it yields, then the
layer's correlation as its slice with the reversed kernel.  Each printed entry is compared with
what :class:`~symconv.fourier.carrier.Forms` computed (Q(ζ_N) coordinates, exactly), the
result with symconv's ``convolve`` / ``correlate`` by the identity engine, and the whole theorem
is proved on the layer by :func:`~symconv.fourier.prove_fft`.

>>> page = fft_page(ConvSpec((2,), (2,)))
>>> page.title
'Linear convolution by the DFT: n = 2, k = 2, N = 3'
>>> print(page.blocks[3][1][1].split(" = ")[-1])   # the inverse DFT, reduced: S_1
I_{1} K_{0} + I_{0} K_{1}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter

from ..engine import Proof, prove_equal
from ..errors import SpecError
from ..forms import convolve, correlate, flip
from ..fourier import Forms, Root, dft, idft, prove_fft
from ..fourier.cyclotomic import Cyclotomic
from ..spec import ConvSpec
from ..tensors import symbolic_input, symbolic_weight
from .derivation import DerivationError
from .document import PACKAGES
from .names import Names, escape_text
from .printer import LINE_EM, environment, width_em

__all__ = ["fft_page", "fft_cli_page", "FourierPage", "FourierPrinter", "FFT_DERIVATIONS",
           "DEFAULT_FFT_SPEC", "MAX_PAGE_LENGTH"]

#: The names ``symconv derive`` hands to this module.
FFT_DERIVATIONS = ("fft-linear-convolution", "fft-circular-convolution")
#: The layer of the page when none is given.
DEFAULT_FFT_SPEC = ConvSpec((3,), (2,))
#: Longest transform printed (the matrix is N × N).
MAX_PAGE_LENGTH = 8


class FourierPrinter(LatexPrinter):
    """sympy's LaTeX printer keeping sums in the written order (ζ powers first in products)."""

    def __init__(self) -> None:
        super().__init__({"order": "none", "mul_symbol": None})


def _zeta_power(e: int, n: int) -> sympy.Expr:
    zeta = sympy.Symbol(rf"\zeta_{{{n}}}")
    return sympy.Integer(1) if e == 0 else zeta ** e


def _sum(terms: list[sympy.Expr]) -> sympy.Expr:
    if not terms:
        return sympy.Integer(0)
    return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)


def _times(*factors: sympy.Expr) -> sympy.Expr:
    factors = tuple(f for f in factors if f != 1)
    return factors[0] if len(factors) == 1 else sympy.Mul(*factors, evaluate=False)


@dataclass(frozen=True)
class FourierPage:
    """A checked FFT derivation: titled blocks of ``a &= b`` lines, and what was checked."""

    title: str
    intro: tuple[str, ...]
    blocks: tuple[tuple[str, tuple[str, ...]], ...]
    checks: tuple[str, ...]
    proofs: tuple[Proof, ...] = ()
    figures: tuple[Any, ...] = field(default=())  # none: --format figures-* says so
    name: str = "fft-linear-convolution"
    spec: ConvSpec = DEFAULT_FFT_SPEC

    def _body(self, env: str) -> list[str]:
        return [environment(env, list(lines)) for _, lines in self.blocks]

    def latex(self) -> str:
        """The blocks as ``align*`` environments."""
        return "\n".join(self._body("align*"))

    def mathjax(self) -> str:
        """The blocks as ``aligned`` environments (MathJax, KaTeX, Jupyter)."""
        return "\n".join(self._body("aligned"))

    def markdown(self) -> str:
        """GitHub Markdown: each block's heading and a ```math block."""
        parts = [f"**{self.title}**", ""]
        for (heading, _), body in zip(self.blocks, self._body("aligned")):
            heading = re.sub(r"\\paragraph\{(.*?)\}", r"**\1**", heading)
            parts += [heading, "", "```math", body, "```", ""]
        return "\n".join(parts + list(self.checks))

    def document(self) -> str:
        """A complete article for pdflatex."""
        lines = [r"\documentclass[11pt]{article}",
                 r"\usepackage[a4paper, hmargin=1.7cm, vmargin=1.3cm]{geometry}",
                 *(rf"\usepackage{{{p}}}" for p in PACKAGES),
                 r"\pagestyle{empty}", r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
                 r"\setlength{\parskip}{0.6em}", r"\begin{document}",
                 rf"\section*{{{escape_text(self.title)}}}", *self.intro]
        for (heading, _), body in zip(self.blocks, self._body("align*")):
            lines += [heading, body]
        lines += [r"\paragraph{Checked.}", " ".join(self.checks), r"\end{document}"]
        return "\n".join(lines) + "\n"


def _check(value: Cyclotomic, forms_coords: np.ndarray, scale: Any, where: str) -> None:
    """The printed power of ζ ``value`` must be the exact DFT's coefficient, or the page fails."""
    computed = Cyclotomic(value.order, [int(c) * scale for c in forms_coords])
    if computed != value:
        raise DerivationError(f"step {where!r}: the printed power of zeta is {value}, the exact "
                              f"DFT gave {computed}")


def fft_page(spec: ConvSpec | None = None, names: Names | None = None) -> FourierPage:
    """The checked page of ``fft-linear-convolution`` on a small 1-D layer (default n=3, k=2).

    >>> page = fft_page()
    >>> len(page.blocks), page.checks[-1].startswith("fft-linear-convolution: proved")
    (6, True)
    """
    spec = DEFAULT_FFT_SPEC if spec is None else spec
    names = names or Names.parse("I,K,S")
    inp, ker, out = names.latex
    if (spec.rank != 1 or spec.batch != 1 or spec.in_channels != 1 or spec.out_channels != 1):
        raise SpecError(f"spec: the FFT page is for a 1-D layer with one channel and batch 1, "
                        f"got {spec.describe()}; e.g. --input 3 --kernel 2")
    proof = prove_fft("fft-linear-convolution", spec)  # refuses stride 2 etc. in one line
    (padded,), (k,), (o,) = spec.padded_size, spec.kernel_size, spec.output_size
    (left, _), = spec.pads
    n_fft = padded + k - 1
    if n_fft > MAX_PAGE_LENGTH:
        raise SpecError(f"input_size: the FFT page prints an N×N matrix, N = n + k - 1 = {n_fft}"
                        f" > {MAX_PAGE_LENGTH}; use a smaller layer, e.g. --input 3 --kernel 2")
    p, root = FourierPrinter(), Root(n_fft)
    x_sym = [sympy.Symbol(f"{inp}_{{{j}}}") for j in range(spec.input_size[0])]
    w_sym = [sympy.Symbol(f"{ker}_{{{u}}}") for u in range(k)]
    xpad = [None] * left + list(range(spec.input_size[0]))  # padded index -> input index
    xpad += [None] * (n_fft - len(xpad))
    zeta = [_zeta_power(e, n_fft) for e in range(n_fft)]

    # the exact run the page reports (one x·w coefficient per variable pair)
    xf = dft(np.pad(Forms.variables(spec.input_shape, "x", n_fft),
                    [(0, 0), (0, 0), (left, n_fft - left - spec.input_size[0])]), root)
    wf = dft(np.pad(Forms.variables(spec.weight_shape, "w", n_fft), [(0, 0), (0, 0),
                                                                       (0, n_fft - k)]), root)
    prod = xf * wf
    conv = idft(prod, root)
    xc, wc, pc = xf.field(), wf.field(), prod.field()

    matrix = sympy.Matrix(n_fft, n_fft, lambda f, j: zeta[f * j % n_fft])
    blocks = [(r"\paragraph{The DFT matrix.} $F_{fj} = \zeta^{fj}$, exponents modulo $N$:",
               (rf"F &= {p.doprint(matrix)}",))]
    x_lines, w_lines, p_lines = [], [], []
    for f in range(n_fft):
        terms = []
        for j, src in enumerate(xpad):
            if src is not None:
                _check(Cyclotomic.root(n_fft, f * j), xc[0, 0, f, src, 0], 1, f"X_{f}")
                terms.append(_times(zeta[f * j % n_fft], x_sym[src]))
        x_lines += _wrapped(p, rf"\hat{{{inp}}}_{{{f}}}", terms)
        for u in range(k):
            _check(Cyclotomic.root(n_fft, f * u), wc[0, 0, f, 0, u], 1, f"W_{f}")
        w_lines.append(rf"\hat{{{ker}}}_{{{f}}} &= " + p.doprint(_sum(
            [_times(zeta[f * u % n_fft], w_sym[u]) for u in range(k)])))
        terms = []
        for j, src in enumerate(xpad):
            for u in range(k):
                if src is not None:
                    _check(Cyclotomic.root(n_fft, f * (j + u)), pc[0, 0, f, src, u], 1, "P")
                    terms.append(_times(zeta[f * (j + u) % n_fft], x_sym[src], w_sym[u]))
        p_lines += _wrapped(p, rf"\hat{{{inp}}}_{{{f}}}\hat{{{ker}}}_{{{f}}}", terms)
    blocks += [(rf"\paragraph{{Transforms.}} The input zero-padded to $N = n + k - 1 = {n_fft}$"
                rf" and the kernel to $N$:", tuple(x_lines + w_lines)),
               (r"\paragraph{Pointwise product.}", tuple(p_lines))]

    x_ring = symbolic_input(spec, backend="ring")
    w_ring = symbolic_weight(spec, backend="ring")
    names_x = [f"x_{{0,0,{j}}}" for j in range(spec.input_size[0])]
    names_w = [f"w_{{0,0,{u}}}" for u in range(k)]
    result = conv.polynomials(names_x, names_w)[0, 0]  # refuses an irrational coefficient
    big = ConvSpec((padded,), (k,), padding=k - 1)
    expect = convolve(np.pad(x_ring, [(0, 0), (0, 0), spec.pads[0]]), w_ring, big)[0, 0]
    same = prove_equal(result, expect, "IDFT(DFT(x)·DFT(w)) = convolve(pad(x), w)")
    if not same:
        raise RuntimeError(f"internal error: {same}")
    to_sym = {**dict(zip(names_x, x_sym)), **dict(zip(names_w, w_sym))}
    inv = [rf"{out}_{{{t}}} &= \frac{{1}}{{{n_fft}}}\sum_{{f=0}}^{{{n_fft - 1}}} "
           + ("" if t == 0 else rf"\zeta_{{{n_fft}}}^{{-{'' if t == 1 else t}f}}\,")
           + rf"\hat{{{inp}}}_{{f}}\hat{{{ker}}}_{{f}} = "
           + p.doprint(_poly(result[t], to_sym)) for t in range(n_fft)]
    blocks.append((r"\paragraph{Inverse transform.} Each sum was computed in $\mathbb{Q}"
                   rf"(\zeta_{{{n_fft}}})$; every coefficient came out rational:", tuple(inv)))
    rev = idft(xf * dft(np.pad(flip(Forms.variables(spec.weight_shape, "w", n_fft)),
                               [(0, 0), (0, 0), (0, n_fft - k)]), root), root)
    corr = rev.polynomials(names_x, names_w)[0, 0][k - 1:k - 1 + o]
    same_corr = prove_equal(corr, correlate(x_ring, w_ring, spec)[0, 0], "correlation slice")
    if not same_corr:
        raise RuntimeError(f"internal error: {same_corr}")
    blocks.append((rf"\paragraph{{The layer's correlation}} is the slice $[k-1, k-1+o)$ of the "
                   rf"same computation with the reversed kernel $({ker}_{{k-1-u}})_u$:",
                   tuple(rf"{out}^{{\star}}_{{{t}}} &= " + p.doprint(_poly(corr[t], to_sym))
                         for t in range(o))))
    blocks.append(_phi_block(n_fft))
    checks = ("Every printed power of $\\zeta$, transform entry and product coefficient was "
              rf"compared with the exact DFT in $\mathbb{{Q}}(\zeta_{{{n_fft}}})$ (coordinates "
              rf"modulo $\Phi_{{{n_fft}}}$).",
              f"The inverse transform equals symconv's convolve on the padded input "
              f"({same.positions} positions), and its slice equals correlate "
              f"({same_corr.positions} positions), by the identity engine.",
              f"fft-linear-convolution: proved on this layer ({len(proof.steps) - 1} claims, "
              f"{proof.positions} positions, {proof.products} products).")
    title = f"Linear convolution by the DFT: n = {spec.input_size[0]}, k = {k}, N = {n_fft}"
    intro = (rf"Let $\zeta_{{{n_fft}}}$ be a primitive root of unity of order {n_fft}. "
             rf"The layer correlates ${inp}$ (length {spec.input_size[0]}, padding "
             rf"{spec.pads[0]}) with ${ker}$ (length {k}); its output ${out}^\star$ has length "
             rf"{o}.",)
    return FourierPage(title, intro, tuple(blocks), checks, (proof,), spec=spec)


def fft_cli_page(args: Any) -> FourierPage:
    """The page for ``symconv derive fft-linear-convolution`` and its layer options (none given:
    :data:`DEFAULT_FFT_SPEC`); :func:`symconv.latex.fast_pages.fast_cli_page` for any page."""
    from .fast_pages import fast_cli_page

    return fast_cli_page("fft-linear-convolution", args)


#: Terms per printed line of a long sum.
TERMS_PER_LINE = 6


def _wrapped(p: FourierPrinter, head: str, terms: list[sympy.Expr]) -> list[str]:
    """``head &= t1 + ... `` over as many lines as the sum needs (continued with ``+``): at
    most :data:`TERMS_PER_LINE` terms a line, fewer where long names would overflow it."""
    room = LINE_EM - width_em(head) - 2
    groups: list[list[sympy.Expr]] = [[]]
    used = 0.0
    for term in terms:
        w = width_em(p.doprint(term)) + 1.5
        if groups[-1] and (len(groups[-1]) == TERMS_PER_LINE or used + w > room):
            groups.append([])
            used = 0.0
        groups[-1].append(term)
        used += w
    lines = [f"{head} &= {p.doprint(_sum(groups[0]))}".lstrip()]
    rest = [p.doprint(_sum(g)) for g in groups[1:]]
    return lines + [r"&\quad " + ("" if tex.startswith("-") else "+ ") + tex for tex in rest]


def _poly(poly: Any, to_sym: dict[str, sympy.Symbol]) -> sympy.Expr:
    terms = []
    for monomial, c in sorted(poly.terms.items()):
        factors = [to_sym[v] for v in sorted(monomial, key=lambda v: v[0] != "x")]
        terms.append(_times(sympy.Rational(c.numerator, c.denominator) if hasattr(
            c, "denominator") else sympy.Integer(c), *factors))
    return _sum(terms)


def _phi_block(m: int) -> tuple[str, tuple[str, ...]]:
    """The closing block of a DFT page: Φ_m, the polynomial the reductions used."""
    return (r"\paragraph{The cyclotomic polynomial} used for the reductions "
            rf"($\zeta_{{{m}}}$ is one of its roots):", (rf"\Phi_{{{m}}}(t) &= " + _phi_tex(m),))


def _phi_tex(m: int) -> str:
    from ..fourier import cyclotomic_polynomial

    t = sympy.Symbol("t")
    poly = sum(c * t ** e for e, c in enumerate(cyclotomic_polynomial(m)))
    return sympy.latex(sympy.Poly(poly, t).as_expr())

