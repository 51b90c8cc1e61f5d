"""An exact sparse polynomial ring: the fast carrier for symbolic execution.

A :class:`Polynomial` is a map from monomials (sorted tuples of variable names, repeated for
powers) to exact rational coefficients.  Object arrays of Polynomials run through the same numpy
code as sympy symbols (``np.pad``, slicing, ``*``, ``np.sum``, ``@``, ``einsum``), but each
operation is a dictionary merge instead of a sympy tree rebuild, so a symbolic run of a 3x32x32
layer takes seconds, not minutes.  The map *is* the canonical form the identity engine compares:
two polynomials are equal exactly when their maps are equal.

>>> x, w = Polynomial.variable("x"), Polynomial.variable("w")
>>> (x + w) * (x - w)
-w·w + x·x
>>> (x * w + 0) == (w * x)
True
>>> Polynomial.from_sympy(__import__("sympy").sympify("2*a*b - a**2/3")).to_sympy()
-a**2/3 + 2*a*b
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import sympy

from .errors import NotExactError

__all__ = ["Polynomial", "Monomial", "canonical", "format_monomial"]

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


def _exact_scalar(value: Any) -> Coefficient | None:
    """``value`` as an exact int/Fraction, ``None`` if it is not a scalar; refuses inexact ones."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    if isinstance(value, sympy.Rational):
        return int(value) if value.q == 1 else Fraction(int(value.p), int(value.q))
    if isinstance(value, numbers.Real) and not isinstance(value, sympy.Basic):
        if float(value).is_integer():
            return int(value)
        raise NotExactError(f"value: expected an exact number, got the float {value!r}; "
                            "use integers, fractions.Fraction or sympy symbols")
    if isinstance(value, numbers.Complex) and not isinstance(value, sympy.Basic):
        raise NotExactError(f"value: expected a real exact number, got {value!r}; "
                            "split complex data into real and imaginary parts")
    return None


class Polynomial:
    """A polynomial with exact rational coefficients over named variables."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Monomial, Any] | None = None) -> None:
        normal: dict[Monomial, Coefficient] = {}
        for monomial, coefficient in (terms or {}).items():
            c = _exact_scalar(coefficient)
            if c is None:
                raise NotExactError(f"terms: expected exact coefficients, got {coefficient!r}")
            _accumulate(normal, tuple(sorted(monomial)), c)
        self.terms: dict[Monomial, Coefficient] = normal

    @classmethod
    def variable(cls, name: str) -> Polynomial:
        """The polynomial consisting of the single variable ``name``."""
        return cls({(name,): 1})

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
        if isinstance(other, sympy.Basic) and not isinstance(other, sympy.Rational):
            return Polynomial.from_sympy(other)
        c = _exact_scalar(other)
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
        c = _exact_scalar(other)
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
        """Names of the variables that occur."""
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
        """The same polynomial as a sympy expression."""
        return sympy.Add(*(sympy.Rational(c.numerator, c.denominator) * sympy.Mul(
            *(sympy.Symbol(v) for v in m)) for m, c in self.terms.items()))

    @classmethod
    def from_sympy(cls, expr: Any) -> Polynomial:
        """Convert a polynomial sympy expression; anything else raises :class:`NotExactError`."""
        expr = sympy.sympify(expr)
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
                names.extend([base.name] * int(exp))
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
    >>> canonical(0.5)
    Traceback (most recent call last):
    ...
    symconv.errors.NotExactError: value: expected an exact number, got the float 0.5; ...
    """
    if isinstance(entry, Polynomial):
        return entry.terms
    c = _exact_scalar(entry)
    if c is not None:
        return {(): c} if c else {}
    if isinstance(entry, sympy.Basic):
        return Polynomial.from_sympy(entry).terms
    raise NotExactError(f"entry: expected a number, a sympy polynomial or a Polynomial, got "
                        f"{type(entry).__name__} {entry!r}")
