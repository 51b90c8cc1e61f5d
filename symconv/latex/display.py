"""Display expressions of a derivation, and an independent evaluator for them.

A derivation prints sympy expressions built from a few small node types (a product kept as
``(a·b)``, the sum of a matrix's entries, a Hadamard product, a dot product, a matrix product
and one of its entries, a sum broken one kernel row per line).  :func:`evaluate` interprets such
an expression directly - summing the printed ``Sum`` limits, indexing the printed tensors - so the
formula on the page is checked against the engine's tensors, not just the code that produced it.
Bound tensors are object arrays (numbers, engine polynomials) or
:class:`~symconv.vector.FormArray` values; on FormArrays a formula evaluated at every index (free
indices bound to grids) is one vectorised gather-multiply-add per summand, and a printed matrix of
entries of one tensor is one gather.

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
from ..vector import FormArray

__all__ = ["Times", "EntrySum", "Hadamard", "Dot", "MatProd", "Entry", "Rows", "Vec", "FloorDiv",
           "Iverson", "Transposed", "tensor", "evaluate", "take", "DisplayError"]


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


class Iverson(_Node):
    """``[a = b]``: 1 where the two index expressions are equal, else 0 (kept unevaluated)."""


class Transposed(_Node):
    """``M^T`` of a matrix expression (a row of entries printed as a column vector)."""


class Rows(_Node):
    """A long sum broken one kernel row per line: arguments are the rows (unevaluated Adds)."""


def _int(value: Any) -> Any:
    """An index value: an int, or an integer array when free indices are bound to grids."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return int(value)
    raise DisplayError(f"index: expected an integer, got {value!r}")


def _array(value: Any) -> Any:
    """A FormArray as it is, anything else as an object array."""
    return value if isinstance(value, FormArray) else np.asarray(value, dtype=object)


def _lookup(array: Any, key: str, index: tuple[Any, ...]) -> Any:
    """``array[index]``; integer-array indices gather every entry at once (bounds checked)."""
    if len(index) != array.ndim or any(np.any((np.asarray(i) < 0) | (np.asarray(i) >= n))
                                       for i, n in zip(index, array.shape)):
        raise DisplayError(f"index: {key}{list(index)} is outside the tensor of shape "
                           f"{array.shape}")
    return take(array, index) if isinstance(array, FormArray) else array[index]


def take(array: FormArray, index: tuple[Any, ...]) -> FormArray:
    """``array[index]`` for in-range indices, without the gather where it is not needed: the
    array itself when ``index`` is every index in order (grids of ``np.indices``), one entry's
    terms selected directly when ``index`` is integers.

    >>> from symconv.vector import Space, space_tensor
    >>> x = space_tensor(Space({"x": (2, 3)}), "x")
    >>> y = x * x
    >>> take(y, tuple(np.indices((2, 3)))) is y, take(y, (1, 2)).to_polynomials()
    (True, array(x_{1,2}·x_{1,2}, dtype=object))
    """
    if len(index) == array.ndim and all(
            isinstance(i, np.ndarray) and i.shape == array.shape for i in index) and all(
            np.array_equal(i, grid) for i, grid in zip(index, np.indices(array.shape))):
        return array
    if array.is_dense() or not all(isinstance(i, (int, np.integer)) for i in index):
        return array[index]
    pos, key, coef = array.terms()
    mask = pos == int(np.ravel_multi_index(tuple(int(i) for i in index), array.shape))
    picked = (np.zeros(int(mask.sum()), np.int64), key[mask], None if coef is None else coef[mask])
    return array.with_parts((), (picked,))


def _total(values: list[Any]) -> Any:
    """``values[0] + values[1] + ...`` (scalars or arrays, entry by entry), added pairwise so
    that long sums of polynomials copy each term about log2(len) times, not len times."""
    values = list(values)
    if not values:
        return 0
    while len(values) > 1:
        values = [values[k] + values[k + 1] if k + 1 < len(values) else values[k]
                  for k in range(0, len(values), 2)]
    return values[0]


