"""``symconv convert --to LIBRARY [layer options]``: the layer as another library's call."""

from __future__ import annotations

import argparse

import numpy as np

from ..conventions import Target, Translation, translate
from ..numeric import conv
from ..resources import guard
from ..spec import ConvSpec
from .options import (
    add_limit_options,
    add_output_options,
    add_spec_options,
    limits_from_options,
    spec_from_options,
)
from .records import document, dumps, spec_record


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="the layer as a call in torch, scipy, numpy...",
                       description="Print the call that computes the layer the options describe "
                                   "in another library, with the offset of its 'same' mode, and "
                                   "check it numerically when that library is installed.")
    p.add_argument("--to", required=True, metavar="LIBRARY",
                   help="one of: " + ", ".join(t.value for t in Target))
    add_spec_options(p)
    add_output_options(p)
    add_limit_options(p)
    p.set_defaults(run=run)


#: The outcome of a numeric check, as ``--json`` names it.
CHECKED, NOT_CHECKED, MISMATCH = "checked", "not checked", "mismatch"


def _check(t: Translation, spec: ConvSpec) -> tuple[str, str]:
    """``(outcome, message)``: the call against symconv.numeric.conv on random integers."""
    rng = np.random.default_rng(0)
    x = rng.integers(-9, 10, spec.input_shape).astype(np.float64)
    w = rng.integers(-9, 10, spec.weight_shape).astype(np.float64)
    try:
        got = t.run(x, w)
    except ImportError as err:
        return NOT_CHECKED, f"not checked ({err.name} is not installed)"
    want = conv(x, w, spec)
    if got.shape == want.shape and np.array_equal(got, want):
        return CHECKED, "checked: equal to symconv.numeric.conv on random integers"
    return MISMATCH, "MISMATCH with symconv.numeric.conv"


def _record(t: Translation, outcome: str, message: str) -> dict[str, object]:
    return {"library": t.library, "layout": t.layout, "code": t.code,
            "same_offset": None if t.same_offset is None else list(t.same_offset),
            "notes": list(t.notes), "check": outcome, "message": message}


def run(args: argparse.Namespace) -> int:
    spec = spec_from_options(args)
    translations = translate(spec, args.to)
    guard(spec, "convert", **limits_from_options(args))  # the numeric check runs the layer
    checks = [_check(t, spec) for t in translations]
    failed = any(outcome == MISMATCH for outcome, _ in checks)
    if args.json:
        print(dumps(document("convert", not failed, target=args.to, layer=spec_record(spec),
                             translations=[_record(t, *c) for t, c in zip(translations, checks)])))
    elif args.quiet:
        for t, (outcome, message) in zip(translations, checks):
            if outcome == MISMATCH:
                print(f"{t.library}: {message}: {t.code.splitlines()[0]}")
    else:
        _print(spec, args.to, translations, checks)
    return 1 if failed else 0


def _print(spec: ConvSpec, target: str, translations: list[Translation],
           checks: list[tuple[str, str]]) -> None:
    print(f"{spec.describe()}  ->  {target}  (spec pads {spec.pads}, output "
          f"{'x'.join(map(str, spec.output_size))})")
    for t, (_, message) in zip(translations, checks):
        print(f"\n{t.library}   [{t.layout}]")
        for line in t.code.splitlines():
            print(f"    {line}")
        if t.same_offset is not None:
            print(f"  offset: {t.same_offset}  (output[o] = mode='same' result[o*stride + offset])")
        for note in t.notes:
            print(f"  note: {note}")
        print(f"  {message}")
