"""Proof script for theorem all-formulations-agree: definition = element-wise sum = flattened dot =
im2col matmul, as one chain (position [0, ...] compares the first pair, [1, ...] the second, [2,
...] the third).

Run ``python proofs/all_formulations_agree.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("all-formulations-agree")
print(report)
sys.exit(0 if report else 1)
