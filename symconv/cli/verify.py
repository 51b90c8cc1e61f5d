"""``symconv verify MODULE:FUNCTION --input NxCxHxW --kernel FxCgxKHxKW``: check a convolution.

The module is imported from the current directory.  Exit 0 correct, 1 wrong (the diagnosis is
printed), 2 bad input (unknown module or function, bad shape): one line, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from ..errors import SpecError, SymconvError
from ..spec import ConvSpec
from ..verification import DEFAULT_MAX_SYMBOLIC_PRODUCTS, Kind, Method, Status, verify
from .options import add_layer_options, parse_count, parse_ints, parse_padding, parse_sizes

_OPTION = {"input_size": "--input", "kernel_size": "--kernel", "in_channels": "--input",
           "out_channels": "--kernel", "batch": "--input"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check your convolution function against the spec",
                       description="Run MODULE:FUNCTION(x, w) on symbolic tensors (or on random "
                                   "integers when it needs numbers) and compare it exactly with "
                                   "the spec; on a mismatch say which products are wrong.")
    p.add_argument("target", metavar="MODULE:FUNCTION",
                   help="e.g. myconv:conv2d (imported from the current directory)")
    p.add_argument("--input", required=True, metavar="NxCxHxW",
                   help="input shape: batch, channels, 1 to 3 spatial sizes")
    p.add_argument("--kernel", required=True, metavar="FxCgxKHxKW",
                   help="weight shape: filters, channels per group, kernel sizes")
    add_layer_options(p)
    p.add_argument("--kind", choices=[k.value for k in Kind], default=Kind.CORRELATION.value,
                   help="correlation (PyTorch's conv, default) or convolution (flipped kernel)")
    p.add_argument("--pass-options", action="store_true",
                   help="call FUNCTION(x, w, stride=, padding=, dilation=, groups=)")
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.AUTO.value)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per call (default 60)")
    p.add_argument("--trials", type=int, default=8, help="randomized trials (default 8)")
    p.add_argument("--figure", metavar="FILE.png", default=None,
                   help="on a WRONG verdict, draw the first differing output position (.png or "
                        ".svg; needs matplotlib)")
    p.add_argument("--max-symbolic-products", type=int, default=DEFAULT_MAX_SYMBOLIC_PRODUCTS,
                   help="above this size the check is randomized")
    from ..verification.probe import DEFAULT_MAX_PROBE_CALLS
    p.add_argument("--max-probe-calls", type=int, default=DEFAULT_MAX_PROBE_CALLS, metavar="N",
                   help="when code that needs numbers is found wrong, call it on at most N "
                        "pairs of one-hot inputs to name the mistake (0: never; default "
                        f"{DEFAULT_MAX_PROBE_CALLS})")
    p.set_defaults(run=run)


def spec_from_shapes(args: argparse.Namespace) -> ConvSpec:
    """The ConvSpec of ``--input NxCx... --kernel FxCgx...`` and the layer options."""
    inp, ker = parse_sizes("--input", args.input), parse_sizes("--kernel", args.kernel)
    if not 3 <= len(inp) <= 5:
        raise SpecError(f"--input: expected N x C x 1 to 3 spatial sizes, got {args.input!r}; "
                        "e.g. --input 1x3x32x32")
    if len(ker) != len(inp):
        raise SpecError(f"--kernel: expected {len(inp)} sizes (F x C/groups x kernel) to match "
                        f"--input {args.input}, got {args.kernel!r}")
    groups = parse_count("--groups", args.groups)
    try:
        spec = ConvSpec(inp[2:], ker[2:], in_channels=inp[1], out_channels=ker[0], batch=inp[0],
                        stride=parse_ints("--stride", args.stride),
                        padding=parse_padding(args.padding),
                        dilation=parse_ints("--dilation", args.dilation), groups=groups,
                        padding_mode=args.padding_mode)
    except SpecError as err:  # name the command-line option, not the Python field
        field, rest = str(err).split(":", 1)
        raise SpecError(_OPTION.get(field, "--" + field.replace("_", "-")) + ":" + rest) from None
    if ker[1] != spec.group_in_channels:
        raise SpecError(f"--kernel: expected {spec.group_in_channels} channels per group "
                        f"(C={inp[1]} / groups={groups}) as its second size, got {ker[1]}")
    return spec


def load_function(target: str) -> Callable[..., Any]:
    """Import ``MODULE:FUNCTION`` with the current directory first on ``sys.path``."""
    module_name, sep, name = target.partition(":")
    if not sep or not module_name or not name:
        raise SymconvError(f"MODULE:FUNCTION: expected e.g. myconv:conv2d, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise SymconvError(f"MODULE:FUNCTION: no module {err.name!r} (looked in "
                           f"{os.getcwd()} and the installed packages); check the name") from None
    except Exception as err:  # noqa: BLE001 - the user's module failed while importing
        raise SymconvError(f"MODULE:FUNCTION: importing {module_name!r} raised "
                           f"{type(err).__name__}: {err}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise SymconvError(f"MODULE:FUNCTION: {module_name!r} has no function {name!r}; "
                           f"define {name}(x, w) or give another name")
    return fn


def run(args: argparse.Namespace) -> int:
    spec = spec_from_shapes(args)
    figure = getattr(args, "figure", None)
    if figure is not None:  # check the file name before the (possibly long) verification
        from ..verification.figure import figure_path
        figure = figure_path(figure, "--figure")
    fn = load_function(args.target)
    kwargs = None
    if args.pass_options:
        kwargs = {"stride": parse_ints("--stride", args.stride),
                  "padding": parse_padding(args.padding),
                  "dilation": parse_ints("--dilation", args.dilation),
                  "groups": parse_count("--groups", args.groups)}
    verdict = verify(fn, spec, kind=args.kind, method=args.method, timeout=args.timeout,
                     trials=args.trials, max_symbolic_products=args.max_symbolic_products,
                     kwargs=kwargs, max_probe_calls=args.max_probe_calls)
    print(verdict)
    if figure is not None:
        from ..verification.figure import draw_verdict
        if verdict.status is Status.WRONG and verdict.first_forms is not None:
            try:
                print(f"figure: wrote {draw_verdict(verdict, figure)}")
            except SymconvError as err:  # name the option, not the Python argument
                raise SymconvError(str(err).replace("path:", "--figure:", 1)) from None
        else:
            why = "the randomized check did not recover the products" if \
                verdict.status is Status.WRONG else f"the verdict is {verdict.status.value}"
            print(f"figure: not written ({why}: nothing to draw)")
    return 0 if verdict else 1
