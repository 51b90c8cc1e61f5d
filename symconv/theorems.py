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
import math
import time
from collections.abc import Callable

import numpy as np

from .adjoint_theorems import ADJOINT_THEOREMS
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
from .progress import QUIET, Progress
from .spec import ConvSpec
from .tensors import Backend, symbolic_input, symbolic_weight
from .theorem import Side, Theorem, not_applicable

__all__ = ["Theorem", "theorem_names", "get_theorem", "prove", "window_counts",
           "DEFAULT_SPECS"]



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
            "[elementwise, dot, im2col]",
            chain=(correlate, elementwise_sum, flattened_dot,
                   _layout(Im2colLayout.BATCH_SLOWEST))),
    Theorem("convolution-is-flipped-correlation",
            "true convolution = cross-correlation with the kernel mirrored in every spatial axis",
            convolve, _flipped_correlation, "convolve", "correlate(flip(w))",
            "every ConvSpec, with one condition: the flipped correlation pads by "
            "spec.convolution_pads, i.e. with padding='same' and odd d*(k-1) the left/right "
            "split mirrors along with the kernel; other padding is unchanged"),
    Theorem("flip-is-involution", "flip(flip(w)) = w", lambda x, w, spec: flip(flip(w)),
            lambda x, w, spec: w, "flip(flip(w))", "w", uses="w"),
    Theorem("output-size",
            "floor((i + pl + pr - d(k-1) - 1)/s) + 1 = number of window positions that fit",
            lambda x, w, spec: np.array(spec.output_size, dtype=object), window_counts,
            "ConvSpec.output_size", "count of windows", uses=""),
)}
_REGISTRY.update(ADJOINT_THEOREMS)


