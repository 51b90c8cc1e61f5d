"""LaTeX derivations and figures: proved steps rendered for notes, GitHub and notebooks.

Pipeline, one module each: :mod:`.names` (safe user names) → :mod:`.display` (printed
expressions and their evaluator) → :mod:`.derivation` (Term, Step, Derivation: checked as built)
→ :mod:`.layer` and :mod:`.recipes` (``derive``) → :mod:`.printer` (LatexPrinter subclass and
the environment builder) → :mod:`.figures` (TikZ), :mod:`.plots` (matplotlib),
:mod:`.document` (article), :mod:`.compile` (safe pdflatex, PNG pages).

>>> from symconv import derive
>>> d = derive("example")
>>> int(d.steps[-3].right.value)
4
"""

from .compile import CompileError, pdf_to_png, pdflatex
from .derivation import Derivation, DerivationError, Step, Term
from .names import Names, UnsafeNameError
from .printer import ConvLatexPrinter
from .recipes import derivations, derive

__all__ = ["CompileError", "ConvLatexPrinter", "Derivation", "DerivationError", "Names", "Step",
           "Term", "UnsafeNameError", "derivations", "derive", "pdf_to_png", "pdflatex"]
