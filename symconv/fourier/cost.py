"""The cost model of :func:`~symconv.fourier.theorems.prove_fft`: time and peak memory from the
transform sizes, before any work, so that an oversized layer is refused up front.

The exact FFT proof holds arrays of Q(ζ_m) coefficients, one per (position, x-variable,
w-variable, power of ζ), sparse over the (batch, channel) planes: an entry of the input's
spectrum holds its own plane's variables only, a product ``X[n, c]·W[f, c]`` that pair of planes
(``m = lcm(N)`` of the transform lengths ``N``).  With batch ``B``, channels ``C -> F``,
``S = prod(N)``, ``I = prod(input)`` and ``K = prod(kernel)`` variables per plane:

* the input's spectrum has ``EX = B·C·S·I·m`` entries (held for the whole proof);
* each of the three claims multiplies it by the kernel's spectrum (``EW = F·C·S·K·m``),
  ``EP = B·F·C·S·I·K·m`` entries, each a cyclic convolution of ``m`` coefficients (``EP·m``
  multiply-adds, as ``m×m`` circulant blocks), in chunks of kernel taps; the channel sum keeps
  the ``C`` terms of each output entry apart, so the inverse transform runs on ``EY = EP``
  entries, and the comparison sorts their ``EP/m`` coefficient vectors (``sparse``);
* a transform along an axis of length n makes ``n`` passes over its array, each ``m`` times
  the work for ``m <= 24`` where it runs as matrix products (the DFT by its matrix), or
  ``log2 n`` passes (radix-2);
* the ring-carrier reference has ``B·F·C·prod(kernel)`` products per output position of each
  claim, read once.

The constants (:data:`FFT_TIME`, :data:`FFT_MEMORY`) are fitted to 26 layers, 1-D and 2-D, DFT
and radix-2, linear and circular, one to 8 channels, 20 ms to 10 s, 2 MiB to 720 MiB, each in a
fresh process, median of 3, at load 1.2-2.4 on 2 cores shared with other work (least squares
of log ratio, non-negative): ``benchmarks/fft_cost.py`` measures and fits.  The fit is within
0.36x-2.7x of the measured time (above 1 s: 0.36x-1.0x) and 0.74x-1.3x of the peak memory on
every one of them.

>>> from symconv import ConvSpec
>>> small = estimate_fft("fft-linear-convolution", ConvSpec((8,), (3,)))
>>> small.carrier, small.seconds < 1, small.bytes < 2**30
('cyclotomic', True, True)
>>> print(estimate_fft("fft-linear-convolution", ConvSpec((224, 224), (3, 3), padding=1)))
1.4e6 products, ~224 days, ~30 TiB
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from ..errors import SpecError
from ..spec import ConvSpec
from .transforms import MATMUL_ORDER

__all__ = ["FFTWork", "fft_work", "estimate_fft", "FFT_TIME", "FFT_MEMORY"]

#: Seconds per unit of each time term of :class:`FFTWork` (``fixed``: once).  Terms the fit set
#: to (almost) zero are kept at 0 so that the model's shape stays visible.
FFT_TIME = {"fixed": 0.049, "transform": 2.8e-11, "butterfly": 0.0, "multiply": 0.0,
            "wide": 1.7e-11, "circulant": 0.0, "steps": 0.0, "reference": 7.9e-6,
            "sparse": 6e-7}
#: Bytes per unit of each memory term (``fixed``: once), above the imported library.
FFT_MEMORY = {"fixed": 2.6e6, "spectrum": 0.0, "chunk": 28.0, "chunk_circulant": 0.0,
              "products": 770.0}

#: As in :mod:`~symconv.fourier.theorems`: entries of one chunk of the product.
CHUNK_ENTRIES = 20_000_000
#: Claims per theorem (:mod:`~symconv.fourier.sides`), each a product and an inverse transform.
CLAIMS = 3


@dataclass(frozen=True)
class FFTWork:
    """The counts the cost model weighs (see the module docstring)."""

    products: int        #: products x_j·w_i of the reference, over the three claims
    transform: int       #: entry-passes of every DFT / inverse DFT, times min(m, 24)
    butterfly: int       #: entry-passes of every radix-2 FFT / inverse FFT
    multiply: int        #: multiply-adds of the pointwise products (cyclic convolutions)
    wide: int            #: multiply-adds times m (BLAS slows down as the m×m blocks grow)
    circulant: int       #: entries of the circulant matrices the products build
    steps: int           #: Python-level steps of the transforms
    reference: int       #: reference products read
    spectrum: int        #: entries of the input's spectrum (held throughout)
    chunk: int           #: entries of the largest chunk's product arrays
    chunk_circulant: int  #: entries of the largest chunk's circulant matrices
    sparse: int = 0      #: coefficient vectors the comparison sorts, over the three claims

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
    """(entry-passes over the array, Python steps) of one transform along an axis of length n
    (the DFT by its matrix: one matrix product, n multiply-adds per entry and power of ζ)."""
    if algorithm == "radix-2":
        levels = max(1, (n - 1).bit_length())
        return levels, 6 * n
    return n, 1


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
    vx, vw = math.prod(spec.input_size), math.prod(spec.kernel_size)  # per plane
    ex, ep = b * c * s * vx * m, b * f * c * s * vx * vw * m
    ey, ew = ep, f * c * s * vw * m  # the channel sum keeps its C terms apart
    passes = [_passes(n, algorithm) for n in sizes]
    radix2 = algorithm == "radix-2"
    per_entry = sum(p for p, _ in passes)
    per_axis_steps = sum(q for _, q in passes)
    per = max(1, min(vw, CHUNK_ENTRIES // max(1, b * f * c * s * vx * m)))
    chunks = -(-vw // per)
    full = tuple(p + k - 1 for p, k in zip(spec.padded_size, spec.kernel_size))
    out = math.prod(spec.output_size)
    first = math.prod(full) if name == "fft-linear-convolution" else out
    products = b * f * c * vw * (first + (CLAIMS - 1) * out)
    p_chunk = b * f * c * s
    passed = per_entry * (ex + CLAIMS * (ew + ey))
    return FFTWork(
        products=products,
        transform=0 if radix2 else passed * min(m, MATMUL_ORDER),
        butterfly=passed if radix2 else 0,
        multiply=CLAIMS * ep * m,
        wide=CLAIMS * ep * m * m,
        circulant=CLAIMS * p_chunk * vw * m * m,
        steps=per_axis_steps * (1 + 2 * CLAIMS * chunks),
        reference=products,
        spectrum=ex,
        chunk=2 * p_chunk * per * m * vx,
        chunk_circulant=p_chunk * per * m * m,
        sparse=CLAIMS * ep // m,
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
