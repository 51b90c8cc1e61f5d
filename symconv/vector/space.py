"""Variable blocks and monomial keys: how the vector carrier names a product with one integer.

A :class:`Space` holds the tensors of variables of one proof (``x`` of the input's shape, ``w`` of
the weight's, ...), each a *block* of consecutive ids.  A monomial of degree at most 2 is one
``int64`` *key*: its *type* (``()`` for a constant, ``('x',)`` for a variable of block ``x``,
``('w', 'x')`` for a product of one ``w`` and one ``x`` variable) selects a range of keys, and the
local indices of its variables select the key inside that range:

* constant: key ``0``;
* a variable of block ``a`` with flat index ``i``: ``offset(a) + i``;
* a product of block ``a`` (index ``i``) and block ``b`` (index ``j``), ``a <= b`` by name:
  ``offset(a, b) + i * size(b) + j`` (for ``a == b`` the smaller index first).

Keys are distinct for distinct monomials and name variables exactly as
:func:`symconv.tensors.variable_name` does, so a key decodes to the monomial the
:class:`~symconv.ring.Polynomial` carrier would hold.

>>> space = Space({"x": (1, 1, 3), "w": (1, 1, 2)})
>>> space.type_of(space.linear_offset("x") + 2), space.monomial(space.linear_offset("x") + 2)
(('x',), ('x_{0,0,2}',))
>>> k = space.multiply(np.array([space.linear_offset("x") + 1]), ("x",),
...                    np.array([space.linear_offset("w")]), ("w",))
>>> space.monomial(int(k[0]))
('w_{0,0,0}', 'x_{0,0,1}')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import SymconvError
from ..tensors import variable_name

__all__ = ["Space", "Type", "UnsupportedError", "MAX_KEY"]

Type = tuple[str, ...]

#: Keys and packed (position, key) pairs stay below this, so int64 never wraps.
MAX_KEY = 2**62


class UnsupportedError(SymconvError):
    """The vector carrier cannot follow this operation exactly; another carrier must run it."""


class Space:
    """The variable blocks of one proof and the key of every monomial of degree <= 2 over them."""

    def __init__(self, blocks: Mapping[str, tuple[int, ...]]) -> None:
        names = sorted(blocks)
        if not names:
            raise SymconvError("blocks: expected at least one tensor of variables, got none")
        self.shapes: dict[str, tuple[int, ...]] = {n: tuple(int(s) for s in blocks[n])
                                                  for n in names}
        self.sizes = {n: math.prod(self.shapes[n]) for n in names}
        offsets: dict[Type, int] = {(): 0}
        sizes: dict[Type, int] = {(): 1}
        next_key = 1
        for n in names:
            offsets[(n,)], sizes[(n,)] = next_key, self.sizes[n]
            next_key += self.sizes[n]
        for i, a in enumerate(names):
            for b in names[i:]:
                offsets[(a, b)], sizes[(a, b)] = next_key, self.sizes[a] * self.sizes[b]
                next_key += self.sizes[a] * self.sizes[b]
        if next_key >= MAX_KEY:
            raise UnsupportedError(f"blocks: {next_key} monomial keys do not fit in int64; "
                                   "use the Polynomial carrier (backend='ring')")
        self.key_count = next_key
        self._offsets, self._sizes = offsets, sizes
        order = sorted(offsets, key=offsets.__getitem__)
        self._types: list[Type] = order
        self._starts = np.array([offsets[t] for t in order], dtype=np.int64)

    def __repr__(self) -> str:
        return f"Space({self.shapes})"

    def linear_offset(self, block: str) -> int:
        """The key of the first variable of ``block``."""
        return self._offsets[(block,)]

    def type_of(self, key: int) -> Type:
        """The type of one key."""
        if not 0 <= key < self.key_count:
            raise SymconvError(f"key: expected 0 <= key < {self.key_count}, got {key}")
        return self._types[int(np.searchsorted(self._starts, key, side="right")) - 1]

    def types_of(self, keys: np.ndarray) -> np.ndarray:
        """Index into :attr:`types` of every key (vectorised :meth:`type_of`)."""
        return np.searchsorted(self._starts, keys, side="right") - 1

    @property
    def types(self) -> list[Type]:
        """Every monomial type, in key order."""
        return list(self._types)

    def multiply(self, ka: np.ndarray, ta: Type, kb: np.ndarray, tb: Type) -> np.ndarray:
        """Keys of the products of monomials ``ka`` (all of type ``ta``) and ``kb`` (type ``tb``),
        elementwise with broadcasting; a product of degree above 2 raises UnsupportedError."""
        if not ta:
            return np.broadcast_to(kb, np.broadcast_shapes(np.shape(ka), np.shape(kb)))
        if not tb:
            return np.broadcast_to(ka, np.broadcast_shapes(np.shape(ka), np.shape(kb)))
        if len(ta) + len(tb) > 2:
            raise UnsupportedError(f"product: a monomial of type {ta} times one of type {tb} "
                                   "has degree above 2; the vector carrier holds bilinear forms")
        (a,), (b,) = ta, tb
        if a > b:
            a, b, ka, kb = b, a, kb, ka
        elif a == b:
            ka, kb = np.minimum(ka, kb), np.maximum(ka, kb)
        # offset(a, b) + (ka - offset(a)) * size(b) + (kb - offset(b)), with one temporary
        n = self.sizes[b]
        out = np.add(np.multiply(ka, n, dtype=np.int64), kb, dtype=np.int64)
        out += self._offsets[(a, b)] - self._offsets[(a,)] * n - self._offsets[(b,)]
        return out

    def product_type(self, ta: Type, tb: Type) -> Type:
        """The type of a product (``('w', 'x')`` for ``('x',)`` times ``('w',)``)."""
        t = tuple(sorted(ta + tb))
        if len(t) > 2:
            raise UnsupportedError(f"product: a monomial of type {ta} times one of type {tb} "
                                   "has degree above 2; the vector carrier holds bilinear forms")
        return t

    def monomial(self, key: int) -> tuple[str, ...]:
        """The monomial of ``key`` as sorted variable names (as a Polynomial holds it)."""
        t = self.type_of(key)
        local = key - self._offsets[t]
        if not t:
            return ()
        if len(t) == 1:
            return (self._name(t[0], local),)
        a, b = t
        i, j = divmod(local, self.sizes[b])
        return tuple(sorted((self._name(a, i), self._name(b, j))))

    def _name(self, block: str, local: int) -> str:
        index = np.unravel_index(int(local), self.shapes[block]) if self.shapes[block] else ()
        return variable_name(block, tuple(int(v) for v in index))
