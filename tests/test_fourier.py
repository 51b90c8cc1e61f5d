"""symconv.fourier: exact Q(ζ_m) arithmetic, the DFT carrier and the FFT convolution theorems.

Hand-worked DFTs (n = 2, 3, 4), hypothesis over small layers, numpy.fft / scipy.signal as
independent numeric oracles, and the attacks each PROVED verdict must refuse: too little zero
padding, a wrong or non-primitive root of unity, the conjugation omitted.
"""

from __future__ import annotations

import cmath
import dataclasses
import os
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv import ConvSpec, SpecError, SymconvError, correlate
from symconv.fourier import (
    FFT_THEOREMS,
    Cyclotomic,
    Forms,
    Root,
    circular_claims,
    cyclotomic_polynomial,
    dft,
    idft,
    linear_claims,
    prove_fft,
    reduction_matrix,
)
from symconv.fourier import carrier as carrier_module
from symconv.fourier import transforms as transforms_module
from tests.strategies import conv_specs

LINEAR, CIRCULAR = "fft-linear-convolution", "fft-circular-convolution"


# ---- the field ----------------------------------------------------------------------------
@pytest.mark.parametrize("m", range(1, 61))
def test_cyclotomic_polynomial_matches_sympy(m):
    t = sympy.Symbol("t")
    assert list(cyclotomic_polynomial(m)) == sympy.Poly(sympy.cyclotomic_poly(m, t),
                                                        t).all_coeffs()[::-1]


@pytest.mark.parametrize("m", [1, 2, 3, 4, 6, 7, 9, 12, 15])
def test_reduction_rows_are_powers_mod_phi(m):
    t = sympy.Symbol("t")
    phi = sympy.cyclotomic_poly(m, t)
    for e, row in enumerate(reduction_matrix(m)):
        rem = sympy.Poly(sympy.rem(t ** e, phi, t), t)
        coeffs = [int(rem.coeff_monomial(t ** i)) for i in range(len(row))]
        assert coeffs == row.tolist()


@pytest.mark.parametrize("m", [2, 3, 5, 8, 12])
def test_root_arithmetic_computes_the_geometric_sums(m):
    z = Cyclotomic.root(m)
    assert z ** m == 1 and all(z ** k != 1 for k in range(1, m))  # primitive
    assert sum((z ** k for k in range(m)), Cyclotomic(m, [])) == 0  # computed, not assumed
    assert abs(complex(z) - cmath.exp(2j * cmath.pi / m)) < 1e-12
    assert z.conjugate() * z == 1 and (z + 1).conjugate() == z ** (m - 1) + 1


def test_cyclotomic_printing_and_refusals():
    assert str(Cyclotomic.root(4)) == "ζ₄" and str(Cyclotomic.root(4, 2)) == "-1"
    assert f"{Cyclotomic.root(6) + 1}" == "(1 + ζ₆)"
    assert Cyclotomic(5, [Fraction(1, 2)]).rational == Fraction(1, 2)
    assert Cyclotomic.root(5).rational is None
    with pytest.raises(SymconvError, match="order"):
        Cyclotomic.root(5) + Cyclotomic.root(7)
    with pytest.raises(SymconvError, match="order: expected an integer >= 1"):
        cyclotomic_polynomial(0)


# ---- hand-worked DFTs -------------------------------------------------------------------------
def _polys(forms, names):
    return [str(p) for p in forms.polynomials(names, [])]


def test_dft_n2_by_hand():
    x = Forms.variables((2,), "x", order=2)
    assert _polys(dft(x, Root(2)), ["a", "b"]) == ["a + b", "a - b"]


