"""The cost model of :func:`~symconv.fourier.theorems.prove_fft`: time and peak memory from the
transform sizes, before any work, so that an oversized layer is refused up front.

The exact FFT proof holds dense arrays of Q(ζ_m) coefficients, one per (position, x-variable,
w-variable, power of ζ), with ``m = lcm(N)`` of the transform lengths ``N``.  With batch ``B``,
channels ``C -> F``, ``S = prod(N)``, ``VX = B·C·prod(input)`` and ``VW = F·C·prod(kernel)``:

* the input's spectrum has ``EX = B·C·S·VX·m`` entries (held for the whole proof);
* each of the three claims multiplies it by the kernel's spectrum, ``EP = B·F·C·S·VX·VW·m``
  entries, each a cyclic convolution of ``m`` coefficients (``EP·m`` multiply-adds, as
  ``m×m`` circulant blocks), in chunks of w-variables, and transforms back
  ``EY = B·F·S·VX·VW·m`` entries;
* a transform along an axis of length n makes ``n`` passes over its array (the DFT by its
  matrix) or ``log2 n`` (radix-2);
* the ring-carrier reference has ``B·F·C·prod(kernel)`` products per output position of each
  claim, read once per chunk.

The constants (:data:`FFT_TIME`, :data:`FFT_MEMORY`) are fitted to 21 layers, 1-D and 2-D, DFT
and radix-2, linear and circular, 4 ms to 20 s, 1 MiB to 640 MiB, each in a fresh process,
median of 3, at load ~4 on 2 cores (least squares of log ratio, non-negative):
``benchmarks/fft_cost.py`` measures and fits.  The fit is within 0.46x-2.3x of the measured
time and 0.74x-1.5x of the peak memory on every one of them.

>>> from symconv import ConvSpec
>>> small = estimate_fft("fft-linear-convolution", ConvSpec((8,), (3,)))
>>> small.carrier, small.seconds < 1, small.bytes < 2**30
('cyclotomic', True, True)
>>> print(estimate_fft("fft-linear-convolution", ConvSpec((224, 224), (3, 3), padding=1)))
1.4e6 products, ~253 days, ~46 TiB
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from ..errors import SpecError
from ..spec import ConvSpec

__all__ = ["FFTWork", "fft_work", "estimate_fft", "FFT_TIME", "FFT_MEMORY"]

#: Seconds per unit of each time term of :class:`FFTWork` (``fixed``: once).  Terms the fit set
#: to (almost) zero are kept at 0 so that the model's shape stays visible.
FFT_TIME = {"fixed": 1e-3, "transform": 2.3e-9, "butterfly": 1.6e-8, "multiply": 1.8e-10,
            "wide": 4.5e-12, "circulant": 0.0, "steps": 0.0, "reference": 7.3e-5}
#: Bytes per unit of each memory term (``fixed``: once), above the imported library.
FFT_MEMORY = {"fixed": 5e5, "spectrum": 37.0, "chunk": 24.0, "chunk_circulant": 0.0,
              "products": 2000.0}

#: As in :mod:`~symconv.fourier.theorems`: entries of one chunk of the product.
CHUNK_ENTRIES = 20_000_000
#: Claims per theorem (:mod:`~symconv.fourier.sides`), each a product and an inverse transform.
CLAIMS = 3


@dataclass(frozen=True)
class FFTWork:
    """The counts the cost model weighs (see the module docstring)."""

    products: int        #: products x_j·w_i of the reference, over the three claims
    transform: int       #: entry-passes of every DFT / inverse DFT by its matrix
    butterfly: int       #: entry-passes of every radix-2 FFT / inverse FFT
    multiply: int        #: multiply-adds of the pointwise products (cyclic convolutions)
    wide: int            #: multiply-adds times m (BLAS slows down as the m×m blocks grow)
    circulant: int       #: entries of the circulant matrices the products build
    steps: int           #: Python-level steps of the transforms
    reference: int       #: reference products read, summed over chunks
    spectrum: int        #: entries of the input's spectrum (held throughout)
    chunk: int           #: entries of the largest chunk's product arrays
    chunk_circulant: int  #: entries of the largest chunk's circulant matrices

    def seconds(self) -> float:
        """Predicted wall time: :data:`FFT_TIME` weighs the counts."""
        return FFT_TIME["fixed"] + sum(c * getattr(self, k) for k, c in FFT_TIME.items()
                                       if k != "fixed")

    def bytes(self) -> int:
        """Predicted peak memory above the imported library: :data:`FFT_MEMORY` weighs the
        counts."""
        return int(FFT_MEMORY["fixed"] + sum(c * getattr(self, k) for k, c in
                                             FFT_MEMORY.items() if k != "fixed"))

    def counts(self) -> dict[str, int]:
        """Every count by name (what :mod:`benchmarks.fft_cost` fits)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _sizes(name: str, spec: ConvSpec, size: Any, algorithm: str) -> tuple[int, ...]:
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spec.rank
        if len(sizes) == spec.rank and all(isinstance(s, int) and s >= 1 for s in sizes):
            return sizes
        raise SpecError(f"size: expected {spec.rank} positive transform length(s), got {size!r}")
    if name == "fft-circular-convolution":
        return tuple(spec.input_size)
    full = tuple(p + k - 1 for p, k in zip(spec.padded_size, spec.kernel_size))
    return tuple(1 << (n - 1).bit_length() for n in full) if algorithm == "radix-2" else full


