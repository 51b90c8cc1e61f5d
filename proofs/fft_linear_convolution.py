"""Proof script for theorem fft-linear-convolution, exactly in the cyclotomic field Q(ζ_N).

Run ``python proofs/fft_linear_convolution.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.fourier.report import fft_transcript

report = fft_transcript("fft-linear-convolution")
print(report)
sys.exit(0 if report else 1)
