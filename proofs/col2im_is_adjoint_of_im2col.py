"""Proof script for theorem col2im-is-adjoint-of-im2col.

<im2col(x), cols> = <x, col2im(cols)> (columns batch-slowest).

Run ``python proofs/col2im_is_adjoint_of_im2col.py``:
prints the transcript, exits 1 if any configuration fails.
"""

import sys

from symconv.report import transcript

report = transcript("col2im-is-adjoint-of-im2col")
print(report)
sys.exit(0 if report else 1)
