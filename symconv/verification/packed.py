"""One chunk's comparison, sorted once: equality, the differing positions and one position's
terms, from the sorted packed keys ``position * key_count + key`` of both sides.

When every coefficient is 1 (what symbolic runs of convolution code give) a tensor of forms is
the multiset of its packed keys, so the two sides are equal exactly when the sorted arrays are,
a position differs exactly when some packed key in its range occurs a different number of
times on the two sides, and a position's form is the run of its range with multiplicities.
Otherwise (coefficients, or keys too many to pack) the answers come from
:func:`symconv.vector.compare.difference`, which merges coefficients.

>>> from symconv.vector import Space, space_tensor
>>> space = Space({"x": (3,), "w": (2,)})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> c = Sorted(x[:2] * w, w * x[1:])
>>> c.equal, c.positions().tolist(), c.terms_at(1)
(False, [0, 1], ({('w_{1}', 'x_{1}'): 1}, {('w_{1}', 'x_{2}'): 1}))
"""

from __future__ import annotations

import numpy as np

from ..vector import FormArray
from ..vector.compare import difference, form_at, packed

__all__ = ["Sorted"]

Terms = dict[tuple[str, ...], int]


def _packed(f: FormArray) -> np.ndarray | None:
    """:func:`symconv.vector.compare.packed`, sorted."""
    keys = packed(f)
    if keys is not None:
        keys.sort()
    return keys


def _runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how often each occurs."""
    if not a.size:
        return a, np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return a[starts], np.diff(np.r_[starts, a.size])


def _only(ua: np.ndarray, na: np.ndarray, ub: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Values of ``ua`` absent from ``ub`` or with another count there."""
    if not ub.size:
        return ua
    i = np.minimum(np.searchsorted(ub, ua), ub.size - 1)
    return ua[(ub[i] != ua) | (nb[i] != na)]


class Sorted:
    """The comparison of fn's output ``got`` with the spec's ``want`` on one chunk."""

    def __init__(self, got: FormArray, want: FormArray) -> None:
        self.got, self.want = got, want
        self.kc = got.space.key_count
        a = _packed(got) if got.shape == want.shape else None
        b = _packed(want) if a is not None else None
        self.sorted = (a, b) if a is not None and b is not None else None
        if self.sorted is not None:
            self.equal = bool(np.array_equal(a, b))
            self._diff = None
        else:
            self._diff = difference(got, want)
            self.equal = self._diff is None

    def difference(self):  # noqa: ANN201 - a symconv.vector.compare.Difference or None
        """The full difference (with its checked counterexample); computed at most once."""
        if self._diff is None and not self.equal:
            self._diff = difference(self.got, self.want)
        return self._diff

    def positions(self) -> np.ndarray:
        """Sorted flat positions where the two sides differ."""
        if self.equal:
            return np.zeros(0, np.int64)
        if self.sorted is None:
            return self.difference().positions
        (ua, na), (ub, nb) = map(_runs, self.sorted)
        keys = np.concatenate([_only(ua, na, ub, nb), _only(ub, nb, ua, na)])
        return np.unique(keys // self.kc)

    def terms_at(self, position: int) -> tuple[Terms, Terms]:
        """The forms of both sides at one flat position (monomial -> coefficient)."""
        if self.sorted is None:
            return form_at(self.got, position), form_at(self.want, position)
        out = []
        for a in self.sorted:
            lo, hi = np.searchsorted(a, [position * self.kc, (position + 1) * self.kc])
            values, counts = _runs(a[lo:hi])
            space = self.got.space
            out.append({space.monomial(int(v) - position * self.kc): int(c)
                        for v, c in zip(values.tolist(), counts.tolist())})
        return out[0], out[1]

