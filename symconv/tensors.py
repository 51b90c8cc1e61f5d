"""Symbolic tensors in PyTorch layouts: object arrays of variables named ``x_{n,c,i,j}``.

Two carriers hold the same variables: sympy ``Symbol`` (for display, LaTeX and interactive use)
and :class:`~symconv.ring.Polynomial` (for fast exact proofs).  A variable's name records its
tensor and index, so any entry can be traced back to ``x[n, c, i, j]``.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((2, 3), (1, 2))
>>> symbolic_input(spec)
array([[[[x_{0,0,0,0}, x_{0,0,0,1}, x_{0,0,0,2}],
         [x_{0,0,1,0}, x_{0,0,1,1}, x_{0,0,1,2}]]]], dtype=object)
>>> symbolic_weight(spec, "K").shape
(1, 1, 1, 2)
>>> parse_name("w_{1,0,2,2}")
('w', (1, 0, 2, 2))
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import SymconvError
from .ring import Polynomial, canonical
from .spec import ConvSpec
from .variables import loaded_sympy, variable_key

__all__ = ["Backend", "symbolic_input", "symbolic_weight", "symbolic_tensor", "variable_name",
           "parse_name", "substitute", "values_of"]

_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9]*)_\{(\d+(?:,\d+)*)\}$")
_BASE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


class Backend(str, enum.Enum):
    """What the entries of a symbolic tensor are."""

    SYMPY = "sympy"  #: ``sympy.Symbol`` entries: readable, printable, slow to combine
    RING = "ring"  #: :class:`~symconv.ring.Polynomial` entries: exact and fast
    VECTOR = "vector"  #: :class:`~symconv.vector.FormArray`: term arrays, for layers of real size
    AUTO = "auto"  #: vector for large bilinear instances, ring otherwise (``theorems.prove``)


def variable_name(base: str, index: tuple[int, ...]) -> str:
    """``variable_name('x', (0, 1, 2))`` is ``'x_{0,1,2}'``."""
    return f"{base}_{{{','.join(str(int(i)) for i in index)}}}"


def parse_name(name: str) -> tuple[str, tuple[int, ...]]:
    """Inverse of :func:`variable_name`; raises :class:`SymconvError` on other names."""
    m = _NAME.match(name)
    if not m:
        raise SymconvError(f"name: expected a tensor variable like 'x_{{0,1}}', got {name!r}")
    return m.group(1), tuple(int(i) for i in m.group(2).split(","))


def symbolic_tensor(shape: tuple[int, ...], base: str,
                    backend: Backend | str = Backend.SYMPY) -> np.ndarray:
    """An object array of fresh variables ``base_{index}`` of the given shape."""
    if not isinstance(base, str) or not _BASE.match(base):
        raise SymconvError(f"name: expected letters and digits starting with a letter, got "
                           f"{base!r}; use e.g. 'x' or 'W1'")
    if Backend(backend) is Backend.SYMPY:
        import sympy

        make = sympy.Symbol
    elif Backend(backend) in (Backend.VECTOR, Backend.AUTO):
        raise SymconvError(f"backend: {Backend(backend).value!r} tensors belong to a "
                           "symconv.vector.Space (all tensors of a proof at once); use "
                           "space_tensor(Space({...}), name), or backend='ring'")
    else:
        make = Polynomial.variable
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = make(variable_name(base, index))
    return out


def symbolic_input(spec: ConvSpec, name: str = "x", *,
                   backend: Backend | str = Backend.SYMPY) -> np.ndarray:
    """Variables for the input, shape ``(batch, in_channels, *input_size)``.

    >>> symbolic_input(ConvSpec((3,), (2,), batch=2))[1, 0]
    array([x_{1,0,0}, x_{1,0,1}, x_{1,0,2}], dtype=object)
    """
    return symbolic_tensor(spec.input_shape, name, backend)


def symbolic_weight(spec: ConvSpec, name: str = "w", *,
                    backend: Backend | str = Backend.SYMPY) -> np.ndarray:
    """Variables for the weight, shape ``(out_channels, in_channels // groups, *kernel_size)``.

    >>> symbolic_weight(ConvSpec((3,), (2,), out_channels=2), "K", backend="ring")[1, 0]
    array([K_{1,0,0}, K_{1,0,1}], dtype=object)
    """
    return symbolic_tensor(spec.weight_shape, name, backend)


def values_of(base: str, array: Any) -> dict[str, Any]:
    """Map every variable name of tensor ``base`` to its value in a numeric ``array``.

    >>> values_of("w", [[1, 2]])
    {'w_{0,0}': 1, 'w_{0,1}': 2}
    """
    array = np.asarray(array)
    return {variable_name(base, idx): _python_scalar(array[idx])
            for idx in np.ndindex(*array.shape)}


def _python_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def substitute(array: np.ndarray, values: Mapping[str, Any]) -> np.ndarray:
    """Evaluate every entry exactly at ``values`` (unlisted variables are 0); object array out.

    Keys are variable keys (as in a counterexample) or sympy symbols; values must be exact.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> substitute(np.array([a * b, a + 1], dtype=object), {"a": 2, "b": 5})
    array([10, 3], dtype=object)
    """
    array = np.asarray(array, dtype=object)
    sp = loaded_sympy()  # None: no key can be a sympy symbol
    values = {variable_key(k) if sp is not None and isinstance(k, sp.Basic) else k:
              Polynomial.constant(v).evaluate({}) for k, v in values.items()}
    out = np.empty(array.shape, dtype=object)
    for idx in np.ndindex(*array.shape):
        out[idx] = Polynomial(canonical(array[idx])).evaluate(values)
    return out
