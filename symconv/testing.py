"""Helpers for your own test suite: one line to check a convolution against the spec.

>>> import numpy as np
>>> from symconv import ConvSpec
>>> def conv(x, w):
...     win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
...     return np.einsum("nchwuv,fcuv->nfhw", win, w)
>>> assert_conv_correct(conv, ConvSpec((4, 4), (2, 2))).proved
True
>>> assert_conv_correct(conv, ConvSpec((4, 4), (2, 2)), kind="convolution")
Traceback (most recent call last):
...
AssertionError: WRONG: 9 of 9 output positions differ
...

For property tests, draw layers with :func:`symconv.strategies.conv_specs` (needs hypothesis).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .spec import ConvSpec
from .verification import Verdict, verify

__all__ = ["assert_conv_correct"]


def assert_conv_correct(fn: Callable[..., Any], spec: ConvSpec, *, kind: str = "correlation",
                        require_proof: bool = False, **options: Any) -> Verdict:
    """Raise ``AssertionError`` with the diagnosis unless ``fn(x, w)`` is right on ``spec``.

    ``require_proof=True`` accepts only an exact symbolic proof (no randomized or tolerance
    pass); other ``options`` go to :func:`~symconv.verification.verify`.  Returns the verdict.
    """
    verdict = verify(fn, spec, kind=kind, **options)
    if not verdict:
        raise AssertionError(str(verdict))
    if require_proof and not verdict.proved:
        raise AssertionError("not proved exactly (require_proof=True): " + str(verdict))
    return verdict
