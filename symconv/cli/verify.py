"""``symconv verify MODULE:FUNCTION --input NxCxHxW --kernel FxCgxKHxKW``: check a convolution.

The layer can also be given as ``prove`` takes it: ``--input HxW --kernel KHxKW --in-channels C
--out-channels F --batch N``.  ``--bias``: the layer adds a bias, and FUNCTION is called as
``FUNCTION(x, w, b)``.  The target may be a torch conv module (``mymod:layer`` or
``mymod:model.conv1``): its forward runs with its weight and bias replaced by verify's inputs;
for an ``nn.ConvNd`` ``--input NxCxHxW`` alone is enough (the layer is read with
``ConvSpec.from_torch``, its bias decides ``--bias``).

``--kind input-gradient|weight-gradient|transposed`` checks backward code of the layer the shapes
describe: ``FUNCTION(dout, w) -> dx``, ``FUNCTION(x, dout) -> dw``, ``FUNCTION(y, w) -> z``.

The module is imported from the current directory.  Exit 0 correct, 1 wrong (the diagnosis is
printed), 2 bad input (unknown module or function, bad shape): one line, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

from ..errors import SymconvError
from ..progress import QUIET, Progress
from ..resources import guard, limited
from ..spec import ConvSpec, PaddingMode
from ..verification import DEFAULT_MAX_SYMBOLIC_PRODUCTS, BackwardKind, Kind, Method, Status, verify
from .options import (
    add_channel_options,
    add_layer_options,
    add_limit_options,
    add_output_options,
    check_number,
    given_options,
    limits_from_options,
    parse_count,
    parse_ints,
    parse_padding,
    parse_sizes,
    verify_spec_from_options,
)
from .records import document, dumps, verdict_record


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check your convolution function against the spec",
                       description="Run MODULE:FUNCTION(x, w) on symbolic tensors (or on random "
                                   "integers when it needs numbers) and compare it exactly with "
                                   "the spec; on a mismatch say which products are wrong.")
    p.add_argument("target", metavar="MODULE:FUNCTION",
                   help="e.g. myconv:conv2d (imported from the current directory)")
    p.add_argument("--input", required=True, metavar="NxCxHxW",
                   help="input shape: batch, channels, 1 to 3 spatial sizes; or the spatial "
                        "size HxW with --in-channels/--out-channels/--batch, as prove takes it")
    p.add_argument("--kernel", default=None, metavar="FxCgxKHxKW",
                   help="weight shape: filters, channels per group, kernel sizes; or KHxKW "
                        "(may be omitted for a torch nn.ConvNd, read from the layer)")
    p.add_argument("--bias", action="store_true",
                   help="the layer adds a bias b (shape (F,)): call FUNCTION(x, w, b) and "
                        "compare with the convolution + b[f] (a torch module's own bias turns "
                        "it on)")
    add_channel_options(p, default=None)
    add_layer_options(p)
    p.add_argument("--kind", choices=[k.value for k in (*Kind, *BackwardKind)],
                   default=Kind.CORRELATION.value,
                   help="correlation (PyTorch's conv, default), convolution (flipped kernel), "
                        "or the backward pass of the layer --input/--kernel describe: "
                        "input-gradient FUNCTION(dout, w) -> dx, weight-gradient "
                        "FUNCTION(x, dout) -> dw, transposed FUNCTION(y, w) (PyTorch's "
                        "conv_transpose back to the input size)")
    p.add_argument("--pass-options", action="store_true",
                   help="call FUNCTION(x, w, stride=, padding=, dilation=, groups=) and "
                        "padding_mode= when FUNCTION takes it or --padding-mode is not zeros")
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.AUTO.value)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per call (default 60)")
    p.add_argument("--trials", type=int, default=8, help="randomized trials (default 8)")
    p.add_argument("--numeric-dtype", default="int64", metavar="DTYPE",
                   help="dtype of the random integer inputs, e.g. float32 for float-only code "
                        "(default int64; the value range shrinks so sums stay exact in it)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
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
    add_output_options(p)
    add_limit_options(p)
    p.set_defaults(run=run)


#: A verification estimated to take at least this long shows an elapsed line on stderr.
LONG_VERIFY_SECONDS = 2.0


def spec_from_shapes(args: argparse.Namespace) -> ConvSpec:
    """The ConvSpec of ``--input NxCx... --kernel FxCgx...`` (or ``--input HxW`` with
    ``--in-channels`` ...) and the layer options."""
    return verify_spec_from_options(args)


def load_function(target: str) -> Callable[..., Any]:
    """Import ``MODULE:FUNCTION`` with the current directory first on ``sys.path``
    (``FUNCTION`` may be a dotted path to an attribute, e.g. ``model.conv1``)."""
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
    fn: Any = module
    for part in name.split("."):
        fn = getattr(fn, part, None)
    if not callable(fn):
        raise SymconvError(f"MODULE:FUNCTION: {module_name!r} has no function {name!r}; "
                           f"define {name}(x, w) or give another name")
    return fn


def _call_options(args: argparse.Namespace, spec: ConvSpec,
                  fn: Callable[..., Any]) -> dict[str, Any] | None:
    """The keyword arguments of ``--pass-options`` (PyTorch's names)."""
    if not args.pass_options:
        return None
    kwargs: dict[str, Any] = {"stride": parse_ints("--stride", args.stride),
                              "padding": parse_padding(args.padding, spec.rank),
                              "dilation": parse_ints("--dilation", args.dilation),
                              "groups": parse_count("--groups", args.groups)}
    try:
        params = inspect.signature(fn).parameters.values()
        takes = any(p.name == "padding_mode" or p.kind is p.VAR_KEYWORD for p in params)
    except (TypeError, ValueError):  # no signature (builtins, some C extensions)
        takes = False
    if takes or spec.padding_mode is not PaddingMode.ZEROS:
        kwargs["padding_mode"] = spec.padding_mode.value
    return kwargs


def _check_budgets(args: argparse.Namespace) -> None:
    check_number("--timeout", args.timeout, minimum=0, what="a number of seconds")
    check_number("--trials", args.trials, minimum=1, inclusive=True, what="an integer")
    check_number("--max-symbolic-products", args.max_symbolic_products, minimum=0,
                 inclusive=True, what="an integer")
    check_number("--max-probe-calls", args.max_probe_calls, minimum=0, inclusive=True,
                 what="an integer")


def _spec(args: argparse.Namespace, fn: Any) -> ConvSpec:
    """The layer: from the options, or from a torch nn.ConvNd when ``--kernel`` is omitted;
    ``bias`` from ``--bias`` or a torch module's own bias parameter."""
    from ..torch_layers import is_torch_module

    module = is_torch_module(fn)
    if module and args.pass_options:
        raise SymconvError("--pass-options: a torch module takes its options from its own "
                           "attributes; drop --pass-options")
    if args.kernel is None:
        if not module:
            raise SymconvError(f"--kernel: expected FxCgxKHxKW (or KHxKW) for the function "
                               f"{args.target}, got none; only a torch nn.ConvNd may omit it")
        extra = [o for o in given_options(args) if o != "--input"]
        if extra:
            raise SymconvError(f"{extra[0]}: the layer is read from the torch module when "
                               "--kernel is omitted; give --kernel too, or drop "
                               f"{', '.join(extra)}")
        if not hasattr(fn, "kernel_size"):
            raise SymconvError(f"--kernel: expected FxCgxKHxKW for {args.target}, a "
                               f"{type(fn).__name__} that is not an nn.ConvNd (no layer "
                               "attributes to read); give --kernel")
        spec = ConvSpec.from_torch(fn, parse_sizes("--input", args.input))
        if args.bias:
            spec = spec.replace(bias=True)
        return spec
    spec = spec_from_shapes(args)
    if args.bias or module and dict(fn.named_parameters()).get("bias") is not None:
        spec = spec.replace(bias=True)
    return spec


def run(args: argparse.Namespace) -> int:
    with limited(**limits_from_options(args)):  # also the guards inside the library
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    _check_budgets(args)
    figure = getattr(args, "figure", None)
    if figure is not None:  # check the file name before the (possibly long) verification
        from ..verification.figure import figure_path
        figure = figure_path(figure, "--figure")
    fn = load_function(args.target)
    spec = _spec(args, fn)
    est = guard(spec, "verify", method=args.method, trials=args.trials,
                max_symbolic_products=args.max_symbolic_products,
                kind=str(args.kind))  # before any call
    progress = Progress(enabled=False if args.quiet else None)
    if est.seconds < LONG_VERIFY_SECONDS:
        progress = QUIET
    how = "random integer trials" if est.carrier == "numeric" else "symbolic execution"
    with progress.phase(f"verifying {args.target} on {spec.describe()} by {how} "
                        f"(estimated {est})"):
        verdict = verify(fn, spec, kind=args.kind, method=args.method, timeout=args.timeout,
                         trials=args.trials, max_symbolic_products=args.max_symbolic_products,
                         numeric_dtype=args.numeric_dtype, seed=args.seed,
                         kwargs=_call_options(args, spec, fn),
                         max_probe_calls=args.max_probe_calls)
    if args.json:
        print(dumps({**document("verify", bool(verdict), target=args.target),
                     **verdict_record(verdict)}))
    elif not args.quiet:
        print(verdict)
    elif not verdict:
        print(str(verdict).splitlines()[0])
    if figure is not None:
        _figure(verdict, figure, sys.stderr if args.json or args.quiet else sys.stdout)
    return 0 if verdict else 1


def _figure(verdict: Any, figure: Any, out: Any) -> None:
    from ..verification.figure import draw_verdict
    if verdict.status is Status.WRONG and verdict.first_forms is not None:
        try:
            print(f"figure: wrote {draw_verdict(verdict, figure)}", file=out)
        except SymconvError as err:  # name the option, not the Python argument
            raise SymconvError(str(err).replace("path:", "--figure:", 1)) from None
    else:
        why = "the randomized check did not recover the products" if \
            verdict.status is Status.WRONG else f"the verdict is {verdict.status.value}"
        print(f"figure: not written ({why}: nothing to draw)", file=out)
