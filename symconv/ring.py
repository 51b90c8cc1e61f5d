"""An exact sparse polynomial ring: the fast carrier for symbolic execution.

A :class:`Polynomial` is a map from monomials (sorted tuples of variable keys, repeated for
powers) to exact rational coefficients.  Object arrays of Polynomials run through the same numpy
code as sympy symbols (``np.pad``, slicing, ``*``, ``np.sum``, ``@``, ``einsum``), but each
operation is a dictionary merge instead of a sympy tree rebuild, so a symbolic run of a 3x32x32
layer takes seconds, not minutes.  The map *is* the canonical form the identity engine compares:
two polynomials are equal exactly when their maps are equal.

Variables are keyed so that two sympy symbols share a key exactly when sympy treats them as one
variable (:func:`variable_key`): ``Symbol('x')`` is the variable ``'x'``, while
``Symbol('x', integer=True)`` and ``Dummy('x')`` get keys with a reserved ``⟦…⟧`` suffix that no
plain name may contain.  Symbols whose assumptions not every integer satisfies (``positive``,
``even``, ...) and noncommutative symbols are refused, so a polynomial identity, or a
counterexample at integer values, is about every value the symbols may take.

>>> x, w = Polynomial.variable("x"), Polynomial.variable("w")
>>> (x + w) * (x - w)
-w·w + x·x
>>> (x * w + 0) == (w * x)
True
>>> Polynomial.from_sympy(__import__("sympy").sympify("2*a*b - a**2/3")).to_sympy()
-a**2/3 + 2*a*b
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import NotExactError, SymconvError
from .variables import check_name, loaded_sympy, symbol_of, sympy_expression, variable_key

if TYPE_CHECKING:
    import sympy

__all__ = ["Polynomial", "Monomial", "canonical", "format_monomial", "variable_key"]

Monomial = tuple[str, ...]
Coefficient = int | Fraction

#: ``WATCH.hook(operation)``, when set in a thread, is called before a Polynomial answers a truth
#: value or a comparison there (set by :func:`symconv.verification.trace.watching` while a
#: user's function runs on symbols; it raises).  Unset everywhere else.
WATCH = threading.local()


def _watch(operation: str) -> None:
    hook = getattr(WATCH, "hook", None)
    if hook is not None:
        hook(operation)


#: Integer-valued floats of magnitude below this are accepted as constants of code (``acc =
#: 0.0``, ``x * 2.0``): below 2**53 doubles are spaced at most 1 apart, so an integer-valued
#: double is exactly that integer and no rounding turned a neighbouring integer into it.
FLOAT_EXACT_LIMIT = 2**53


def _exact_scalar(value: Any, *, code_constant: bool = False) -> Coefficient | None:
    """``value`` as an exact int/Fraction, ``None`` if it is not a scalar; refuses inexact ones.

    Every float is refused, except with ``code_constant=True`` an integer-valued one of
    magnitude below :data:`FLOAT_EXACT_LIMIT` (a constant in the code being run on symbols).
    """
    if isinstance(value, (bool, np.bool_, numbers.Integral)):
        return int(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    sp = loaded_sympy()  # None: sympy was never imported, so value is no sympy object
    if sp is not None:
        if isinstance(value, sp.Rational):
            return int(value) if value.q == 1 else Fraction(int(value.p), int(value.q))
        if isinstance(value, sp.Basic) and not isinstance(value, sp.Float):
            return None
    if isinstance(value, numbers.Rational):
        return _exact_scalar(Fraction(int(value.numerator), int(value.denominator)))
    if isinstance(value, numbers.Real):  # sympy.Float included
        if (code_constant and not _is_sympy_float(value) and math.isfinite(value)
                and abs(value) < FLOAT_EXACT_LIMIT and value == int(value)):
            return int(value)  # compared in the value's own type: no rounding to float first
        why = (f"only integer-valued floats below 2**{FLOAT_EXACT_LIMIT.bit_length() - 1} "
               "are exact in code" if code_constant else "the identity engine compares exact "
               "values only")
        raise NotExactError(f"value: expected an exact number, got the float {value!r} "
                            f"({why}); use integers, fractions.Fraction or sympy symbols")
    if isinstance(value, numbers.Complex):
        raise NotExactError(f"value: expected a real exact number, got {value!r}; "
                            "split complex data into real and imaginary parts")
    return None


def _is_sympy_float(value: Any) -> bool:
    """Whether ``value`` is a ``sympy.Float`` (never a code constant: its value was rounded)."""
    sp = loaded_sympy()
    if sp is not None:
        return isinstance(value, sp.Float)
    # sympy imported once and since dropped from sys.modules: judge by where the type lives
    return any(str(getattr(cls, "__module__", "")).partition(".")[0] == "sympy"
               for cls in type(value).__mro__)


class Polynomial:
    """A polynomial with exact rational coefficients over keyed variables."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Monomial, Any] | None = None) -> None:
        normal: dict[Monomial, Coefficient] = {}
        for monomial, coefficient in (terms or {}).items():
            c = _exact_scalar(coefficient)
            if c is None:
                raise NotExactError(f"terms: expected exact coefficients, got {coefficient!r}")
            if not isinstance(monomial, tuple) or not all(isinstance(v, str) for v in monomial):
                raise SymconvError(f"terms: expected monomials as tuples of variable keys, got "
                                   f"{monomial!r}; write ('a', 'b') for a·b")
            _accumulate(normal, tuple(sorted(monomial)), c)
        self.terms: dict[Monomial, Coefficient] = normal

    @classmethod
    def variable(cls, name: str) -> Polynomial:
        """The polynomial consisting of the single variable ``name`` (= ``sympy.Symbol(name)``).

        >>> Polynomial.variable("x") == __import__("sympy").Symbol("x")
        True
        """
        return cls._wrap({(check_name(name),): 1})

    @classmethod
    def constant(cls, value: Any) -> Polynomial:
        """A constant polynomial (``value`` must be exact)."""
        c = _exact_scalar(value)
        if c is None:
            raise NotExactError(f"value: expected an exact number, got {value!r}")
        return cls({(): c} if c else None)

    # ---- arithmetic ----

    @staticmethod
    def _coerce(other: Any) -> Polynomial | None:
        if isinstance(other, Polynomial):
            return other
        sp = loaded_sympy()
        if sp is not None and isinstance(other, sp.Basic) and not isinstance(other, sp.Rational):
            return Polynomial.from_sympy(other)
        c = _exact_scalar(other, code_constant=True)
        if c is None:
            return None
        return Polynomial({(): c} if c else None)

    def __add__(self, other: Any) -> Polynomial:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        if len(o.terms) > len(self.terms):
            big, small = o.terms, self.terms
        else:
            big, small = self.terms, o.terms
        out = dict(big)
        for m, c in small.items():  # _accumulate, inlined: this loop is the hot path of sums
            v = out.get(m, 0) + c
            if v:
                out[m] = v
            else:
                out.pop(m, None)
        return Polynomial._wrap(out)

    __radd__ = __add__

    def __neg__(self) -> Polynomial:
        return Polynomial._wrap({m: -c for m, c in self.terms.items()})

    def __pos__(self) -> Polynomial:
        return self

    def __sub__(self, other: Any) -> Polynomial:
        o = self._coerce(other)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, other: Any) -> Polynomial:
        o = self._coerce(other)
        return NotImplemented if o is None else o + (-self)

    def __mul__(self, other: Any) -> Polynomial:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        a, b = self.terms, o.terms
        if len(a) == 1 and len(b) == 1:  # the hot path: one product of two variables
            (m1, c1), = a.items()
            (m2, c2), = b.items()
            return Polynomial._wrap({tuple(sorted(m1 + m2)): c1 * c2})
        out: dict[Monomial, Coefficient] = {}
        for m1, c1 in a.items():
            for m2, c2 in b.items():
                _accumulate(out, tuple(sorted(m1 + m2)), c1 * c2)
        return Polynomial._wrap(out)

    __rmul__ = __mul__

    def __pow__(self, n: int) -> Polynomial:
        if not isinstance(n, numbers.Integral) or n < 0:
            return NotImplemented
        result = Polynomial({(): 1})
        for _ in range(int(n)):
            result = result * self
        return result

    def __truediv__(self, other: Any) -> Polynomial:
        c = _exact_scalar(other, code_constant=True)
        if c is None or c == 0:
            return NotImplemented
        return self * (Fraction(1) / c)

    @staticmethod
    def _wrap(terms: dict[Monomial, Coefficient]) -> Polynomial:
        p = Polynomial.__new__(Polynomial)
        p.terms = terms
        return p

    # ---- comparison and inspection ----

    def __eq__(self, other: object) -> bool:
        _watch("==")
        o = self._coerce(other)
        return NotImplemented if o is None else self.terms == o.terms

    def __ne__(self, other: object) -> bool:
        _watch("!=")
        o = self._coerce(other)
        return NotImplemented if o is None else self.terms != o.terms

    def __lt__(self, other: object) -> bool:
        _watch("<")
        return NotImplemented

    def __le__(self, other: object) -> bool:
        _watch("<=")
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        _watch(">")
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        _watch(">=")
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        _watch("truth value")
        return bool(self.terms)

    @property
    def degree(self) -> int:
        """Total degree (``-1`` for the zero polynomial)."""
        return max((len(m) for m in self.terms), default=-1)

    @property
    def variables(self) -> set[str]:
        """Keys of the variables that occur (see :func:`~symconv.variables.variable_key`)."""
        return {v for m in self.terms for v in m}

    def evaluate(self, values: Mapping[str, Any]) -> Coefficient:
        """Exact value at ``values`` (missing variables count as 0).

        >>> (Polynomial.variable("a") * 3 + 1).evaluate({"a": 2})
        7
        """
        total: Coefficient = 0
        for m, c in self.terms.items():
            term = c
            for v in m:
                term = term * values.get(v, 0)
            total = total + term
        return total

    def __repr__(self) -> str:
        if not self.terms:
            return "0"
        pieces = []
        for m, c in sorted(self.terms.items(), key=lambda mc: (-len(mc[0]), mc[0])):
            body = format_monomial(m)
            if not m:
                text = str(abs(c))
            elif abs(c) == 1:
                text = body
            else:
                text = f"{abs(c)}·{body}"
            pieces.append((c < 0, text))
        out = ("-" if pieces[0][0] else "") + pieces[0][1]
        for neg, text in pieces[1:]:
            out += (" - " if neg else " + ") + text
        return out

    # ---- conversion ----

    def to_sympy(self) -> sympy.Expr:
        """The same polynomial as a sympy expression (each key back to its sympy symbol)."""
        import sympy

        return sympy.Add(*(sympy.Rational(c.numerator, c.denominator) * sympy.Mul(
            *(symbol_of(v) for v in m)) for m, c in self.terms.items()))

    @classmethod
    def from_sympy(cls, expr: Any) -> Polynomial:
        """Convert a polynomial sympy expression; anything else raises :class:`NotExactError`.

        Symbols are keyed by :func:`variable_key`; a ``sympy.Poly`` is read as its expression.
        Relations, booleans, matrices, functions, noncommuting factors and floats are refused.

        >>> import sympy
        >>> a, b = sympy.symbols("a b", commutative=False)
        >>> Polynomial.from_sympy(a * b - b * a)
        Traceback (most recent call last):
        ...
        symconv.errors.NotExactError: entry: expected commuting variables, got the ...
        """
        import sympy

        expr = sympy_expression(expr)
        if expr.is_Number:
            return cls.constant(expr)
        terms: dict[Monomial, Coefficient] = {}
        for term in sympy.Add.make_args(sympy.expand(expr)):
            coeff, factors = term.as_coeff_mul()
            c = _exact_scalar(coeff) if isinstance(coeff, sympy.Rational) else None
            if c is None:
                raise NotExactError(f"entry: expected a polynomial with rational coefficients, "
                                    f"got a term {term}; use integers and symbols only")
            names: list[str] = []
            for f in factors:
                base, exp = f.as_base_exp()
                if not (isinstance(base, sympy.Symbol) and exp.is_Integer and exp > 0):
                    raise NotExactError(f"entry: expected a polynomial, got the factor {f} in "
                                        f"{term}; symconv compares polynomials only")
                names.extend([variable_key(base)] * int(exp))
            _accumulate(terms, tuple(sorted(names)), c)
        return cls._wrap(terms)


