"""Derivations: ordered steps, each an equation checked by the identity engine as it is built.

A :class:`Term` is a printed expression together with the engine tensor it stands for (computed
by a formulation of :mod:`symconv.forms` on symbolic tensors); building it evaluates the printed
expression (:func:`~symconv.latex.display.evaluate`) at every value of its free indices and proves
the result equal to that tensor.  A :class:`Step` joins two terms and proves them equal.  Either
check failing raises :class:`DerivationError`, so a :class:`Derivation` cannot hold an unproved
step.

The values are object arrays (numbers, engine polynomials) or, for large layers,
:class:`~symconv.vector.FormArray` tensors of the vector carrier: the printed formula is then
evaluated on them with vectorised indexing and both checks are :func:`~symconv.vector.prove_forms`
comparisons of canonical term arrays (``Step.proof.method`` says which carrier proved it).

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
from ..vector import FormArray, prove_forms
from .display import DisplayError, evaluate
from .names import Names
from .printer import ConvLatexPrinter, environment, width_em

__all__ = ["Term", "Step", "Derivation", "DerivationError", "names_used", "prove_same"]

_SAFE_TEXT = re.compile(r"^[A-Za-z0-9 ,.;:()'=+\-/]*$")
_SAFE_MATH = re.compile(r"^(?:[A-Za-z0-9 ,.;:()'=+\-/_{}^]|\\[{}]|\\(?:lfloor|rfloor|ldots|times|"
                        r"ast|cdot|le|in|mathrm|top)(?![A-Za-z]))*$")


def _safe_justification(text: str) -> bool:
    """Plain words, with math between ``$`` signs built from a few symbols and commands."""
    parts = text.split("$")
    return len(parts) % 2 == 1 and all(
        (_SAFE_MATH if k % 2 else _SAFE_TEXT).match(part) for k, part in enumerate(parts))


def _math_justification(text: str) -> str:
    r"""``'a $k - 1$ b'`` as math-mode LaTeX: ``\text{a }k - 1\text{ b}``."""
    return "".join(part if k % 2 else (r"\text{" + part + "}" if part else "")
                   for k, part in enumerate(text.split("$")))


#: Left sides wider than this (em) put every step flush left, each left side on its own line.
_WIDE_HEAD = 7.0
#: A sum of at most this many lines is kept on one page (``\\*`` between its lines).
_KEEP_LINES = 30


class DerivationError(SymconvError):
    """A derivation step (or the formula printed for it) does not hold."""


def _first_line(proof: Proof) -> str:
    return str(proof.counterexample).splitlines()[0] if proof.counterexample else "differ"


def _as_value(value: Any) -> Any:
    return value if isinstance(value, FormArray) else np.asarray(value, dtype=object)


def _polynomials(value: Any) -> Any:
    return value.to_polynomials() if isinstance(value, FormArray) else value


def prove_same(left: Any, right: Any, statement: str) -> Proof:
    """Exact equality of two values: :func:`~symconv.vector.prove_forms` when both are
    FormArrays of one Space, else :func:`~symconv.engine.prove_equal` (FormArrays turned into
    polynomials: a small printed side against a small engine side).

    >>> from symconv.vector import Space, space_tensor
    >>> x = space_tensor(Space({"x": (2,)}), "x")
    >>> prove_same(x * 2, x + x, "double").method
    'canonical term arrays of bilinear forms (exact, vectorised)'
    >>> bool(prove_same(x[0], np.array(x[0].to_polynomials()), "one entry"))
    True
    """
    if isinstance(left, FormArray) and isinstance(right, FormArray) and \
            left.space is right.space:
        return prove_forms(left, right, statement)
    return prove_equal(_polynomials(left), _polynomials(right), statement)


def _broadcast(shown: Any, shape: tuple[int, ...], like: Any) -> Any:
    """``shown`` (evaluated at grids of ``shape``) as a tensor of that shape."""
    if isinstance(like, FormArray) and not isinstance(shown, FormArray):
        shown = FormArray.constant(like.space, shown)
    if isinstance(shown, FormArray):
        return shown if shown.shape == shape else np.broadcast_to(shown, shape)
    return np.broadcast_to(np.asarray(shown, dtype=object), shape)


def _symbol_names(expr: Any) -> set[str]:
    """Names of the symbols in ``expr``; a matrix's entries that are tensor entries at integer
    indices (``X_col`` of a large layer: tens of thousands) are read without a tree walk."""
    if not isinstance(expr, sympy.MatrixBase):
        return {a.name for a in expr.atoms(sympy.Symbol)}
    names: set[str] = set()
    unique = {id(entry): entry for row in expr.tolist() for entry in row}  # entries repeat
    for entry in unique.values():
        if isinstance(entry, sympy.Indexed) and all(isinstance(i, sympy.Integer)
                                                    for i in entry.indices):
            names.add(entry.base.label.name)
        else:
            names |= _symbol_names(entry)
    return names


def names_used(steps: Any) -> tuple[frozenset[str], frozenset[str]]:
    """Tensor keys (``'#pad'``, ...) and index letters the printed sides of ``steps`` contain.

    >>> from symconv.latex.display import tensor
    >>> u = sympy.Symbol("u", integer=True)
    >>> step = Step(Term(tensor("#w")[0], np.array(2), {"#w": np.array([2])}),
    ...             Term(sympy.Integer(2), np.array(2), {}), "arithmetic")
    >>> sorted(names_used([step])[0])
    ['#w']
    """
    keys: set[str] = set()
    for step in steps:
        for side in (step.left, step.right):
            keys |= _symbol_names(side.display)
    return (frozenset(k for k in keys if k.startswith("#")),
            frozenset(k for k in keys if not k.startswith("#")))


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
        value = _as_value(self.value)
        object.__setattr__(self, "value", value)
        try:
            if self.free:
                if value.ndim != len(self.free):
                    raise DerivationError(f"term: {len(self.free)} free indices but the value "
                                          f"has shape {value.shape}")
                grids = dict(zip(self.free, np.indices(value.shape)))  # every index at once
                shown = _broadcast(evaluate(self.display, self.binding, grids), value.shape,
                                   value)
            else:
                shown = _as_value(evaluate(self.display, self.binding))
        except DisplayError as err:
            raise DerivationError(f"term {self.display}: {err}") from None
        proof = prove_same(shown, value, "printed formula = its tensor")
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
        if not _safe_justification(self.justification):
            raise DerivationError(f"justification: expected plain words, got "
                                  f"{self.justification!r}")
        proof = prove_same(self.left.value, self.right.value, self.justification)
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
    #: Definitions (LaTeX ``a &= b`` lines) of the padded tensors the steps use, printed under
    #: the steps of :meth:`latex` and :meth:`mathjax` (a document defines them in its text).
    where: tuple[str, ...] = ()

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

    def _lines(self, mathjax: bool) -> tuple[list[str], list[str]]:
        """Printed lines, and the line break after each: ``\\*`` (no page break) inside a
        sum that continues on the next line (LaTeX), ``\\`` elsewhere."""
        p = self.printer
        lines: list[str] = []
        breaks: list[str] = []
        inside = " \\\\" if mathjax else " \\\\*"
        heads, shown = [], None
        for step in self.steps:  # a left side equal to the previous right side is not printed
            heads.append("" if step.left.display == shown else p.doprint(step.left.display))
            shown = step.right.display
        wide = max(width_em(h) for h in heads) > _WIDE_HEAD  # long names: flush left
        for step, head in zip(self.steps, heads):
            why = step.justification
            note = r"\qquad " + _math_justification(why) if mathjax else \
                r"\tag*{\footnotesize " + why + "}"
            if wide and head:  # the left side on a line of its own, then "= ..."
                lines.append("&" + head)
                breaks.append(inside)
            room = p._budget - (0 if wide else width_em(head)) - 2
            rows = p.rows(step.right.display, room)
            eq = r"&\qquad = " if wide else f"{head} &= ".lstrip()
            op = r"&\qquad \qquad " if wide else r"&\qquad "
            lines.append(f"{eq}{rows[0]} {note}")
            lines += [op + ("" if row.startswith((r"\cdot", r"\odot")) else "+ ") + row
                      for row in rows[1:]]
            keep = inside if len(rows) <= _KEEP_LINES else " \\\\"  # else taller than a page
            breaks += [keep] * (len(rows) - 1) + [" \\\\"]
        return lines, breaks

    def _block(self, name: str, mathjax: bool, where: bool) -> str:
        lines, breaks = self._lines(mathjax)
        if where and self.where:
            lines = lines + [r"&\text{where } " + self.where[0].replace("&=", "=")] + \
                [r"&\phantom{\text{where }} " + w.replace("&=", "=") for w in self.where[1:]]
            breaks = breaks + [" \\\\"] * len(self.where)
        return environment(name, lines, separators=breaks)

    def latex(self, where: bool = True) -> str:
        """The steps as an ``align*`` environment for ``.tex`` notes (needs amsmath); padded
        tensors are defined under the steps unless ``where=False``."""
        return self._block("align*", mathjax=False, where=where)

    def mathjax(self) -> str:
        """The steps as an ``aligned`` block (MathJax, KaTeX, GitHub, Jupyter), with the
        definitions of the padded tensors it uses."""
        return self._block("aligned", mathjax=True, where=True)

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