def test_dft_n3_entries_and_inverse():
    x = Forms.variables((3,), "x", order=3)
    coords = dft(x, Root(3)).field()  # X[f] = Σ_j ζ^(fj) x_j; ζ^2 = -1 - ζ
    assert coords[2, 1, 0].tolist() == [-1, -1] and coords[2, 2, 0].tolist() == [0, 1]  # ζ^4 = ζ
    assert coords[1, 2, 0].tolist() == [-1, -1] and coords[0, 2, 0].tolist() == [1, 0]
    assert _polys(idft(dft(x, Root(3)), Root(3)), ["a", "b", "c"]) == ["a", "b", "c"]


def test_dft_n4_matrix_is_powers_of_i():
    x = Forms.variables((4,), "x", order=4)
    coords = dft(x, Root(4)).field()[:, :, 0]  # basis 1, ζ_4
    i_powers = {0: [1, 0], 1: [0, 1], 2: [-1, 0], 3: [0, -1]}
    for f in range(4):
        for j in range(4):
            assert coords[f, j].tolist() == i_powers[f * j % 4]


def test_circular_convolution_n2_by_hand():
    x = Forms.variables((2,), "x", order=2)
    w = Forms.variables((2,), "w", order=2)
    y = idft(dft(x, Root(2)) * dft(w, Root(2)), Root(2))
    got = [str(p) for p in y.polynomials(["x0", "x1"], ["w0", "w1"])]
    assert got == ["w0·x0 + w1·x1", "w0·x1 + w1·x0"]


def test_inverse_without_one_over_n_is_not_the_identity():
    x = Forms.variables((4,), "x", order=4)
    y = dft(dft(x, Root(4)), Root(4, 3))  # the inverse root, but no 1/n
    assert _polys(y, list("abcd")) == ["4·a", "4·b", "4·c", "4·d"]


# ---- the theorems on instances ----------------------------------------------------------------
PROVED_LINEAR = [
    ConvSpec((4,), (3,)), ConvSpec((5,), (5,)), ConvSpec((6,), (4,), padding="same"),
    ConvSpec((5,), (2,), padding=(2, 0), in_channels=2, out_channels=3, batch=2),
    ConvSpec((4, 3), (2, 3), padding=((1, 0), (0, 2))), ConvSpec((3, 3, 2), (2, 2, 2)),
]
PROVED_CIRCULAR = [
    ConvSpec((5,), (3,), padding=1, padding_mode="circular"),
    ConvSpec((6,), (4,), padding="same", padding_mode="circular", in_channels=2),
    ConvSpec((4,), (4,), padding=(0, 3), padding_mode="circular"),
    ConvSpec((4, 5), (2, 3), padding="same", padding_mode="circular", out_channels=2),
]


@pytest.mark.parametrize("spec", PROVED_LINEAR, ids=lambda s: s.describe())
def test_linear_theorem_proved(spec):
    proof = FFT_THEOREMS[LINEAR].prove(spec)
    assert proof and proof.counterexample is None
    assert len(proof.steps) == 4 and all("positions equal" in s for s in proof.steps[1:])


@pytest.mark.parametrize("spec", PROVED_CIRCULAR, ids=lambda s: s.describe())
def test_circular_theorem_proved(spec):
    proof = FFT_THEOREMS[CIRCULAR].prove(spec)
    assert proof and proof.positions == 3 * int(np.prod(spec.output_shape))


def test_other_primitive_roots_prove_and_larger_sizes_prove():
    spec = ConvSpec((4,), (2,))
    for root in (Root(5, 2), Root(5, 4), Root(10, 2)):  # every primitive 5th root works
        assert prove_fft(LINEAR, spec, root=root)
    assert prove_fft(LINEAR, spec, size=8)


@st.composite
def circular_specs(draw):
    rank = draw(st.sampled_from([1, 2]))
    sizes = tuple(draw(st.integers(2, 5)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, i)) for i in sizes)
    left = tuple(draw(st.integers(0, k - 1)) for k in kernel)
    return ConvSpec(sizes, kernel, padding=tuple((a, k - 1 - a) for a, k in zip(left, kernel)),
                    padding_mode="circular", in_channels=draw(st.integers(1, 2)),
                    out_channels=draw(st.integers(1, 2)), batch=draw(st.integers(1, 2)))


