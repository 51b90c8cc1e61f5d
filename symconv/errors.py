"""The one exception family of symconv.

Every error a user can provoke is a :class:`SymconvError` (a ``ValueError``) whose message says
which field was wrong, what was received and how to fix it, on one line.

>>> from symconv import ConvSpec, SymconvError
>>> try:
...     ConvSpec((5, 5), (3, 3), stride=0)
... except SymconvError as err:
...     print(err)
stride: expected an integer >= 1 on every axis, got 0; use stride=1 for a dense sliding window
"""

from __future__ import annotations

__all__ = ["SymconvError", "SpecError", "NotExactError", "ResourceError"]


class SymconvError(ValueError):
    """Base class of every error symconv raises on bad input."""


class SpecError(SymconvError):
    """A ConvSpec (or a value built from one) is impossible or malformed."""


class NotExactError(SymconvError):
    """An identity was asked of values that cannot be compared exactly (floats, non-polynomials)."""


class ResourceError(SymconvError):
    """The work asked for would take longer or need more memory than the limit allows; the
    message gives the estimate, the limit and the alternatives (see :mod:`symconv.resources`)."""
