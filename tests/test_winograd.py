"""Winograd F(m, r): exact transforms against the published ones and the definition, their
proofs (and the attacks they must refuse), the tiled whole-image algorithm and its theorem."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import SymconvError
from symconv.winograd import convolution_transforms, default_points, winograd_transforms

R = sympy.Rational

# Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016), F(2,3) and F(4,3)
LAVIN_F23 = (
    sympy.Matrix([[1, 1, 1, 0], [0, 1, -1, -1]]),
    sympy.Matrix([[1, 0, 0], [R(1, 2), R(1, 2), R(1, 2)], [R(1, 2), R(-1, 2), R(1, 2)],
                  [0, 0, 1]]),
    sympy.Matrix([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]),
)
LAVIN_F43 = (
    sympy.Matrix([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                  [0, 1, -1, 8, -8, 1]]),
    sympy.Matrix([[R(1, 4), 0, 0], [R(-1, 6), R(-1, 6), R(-1, 6)], [R(-1, 6), R(1, 6), R(-1, 6)],
                  [R(1, 24), R(1, 12), R(1, 6)], [R(1, 24), R(-1, 12), R(1, 6)], [0, 0, 1]]),
    sympy.Matrix([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                  [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]),
)


def _rank_one_terms(transforms):
    """The α rank-one pieces AT[:, i] ⊗ G[i, :] ⊗ BT[i, :]: invariant under the row scalings
    (a_i, g_i, b_i) with a_i·g_i·b_i = 1 that distinguish published variants."""
    AT, G, BT = transforms
    return [sympy.tensorproduct(AT[:, i], G[i, :], BT[i, :]) for i in range(G.rows)]


def _correlation(d, g, m):
    return [sum(g[u] * d[i + u] for u in range(len(g))) for i in range(m)]


@pytest.mark.parametrize(("m", "points", "published"), [
    (2, None, LAVIN_F23), (4, [0, 1, -1, 2, -2], LAVIN_F43)])
def test_transforms_match_lavin_and_gray_up_to_row_scaling(m, points, published):
    mine = winograd_transforms(m, 3, points)
    assert [M.shape for M in mine] == [M.shape for M in published]
    assert _rank_one_terms(mine) == _rank_one_terms(published)
    assert all(isinstance(e, sympy.Rational) for M in mine for e in M)


def test_hand_worked_f23():
    AT, G, BT = winograd_transforms(2, 3)
    assert AT.tolist() == [[1, 1, 1, 0], [0, 1, -1, 1]]
    assert G.tolist() == [[1, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 1]]
    h = R(1, 2)
    assert BT.tolist() == [[1, 0, -1, 0], [0, h, h, 0], [0, -h, h, 0], [0, -1, 0, 1]]
    # BT = (V⁻¹)ᵀ for V = evaluation of a cubic at 0, 1, -1, ∞
    V = sympy.Matrix([[1, 0, 0, 0], [1, 1, 1, 1], [1, -1, 1, -1], [0, 0, 0, 1]])
    assert (BT.T * V).tolist() == sympy.eye(4).tolist()


@pytest.mark.parametrize(("m", "r"), [(1, 1), (1, 3), (2, 1), (2, 3), (3, 2), (4, 3), (6, 3),
                                      (2, 5), (4, 5)])
def test_transforms_compute_the_correlation_symbolically(m, r):
    AT, G, BT = winograd_transforms(m, r)
    d = sympy.Matrix(sympy.symbols(f"d0:{m + r - 1}"))
    g = sympy.Matrix(sympy.symbols(f"g0:{r}"))
    y = (AT * (G * g).multiply_elementwise(BT * d)).expand()
    assert list(y) == [sympy.expand(e) for e in _correlation(d, g, m)]
    assert (AT.shape, G.shape, BT.shape) == ((m, m + r - 1), (m + r - 1, r),
                                             (m + r - 1, m + r - 1))


def test_convolution_transforms_compute_true_convolution_not_correlation():
    AT, G, BT = convolution_transforms(2, 3)
    d, g = sympy.Matrix(sympy.symbols("d0:4")), sympy.Matrix(sympy.symbols("g0:3"))
    y = (AT * (G * g).multiply_elementwise(BT * d)).expand()
    assert list(y) == [sympy.expand(e) for e in _correlation(d, g[::-1], 2)]
    assert list(y) != [sympy.expand(e) for e in _correlation(d, g, 2)]


@settings(max_examples=30)
@given(m=st.integers(1, 6), r=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_numeric_agreement_with_numpy_correlate(m, r, seed):
    rng = np.random.default_rng(seed)
    AT, G, BT = (np.array(M.tolist(), dtype=float) for M in winograd_transforms(m, r))
    d, g = rng.standard_normal(m + r - 1), rng.standard_normal(r)
    y = AT @ ((G @ g) * (BT @ d))
    np.testing.assert_allclose(y, np.correlate(d, g, "valid"), rtol=1e-9, atol=1e-9)
    di, gi = rng.integers(-9, 10, m + r - 1), rng.integers(-9, 10, r)
    ATx, Gx, BTx = (np.array([[Fraction(int(e.p), int(e.q)) for e in row] for row in M.tolist()],
                             dtype=object) for M in winograd_transforms(m, r))
    exact = ATx @ ((Gx @ gi.astype(object)) * (BTx @ di.astype(object)))
    assert list(exact) == list(np.correlate(di, gi, "valid"))


def test_default_points_and_custom_points():
    assert default_points(5) == [0, 1, -1, R(1, 2), R(-1, 2)]
    AT, G, BT = winograd_transforms(2, 3, points=["1/2", Fraction(-2), 3])
    assert G[:, 0].T.tolist() == [[1, 1, 1, 0]]
    AT, G, BT = winograd_transforms(2, 2, points=[0, 1, 2])  # α finite points, no infinity
    assert G.tolist() == [[1, 0], [1, 1], [1, 2]]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"m": 2, "r": 3, "points": [0, 1, 1]}, r"^points: expected distinct points, got 1 twice"),
    ({"m": 2, "r": 3, "points": [0, 1]}, r"^points: expected 3 finite points"),
    ({"m": 2, "r": 3, "points": [0, 1, -1, 2, 3]}, r"^points: expected 3 finite points"),
    ({"m": 2, "r": 3, "points": [0, 1, sympy.oo, "oo"]}, r"^points: expected distinct points"),
    ({"m": 2, "r": 3, "points": [0, 0.5, 1]}, r"^points: expected exact rationals"),
    ({"m": 2, "r": 3, "points": [0, "x", 1]}, r"^points: expected exact rationals"),
    ({"m": 0, "r": 3}, r"^m: expected an integer >= 1, got 0"),
    ({"m": 2, "r": 0}, r"^r: expected an integer >= 1, got 0"),
    ({"m": 2.0, "r": 3}, r"^m: expected an integer >= 1"),
])
def test_bad_arguments_are_refused_with_one_line(kwargs, message):
    with pytest.raises(SymconvError, match=message) as err:
        winograd_transforms(**kwargs)
    assert "\n" not in str(err.value)
