"""The exact polynomial carrier agrees with sympy and refuses inexact numbers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import NotExactError, Polynomial
from symconv.ring import canonical

NAMES = ("a", "b", "c")


@st.composite
def programs(draw):
    """A random straight-line program of +, -, * over three variables and small integers."""
    steps = []
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from("+-*"))
        left = draw(st.one_of(st.sampled_from(NAMES), st.integers(-3, 3)))
        right = draw(st.one_of(st.sampled_from(NAMES), st.integers(-3, 3)))
        steps.append((op, left, right))
    return steps


def run(program, make):
    env = {n: make(n) for n in NAMES}
    result = None
    for op, left, right in program:
        a, b = (env[t] if isinstance(t, str) else t for t in (left, right))
        result = a + b if op == "+" else a - b if op == "-" else a * b
        env["a"] = result  # feed each result forward so degrees grow
    return result


@settings(max_examples=200, deadline=None)
@given(programs())
def test_agrees_with_sympy(program):
    ours = run(program, Polynomial.variable)
    theirs = run(program, sympy.Symbol)
    assert canonical(ours) == canonical(theirs)
    assert Polynomial.from_sympy(ours.to_sympy() if isinstance(ours, Polynomial)
                                 else sympy.sympify(ours)) == ours


def test_cancellation_and_zero():
    a, b = Polynomial.variable("a"), Polynomial.variable("b")
    assert (a + b) * (a - b) - (a * a - b * b) == 0
    assert not ((a + b) - b - a)
    assert (a * 0).terms == {}
    assert (2 * a * b + 1).degree == 2 and Polynomial().degree == -1


def test_exact_fractions_and_integral_floats():
    a = Polynomial.variable("a")
    assert (a / 3 * 3) == a
    assert (a * 2.0) == 2 * a
    assert (a * Fraction(1, 2)).evaluate({"a": 3}) == Fraction(3, 2)
    with pytest.raises(NotExactError, match=r"^value: expected an exact number, got the float"):
        a * 0.5
    with pytest.raises(NotExactError, match=r"complex"):
        a * 1j


@pytest.mark.parametrize("expr", ["sin(a)", "1/a", "0.5*a", "sqrt(a)", "a**b"])
def test_from_sympy_refuses_non_polynomials(expr):
    with pytest.raises(NotExactError, match=r"^entry: expected a polynomial"):
        Polynomial.from_sympy(sympy.sympify(expr))


def test_runs_through_numpy_like_sympy():
    a = np.array([Polynomial.variable(f"a{i}") for i in range(3)], dtype=object)
    s = np.array(sympy.symbols("a0 a1 a2"), dtype=object)
    m = np.arange(9).reshape(3, 3)
    assert canonical((m @ a).sum()) == canonical((m @ s).sum())
    assert canonical(np.einsum("ij,j->", m, a)) == canonical(np.einsum("ij,j->", m, s))
    padded = np.pad(a, 2)
    assert canonical((padded * padded).sum()) == canonical((np.pad(s, 2) ** 2).sum())


def test_repr_is_readable():
    a, b = Polynomial.variable("a"), Polynomial.variable("b")
    assert repr(2 * a * b - b + 3) == "2·a·b - b + 3"
    assert repr(Polynomial()) == "0"


def test_constructor_normalises_terms():
    assert Polynomial({("b", "a"): 1, ("a", "b"): 1, ("c",): 0}).terms == {("a", "b"): 2}
    assert Polynomial({("a",): 0, ("z",): 0}) == 0 and not Polynomial({("a",): 0})
    with pytest.raises(NotExactError, match=r"^terms: expected exact coefficients"):
        Polynomial({("a",): "one"})
