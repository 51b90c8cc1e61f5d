"""Command-line options that describe a ConvSpec, shared by the subcommands."""

from __future__ import annotations

import argparse
import math
import re

from ..errors import SpecError, SymconvError
from ..spec import ConvSpec

__all__ = ["add_spec_options", "add_layer_options", "add_output_options", "spec_from_options",
           "parse_sizes", "parse_ints", "parse_count", "parse_padding", "given_options",
           "check_number", "option_error", "verify_spec_from_options", "add_limit_options",
           "limits_from_options"]

_SIZES = re.compile(r"^\d+(?:[x×,]\d+)*$")
_PADDING = re.compile(r"^\d+(?:,\d+)*(?:[x×]\d+(?:,\d+)*)*$")

#: What ``--padding`` accepts, as every padding error message lists it.
PADDING_FORMS = ("an integer (1), one per axis (1x0), a left,right pair for every axis (1,2), "
                 "one pair per axis (0,1,1,2 or 0,1x1,2), 'same' or 'valid'")


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
    """``'2'`` -> ``2``, ``'2x1'`` -> ``(2, 1)``.

    >>> parse_ints("--stride", "2"), parse_ints("--stride", "2x1")
    (2, (2, 1))
    """
    sizes = parse_sizes(field, text)
    return sizes[0] if len(sizes) == 1 else sizes


class _Given(argparse.Action):
    """Store the value and remember that the option was typed (see :func:`given_options`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        given = list(getattr(namespace, "given_options", ()))
        namespace.given_options = [*given, self.option_strings[0]]


def given_options(args: argparse.Namespace) -> list[str]:
    """The layer options typed on the command line (``['--input', '--stride']``), in order."""
    return list(dict.fromkeys(getattr(args, "given_options", ())))


def add_spec_options(parser: argparse.ArgumentParser, *, default_input: str = "5x5",
                     default_kernel: str = "3x3") -> None:
    """``--input --kernel --in-channels --out-channels --batch --stride --padding --dilation
    --groups --padding-mode``."""
    g = parser.add_argument_group("layer (a ConvSpec)")
    g.add_argument("--input", default=default_input, metavar="HxW", action=_Given,
                   help=f"spatial input size, 1 to 3 axes (default {default_input})")
    g.add_argument("--kernel", default=default_kernel, metavar="KHxKW", action=_Given,
                   help=f"kernel size (default {default_kernel})")
    add_channel_options(g, default="1")
    add_layer_options(g)


def add_channel_options(group: argparse._ActionsContainer, default: str | None) -> None:
    """``--in-channels --out-channels --batch`` (default 1, or None for ``verify``)."""
    group.add_argument("--in-channels", default=default, metavar="C", action=_Given)
    group.add_argument("--out-channels", default=default, metavar="F", action=_Given)
    group.add_argument("--batch", default=default, metavar="N", action=_Given)


def add_layer_options(group: argparse._ActionsContainer) -> None:
    """``--stride --padding --dilation --groups --padding-mode`` (shared with ``verify``)."""
    group.add_argument("--stride", default="1", metavar="S", action=_Given,
                       help="one int or one per axis (2x1)")
    group.add_argument("--padding", default="0", metavar="P", action=_Given,
                       help="an int, one per axis (1x0), left,right pairs (1,2 or 0,1,1,2), "
                            "'same' or 'valid'")
    group.add_argument("--dilation", default="1", metavar="D", action=_Given)
    group.add_argument("--groups", default="1", metavar="G", action=_Given)
    group.add_argument("--padding-mode", default="zeros", action=_Given,
                       help="zeros, reflect, replicate or circular")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--json`` (one JSON document on stdout, schema in the README) and ``-q/--quiet``."""
    g = parser.add_argument_group("output")
    g.add_argument("--json", action="store_true",
                   help="print one JSON document (schema in the README) instead of text")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing when everything holds, one line per failure otherwise; "
                        "the exit code says the rest")


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """``--max-seconds`` and ``--max-memory``: refuse at once work estimated above them."""
    g = parser.add_argument_group("resource limits (checked on an estimate, before any work)")
    g.add_argument("--max-seconds", metavar="T", default=None,
                   help="refuse work estimated to take longer (900, 90s, 15m, 2h or none; "
                        "default $SYMCONV_MAX_SECONDS, else 900)")
    g.add_argument("--max-memory", metavar="SIZE", default=None,
                   help="refuse work estimated to need more memory (4G, 512M or none; default "
                        "$SYMCONV_MAX_MEMORY, else 8G or half the physical memory)")


