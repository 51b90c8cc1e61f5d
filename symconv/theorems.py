"""Theorems as values, and instance proofs of them on a ConvSpec.

A :class:`Theorem` names two ways of computing the same tensor; :func:`prove` runs both sides by
symbolic execution on a ConvSpec and hands the results to the identity engine.

>>> from symconv import ConvSpec
>>> theorem_names()[:3]
['definition-equals-elementwise', 'elementwise-equals-dot', 'dot-equals-im2col']
>>> proof = prove("elementwise-equals-dot", ConvSpec((5, 5), (3, 3)))
>>> bool(proof), proof.positions, proof.products
(True, 9, 81)
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .engine import Proof, prove_equal
from .errors import SpecError, SymconvError
from .forms import (
    Im2colLayout,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col_matmul,
)
from .spec import ConvSpec
from .tensors import Backend, symbolic_input, symbolic_weight

__all__ = ["Theorem", "theorem_names", "get_theorem", "prove", "window_counts",
           "DEFAULT_SPECS"]

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


def _flipped_correlation(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    return correlate(x, flip(w), spec.replace(padding=spec.convolution_pads))


def window_counts(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Count, by enumeration, the window starts whose dilated kernel fits in the padded input.

    >>> window_counts(None, None, ConvSpec((7, 5), (3, 3), stride=2)).tolist()
    [3, 2]
    """
    counts = []
    for size, k, s, d in zip(spec.padded_size, spec.kernel_size, spec.stride, spec.dilation):
        counts.append(sum(1 for start in range(0, size, s) if start + d * (k - 1) <= size - 1))
    return np.array(counts, dtype=object)


