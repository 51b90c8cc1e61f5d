"""``symconv prove --network NET [NAME] [--input N]``: prove the theorems on every conv layer of
a whole network (:mod:`symconv.networks`), each distinct layer once.

Proves ``all-formulations-agree`` and ``convolution-is-flipped-correlation`` (or the one of them
NAME picks) exactly with :func:`symconv.theorems.prove`, and prints one row per distinct layer
(the spec, its products, the time of each theorem, the result, the layers using it) and a total.
Exit 0 when every proof holds, 1 when one is disproved (its counterexample is printed), 2 on bad
input.

>>> from symconv.cli.network import network_plan
>>> theorems, size = network_plan(None, "224", ["--input"])
>>> theorems, size
(('all-formulations-agree', 'convolution-is-flipped-correlation'), 224)
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..engine import Proof
from ..errors import ResourceError, SpecError, SymconvError
from ..networks import distinct_layers, layer_products, network_layers, network_names
from ..progress import Progress
from ..resources import Estimate, guard, limits
from ..spec import ConvSpec
from ..theorems import prove
from .options import given_options, option_error, parse_sizes
from .records import document, dumps, proof_record

__all__ = ["NETWORK_THEOREMS", "add_network_option", "network_plan", "network_record",
           "guard_network", "run_network"]

#: The theorems ``--network`` proves on every layer, and the short names of their table columns.
NETWORK_THEOREMS = {"all-formulations-agree": "agree",
                    "convolution-is-flipped-correlation": "flip"}

#: Layers with at least this many products report their proof's phases (above the bar).
LONG_LAYER_PRODUCTS = 1_000_000


def add_network_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--network NET`` to ``symconv prove``'s parser."""
    opt = parser.add_argument(
        "--network", metavar="NET",
        help="prove all-formulations-agree and convolution-is-flipped-correlation exactly on "
             "every conv layer of NET (" + ", ".join(network_names()) + "; torchvision's "
             "architectures, batch 1), each distinct layer once, and print a table with a "
             "total; NAME, if given, picks one of those two theorems; --input N sets the image "
             "size (default 224); the other layer options and --all-sizes are refused")
    opt.completer = lambda **_: network_names()  # type: ignore[attr-defined]  # argcomplete


def network_plan(name: str | None, input_text: str, given: list[str]
                 ) -> tuple[tuple[str, ...], int]:
    """The theorems to prove and the image size, from ``prove``'s NAME, ``--input`` and the
    layer options typed; anything ``--network`` cannot honour raises a one-line error.

    >>> network_plan("convolution-is-flipped-correlation", "32x32", ["--input"])
    (('convolution-is-flipped-correlation',), 32)
    >>> network_plan("dot-equals-im2col", "5x5", [])
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: NAME: --network proves all-formulations-agree or ...
    """
    if name is None:
        theorems = tuple(NETWORK_THEOREMS)
    elif name in NETWORK_THEOREMS:
        theorems = (name,)
    else:
        raise SymconvError(f"NAME: --network proves {' or '.join(NETWORK_THEOREMS)}, got "
                           f"{name!r}; drop NAME to prove both, or prove {name} on one layer "
                           "with --input/--kernel")
    others = [option for option in given if option != "--input"]
    if others:
        raise SymconvError(f"--network: the network fixes every layer, so {', '.join(others)} "
                           "cannot apply; drop them (only --input N, the image size, is taken)")
    if "--input" not in given:
        return theorems, 224
    sizes = parse_sizes("--input", input_text)
    if len(sizes) > 2 or len(set(sizes)) != 1:
        raise SymconvError(f"--input: expected one image size N (or NxN) with --network, got "
                           f"{input_text!r}; the networks take square images, e.g. --input 224")
    return theorems, sizes[0]