def _passes(n: int, algorithm: str) -> tuple[int, int]:
    """(entry-passes over the array, Python steps) of one transform along an axis of length n."""
    if algorithm == "radix-2":
        levels = max(1, (n - 1).bit_length())
        return levels, 6 * n
    return n, n * n


def fft_work(name: str, spec: ConvSpec, *, size: Any = None, algorithm: str = "dft") -> FFTWork:
    """The counts of :func:`~symconv.fourier.theorems.prove_fft` on ``spec`` (arithmetic only).

    >>> w = fft_work("fft-linear-convolution", ConvSpec((3,), (2,)))
    >>> w.spectrum, w.multiply  # X: 4 positions x 3 variables x m=4; EP·m = 4·3·2·4·4, 3 claims
    (48, 1152)
    """
    sizes = _sizes(name, spec, size, algorithm)
    b, c, f = spec.batch, spec.in_channels, spec.out_channels
    m = math.lcm(*sizes)
    s = math.prod(sizes)
    vx = b * c * math.prod(spec.input_size)
    vw = f * c * math.prod(spec.kernel_size)
    ex, ep = b * c * s * vx * m, b * f * c * s * vx * vw * m
    ey, ew = b * f * s * vx * vw * m, f * c * s * vw * m
    passes = [_passes(n, algorithm) for n in sizes]
    radix2 = algorithm == "radix-2"
    per_entry = sum(p for p, _ in passes)
    per_axis_steps = sum(q for _, q in passes)
    per = max(1, min(vw, CHUNK_ENTRIES // max(1, b * f * c * s * vx * m)))
    chunks = -(-vw // per)
    kernel = math.prod(spec.kernel_size)
    full = tuple(p + k - 1 for p, k in zip(spec.padded_size, spec.kernel_size))
    out = math.prod(spec.output_size)
    first = math.prod(full) if name == "fft-linear-convolution" else out
    products = b * f * c * kernel * (first + (CLAIMS - 1) * out)
    p_chunk = b * f * c * s
    return FFTWork(
        products=products,
        transform=0 if radix2 else per_entry * (ex + CLAIMS * (ew + ey)),
        butterfly=per_entry * (ex + CLAIMS * (ew + ey)) if radix2 else 0,
        multiply=CLAIMS * ep * m,
        wide=CLAIMS * ep * m * m,
        circulant=CLAIMS * p_chunk * vw * m * m,
        steps=per_axis_steps * (1 + 2 * CLAIMS * chunks),
        reference=products * chunks,
        spectrum=ex,
        chunk=p_chunk * per * m * vx + b * f * s * vx * per * m,
        chunk_circulant=p_chunk * per * m * m,
    )


def estimate_fft(name: str, spec: ConvSpec, *, size: Any = None, algorithm: str = "dft"
                 ) -> Any:
    """The :class:`~symconv.resources.Estimate` of ``prove_fft(name, spec, size=...,
    algorithm=...)``: the products it compares, the time, the peak memory, carrier
    ``'cyclotomic'``.  :func:`symconv.resources.estimate` and ``guard`` use it for the FFT
    theorems.

    >>> e = estimate_fft("fft-linear-convolution", ConvSpec((16, 16), (3, 3), padding=1))
    >>> e.products, 1 < e.seconds < 60, 2**28 < e.bytes < 2**31
    (8208, True, True)
    """
    from ..resources import Estimate
    from .theorems import ALGORITHMS, fft_theorem

    fft_theorem(name)  # an unknown name raises with the known ones
    if algorithm not in ALGORITHMS:
        raise SpecError(f"algorithm: expected one of {', '.join(ALGORITHMS)}, got "
                        f"{algorithm!r}")
    work = fft_work(name, spec, size=size, algorithm=algorithm)
    return Estimate(work.products, work.seconds(), work.bytes(), "cyclotomic")
