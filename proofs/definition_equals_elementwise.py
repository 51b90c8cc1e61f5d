"""Proof script for theorem definition-equals-elementwise: the definition sum_{c,u} w[f,c,u]
x[n,c,o*s+u*d] is the sum of the element-wise product of receptive field and kernel.

Run ``python proofs/definition_equals_elementwise.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("definition-equals-elementwise")
print(report)
sys.exit(0 if report else 1)