def _entry_of_product(a: Any, b: Any, row: Any, col: Any) -> Any:
    """``(A B)[row, col]`` without forming the product: row of ``A`` times column of ``B``."""
    a, b = _array(a), _array(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise DisplayError(f"matrix product: shapes {a.shape} and {b.shape} do not chain")
    _lookup(np.empty((a.shape[0], b.shape[1]), dtype=bool), "matrix", (row, col))
    return _total([a[row, j] * b[j, col] for j in range(a.shape[1])])


def _sum_entries(array: Any) -> Any:
    if isinstance(array, FormArray):
        return array.sum()
    return _total(list(np.asarray(array, dtype=object).reshape(-1)))  # pairwise: no O(n^2)


def evaluate(expr: Any, binding: Mapping[str, np.ndarray],
             env: Mapping[sympy.Symbol, int] | None = None) -> Any:
    """The value of a display expression: a scalar or an object array.

    ``binding`` maps tensor keys to arrays, ``env`` gives values to free index symbols.
    Scalars are Python ints/Fractions or whatever the bound arrays hold (engine polynomials).
    An index symbol bound to an integer array (a grid of ``np.indices``) evaluates the
    expression at every index at once: the result is then an array of that shape.
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
        return _lookup(_array(binding[key]), key, tuple(_int(ev(i)) for i in expr.indices))
    if isinstance(expr, sympy.Add | Rows):
        return _total([ev(a) for a in expr.args])
    if isinstance(expr, sympy.Mul | Times):
        out: Any = ev(expr.args[0])
        if isinstance(expr.args[0], Iverson) and isinstance(out, int) and out == 0:
            return 0  # a false bracket is a strong zero: the other factors are not read
        for a in expr.args[1:]:
            out = out * ev(a)
        return out
    if isinstance(expr, sympy.floor):
        value = Fraction(ev(expr.args[0]))
        return value.numerator // value.denominator
    if isinstance(expr, FloorDiv):
        top, bottom = (Fraction(ev(a)) for a in expr.args)
        return (top / bottom).numerator // (top / bottom).denominator
    if isinstance(expr, Iverson):  # [a = b]; tuples compare entry by entry
        pairs = zip(*expr.args) if isinstance(expr.args[0], sympy.Tuple) else [expr.args]
        equal = np.logical_and.reduce([np.equal(ev(a), ev(b)) for a, b in pairs])
        return equal.astype(np.int64) if isinstance(equal, np.ndarray) else int(bool(equal))
    if isinstance(expr, sympy.Sum):
        return _sum(expr.function, list(expr.limits), binding, env)
    if isinstance(expr, sympy.MatrixBase):
        return _matrix(expr, binding, env)
    if isinstance(expr, EntrySum):
        return _sum_entries(ev(expr.args[0]))
    if isinstance(expr, Hadamard):
        a, b = (_array(ev(x)) for x in expr.args)
        if a.shape != b.shape:
            raise DisplayError(f"hadamard: shapes {a.shape} and {b.shape} differ")
        return a * b
    if isinstance(expr, Transposed):
        return _array(ev(expr.args[0])).T
    if isinstance(expr, Vec):
        return _array(ev(expr.args[0])).reshape(1, -1)
    if isinstance(expr, Dot):
        a, b = (_array(ev(x)).reshape(-1) for x in expr.args)
        if a.shape != b.shape:
            raise DisplayError(f"dot: lengths {a.size} and {b.size} differ")
        return _sum_entries(a * b)
    if isinstance(expr, MatProd):
        a, b = (_array(ev(x)) for x in expr.args)
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise DisplayError(f"matrix product: shapes {a.shape} and {b.shape} do not chain")
        return a @ b
    if isinstance(expr, Entry) and isinstance(expr.args[0], MatProd) and len(expr.args) == 3:
        a, b = expr.args[0].args
        return _entry_of_product(ev(a), ev(b), *(_int(ev(i)) for i in expr.args[1:]))
    if isinstance(expr, Entry):
        m = _array(ev(expr.args[0]))
        return _lookup(m, "matrix", tuple(_int(ev(i)) for i in expr.args[1:]))
    raise DisplayError(f"display: cannot evaluate {type(expr).__name__} {expr}")


def _matrix(expr: sympy.MatrixBase, binding: Mapping[str, Any],
            env: dict[sympy.Symbol, int]) -> Any:
    """A printed matrix's value: an object array, or a FormArray when an entry is one."""
    rows = expr.tolist()
    gathered = _gather_matrix(rows, binding)
    if gathered is not None:
        return gathered
    values = [[evaluate(v, binding, env) for v in row] for row in rows]
    forms = [v for row in values for v in row if isinstance(v, FormArray)]
    if not forms:
        return np.array(values, dtype=object)
    space = forms[0].space
    flat = [v if isinstance(v, FormArray) else FormArray.constant(space, v)
            for row in values for v in row]
    shape = (len(rows), len(rows[0]) if rows else 0)
    return np.stack([v.reshape(()) for v in flat]).reshape(shape)


def _gather_matrix(rows: list[list[Any]], binding: Mapping[str, Any]) -> Any:
    """One gather for a matrix whose entries are zeros and entries, at integer indices, of one
    tensor bound to a FormArray (a printed window, ``X_col``); None for any other matrix."""
    if not rows or not rows[0]:
        return None
    found: list[Any] = []  # [key, array] of the one tensor the entries read
    seen: dict[int, int] = {}  # id of an entry -> flat index (-1: zero); entries repeat
    flat = []
    for row in rows:
        for v in row:
            f = seen.get(id(v))
            if f is None:
                f = seen[id(v)] = _flat_entry(v, binding, found)
                if f is None:
                    return None
            flat.append(f)
    if not found:  # only zeros
        return None
    return found[1].gather(np.array(flat, dtype=np.int64).reshape(len(rows), len(rows[0])))


def _flat_entry(v: Any, binding: Mapping[str, Any], found: list[Any]) -> Any:
    """The flat index of ``v`` in the tensor ``found`` names (set by the first entry), -1 for a
    zero, None when ``v`` is anything else."""
    if isinstance(v, sympy.Indexed) and all(isinstance(i, sympy.Integer) for i in v.indices):
        key = v.base.label.name
        if not found:
            if not isinstance(binding.get(key), FormArray):
                return None
            found += [key, binding[key]]
        if key != found[0]:
            return None
        index, shape = tuple(int(i) for i in v.indices), found[1].shape
        if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
            raise DisplayError(f"index: {key}{list(index)} is outside the tensor of shape "
                               f"{shape}")
        return int(np.ravel_multi_index(index, shape))
    return -1 if v == 0 else None


def _sum(body: Any, limits: list[tuple[Any, ...]], binding: Mapping[str, np.ndarray],
         env: dict[sympy.Symbol, int]) -> Any:
    if not limits:
        return evaluate(body, binding, env)
    return _total(_terms(body, limits, binding, env))


def _terms(body: Any, limits: list[tuple[Any, ...]], binding: Mapping[str, np.ndarray],
           env: dict[sympy.Symbol, int]) -> list[Any]:
    """The summands of nested sums, innermost limit fastest (added by :func:`_total`)."""
    if not limits:
        return [evaluate(body, binding, env)]
    (var, low, high), rest = limits[0], limits[1:]
    lo, hi = _int(evaluate(low, binding, env)), _int(evaluate(high, binding, env))
    return [t for value in range(lo, hi + 1) for t in _terms(body, rest, binding,
                                                            {**env, var: value})]
