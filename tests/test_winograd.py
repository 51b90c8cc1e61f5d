"""Winograd F(m, r): exact transforms against the published ones and the definition, their
proofs (and the attacks they must refuse), the tiled whole-image algorithm and its theorem."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, Proof, SpecError, SymconvError, correlate, prove
from symconv.latex.derivation import DerivationError
from symconv.latex.winograd import winograd_page
from symconv.strategies import conv_specs
from symconv.theorem import Theorem
from symconv.winograd import (
    WINOGRAD_THEOREM,
    WinogradProof,
    convolution_transforms,
    default_points,
    prove_winograd,
    winograd_conv,
    winograd_theorem,
    winograd_transforms,
)
from tests.cli_runner import run_cli

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


# ---- exact proofs of F(m, r) and F(m×n, r×s), and the attacks they must refuse ----

@pytest.mark.parametrize(("args", "mults", "direct"), [
    ((2, 3), 4, 6), ((4, 3), 6, 12), ((6, 3), 8, 18),
    ((2, 3, 2), 16, 36), ((4, 3, 2), 36, 144), ((3, 2, 2), 16, 36)])
def test_the_issue_cases_are_proved_with_their_multiplication_counts(args, mults, direct):
    proof = prove_winograd(*args)
    assert isinstance(proof, WinogradProof) and isinstance(proof, Proof)
    assert proof.holds and proof.counterexample is None
    assert (proof.multiplications, proof.direct_multiplications) == (mults, direct)
    assert str(proof).startswith("PROVED: F(")
    assert proof.elapsed < 10


def test_non_square_rank_two_and_per_axis_points():
    proof = prove_winograd(2, 3, rank=2, n=4, s=2, points=([0, 1, -1], [0, 1, -1, 2]))
    assert proof and proof.tile == (2, 4) and proof.taps == (3, 2)
    assert (proof.multiplications, proof.direct_multiplications) == (4 * 5, 6 * 8)
    assert proof.statement.startswith("F(2×4, 3×2)")


def test_tampered_g_is_disproved_with_a_counterexample():
    AT, G, BT = winograd_transforms(2, 3)
    G = G.copy()
    G[1, 1] = 2  # was 1
    proof = prove_winograd(2, 3, transforms=(AT, G, BT))
    assert not proof and proof.counterexample is not None
    cex = proof.counterexample
    assert cex.position == (0,) and cex.differing == 2
    assert cex.left_value != cex.right_value
    assert "DISPROVED" in str(proof)


def test_tampered_rank_two_transform_is_disproved():
    AT, G, BT = winograd_transforms(2, 3)
    BT2 = BT.copy()
    BT2[3, 3] = 2
    proof = prove_winograd(2, 3, rank=2, transforms=((AT, G, BT), (AT, G, BT2)))
    assert not proof and proof.counterexample is not None


def test_convolution_transforms_used_as_correlation_are_disproved():
    proof = prove_winograd(2, 3, transforms=convolution_transforms(2, 3))
    assert not proof
    # the flipped roles: d0·g2 where the correlation has d0·g0
    assert ((("d_{0}", "g_{2}"), 1) in proof.counterexample.only_left)
    assert ((("d_{0}", "g_{0}"), 1) in proof.counterexample.only_right)


def test_bad_transforms_are_refused_with_one_line():
    AT, G, BT = winograd_transforms(2, 3)
    with pytest.raises(SymconvError, match=r"^transforms\.G: expected shape \(4, 3\)"):
        prove_winograd(2, 3, transforms=(AT, G[:, :2], BT))
    with pytest.raises(SymconvError, match=r"^transforms\.G: expected exact rational entries"):
        prove_winograd(2, 3, transforms=(AT, G * 1.0, BT))
    with pytest.raises(SymconvError, match=r"^transforms: expected a triple"):
        prove_winograd(2, 3, transforms=(AT, G))
    with pytest.raises(SymconvError, match=r"^rank: expected 1, 2 or 3"):
        prove_winograd(2, 3, rank=4)


# ---- the tiled whole-image algorithm and its theorem ----

@pytest.mark.parametrize("spec", [
    ConvSpec((5, 5), (3, 3)), ConvSpec((6, 6), (3, 3), in_channels=3, out_channels=2, batch=2),
    ConvSpec((5, 5), (3, 3), padding=1), ConvSpec((6, 5), (4, 2), padding="same"),
    ConvSpec((6, 7), (2, 3), padding=((1, 0), (0, 2))),
    ConvSpec((5, 5), (3, 3), in_channels=4, out_channels=6, groups=2),
    ConvSpec((5, 5), (3, 3), padding=2, padding_mode="reflect"),
    ConvSpec((9,), (3,), padding=1, out_channels=2), ConvSpec((4, 4, 4), (2, 2, 2), in_channels=2),
    ConvSpec((3, 3), (3, 3)), ConvSpec((7, 7), (1, 1))])
@pytest.mark.parametrize("m", [2, 4])
def test_tiled_theorem_is_proved_on_the_default_layers(spec, m):
    proof = prove(winograd_theorem(m), spec)
    assert proof, str(proof)


@settings(max_examples=25)
@given(rank=st.integers(1, 2), m=st.integers(1, 4), r=st.integers(1, 4),
       extra=st.lists(st.integers(0, 6), min_size=2, max_size=2), pad=st.integers(0, 2),
       channels=st.integers(1, 2))
def test_tiled_theorem_on_random_sizes(rank, m, r, extra, pad, channels):
    size = tuple(r + e for e in extra[:rank])
    spec = ConvSpec(size, (r,) * rank, in_channels=channels, out_channels=2, padding=pad)
    assert prove(winograd_theorem(m), spec)


def test_tiled_theorem_on_a_layer_the_vector_carrier_declines():
    spec = ConvSpec((14, 14), (3, 3), in_channels=4, out_channels=4)
    proof = prove(WINOGRAD_THEOREM, spec)
    assert proof and proof.steps[0].startswith("vector carrier declined")


def test_a_wrong_tiled_algorithm_is_disproved():
    AT, G, BT = winograd_transforms(2, 3)
    spec = ConvSpec((6, 6), (3, 3))
    def flipped(x, w, spec):
        return winograd_conv(x, w, spec, transforms=convolution_transforms(2, 3))

    bad = Theorem("bad", "flipped", flipped, correlate, "flipped Winograd", "correlation")
    proof = prove(bad, spec)
    assert not proof and proof.counterexample is not None


@pytest.mark.parametrize(("change", "field"), [({"stride": 2}, "stride"),
                                               ({"dilation": 2}, "dilation")])
def test_polyphase_false_refuses_stride_and_dilation_with_the_reason(change, field):
    spec = ConvSpec((8, 8), (3, 3), **change)
    x, w = np.ones(spec.input_shape, int), np.ones(spec.weight_shape, int)
    with pytest.raises(SpecError, match=rf"^{field}: expected 1 on every axis for Winograd"):
        winograd_conv(x, w, spec, polyphase=False)
    assert (winograd_conv(x, w, spec) == correlate(x, w, spec)).all()
    with pytest.raises(SymconvError, match=r"^transforms: expected the default points"):
        winograd_conv(x, w, spec, points=[0, 1, -1])


@pytest.mark.parametrize("spec", [
    ConvSpec((7, 7), (3, 3), stride=2), ConvSpec((7, 7), (3, 3), dilation=2),
    ConvSpec((9, 8), (3, 2), stride=(3, 2), dilation=(2, 1), padding=1),
    ConvSpec((8,), (2,), stride=3), ConvSpec((6, 6), (1, 1), stride=2),
    ConvSpec((9, 9), (3, 3), stride=2, in_channels=4, out_channels=2, groups=2)])
def test_polyphase_split_is_proved_for_stride_and_dilation(spec):
    assert prove(WINOGRAD_THEOREM, spec)
    assert prove(winograd_theorem(3), spec)


@settings(max_examples=40)
@given(spec=conv_specs(max_size=7, max_kernel=3, max_channels=2, max_batch=2, max_stride=3,
                       max_dilation=2, ranks=(1, 2)),
       m=st.integers(1, 4))
def test_tiled_theorem_over_the_whole_option_space(spec, m):
    assert prove(winograd_theorem(m), spec)


def test_a_wrong_polyphase_split_is_disproved(monkeypatch):
    from symconv.winograd import tiled

    real = tiled._valid
    calls = []

    def drop_one_phase(*args):
        calls.append(1)
        y = real(*args)
        return y * 0 if len(calls) == 2 else y

    monkeypatch.setattr(tiled, "_valid", drop_one_phase)
    proof = prove(WINOGRAD_THEOREM, ConvSpec((7,), (3,), stride=2))
    assert not proof and proof.counterexample is not None


@settings(max_examples=30)
@given(m=st.integers(1, 6), r=st.integers(1, 5), size=st.integers(0, 12),
       seed=st.integers(0, 2**32 - 1))
def test_tiled_numbers_agree_with_numpy_correlate(m, r, size, seed):
    rng = np.random.default_rng(seed)
    spec = ConvSpec((r + size, r + size // 2), (r, r), in_channels=2)
    x, w = rng.standard_normal(spec.input_shape), rng.standard_normal(spec.weight_shape)
    y = winograd_conv(x, w, spec, m=m)
    assert y.dtype == np.float64 and y.shape == spec.output_shape
    reference = sum(_scipy_free_correlate2d(x[0, c], w[0, c]) for c in range(2))
    np.testing.assert_allclose(y[0, 0], reference, rtol=1e-7, atol=1e-9 * 4**m)
    xi, wi = rng.integers(-9, 10, spec.input_shape), rng.integers(-9, 10, spec.weight_shape)
    yi = winograd_conv(xi, wi, spec, m=m)
    assert yi.dtype == np.int64 and (yi == correlate(xi, wi, spec)).all()


def _scipy_free_correlate2d(a, k):
    """Valid 2-D correlation from numpy's 1-D correlate, row by row (an independent oracle)."""
    rows = a.shape[0] - k.shape[0] + 1
    return np.array([sum(np.correlate(a[i + u], k[u], "valid") for u in range(k.shape[0]))
                     for i in range(rows)])


