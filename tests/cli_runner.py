"""Run the command line in-process, as the tests of every subcommand do."""

from __future__ import annotations

from symconv.cli import main


def run_cli(capsys, *argv):
    """``(exit code, stdout, stderr)`` of ``symconv ARGV``; argparse's own exits included."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on its own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err
