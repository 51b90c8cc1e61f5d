"""Proof script for theorem elementwise-equals-dot: sum(patch * kernel) (element-wise, then summed)
= vec(patch) . vec(kernel).

Run ``python proofs/elementwise_equals_dot.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("elementwise-equals-dot")
print(report)
sys.exit(0 if report else 1)
