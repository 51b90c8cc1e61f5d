"""The index-level descriptions are the code: instantiated at random concrete layers they equal
the numpy formulations of symconv.forms run on symbolic tensors (exact comparison)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings

from symconv import (
    ConvSpec,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col_matmul,
    prove_equal,
    symbolic_input,
    symbolic_weight,
)
from symconv.general import RANKS, general_theorems, prove_general
from symconv.general.formulations import (
    Padding,
    Sizes,
    convolution,
    definition,
    dot,
    elementwise,
    flip_flip,
    flipped_correlation,
    im2col,
)
from symconv.general.instantiate import evaluate
from symconv.general.output_size import count_windows
from symconv.general.registry import INSTANCE_ONLY
from symconv.strategies import conv_specs
from symconv.theorems import theorem_names

SPECS = conv_specs(max_size=5, max_kernel=3, max_channels=4, max_batch=2)


def _tensors(spec):
    return symbolic_input(spec, backend="ring"), symbolic_weight(spec, backend="ring")


@settings(max_examples=50, deadline=None)
@given(SPECS)
def test_sum_descriptions_equal_the_code(spec):
    sz = Sizes.make(spec.rank)
    x, w = _tensors(spec)
    pairs = [(definition(sz), correlate(x, w, spec)),
             (elementwise(sz), elementwise_sum(x, w, spec)),
             (dot(sz), flattened_dot(x, w, spec)),
             (im2col(sz, "batch-slowest"), im2col_matmul(x, w, spec, "batch-slowest")),
             (im2col(sz, "batch-fastest"), im2col_matmul(x, w, spec, "batch-fastest"))]
    for form, code in pairs:
        assert prove_equal(evaluate(form, sz, spec), code), (form.label, spec)


@settings(max_examples=25, deadline=None)
@given(SPECS)
def test_flip_descriptions_equal_the_code(spec):
    sz = Sizes.make(spec.rank)
    x, w = _tensors(spec)
    pads = spec.convolution_pads  # what the pad symbols stand for in the flip theorem
    assert prove_equal(evaluate(convolution(sz), sz, spec, pads=pads), convolve(x, w, spec))
    flipped = correlate(x, flip(w), spec.replace(padding=pads))
    assert prove_equal(evaluate(flipped_correlation(sz), sz, spec, pads=pads), flipped)
    assert prove_equal(evaluate(flip_flip(sz), sz, spec, kind="weight"), flip(flip(w)))


@settings(max_examples=15, deadline=None)
@given(conv_specs(max_size=5, max_kernel=4, max_stride=1, max_channels=2, allow_same=True))
def test_same_padding_descriptions_equal_the_code(spec):
    assume(spec.padding == "same")
    sz = Sizes.make(spec.rank)
    x, w = _tensors(spec)
    assert prove_equal(evaluate(convolution(sz, Padding.SAME_MIRRORED), sz, spec),
                       convolve(x, w, spec))
    assert prove_equal(evaluate(definition(sz, Padding.SAME), sz, spec), correlate(x, w, spec))


@settings(max_examples=60, deadline=None)
@given(SPECS)
def test_output_size_formula_is_the_spec_and_the_count(spec):
    for axis in range(spec.rank):
        (pl, pr), args = spec.pads[axis], (spec.input_size[axis], spec.kernel_size[axis],
                                           spec.stride[axis])
        counted = count_windows(*args, pl, pr, spec.dilation[axis])
        assert counted == spec.output_size[axis]


def test_every_theorem_has_a_general_proof_with_the_same_name():
    assert general_theorems() == [n for n in theorem_names() if n not in INSTANCE_ONLY]
    assert set(INSTANCE_ONLY) <= set(theorem_names())  # each says what proves it instead
    from symconv import SymconvError

    for name, why in INSTANCE_ONLY.items():
        with pytest.raises(SymconvError, match=f"^theorem: {name} has no proof for every size"):
            prove_general(name)
        assert "symconv prove" in why


@pytest.mark.parametrize("rank", RANKS)
@pytest.mark.parametrize("name", general_theorems())
def test_every_general_proof_holds(name, rank):
    proof = prove_general(name, rank)
    assert proof and proof.verdict == "PROVED" and proof.steps
    text = str(proof)
    assert text.startswith(f"PROVED for every size (rank {rank}): {name}")
    assert "closing" in text and f"{len(proof.steps)} steps" in text


def test_same_padding_statement_is_proved():
    assert prove_general("convolution-is-flipped-correlation", 2, padding="same")


def test_bad_requests_raise_one_line_errors():
    from symconv import SymconvError

    with pytest.raises(SymconvError, match="did you mean elementwise-equals-dot"):
        prove_general("elementwise-equals-dt")
    with pytest.raises(SymconvError, match="rank: expected 1, 2 or 3"):
        prove_general("flip-is-involution", rank=4)
    with pytest.raises(SymconvError, match="rank-2 ConvSpec"):
        evaluate(definition(Sizes.make(2)), Sizes.make(2), ConvSpec((5,), (3,)))
