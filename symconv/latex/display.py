"""Display expressions of a derivation, and an independent evaluator for them.

A derivation prints sympy expressions built from a few small node types (a product kept as
``(a·b)``, the sum of a matrix's entries, a Hadamard product, a dot product, a matrix product
and one of its entries, a sum broken one kernel row per line).  :func:`evaluate` interprets such
an expression directly - summing the printed ``Sum`` limits, indexing the printed tensors - so the
formula on the page is checked against the engine's tensors, not just the code that produced it.

Tensor names inside expressions are keys such as ``#in`` (never user text): a *binding* maps each
key to the engine array it denotes, already in display layout (batch/channel axes of size 1
dropped); the printer maps each key to its LaTeX label.

>>> import numpy as np, sympy
>>> u = sympy.Symbol("u", integer=True)
>>> k = tensor("#w")
>>> expr = sympy.Sum(Times(k[u], k[u]), (u, 0, 2))
>>> evaluate(expr, {"#w": np.array([1, 2, 3])})
14
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from ..errors import SymconvError

__all__ = ["Times", "EntrySum", "Hadamard", "Dot", "MatProd", "Entry", "Rows", "Vec", "FloorDiv",
           "tensor", "evaluate", "DisplayError"]


class DisplayError(SymconvError):
    """A display expression cannot be evaluated (unbound name, index out of range)."""


def tensor(key: str) -> sympy.IndexedBase:
    """An indexed tensor whose printed name is looked up by ``key`` (e.g. ``'#in'``)."""
    return sympy.IndexedBase(sympy.Symbol(key))


class _Node(sympy.Expr):
    """A display node: kept unevaluated, printed by the symconv printer, evaluated here."""

    is_commutative = True


class Times(_Node):
    """A product printed as ``\\left(a \\cdot b\\right)``, factors in written order."""


class EntrySum(_Node):
    """``sum(M)``: the sum of all entries of a matrix expression."""


class Hadamard(_Node):
    """Element-wise product ``A \\odot B`` of two matrices."""


class Dot(_Node):
    """``a^T b`` of a row matrix ``a`` and a row matrix ``b`` (printed ``[a] [b]^T``)."""


class MatProd(_Node):
    """Matrix product ``A B`` (operands are matrix names or explicit matrices)."""


class Entry(_Node):
    """Entry ``(M)_{r,c}`` of a matrix expression ``M``."""


class Vec(_Node):
    """``vec(M)``: a matrix read row by row into a row vector (row-major, like ``reshape``)."""


class FloorDiv(_Node):
    """``floor(a / b)`` printed as a floored fraction, kept unevaluated."""


class Rows(_Node):
    """A long sum broken one kernel row per line: arguments are the rows (unevaluated Adds)."""


def _int(value: Any) -> int:
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return int(value)
    raise DisplayError(f"index: expected an integer, got {value!r}")


def _lookup(array: np.ndarray, key: str, index: tuple[int, ...]) -> Any:
    if len(index) != array.ndim or any(not 0 <= i < n for i, n in zip(index, array.shape)):
        raise DisplayError(f"index: {key}{list(index)} is outside the tensor of shape "
                           f"{array.shape}")
    return array[index]


def _sum_entries(array: Any) -> Any:
    total: Any = 0
    for v in np.asarray(array, dtype=object).reshape(-1):
        total = total + v
    return total


def evaluate(expr: Any, binding: Mapping[str, np.ndarray],
             env: Mapping[sympy.Symbol, int] | None = None) -> Any:
    """The value of a display expression: a scalar or an object array.

    ``binding`` maps tensor keys to arrays, ``env`` gives values to free index symbols.
    Scalars are Python ints/Fractions or whatever the bound arrays hold (engine polynomials).
    """
    env = dict(env or {})
    ev = lambda e: evaluate(e, binding, env)  # noqa: E731
    if isinstance(expr, sympy.Integer | int | np.integer):
        return int(expr)
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q))
    if isinstance(expr, sympy.Symbol):
        if expr in env:
            return env[expr]
        if expr.name in binding:
            return binding[expr.name]
        raise DisplayError(f"symbol: {expr.name!r} has no value")
    if isinstance(expr, sympy.Indexed):
        key = expr.base.label.name
        if key not in binding:
            raise DisplayError(f"tensor: {key!r} is not bound")
        return _lookup(np.asarray(binding[key], dtype=object), key,
                       tuple(_int(ev(i)) for i in expr.indices))
    if isinstance(expr, sympy.Add | Rows):
        return _sum_entries([ev(a) for a in expr.args])
    if isinstance(expr, sympy.Mul | Times):
        out: Any = 1
        for a in expr.args:
            out = out * ev(a)
        return out
    if isinstance(expr, sympy.floor):
        value = Fraction(ev(expr.args[0]))
        return value.numerator // value.denominator
    if isinstance(expr, FloorDiv):
        top, bottom = (Fraction(ev(a)) for a in expr.args)
        return (top / bottom).numerator // (top / bottom).denominator
    if isinstance(expr, sympy.Sum):
        return _sum(expr.function, list(expr.limits), binding, env)
    if isinstance(expr, sympy.MatrixBase):
        return np.array([[ev(v) for v in row] for row in expr.tolist()], dtype=object)
    if isinstance(expr, EntrySum):
        return _sum_entries(ev(expr.args[0]))
    if isinstance(expr, Hadamard):
        a, b = (np.asarray(ev(x), dtype=object) for x in expr.args)
        if a.shape != b.shape:
            raise DisplayError(f"hadamard: shapes {a.shape} and {b.shape} differ")
        return a * b
    if isinstance(expr, Vec):
        return np.asarray(ev(expr.args[0]), dtype=object).reshape(1, -1)
    if isinstance(expr, Dot):
        a, b = (np.asarray(ev(x), dtype=object).reshape(-1) for x in expr.args)
        if a.shape != b.shape:
            raise DisplayError(f"dot: lengths {a.size} and {b.size} differ")
        return _sum_entries(a * b)
    if isinstance(expr, MatProd):
        a, b = (np.asarray(ev(x), dtype=object) for x in expr.args)
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise DisplayError(f"matrix product: shapes {a.shape} and {b.shape} do not chain")
        return a @ b
    if isinstance(expr, Entry):
        m = np.asarray(ev(expr.args[0]), dtype=object)
        return _lookup(m, "matrix", tuple(_int(ev(i)) for i in expr.args[1:]))
    raise DisplayError(f"display: cannot evaluate {type(expr).__name__} {expr}")


def _sum(body: Any, limits: list[tuple[Any, ...]], binding: Mapping[str, np.ndarray],
         env: dict[sympy.Symbol, int]) -> Any:
    if not limits:
        return evaluate(body, binding, env)
    (var, low, high), rest = limits[0], limits[1:]
    lo, hi = _int(evaluate(low, binding, env)), _int(evaluate(high, binding, env))
    total: Any = 0
    for value in range(lo, hi + 1):
        total = total + _sum(body, rest, binding, {**env, var: value})
    return total
