"""The pages of the fast-algorithm theorems: each on a small layer of its own, with its own
size bound (no resource estimate: the page refuses a layer too big to print, in one line).

>>> sorted(FAST_PAGES)
['fft-circular-convolution', 'fft-linear-convolution', 'winograd-equals-correlation']
>>> fast_page("fft-circular-convolution").spec.describe()
'4 * 3, pad 1, circular'
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from ..spec import ConvSpec
from .fourier import FourierPage, fft_page
from .fourier_circular import fft_circular_page
from .names import Names
from .winograd_layer import winograd_layer_page

__all__ = ["FAST_PAGES", "fast_page", "fast_cli_page"]

#: Theorem name -> the builder of its page, ``builder(spec or None, names)``.
FAST_PAGES = {"winograd-equals-correlation": winograd_layer_page,
              "fft-circular-convolution": fft_circular_page,
              "fft-linear-convolution": fft_page}


def fast_page(name: str, spec: ConvSpec | None = None, names: Names | str | None = None
              ) -> FourierPage:
    """The checked page of the fast-algorithm theorem ``name`` (``spec`` None: its default).

    >>> fast_page("winograd-equals-correlation").proofs[-1].positions
    4
    """
    if name not in FAST_PAGES:
        raise SpecError(f"name: expected one of {', '.join(FAST_PAGES)}, got {name!r}")
    if isinstance(names, str):
        names = Names.parse(names)
    return FAST_PAGES[name](spec, names)


def fast_cli_page(name: str, args: Any) -> FourierPage:
    """The page for ``symconv derive NAME`` with its layer options (none given: the default)."""
    from ..cli.options import given_options, spec_from_options

    spec = spec_from_options(args) if given_options(args) else None
    return fast_page(name, spec, Names.parse(args.names))
