"""FFT convolution, proved exactly: the cyclotomic field Q(ζ_m), a DFT carrier, the theorems.

* :mod:`~symconv.fourier.cyclotomic` - Φ_m (checked) and :class:`Cyclotomic` elements;
* :mod:`~symconv.fourier.carrier` - :class:`Forms` (bilinear forms with Q(ζ_m) coefficients,
  sparse over the (batch, channel) planes of their variables);
* :mod:`~symconv.fourier.transforms` - :func:`dft` / :func:`idft`, written once for Forms and
  complex numpy arrays;
* :mod:`~symconv.fourier.radix2` - the Cooley–Tukey FFT on the same carrier
  (``prove_fft(..., algorithm='radix-2')`` proves the algorithm itself);
* :mod:`~symconv.fourier.sides` - the FFT side of each claim, and symconv's formulation it is
  compared with;
* :mod:`~symconv.fourier.theorems` - :data:`FFT_THEOREMS` and :func:`prove_fft`;
* :mod:`~symconv.fourier.report` - transcripts on a set of layers (``proofs/fft_*.py``).

>>> from symconv import ConvSpec
>>> bool(FFT_THEOREMS["fft-linear-convolution"].prove(ConvSpec((3, 3), (2, 2))))
True
"""

from __future__ import annotations

from .carrier import Forms, Root, dft, idft
from .cyclotomic import Cyclotomic, cyclotomic_polynomial, reduction_matrix
from .radix2 import fft, ifft
from .report import FFT_SPECS, fft_transcript
from .sides import Claim, circular_claims, linear_claims
from .theorems import FFT_THEOREMS, FFTTheorem, check_fft_spec, fft_theorem, prove_fft

__all__ = ["Cyclotomic", "cyclotomic_polynomial", "reduction_matrix", "Forms", "Root", "dft",
           "idft", "fft", "ifft", "Claim", "linear_claims", "circular_claims", "FFTTheorem",
           "FFT_THEOREMS", "fft_theorem", "prove_fft", "check_fft_spec", "FFT_SPECS",
           "fft_transcript"]
