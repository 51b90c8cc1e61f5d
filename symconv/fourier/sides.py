"""The FFT sides of the convolution theorems, written once in numpy for exact and float data.

Each :class:`Claim` says: *reference* (a symconv formulation run on the ring carrier) equals
*fft* (padding, DFTs, a pointwise product summed over input channels, an inverse DFT, a
slice).  The fft side runs on :class:`~symconv.fourier.carrier.Forms` (exact, Q(ζ_m)) and on
complex numpy arrays (to compare with numpy.fft / scipy.signal.fftconvolve), from the same code.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,))
>>> claims = linear_claims(spec, sizes=(4,), roots=(Root(4),))
>>> [c.name for c in claims]
['full linear convolution', 'correlation via the reversed kernel', 'correlation via the conjugate']
>>> x, w = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, 10.0]]])
>>> np.round(claims[2].numeric(x, w).real, 9).tolist()
[[[21.0, 32.0]]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..forms import convolve, correlate, pad
from ..spec import ConvSpec
from .carrier import Root, dft, idft

#: (forward, inverse) transforms: the DFT by its matrix, or an FFT algorithm (``radix2.fft``)
Transforms = tuple[Callable[..., Any], Callable[..., Any]]

__all__ = ["Claim", "linear_claims", "circular_claims"]


def _spatial(rank: int) -> tuple[int, ...]:
    return tuple(range(-rank, 0))


def _product(xf: Any, wf: Any) -> Any:
    """``Σ_c X[n, c] · W[f, c]`` pointwise: (N, C, *S) and (F, C, *S) to (N, F, *S)."""
    return (xf[:, None] * wf[None]).sum(axis=2)


@dataclass(frozen=True)
class Claim:
    """``reference(x, w) == fft(transform_input(x), w)`` on a ConvSpec."""

    name: str
    formula: str
    #: x -> DFT of the padded input (computed once, shared by the claims of a theorem)
    transform_input: Callable[[Any], Any]
    #: (X, w) -> the output by the inverse DFT of the pointwise product
    fft: Callable[[Any, Any], Any]
    #: (x, w) on the ring carrier -> the same output by symconv's own formulations
    reference: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def numeric(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The FFT side on numbers (complex floats), by the same code as the exact run."""
        return self.fft(self.transform_input(x), w)


def _kernel_spectrum(w: Any, rank: int, sizes: tuple[int, ...], roots: tuple[Root, ...], *,
                     reverse: bool = False, shift: tuple[int, ...] = (),
                     conjugate: bool = False, forward: Callable[..., Any] = dft) -> Any:
    """DFT of the kernel (reversed, zero padded to ``sizes``, rolled by ``shift``)."""
    axes = _spatial(rank)
    if reverse:
        w = np.flip(w, axis=axes)
    k = w.shape[2:]
    w = np.pad(w, [(0, 0), (0, 0), *((0, s - kk) for s, kk in zip(sizes, k))])
    if shift:
        w = np.roll(w, shift, axis=axes)
    spectrum = forward(w, roots, axes)
    return np.conjugate(spectrum) if conjugate else spectrum


