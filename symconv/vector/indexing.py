"""What the vector carrier accepts as an index or a constant, and how an index reshapes.

>>> exact_integers([3, 0, -2]).tolist(), exact_integers(np.array([2.0, 4.0])).tolist()
([3, 0, -2], [2, 4])
>>> exact_integers([0.5])
Traceback (most recent call last):
...
symconv.vector.space.UnsupportedError: constant: the vector carrier holds exact integer ...
>>> _reshape_of((2, 3), (None, slice(None), 0)) is None, _reshape_of((1, 3), (0, None))
(True, (1, 3))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .space import UnsupportedError

__all__ = ["exact_integers", "_target_shape", "_reshape_of", "_is_basic", "_plain_index"]


def exact_integers(values: Any) -> np.ndarray:
    """``values`` as an int64 array, exactly: integers (and integer-valued floats below 2**53,
    the constants of code) of magnitude below 2**62; anything else raises UnsupportedError."""
    from ..ring import _exact_scalar

    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind in "biu":
        if arr.size and max(abs(int(arr.min())), abs(int(arr.max()))) >= 2**62:
            raise UnsupportedError("constant: a coefficient beyond int64")
        ints = arr.astype(np.int64)
    elif kind == "f" and arr.size and not (np.isfinite(arr).all() and (
            np.trunc(arr) == arr).all() and (np.abs(arr) < 2**53).all()):
        raise UnsupportedError("constant: the vector carrier holds exact integer "
                               "coefficients only (integer-valued floats below 2**53)")
    elif kind in "fO":
        items = arr.ravel().tolist()
        if kind == "O" and not set(map(type, items)) <= {int}:
            items = [_exact_scalar(v, code_constant=True) for v in items]
            if any(v is None or not isinstance(v, int) for v in items):
                raise UnsupportedError("constant: the vector carrier holds integer "
                                       "coefficients only; use the Polynomial carrier")
        items = [int(v) for v in items]
        if items and max(max(items), -min(items)) >= 2**62:
            raise UnsupportedError("constant: a coefficient beyond int64")
        ints = np.array(items, dtype=np.int64).reshape(arr.shape)
    else:
        raise UnsupportedError(f"constant: cannot hold values of dtype {arr.dtype} exactly")
    return ints


def _target_shape(shape: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    """``new`` with a ``-1`` resolved, or numpy's ValueError when sizes differ."""
    size = math.prod(shape)
    if new.count(-1) == 1:
        rest = math.prod(s for s in new if s != -1)
        if rest and size % rest == 0:
            new = tuple(size // rest if s == -1 else s for s in new)
    if math.prod(new) != size or any(s < 0 for s in new):
        raise ValueError(f"cannot reshape array of size {size} into shape {new}")
    return new


def _reshape_of(shape: tuple[int, ...], index: Any) -> tuple[int, ...] | None:
    """The shape ``x[index]`` has when it only adds or drops size-1 axes (a reshape)."""
    pieces = index if isinstance(index, tuple) else (index,)
    if not all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               for p in pieces):
        return None
    base = np.empty(shape, dtype=np.uint8)  # never written: only its view's layout is read
    view = base[index]
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if view.size == base.size and start == 0 and view.flags.c_contiguous:
        return view.shape
    return None


def _is_basic(index: Any) -> bool:
    """Whether numpy answers ``a[index]`` with a view (ints, slices, None, Ellipsis only)."""
    pieces = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               for p in pieces)


def _plain_index(index: Any) -> Any:
    """An index with FormArray pieces refused (indices must be numbers)."""
    from .array import FormArray

    pieces = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, FormArray) for p in pieces):
        raise UnsupportedError("index: the code indexes by a symbolic value")
    return index
