"""Numeric values of a FormArray's forms, exactly and vectorised.

Every term ``coef * monomial`` is decoded from its key (type, then the local indices of its
variables), its variables are gathered from the numeric values of their blocks, and the
products are summed per position.  The arithmetic is exact: a bound ``sum |coef| * top**deg``
on every partial sum picks float64 ``bincount`` (every partial sum an integer below ``2**53``,
so no rounding), int64 ``np.add.at`` (below ``2**62``) or Python integers in object arrays.
Blocks missing from ``values`` count as zeros.

>>> from symconv.vector.space import Space
>>> from symconv.vector.array import space_tensor
>>> space = Space({"x": (3,), "w": (2,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> y = 2 * x[:2] * w + x[1:]
>>> evaluate(y, {"x": np.array([1, 2, 3]), "w": np.array([10, 100])})
array([ 22, 403])
>>> evaluate(y, {"x": np.array([2**40, 0, 0]), "w": np.array([2**40, 0])}).dtype
dtype('O')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import SymconvError
from .array import FormArray
from .space import Space

__all__ = ["evaluate", "evaluate_many", "TERMS_AT_ONCE"]

#: Terms decoded and gathered at once (bounds the temporary memory of an evaluation).
TERMS_AT_ONCE = 1 << 22
_FLOAT_EXACT = 2 ** 53
_INT64_SAFE = 2 ** 62


def _integers(name: str, value: np.ndarray) -> np.ndarray:
    """The flat values of one block as int64, or object (Python ints) when they do not fit."""
    a = np.asarray(value).reshape(-1)
    if a.dtype.kind in "biu":
        return a.astype(np.int64)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.array_equal(a, np.round(a)):
            raise SymconvError(f"values[{name!r}]: expected integer values, got non-integral "
                               "floats; pass integer-valued arrays")
        if a.size and float(np.abs(a).max()) >= _INT64_SAFE:
            return np.array([int(v) for v in a.tolist()], dtype=object)
        return a.astype(np.int64)
    if a.dtype == object and all(isinstance(v, (int, np.integer)) for v in a.tolist()):
        return np.array([int(v) for v in a.tolist()], dtype=object)
    raise SymconvError(f"values[{name!r}]: expected an integer array, got dtype {a.dtype}")


def _blocks(space: Space, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, shape in space.shapes.items():
        if name not in values:
            out[name] = np.zeros(space.sizes[name], dtype=np.int64)
            continue
        if tuple(np.shape(values[name])) != shape and np.size(values[name]) != space.sizes[name]:
            raise SymconvError(f"values[{name!r}]: expected shape {shape}, got "
                               f"{tuple(np.shape(values[name]))}")
        out[name] = _integers(name, values[name])
    unknown = sorted(set(values) - set(space.shapes))
    if unknown:
        raise SymconvError(f"values: no block named {unknown[0]!r} in {space!r}; pass values "
                           "for the blocks of the forms' Space")
    return out


def _top(block: np.ndarray) -> int:
    return int(max((abs(int(v)) for v in (block.max(), block.min())), default=0)) \
        if block.size else 0


def evaluate(forms: FormArray, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """The forms' exact values at integer ``values`` (block name -> array): an array of
    ``forms.shape``, int64 when every value fits, else object (Python ints)."""
    return evaluate_many(forms, [values])[0]


def evaluate_many(forms: FormArray, cases: Sequence[Mapping[str, np.ndarray]]
                  ) -> list[np.ndarray]:
    """:func:`evaluate` at several points, decoding the keys once per slice of terms.

    >>> from symconv.vector.space import Space
    >>> from symconv.vector.array import space_tensor
    >>> space = Space({"x": (2,), "w": (2,)})
    >>> f = (space_tensor(space, "x") * space_tensor(space, "w")).sum()
    >>> [int(v) for v in evaluate_many(f, [{"x": [1, 2], "w": [3, 4]}, {"x": [1, 1]}])]
    [11, 0]
    """
    space = forms.space
    blocks = [_blocks(space, v) for v in cases]
    pos, key, coef = forms.terms()
    types = space.types
    kinds = space.types_of(key) if key.size else np.zeros(0, np.int64)
    present = sorted(set(np.unique(kinds).tolist()))
    abs_coef = {t: (int((kinds == t).sum()) if coef is None else
                    int(np.abs(coef[kinds == t]).sum())) for t in present}
    outs: list[tuple[np.ndarray, str]] = []
    for b in blocks:
        top = max((_top(a) for a in b.values()), default=0)
        bound = sum(c * top ** len(types[t]) for t, c in abs_coef.items())
        integral = all(a.dtype == np.int64 for a in b.values())
        mode = "float" if integral and bound < _FLOAT_EXACT else \
            "int" if integral and bound < _INT64_SAFE else "object"
        outs.append((np.zeros(forms.size, dtype=np.float64 if mode == "float" else
                              np.int64 if mode == "int" else object), mode))
    for start in range(0, pos.size, TERMS_AT_ONCE):
        sl = slice(start, start + TERMS_AT_ONCE)
        p, k, kk = pos[sl], key[sl], kinds[sl]
        c = None if coef is None else coef[sl]
        for t in (present if len(present) > 1 else present[:1]):
            m = kk == t if len(present) > 1 else slice(None)
            tp, tk = p[m], k[m]
            tc = None if c is None else c[m]
            typ = types[t]
            index = _decode(space, typ, tk)
            for (acc, mode), b in zip(outs, blocks):
                vals = [b[name][i] for name, i in zip(typ, index)]
                term = _term(tc, vals, tp.size, mode)
                if mode == "float":
                    acc += np.bincount(tp, weights=term.astype(np.float64),
                                       minlength=forms.size)
                else:
                    np.add.at(acc, tp, term)
    result = []
    for acc, mode in outs:
        out = acc.astype(np.int64) if mode == "float" else acc
        result.append(out.reshape(forms.shape))
    return result


def _decode(space: Space, typ: tuple[str, ...], keys: np.ndarray) -> list[np.ndarray]:
    """The flat local index in its block of every variable of keys of one type."""
    if not typ:
        return []
    if len(typ) == 1:
        return [keys - space.linear_offset(typ[0])]
    a, b = typ
    first = space.multiply(np.array([space.linear_offset(a)]), (a,),
                           np.array([space.linear_offset(b)]), (b,))
    i, j = np.divmod(keys - int(first[0]), space.sizes[b])
    return [i, j]


def _term(coef: np.ndarray | None, vals: list[np.ndarray], n: int, mode: str) -> np.ndarray:
    obj = mode == "object"
    term = np.ones(n, dtype=object if obj else np.int64) if coef is None else (
        coef.astype(object) if obj else coef)
    for v in vals:
        term = term * (v.astype(object) if obj else v)
    return term
