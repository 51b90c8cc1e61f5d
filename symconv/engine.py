"""The identity engine: exact equality of two tensors of polynomials, or a counterexample.

Each entry is brought to its canonical form (monomial -> exact coefficient, see
:func:`symconv.ring.canonical`); two tensors are equal exactly when their shapes match and the
canonical forms match position by position.  That comparison is a proof: no floating point, no
``simplify``, no sampling.  When it fails, the :class:`Counterexample` names the first differing
position, the products present on one side only, and small integers on which the numbers differ
(found constructively for any degree, so a nonzero difference always gets one).

>>> import numpy as np, sympy
>>> a, b, c = sympy.symbols("a b c")
>>> left = np.array([a * (b + c), (a + b) ** 2], dtype=object)
>>> bool(prove_equal(left, np.array([a * b + a * c, a * a + 2 * a * b + b * b], dtype=object)))
True
>>> proof = prove_equal(left, np.array([a * b + a * c, a * a + b * b], dtype=object))
>>> bool(proof)
False
>>> print(proof.counterexample)
1 of 2 positions differ; first at [1]
  left only:  2·a·b
  at a=1, b=1 (all other variables 0): left = 4, right = 2
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .ring import Coefficient, Monomial, Polynomial, canonical, format_monomial

__all__ = ["Proof", "Counterexample", "prove_equal"]

#: How many differing positions a counterexample lists.
SHOWN_POSITIONS = 5


def _format_term(monomial: Monomial, coefficient: Coefficient) -> str:
    body = format_monomial(monomial)
    if coefficient == 1 and monomial:
        return body
    if coefficient == -1 and monomial:
        return "-" + body
    return f"{coefficient}·{body}" if monomial else str(coefficient)


@dataclass(frozen=True)
class Counterexample:
    """Why two tensors differ: where, which products, and numbers that show it."""

    left_shape: tuple[int, ...]
    right_shape: tuple[int, ...]
    differing: int = 0
    positions: tuple[tuple[int, ...], ...] = ()
    #: ``(monomial, left coefficient, right coefficient)`` at :attr:`position`, unequal pairs only
    differences: tuple[tuple[Monomial, Coefficient, Coefficient], ...] = ()
    values: dict[str, int] = field(default_factory=dict)
    left_value: Coefficient | None = None
    right_value: Coefficient | None = None

    @property
    def position(self) -> tuple[int, ...] | None:
        """The first differing position (``None`` when the shapes differ)."""
        return self.positions[0] if self.positions else None

    @property
    def only_left(self) -> tuple[tuple[Monomial, Coefficient], ...]:
        """Products on the left and absent on the right, at :attr:`position`."""
        return tuple((m, a) for m, a, b in self.differences if not b)

    @property
    def only_right(self) -> tuple[tuple[Monomial, Coefficient], ...]:
        """Products on the right and absent on the left, at :attr:`position`."""
        return tuple((m, b) for m, a, b in self.differences if not a)

    @property
    def changed(self) -> tuple[tuple[Monomial, Coefficient, Coefficient], ...]:
        """Products on both sides with different coefficients."""
        return tuple(d for d in self.differences if d[1] and d[2])

    def _repr_markdown_(self) -> str:
        from .display import to_markdown
        return to_markdown(self)

    def _repr_html_(self) -> str:
        from .display import to_html
        return to_html(self)

    def __str__(self) -> str:
        if self.left_shape != self.right_shape:
            return f"shapes differ: left {self.left_shape}, right {self.right_shape}"
        where = ", ".join(map(str, self.position or ()))
        lines = [f"{self.differing} of {int(np.prod(self.left_shape))} positions differ; "
                 f"first at [{where}]"]
        if self.only_left:
            lines.append("  left only:  " + " + ".join(_format_term(*t) for t in self.only_left))
        if self.only_right:
            lines.append("  right only: " + " + ".join(_format_term(*t) for t in self.only_right))
        for m, a, b in self.changed:
            lines.append(f"  {format_monomial(m)}: coefficient {a} on the left, {b} on the right")
        if self.values is not None and self.left_value is not None:
            shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
            lines.append(f"  at {shown or 'all variables 0'} (all other variables 0): "
                         f"left = {self.left_value}, right = {self.right_value}")
        if self.differing > 1:
            more = ", ".join("[" + ", ".join(map(str, p)) + "]" for p in self.positions[1:])
            lines.append(f"  also differ: {more}" + (" ..." if self.differing > len(
                self.positions) else ""))
        return "\n".join(lines)


@dataclass(frozen=True)
class Proof:
    """The outcome of an exact comparison; truthy exactly when the identity holds."""

    statement: str
    holds: bool
    method: str
    positions: int
    products: int
    elapsed: float
    steps: tuple[str, ...] = ()
    counterexample: Counterexample | None = None

    def __bool__(self) -> bool:
        return self.holds

    def _repr_markdown_(self) -> str:
        from .display import to_markdown
        return to_markdown(self)

    def _repr_html_(self) -> str:
        from .display import to_html
        return to_html(self)

    def __str__(self) -> str:
        verdict = "PROVED" if self.holds else "DISPROVED"
        lines = [f"{verdict}: {self.statement}" if self.statement else verdict]
        lines += [f"  - {s}" for s in self.steps]
        if self.counterexample is not None:
            lines += ["  counterexample: " + str(self.counterexample).replace("\n", "\n  ")]
        return "\n".join(lines)


def _witness(diff: Polynomial, left: Polynomial, right: Polynomial) -> tuple[
        dict[str, int], Coefficient, Coefficient]:
    """Integers at which the nonzero polynomial ``diff = left - right`` does not vanish.

    Readable points first (all variables 0, then the variables of one product set to 1), then
    :func:`_constructive_point`, which always succeeds.  Deterministic, and re-checked by
    evaluation before it is returned.
    """
    values = _readable_point(diff)
    if values is None:
        values = _constructive_point(diff)
    lv, rv = left.evaluate(values), right.evaluate(values)
    if diff.evaluate(values) == 0 or lv == rv:  # the witness is checked, not trusted
        raise RuntimeError(f"internal error: the witness {values} does not separate the sides")
    return {n: v for n, v in sorted(values.items()) if v}, lv, rv


#: How many products :func:`_readable_point` tries with their variables set to 1.
READABLE_TRIES = 64


def _readable_point(diff: Polynomial) -> dict[str, int] | None:
    """All variables 0, or one product's variables 1 (fewest variables first), if that shows
    ``diff != 0``; ``None`` otherwise."""
    order = sorted(diff.terms.items(), key=lambda mc: (len(set(mc[0])), mc[1] < 0, mc[0]))
    for monomial, _ in order[:READABLE_TRIES]:
        values = dict.fromkeys(monomial, 1)
        if diff.evaluate(values):
            return values
    return None


def _small_integers(count: int) -> list[int]:
    """``0, 1, -1, 2, -2, ...``: the first ``count`` of them (distinct)."""
    return [(i + 1) // 2 * (1 if i % 2 else -1) for i in range(count)]


def _constructive_point(diff: Polynomial) -> dict[str, int]:
    """Integers where the nonzero ``diff`` does not vanish, for any degree and variables.

    Write ``P_0 = diff``; while ``P_i`` has a variable, let ``v_i`` be its first variable,
    ``k_i`` its highest power and ``P_{i+1}`` the (nonzero) coefficient of ``v_i^k_i``.  The
    chain ends at a nonzero constant after at most ``degree`` steps.  Going back up, with
    ``P_{i+1}`` nonzero at the values chosen so far (other variables of ``P_i`` set to 0),
    ``P_i`` is a univariate polynomial in ``v_i`` of degree ``k_i``, so one of ``k_i + 1``
    distinct integers is not a root.

    >>> a = Polynomial.variable("a")
    >>> _constructive_point(a * (a - 1) * (a + 1))
    {'a': 2}
    """
    chain: list[tuple[str, int, Polynomial]] = []
    level = diff
    while level.variables:
        v = min(level.variables)
        k = max(m.count(v) for m in level.terms)
        chain.append((v, k, level))
        level = Polynomial._wrap({tuple(u for u in m if u != v): c
                                  for m, c in level.terms.items() if m.count(v) == k})
    values: dict[str, int] = {}
    for v, k, level in reversed(chain):
        for u in level.variables:
            values.setdefault(u, 0)
        for t in _small_integers(k + 1):
            values[v] = t
            if level.evaluate(values):
                break
        else:
            raise RuntimeError(f"internal error: {k + 1} roots of a degree-{k} polynomial")
    return values


def _as_canonical_array(array: Any) -> tuple[np.ndarray, list[dict[Monomial, Coefficient]]]:
    arr = np.asarray(array, dtype=object) if not isinstance(array, np.ndarray) else array
    return arr, [canonical(v) for v in arr.reshape(-1)]


def prove_equal(left: Any, right: Any, statement: str = "",
                progress: Callable[[int, int], None] | None = None) -> Proof:
    """Decide exactly whether two tensors of polynomials are equal entry by entry.

    Entries may be ints, ``Fraction``, sympy polynomials or :class:`~symconv.ring.Polynomial`;
    floats (even integer-valued ones) and non-polynomials raise
    :class:`~symconv.errors.NotExactError` instead of being compared approximately.  Two sympy
    symbols are one variable only when sympy finds them equal; symbols whose assumptions not
    every integer satisfies, and noncommuting factors, are refused
    (:func:`~symconv.variables.variable_key`).  A DISPROVED proof's witness is integers at which
    the two sides differ, re-checked by evaluation.  ``progress(done, total)`` is called while
    comparing large tensors.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> proof = prove_equal(np.array([a * b, a]), np.array([b * a, a + 0]), "commutativity")
    >>> print(proof)
    PROVED: commutativity
      - left side: 2 entries, 2 products in canonical form
      - right side: 2 entries, 2 products in canonical form
      - all 2 positions have identical canonical forms
    """
    start = time.perf_counter()
    la, lc = _as_canonical_array(left)
    ra, rc = _as_canonical_array(right)
    method = "canonical polynomial forms (exact)"
    steps = [f"left side: {la.size} entries, {sum(map(len, lc))} products in canonical form",
             f"right side: {ra.size} entries, {sum(map(len, rc))} products in canonical form"]
    products = sum(map(len, lc))
    if la.shape != ra.shape:
        steps.append(f"shapes differ: {la.shape} vs {ra.shape}")
        return Proof(statement, False, method, 0, products, time.perf_counter() - start,
                     tuple(steps), Counterexample(la.shape, ra.shape))
    differing = []
    total = len(lc)
    for i, (a, b) in enumerate(zip(lc, rc)):
        if a != b:
            differing.append(i)
        if progress is not None and (i + 1) % 4096 == 0:
            progress(i + 1, total)
    if not differing:
        steps.append(f"all {total} positions have identical canonical forms")
        return Proof(statement, True, method, total, products, time.perf_counter() - start,
                     tuple(steps))
    first = differing[0]
    a, b = lc[first], rc[first]
    diffs = tuple(sorted(((m, a.get(m, 0), b.get(m, 0)) for m in set(a) | set(b)
                          if a.get(m, 0) != b.get(m, 0)), key=lambda t: t[0]))
    pa, pb = Polynomial(a), Polynomial(b)
    values, lv, rv = _witness(pa - pb, pa, pb)
    positions = tuple(tuple(int(i) for i in np.unravel_index(p, la.shape))
                      for p in differing[:SHOWN_POSITIONS])
    steps.append(f"{len(differing)} of {total} positions differ")
    cex = Counterexample(la.shape, ra.shape, len(differing), positions, diffs, values,
                         _plain(lv), _plain(rv))
    return Proof(statement, False, method, total, products, time.perf_counter() - start,
                 tuple(steps), cex)


def _plain(value: Coefficient) -> Coefficient:
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value
