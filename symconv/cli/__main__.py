"""``python -m symconv.cli``: the same command line as the ``symconv`` script."""

from __future__ import annotations

from . import entry_point

if __name__ == "__main__":
    entry_point()
