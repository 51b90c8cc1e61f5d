"""Verify anyone's convolution against the spec, and say exactly what is wrong.

* :mod:`.core` - :func:`verify` (exact symbolic execution, or the randomized exact check)
* :mod:`.backward`, :mod:`.backward_forms` - verify for backward code (input and weight
  gradients, transposed convolution) and the catalogue of backward mistakes;
  :mod:`.backward_vector` runs them on the vector carrier, chunked by their second operand
* :mod:`.vectorised` - the exact path at scale: user numpy code on the vector carrier, in chunks
  of the weight; :mod:`.packed` compares a chunk, :mod:`.naming` names mistakes chunk by chunk
* :mod:`.symbolic` - what the exact paths share: a symbolic run's result, the confirmed example
* :mod:`.verdict` - :class:`Verdict`, :class:`Status`, :class:`Mistake`, :class:`MistakeKind`
* :mod:`.run` - calling user code safely (exceptions, timeout, mutated inputs)
* :mod:`.diagnose` - positions, products and the names of known mistakes
* :mod:`.mistakes`, :mod:`.geometry` - the catalogue of wrong formulations, as index maps
* :mod:`.randomized` - random integer trials with the Schwartz-Zippel bound
* :mod:`.rounding` - what the trials draw (per numeric dtype) and how outputs are compared
* :mod:`.shrink` - a failing random input shrunk to a readable one
* :mod:`.probe` - one-hot probing of black-box functions found wrong, so mistakes can be named
* :mod:`.figure` - :func:`draw_verdict`, a wrong verdict as a picture

The package is called ``verification`` so that ``symconv.verify`` can be the function.
"""

from __future__ import annotations

from .core import DEFAULT_MAX_SYMBOLIC_PRODUCTS, Method, verify
from .figure import VerdictPicture, draw_verdict, verdict_picture
from .probe import DEFAULT_MAX_PROBE_CALLS, DEFAULT_MAX_PROBE_SECONDS
from .verdict import (
    BackwardKind,
    BackwardMistakeKind,
    ConcreteExample,
    Kind,
    Mistake,
    MistakeKind,
    Status,
    Verdict,
)

__all__ = ["verify", "Verdict", "Status", "Kind", "BackwardKind", "Method", "Mistake",
           "MistakeKind", "BackwardMistakeKind", "ConcreteExample", "DEFAULT_MAX_SYMBOLIC_PRODUCTS",
           "DEFAULT_MAX_PROBE_CALLS", "DEFAULT_MAX_PROBE_SECONDS", "draw_verdict",
           "verdict_picture", "VerdictPicture"]
