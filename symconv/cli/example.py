"""``symconv example``: the classic 5x5 / 3x3 worked example, three formulations, one proof."""

from __future__ import annotations

import argparse

from ..example import worked_example


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("example", help="the classic worked example (top-left output 4)",
                       description="Reproduce the deeplearning.ai worked example and show the "
                                   "element-wise sum, dot product and im2col agree.")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ex = worked_example()
    print(ex)
    return 0 if ex.proof and ex.flip_proof else 1
