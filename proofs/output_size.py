"""Proof script for theorem output-size: floor((i + pl + pr - d(k-1) - 1)/s) + 1 = number of window
positions that fit.

Run ``python proofs/output_size.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("output-size")
print(report)
sys.exit(0 if report else 1)
