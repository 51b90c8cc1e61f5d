"""Proof script for theorem transposed-is-zero-insertion.

conv_transpose(y, w) = correlate(pad(zero_insert(y, s), d(k-1) - p, + output_padding far side),
flip(w) with its channel axes swapped per group), stride 1, dilation d.

Run ``python proofs/transposed_is_zero_insertion.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("transposed-is-zero-insertion")
print(report)
sys.exit(0 if report else 1)