# ---- the derivation page and `symconv derive winograd` ----


def test_page_prints_the_published_f23_steps():
    page = winograd_page(2, 3)
    text = page.latex()
    assert r"A^{\top} &= \left[\begin{array}{cccc} 1 & 1 & 1 & 0 \\ 0 & 1 & -1 & 1" in text
    assert (r"y = A^{\top} M &= \left[\begin{array}{c} M_{0} + M_{1} + M_{2} \\ M_{1} + "
            r"M_{3}") in text
    assert (r"&= \left[\begin{array}{c} d_{0} g_{0} + d_{1} g_{1} + d_{2} g_{2} \\ d_{1} g_{0} + "
            r"d_{2} g_{1} + d_{3} g_{2} \end{array}\right]") in text
    assert "4 instead of 6" in page.document()
    assert page.markdown().startswith("```math\n\\begin{aligned}")


def test_page_refuses_a_wrong_printed_step(monkeypatch):
    from symconv.latex import winograd as module

    real = module._checked
    monkeypatch.setattr(module, "_checked", lambda shown, value, what: real(
        shown * 2 if what == "tile transform" else shown, value, what))
    with pytest.raises(DerivationError, match="tile transform"):
        winograd_page(2, 3)


@pytest.mark.parametrize("args", [(2, 3, 1), (4, 3, 1), (6, 3, 1), (2, 3, 2), (4, 3, 2),
                                  (3, 2, 2), (1, 1, 1)])
