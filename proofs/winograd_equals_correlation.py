"""Proof script for theorem winograd-equals-correlation.

Tiled Winograd F(2, r) (overlapping input tiles, border tiles zero-padded, channels summed in the
transformed domain; stride and dilation by the polyphase split) equals correlation, exactly.
``python proofs/winograd.py`` proves the transforms F(m, r) themselves.

Run ``python proofs/winograd_equals_correlation.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("winograd-equals-correlation")
print(report)
sys.exit(0 if report else 1)
