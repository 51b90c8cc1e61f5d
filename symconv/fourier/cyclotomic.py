"""Exact arithmetic in the cyclotomic field Q(ζ_m), with ζ_m a primitive m-th root of unity.

Computation happens in the group ring Z[C_m] = Z[t]/(t^m - 1), where multiplying by a power
of ζ is a cyclic shift of a coefficient vector; the map t -> ζ_m factors through reduction
modulo the cyclotomic polynomial Φ_m, which gives coordinates in the basis
1, ζ, ..., ζ^(φ(m)-1) of Q(ζ_m).  Why the reduction is sound:

* Φ_m is computed as (t^m - 1) / prod_{d | m, d < m} Φ_d by exact integer division, and every
  division is checked to leave no remainder.  ζ_m is a root of t^m - 1 and of no t^d - 1 with
  d < m, hence of no Φ_d (which divides t^d - 1), hence of Φ_m: so t -> ζ_m is a ring
  homomorphism Z[t]/(Φ_m) -> C and a value that reduces to a rational r *is* r.
* Φ_m is irreducible over Q (Gauss), so Q[t]/(Φ_m) is the field Q(ζ_m): a value whose reduced
  coordinates are not all zero is a nonzero complex number (used only to call a claim false).

>>> cyclotomic_polynomial(12)
(1, 0, -1, 0, 1)
>>> z = Cyclotomic.root(5)
>>> print(z ** 5, z + z ** 2 + z ** 3 + z ** 4, sep="; ")
1; -1
>>> print(Cyclotomic.root(8) ** 2 + 1)
1 + ζ₈²
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from ..errors import SymconvError

__all__ = ["cyclotomic_polynomial", "reduction_matrix", "Cyclotomic"]


def _divmod_monic(num: list[int], den: list[int]) -> tuple[list[int], list[int]]:
    """Quotient and remainder of integer polynomials (lowest degree first), ``den`` monic."""
    num, q = list(num), [0] * max(len(num) - len(den) + 1, 1)
    for shift in range(len(num) - len(den), -1, -1):
        c = num[shift + len(den) - 1]
        q[shift] = c
        for i, d in enumerate(den):
            num[shift + i] -= c * d
    return q, num[:len(den) - 1]


@functools.cache
def cyclotomic_polynomial(m: int) -> tuple[int, ...]:
    """Coefficients of Φ_m, lowest degree first, by checked exact division of t^m - 1.

    >>> cyclotomic_polynomial(1), cyclotomic_polynomial(6)
    ((-1, 1), (1, -1, 1))
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise SymconvError(f"order: expected an integer >= 1, got {m!r}; e.g. 8 for ζ_8")
    poly = [-1] + [0] * (m - 1) + [1]
    for d in range(1, m):
        if m % d == 0:
            poly, rest = _divmod_monic(poly, list(cyclotomic_polynomial(d)))
            if any(rest):
                raise RuntimeError(f"internal error: Φ_{d} does not divide t^{m} - 1")
    while len(poly) > 1 and poly[-1] == 0:
        poly.pop()
    if poly[-1] != 1 or len(poly) - 1 != _totient(m):
        raise RuntimeError(f"internal error: Φ_{m} is not monic of degree φ({m})")
    return tuple(poly)


def _totient(m: int) -> int:
    return sum(1 for k in range(1, m + 1) if math.gcd(k, m) == 1)


@functools.lru_cache(maxsize=64)
def reduction_matrix(m: int) -> np.ndarray:
    """``R`` (m × φ(m), integers): row e holds the coordinates of ζ_m^e in 1, ζ, ..., ζ^(φ-1).

    >>> reduction_matrix(4).tolist()
    [[1, 0], [0, 1], [-1, 0], [0, -1]]
    """
    phi = cyclotomic_polynomial(m)
    deg = len(phi) - 1
    rows, current = [], [1] + [0] * (deg - 1)
    for _ in range(m):
        rows.append(list(current))
        carry = current[-1]  # multiply by t, then reduce t^deg by Φ_m (deg >= 1 always)
        current = [c - carry * p for c, p in zip([0] + current[:-1], phi)]
    out = np.array(rows, dtype=np.int64).reshape(m, deg)
    out.flags.writeable = False
    return out


