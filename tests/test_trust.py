"""README.md's "What you must trust" table states the size of the trusted code: keep it true."""

from __future__ import annotations

import pytest

from tests import trust


def test_the_table_names_every_mechanism():
    assert [m for m, _, _ in trust.table()] == [
        "engine", "vector carrier", "every size", "FFT theorems", "verify, exact",
        "verify, randomized"]


@pytest.mark.parametrize(("mechanism", "cell", "stated"), trust.table())
def test_stated_line_counts_are_the_real_ones(mechanism, cell, stated):
    assert trust.count(cell) == stated, (
        f"{mechanism}: README states {stated} trusted lines, the code has {trust.count(cell)}; "
        "update the table in README.md (What you must trust)")


def test_the_counter_counts_code_lines_only():
    # _accumulate: a signature, a docstring, four lines of body
    assert trust.count("ring.py: _accumulate") == 6
    with pytest.raises(LookupError):
        trust.count("ring.py: no_such_function")
