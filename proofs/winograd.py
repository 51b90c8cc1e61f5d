"""Proof script for Winograd minimal filtering F(m, r) and the tiled theorem.

Proves F(2,3), F(4,3), F(6,3), F(2×2,3×3), F(4×4,3×3), F(3×3,2×2) exactly (with their
multiplication counts), then ``winograd-equals-correlation`` on the default layers.

Run ``python proofs/winograd.py``: prints the transcript, exits 1 if anything fails.
"""

import sys

from symconv import DEFAULT_SPECS, prove
from symconv.winograd import WINOGRAD_THEOREM, prove_winograd

CASES = ((2, 3, 1), (4, 3, 1), (6, 3, 1), (2, 3, 2), (4, 3, 2), (3, 2, 2))

ok = True
print("Winograd F(m, r): the transforms equal the correlation")
for m, r, rank in CASES:
    proof = prove_winograd(m, r, rank=rank)
    ok &= bool(proof)
    verdict = "PROVED" if proof else "DISPROVED"
    print(f"  {verdict}: {proof.statement.split(':')[0]}: {proof.multiplications} "
          f"multiplications instead of {proof.direct_multiplications} "
          f"({float(proof.saving):.2f}x fewer), {proof.elapsed * 1000:.1f} ms")
print(f"Theorem {WINOGRAD_THEOREM.name}: {WINOGRAD_THEOREM.statement}")
for label, spec in DEFAULT_SPECS:
    proof = prove(WINOGRAD_THEOREM, spec)
    ok &= bool(proof)
    print(f"  {'PROVED' if proof else 'DISPROVED'}: {label} ({spec.describe()}), "
          f"{proof.positions} outputs, {proof.elapsed:.2f} s")
print("all proved exactly." if ok else "FAILED.")
sys.exit(0 if ok else 1)