linear_specs = conv_specs(ranks=(1, 2), max_size=5, max_kernel=3, max_channels=2, max_stride=1,
                          max_dilation=1, max_groups=1, padding_modes=("zeros",)).map(
    lambda s: dataclasses.replace(s, bias=False))


@settings(max_examples=25)
@given(linear_specs)
def test_linear_theorem_holds_on_random_layers(spec):
    assert prove_fft(LINEAR, spec)


@settings(max_examples=25)
@given(circular_specs())
def test_circular_theorem_holds_on_random_layers(spec):
    assert prove_fft(CIRCULAR, spec)


# ---- numeric oracles -----------------------------------------------------------------------
@settings(max_examples=20)
@given(linear_specs, st.integers(0, 2**32 - 1))
def test_same_code_on_floats_matches_numpy_and_scipy(spec, seed):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(spec.input_shape), rng.standard_normal(spec.weight_shape)
    sizes = tuple(p + k - 1 for p, k in zip(spec.padded_size, spec.kernel_size))
    m = int(np.lcm.reduce(sizes))
    roots = tuple(Root(m, m // s) for s in sizes)
    full, by_flip, by_conj = (c.numeric(x, w) for c in linear_claims(spec, sizes, roots))
    xp = np.pad(x, [(0, 0), (0, 0), *spec.pads])
    expect = np.array([[sum(signal.fftconvolve(xp[n, c], w[f, c]) for c in range(x.shape[1]))
                        for f in range(w.shape[0])] for n in range(x.shape[0])])
    assert np.allclose(full, expect)
    direct = correlate(x, w, spec)
    assert np.allclose(by_flip, direct) and np.allclose(by_conj, direct)
    axes = tuple(range(-spec.rank, 0))
    assert np.allclose(dft(xp, roots[0] if spec.rank == 1 else roots, axes),
                       np.fft.fftn(xp, axes=axes)) or any(s != p for s, p in
                                                          zip(sizes, spec.padded_size))


@settings(max_examples=20)
@given(circular_specs(), st.integers(0, 2**32 - 1))
def test_integers_exactly_via_the_proved_identity(spec, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, spec.input_shape)
    w = rng.integers(-9, 10, spec.weight_shape)
    m = int(np.lcm.reduce(spec.input_size))
    roots = tuple(Root(m, m // s) for s in spec.input_size)
    assert prove_fft(CIRCULAR, spec)  # so the float FFT of integers rounds to the exact result
    for claim in circular_claims(spec, spec.input_size, roots):
        floats = claim.numeric(x.astype(float), w.astype(float))
        assert np.abs(floats.imag).max() < 1e-6
        exact = claim.reference(x, w)
        assert np.array_equal(np.rint(floats.real).astype(np.int64), exact)


def test_dft_matches_numpy_fft():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 5, 8):
        a = rng.standard_normal((2, n)) + 1j * rng.standard_normal((2, n))
        assert np.allclose(dft(a, Root(n)), np.fft.fft(a))
        assert np.allclose(idft(a, Root(n)), np.fft.ifft(a))


# ---- attacks -------------------------------------------------------------------------------
def test_too_little_padding_is_disproved_with_the_wrapped_product():
    spec = ConvSpec((5,), (3,), padding=1)  # padded (0, x0..x4, 0): length 7, full length 9
    proof = prove_fft(LINEAR, spec, size=7)
    assert not proof
    cex = proof.counterexample
    assert cex.position == (0, 0, 0) and cex.differing == 1
    # full[7] = xpad[5]·w_2 + xpad[6]·w_1 = x_4·w_2 wraps onto position 0 (full[8] = 0)
    assert cex.only_left and not cex.only_right
    (monomial, coefficient), = cex.only_left
    assert coefficient == 1 and set(monomial) == {"w_{0,0,2}", "x_{0,0,4}"}
    assert cex.values == {"w_{0,0,2}": 1, "x_{0,0,4}": 1} and cex.left_value != cex.right_value
    assert "FAILS" in proof.steps[-1] and "full linear convolution" in proof.steps[-1]


def test_too_little_padding_without_spec_padding():
    proof = prove_fft(LINEAR, ConvSpec((4,), (3,)), size=5)  # n + k - 2
    (monomial, _), = proof.counterexample.only_left
    assert set(monomial) == {"w_{0,0,2}", "x_{0,0,3}"} and proof.counterexample.differing == 1


@pytest.mark.parametrize("root", [Root(5), Root(7), Root(6, 2)], ids=str)
def test_wrong_root_is_disproved(root):
    proof = prove_fft(LINEAR, ConvSpec((4,), (3,)), root=root)  # needs a primitive 6th root
    assert not proof and proof.counterexample is not None
    cex = proof.counterexample
    assert cex.left_value != cex.right_value and set(cex.values.values()) == {1}


def test_non_primitive_root_is_disproved_with_an_exact_witness():
    spec = ConvSpec((4,), (4,), padding=(0, 3), padding_mode="circular")
    proof = prove_fft(CIRCULAR, spec, root=Root(4, 2))  # ζ_4^2 = -1 has order 2, not 4
    assert not proof
    cex = proof.counterexample
    assert cex.differing >= 1 and cex.left_value != cex.right_value
    assert "FAILS" in proof.steps[-1]


def test_wrong_root_order_gives_an_irrational_coefficient():
    proof = prove_fft(LINEAR, ConvSpec((3,), (2,)), root=Root(5))  # length 4 with ζ_5
    cex = proof.counterexample
    assert isinstance(cex.left_value, Cyclotomic) and cex.left_value.rational is None
    assert "ζ₅" in str(cex)


def test_conjugation_omitted_is_disproved():
    proof = prove_fft(LINEAR, ConvSpec((4,), (2,)), conjugate=False)
    assert not proof and "conjugation omitted" in proof.steps[-1]
    assert proof.steps[1].endswith("products)") and proof.steps[2].endswith("products)")
    assert proof.counterexample.only_right  # correlation products the plain product misses


def test_int64_overflow_guard_switches_to_exact_ints(monkeypatch):
    monkeypatch.setattr(carrier_module, "INT64_SAFE", 2)
    proof = prove_fft(LINEAR, ConvSpec((3,), (2,)))
    assert proof
    x = Forms.variables((3,), "x", order=3)
    assert dft(x, Root(3)).data.dtype == object


# ---- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, spec, match", [
    (LINEAR, ConvSpec((8,), (3,), stride=2), r"^stride: fft-linear-convolution needs stride 1"),
    (LINEAR, ConvSpec((8,), (3,), dilation=2), r"^dilation: "),
    (LINEAR, ConvSpec((8,), (3,), in_channels=2, out_channels=2, groups=2), r"^groups: "),
    (LINEAR, ConvSpec((8,), (3,), bias=True), r"^bias: "),
    (LINEAR, ConvSpec((8,), (3,), padding=1, padding_mode="circular"), r"^padding_mode: "),
    (CIRCULAR, ConvSpec((8,), (3,), padding=1), r"^padding_mode: .*'circular'"),
    (CIRCULAR, ConvSpec((8,), (3,), padding=2, padding_mode="circular"), r"^padding: "),
])
def test_unsupported_specs_are_refused_in_one_line(name, spec, match):
    with pytest.raises(SpecError, match=match) as err:
        prove_fft(name, spec)
    assert "\n" not in str(err.value)


def test_bad_options_are_refused():
    with pytest.raises(SpecError, match=r"^size: expected 1 transform length"):
        prove_fft(LINEAR, ConvSpec((4,), (3,)), size=3)
    with pytest.raises(SpecError, match=r"^size: circular"):
        prove_fft(CIRCULAR, ConvSpec((4,), (3,), padding=1, padding_mode="circular"), size=6)
    with pytest.raises(SymconvError, match=r"^theorem: no FFT theorem"):
        prove_fft("fft-convolution", ConvSpec((4,), (3,)))
    with pytest.raises(SpecError, match=r"^spec: expected a ConvSpec"):
        prove_fft(LINEAR, (4, 3))


def test_public_api():
    assert symconv.FFT_THEOREMS is FFT_THEOREMS and symconv.prove_fft is prove_fft
    assert set(FFT_THEOREMS) == {LINEAR, CIRCULAR}
    for name in symconv.fourier.__all__:
        assert getattr(symconv.fourier, name) is not None


# ---- the derivation page and the CLI -----------------------------------------------------------
IN_CI = os.environ.get("CI", "").lower() == "true"



def test_page_shows_powers_product_inverse_and_result():
    from symconv.latex.fourier import fft_page

    page = fft_page()  # n = 3, k = 2, N = 4
    tex = page.latex()
    assert r"\zeta_{4}^{3}" in tex and r"F &= \left[\begin{matrix}1 & 1 & 1 & 1" in tex
    assert r"\hat{I}_{1}\hat{K}_{1} &= I_{0} K_{0} + \zeta_{4} I_{0} K_{1}" in tex
    assert r"S_{1} &= \frac{1}{4}\sum_{f=0}^{3} \zeta_{4}^{-f}" in tex
    assert tex.rstrip().endswith(r"\end{align*}")
    assert r"S^{\star}_{0} &= I_{0} K_{0} + I_{1} K_{1}" in tex  # correlate, exactly
    assert r"\Phi_{4}(t) &= t^{2} + 1" in tex and page.proofs[0]


def test_page_refuses_what_it_cannot_print():
    from symconv.latex.fourier import fft_page

    with pytest.raises(SpecError, match=r"^input_size: the FFT page prints an N×N matrix"):
        fft_page(ConvSpec((8,), (3,)))
    with pytest.raises(SpecError, match=r"^spec: the FFT page is for a 1-D layer"):
        fft_page(ConvSpec((3, 3), (2, 2)))
    with pytest.raises(SpecError, match=r"^stride: "):
        fft_page(ConvSpec((7,), (2,), stride=2))


@pytest.mark.parametrize("spec", [None, ConvSpec((4,), (3,), padding=1), ConvSpec((5,), (4,))],
                         ids=str)
def test_page_compiles_cleanly(tex, spec):
    from symconv.latex.fourier import fft_page

    compiled = tex(fft_page(spec).document())
    assert compiled.pdf.startswith(b"%PDF") and compiled.problems == []


def test_cli_derive_fft(capsys):
    from symconv.cli.derive import FFT_PAGES
    from symconv.latex.fourier import FFT_DERIVATIONS
    from tests.cli_runner import run_cli

    assert FFT_PAGES == FFT_DERIVATIONS
    code, out, _ = run_cli(capsys, "derive", "fft-linear-convolution", "--format", "markdown")
    assert code == 0 and "**Pointwise product.**" in out and "```math" in out
    code, out, _ = run_cli(capsys, "derive", "fft-linear-convolution", "--input", "4",
                           "--kernel", "2", "--names", "X,W,Y")
    assert code == 0 and r"\hat{X}_{0}\hat{W}_{0}" in out
    code, _, err = run_cli(capsys, "derive", "fft-linear-convolution", "--input", "8",
                           "--kernel", "3", "--stride", "2")
    assert code == 2 and "stride: fft-linear-convolution needs stride 1" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "derive", "fft-linear-convolution", "--format",
                           "figures-png", "-o", "unused.png")
    assert code == 2 and err.count("\n") == 1 and "figures: no figure for fft-linear" in err


