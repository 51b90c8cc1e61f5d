"""Which derivations are pages about a layer (a Derivation with steps, golden files, padded
tensors): every name but the fast algorithms' own pages (tests/test_latex_fast_pages.py)."""

from __future__ import annotations

from symconv.latex.fast_pages import FAST_PAGES
from symconv.latex.recipes import derivations


def layer_derivations() -> list[str]:
    """``derivations()`` without the fast-algorithm pages (``'example'`` stays last)."""
    return [name for name in derivations() if name not in FAST_PAGES]
