"""Derivations: ordered steps, each an equation checked by the identity engine as it is built.

A :class:`Term` is a printed expression together with the engine tensor it stands for (computed
by a formulation of :mod:`symconv.forms` on symbolic tensors); building it evaluates the printed
expression (:func:`~symconv.latex.display.evaluate`) at every value of its free indices and proves
the result equal to that tensor.  A :class:`Step` joins two terms and proves them equal.  Either
check failing raises :class:`DerivationError`, so a :class:`Derivation` cannot hold an unproved
step.

>>> import numpy as np, sympy
>>> from symconv.latex.display import Times, tensor
>>> a = np.array([2, 3], dtype=object)
>>> w = tensor("#w")
>>> left = Term(sympy.Symbol("#out"), np.array(13), {"#out": np.array(13)})
>>> right = Term(sympy.Add(Times(w[0], w[0]), Times(w[1], w[1]), evaluate=False),
...              np.array(13), {"#w": a})
>>> bool(Step(left, right, "sum of squares").proof)
True
>>> Step(left, Term(w[0], np.array(2), {"#w": a}), "a false step")
Traceback (most recent call last):
...
symconv.latex.derivation.DerivationError: step 'a false step': the two sides differ: ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..engine import Proof, prove_equal
from ..errors import SymconvError
from ..spec import ConvSpec
from .display import DisplayError, evaluate
from .names import Names
from .printer import ConvLatexPrinter, environment

__all__ = ["Term", "Step", "Derivation", "DerivationError"]

_SAFE_TEXT = re.compile(r"^[A-Za-z0-9 ,.;:()'=+\-/·×]*$")


class DerivationError(SymconvError):
    """A derivation step (or the formula printed for it) does not hold."""


def _first_line(proof: Proof) -> str:
    return str(proof.counterexample).splitlines()[0] if proof.counterexample else "differ"


@dataclass(frozen=True, eq=False)
class Term:
    """A printed expression and the engine tensor it denotes, checked to agree on construction.

    ``free`` lists index symbols of ``display``; ``value`` then has one axis per free symbol and
    the display is evaluated at every index.  ``binding`` maps tensor keys to engine arrays.
    """

    display: sympy.Basic
    value: np.ndarray
    binding: Mapping[str, Any] = field(repr=False)
    free: tuple[sympy.Symbol, ...] = ()

    def __post_init__(self) -> None:
        value = np.asarray(self.value, dtype=object)
        object.__setattr__(self, "value", value)
        try:
            if self.free:
                if value.ndim != len(self.free):
                    raise DerivationError(f"term: {len(self.free)} free indices but the value "
                                          f"has shape {value.shape}")
                shown = np.empty(value.shape, dtype=object)
                for idx in np.ndindex(*value.shape):
                    shown[idx] = evaluate(self.display, self.binding, dict(zip(self.free, idx)))
            else:
                shown = np.asarray(evaluate(self.display, self.binding), dtype=object)
        except DisplayError as err:
            raise DerivationError(f"term {self.display}: {err}") from None
        proof = prove_equal(shown, value, "printed formula = its tensor")
        if not proof:
            raise DerivationError(f"term {self.display}: the printed formula does not denote its "
                                  f"tensor: {_first_line(proof)}")


@dataclass(frozen=True, eq=False)
class Step:
    """``left = right`` with a one-line justification; proved by the engine on construction."""

    left: Term
    right: Term
    justification: str
    proof: Proof = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.left, Term) or not isinstance(self.right, Term):
            raise DerivationError("step: expected two Term sides")
        if not _SAFE_TEXT.match(self.justification):
            raise DerivationError(f"justification: expected plain words, got "
                                  f"{self.justification!r}")
        proof = prove_equal(self.left.value, self.right.value, self.justification)
        if not proof:
            raise DerivationError(f"step {self.justification!r}: the two sides differ: "
                                  f"{_first_line(proof)}")
        object.__setattr__(self, "proof", proof)


@dataclass(frozen=True, eq=False)
class Derivation:
    """An ordered list of proved steps about one layer, with renderers for notes and notebooks.

    Build one with :func:`symconv.derive`.  ``intro`` holds LaTeX text paragraphs produced by
    symconv (never user text); ``proofs`` are the theorem-level proofs on the whole tensors.
    """

    name: str
    title: str
    spec: ConvSpec
    names: Names
    labels: Mapping[str, str]
    steps: tuple[Step, ...]
    intro: tuple[str, ...] = ()
    proofs: tuple[Proof, ...] = ()
    figures: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not self.steps:
            raise DerivationError("steps: a derivation needs at least one step")
        for step in self.steps:
            if not isinstance(step, Step) or not step.proof:
                raise DerivationError(f"steps: expected proved Step values, got {step!r}")
        for proof in self.proofs:
            if not proof:
                raise DerivationError(f"proofs: {proof.statement} does not hold")

    # ---- rendering ----
    @property
    def printer(self) -> ConvLatexPrinter:
        """The printer with this derivation's tensor names."""
        return ConvLatexPrinter(self.labels)

    def _lines(self, mathjax: bool) -> list[str]:
        p = self.printer
        lines: list[str] = []
        previous = None
        for step in self.steps:
            rows = p.rows(step.right.display)
            why = r"\text{" + step.justification + "}"
            note = r"\qquad " + why if mathjax else r"\tag*{\footnotesize " + why + "}"
            head = "" if step.left.display == previous else p.doprint(step.left.display)
            lines.append(f"{head} &= {rows[0]} {note}".strip())
            lines += [r"&\qquad + " + row for row in rows[1:]]
            previous = step.right.display
        return lines

    def latex(self) -> str:
        """The steps as an ``align*`` environment for ``.tex`` notes (needs amsmath)."""
        return environment("align*", self._lines(mathjax=False))

    def mathjax(self) -> str:
        """The steps as an ``aligned`` block (MathJax, KaTeX, GitHub, Jupyter)."""
        return environment("aligned", self._lines(mathjax=True))

    def markdown(self, fence: bool = True) -> str:
        """A GitHub-flavoured Markdown math block: ```` ```math ```` (default) or ``$$``."""
        body = self.mathjax()
        return f"```math\n{body}\n```\n" if fence else f"$$\n{body}\n$$\n"

    def document(self) -> str:
        """A complete article (amsmath, amssymb, xcolor, tikz, geometry) for pdflatex."""
        from .document import document
        return document(self)

    def _repr_latex_(self) -> str:
        return f"$$\n{self.mathjax()}\n$$"

    def _repr_markdown_(self) -> str:
        return f"**{self.title}**\n\n" + self.markdown(fence=False)

    def __str__(self) -> str:
        return self.latex()
