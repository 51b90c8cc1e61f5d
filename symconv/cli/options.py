"""Command-line options that describe a ConvSpec, shared by the subcommands."""

from __future__ import annotations

import argparse
import re

from ..errors import SpecError
from ..spec import ConvSpec

__all__ = ["add_spec_options", "add_layer_options", "spec_from_options", "parse_sizes",
           "parse_ints", "parse_count", "parse_padding"]

_SIZES = re.compile(r"^\d+(?:[x×,]\d+)*$")


def parse_sizes(field: str, text: str) -> tuple[int, ...]:
    """``'5x5'`` -> ``(5, 5)``; anything else raises a one-line :class:`SpecError`.

    >>> parse_sizes("--input", "32x32x3")
    (32, 32, 3)
    """
    text = str(text).strip()
    if not _SIZES.match(text):
        raise SpecError(f"{field}: expected sizes like 5x5 (digits joined by x), got {text!r}")
    return tuple(int(p) for p in re.split(r"[x×,]", text))


def parse_ints(field: str, text: str) -> int | tuple[int, ...]:
    """``'2'`` -> ``2``, ``'2x1'`` -> ``(2, 1)``."""
    sizes = parse_sizes(field, text)
    return sizes[0] if len(sizes) == 1 else sizes


def add_spec_options(parser: argparse.ArgumentParser, *, default_input: str = "5x5",
                     default_kernel: str = "3x3") -> None:
    """``--input --kernel --in-channels --out-channels --batch --stride --padding --dilation
    --groups --padding-mode``."""
    g = parser.add_argument_group("layer (a ConvSpec)")
    g.add_argument("--input", default=default_input, metavar="HxW",
                   help=f"spatial input size, 1 to 3 axes (default {default_input})")
    g.add_argument("--kernel", default=default_kernel, metavar="KHxKW",
                   help=f"kernel size (default {default_kernel})")
    g.add_argument("--in-channels", default="1", metavar="C")
    g.add_argument("--out-channels", default="1", metavar="F")
    g.add_argument("--batch", default="1", metavar="N")
    add_layer_options(g)


def add_layer_options(group: argparse._ActionsContainer) -> None:
    """``--stride --padding --dilation --groups --padding-mode`` (shared with ``verify``)."""
    group.add_argument("--stride", default="1", metavar="S",
                       help="one int or one per axis (2x1)")
    group.add_argument("--padding", default="0", metavar="P",
                       help="an int, one per axis (1x0), 'same' or 'valid'")
    group.add_argument("--dilation", default="1", metavar="D")
    group.add_argument("--groups", default="1", metavar="G")
    group.add_argument("--padding-mode", default="zeros",
                       help="zeros, reflect, replicate or circular")


_OPTION_OF_FIELD = {"input_size": "--input", "kernel_size": "--kernel"}


def parse_count(field: str, text: str) -> int:
    """``'3'`` -> ``3``; ``'3x3'`` raises (a channel count or batch is one integer)."""
    value = parse_ints(field, text)
    if not isinstance(value, int):
        raise SpecError(f"{field}: expected one integer, got {text!r}")
    return value


def parse_padding(text: str) -> str | int | tuple[int, ...]:
    """``'same'``, ``'valid'``, ``'1'`` or one int per axis (``'1x0'``).

    >>> parse_padding("SAME"), parse_padding("1x0")
    ('same', (1, 0))
    """
    return text.lower() if text.lower() in ("same", "valid") else parse_ints("--padding", text)


def spec_from_options(args: argparse.Namespace) -> ConvSpec:
    """Build (and so validate) the ConvSpec the options describe."""
    padding = parse_padding(args.padding)
    try:
        return ConvSpec(parse_sizes("--input", args.input), parse_ints("--kernel", args.kernel),
                        in_channels=parse_count("--in-channels", args.in_channels),
                        out_channels=parse_count("--out-channels", args.out_channels),
                        batch=parse_count("--batch", args.batch),
                        stride=parse_ints("--stride", args.stride), padding=padding,
                        dilation=parse_ints("--dilation", args.dilation),
                        groups=parse_count("--groups", args.groups), padding_mode=args.padding_mode)
    except SpecError as err:  # name the command-line option, not the Python field
        field, rest = str(err).split(":", 1)
        option = _OPTION_OF_FIELD.get(field, "--" + field.replace("_", "-"))
        raise SpecError(option + ":" + rest) from None