def test_page_compiles_cleanly(tex, args):
    m, r, rank = args
    compiled = tex(winograd_page(m, r, rank=rank).document())
    assert compiled.pdf.startswith(b"%PDF") and compiled.problems == []


def test_cli_derive_winograd(capsys, tex):
    code, out, err = run_cli(capsys, "derive", "winograd", "--m", "2", "--r", "3")
    assert code == 0 and out.startswith("\\begin{align*}") and "M_{0} + M_{1} + M_{2}" in out
    code, out, _ = run_cli(capsys, "derive", "winograd", "--m", "4", "--r", "3", "--format",
                           "document")
    assert code == 0 and "36 instead of 144" not in out and "6 instead of 12" in out
    assert tex(out).problems == []
    code, out, _ = run_cli(capsys, "derive", "winograd", "--rank", "2", "--format", "document")
    assert code == 0 and "16 instead of 36" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("--m", "0"), "--m: expected an integer from 1 to 12, got '0'"),
    (("--r", "x"), "--r: expected an integer from 1 to 12, got 'x'"),
    (("--rank", "3"), "--rank: expected an integer from 1 to 2, got '3'"),
    (("--m", "8", "--r", "6"), "--m: expected m + r - 1 <= 12, got 13"),
    (("--format", "figures-svg", "-o", "x.svg"), "--format: derive winograd has no figures")])
def test_cli_derive_winograd_bad_input(capsys, argv, message):
    code, out, err = run_cli(capsys, "derive", "winograd", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@settings(max_examples=40)
@given(m=st.integers(1, 4), r=st.integers(1, 4), data=st.data())
def test_any_distinct_points_give_a_proved_algorithm_and_a_repeat_is_refused(m, r, data):
    alpha = m + r - 1
    rationals = st.fractions(min_value=-4, max_value=4, max_denominator=4)
    points = data.draw(st.lists(rationals, min_size=alpha - 1, max_size=alpha - 1, unique=True))
    proof = prove_winograd(m, r, points=points)
    assert proof and proof.multiplications == alpha
    if alpha >= 3:
        with pytest.raises(SymconvError, match="^points: expected distinct points"):
            winograd_transforms(m, r, points=[*points[:-1], points[0]])
