"""Proof script for theorem weight-gradient-is-correlation.

dL/dw[f,c,u] = sum_{n,o} dout[n,f,o] * xpad[n,c,o*s+u*d] for L = sum(dout * correlate(x, w)),
dL/dw by exact differentiation of L.

Run ``python proofs/weight_gradient_is_correlation.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("weight-gradient-is-correlation")
print(report)
sys.exit(0 if report else 1)