def network_record(network: str, input_size: int, theorems: tuple[str, ...]) -> dict[str, Any]:
    """The ``network`` object of the ``--json`` document: ``name``, ``input_size``, ``batch``,
    ``theorems``, ``layer_count``, ``distinct_count``, ``products`` (weight-input products of one
    forward pass, every layer counted) and ``layers`` (each ``{name, spec_index}``, in forward
    order; ``spec_index`` is the proofs' index of that layer's distinct spec).

    >>> rec = network_record("resnet18", 224, ("all-formulations-agree",))
    >>> rec["layer_count"], rec["distinct_count"], rec["products"], rec["layers"][1]
    (20, 11, 1813561344, {'name': 'layer1.0.conv1', 'spec_index': 1})
    """
    distinct = distinct_layers(network, input_size)
    index = {name: i for i, (_, names) in enumerate(distinct) for name in names}
    layers = [layer.name for layer in network_layers(network, input_size)]
    return {"name": network, "input_size": input_size, "batch": 1, "theorems": list(theorems),
            "layer_count": len(layers), "distinct_count": len(distinct),
            "products": sum(layer_products(spec) * len(names) for spec, names in distinct),
            "layers": [{"name": name, "spec_index": index[name]} for name in layers]}


def guard_network(network: str, input_size: int, distinct: list[tuple[ConvSpec, list[str]]],
                  theorems: tuple[str, ...], backend: str = "auto") -> Estimate:
    """The estimate of the whole run, before any proof is built: a layer too big alone is
    refused by its own :func:`~symconv.resources.guard`, the run when its total time is over
    the limit (:func:`~symconv.resources.limits`); both raise ``ResourceError`` on one line.

    >>> from symconv.resources import limited
    >>> with limited(max_seconds=60):
    ...     guard_network("resnet50", 224, distinct_layers("resnet50"),
    ...                   tuple(NETWORK_THEOREMS))
    Traceback (most recent call last):
    ...
    symconv.errors.ResourceError: --network: resnet50 at 224x224 (23 distinct layers, ...
    """
    estimates = []
    for spec, names in distinct:
        for theorem in theorems:
            try:
                estimates.append(guard(spec, "prove", theorem=theorem, backend=backend))
            except ResourceError as err:
                raise ResourceError(f"--network: {network} at {input_size}x{input_size}, "
                                    f"{names[0]}: {str(err).removeprefix('layer: ')}; or a "
                                    "smaller --input") from None
    total = Estimate(sum(e.products for e in estimates), sum(e.seconds for e in estimates),
                     max(e.bytes for e in estimates),
                     max(estimates, key=lambda e: e.seconds).carrier)
    max_seconds, _ = limits()
    if total.seconds > max_seconds:
        raise ResourceError(f"--network: {network} at {input_size}x{input_size} "
                            f"({len(distinct)} distinct layers, {' and '.join(theorems)}) is "
                            f"too big: estimated {total} in total, mostly on the "
                            f"{total.carrier} carrier, above the time limit {max_seconds:g} s "
                            "(--max-seconds, SYMCONV_MAX_SECONDS); raise --max-seconds, prove "
                            "one theorem (NAME), or use a smaller --input")
    return total


def _seconds(t: float) -> str:
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.1f} s"


def _names(names: list[str]) -> str:
    return ", ".join(names)


class _Table:
    """The text table: rows printed as their proofs finish (above the progress bar)."""

    def __init__(self, theorems: tuple[str, ...], distinct: list[tuple[ConvSpec, list[str]]],
                 progress: Progress, enabled: bool) -> None:
        self.theorems, self.progress, self.enabled = theorems, progress, enabled
        self.width = max(len(spec.describe()) for spec, _ in distinct)
        self.short = [NETWORK_THEOREMS[t] for t in theorems]

    def emit(self, line: str) -> None:
        if not self.enabled:
            return
        if self.progress.enabled:  # keep the bar on stderr intact
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def header(self, title: str) -> None:
        self.emit(title)
        head = (f"{'#':>3}  {'spec':<{self.width}}  {'products':>11}  "
                + "".join(f"{s:>9}  " for s in self.short) + f"{'result':<9}  used by")
        self.emit(head)
        self.emit("-" * len(head))

    def row(self, i: int, spec: ConvSpec, names: list[str], proofs: list[Proof]) -> None:
        failed = [s for s, p in zip(self.short, proofs) if not p]
        result = "proved" if not failed else "DISPROVED (" + ", ".join(failed) + ")"
        times = "".join(f"{_seconds(p.elapsed):>9}  " for p in proofs)
        self.emit(f"{i:>3}  {spec.describe():<{self.width}}  {layer_products(spec):>11}  "
                  f"{times}{result:<9}  {_names(names)}")


