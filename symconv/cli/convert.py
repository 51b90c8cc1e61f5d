"""``symconv convert --to LIBRARY [layer options]``: the layer as another library's call."""

from __future__ import annotations

import argparse

import numpy as np

from ..conventions import Target, Translation, translate
from ..numeric import conv
from .options import add_spec_options, spec_from_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="the layer as a call in torch, scipy, numpy...",
                       description="Print the call that computes the layer the options describe "
                                   "in another library, with the offset of its 'same' mode, and "
                                   "check it numerically when that library is installed.")
    p.add_argument("--to", required=True, metavar="LIBRARY",
                   help="one of: " + ", ".join(t.value for t in Target))
    add_spec_options(p)
    p.set_defaults(run=run)


def _check(t: Translation, spec: object) -> str:
    rng = np.random.default_rng(0)
    x = rng.integers(-9, 10, spec.input_shape).astype(np.float64)  # type: ignore[attr-defined]
    w = rng.integers(-9, 10, spec.weight_shape).astype(np.float64)  # type: ignore[attr-defined]
    try:
        got = t.run(x, w)
    except ImportError as err:
        return f"not checked ({err.name} is not installed)"
    want = conv(x, w, spec)  # type: ignore[arg-type]
    if got.shape == want.shape and np.array_equal(got, want):
        return "checked: equal to symconv.numeric.conv on random integers"
    return "MISMATCH with symconv.numeric.conv"


def run(args: argparse.Namespace) -> int:
    spec = spec_from_options(args)
    translations = translate(spec, args.to)
    print(f"{spec.describe()}  ->  {args.to}  (spec pads {spec.pads}, output "
          f"{'x'.join(map(str, spec.output_size))})")
    failed = False
    for t in translations:
        print(f"\n{t.library}   [{t.layout}]")
        for line in t.code.splitlines():
            print(f"    {line}")
        if t.same_offset is not None:
            print(f"  offset: {t.same_offset}  (output[o] = mode='same' result[o*stride + offset])")
        for note in t.notes:
            print(f"  note: {note}")
        verdict = _check(t, spec)
        failed = failed or verdict.startswith("MISMATCH")
        print(f"  {verdict}")
    return 1 if failed else 0
