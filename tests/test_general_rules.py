"""The rules and the bound checker of symconv.general, against independent numeric checks."""

from __future__ import annotations

import itertools

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.general import RuleError
from symconv.general.bounds import BoundError, affine_range, provably_nonnegative
from symconv.general.output_size import count_windows, floor_lemma
from symconv.general.rules import close, floor_mod, reverse, split
from symconv.general.terms import Access, FloorDiv, Rem, Sum
from symconv.spec import output_length

A, B = sympy.symbols("A B", integer=True, positive=True)
P = sympy.Symbol("P", integer=True, nonnegative=True)
x, y = sympy.symbols("x y", integer=True, nonnegative=True)
BOX = {x: A - 1, y: B - 1}


@pytest.mark.parametrize("expr, expected", [
    (A * B - 1, True), (A - 1, True), (P, True), (A * B - A, True), (2 * A - 1, True),
    (A - B, False), (P - 1, False), (-A, False), (A - 2, False), (x, True), (x - 1, False),
    (FloorDiv(A, B), False), (sympy.Symbol("z"), False),
])
def test_provably_nonnegative_hand_cases(expr, expected):
    assert provably_nonnegative(expr) is expected


def test_affine_range_and_its_refusals():
    assert affine_range(x * B + y, BOX) == (0, sympy.expand(A * B - 1))
    assert affine_range(-x + 3, BOX) == (sympy.expand(4 - A), 3)
    with pytest.raises(BoundError, match="not affine"):
        affine_range(x * y, BOX)
    with pytest.raises(BoundError, match="sign"):
        affine_range((A - B) * x, BOX)
    with pytest.raises(BoundError, match="floor/mod"):
        affine_range(FloorDiv(x, A), BOX)


def test_floor_mod_hand_cases():
    assert floor_mod(FloorDiv(x * B + y, B), BOX)[0] == x
    assert floor_mod(Rem(x * B + y, B), BOX)[0] == y
    assert floor_mod(FloorDiv(y, B), BOX)[0] == 0
    with pytest.raises(RuleError, match="cannot prove 0 <="):
        floor_mod(FloorDiv(x * B + y, A), BOX)  # y may exceed A - 1
    with pytest.raises(RuleError, match="cannot prove 0 <="):
        floor_mod(Rem(x * B + y + 1, B), BOX)  # off by one: y + 1 reaches B
    with pytest.raises(RuleError, match="divisor"):
        floor_mod(FloorDiv(x, A - 1), BOX)
    with pytest.raises(RuleError, match="inner"):
        floor_mod(FloorDiv(Rem(x, A), A), BOX)


_MONOS = [1, A, B, A * B]


@st.composite
def _atoms(draw):
    terms = []
    for v in (x, y, 1):
        for mono in _MONOS:
            coeff = draw(st.integers(-1, 2)) if draw(st.booleans()) else 0
            terms.append(coeff * v * mono)
    divisor = draw(st.sampled_from([A, B, A * B, 2, 2 * A]))
    kind = draw(st.sampled_from([FloorDiv, Rem]))
    return kind(sympy.Add(*terms), divisor)


@settings(max_examples=150, deadline=None)
@given(_atoms())
def test_floor_mod_is_sound_on_random_affine_atoms(atom):
    """Whenever the rule answers, the answer is right at every point of small boxes."""
    try:
        value, _, _ = floor_mod(atom, BOX)
    except RuleError:
        return
    for a_val, b_val in itertools.product(range(1, 4), repeat=2):
        for xv, yv in itertools.product(range(a_val), range(b_val)):
            env = {A: a_val, B: b_val, x: xv, y: yv}
            assert atom.xreplace(env) == sympy.sympify(value).xreplace(env), (atom, env)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=5, max_size=5))
def test_provably_nonnegative_is_sound(coeffs):
    expr = sum(c * m for c, m in zip(coeffs, [1, A, B, A * B, P]))
    if provably_nonnegative(expr):
        for a_val, b_val, p_val in itertools.product(range(1, 5), range(1, 5), range(0, 4)):
            assert expr.xreplace({A: a_val, B: b_val, P: p_val}) >= 0


def test_split_reverse_and_close():
    flat, a, b = sympy.symbols("l a b", integer=True, nonnegative=True)
    term = Sum(((flat, A * B - 1),), (Access("t", (flat,)),))
    parts = split(term, flat, (A, B), (a, b)).term
    assert parts.bounds == ((a, A - 1), (b, B - 1))
    assert sympy.expand(parts.factors[0].index[0] - (a * B + b)) == 0
    rev = reverse(parts, b).term
    assert sympy.expand(rev.factors[0].index[0] - (a * B + B - 1 - b)) == 0
    # a sum over a box equals itself with the variables renamed and the sums swapped
    swapped = Sum(((b, B - 1), (a, A - 1)), (Access("t", (a * B + b,)),))
    assert "swap" in " ".join(close(parts, swapped).conditions)
    with pytest.raises(RuleError):
        close(parts, rev)  # reversed summand: not the same factors
    with pytest.raises(Exception, match="box"):
        Sum(((a, A - 1), (b, a)), ())  # triangular ranges are refused


def test_floor_lemma_checked_and_exhaustively_true():
    s = sympy.Symbol("s", integer=True, positive=True)
    assert floor_lemma(s)
    with pytest.raises(RuleError):
        floor_lemma(s - 1)
    for sv, m, o in itertools.product(range(1, 6), range(-12, 13), range(-6, 7)):
        assert (o * sv <= m) == (o <= m // sv)


def test_window_count_matches_the_formula_exhaustively():
    for i, k, s, pl, pr, d in itertools.product(range(1, 7), range(1, 4), range(1, 4), range(3),
                                                range(3), range(1, 3)):
        if d * (k - 1) + 1 <= i + pl + pr:
            assert count_windows(i, k, s, pl, pr, d) == output_length(i, k, s, pl, pr, d)
