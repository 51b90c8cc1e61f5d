"""Proof script for theorem transposed-is-adjoint.

<conv(x, w), y> = <x, conv_transpose(y, w)> for every x, w and y (the matrix of the transposed
convolution is C^T).

Run ``python proofs/transposed_is_adjoint.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("transposed-is-adjoint")
print(report)
sys.exit(0 if report else 1)