def _accumulate(terms: dict[Monomial, Coefficient], monomial: Monomial, c: Coefficient) -> None:
    """``terms[monomial] += c``, dropping the monomial when its coefficient becomes 0."""
    v = terms.get(monomial, 0) + c
    if v:
        terms[monomial] = v
    else:
        terms.pop(monomial, None)


def format_monomial(monomial: Iterable[str]) -> str:
    """``('w_{0,1}', 'x_{1,2}')`` as ``'w_{0,1}·x_{1,2}'`` (``'1'`` for the empty monomial)."""
    return "·".join(monomial) or "1"


def canonical(entry: Any) -> dict[Monomial, Coefficient]:
    """The canonical form of one tensor entry: monomial -> nonzero exact coefficient.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> canonical((a + b) * (a - b)) == canonical(a * a - b * b)
    True
    >>> canonical(2.0)
    Traceback (most recent call last):
    ...
    symconv.errors.NotExactError: value: expected an exact number, got the float 2.0 (the ...

    Every float is refused here (Python, numpy or sympy), even an integer-valued one.
    """
    if isinstance(entry, Polynomial):
        return entry.terms
    c = _exact_scalar(entry)
    if c is not None:
        return {(): c} if c else {}
    sp = loaded_sympy()
    if sp is not None and isinstance(entry, sp.Basic):
        return Polynomial.from_sympy(entry).terms
    raise NotExactError(f"entry: expected a number, a sympy polynomial or a Polynomial, got "
                        f"{type(entry).__name__} {entry!r}")
