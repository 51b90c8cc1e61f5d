"""Contractions on FormArrays: ``@``/``matmul``, ``dot``, ``einsum`` and ``tensordot``.

Each is a broadcast product followed by a sum over the contracted axes, which
:mod:`symconv.vector.products` fuses: the full product is never stored.

>>> from symconv.vector.space import Space
>>> from symconv.vector.array import space_tensor
>>> space = Space({"x": (2, 3), "w": (3,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> (x @ w).to_polynomials()[1]
w_{0}·x_{1,0} + w_{1}·x_{1,1} + w_{2}·x_{1,2}
>>> bool((np.tensordot(x, w, axes=1).to_polynomials() == (x @ w).to_polynomials()).all())
True
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .array import FormArray
from .functions import _space_of, as_form, form_sum, implements
from .products import multiply
from .space import UnsupportedError

__all__ = ["matmul", "einsum", "tensordot", "dot"]


def matmul(a: FormArray, b: FormArray) -> FormArray:
    a1, b1 = a.ndim == 1, b.ndim == 1
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a2 = a.reshape((1, a.shape[0])) if a1 else a
    b2 = b.reshape((b.shape[0], 1)) if b1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: mismatch in core dimension: {a2.shape} @ {b2.shape}")
    prod = multiply(a2.reshape(a2.shape + (1,)), b2.reshape(b2.shape[:-2] + (1,) + b2.shape[-2:]))
    out = form_sum(prod, axis=prod.ndim - 2)
    if a1:
        out = out.reshape(out.shape[:-2] + out.shape[-1:])
    if b1:
        out = out.reshape(out.shape[:-1])
    return out


@implements(np.einsum)
def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> FormArray:
    if kwargs.get("out") is not None or not isinstance(subscripts, str):
        raise UnsupportedError("np.einsum: only the subscripts form without out= is supported")
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise UnsupportedError("np.einsum: '...' is not supported; name every axis")
    inputs, _, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError("einsum: more operands were provided than specified in the subscripts")
    if "->" not in spec:
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    space = _space_of(operands)
    forms = [as_form(o, space) for o in operands]
    order = list(output) + sorted({c for t in terms for c in t} - set(output))
    sizes: dict[str, int] = {}
    result: FormArray | None = None
    for t, f in zip(terms, forms):
        if len(set(t)) != len(t) or len(t) != f.ndim:
            raise UnsupportedError(f"np.einsum: operand subscripts {t!r} (repeated letters or "
                                   f"a wrong count for shape {f.shape}) are not supported")
        for c, s in zip(t, f.shape):
            if sizes.setdefault(c, s) != s and s != 1:
                raise ValueError(f"einsum: size of label {c!r} mismatch ({sizes[c]} vs {s})")
        mine = sorted(t, key=order.index)
        f = f.transpose([t.index(c) for c in mine])
        f = f.reshape(tuple(f.shape[mine.index(c)] if c in mine else 1 for c in order))
        result = f if result is None else multiply(result, f)
    assert result is not None
    summed = tuple(range(len(output), len(order)))
    return form_sum(result, axis=summed) if summed else result.reshape(result.shape)


@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: Any = 2) -> FormArray:
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - int(axes), na)), list(range(int(axes)))
    else:
        ax_a, ax_b = ([int(v) for v in np.atleast_1d(x)] for x in axes)
    ax_a = [v % na for v in ax_a]
    ax_b = [v % nb for v in ax_b]
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(na)]
    lb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + [
        c for j, c in enumerate(lb) if j not in ax_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


@implements(np.dot)
def dot(a: Any, b: Any, out: Any = None) -> FormArray:
    if out is not None:
        raise UnsupportedError("np.dot: out= is not supported")
    if np.ndim(a) <= 2 and np.ndim(b) <= 2:
        space = _space_of((a, b))
        return matmul(as_form(a, space), as_form(b, space))
    return tensordot(a, b, axes=([-1], [-2 if np.ndim(b) > 1 else 0]))
