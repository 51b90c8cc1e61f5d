"""Which number type a sum of products runs in, so integer data never wraps around.

Integer (and boolean) inputs are computed in ``int64`` when ``max|x| * max|w| * (products per
output)`` fits, and in Python integers (an object array, exact at any size) otherwise.  The
formulations of :mod:`symconv.forms` and the numeric paths of :mod:`symconv.numeric` both widen
their operands here, so ``uint8`` images give the same exact integers as ``int64`` ones.

>>> import numpy as np
>>> x, w = widen(np.full(3, 200, np.uint8), np.full(3, 200, np.uint8), 9)
>>> x.dtype, int(x[0]) * int(w[0]) * 9
(dtype('int64'), 360000)
"""

from __future__ import annotations

import enum

import numpy as np

from .errors import SpecError

__all__ = ["Arithmetic", "arithmetic_of", "widen"]

_INT64_LIMIT = 2**63 - 1


class Arithmetic(enum.Enum):
    """The number type of a computation."""

    FLOAT = "float"  #: floating point (or complex) in the inputs' common dtype
    INT64 = "int64"  #: exact machine integers (the magnitude bound fits int64)
    PYINT = "pyint"  #: exact Python integers / objects in an object array (no bound)


def _is_integral(a: np.ndarray) -> bool:
    if a.dtype.kind in "biu":
        return True
    if a.dtype.kind == "O":
        return all(isinstance(v, (int, np.integer)) for v in a.flat)
    return False


def _max_abs(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    if a.dtype.kind == "O":
        return max(abs(int(v)) for v in a.flat)
    return max(abs(int(a.max())), abs(int(a.min())))


def arithmetic_of(x: np.ndarray, w: np.ndarray, reduction: int) -> tuple[Arithmetic, np.dtype]:
    """Choose the arithmetic for ``sum of reduction products`` of entries of ``x`` and ``w``.

    >>> arithmetic_of(np.ones(3, np.uint8), np.ones(2, np.int16), 9)
    (<Arithmetic.INT64: 'int64'>, dtype('int64'))
    >>> arithmetic_of(np.array([2**40]), np.array([2**30]), 9)[0]
    <Arithmetic.PYINT: 'pyint'>
    >>> arithmetic_of(np.ones(2, np.float32), np.ones(2, np.float32), 9)
    (<Arithmetic.FLOAT: 'float'>, dtype('float32'))
    """
    if _is_integral(x) and _is_integral(w):
        bound = _max_abs(x) * _max_abs(w) * max(reduction, 1)
        if bound <= _INT64_LIMIT:
            return Arithmetic.INT64, np.dtype(np.int64)
        return Arithmetic.PYINT, np.dtype(object)
    if x.dtype.kind == "O" or w.dtype.kind == "O":
        return Arithmetic.PYINT, np.dtype(object)  # symbols, Fractions: exact object arithmetic
    dtype = np.result_type(x.dtype, w.dtype)
    if dtype.kind not in "fc":
        raise SpecError(f"x, w: expected numbers (integer, float or complex arrays), got dtypes "
                        f"{x.dtype} and {w.dtype}; convert with np.asarray(..., float)")
    return Arithmetic.FLOAT, dtype


def widen(x: np.ndarray, w: np.ndarray, reduction: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``w`` in a type whose sums of ``reduction`` products cannot wrap around.

    Integer and boolean arrays go to ``int64`` or exact Python integers; floats, complex numbers,
    symbols and other objects are returned unchanged (their arithmetic is their own).
    """
    if not (x.dtype.kind in "biu" or w.dtype.kind in "biu"):
        return x, w
    if not (_is_integral(x) and _is_integral(w)):
        return x, w
    _, dtype = arithmetic_of(x, w, reduction)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False)