def test_forms_refuse_non_bilinear_products_even_of_single_variables():
    w1 = Forms.variables((1,), "w", order=2)
    x1 = Forms.variables((1,), "x", order=2)
    with pytest.raises(SymconvError, match="not bilinear"):
        w1 * w1  # one variable each: the shapes alone cannot tell x from w
    with pytest.raises(SymconvError, match="cannot add"):
        x1 + w1
    assert (x1 * w1).kind == "xw" and prove_fft(LINEAR, ConvSpec((1,), (1,)))


def test_float_exact_matmul_equals_integer_matmul_near_its_bound():
    rng = np.random.default_rng(1)
    a = rng.integers(-2**20, 2**20, (3, 40, 64))
    b = rng.integers(-2**20, 2**20, (3, 64, 5))
    bound = int((np.abs(a).max() * np.abs(b).max()) * 64)
    assert bound < transforms_module.FLOAT_EXACT
    assert np.array_equal(transforms_module._matmul(a, b, bound), a @ b)
    big = np.array([[2**40 + 1]]), np.array([[2**20 + 1]])
    assert transforms_module._matmul(*big, 2**61)[0, 0] == (2**40 + 1) * (2**20 + 1)  # int path


def test_integer_path_proves_the_same(monkeypatch):
    monkeypatch.setattr(transforms_module, "FLOAT_EXACT", 0)
    assert prove_fft(LINEAR, ConvSpec((5, 4), (2, 3), padding=1))
    assert not prove_fft(LINEAR, ConvSpec((4,), (3,)), size=5)