def _winograd(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    from .winograd.tiled import winograd_conv  # sympy-based: loaded on first use

    return winograd_conv(x, w, spec, m=2)


def _fft(name: str, statement: str, conditions: str) -> Theorem:
    """An FFT theorem of :mod:`symconv.fourier`: proved by its cyclotomic arithmetic."""
    def requires(spec: ConvSpec) -> str:
        from .fourier import check_fft_spec

        try:
            check_fft_spec(name, spec)
        except SpecError as err:
            return str(err)
        return ""

    def prover(spec: ConvSpec) -> Proof:
        from .fourier import prove_fft

        return prove_fft(name, spec)

    def elsewhere(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
        raise SymconvError(f"theorem: {name} has no sides on a carrier; prove it with "
                           "symconv.prove (exact arithmetic in Q(zeta_N))")
    return Theorem(name, statement, elsewhere, elsewhere, "IDFT(DFT(x)·DFT(w))",
                   "correlate / convolve", conditions, requires=requires, prover=prover)


_REGISTRY.update({t.name: t for t in (
    Theorem("winograd-equals-correlation",
            "tiled Winograd F(m, r) (m = 2, r = the kernel) equals correlation", _winograd,
            correlate, "tiled Winograd F(2, r)", "correlation (definition)",
            "every ConvSpec (any rank, size, batch, channels, padding, padding mode, groups; "
            "stride and dilation by the polyphase split)"),
    _fft("fft-circular-convolution",
         "circular convolution / correlation = IDFT(DFT(x)·DFT(kernel)), exactly in Q(ζ_n)",
         "stride 1, dilation 1, groups 1, no bias, padding_mode='circular' with left + right = "
         "k - 1 on every axis and k <= n; any batch, channels, rank"),
    _fft("fft-linear-convolution",
         "linear convolution = IDFT(DFT(x)·DFT(w)) after zero padding to n + k - 1; correlation "
         "= its slice with the reversed kernel, or IDFT(DFT(x)·conj(DFT(w)))",
         "stride 1, dilation 1, groups 1, no bias, padding_mode='zeros' (any padding); any "
         "batch, channels, rank"),
)})


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


#: ``backend='auto'`` runs instances with at least this many products on the vector carrier.
AUTO_VECTOR_PRODUCTS = 20_000


def _carrier(thm: Theorem, spec: ConvSpec, backend: Backend | str) -> Backend:
    chosen = Backend(backend)
    if chosen is not Backend.AUTO:
        return chosen
    products = spec.products_per_output * math.prod(spec.output_shape)
    return Backend.VECTOR if thm.uses and products >= AUTO_VECTOR_PRODUCTS else Backend.RING


def prove(name: str | Theorem, spec: ConvSpec, *, backend: Backend | str = Backend.AUTO,
          progress: Progress | Callable[[str], None] | None = None) -> Proof:
    """Prove one theorem on one ConvSpec by symbolic execution of both sides.

    ``backend='auto'`` (default) runs large instances on the vector carrier
    (:mod:`symconv.vector`: term arrays, in chunks of the weight) and small ones on exact sparse
    polynomials (``'ring'``); ``'sympy'`` runs on sympy symbols (slow, same canonical forms).
    All carriers decide the same identity exactly.  ``progress`` is a
    :class:`~symconv.progress.Progress` (a bar per phase) or a callable hearing each phase.
    Work whose estimate exceeds the limits of :mod:`symconv.resources` is refused up front.

    >>> proof = prove("convolution-is-flipped-correlation", ConvSpec((6,), (4,), padding="same"))
    >>> bool(proof), proof.positions, proof.products
    (True, 6, 20)
    >>> big = prove("dot-equals-im2col", ConvSpec((16, 16), (3, 3), in_channels=8,
    ...                                            out_channels=8))
    >>> bool(big), big.method.startswith("canonical term arrays")
    (True, True)
    """
    thm = name if isinstance(name, Theorem) else get_theorem(name)
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__} {spec!r}; "
                        f"e.g. prove({thm.name!r}, ConvSpec((5, 5), (3, 3)))")
    reason = not_applicable(thm, spec)
    if reason:
        raise SpecError(reason if thm.requires is not None else
                        f"{reason}; prove it on a layer with padding_mode='zeros'")
    if thm.prover is not None:
        return thm.prover(spec)
    carrier = _carrier(thm, spec, backend)
    if thm.uses:
        from .resources import WORK, guard

        # a theorem without a cost model is costed as the dearest one (four formulations)
        known = thm.name if thm.name in WORK["prove"] else "all-formulations-agree"
        guard(spec, "prove", theorem=known, backend=carrier.value)
    bar = progress if isinstance(progress, Progress) else None
    tell = progress if callable(progress) and bar is None else (lambda message: None)
    fallback: tuple[str, ...] = ()
    if carrier is Backend.VECTOR:
        from .vector import UnsupportedError

        try:
            return _prove_vector(thm, spec, bar or QUIET, tell)
        except UnsupportedError as err:
            if Backend(backend) is not Backend.AUTO:
                raise
            fallback = (f"vector carrier declined ({err}); proved on the ring carrier",)
            carrier = Backend.RING
            guard(spec, "prove", theorem=known, backend=carrier.value)  # the ring's cost now
    start = time.perf_counter()
    x = symbolic_input(spec, backend=carrier) if "x" in thm.uses else None
    w = symbolic_weight(spec, backend=carrier) if "w" in thm.uses else None
    tell(f"building {thm.left_label} by symbolic execution")
    with (bar or QUIET).phase(f"building {thm.left_label}"):
        left = thm.left(x, w, spec)
    tell(f"building {thm.right_label} by symbolic execution")
    with (bar or QUIET).phase(f"building {thm.right_label}"):
        right = thm.right(x, w, spec)
    built = time.perf_counter() - start
    tell(f"comparing canonical forms of {left.size} entries")
    with (bar or QUIET).phase("comparing canonical forms", total=left.size,
                              unit="entry") as advance:
        proof = prove_equal(left, right, f"{thm.name} on {spec.describe()}",
                            progress=lambda done, total: advance(4096))
    steps = (*fallback, f"built {thm.left_label} and {thm.right_label} by symbolic execution "
             f"({carrier.value}) in {built:.3f} s", *proof.steps)
    return dataclasses.replace(proof, steps=steps, elapsed=time.perf_counter() - start)


def _prove_vector(thm: Theorem, spec: ConvSpec, bar: Progress,
                  tell: Callable[[str], None]) -> Proof:
    from .vector.chunks import chunk_bounds, prove_chunked

    tell(f"building {thm.left_label} and {thm.right_label} on term arrays, chunk by chunk")
    chunks = len(chunk_bounds(spec))
    with bar.phase(f"{thm.name}: chunks of the weight", total=chunks, unit="chunk") as advance:
        proof = prove_chunked(thm, spec, progress=lambda done, total: advance(1))
    steps = (f"built {thm.left_label} and {thm.right_label} by symbolic execution (vector: "
             f"term arrays) and compared them in {proof.elapsed:.3f} s", *proof.steps)
    return dataclasses.replace(proof, steps=steps)


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
    ("circular padding", ConvSpec((6, 6), (3, 3), padding=1, padding_mode="circular")),
    ("1-D", ConvSpec((9,), (3,), stride=2, padding=1, out_channels=2)),
    ("3-D", ConvSpec((4, 4, 4), (2, 2, 2), in_channels=2)),
)

