"""``FormArray``: an ndarray-like tensor of forms of degree <= 2, stored as flat term arrays.

numpy code written for numbers runs on it unchanged through ``__array_function__`` and
``__array_ufunc__`` (the operations are listed in :mod:`symconv.vector.functions`); every other
use (conversion to a plain array, a truth value, a comparison) raises
:class:`~symconv.vector.space.UnsupportedError`, so a symbolic run either follows the code
exactly or stops with a reason.

An entry is stored in one of two ways: *dense* (one key per entry in an array of the tensor's
shape, ``-1`` for zero, as for fresh variables and everything gathered from them) or as *parts*
of terms (sums, products).  A product is kept *lazy* until it is used, so that a sum over axes
right after it writes the reduced positions directly.

>>> from symconv.vector.space import Space
>>> space = Space({"x": (4,), "w": (2,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> y = x[:3] * w[0] + x[1:] * w[1]
>>> y.shape, y.to_polynomials()[2]
((3,), w_{0}·x_{2} + w_{1}·x_{3})
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .indexing import _is_basic, _plain_index, _reshape_of, _target_shape
from .space import Space, Type, UnsupportedError
from .terms import canonical, csr_gather, remap, strides

__all__ = ["FormArray", "space_tensor", "HANDLED", "Part"]

#: ``(positions, keys, coefficients or None)``, flat arrays of one length.
Part = tuple[np.ndarray, np.ndarray, np.ndarray | None]

#: numpy function -> implementation, filled by :mod:`symconv.vector.functions`.
HANDLED: dict[Callable[..., Any], Callable[..., Any]] = {}


class FormArray:
    """A tensor whose entries are polynomials of degree <= 2 over the variables of a Space."""

    __array_priority__ = 1000

    def __init__(self, space: Space, shape: tuple[int, ...], types: frozenset[Type], *,
                 dense: tuple[np.ndarray, np.ndarray | None] | None = None,
                 parts: tuple[Part, ...] = (), lazy: Any = None) -> None:
        self.space, self.shape, self.types = space, tuple(int(s) for s in shape), types
        self._dense, self._parts, self._lazy = dense, parts, lazy
        #: numpy would return a view here: the array it views, and the views of this one
        self._base: FormArray | None = None
        self._views: list[weakref.ref[FormArray]] = []
        self._stale = False
        #: for a view ``base[index]`` of a root array: the index, so in-place updates write back
        self._window: Any = None

    def _live(self) -> None:
        """Refuse to read a view whose base was written after the view was taken."""
        if self._stale:
            raise UnsupportedError("view: the code reads a view of an array it wrote to after "
                                   "taking the view (numpy views share memory; the vector "
                                   "carrier's results are copies)")

    def _as_view_of(self, source: FormArray) -> FormArray:
        root = source._base if source._base is not None else source
        self._base = root
        root._views.append(weakref.ref(self))
        return self

    # ---- construction ----

    @classmethod
    def zeros(cls, space: Space, shape: tuple[int, ...]) -> FormArray:
        return cls(space, shape, frozenset())

    @classmethod
    def constant(cls, space: Space, values: Any) -> FormArray:
        """Exact integer constants (an int array, or objects that are integers) as forms."""
        from .indexing import exact_integers

        ints = exact_integers(values)
        arr = ints
        nz = np.flatnonzero(ints)
        if not nz.size:
            return cls.zeros(space, arr.shape)
        return cls(space, arr.shape, frozenset({()}),
                   parts=((nz.astype(np.int64), np.zeros(nz.size, np.int64),
                           ints.ravel()[nz]),))

    # ---- ndarray-like attributes ----

    dtype = np.dtype(object)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d FormArray")
        return self.shape[0]

    def __repr__(self) -> str:
        return (f"FormArray(shape={self.shape}, types={sorted(self.types)}, "
                f"terms={self.term_count()})")

    # ---- storage ----

    def is_dense(self) -> bool:
        return self._dense is not None

    def dense(self) -> tuple[np.ndarray, np.ndarray | None] | None:
        """``(keys, coefficients)`` with one term per entry, or None when an entry has two."""
        self._live()
        if self._dense is not None:
            return self._dense
        pos, key, coef = self.terms()
        if pos.size and np.bincount(pos, minlength=self.size).max() > 1:
            return None
        keys = np.full(self.size, -1, dtype=np.int64)
        keys[pos] = key
        c = None
        if coef is not None:
            c = np.zeros(self.size, dtype=np.int64)
            c[pos] = coef
        return keys.reshape(self.shape), None if c is None else c.reshape(self.shape)

    def parts(self) -> tuple[Part, ...]:
        """The terms as parts (flat arrays), without concatenating them."""
        self._live()
        if self._lazy is not None:
            from .products import evaluate

            self._parts, self._lazy = evaluate(self._lazy), None
        if self._dense is not None:
            keys, coef = self._dense
            flat = keys.ravel()
            nz = np.flatnonzero(flat >= 0)
            return ((nz, flat[nz], None if coef is None else coef.ravel()[nz]),)
        return self._parts

    def terms(self) -> Part:
        """All terms, concatenated (coefficients None when all are 1)."""
        parts = [p for p in self.parts() if p[0].size]
        if not parts:
            e = np.zeros(0, dtype=np.int64)
            return e, e, None
        if len(parts) == 1:
            return parts[0]
        pos = np.concatenate([p[0] for p in parts])
        key = np.concatenate([p[1] for p in parts])
        if all(p[2] is None for p in parts):
            return pos, key, None
        coef = np.concatenate([np.ones(p[0].size, np.int64) if p[2] is None else p[2]
                               for p in parts])
        return pos, key, coef

    def term_count(self) -> int:
        """How many terms are stored (before merging duplicates)."""
        return sum(int(p[0].size) for p in self.parts())

    def canonical(self) -> Part:
        """Sorted ``(position, key, coefficient)`` with duplicates merged and zeros dropped."""
        pos, key, coef = self.terms()
        return canonical(pos, key, coef, self.space.key_count)

    # ---- structural operations (positions only) ----

    def with_parts(self, shape: tuple[int, ...], parts: tuple[Part, ...],
                   types: frozenset[Type] | None = None) -> FormArray:
        return FormArray(self.space, shape, self.types if types is None else types,
                         parts=parts)

    def gather(self, src: np.ndarray) -> FormArray:
        """The tensor of shape ``src.shape`` whose entry ``r`` is entry ``src[r]`` (-1: zero)."""
        self._live()
        src = np.asarray(src)
        dense = self._dense if self._dense is not None or self._lazy is not None else self.dense()
        if dense is not None:
            keys, coef = dense
            flat = keys.ravel()
            safe = np.where(src >= 0, src, 0)
            out = np.where(src >= 0, flat[safe], -1)
            c = None if coef is None else np.where(src >= 0, coef.ravel()[safe], 0)
            return FormArray(self.space, src.shape, self.types, dense=(out, c))
        pos, key, coef = self.terms()
        return self.with_parts(src.shape, (csr_gather(pos, key, coef, self.size, src),))

    def index_map(self) -> np.ndarray:
        """``arange(size)`` in this shape: apply an indexing operation to it, then gather."""
        return np.arange(self.size, dtype=np.int64).reshape(self.shape)

    def reshape(self, *shape: Any, order: str = "C") -> FormArray:
        return self._reshape(*shape, order=order)._as_view_of(self)

    def _reshape(self, *shape: Any, order: str = "C") -> FormArray:
        self._live()
        if order != "C":
            raise UnsupportedError("reshape: only order='C' is supported")
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        target = _target_shape(self.shape, tuple(int(s) for s in shape))
        if self._dense is not None:
            keys, coef = self._dense
            return FormArray(self.space, target, self.types, dense=(
                keys.reshape(target), None if coef is None else coef.reshape(target)))
        if self._lazy is not None:  # positions are row-major either way
            return FormArray(self.space, target, self.types, lazy=self._lazy)
        return self.with_parts(target, self.parts())

    def transpose(self, *axes: Any) -> FormArray:
        return self._transpose(*axes)._as_view_of(self)

    def _transpose(self, *axes: Any) -> FormArray:
        self._live()
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        axes = tuple(range(self.ndim))[::-1] if not axes else tuple(
            int(a) % max(self.ndim, 1) for a in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"axes {axes} don't match array of {self.ndim} dimensions")
        shape = tuple(self.shape[a] for a in axes)
        if self._dense is not None:
            keys, coef = self._dense
            return FormArray(self.space, shape, self.types, dense=(
                keys.transpose(axes), None if coef is None else coef.transpose(axes)))
        moved = [a for a in axes if self.shape[a] != 1]
        if moved == sorted(moved):  # only size-1 axes move: positions unchanged
            return self.reshape(shape)
        st = strides(shape)
        new = [0] * self.ndim
        for j, a in enumerate(axes):
            new[a] = int(st[j])
        return self.with_parts(shape, tuple((remap(p, self.shape, new), k, c)
                                            for p, k, c in self.parts()))

    @property
    def T(self) -> FormArray:  # noqa: N802 (numpy's name)
        return self.transpose()

    def sum(self, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> FormArray:
        from .functions import form_sum

        return form_sum(self, axis=axis, keepdims=keepdims, **kwargs)

    def ravel(self) -> FormArray:
        return self.reshape(-1)

    def flatten(self) -> FormArray:
        return self.reshape(-1)

    def copy(self) -> FormArray:
        return FormArray(self.space, self.shape, self.types, dense=self._dense,
                         parts=self._parts, lazy=self._lazy)

    def astype(self, dtype: Any, copy: bool = True) -> FormArray:
        if np.dtype(dtype) != np.dtype(object):
            raise UnsupportedError(f"astype: symbolic entries cannot become {np.dtype(dtype)}; "
                                   "the code converts data to a number type")
        return self.copy()

    def swapaxes(self, a: int, b: int) -> FormArray:
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self.transpose(axes)

    def squeeze(self, axis: Any = None) -> FormArray:
        from .functions import squeeze

        return squeeze(self, axis)

    def to_polynomials(self) -> np.ndarray:
        """An object array of :class:`~symconv.ring.Polynomial` with the same forms (small
        tensors: for display and for cross-checking the two carriers)."""
        from ..ring import Polynomial

        pos, key, coef = self.canonical()
        out = np.empty(self.size, dtype=object)
        terms: list[dict[tuple[str, ...], int]] = [{} for _ in range(self.size)]
        for p, k, c in zip(pos.tolist(), key.tolist(), coef.tolist()):
            terms[p][self.space.monomial(k)] = c
        for i, t in enumerate(terms):
            out[i] = Polynomial(t)
        return out.reshape(self.shape)

    # ---- numpy protocols ----

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise UnsupportedError("array: the code turns symbolic values into a plain numpy array "
                               "(np.asarray, or assignment into np.zeros(...)); the vector "
                               "carrier cannot follow that (np.zeros_like(x) works)")

    def __bool__(self) -> bool:
        raise UnsupportedError("truth value: the code branches on a symbolic value")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = HANDLED.get(func)
        if impl is None:
            name = getattr(func, "__name__", str(func))
            raise UnsupportedError(f"np.{name}: the vector carrier does not follow it; "
                                   "supported: " + ", ".join(sorted(
                                       f.__name__ for f in HANDLED)))
        return impl(*args, **kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from .functions import apply_ufunc

        return apply_ufunc(ufunc, method, *inputs, **kwargs)

    def __getitem__(self, index: Any) -> FormArray:
        index = _plain_index(index)
        self._live()
        if self._dense is None:
            shape = _reshape_of(self.shape, index)
            if shape is not None:
                return self.reshape(shape)
        if self._dense is not None:  # index the keys themselves
            keys, coef = self._dense
            picked = keys[index]
            out = FormArray(self.space, picked.shape, self.types, dense=(
                picked, None if coef is None else coef[index]))
        else:
            out = self.gather(self.index_map()[index])
        if not _is_basic(index):
            return out
        out._as_view_of(self)
        if self._base is None:  # a view taken directly: writes can go through to self
            out._window = index
        return out

    def __setitem__(self, index: Any, value: Any) -> None:
        from .functions import assign

        assign(self, index, value, accumulate=False)

    def _become(self, other: FormArray) -> None:
        """Take ``other``'s value in place (a write); views taken before become unreadable."""
        if self._base is not None:
            raise UnsupportedError("view: the code writes into a view of another array "
                                   "(numpy would change that array too; the vector carrier "
                                   "cannot follow writes through views)")
        for ref in self._views:
            view = ref()
            if view is not None:
                view._stale = True
        self._views = []
        self.shape, self.types = other.shape, other.types
        self._dense, self._parts, self._lazy = other._dense, other._parts, other._lazy

    def _binary(self, ufunc: Any, other: Any, reflected: bool = False) -> Any:
        from .functions import apply_ufunc

        return apply_ufunc(ufunc, "__call__", *((other, self) if reflected else (self, other)))

    def __add__(self, o: Any) -> Any: return self._binary(np.add, o)
    def __radd__(self, o: Any) -> Any: return self._binary(np.add, o, True)
    def __sub__(self, o: Any) -> Any: return self._binary(np.subtract, o)
    def __rsub__(self, o: Any) -> Any: return self._binary(np.subtract, o, True)
    def __mul__(self, o: Any) -> Any: return self._binary(np.multiply, o)
    def __rmul__(self, o: Any) -> Any: return self._binary(np.multiply, o, True)
    def __matmul__(self, o: Any) -> Any: return self._binary(np.matmul, o)
    def __rmatmul__(self, o: Any) -> Any: return self._binary(np.matmul, o, True)
    def __neg__(self) -> Any: return self._binary(np.multiply, -1)
    def __pos__(self) -> FormArray: return self

    def _inplace(self, ufunc: Any, other: Any) -> FormArray:
        """``self op= other``: numpy writes into ``self`` (and, for a view, into its base)."""
        result = self._binary(ufunc, other)
        if not isinstance(result, FormArray) or result.shape != self.shape:
            raise UnsupportedError("in-place update: the result has another shape")
        if self._base is not None:
            if self._window is None or self._base._base is not None:
                raise UnsupportedError("view: the code updates a reshaped or nested view in "
                                       "place; the vector carrier cannot write that through")
            base, window = self._base, self._window
            base[window] = result  # marks every view of base stale, this one included
            self._stale = False
            self.shape, self.types = result.shape, result.types
            self._dense, self._parts, self._lazy = result._dense, result._parts, result._lazy
            return self
        self._become(result)
        return self

    def __iadd__(self, o: Any) -> FormArray: return self._inplace(np.add, o)
    def __isub__(self, o: Any) -> FormArray: return self._inplace(np.subtract, o)
    def __imul__(self, o: Any) -> FormArray: return self._inplace(np.multiply, o)

    def __truediv__(self, o: Any) -> Any:
        raise UnsupportedError("division: the vector carrier holds integer coefficients")

    def _refuse(self, *_: Any) -> Any:
        raise UnsupportedError("comparison: the code compares symbolic values")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def space_tensor(space: Space, block: str, keep: tuple[int, int] | None = None) -> FormArray:
    """The variables of ``block`` as a FormArray; with ``keep=(a, b)`` only flat indices
    ``a <= i < b`` are variables and the others are zero (a chunk of a proof)."""
    shape = space.shapes[block]
    keys = np.arange(space.sizes[block], dtype=np.int64) + space.linear_offset(block)
    if keep is not None:
        a, b = keep
        keys[:a] = -1
        keys[b:] = -1
    return FormArray(space, shape, frozenset({(block,)}), dense=(keys.reshape(shape), None))