# ---- the radix-2 FFT algorithm ---------------------------------------------------------------
def test_radix2_fft_equals_the_dft_exactly_and_numpy():
    from symconv.fourier import fft, ifft

    for n in (1, 2, 4, 8, 16):
        x = Forms.variables((2, n), "x", order=n)
        assert np.array_equal(fft(x, Root(n)).field(), dft(x, Root(n)).field())
        names, x1 = [f"a{j}" for j in range(n)], Forms.variables((n,), "x", order=n)
        assert _polys(ifft(fft(x1, Root(n)), Root(n)), names) == names
        a = np.random.default_rng(n).standard_normal((3, n)) + 0j
        assert np.allclose(fft(a, Root(n)), np.fft.fft(a))
    with pytest.raises(SymconvError, match=r"^size: the radix-2 FFT needs a power-of-two"):
        fft(Forms.variables((6,), "x", order=6), Root(6))


@pytest.mark.parametrize("spec", [ConvSpec((5,), (3,)), ConvSpec((6, 5), (3, 2), padding=1,
                                                                 in_channels=2)], ids=str)
def test_radix2_algorithm_proves_the_linear_theorem(spec):
    proof = prove_fft(LINEAR, spec, algorithm="radix-2")
    assert proof and "radix-2 FFT length" in proof.steps[0]


