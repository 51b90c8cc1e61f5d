"""``symconv prove [NAME] [layer options]``: prove theorems and print a table."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable

from ..spec import ConvSpec
from ..theorems import DEFAULT_SPECS, get_theorem, prove, theorems
from .options import add_spec_options, spec_from_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prove", help="prove theorems exactly (all, on the default layers)",
                       description="Prove every theorem on a default set of layers, or one "
                                   "theorem on the layer the options describe.")
    p.add_argument("name", nargs="?", help="one of: " + ", ".join(theorems()))
    p.add_argument("--backend", choices=["ring", "sympy"], default="ring",
                   help="carrier for the symbolic execution (default ring: exact and fast)")
    p.add_argument("--all-sizes", action="store_true",
                   help="prove for every size (all sizes symbolic, ranks 1-3) by checked "
                        "rewrite steps; with NAME print that proof (layer options are ignored)")
    add_spec_options(p)
    p.set_defaults(run=run)


#: Above this many products a proof takes seconds: phases are reported on stderr.
LONG_PROOF_PRODUCTS = 100_000


def _progress(spec: ConvSpec) -> Callable[[str], None] | None:
    products = spec.products_per_output * math.prod(spec.output_shape)
    if products < LONG_PROOF_PRODUCTS:
        return None
    start = time.perf_counter()
    print(f"  proving on {spec.describe()}: {products} products per side", file=sys.stderr)

    def tell(message: str) -> None:
        print(f"  [{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    return tell


def run(args: argparse.Namespace) -> int:
    if args.all_sizes:
        from ..general.report import all_sizes_report

        text, holds = all_sizes_report(args.name)
        print(text)
        return 0 if holds else 1
    if args.name is None:
        names, specs = theorems(), list(DEFAULT_SPECS)
    else:
        names, specs = [get_theorem(args.name).name], [("command line", spec_from_options(args))]
    width = max(len(n) for n in names)
    cfg = max(len(f"{label}: {spec.describe()}") for label, spec in specs)
    header = f"{'theorem':<{width}}  {'configuration':<{cfg}}  {'products':>8}  {'time':>8}  result"
    print(header)
    print("-" * len(header))
    failures, total_time = [], 0.0
    for name in names:
        for label, spec in specs:
            proof = prove(name, spec, backend=args.backend, progress=_progress(spec))
            total_time += proof.elapsed
            result = "proved" if proof else "DISPROVED"
            print(f"{name:<{width}}  {label + ': ' + spec.describe():<{cfg}}  "
                  f"{proof.products:>8}  {proof.elapsed * 1000:>6.1f}ms  {result}", flush=True)
            if not proof:
                failures.append(proof)
    count = len(names) * len(specs)
    print(f"\n{count - len(failures)} of {count} proofs hold ({total_time:.2f} s of proving); "
          "each is an exact comparison of canonical polynomial forms.")
    if args.name is None:
        print("These hold on the configurations above; `symconv prove --all-sizes` proves them "
              "for every size.")
    for proof in failures:
        print("\n" + str(proof), file=sys.stdout)
    return 1 if failures else 0
