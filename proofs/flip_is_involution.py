"""Proof script for theorem flip-is-involution: flip(flip(w)) = w.

Run ``python proofs/flip_is_involution.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("flip-is-involution")
print(report)
sys.exit(0 if report else 1)
