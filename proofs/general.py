"""Proof script for every theorem with a general proof: all sizes symbolic, ranks 1, 2 and 3.

Run ``python proofs/general.py``: prints the table (``symconv prove --all-sizes``) and the
transcript of each theorem at rank 2, exits 1 if any general proof fails.
"""

import sys

from symconv.general import general_theorems, prove_general
from symconv.general.report import all_sizes_report

table, holds = all_sizes_report()
print(table)
for name in general_theorems():
    print()
    print(prove_general(name, rank=2))
sys.exit(0 if holds else 1)
