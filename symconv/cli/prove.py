"""``symconv prove [NAME] [layer options] [--all-sizes] [--json] [--quiet]``: prove theorems.

With no NAME and no layer option every theorem is proved on the default layers; with layer
options (and no NAME) every theorem is proved on that layer; with NAME, that theorem.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import SymconvError
from ..progress import QUIET, Progress
from ..resources import Estimate, estimate, guard, limited
from ..spec import ConvSpec
from ..theorem import not_applicable
from ..theorems import DEFAULT_SPECS, get_theorem, prove, theorem_names
from .network import add_network_option, run_network
from .options import (
    add_limit_options,
    add_output_options,
    add_spec_options,
    given_options,
    limits_from_options,
    spec_from_options,
)
from .records import document, dumps, general_record, proof_record


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prove", help="prove theorems exactly (all, on the default layers)",
                       description="Prove every theorem on a default set of layers, every "
                                   "theorem on the layer the options describe, or one theorem.")
    name = p.add_argument("name", nargs="?", help="one of: " + ", ".join(theorem_names()))
    name.completer = lambda **_: theorem_names()  # type: ignore[attr-defined]  # argcomplete
    p.add_argument("--backend", choices=["auto", "vector", "ring", "sympy"], default="auto",
                   help="carrier for the symbolic execution (default auto: the vector carrier "
                        "from 20,000 products on, the Polynomial ring below; all are exact)")
    p.add_argument("--all-sizes", action="store_true",
                   help="prove for every size (all sizes symbolic, ranks 1-3) by checked "
                        "rewrite steps; with NAME print that proof (takes no layer options)")
    add_spec_options(p)
    add_output_options(p)
    add_limit_options(p)
    add_network_option(p)
    p.set_defaults(run=run)


#: Above this estimated time a proof shows its phases on stderr (when stderr is a terminal).
LONG_PROOF_SECONDS = 2.0


def _guard(args: argparse.Namespace, specs: list[tuple[str, ConvSpec]]) -> list[Estimate]:
    """Estimate every planned proof before any is built (all theorems on a layer count
    together); refuse at once, with the estimate, what is over the limits."""
    return [guard(spec, "prove", theorem=args.name, backend=args.backend) for _, spec in specs]


def _progress(progress: Progress, name: str, spec: ConvSpec, backend: str) -> Progress:
    """``progress`` for a proof estimated to take seconds (announced with its estimate), else
    :data:`QUIET`."""
    est = estimate(spec, "prove", theorem=name, backend=backend)
    if not progress.enabled or est.seconds < LONG_PROOF_SECONDS:
        return QUIET
    progress.message(f"proving {name} on {spec.describe()}: estimated {est} "
                     f"({est.carrier} carrier)")
    return progress


def _all_sizes(args: argparse.Namespace) -> int:
    given = given_options(args)
    if given:
        raise SymconvError(f"--all-sizes: proves every size at once, so {', '.join(given)} "
                           "cannot apply; drop the layer options or drop --all-sizes")
    from ..general.registry import INSTANCE_ONLY, RANKS, general_theorems, prove_general

    if args.json:
        names = general_theorems() if args.name is None else [args.name]
        proofs = [prove_general(name, rank) for name in names for rank in RANKS]
        holds = all(proofs)
        records = [general_record(p, steps=args.name is not None) for p in proofs]
        print(dumps(document("prove", holds, all_sizes=True, count=len(proofs),
                             held=sum(map(bool, proofs)), proofs=records,
                             instance_only=INSTANCE_ONLY if args.name is None else {})))
        return 0 if holds else 1
    from ..general.report import all_sizes_report

    text, holds = all_sizes_report(args.name)
    if not args.quiet:
        print(text)
    elif not holds:
        print("\n".join(line for line in text.splitlines()
                        if line.startswith(("DISPROVED", "NOT PROVED"))
                        or line.rstrip().endswith(("disproved", "not proved"))))
    return 0 if holds else 1


def _plan(args: argparse.Namespace) -> tuple[list[str], list[tuple[str, ConvSpec]]]:
    names = theorem_names() if args.name is None else [get_theorem(args.name).name]
    if args.name is None and not given_options(args):
        return names, list(DEFAULT_SPECS)
    return names, [("command line", spec_from_options(args))]


def run(args: argparse.Namespace) -> int:
    with limited(**limits_from_options(args)):  # also the guards inside theorems.prove
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.network is not None:
        return run_network(args)
    if args.all_sizes:
        return _all_sizes(args)
    names, specs = _plan(args)
    _guard(args, specs)
    progress = Progress(enabled=False if args.quiet else None)
    text = not (args.json or args.quiet)
    width = max(len(n) for n in names)
    cfg = max(len(f"{label}: {spec.describe()}") for label, spec in specs)
    header = f"{'theorem':<{width}}  {'configuration':<{cfg}}  {'products':>8}  {'time':>8}  result"
    if text:
        print(header)
        print("-" * len(header))
    failures, records, skipped, total_time = [], [], [], 0.0
    for name in names:
        for label, spec in specs:
            reason = "" if args.name is not None else not_applicable(get_theorem(name), spec)
            if reason:  # every theorem on every layer: say which pairs the theorems skip
                skipped.append({"theorem": name, "layer": label, "reason": reason})
                if text:
                    print(f"{name:<{width}}  {label + ': ' + spec.describe():<{cfg}}  "
                          f"{'':>8}  {'':>8}  does not apply ({reason.split(': ')[0]})")
                continue
            proof = prove(name, spec, backend=args.backend,
                          progress=_progress(progress, name, spec, args.backend))
            total_time += proof.elapsed
            records.append(proof_record(name, label, spec, proof))
            if text:
                result = "proved" if proof else "DISPROVED"
                print(f"{name:<{width}}  {label + ': ' + spec.describe():<{cfg}}  "
                      f"{proof.products:>8}  {proof.elapsed * 1000:>6.1f}ms  {result}", flush=True)
            if not proof:
                failures.append(proof)
    count = len(records)
    if args.json:
        print(dumps(document("prove", not failures, all_sizes=False, count=count,
                             held=count - len(failures), seconds=total_time, proofs=records,
                             skipped=skipped)))
        return 1 if failures else 0
    if args.quiet:
        for proof in failures:
            print(f"DISPROVED: {proof.statement}")
        return 1 if failures else 0
    _summary(count, failures, total_time, args, skipped)
    return 1 if failures else 0


def _summary(count: int, failures: list[Any], total_time: float, args: argparse.Namespace,
             skipped: list[dict[str, str]]) -> None:
    print(f"\n{count - len(failures)} of {count} proofs hold ({total_time:.2f} s of proving); "
          "each is an exact comparison of canonical forms.")
    if skipped:
        print(f"{len(skipped)} theorem/layer pairs do not apply and were not run (the "
              "theorem's conditions exclude the layer: `symconv prove NAME` with the layer's "
              "options prints the reason).")
    if args.name is None:
        where = ("the configurations above" if not given_options(args)
                 else "the layer the command line describes")
        print(f"These hold on {where}; `symconv prove --all-sizes` proves them for every size.")
    for proof in failures:
        print("\n" + str(proof), file=sys.stdout)

