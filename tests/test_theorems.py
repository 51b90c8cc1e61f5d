"""Every theorem holds on every configuration, and the registry refuses what it does not know."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from symconv import (
    DEFAULT_SPECS,
    ConvSpec,
    SpecError,
    SymconvError,
    Theorem,
    correlate,
    estimate,
    get_theorem,
    not_applicable,
    prove,
    theorem_names,
)
from tests.strategies import conv_specs, small_specs

HEAVY_SECONDS = 10  # a generated layer whose proof is estimated above this is not run here

REQUIRED = {"elementwise-equals-dot", "dot-equals-im2col", "convolution-is-flipped-correlation",
            "flip-is-involution", "output-size"}


def test_registry_has_the_required_theorems():
    assert set(theorem_names()) >= REQUIRED
    for name in theorem_names():
        thm = get_theorem(name)
        assert thm.name == name and thm.statement and thm.conditions


@pytest.mark.parametrize("name", theorem_names())
@pytest.mark.parametrize(("label", "spec"), DEFAULT_SPECS, ids=[lbl for lbl, _ in DEFAULT_SPECS])
def test_default_configurations(name, label, spec):
    thm = get_theorem(name)
    reason = not_applicable(thm, spec)
    if reason:  # refused, with the reason, never proved about a layer it does not speak of
        field = reason.split(":")[0].split("=")[0]
        assert field in ("padding_mode", "stride", "dilation", "groups"), reason
        with pytest.raises(SpecError) as refused:
            prove(name, spec)
        assert str(refused.value).startswith(reason)
        return
    proof = prove(name, spec)
    assert proof, str(proof)
    assert proof.positions > 0 and proof.elapsed >= 0
    if thm.prover is None:  # the FFT theorems compare in Q(zeta_N), by their own method
        assert proof.method == "canonical polynomial forms (exact)"


@settings(max_examples=80, deadline=None)
@given(conv_specs())
def test_every_theorem_on_generated_specs(spec):
    for name in theorem_names():
        if not_applicable(get_theorem(name), spec):
            continue
        est = estimate(spec, "prove", theorem=name)
        if est.seconds > HEAVY_SECONDS:
            # only the FFT proofs (m = lcm(N) coefficients per product) get this heavy on these
            # layers; tests/test_fourier.py draws their layers, test_fourier_cost their refusals
            assert name.startswith("fft-"), (name, est)
            continue
        proof = prove(name, spec)
        assert proof, str(proof)


@settings(max_examples=15, deadline=None)
@given(small_specs(max_size=4, max_batch=1))
def test_sympy_backend_proves_the_same(spec):
    for name in ("all-formulations-agree", "convolution-is-flipped-correlation"):
        assert prove(name, spec, backend="sympy")


def test_products_are_counted():
    spec = ConvSpec((32, 32), (3, 3), in_channels=3, out_channels=8)
    proof = prove("elementwise-equals-dot", spec)
    assert proof.positions == 8 * 30 * 30
    assert proof.products == 8 * 30 * 30 * 27


def test_output_size_counts_windows_by_enumeration():
    spec = ConvSpec((10, 9), (3, 4), stride=(3, 2), padding=((2, 0), (1, 1)), dilation=(2, 1))
    proof = prove("output-size", spec)
    assert proof and spec.output_size == (3, 4)


def test_a_false_theorem_is_disproved():
    wrong = Theorem("correlation-is-convolution", "a false statement", correlate,
                    lambda x, w, s: correlate(x, w[..., ::-1], s), "correlate", "half-flipped")
    proof = prove(wrong, ConvSpec((4, 4), (2, 2)))
    assert not proof and proof.counterexample.only_left
    assert str(proof).startswith("DISPROVED: correlation-is-convolution on 4x4 * 2x2")


def test_unknown_theorem_suggests():
    with pytest.raises(SymconvError, match=r"^theorem: no theorem named 'elementwise-equal-dot'"
                                           r"; did you mean elementwise-equals-dot"):
        get_theorem("elementwise-equal-dot")


def test_flip_condition_is_stated():
    thm = get_theorem("convolution-is-flipped-correlation")
    assert "same" in thm.conditions and "mirror" in thm.conditions


def test_proof_transcript_lists_steps():
    text = str(prove("dot-equals-im2col", ConvSpec((5, 5), (3, 3), batch=2)))
    assert text.splitlines()[0] == "PROVED: dot-equals-im2col on 5x5 * 3x3, N=2"
    assert "all 18 positions have identical canonical forms" in text
