"""Index-level terms: tensor accesses, finite sums over boxes, and views defined by index maps.

A :class:`Sum` is ``sum over a box of integer variables (each from 0 to an upper bound) of a
product of accesses``; the upper bounds are sympy expressions in size symbols (positive integers)
and may not mention the summation variables, so the box is a product of ranges and finite sums
over it commute.  :class:`FloorDiv` and :class:`Rem` stay unevaluated on symbols and evaluate on
integers, so the same term describes every size and each concrete one.

>>> import sympy
>>> l, k = sympy.symbols("l k", integer=True, nonnegative=True)
>>> print(Sum(((l, 2 * k - 1),), (Access("w", (FloorDiv(l, k), Rem(l, k))),)))
Σ_{l<2*k} w[⌊l/k⌋, l mod k]
>>> FloorDiv(7, 2), Rem(7, 2)
(3, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.printing.precedence import PRECEDENCE

from ..errors import SymconvError

__all__ = ["FloorDiv", "Rem", "Access", "Sum", "View", "Box", "render", "floor_atoms"]

#: ``((variable, inclusive upper bound), ...)``; every variable starts at 0
Box = tuple[tuple[sympy.Symbol, sympy.Expr], ...]

_INDEX = sympy.Symbol("index", integer=True, nonnegative=True)  #: a summation variable's kind


def _wrapped(printer: Any, expr: sympy.Expr) -> str:
    text = printer._print(expr)
    return f"({text})" if expr.is_Add or expr.is_Mul else text


class FloorDiv(sympy.Function):
    """``⌊a/m⌋``, kept unevaluated unless both arguments are integers (``m >= 1``)."""

    nargs = 2

    @classmethod
    def eval(cls, a: sympy.Expr, m: sympy.Expr) -> sympy.Expr | None:
        if a.is_Integer and m.is_Integer and m > 0:
            return sympy.Integer(int(a) // int(m))
        return None

    def _eval_is_integer(self) -> bool:
        return True

    def _sympystr(self, printer: Any) -> str:
        a, m = self.args
        return f"⌊{_wrapped(printer, a)}/{_wrapped(printer, m)}⌋"


class Rem(sympy.Function):
    """``a mod m`` (in ``[0, m-1]``), kept unevaluated unless both arguments are integers."""

    nargs = 2
    precedence = PRECEDENCE["Mul"]  # printed in parentheses inside a product

    @classmethod
    def eval(cls, a: sympy.Expr, m: sympy.Expr) -> sympy.Expr | None:
        if a.is_Integer and m.is_Integer and m > 0:
            return sympy.Integer(int(a) % int(m))
        return None

    def _eval_is_integer(self) -> bool:
        return True

    def _sympystr(self, printer: Any) -> str:
        a, m = self.args
        return f"{_wrapped(printer, a)} mod {_wrapped(printer, m)}"


def render(expr: Any) -> str:
    """Print an index expression the way the transcripts do (sympy's str printer)."""
    return sympy.sstr(sympy.sympify(expr))


def floor_atoms(expr: Any) -> set[sympy.Expr]:
    """Every :class:`FloorDiv` and :class:`Rem` inside ``expr``."""
    return set(sympy.sympify(expr).atoms(FloorDiv, Rem))


@dataclass(frozen=True)
class Access:
    """``tensor[index]``; ``params`` name a family member (the pads of ``xpad``)."""

    tensor: str
    index: tuple[sympy.Expr, ...]
    params: tuple[sympy.Expr, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", tuple(sympy.sympify(i) for i in self.index))
        object.__setattr__(self, "params", tuple(sympy.sympify(p) for p in self.params))

    def xreplace(self, mapping: Mapping[Any, Any]) -> Access:
        """Replace sub-expressions (simultaneously) in the index and the parameters."""
        return Access(self.tensor, tuple(i.xreplace(dict(mapping)) for i in self.index),
                      tuple(p.xreplace(dict(mapping)) for p in self.params))

    def expanded(self) -> Access:
        """The same access with every index expression passed through ``sympy.expand``."""
        return Access(self.tensor, tuple(sympy.expand(i) for i in self.index),
                      tuple(sympy.expand(p) for p in self.params))

    def expressions(self) -> tuple[sympy.Expr, ...]:
        return self.index + self.params

    def __str__(self) -> str:
        name = self.tensor
        if self.params:
            name += "{" + ",".join(render(p) for p in self.params) + "}"
        return f"{name}[{', '.join(render(i) for i in self.index)}]"


@dataclass(frozen=True)
class Sum:
    """``Σ_{box} Π factors``: a finite sum over a box of a product of accesses."""

    bounds: Box
    factors: tuple[Access, ...]

    def __post_init__(self) -> None:
        names = [v for v, _ in self.bounds]
        if len(set(names)) != len(names):
            raise SymconvError(f"bounds: expected distinct summation variables, got {names}")
        for v, hi in self.bounds:
            if not isinstance(v, sympy.Symbol) or v.assumptions0 != _INDEX.assumptions0:
                raise SymconvError(f"bounds: summation variable {v!r} must be a sympy Symbol "
                                   "declared integer=True, nonnegative=True and nothing more "
                                   "(it runs from 0), e.g. sympy.Symbol('u', integer=True, "
                                   "nonnegative=True)")
            clash = sympy.sympify(hi).free_symbols & set(names)
            if clash:
                raise SymconvError(f"bounds: the bound of {v} mentions summation variable(s) "
                                   f"{sorted(map(str, clash))}; sums must range over a box")

    @property
    def variables(self) -> tuple[sympy.Symbol, ...]:
        return tuple(v for v, _ in self.bounds)

    def bound(self, var: sympy.Symbol) -> sympy.Expr:
        """Inclusive upper bound of summation variable ``var``."""
        for v, hi in self.bounds:
            if v == var:
                return hi
        raise SymconvError(f"variable: {var} is not summed over in {self}")

    def replace_atoms(self, mapping: Mapping[Any, Any]) -> Sum:
        """Replace floor/mod atoms by equal expressions in no other variables (capture-free:
        the value lives where the atom was).  Variables are replaced by ``subst.substitute``."""
        for atom, value in mapping.items():
            if not isinstance(atom, (FloorDiv, Rem)):
                raise SymconvError(f"replace_atoms: expected a floor/mod atom, got {atom!r}")
            extra = sympy.sympify(value).free_symbols - atom.free_symbols
            if extra:
                raise SymconvError(f"replace_atoms: the value of {render(atom)} mentions "
                                   f"{sorted(map(str, extra))}, which the atom does not")
        return Sum(self.bounds, tuple(f.xreplace(mapping) for f in self.factors))

    def atoms(self) -> set[sympy.Expr]:
        """Every floor/mod atom in the factors."""
        out: set[sympy.Expr] = set()
        for f in self.factors:
            for e in f.expressions():
                out |= floor_atoms(e)
        return out

    def __str__(self) -> str:
        body = "·".join(str(f) for f in self.factors)
        if not self.bounds:
            return body
        ranges = ", ".join(f"{v}<{render(sympy.expand(hi + 1))}" for v, hi in self.bounds)
        return f"Σ_{{{ranges}}} {body}"


@dataclass(frozen=True)
class View:
    """A derived tensor defined by an index map: ``name[formals] := body``.

    >>> import sympy
    >>> f, u, k = sympy.symbols("f u k", integer=True, nonnegative=True)
    >>> flip = View("flip_w", (f, u), Access("w", (f, k - 1 - u)), "kernel mirrored")
    >>> print(flip.apply((0, 2)))
    w[0, k - 3]
    """

    name: str
    formals: tuple[sympy.Symbol, ...]
    body: Access
    meaning: str

    def __post_init__(self) -> None:
        formals = tuple(self.formals)
        if any(not isinstance(f, sympy.Symbol) for f in formals) or \
                len(set(formals)) != len(formals):
            raise SymconvError(f"formals: {self.name}'s formals must be distinct sympy symbols, "
                               f"got {formals}")
        object.__setattr__(self, "formals", formals)

    def apply(self, index: tuple[sympy.Expr, ...]) -> Access:
        """The body with the formal indices replaced (simultaneously) by ``index``.

        The body is binder-free, so this substitution captures nothing; the body's other
        symbols must be sizes (the prover checks), which no sum may rebind unseen
        (``rules.unfold`` renames such binders first).
        """
        from .subst import substitute

        if len(index) != len(self.formals):
            raise SymconvError(f"index: {self.name} takes {len(self.formals)} indices, got "
                               f"{len(index)}")
        return substitute(self.body, dict(zip(self.formals, map(sympy.sympify, index))))

    def __str__(self) -> str:
        return f"{self.name}[{', '.join(map(str, self.formals))}] := {self.body}"
