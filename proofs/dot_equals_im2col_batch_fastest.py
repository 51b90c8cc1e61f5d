"""Proof script for theorem dot-equals-im2col-batch-fastest: vec(patch) . vec(kernel) at every
position = W_row @ X_col, columns batch-fastest.

Run ``python proofs/dot_equals_im2col_batch_fastest.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("dot-equals-im2col-batch-fastest")
print(report)
sys.exit(0 if report else 1)
