"""A page on Winograd's F(m, r): the transform matrices, the proved steps, the multiplications.

:func:`winograd_page` builds the transforms (:func:`symconv.winograd.winograd_transforms`), runs
them on a symbolic tile ``d`` and filter ``g`` and prints each stage, ``U = G g``,
``V = Bᵀ d``, ``M = U ⊙ V`` (the only multiplications of data), ``y = Aᵀ M`` and the correlation
it equals.  Every printed equation is checked by the identity engine as the page is built (a
failed check raises :class:`~symconv.latex.derivation.DerivationError`), and the page carries
the :class:`~symconv.winograd.WinogradProof` of the whole statement.

>>> page = winograd_page(2, 3)
>>> page.proof.multiplications, page.proof.direct_multiplications
(4, 6)
>>> print(page.latex().splitlines()[1][:56])
  A^{\\top} &= \\left[\\begin{array}{cccc} 1 & 1 & 1 & 0 \\\\
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from ..engine import prove_equal
from ..winograd import INFINITY, WinogradProof, prove_winograd
from ..winograd.transforms import interpolation_points
from .derivation import DerivationError
from .document import PACKAGES
from .printer import ConvLatexPrinter, environment

__all__ = ["WinogradPage", "winograd_page"]


@dataclass(frozen=True, eq=False)
class WinogradPage:
    """The printed transforms and checked steps of F(m, r), with the renderers of a derivation."""

    title: str
    #: LaTeX paragraphs written by symconv (never user text); the title is LaTeX too
    intro: tuple[str, ...]
    #: ``name &= matrix`` lines of the transforms
    matrices: tuple[str, ...]
    #: ``(left, right, justification)`` LaTeX, each equation proved when the page was built
    steps: tuple[tuple[str, str, str], ...]
    proof: WinogradProof
    figures: tuple[Any, ...] = ()

    def _lines(self, mathjax: bool) -> list[str]:
        lines = list(self.matrices)
        for left, right, why in self.steps:
            note = r"\qquad \text{" + why + "}" if mathjax else r"\tag*{\footnotesize " + why + "}"
            lines.append(f"{left} &= {right} {note}")
        return lines

    def latex(self) -> str:
        """The transforms and steps as an ``align*`` environment (amsmath)."""
        return environment("align*", self._lines(mathjax=False))

    def mathjax(self) -> str:
        """The same as an ``aligned`` block (MathJax, KaTeX, GitHub, Jupyter)."""
        return environment("aligned", self._lines(mathjax=True))

    def markdown(self) -> str:
        """A GitHub ```` ```math ```` block."""
        return f"```math\n{self.mathjax()}\n```\n"

    def document(self) -> str:
        """A complete article for pdflatex (the packages of every symconv document)."""
        preamble = [r"\documentclass[11pt]{article}",
                    r"\usepackage[a4paper, hmargin=1.7cm, vmargin=1.3cm]{geometry}",
                    *(rf"\usepackage{{{p}}}" for p in PACKAGES), r"\pagestyle{empty}",
                    r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
                    r"\setlength{\parskip}{0.6em}"]
        checked = (r"{\small Checked by symconv: every printed equation was proved exactly "
                   "(canonical polynomial forms, no floating point); the whole statement, "
                   "the transforms equal the correlation, was proved on all "
                   f"{self.proof.positions} outputs in {self.proof.elapsed * 1000:.1f} ms.}}")
        body = [rf"\section*{{{self.title}}}", *self.intro, self.latex(), checked]
        return "\n".join(preamble) + "\n" + environment("document", body, separator="\n") + "\n"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.mathjax()}\n$$"

    def __str__(self) -> str:
        return self.latex()


def _sym(matrix: sympy.Matrix) -> np.ndarray:
    return np.array(matrix.tolist(), dtype=object)


def _checked(shown: sympy.Matrix, value: sympy.Matrix, what: str) -> None:
    """The printed ``shown`` must equal the computed ``value`` exactly, or the page fails."""
    proof = prove_equal(_sym(shown), _sym(value), what)
    if not proof:
        raise DerivationError(f"step {what!r}: the printed side differs: "
                              f"{str(proof.counterexample).splitlines()[0]}")


def winograd_page(m: int, r: int, rank: int = 1, points: Any = None) -> WinogradPage:
    """The derivation page of Winograd's F(m, r) (``rank=2``: F(m×m, r×r), same transforms).

    >>> page = winograd_page(2, 3, rank=2)
    >>> page.proof.multiplications, page.proof.direct_multiplications
    (16, 36)
    """
    proof = prove_winograd(m, r, rank=rank, points=points)
    if not proof:
        raise DerivationError(f"proof: {proof.statement} does not hold")
    AT, G, BT = proof.transforms[0]
    alpha = G.rows
    p = ConvLatexPrinter()
    d = sympy.Matrix(sympy.symbols(f"d_0:{m + r - 1}"))
    g = sympy.Matrix(sympy.symbols(f"g_0:{r}"))
    U, V = (G * g).expand(), (BT * d).expand()
    Ms = sympy.Matrix(sympy.symbols(f"M_0:{alpha}"))
    products = sympy.Matrix([sympy.Mul(U[i], V[i], evaluate=False) for i in range(alpha)])
    y = (AT * Ms)
    correlation = sympy.Matrix([sum(g[u] * d[i + u] for u in range(r)) for i in range(m)])
    _checked(U, G * g, "filter transform")
    _checked(V, BT * d, "tile transform")
    _checked(products, U.multiply_elementwise(V), "element-wise products")
    _checked(y.subs(dict(zip(Ms, products))), correlation, "inverse transform")
    steps = [
        ("U = G g", p.doprint(U), "filter transform (once per filter)"),
        (r"V = B^{\top} d", p.doprint(V), "tile transform"),
        (r"M = U \odot V", p.doprint(products), f"the {alpha} multiplications"),
        (r"y = A^{\top} M", p.doprint(y), "inverse transform"),
        ("", p.doprint(correlation), "proved: the correlation of d with g")]
    mults = proof.multiplications
    saving = float(Fraction(proof.direct_multiplications, mults))
    name = "$F(" + ", ".join(r"\times ".join(map(str, sizes)) for sizes in
                             (proof.tile, proof.taps)) + ")$"
    finite = [q for q in interpolation_points(alpha, points) if q is not INFINITY]
    points_text = ", ".join(p.doprint(q) for q in finite)
    at_infinity = r" and $\infty$" if len(finite) < alpha else ""
    where = (rf"the points ${points_text}${at_infinity}" if finite else r"the point $\infty$")
    intro = (
        rf"Winograd's minimal filtering {name} computes $m = {m}$ outputs of the "
        rf"correlation $y_i = \sum_{{u=0}}^{{{r - 1}}} g_u\, d_{{i+u}}$ of an "
        rf"$\alpha = m + r - 1 = {alpha}$ tile $d$ with an $r = {r}$ tap filter $g$ as "
        r"$y = A^{\top}\left[(G g) \odot (B^{\top} d)\right]$"
        + (r" (in 2-D, $Y = A^{\top}\left[(G g G^{\top}) \odot (B^{\top} d B)\right] A$)"
           if rank == 2 else "") + ".",
        rf"The transforms come from Cook--Toom (Lagrange) interpolation at {where}; their "
        "entries are exact rationals.",
        rf"\emph{{Multiplications:}} {mults} instead of {proof.direct_multiplications} for the "
        rf"direct algorithm, {saving:.2f}$\times$ fewer"
        + (f" (per 1-D tile: {alpha} instead of {m * r})." if rank == 2 else "."))
    matrices = tuple(f"{label} &= {p.doprint(M)}" for label, M in
                     ((r"A^{\top}", AT), ("G", G), (r"B^{\top}", BT)))
    return WinogradPage(f"Winograd {name}", intro, matrices, tuple(steps), proof)

