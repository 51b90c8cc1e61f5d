"""A complete LaTeX article for a derivation: title, setup, figures, steps, what was checked.

Only amsmath, amssymb, xcolor, tikz and geometry are used, so any TeX Live with
texlive-latex-base, -latex-recommended and -pictures compiles it with pdflatex.

>>> from symconv.latex.recipes import derive
>>> tex = derive("flip-is-involution").document()
>>> tex.splitlines()[0], tex.rstrip().splitlines()[-1]
('\\\\documentclass[11pt]{article}', '\\\\end{document}')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .figures import WIDTH_CM, tikz
from .names import escape_text
from .printer import environment

if TYPE_CHECKING:
    from .derivation import Derivation

__all__ = ["document", "PACKAGES"]

#: The packages a derivation document uses: nothing outside a basic TeX Live.
PACKAGES = ("amsmath", "amssymb", "xcolor", "tikz")

_PREAMBLE = (r"\documentclass[11pt]{article}",
             r"\usepackage[a4paper, hmargin=1.7cm, vmargin=1.3cm]{geometry}",
             *(rf"\usepackage{{{p}}}" for p in PACKAGES),
             r"\pagestyle{empty}",
             r"\allowdisplaybreaks",
             r"\setlength{\arraycolsep}{2.5pt}",
             r"\setlength{\parindent}{0pt}",
             r"\setlength{\parskip}{0.6em}")


def _checked(derivation: Derivation) -> str:
    steps = len(derivation.steps)
    parts = [f"Checked by symconv: each of the {steps} printed steps was evaluated and proved "
             "equal to the tensors the formulations compute, exactly (canonical polynomial "
             "forms, no floating point)."]
    for proof in derivation.proofs:
        if hasattr(proof, "positions"):
            theorem = r"\texttt{" + escape_text(proof.statement.split(" on ")[0]) + "}"
            parts.append(f"{theorem}: proved on all {proof.positions} entries of this layer "
                         f"({proof.products} products).")
        else:  # a large layer: the theorem for every size, which covers this layer
            parts.append(rf"\texttt{{{escape_text(proof.name)}}}: proved for every size at rank "
                         f"{proof.rank} by {len(proof.steps)} checked rewrite steps "
                         rf"(\texttt{{symconv prove {escape_text(proof.name)} --all-sizes}}).")
    return " ".join(parts)


def _figures(derivation: Derivation) -> list[str]:
    """Figures side by side when they fit the line, else one below the other."""
    figures = derivation.figures
    if not figures:
        return []
    widths = [f.width for f in figures]
    if len(figures) > 1 and sum(widths) + 1.0 * (len(figures) - 1) <= WIDTH_CM:
        pictures = r" \hspace{1cm} ".join(tikz(f) for f in figures)
        captions = " ".join(f"{side}: {escape_text(f.caption)}" for side, f in
                            zip(("Left", "Right", "Third"), figures))
        return [environment("center", [pictures, r"\footnotesize " + captions],
                            separator=r" \\[0.3em]")]
    return [environment("center", [tikz(f), r"\footnotesize " + escape_text(f.caption)],
                        separator=r" \\[0.3em]") for f in figures]


def document(derivation: Derivation) -> str:
    """The derivation as a complete article for pdflatex."""
    body = [rf"\section*{{{escape_text(derivation.title)}}}",
            derivation.intro[0] if derivation.intro else "",
            *(r"\emph{Claim:} " + t + "." for t in derivation.intro[1:])]
    body += _figures(derivation)
    body += [derivation.latex(where=False), r"{\small " + _checked(derivation) + "}"]
    doc = environment("document", [b for b in body if b], separator="\n")
    return "\n".join(_PREAMBLE) + "\n" + doc + "\n"