def _chain_left(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    return np.stack([correlate(x, w, spec), elementwise_sum(x, w, spec),
                     flattened_dot(x, w, spec)])


def _chain_right(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    return np.stack([elementwise_sum(x, w, spec), flattened_dot(x, w, spec),
                     im2col_matmul(x, w, spec)])


def _layout(layout: Im2colLayout) -> Side:
    return lambda x, w, spec: im2col_matmul(x, w, spec, layout)


_REGISTRY: dict[str, Theorem] = {t.name: t for t in (
    Theorem("definition-equals-elementwise",
            "the definition sum_{c,u} w[f,c,u] x[n,c,o*s+u*d] is the sum of the element-wise "
            "product of receptive field and kernel",
            correlate, elementwise_sum, "correlate", "elementwise_sum"),
    Theorem("elementwise-equals-dot",
            "sum(patch * kernel) (element-wise, then summed) = vec(patch) . vec(kernel)",
            elementwise_sum, flattened_dot, "elementwise_sum", "flattened_dot"),
    Theorem("dot-equals-im2col",
            "vec(patch) . vec(kernel) at every position = W_row @ X_col, columns batch-slowest",
            flattened_dot, _layout(Im2colLayout.BATCH_SLOWEST), "flattened_dot",
            "im2col_matmul(batch-slowest)"),
    Theorem("dot-equals-im2col-batch-fastest",
            "vec(patch) . vec(kernel) at every position = W_row @ X_col, columns batch-fastest",
            flattened_dot, _layout(Im2colLayout.BATCH_FASTEST), "flattened_dot",
            "im2col_matmul(batch-fastest)"),
    Theorem("all-formulations-agree",
            "definition = element-wise sum = flattened dot = im2col matmul, as one chain "
            "(position [0, ...] compares the first pair, [1, ...] the second, [2, ...] the third)",
            _chain_left, _chain_right, "[definition, elementwise, dot]",
            "[elementwise, dot, im2col]"),
    Theorem("convolution-is-flipped-correlation",
            "true convolution = cross-correlation with the kernel mirrored in every spatial axis",
            convolve, _flipped_correlation, "convolve", "correlate(flip(w))",
            "every ConvSpec, with one condition: the flipped correlation pads by "
            "spec.convolution_pads, i.e. with padding='same' and odd d*(k-1) the left/right "
            "split mirrors along with the kernel; other padding is unchanged"),
    Theorem("flip-is-involution", "flip(flip(w)) = w", lambda x, w, spec: flip(flip(w)),
            lambda x, w, spec: w, "flip(flip(w))", "w"),
    Theorem("output-size",
            "floor((i + pl + pr - d(k-1) - 1)/s) + 1 = number of window positions that fit",
            lambda x, w, spec: np.array(spec.output_size, dtype=object), window_counts,
            "ConvSpec.output_size", "count of windows"),
)}


def theorem_names() -> list[str]:
    """Names of the registered theorems, in the order ``symconv prove`` runs them.

    >>> "convolution-is-flipped-correlation" in theorem_names()
    True
    """
    return list(_REGISTRY)


def get_theorem(name: str) -> Theorem:
    """The theorem called ``name``; an unknown name raises with the closest matches.

    >>> get_theorem("flip-is-involution").statement
    'flip(flip(w)) = w'
    >>> get_theorem("flip-is-involutoin")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: theorem: no theorem named 'flip-is-involutoin'; did you mean ...
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), _REGISTRY, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else "see symconv.theorem_names()"
        raise SymconvError(f"theorem: no theorem named {name!r}; {hint}") from None


def prove(name: str | Theorem, spec: ConvSpec, *, backend: Backend | str = Backend.RING,
          progress: Callable[[str], None] | None = None) -> Proof:
    """Prove one theorem on one ConvSpec by symbolic execution of both sides.

    ``backend='ring'`` (default) executes on exact sparse polynomials; ``backend='sympy'`` on
    sympy symbols (slower, same canonical forms).  ``progress(message)`` hears about each phase,
    for long proofs.

    >>> proof = prove("convolution-is-flipped-correlation", ConvSpec((6,), (4,), padding="same"))
    >>> bool(proof), proof.positions, proof.products
    (True, 6, 20)
    """
    thm = name if isinstance(name, Theorem) else get_theorem(name)
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__} {spec!r}; "
                        f"e.g. prove({thm.name!r}, ConvSpec((5, 5), (3, 3)))")
    tell = progress or (lambda message: None)
    start = time.perf_counter()
    x = symbolic_input(spec, backend=backend)
    w = symbolic_weight(spec, backend=backend)
    tell(f"building {thm.left_label} by symbolic execution")
    left = thm.left(x, w, spec)
    tell(f"building {thm.right_label} by symbolic execution")
    right = thm.right(x, w, spec)
    built = time.perf_counter() - start
    tell(f"comparing canonical forms of {left.size} entries")
    proof = prove_equal(left, right, f"{thm.name} on {spec.describe()}")
    steps = (f"built {thm.left_label} and {thm.right_label} by symbolic execution "
             f"({Backend(backend).value}) in {built:.3f} s", *proof.steps)
    return dataclasses.replace(proof, steps=steps, elapsed=time.perf_counter() - start)


#: The configurations ``symconv prove`` checks every theorem on.
DEFAULT_SPECS: tuple[tuple[str, ConvSpec], ...] = (
    ("seed example", ConvSpec((5, 5), (3, 3))),
    ("multi-channel", ConvSpec((6, 6), (3, 3), in_channels=3, out_channels=2, batch=2)),
    ("strided", ConvSpec((7, 7), (3, 3), stride=2)),
    ("padded", ConvSpec((5, 5), (3, 3), padding=1)),
    ("same, even kernel", ConvSpec((6, 5), (4, 2), padding="same")),
    ("non-square, asymmetric", ConvSpec((6, 7), (2, 3), padding=((1, 0), (0, 2)))),
    ("dilated", ConvSpec((7, 7), (3, 3), dilation=2)),
    ("grouped", ConvSpec((5, 5), (3, 3), in_channels=4, out_channels=6, groups=2)),
    ("reflect padding", ConvSpec((5, 5), (3, 3), padding=2, padding_mode="reflect")),
    ("1-D", ConvSpec((9,), (3,), stride=2, padding=1, out_channels=2)),
    ("3-D", ConvSpec((4, 4, 4), (2, 2, 2), in_channels=2)),
)