def test_radix2_attacks_and_refusals():
    circular = ConvSpec((8,), (3,), padding=1, padding_mode="circular")
    assert prove_fft(CIRCULAR, circular, algorithm="radix-2")
    assert not prove_fft(CIRCULAR, circular, algorithm="radix-2", root=Root(8, 2))
    short = prove_fft(LINEAR, ConvSpec((4,), (2,)), algorithm="radix-2", size=4)  # needs 5
    (monomial, _), = short.counterexample.only_left
    assert set(monomial) == {"w_{0,0,1}", "x_{0,0,3}"}
    with pytest.raises(SpecError, match=r"^size: algorithm='radix-2' needs power-of-two"):
        prove_fft(CIRCULAR, ConvSpec((6,), (3,), padding=1, padding_mode="circular"),
                  algorithm="radix-2")
    with pytest.raises(SymconvError, match=r"^algorithm: expected one of dft, radix-2"):
        prove_fft(LINEAR, ConvSpec((5,), (3,)), algorithm="bluestein")


def test_bound_is_an_upper_bound_after_subtraction():
    x = Forms.variables((4,), "x", order=4)
    y = dft(x, Root(4))
    d = y + y * -1  # zero, but the bound must count both terms
    assert d.bound >= 2 * y.bound and not d.field().any()
    e = y + y * -3
    assert e.bound >= int(np.abs(e.data).max())