class Cyclotomic:
    """An element of Q(ζ_m) in the basis 1, ζ_m, ..., ζ_m^(φ(m)-1) (exact Fractions)."""

    __slots__ = ("order", "coefficients")

    def __init__(self, order: int, coefficients: tuple[Fraction, ...] | list) -> None:
        deg = len(cyclotomic_polynomial(order)) - 1
        coefficients = tuple(Fraction(c) for c in coefficients)
        if len(coefficients) > deg:  # reduce a longer vector: read it as powers of ζ
            coefficients = Cyclotomic.from_powers(order, coefficients).coefficients
        self.order = order
        self.coefficients = coefficients + (Fraction(0),) * (deg - len(coefficients))

    @classmethod
    def from_powers(cls, order: int, powers: tuple | list | np.ndarray) -> Cyclotomic:
        """Σ_e powers[e]·ζ^e for any number of exponents (read modulo ``order``)."""
        r = reduction_matrix(order)
        out = [Fraction(0)] * r.shape[1]
        for e, c in enumerate(powers):
            if c:
                for i, v in enumerate(r[e % order]):
                    out[i] += Fraction(c) * int(v)
        obj = cls.__new__(cls)
        obj.order, obj.coefficients = order, tuple(out)
        return obj

    @classmethod
    def root(cls, order: int, power: int = 1) -> Cyclotomic:
        """ζ_order ** power."""
        vec = [0] * order
        vec[power % order] = 1
        return cls.from_powers(order, vec)

    def _other(self, other: object) -> Cyclotomic:
        if isinstance(other, Cyclotomic):
            if other.order != self.order:
                raise SymconvError(f"order: cannot combine Q(ζ_{self.order}) with "
                                   f"Q(ζ_{other.order}); embed both in one field first")
            return other
        if isinstance(other, (int, Fraction)):
            return Cyclotomic(self.order, [other])
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, other: object) -> Cyclotomic:
        o = self._other(other)
        if o is NotImplemented:
            return NotImplemented
        return Cyclotomic(self.order, [a + b for a, b in zip(self.coefficients, o.coefficients)])

    __radd__ = __add__

    def __neg__(self) -> Cyclotomic:
        return Cyclotomic(self.order, [-a for a in self.coefficients])

    def __sub__(self, other: object) -> Cyclotomic:
        o = self._other(other)
        return NotImplemented if o is NotImplemented else self + (-o)

    def __mul__(self, other: object) -> Cyclotomic:
        o = self._other(other)
        if o is NotImplemented:
            return NotImplemented
        prod = [Fraction(0)] * (2 * len(self.coefficients))
        for i, a in enumerate(self.coefficients):
            for j, b in enumerate(o.coefficients):
                prod[i + j] += a * b
        return Cyclotomic.from_powers(self.order, prod)

    __rmul__ = __mul__

    def __pow__(self, k: int) -> Cyclotomic:
        out = Cyclotomic(self.order, [1])
        for _ in range(k):
            out = out * self
        return out

    def conjugate(self) -> Cyclotomic:
        """Complex conjugation: the automorphism ζ -> ζ^-1."""
        powers = [0] * self.order
        for e, c in enumerate(self.coefficients):
            powers[-e % self.order] = c
        return Cyclotomic.from_powers(self.order, powers)

    @property
    def rational(self) -> Fraction | None:
        """The value as a Fraction when it lies in Q, else ``None``."""
        return None if any(self.coefficients[1:]) else self.coefficients[0]

    def __eq__(self, other: object) -> bool:
        o = self._other(other) if isinstance(other, (Cyclotomic, int, Fraction)) else None
        return o is not None and o.coefficients == self.coefficients

    def __bool__(self) -> bool:
        return any(self.coefficients)

    def __hash__(self) -> int:
        return hash((self.order, self.coefficients))

    def __complex__(self) -> complex:
        z = complex(math.cos(2 * math.pi / self.order), math.sin(2 * math.pi / self.order))
        return sum(float(c) * z ** e for e, c in enumerate(self.coefficients)) + 0j

    def __str__(self) -> str:
        sub = str(self.order).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
        sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
        parts = []
        for e, c in enumerate(self.coefficients):
            if not c:
                continue
            power = "" if e == 0 else f"ζ{sub}" + (str(e).translate(sup) if e > 1 else "")
            mag = abs(c)
            body = str(mag) if not power else (power if mag == 1 else f"{mag}·{power}")
            parts.append(("-" if c < 0 else "+", body))
        if not parts:
            return "0"
        text = ("-" if parts[0][0] == "-" else "") + parts[0][1]
        return text + "".join(f" {s} {b}" for s, b in parts[1:])

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        """As a factor in a product (``f"{c}·x"``): parenthesised when it has several terms."""
        text = format(str(self), spec)
        return f"({text})" if sum(1 for c in self.coefficients if c) > 1 else text
