"""Proof script for theorem input-gradient-is-transposed-convolution.

dL/dx = conv_transpose(dout, w) for L = sum(dout * correlate(x, w)), dL/dx by exact
differentiation of L.

Run ``python proofs/input_gradient_is_transposed_convolution.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("input-gradient-is-transposed-convolution")
print(report)
sys.exit(0 if report else 1)