def limits_from_options(args: argparse.Namespace) -> dict[str, float | int | None]:
    """``max_seconds=`` and ``max_bytes=`` for :func:`symconv.resources.guard` (None where the
    option was not given: the environment variable or the default applies), validated.

    >>> limits_from_options(argparse.Namespace(max_seconds="15m", max_memory=None))
    {'max_seconds': 900.0, 'max_bytes': None}
    """
    from ..resources import parse_memory, parse_seconds

    seconds, memory = getattr(args, "max_seconds", None), getattr(args, "max_memory", None)
    return {"max_seconds": None if seconds is None else parse_seconds("--max-seconds", seconds),
            "max_bytes": None if memory is None else parse_memory("--max-memory", memory)}


_OPTION_OF_FIELD = {"input_size": "--input", "kernel_size": "--kernel"}


def option_error(err: SymconvError, options: dict[str, str] | None = None) -> SpecError:
    """``err`` with its Python field (``input_size``) renamed to the option (``--input``).

    A message that already names an option is kept as it is.

    >>> print(option_error(SpecError("in_channels: expected a multiple of groups=2, got 3")))
    --in-channels: expected a multiple of groups=2, got 3
    >>> print(option_error(SpecError("--stride: expected sizes like 5x5, got '2xa'")))
    --stride: expected sizes like 5x5, got '2xa'
    """
    field, sep, rest = str(err).partition(":")
    if not sep or field.startswith("-"):
        return SpecError(str(err))
    mapping = {**_OPTION_OF_FIELD, **(options or {})}
    return SpecError(mapping.get(field, "--" + field.replace("_", "-")) + ":" + rest)


def parse_count(field: str, text: str) -> int:
    """``'3'`` -> ``3``; ``'3x3'`` raises (a channel count or batch is one integer).

    >>> parse_count("--batch", "2")
    2
    """
    value = parse_ints(field, text)
    if not isinstance(value, int):
        raise SpecError(f"{field}: expected one integer, got {text!r}")
    return value


def parse_padding(text: str, rank: int | None = None
                  ) -> str | int | tuple[int, ...] | tuple[tuple[int, int], ...]:
    """``'same'``, ``'valid'``, ``'1'``, one int per axis (``'1x0'``) or ``left,right`` pairs.

    A single pair (``'1,2'``) applies to every one of ``rank`` axes; ``'0,1,1,2'`` (or
    ``'0,1x1,2'``) gives one pair per axis.

    >>> parse_padding("SAME"), parse_padding("1x0"), parse_padding("0,1,1,2")
    ('same', (1, 0), ((0, 1), (1, 2)))
    >>> parse_padding("1,2", rank=2)
    ((1, 2), (1, 2))
    """
    text = str(text).strip()
    if text.lower() in ("same", "valid"):
        return text.lower()
    if not _PADDING.match(text):
        raise SpecError(f"--padding: expected {PADDING_FORMS}, got {text!r}")
    if "," not in text:
        return parse_ints("--padding", text)
    axes = [tuple(int(p) for p in axis.split(",")) for axis in re.split(r"[x×]", text)]
    if len(axes) == 1:
        flat = axes[0]
        if len(flat) % 2:
            raise SpecError(f"--padding: expected left,right pairs (an even count of numbers), "
                            f"got {text!r}; e.g. --padding 1,2 or --padding 0,1,1,2")
        axes = [flat[i:i + 2] for i in range(0, len(flat), 2)]
    if any(len(axis) != 2 for axis in axes):
        raise SpecError(f"--padding: expected each axis as P or L,R, got {text!r}; "
                        "e.g. --padding 0,1x1,2")
    pairs = tuple((a, b) for a, b in axes)
    return pairs * rank if rank is not None and len(pairs) == 1 else pairs


