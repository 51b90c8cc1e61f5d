"""Proof script for theorem fft-circular-convolution, exactly in the cyclotomic field Q(ζ_N).

Run ``python proofs/fft_circular_convolution.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.fourier.report import fft_transcript

report = fft_transcript("fft-circular-convolution")
print(report)
sys.exit(0 if report else 1)
