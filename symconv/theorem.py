"""The :class:`Theorem` value: two ways of computing one tensor, and where the claim applies.

Kept apart from the registry (:mod:`symconv.theorems`) so that theorem families defined in their
own modules (:mod:`symconv.adjoint_theorems`) can build values that the registry then collects.

>>> from symconv import ConvSpec
>>> from symconv.forms import correlate
>>> zeros = Theorem("t", "x = x", correlate, correlate, "a", "b", requires_zero_padding=True)
>>> not_applicable(zeros, ConvSpec((5,), (3,)))
''
>>> not_applicable(zeros, ConvSpec((5,), (3,), padding=1, padding_mode="reflect"))
"padding_mode='reflect': t is stated for padding_mode='zeros' only"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .spec import ConvSpec, PaddingMode

__all__ = ["Side", "Theorem", "not_applicable"]

Side = Callable[[np.ndarray, np.ndarray, ConvSpec], np.ndarray]


@dataclass(frozen=True)
class Theorem:
    """``left(x, w, spec) == right(x, w, spec)`` for every x and w, under ``conditions``."""

    name: str
    statement: str
    left: Side
    right: Side
    left_label: str
    right_label: str
    conditions: str = ("every ConvSpec (any rank, batch, channels, stride, padding, dilation, "
                       "groups)")
    #: For a chain ``f0 = f1 = ... = fk`` stated as ``stack(f0..fk-1) == stack(f1..fk)``: the
    #: ``f_i``, so that a carrier may compute each once and compare neighbours (the same
    #: statement: the stacks are equal exactly when every neighbouring pair is)
    chain: tuple[Side, ...] = ()
    #: Which tensors the sides read ("xw", "w", or "" for a statement about numbers): the
    #: others are passed as None and never built (output-size answers for any layer size)
    uses: str = "xw"
    #: The statement speaks of zero padding only (the transposed convolution is the adjoint of a
    #: zero-padded correlation): on another padding mode the theorem does not apply
    requires_zero_padding: bool = False
    #: Any other condition: the one-line reason the theorem says nothing about a spec, or ''
    requires: Callable[[ConvSpec], str] | None = None
    #: A theorem proved by its own machinery (the FFT theorems: exact cyclotomic arithmetic)
    #: rather than by building ``left`` and ``right`` on a carrier: ``prover(spec)`` is the Proof
    prover: Callable[[ConvSpec], Any] | None = None


def not_applicable(thm: Theorem, spec: ConvSpec) -> str:
    """Why ``thm`` says nothing about ``spec`` (a one-line reason), or ``''`` when it applies."""
    if thm.requires_zero_padding and spec.padding_mode is not PaddingMode.ZEROS:
        return (f"padding_mode={spec.padding_mode.value!r}: {thm.name} is stated for "
                "padding_mode='zeros' only")
    return thm.requires(spec) if thm.requires is not None else ""