def check_number(option: str, value: float, *, minimum: float, inclusive: bool = False,
                 what: str = "a number") -> None:
    """Refuse ``value`` below ``minimum`` (or equal to it unless ``inclusive``), and NaN.

    >>> check_number("--trials", 0, minimum=1, inclusive=True, what="an integer")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: --trials: expected an integer >= 1, got 0
    """
    ok = value >= minimum if inclusive else value > minimum
    if not ok or (isinstance(value, float) and math.isnan(value)):
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        raise SymconvError(f"{option}: expected {what} {bound}, got {shown}")


def spec_from_options(args: argparse.Namespace) -> ConvSpec:
    """Build (and so validate) the ConvSpec the options describe."""
    try:
        inp = parse_sizes("--input", args.input)
        return ConvSpec(inp, parse_ints("--kernel", args.kernel),
                        in_channels=parse_count("--in-channels", args.in_channels),
                        out_channels=parse_count("--out-channels", args.out_channels),
                        batch=parse_count("--batch", args.batch),
                        stride=parse_ints("--stride", args.stride),
                        padding=parse_padding(args.padding, len(inp)),
                        dilation=parse_ints("--dilation", args.dilation),
                        groups=parse_count("--groups", args.groups), padding_mode=args.padding_mode)
    except SpecError as err:  # name the command-line option, not the Python field
        raise option_error(err) from None


_SHAPE_FIELDS = {"input_size": "--input", "kernel_size": "--kernel", "in_channels": "--input",
                 "out_channels": "--kernel", "batch": "--input"}


def verify_spec_from_options(args: argparse.Namespace) -> ConvSpec:
    """The layer of ``symconv verify``, given either way.

    As ``prove`` and ``derive`` take it (``--input HxW --kernel KHxKW`` with ``--in-channels``,
    ``--out-channels``, ``--batch``; chosen when the input has 1 or 2 sizes or any of those three
    options is given) or as tensor shapes (``--input NxCxHxW --kernel FxCgxKHxKW``).
    """
    inp, ker = parse_sizes("--input", args.input), parse_sizes("--kernel", args.kernel)
    channels = [o for o in ("--in-channels", "--out-channels", "--batch")
                if o in given_options(args)]
    if channels or len(inp) <= 2:
        if len(inp) > 3:
            raise SpecError(f"--input: expected 1 to 3 spatial sizes with {channels[0]}, got "
                            f"{args.input!r}; give --input HxW, or drop {', '.join(channels)} "
                            "and give the shape NxCxHxW")
        for name in ("in_channels", "out_channels", "batch"):
            if getattr(args, name) is None:
                setattr(args, name, "1")
        return spec_from_options(args)
    if len(inp) > 5:
        raise SpecError(f"--input: expected N x C x 1 to 3 spatial sizes, got {args.input!r}; "
                        "e.g. --input 1x3x32x32")
    if len(ker) != len(inp):
        raise SpecError(f"--kernel: expected {len(inp)} sizes (F x C/groups x kernel) to match "
                        f"--input {args.input}, got {args.kernel!r}")
    try:
        groups = parse_count("--groups", args.groups)
        spec = ConvSpec(inp[2:], ker[2:], in_channels=inp[1], out_channels=ker[0], batch=inp[0],
                        stride=parse_ints("--stride", args.stride),
                        padding=parse_padding(args.padding, len(inp) - 2),
                        dilation=parse_ints("--dilation", args.dilation), groups=groups,
                        padding_mode=args.padding_mode)
    except SpecError as err:  # name the command-line option, not the Python field
        raise option_error(err, _SHAPE_FIELDS) from None
    if ker[1] != spec.group_in_channels:
        raise SpecError(f"--kernel: expected {spec.group_in_channels} channels per group "
                        f"(C={inp[1]} / groups={groups}) as its second size, got {ker[1]}")
    return spec