def linear_claims(spec: ConvSpec, sizes: tuple[int, ...], roots: tuple[Root, ...], *,
                  conjugate: bool = True, transforms: Transforms = (dft, idft)
                  ) -> tuple[Claim, ...]:
    """Linear convolution and correlation of ``spec`` (stride 1, dilation 1, zero padding) by
    DFTs of length ``sizes`` (per axis, each at least the padded input length).

    ``conjugate=False`` omits the conjugation in the third claim (an attack: it fails)."""
    r, axes = spec.rank, _spatial(spec.rank)
    forward, inverse = transforms
    padded, kernel, out = spec.padded_size, spec.kernel_size, spec.output_size
    full = tuple(p + k - 1 for p, k in zip(padded, kernel))

    def transform(x: Any) -> Any:
        widths = [(0, 0), (0, 0), *((pl, pr + s - p) for (pl, pr), s, p in
                                    zip(spec.pads, sizes, padded))]
        return forward(np.pad(x, widths), roots, axes)

    def cut(y: Any, starts: tuple[int, ...], lengths: tuple[int, ...]) -> Any:
        return y[(slice(None), slice(None), *(slice(a, a + n) for a, n in zip(starts, lengths)))]

    def full_fft(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward)
        y = inverse(_product(xf, spectrum), roots, axes)
        return cut(y, (0,) * r, tuple(min(s, f) for s, f in zip(sizes, full)))

    def full_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        big = ConvSpec(padded, kernel, spec.in_channels, spec.out_channels, spec.batch,
                       padding=tuple((k - 1, k - 1) for k in kernel))
        y = convolve(pad(x, spec), w, big)  # length p + k - 1: zero-extend, or truncate
        widths = [(0, 0), (0, 0), *((0, max(s - f, 0)) for s, f in zip(sizes, full))]
        return cut(np.pad(y, widths, constant_values=0), (0,) * r,
                   tuple(min(s, f) for s, f in zip(sizes, full)))

    def reversed_fft(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward, reverse=True)
        y = inverse(_product(xf, spectrum), roots, axes)
        return cut(y, tuple(k - 1 for k in kernel), out)

    def conjugate_fft(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward, conjugate=conjugate)
        return cut(inverse(_product(xf, spectrum), roots, axes), (0,) * r, out)

    def corr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return correlate(x, w, spec)

    n = "×".join(map(str, sizes))
    return (
        Claim("full linear convolution",
              f"convolve(pad(x), w, full) = IDFT_{n}(DFT_{n}(pad(x))·DFT_{n}(w))", transform,
              full_fft, full_reference),
        Claim("correlation via the reversed kernel",
              f"correlate(x, w) = IDFT_{n}(DFT_{n}(pad(x))·DFT_{n}(flip(w)))[k-1 : k-1+o]",
              transform, reversed_fft, corr),
        Claim("correlation via the conjugate",
              f"correlate(x, w) = IDFT_{n}(DFT_{n}(pad(x))·" + (
                  "conj(DFT_{n}(w)))[: o]".replace("{n}", n) if conjugate else
                  f"DFT_{n}(w))[: o]  (conjugation omitted)"),
              transform, conjugate_fft, corr),
    )


def circular_claims(spec: ConvSpec, sizes: tuple[int, ...], roots: tuple[Root, ...], *,
                    transforms: Transforms = (dft, idft)) -> tuple[Claim, ...]:
    """Circular convolution and correlation of ``spec`` (padding_mode='circular', output as
    long as the input) by DFTs of the input's length."""
    r, axes = spec.rank, _spatial(spec.rank)
    forward, inverse = transforms
    left = tuple(pl for pl, _ in spec.pads)
    right_conv = tuple(pr for _, pr in spec.convolution_pads)
    right = tuple(pr for _, pr in spec.pads)

    def transform(x: Any) -> Any:
        return forward(x, roots, axes)

    def conv_fft(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward,
                                    shift=tuple(-p for p in right_conv))
        return inverse(_product(xf, spectrum), roots, axes)

    def corr_reversed(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward, reverse=True,
                                    shift=tuple(-p for p in right))
        return inverse(_product(xf, spectrum), roots, axes)

    def corr_conjugate(xf: Any, w: Any) -> Any:
        spectrum = _kernel_spectrum(w, r, sizes, roots, forward=forward,
                                    shift=tuple(-p for p in left),
                                    conjugate=True)
        return inverse(_product(xf, spectrum), roots, axes)

    n = "×".join(map(str, sizes))
    return (
        Claim("circular convolution",
              f"convolve(x, w) = IDFT_{n}(DFT_{n}(x)·DFT_{n}(roll(w, -p_right)))", transform,
              conv_fft, lambda x, w: convolve(x, w, spec)),
        Claim("circular correlation via the reversed kernel",
              f"correlate(x, w) = IDFT_{n}(DFT_{n}(x)·DFT_{n}(roll(flip(w), -p_right)))",
              transform, corr_reversed, lambda x, w: correlate(x, w, spec)),
        Claim("circular correlation via the conjugate",
              f"correlate(x, w) = IDFT_{n}(DFT_{n}(x)·conj(DFT_{n}(roll(w, -p_left))))",
              transform, corr_conjugate, lambda x, w: correlate(x, w, spec)),
    )
