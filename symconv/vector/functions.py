"""The numpy operations a FormArray follows exactly (``__array_function__``, ``__array_ufunc__``).

Rearrangements (``np.pad`` in the modes constant/edge/reflect/symmetric/wrap, basic and fancy
indexing, ``sliding_window_view``, ``reshape``, ``transpose``, ``moveaxis``, ``swapaxes``,
``flip``, ``roll``, ``take``, ``broadcast_to``, ``expand_dims``, ``squeeze``, ``stack``,
``concatenate``, ``repeat``, ``tile``) are applied to an array of entry indices and then
gathered, so a reflected border is the same variable as its mirror image.  Arithmetic: ``+``,
``-``, ``*`` (with broadcasting, by integers or forms), ``sum``, ``np.add.at``, ``zeros_like``;
``@``/``matmul``, ``dot``, ``einsum`` and ``tensordot`` are in :mod:`symconv.vector.contractions`.

>>> from symconv.vector.space import Space
>>> from symconv.vector.array import space_tensor
>>> space = Space({"x": (3,), "w": (3,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> np.einsum("i,i->", x, w).to_polynomials()
array(w_{0}·x_{0} + w_{1}·x_{1} + w_{2}·x_{2}, dtype=object)
>>> np.pad(x, 1, mode="reflect").to_polynomials().tolist()
[x_{1}, x_{0}, x_{1}, x_{2}, x_{1}]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .array import HANDLED, FormArray
from .products import lazy_sum, multiply
from .space import UnsupportedError
from .terms import check_coefficients

__all__ = ["apply_ufunc", "form_sum", "assign", "squeeze"]


def implements(*funcs: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            HANDLED[f] = impl
        return impl
    return register


def _space_of(values: tuple[Any, ...]) -> Any:
    spaces = {id(v.space): v.space for v in values if isinstance(v, FormArray)}
    if len(spaces) != 1:
        raise UnsupportedError("operands: FormArrays of different Spaces cannot be combined")
    return next(iter(spaces.values()))


def as_form(value: Any, space: Any) -> FormArray:
    """A FormArray, or exact integer constants turned into one."""
    if isinstance(value, FormArray):
        return value
    return FormArray.constant(space, value)


# ---- rearrangements: apply to entry indices, then gather ----

def _rearrange(a: FormArray, fn: Callable[[np.ndarray, int], Any]) -> FormArray:
    """``fn(array, zero)`` rearranges an array, writing ``zero`` where it makes new entries: a
    dense tensor's keys (zero: -1) and coefficients (0) directly, otherwise its entry indices
    (-1), which are then gathered."""
    if a._dense is not None:
        a._live()
        keys, coef = a._dense
        keys = np.asarray(fn(keys, -1))
        coef = None if coef is None else np.asarray(fn(coef, 0))
        return FormArray(a.space, keys.shape, a.types, dense=(keys, coef))
    return a.gather(np.asarray(fn(a.index_map(), -1)))


def _rearranged(fn: Callable[..., Any]) -> Callable[..., Any]:
    def impl(a: Any, *args: Any, **kwargs: Any) -> FormArray:
        return _rearrange(a, lambda arr, _zero: fn(arr, *args, **kwargs))
    return impl


for _f in (np.flip, np.roll, np.take, np.broadcast_to, np.repeat, np.tile, np.fliplr,
           np.flipud, np.rot90, np.diagonal):
    implements(_f)(_rearranged(_f))
implements(sliding_window_view)(_rearranged(sliding_window_view))


@implements(np.pad)
def pad(a: FormArray, pad_width: Any, mode: str = "constant", **kwargs: Any) -> FormArray:
    if mode == "constant":
        value = kwargs.pop("constant_values", 0)
        if np.any(np.asarray(value) != 0) or kwargs:
            raise UnsupportedError("np.pad: only constant_values=0 is supported")
        return _rearrange(a, lambda arr, zero: np.pad(arr, pad_width, mode="constant",
                                                      constant_values=zero))
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise UnsupportedError(f"np.pad: mode={mode!r} computes new values; supported modes: "
                               "constant (0), edge, reflect, symmetric, wrap")
    return _rearrange(a, lambda arr, _zero: np.pad(arr, pad_width, mode=mode, **kwargs))


@implements(np.reshape)
def reshape(a: FormArray, *args: Any, **kwargs: Any) -> FormArray:
    shape = kwargs.pop("newshape", kwargs.pop("shape", args[0] if args else None))
    return a.reshape(shape, **kwargs)


@implements(np.transpose)
def transpose(a: FormArray, axes: Any = None) -> FormArray:
    return a.transpose(axes)


@implements(np.moveaxis)
def moveaxis(a: FormArray, source: Any, destination: Any) -> FormArray:
    src = [int(s) % a.ndim for s in np.atleast_1d(source)]
    dst = [int(d) % a.ndim for d in np.atleast_1d(destination)]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a.transpose(order)


@implements(np.swapaxes)
def swapaxes(a: FormArray, axis1: int, axis2: int) -> FormArray:
    return a.swapaxes(axis1, axis2)


@implements(np.expand_dims)
def expand_dims(a: FormArray, axis: Any) -> FormArray:
    return a.reshape(np.expand_dims(np.empty(a.shape, dtype=np.uint8), axis).shape)


@implements(np.squeeze)
def squeeze(a: FormArray, axis: Any = None) -> FormArray:
    return a.reshape(np.squeeze(np.empty(a.shape, dtype=np.uint8), axis).shape)


@implements(np.ravel)
def ravel(a: FormArray, order: str = "C") -> FormArray:
    return a.reshape(-1, order=order)


@implements(np.copy, np.ascontiguousarray)
def copy(a: FormArray, *args: Any, **kwargs: Any) -> FormArray:
    return a.copy()


@implements(np.shape)
def shape(a: FormArray) -> tuple[int, ...]:
    return a.shape


@implements(np.ndim)
def ndim(a: FormArray) -> int:
    return a.ndim


@implements(np.size)
def size(a: FormArray, axis: int | None = None) -> int:
    return a.size if axis is None else a.shape[axis]


@implements(np.concatenate)
def concatenate(arrays: Any, axis: int = 0, **kwargs: Any) -> FormArray:
    if kwargs.get("out") is not None:
        raise UnsupportedError("np.concatenate: out= is not supported")
    arrays = list(arrays)
    space = _space_of(tuple(arrays))
    forms = [as_form(v, space) for v in arrays]
    maps, offset = [], 0
    for f in forms:
        maps.append(f.index_map() + offset)
        offset += f.size
    src = np.concatenate(maps, axis=axis)
    joined = FormArray(space, (offset,), frozenset().union(*(f.types for f in forms)),
                       parts=tuple(_shifted(f, start) for f, start in zip(
                           forms, np.cumsum([0] + [f.size for f in forms[:-1]]))))
    return joined.gather(src)


def _shifted(f: FormArray, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    pos, key, coef = f.terms()
    return pos + int(start), key, coef


@implements(np.stack)
def stack(arrays: Any, axis: int = 0, **kwargs: Any) -> FormArray:
    arrays = list(arrays)
    space = _space_of(tuple(arrays))
    forms = [as_form(v, space) for v in arrays]
    if len({f.shape for f in forms}) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = axis % (forms[0].ndim + 1)
    if axis == 0:  # positions of piece k shift by k * size: no gather needed
        parts = tuple(_shifted(f, k * f.size) for k, f in enumerate(forms))
        return FormArray(space, (len(forms), *forms[0].shape),
                         frozenset().union(*(f.types for f in forms)), parts=parts)
    return concatenate([f.reshape(f.shape[:axis] + (1,) + f.shape[axis:]) for f in forms],
                       axis=axis)


@implements(np.zeros_like, np.empty_like)
def zeros_like(a: FormArray, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
    if dtype is not None and np.dtype(dtype) != np.dtype(object):
        return np.zeros(kwargs.get("shape", a.shape), dtype=dtype)
    return FormArray.zeros(a.space, kwargs.get("shape", a.shape))


# ---- arithmetic ----

def _normalise_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = tuple(sorted({int(a) % max(ndim, 1) for a in axes}))
    if any(not -ndim <= int(a) < max(ndim, 1) for a in axes):
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension "
                                      f"{ndim}")
    return out


@implements(np.sum)
def form_sum(a: FormArray, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, **kwargs: Any) -> FormArray:
    if out is not None or kwargs.get("where", True) is not True or kwargs.get("initial", 0):
        raise UnsupportedError("sum: out=, where= and initial= are not supported")
    axes = _normalise_axes(axis, a.ndim)
    fused = lazy_sum(a, axes, keepdims)
    if fused is not None:
        return fused
    shape = tuple(1 if i in axes else s for i, s in enumerate(a.shape)) if keepdims else tuple(
        s for i, s in enumerate(a.shape) if i not in axes)
    from .terms import remap, strides

    st = iter(strides(tuple(s for i, s in enumerate(a.shape) if i not in axes)).tolist())
    new = [0 if i in axes else next(st) for i in range(a.ndim)]
    return a.with_parts(shape, tuple((remap(p, a.shape, new), k, c) for p, k, c in a.parts()))


def _broadcast(f: FormArray, shape: tuple[int, ...]) -> FormArray:
    if f.shape == shape:
        return f
    return f.gather(np.broadcast_to(f.index_map().reshape(
        (1,) * (len(shape) - f.ndim) + f.shape), shape))


def _scaled(f: FormArray, c: int) -> FormArray:
    if c == 1:
        return f
    check_coefficients(abs(c) * max((int(np.abs(p[2]).max()) for p in f.parts()
                                     if p[2] is not None and p[2].size), default=1), "product")
    parts = tuple((p, k, np.full(p.size, c, np.int64) if cf is None else cf * c)
                  for p, k, cf in f.parts())
    return f.with_parts(f.shape, parts)


def _add(a: FormArray, b: FormArray) -> FormArray:
    shape = tuple(int(s) for s in np.broadcast_shapes(a.shape, b.shape))
    a, b = _broadcast(a, shape), _broadcast(b, shape)
    return FormArray(a.space, shape, a.types | b.types, parts=a.parts() + b.parts())


def _scalar_int(value: Any) -> int | None:
    """A Python/numpy integer (or exact integer-valued float constant), else None."""
    if isinstance(value, FormArray) or np.ndim(value) != 0:
        return None
    from ..ring import _exact_scalar

    c = _exact_scalar(np.asarray(value).item() if isinstance(value, np.ndarray) else value,
                      code_constant=True)
    return c if isinstance(c, int) else None


def apply_ufunc(ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """The ufuncs a FormArray follows: add, subtract, multiply, negative, positive, matmul."""
    space = _space_of(inputs)
    out = kwargs.pop("out", None)
    if method == "at" and ufunc is np.add:
        target, index, value = inputs
        if not isinstance(target, FormArray):
            raise UnsupportedError("np.add.at: the target is a plain numpy array; the vector "
                                   "carrier can only accumulate into np.zeros_like(x)")
        assign(target, index, value, accumulate=True)
        return None
    if method == "reduce" and ufunc is np.add:
        return form_sum(inputs[0], axis=kwargs.get("axis", 0),
                        keepdims=kwargs.get("keepdims", False))
    if method != "__call__" or kwargs.get("where", True) is not True:
        raise UnsupportedError(f"np.{ufunc.__name__}.{method}: not supported on symbolic values")
    if ufunc is np.positive:
        result: Any = inputs[0]
    elif ufunc is np.negative:
        result = _scaled(inputs[0], -1)
    elif ufunc in (np.add, np.subtract, np.multiply, np.matmul):
        a, b = inputs
        if ufunc is np.multiply and (_scalar_int(a) is not None or _scalar_int(b) is not None):
            c, f = (_scalar_int(a), b) if _scalar_int(a) is not None else (_scalar_int(b), a)
            result = FormArray.zeros(space, f.shape) if c == 0 else _scaled(f, c)
        else:
            a, b = as_form(a, space), as_form(b, space)
            if ufunc is np.add:
                result = _add(a, b)
            elif ufunc is np.subtract:
                result = _add(a, _scaled(b, -1))
            elif ufunc is np.multiply:
                result = multiply(a, b)
            else:
                from .contractions import matmul

                result = matmul(a, b)
    else:
        raise UnsupportedError(f"np.{ufunc.__name__}: not supported on symbolic values "
                               "(the vector carrier follows +, -, *, @, sum and rearrangements)")
    if out is not None:
        (target,) = out
        if isinstance(target, FormArray) and target.shape == result.shape:
            target._become(result)
            return target
        if not (isinstance(target, np.ndarray) and target.dtype == object and target.base is None
                and target.shape == result.shape and _all_zero(target)):
            raise UnsupportedError("out=: the code writes symbolic values into a plain numpy "
                                   "array; the vector carrier cannot follow that")
        # `acc += term` on np.zeros(..., dtype=object): Python rebinds acc to the result
    return result


def _all_zero(a: np.ndarray) -> bool:
    items = a.ravel().tolist()
    return set(map(type, items)) <= {int} and not any(items)


def assign(target: FormArray, index: Any, value: Any, *, accumulate: bool) -> None:
    """``target[index] = value`` or ``np.add.at(target, index, value)``, in place."""
    tgt = target.index_map()[index]
    v = _broadcast(as_form(value, target.space), tgt.shape)
    flat = np.asarray(tgt, dtype=np.int64).ravel()
    vpos, vkey, vcoef = v.terms()
    pos, key, coef = target.terms()
    if not accumulate:
        last = np.zeros(target.size, dtype=np.int64) - 1
        last[flat] = np.arange(flat.size)  # numpy: the last write wins
        keep_old = last[pos] < 0
        keep_new = last[flat[vpos]] == vpos
        pos, key = pos[keep_old], key[keep_old]
        coef = None if coef is None else coef[keep_old]
        vpos, vkey = vpos[keep_new], vkey[keep_new]
        vcoef = None if vcoef is None else vcoef[keep_new]
    parts = ((pos, key, coef), (flat[vpos], vkey, vcoef))
    target._become(FormArray(target.space, target.shape, target.types | v.types, parts=parts))
