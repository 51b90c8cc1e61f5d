"""The bias of a layer with ``spec.bias``: its variables, the spec's output, and its mistakes.

With ``spec.bias`` the user's function is ``fn(x, w, b)``, ``b`` of shape ``(out_channels,)``,
and the spec's output is the correlation (or convolution) plus ``b[f]`` on every output of
filter ``f``.  The exact path gives ``b`` the variables ``b_{f}``: an output entry is then a
polynomial of degree 2 (the products ``w*x``) plus a linear term ``b_f``, which the canonical
forms compare as they compare any polynomial.  The catalogue names three bias mistakes, each
only when the bias terms of the output equal it at every position: the bias missing, added
twice, or broadcast along another axis of the same size (``out + b`` adds ``b`` along the
*last* axis; ``b[:, None, None, None]`` along the batch axis).

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,), out_channels=2, bias=True)
>>> b = symbolic_bias(spec)
>>> add_bias(np.zeros((1, 2, 2), dtype=object), b, spec)[0, 1]
array([b_{1}, b_{1}], dtype=object)
>>> bias_mistake([{} for _ in range(4)], [{0: 1}, {0: 1}, {1: 1}, {1: 1}], (1, 2, 2), spec).kind
<MistakeKind.BIAS_MISSING: 'bias missing'>
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import SymconvError
from ..ring import Coefficient
from ..spec import ConvSpec
from ..tensors import Backend, symbolic_tensor
from .mistakes import axis_names
from .verdict import Mistake, MistakeKind

__all__ = ["bias_shape", "symbolic_bias", "add_bias", "arguments", "check_arity",
           "bias_mistake"]

Linear = dict[int, Coefficient]


def bias_shape(spec: ConvSpec) -> tuple[int, ...]:
    """``(out_channels,)``: the shape of ``b``."""
    return (spec.out_channels,)


def symbolic_bias(spec: ConvSpec) -> np.ndarray:
    """The bias as an object array of :class:`~symconv.ring.Polynomial` variables ``b_{f}``."""
    return symbolic_tensor(bias_shape(spec), "b", backend=Backend.RING)


def add_bias(out: np.ndarray, b: np.ndarray | None, spec: ConvSpec) -> np.ndarray:
    """``out + b[f]`` on every entry of filter ``f`` (``out`` unchanged when ``b`` is None)."""
    if b is None:
        return out
    return out + np.asarray(b).reshape((1, spec.out_channels) + (1,) * spec.rank)


def arguments(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """``(x, w)``, or ``(x, w, b)`` for a layer with bias."""
    return (x, w) if b is None else (x, w, b)


def _positional(fn: Callable[..., Any]) -> tuple[int, int] | None:
    """``(required, most)`` positional parameters of ``fn`` (``most`` -1: ``*args``), or None
    when its signature cannot be read."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    most = -1 if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional)
    return required, most


def check_arity(fn: Callable[..., Any], spec: ConvSpec) -> None:
    """A one-line :class:`SymconvError` when ``fn``'s signature cannot take the spec's inputs:
    ``fn(x, w, b)`` with ``bias=True``, ``fn(x, w)`` without.

    >>> check_arity(lambda x, w: x, ConvSpec((5,), (3,), bias=True))
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: fn: expected fn(x, w, b) since the spec has bias=True, got a ...
    """
    counts = _positional(fn)
    if counts is None:
        return
    required, most = counts
    name = getattr(fn, "__name__", type(fn).__name__)
    if spec.bias and 0 <= most < 3:
        raise SymconvError(f"fn: expected fn(x, w, b) since the spec has bias=True, got a "
                           f"function {name} that takes {most} positional arguments; add the "
                           "bias argument b (shape (out_channels,)) or use bias=False")
    if not spec.bias and required >= 3:
        raise SymconvError(f"fn: expected fn(x, w) since the spec has bias=False, got a "
                           f"function {name} that needs {required} positional arguments; for "
                           "fn(x, w, b) use a spec with bias=True (CLI: --bias)")


def _axis_label(axis: int, rank: int) -> str:
    return "batch" if axis == 0 else axis_names(rank)[axis - 2]


def bias_mistake(got: Sequence[Linear], want: Sequence[Linear], shape: tuple[int, ...],
                 spec: ConvSpec) -> Mistake | None:
    """The bias mistake whose terms equal ``got`` at every position (flat, row-major, of an
    output of ``shape``), or None; ``want`` are the spec's (``{f: 1}`` at filter ``f``)."""
    if len(got) != len(want):
        return None
    if all(not entry for entry in got):
        return Mistake(MistakeKind.BIAS_MISSING, "the output is the convolution alone: b[f] is "
                       "never added")
    if all(g == {f: 2 * c for f, c in e.items()} for g, e in zip(got, want)):
        return Mistake(MistakeKind.BIAS_TWICE, "b[f] is added twice to every output of filter f")
    index = np.indices(shape).reshape(len(shape), -1)
    for axis, size in enumerate(shape):
        if axis == 1 or size != spec.out_channels:
            continue
        if all(g == {int(i): 1} for g, i in zip(got, index[axis])):
            where = _axis_label(axis, spec.rank)
            view = ", ".join("F" if a == 1 else "1" for a in range(len(shape)))
            return Mistake(MistakeKind.BIAS_WRONG_AXIS, f"b is broadcast along the {where} axis "
                           f"(b[{'n' if axis == 0 else where[0]}] is added) instead of the "
                           f"channel axis; reshape it to ({view})")
    return None

