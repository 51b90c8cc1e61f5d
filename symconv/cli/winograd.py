"""``symconv derive winograd --m M --r R [--rank 1|2]``: the options and the page.

Kept apart from :mod:`symconv.cli.derive` (whose other pages are about a layer) and free of
sympy at import, so that ``--help`` stays light; the page itself is
:func:`symconv.latex.winograd.winograd_page`.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import SymconvError

__all__ = ["add_winograd_options", "winograd_cli_page"]

#: The largest m and r the page accepts (α = m + r − 1 ≤ 12 keeps the matrices on the page).
MAX_TILE = 12


def add_winograd_options(parser: argparse.ArgumentParser) -> None:
    """``--m``, ``--r`` and ``--rank`` for ``derive winograd``."""
    g = parser.add_argument_group("winograd (derive winograd only)")
    g.add_argument("--m", default="2", metavar="M", help="outputs per tile (default 2)")
    g.add_argument("--r", default="3", metavar="R", help="filter taps (default 3)")
    g.add_argument("--rank", default="1", metavar="1|2",
                   help="1 for F(m, r), 2 for F(m×m, r×r) (default 1)")


def _integer(flag: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = low - 1
    if not low <= value <= high:
        raise SymconvError(f"{flag}: expected an integer from {low} to {high}, got {text!r}; "
                           f"e.g. {flag} {low + 1 if low < high else low}")
    return value


def winograd_cli_page(args: argparse.Namespace, fmt: str) -> Any:
    """The page for ``args`` (checked), or a one-line error for a format it does not have."""
    if fmt.startswith("figures"):
        raise SymconvError(f"--format: derive winograd has no figures, got {fmt!r}; use "
                           "latex, mathjax, markdown, document or png")
    m = _integer("--m", args.m, 1, MAX_TILE)
    r = _integer("--r", args.r, 1, MAX_TILE)
    rank = _integer("--rank", args.rank, 1, 2)
    if m + r - 1 > MAX_TILE:
        raise SymconvError(f"--m: expected m + r - 1 <= {MAX_TILE}, got {m + r - 1}; "
                           "choose a smaller tile")
    from ..latex.winograd import winograd_page

    return winograd_page(m, r, rank=rank)
