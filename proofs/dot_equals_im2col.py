"""Proof script for theorem dot-equals-im2col: vec(patch) . vec(kernel) at every position = W_row @
X_col, columns batch-slowest.

Run ``python proofs/dot_equals_im2col.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("dot-equals-im2col")
print(report)
sys.exit(0 if report else 1)