def test_proof_scripts_run_and_prove():
    import subprocess
    import sys
    from pathlib import Path

    from symconv.fourier import FFT_SPECS, fft_transcript

    script = Path(__file__).resolve().parents[1] / "proofs" / "fft_circular_convolution.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("Theorem fft-circular-convolution: ")
    assert "5 of 5 configurations proved exactly." in run.stdout
    seed, strided = FFT_SPECS[LINEAR][0], FFT_SPECS[LINEAR][2]
    report = fft_transcript(LINEAR, [seed, strided])  # the strided layer is skipped
    assert report and report.count == 1 and report.skipped[0][1].startswith("stride: ")


@pytest.mark.parametrize("bug", ["no 1/n", "forward root in the inverse"])
def test_a_wrong_inverse_transform_is_disproved(monkeypatch, bug):
    from symconv.fourier import theorems

    def wrong_inverse(a, root, axes=(-1,)):
        if bug == "no 1/n":
            return dft(a, root, axes, inverse=True) * a.shape[-1]
        return dft(a, root, axes) * Fraction(1, a.shape[-1])

    monkeypatch.setitem(theorems.ALGORITHMS, "dft", (dft, wrong_inverse))
    proof = prove_fft(LINEAR, ConvSpec((4,), (2,)))
    assert not proof and proof.counterexample.left_value != proof.counterexample.right_value
    if bug == "no 1/n":
        assert proof.counterexample.changed  # the right products, 5 times too often


# ---- the block-sparse carrier: exactly the dense forms, and attacks across planes ----------
MULTI = ConvSpec((3, 3), (2, 2), in_channels=3, out_channels=2, batch=2)


def _tamper(monkeypatch, change):
    """Replace the FFT side of every linear claim by ``change(fft)``."""
    from symconv.fourier import theorems as fft_theorems

    real = fft_theorems.linear_claims

    def claims(*args, **kwargs):
        return tuple(dataclasses.replace(c, fft=change(c.fft)) for c in real(*args, **kwargs))

    monkeypatch.setattr(fft_theorems, "linear_claims", claims)


def _left_only(proof):
    return {frozenset(mono) for mono, _ in proof.counterexample.only_left}


def test_attack_a_side_leaking_batch_one_into_output_zero_is_disproved(monkeypatch):
    _tamper(monkeypatch, lambda fft: lambda xf, w: fft(
        np.concatenate([xf[0:1] + xf[1:2], xf[1:2]], axis=0), w))
    proof = prove_fft(LINEAR, MULTI)
    assert not proof and proof.counterexample.positions[0][0] == 0  # output n = 0
    assert frozenset({"x_{1,0,0,0}", "w_{0,0,0,0}"}) in _left_only(proof)  # x[n=1] in it
    assert all(any(v.startswith("x_{1,") for v in mono) for mono in _left_only(proof))


def test_attack_a_side_pairing_w_c_with_x_c_plus_one_is_disproved(monkeypatch):
    _tamper(monkeypatch, lambda fft: lambda xf, w: fft(np.roll(xf, -1, axis=1), w))
    proof = prove_fft(LINEAR, MULTI)
    assert not proof
    assert frozenset({"x_{0,1,0,0}", "w_{0,0,0,0}"}) in _left_only(proof)  # W[f, 0]·X[n, 1]