def run_network(args: argparse.Namespace) -> int:
    """``symconv prove --network NET``: prove, print the table (or JSON), return the exit code."""
    if args.all_sizes:
        raise SymconvError("--all-sizes: proves every size at once, so --network (fixed "
                           "layers) cannot apply; drop one of them")
    theorems, input_size = network_plan(args.name, args.input, given_options(args))
    network = args.network
    try:
        distinct = distinct_layers(network, input_size)
        layers = network_layers(network, input_size)
    except SpecError as err:  # name the option, not the Python parameter
        raise option_error(err) from None
    total = guard_network(network, input_size, distinct, theorems, args.backend)
    progress = Progress(enabled=False if args.quiet else None)
    progress.message(f"proving {network}: estimated {total} ({total.carrier} carrier)")
    table = _Table(theorems, distinct, progress, enabled=not (args.json or args.quiet))
    legend = ", ".join(f"{NETWORK_THEOREMS[t]} = {t}" for t in theorems)
    table.header(f"{network} at {input_size}x{input_size}, batch 1: {len(layers)} conv layers, "
                 f"{len(distinct)} distinct; each distinct layer proved once ({legend})")
    results: list[tuple[ConvSpec, list[str], list[Proof]]] = []
    start = time.perf_counter()
    with progress.phase(f"proving {network}", total=len(distinct) * len(theorems),
                        unit="proof") as advance:
        for i, (spec, names) in enumerate(distinct, start=1):
            tell = progress if layer_products(spec) >= LONG_LAYER_PRODUCTS else None
            proofs = []
            for theorem in theorems:
                proofs.append(prove(theorem, spec, backend=args.backend, progress=tell))
                advance(1)
            results.append((spec, names, proofs))
            table.row(i, spec, names, proofs)
    wall = time.perf_counter() - start
    failures = [(names, p) for _, names, proofs in results for p in proofs if not p]
    if args.json:
        _print_json(network, input_size, theorems, results, wall)
    elif args.quiet:
        for names, proof in failures:
            print(f"DISPROVED: {proof.statement} (layers {_names(names)})")
    else:
        _print_total(layers, results, wall)
        for names, proof in failures:
            print(f"\nlayers {_names(names)}:\n{proof}")
    return 1 if failures else 0


def _print_total(layers: tuple[Any, ...], results: list[tuple[ConvSpec, list[str], list[Proof]]],
                 wall: float) -> None:
    proofs = [p for _, _, ps in results for p in ps]
    held = sum(map(bool, proofs))
    products = sum(layer.products for layer in layers)
    verdict = "all proved" if held == len(proofs) else f"{len(proofs) - held} DISPROVED"
    print(f"\ntotal: {len(layers)} conv layers, {len(results)} distinct, {products} products per "
          f"forward pass; {held} of {len(proofs)} proofs hold "
          f"({sum(p.products for p in proofs)} products compared, {wall:.1f} s): {verdict}.")


def _print_json(network: str, input_size: int, theorems: tuple[str, ...],
                results: list[tuple[ConvSpec, list[str], list[Proof]]], wall: float) -> None:
    records = []
    for index, (spec, names, proofs) in enumerate(results):
        for theorem, proof in zip(theorems, proofs):
            rec = proof_record(theorem, f"{network} {names[0]}", spec, proof)
            records.append({**rec, "spec_index": index, "layers": list(names)})
    held = sum(rec["holds"] for rec in records)
    print(dumps(document("prove", held == len(records), all_sizes=False, count=len(records),
                         held=held, seconds=wall,
                         network=network_record(network, input_size, theorems),
                         proofs=records)))
