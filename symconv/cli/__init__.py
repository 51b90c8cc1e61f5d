"""The ``symconv`` command line: one module per subcommand, each with ``add_parser`` and ``run``.

Exit codes: 0 everything holds, 1 something was disproved or found wrong (the reason printed),
2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ..errors import SymconvError

__all__ = ["main"]

#: Subcommand modules in ``symconv.cli``, in the order ``symconv --help`` lists them.
COMMANDS = ("prove", "example", "verify", "derive", "convert")


class _Version(argparse.Action):
    """``--version``: print ``symconv X.Y.Z`` (read from the package metadata only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from .. import __version__
        print(f"{parser.prog} {__version__}")
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage dumps."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand registered."""
    parser = _Parser(prog="symconv", description="Exact proofs about convolution layers.")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``symconv`` with ``argv``; returns the exit code."""
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # shell completion: only when the shell asks
        _complete(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SymconvError as err:
        print(f"symconv {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symconv: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `symconv prove | head`: the reader left, nothing to report
        # point stdout at devnull so the interpreter's final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _complete(parser: argparse.ArgumentParser) -> None:
    """Answer a completion request with ``argcomplete`` (the ``completion`` extra), if present."""
    try:
        import argcomplete
    except ImportError:  # not installed: complete nothing rather than fail
        return
    argcomplete.autocomplete(parser)


def entry_point() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())