def test_a_transform_across_the_batch_is_carried_exactly(monkeypatch):
    # a DFT along the batch axis mixes planes (its entries keep separate terms); undone by
    # the inverse it is the identity (PROVED), left alone it is not (DISPROVED)
    def across(inverse):
        def change(fft):
            def side(xf, w):
                r = Root(xf.order, xf.order // 2)
                z = dft(xf, r, axes=(0,))
                return fft(idft(z, r, axes=(0,)) if inverse else z, w)
            return side
        return change

    _tamper(monkeypatch, across(True))
    assert prove_fft(LINEAR, MULTI)
    _tamper(monkeypatch, across(False))
    assert not prove_fft(LINEAR, MULTI)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 4), st.sampled_from(["none", "batch", "channel", "dft"]))
def test_block_forms_equal_the_dense_forms(seed, leak):
    # the dense carrier (blocks=0: every entry over every variable) is the oracle: both give
    # the same coefficient of every product at every position, leaks included
    rng = np.random.default_rng(seed)
    c, f = (int(v) for v in rng.integers(1, 3, 2))
    spec = ConvSpec((int(rng.integers(2, 4)),), (2,), in_channels=c + 1, out_channels=f,
                    batch=2)
    m = 2 * ((spec.input_size[0] + 2) // 2)  # even, >= n + 1: ζ_m^(m/2) = -1 for the batch
    sizes = (m,)
    claim = linear_claims(spec, sizes, (Root(m),))[int(rng.integers(0, 3))]
    change = {"none": lambda a: a, "batch": lambda a: a + np.roll(a, 1, axis=0),
              "channel": lambda a: np.roll(a, 1, axis=1),
              "dft": lambda a: dft(a, Root(m, m // 2), axes=(0,))}[leak]
    fields = []
    for blocks in (0, 2):
        x = Forms.variables(spec.input_shape, "x", m, blocks=blocks)
        w = Forms.variables(spec.weight_shape, "w", m, blocks=blocks)
        y = claim.fft(change(claim.transform_input(x)), w)
        fields.append((y.field(), y.scale))
    (a, sa), (b, sb) = fields
    assert np.array_equal(a * sa.numerator * sb.denominator, b * sb.numerator * sa.denominator)


@pytest.mark.parametrize("order", [0, 1000])
def test_both_transform_paths_prove_and_refuse_the_same(monkeypatch, order):
    # shifted additions (order 0) and matrix products of 0/1 shift matrices (order 1000),
    # rows split into several products by a small matrix budget
    monkeypatch.setattr(transforms_module, "MATMUL_ORDER", order)
    x = Forms.variables((2, 5), "x", order=5)
    assert np.array_equal(dft(x, Root(5)).field()[0, :, 0, 0], [[1, 0, 0, 0]] * 5)
    assert prove_fft(LINEAR, MULTI) and not prove_fft(LINEAR, ConvSpec((4,), (3,)), size=5)
    a = np.random.default_rng(0).integers(-9, 9, (7, 3, 7))
    e = np.random.default_rng(1).integers(0, 7, (6, 7))
    want = sum(np.roll(a[f], int(e[:, f][0]), axis=-1) for f in range(7))
    assert np.array_equal(transforms_module.shift_sum(a, e, 10**4)[0], want)


@pytest.mark.parametrize("safe", [2**62, 2])  # int64, and exact Python ints
def test_terms_of_one_product_are_summed_and_cancel(monkeypatch, safe):
    monkeypatch.setattr(carrier_module, "INT64_SAFE", safe)
    x = Forms.variables((2,), "x", order=2, blocks=1)  # x0, x1 in blocks 0 and 1
    y = (x[0:1] + x[1:2]) + x[0:1]  # three terms, two of them in block 0
    assert y.labels.shape == (1, 3, 2) and _polys(y, ["a", "b"]) == ["2·a + b"]
    z = (x[0:1] + x[1:2]) + x[0:1] * -1  # the terms of a cancel: only b is left
    keys, values = z.sparse()
    assert keys.tolist() == [1] and values.tolist() == [[1]]
