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

__all__ = ["FloorDiv", "Rem", "Access", "Sum", "View", "Box", "render", "floor_atoms", "BRACKET",
           "bracket", "Derivative"]

#: the reserved tensor name of an Iverson bracket ``[a = b]``: ``Access(BRACKET, (a, b))`` is 1
#: when the two index expressions are equal and 0 otherwise (never a tensor, never a view)
BRACKET = "[=]"

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
        if self.tensor == BRACKET and len(self.index) == 2 and not self.params:
            return f"[{render(self.index[0])} = {render(self.index[1])}]"
        name = self.tensor
        if self.params:
            name += "{" + ",".join(render(p) for p in self.params) + "}"
        return f"{name}[{', '.join(render(i) for i in self.index)}]"


def bracket(lhs: Any, rhs: Any) -> Access:
    """The Iverson bracket ``[lhs = rhs]`` as a factor (1 when equal, 0 otherwise).

    >>> import sympy
    >>> a = sympy.Symbol("a", integer=True, nonnegative=True)
    >>> print(bracket(2 * a, a + 1))
    [2*a = a + 1]
    """
    return Access(BRACKET, (lhs, rhs))


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

    The body is an access (an index map) or a :class:`Sum` (a scatter or zero-padding written
    with brackets, e.g. ``zi[n, f, q] := Σ_{o<O} [q = o·s]·y[n, f, o]``).

    >>> import sympy
    >>> f, u, k = sympy.symbols("f u k", integer=True, nonnegative=True)
    >>> flip = View("flip_w", (f, u), Access("w", (f, k - 1 - u)), "kernel mirrored")
    >>> print(flip.apply((0, 2)))
    w[0, k - 3]
    """

    name: str
    formals: tuple[sympy.Symbol, ...]
    body: Access | Sum
    meaning: str

    def __post_init__(self) -> None:
        formals = tuple(self.formals)
        if any(not isinstance(f, sympy.Symbol) for f in formals) or \
                len(set(formals)) != len(formals):
            raise SymconvError(f"formals: {self.name}'s formals must be distinct sympy symbols, "
                               f"got {formals}")
        object.__setattr__(self, "formals", formals)

    def apply(self, index: tuple[sympy.Expr, ...]) -> Access | Sum:
        """The body with the formal indices replaced (simultaneously) by ``index``.

        An access body is binder-free and a sum body is substituted capture-avoiding
        (:func:`symconv.general.subst.substitute`), so this captures nothing; the body's other
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


@dataclass(frozen=True)
class Derivative:
    """``∂ term / ∂ tensor[index]``: the exact derivative of a sum by one base-tensor entry.

    The semantics differentiates the formal polynomial ``term`` denotes; the rule
    :func:`symconv.general.brackets.differentiate` rewrites it to a sum with brackets.

    >>> import sympy
    >>> a = sympy.Symbol("a", integer=True, nonnegative=True)
    >>> print(Derivative(Sum((), (Access("x", (a,)), Access("y", (a,)))), "x", (a,)))
    ∂/∂x[a] (x[a]·y[a])
    """

    term: Sum
    tensor: str
    index: tuple[sympy.Expr, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.term, Sum):
            raise SymconvError(f"term: a derivative differentiates a Sum, got "
                               f"{type(self.term).__name__}")
        object.__setattr__(self, "index", tuple(sympy.sympify(i) for i in self.index))

    def with_term(self, term: Sum) -> Derivative:
        """The same derivative of another (equal) sum."""
        return Derivative(term, self.tensor, self.index)

    def __str__(self) -> str:
        return f"∂/∂{Access(self.tensor, self.index)} ({self.term})"
