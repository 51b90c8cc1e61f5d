"""Proof script for theorem convolution-is-flipped-correlation: true convolution = cross-
correlation with the kernel mirrored in every spatial axis.

Run ``python proofs/convolution_is_flipped_correlation.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("convolution-is-flipped-correlation")
print(report)
sys.exit(0 if report else 1)
