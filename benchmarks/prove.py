"""How fast are exact proofs? symconv's ring backend against sympy, measured in the same run.

    python benchmarks/prove.py            # layers up to 3x16x16 for every method (~1 min)
    python benchmarks/prove.py --full     # adds the 3x32x32, 8-filter layer for sympy (minutes)

For each layer it proves the chain definition = element-wise sum = dot = im2col
(theorem ``all-formulations-agree``) three ways and prints seconds and ratios:

* ring:   symbolic execution on symconv.ring.Polynomial, canonical forms compared (the default);
* sympy:  the same code on sympy symbols, canonical forms compared (``backend='sympy'``);
* naive:  sympy symbols, then ``sympy.expand(left - right) == 0`` entry by entry, the way one
          would check it by hand in a notebook.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy

from symconv import ConvSpec, get_theorem, prove, symbolic_input, symbolic_weight

LAYERS = [
    ("seed 5x5 * 3x3", ConvSpec((5, 5), (3, 3))),
    ("3x8x8, 4 filters 3x3", ConvSpec((8, 8), (3, 3), in_channels=3, out_channels=4)),
    ("3x16x16, 8 filters 3x3", ConvSpec((16, 16), (3, 3), in_channels=3, out_channels=8)),
]
FULL = ("3x32x32, 8 filters 3x3", ConvSpec((32, 32), (3, 3), in_channels=3, out_channels=8))


def naive(spec: ConvSpec) -> float:
    thm = get_theorem("all-formulations-agree")
    start = time.perf_counter()
    x, w = symbolic_input(spec), symbolic_weight(spec)
    diff = thm.left(x, w, spec) - thm.right(x, w, spec)
    assert all(sympy.expand(d) == 0 for d in diff.reshape(-1))
    return time.perf_counter() - start


def timed(spec: ConvSpec, backend: str) -> tuple[float, int]:
    proof = prove("all-formulations-agree", spec, backend=backend)
    assert proof, str(proof)
    return proof.elapsed, proof.products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="include the 3x32x32 layer")
    args = parser.parse_args()
    layers = LAYERS + [FULL] if args.full else LAYERS + [(FULL[0] + " (ring only)", FULL[1])]
    print(f"{'layer':<34}{'products':>9}{'ring s':>9}{'sympy s':>9}{'naive s':>9}"
          f"{'sympy/ring':>12}{'naive/ring':>12}")
    ratios = []
    for label, spec in layers:
        ring, products = timed(spec, "ring")
        if "ring only" in label:
            print(f"{label:<34}{products:>9}{ring:>9.2f}{'-':>9}{'-':>9}{'-':>12}{'-':>12}")
            continue
        sym, _ = timed(spec, "sympy")
        nv = naive(spec)
        ratios.append(sym / ring)
        print(f"{label:<34}{products:>9}{ring:>9.2f}{sym:>9.2f}{nv:>9.2f}"
              f"{sym / ring:>11.1f}x{nv / ring:>11.1f}x", flush=True)
    print(f"\nmedian sympy/ring ratio: {np.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
