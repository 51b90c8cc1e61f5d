"""The five backward theorems for every size (issue 10, item 2): proofs at every rank, the
bracket descriptions tied to symconv.adjoint by instantiation, and the attacks each must refuse
(wrong statements DISPROVED with a counterexample, lying rules refused by the re-check)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, correlate, im2col, prove_equal, symbolic_input, symbolic_weight
from symconv.adjoint import col2im, conv_transpose
from symconv.adjoint import weight_gradient as weight_gradient_code
from symconv.adjoint_theorems import _inner, _loss, gradient, transposed_by_zero_insertion
from symconv.general import RANKS, RuleError, prove_general, prove_statement, statement
from symconv.general import brackets as brackets_module
from symconv.general.backward import (
    inner_col2im,
    inner_conv,
    inner_im2col,
    inner_transposed,
    loss_gradient,
    transposed,
    weight_gradient,
    zero_insertion,
)
from symconv.general.brackets import Eliminate, differentiate, eliminate, split_bracket
from symconv.general.formulations import Sizes
from symconv.general.instantiate import evaluate
from symconv.general.rules import Rewrite, close, unfold
from symconv.general.semantics import denote
from symconv.general.terms import Access, Derivative, Sum, View, bracket
from symconv.general.wellformed import check_statement
from symconv.strategies import conv_specs
from symconv.tensors import symbolic_tensor

BACKWARD = ("transposed-is-adjoint", "transposed-is-zero-insertion",
            "col2im-is-adjoint-of-im2col", "input-gradient-is-transposed-convolution",
            "weight-gradient-is-correlation")
IDX = dict(integer=True, nonnegative=True)
a, b, v, n = sympy.symbols("a b v n", **IDX)
K, N, R = sympy.symbols("K N R", integer=True, positive=True)
ZEROS = conv_specs(max_size=4, max_kernel=3, max_channels=4, max_batch=2, max_stride=2,
                   padding_modes=("zeros",))
# Ranks 1-2 up to 4 per side; rank 3 up to 3 with 2-tap kernels, one batch: a rank-3 draw of
# the 2-D bounds (up to 4x4x4 * 3x3x3, two of everything) made one test take 308 s in CI.
_RANK3 = dict(ranks=(3,), max_size=3, max_kernel=2, max_batch=1, max_stride=2)
ANY = st.one_of(conv_specs(ranks=(1, 2), max_size=4, max_kernel=3, max_channels=4, max_batch=2,
                           max_stride=2),
                conv_specs(max_channels=2, **_RANK3))
SMALL_ZEROS = st.one_of(conv_specs(ranks=(1, 2), max_size=4, max_kernel=3, max_channels=2,
                                   max_batch=2, max_stride=2, padding_modes=("zeros",)),
                        conv_specs(max_channels=2, padding_modes=("zeros",), **_RANK3))


# --- the proofs ---------------------------------------------------------------------------

@pytest.mark.parametrize("rank", RANKS)
@pytest.mark.parametrize("name", BACKWARD)
def test_every_backward_theorem_is_proved_for_every_size(name, rank):
    proof = prove_general(name, rank)
    assert proof and proof.verdict == "PROVED", proof.reason
    text = str(proof)
    assert text.startswith(f"PROVED for every size (rank {rank}): {name}")
    assert "closing check" in text and "every step re-checked" in text
    if "gradient" in name:
        assert "exact differentiation by" in text and "delta elimination" in text


def test_the_other_column_layout_is_proved_too():
    assert prove_general("col2im-is-adjoint-of-im2col", 2, layout="batch-fastest")


def test_the_gradients_are_derived_not_assumed():
    left = statement("input-gradient-is-transposed-convolution", 1).left.term
    assert isinstance(left, Derivative) and left.tensor == "x"
    assert "conv_transpose" not in str(left)


# --- the descriptions are the code ----------------------------------------------------------

def _tensors(spec):
    x, w = symbolic_input(spec, backend="ring"), symbolic_weight(spec, backend="ring")
    third = {name: symbolic_tensor(spec.output_shape, name, "ring") for name in ("y", "dout")}
    return x, w, third


@settings(max_examples=30, deadline=None)
@given(SMALL_ZEROS)  # six descriptions, some of degree 3: kept small
def test_zero_padded_descriptions_equal_the_code(spec):
    sz = Sizes.make(spec.rank)
    x, w, t = _tensors(spec)
    y, dout = t["y"], t["dout"]
    pairs = [(transposed(sz), "input", conv_transpose(y, w, spec)),
             (zero_insertion(sz), "input", transposed_by_zero_insertion(y, w, spec)),
             (transposed(sz, "dout"), "input", conv_transpose(dout, w, spec)),
             (inner_conv(sz), "scalar", _inner(correlate(x, w, spec), y)),
             (inner_transposed(sz), "scalar", _inner(x, conv_transpose(y, w, spec))),
             (loss_gradient(sz, "x"), "input", gradient(_loss(x, w, dout, spec), x))]
    for form, kind, code in pairs:
        assert prove_equal(evaluate(form, sz, spec, kind=kind), code), (form.label, spec)


@settings(max_examples=20, deadline=None)
@given(ZEROS)
def test_column_descriptions_equal_the_code(spec):
    sz = Sizes.make(spec.rank)
    x = symbolic_input(spec, backend="ring")
    shape = (spec.groups, spec.products_per_output, spec.batch * int(np.prod(spec.output_size)))
    cols = symbolic_tensor(shape, "cols", "ring")
    for layout in ("batch-slowest", "batch-fastest"):
        assert prove_equal(evaluate(inner_im2col(sz, layout), sz, spec, kind="scalar"),
                           _inner(im2col(x, spec, layout), cols)), (layout, spec)
        assert prove_equal(evaluate(inner_col2im(sz, layout), sz, spec, kind="scalar"),
                           _inner(x, col2im(cols, spec, layout))), (layout, spec)


@settings(max_examples=20, deadline=None)
@given(ANY)
def test_weight_gradient_descriptions_equal_the_code_in_every_padding_mode(spec):
    sz = Sizes.make(spec.rank)
    x, w, t = _tensors(spec)
    dout = t["dout"]
    derived = gradient(_loss(x, w, dout, spec), w)
    assert prove_equal(evaluate(loss_gradient(sz, "w"), sz, spec, kind="grouped-weight"),
                       derived), spec
    assert prove_equal(evaluate(weight_gradient(sz), sz, spec, kind="grouped-weight"),
                       weight_gradient_code(x, dout, spec)), spec


# --- wrong statements are disproved ---------------------------------------------------------

def _with(name, rank, **sides):
    return dataclasses.replace(statement(name, rank), **sides)


def _disproved(stmt):
    proof = prove_statement(stmt)
    assert not proof and proof.verdict == "DISPROVED", (proof.verdict, proof.reason)
    assert proof.counterexample is not None and "close" in proof.reason
    return proof


def test_a_transposed_convolution_ignoring_the_stride_is_disproved():
    sz = Sizes.make(1)
    proof = _disproved(_with("transposed-is-adjoint", 1, right=inner_transposed(sz, stride=(1,))))
    assert proof.counterexample.spec.stride[0] > 1
    _disproved(_with("input-gradient-is-transposed-convolution", 1,
                     right=transposed(sz, "dout", stride=(1,))))


def test_a_transposed_convolution_with_pl_and_pr_swapped_is_disproved():
    sz = Sizes.make(2)
    proof = _disproved(_with("transposed-is-adjoint", 2,
                             right=inner_transposed(sz, left_pads=sz.pr)))
    assert any(pl != pr for pl, pr in proof.counterexample.spec.pads)


def test_zero_insertion_without_the_kernel_flip_is_disproved():
    sz = Sizes.make(1)
    proof = _disproved(_with("transposed-is-zero-insertion", 1,
                             right=zero_insertion(sz, flipped=False)))
    assert proof.counterexample.spec.kernel_size[0] > 1


def test_a_weight_gradient_with_dout_and_x_swapped_is_not_proved():
    sz = Sizes.make(1)
    proof = prove_statement(_with("weight-gradient-is-correlation", 1,
                                  right=weight_gradient(sz, swapped=True)))
    assert not proof and proof.counterexample is not None


# --- the bracket rules check their side conditions ---------------------------------------------

def test_an_out_of_range_elimination_is_refused():
    outside = Sum(((v, K - 1),), (bracket(v, K), Access("x", (v,))))
    with pytest.raises(RuleError, match=r"cannot prove 0 <= K <= K - 1"):
        eliminate(outside, v, {})
    # the sum is 0 (no v < K equals K) while x[K] is not: eliminating would be unsound
    assert denote(outside, {}, {K: 2}, {}) == {}
    unrelated = Sum(((v, K - 1),), (bracket(v, n), Access("x", (v,))))
    with pytest.raises(RuleError, match=r"cannot prove 0 <= n <= K - 1"):
        eliminate(unrelated, v, {n: N - 1})
    inside = eliminate(unrelated, v, {n: K - 1})
    assert str(inside.term) == "x[n]"
    with pytest.raises(RuleError, match="coefficient ±1"):
        eliminate(Sum(((v, K - 1),), (bracket(2 * v, n), Access("x", (v,)))), v, {n: K - 1})
    half = Sum(((v, K - 1),), (bracket(2 * v, n), Access("x", (v,))))
    assert denote(half, {}, {K: 3}, {n: 1}) == {}  # 2v = 1 has no integer solution


def test_a_bracket_split_needs_the_remainder_below_the_radix():
    ok = Sum(((a, K - 1), (b, R - 1)), (bracket(a * R + b, R), Access("x", (a, b))))
    step = split_bracket(ok, 0, R, {})
    assert [str(f) for f in step.term.factors[:2]] == ["[a = 1]", "[b = 0]"]
    shifted = Sum(((a, K - 1), (b, R - 1)), (bracket(a * R + b, R + 1), Access("x", (a, b))))
    with pytest.raises(RuleError, match=r"cannot prove \|b - 1\| <= R - 1"):
        split_bracket(shifted, 0, R, {})  # at R = 1: a = 2, b = 0 solves it, [b = 1] cannot
    wide = Sum(((a, K - 1), (b, R)), (bracket(a * R + b, R), Access("x", (a, b))))
    with pytest.raises(RuleError, match=r"cannot prove \|b - R\| <= R - 1|cannot prove"):
        split_bracket(wide, 0, R, {})
    # a = 0, b = R satisfies a·R + b = R although [a = 1]·[b = 0] is 0: the split is unsound
    assert denote(wide, {}, {K: 2, R: 2}, {}) == {(("x", (), (0, 2)),): 1, (("x", (), (1, 0)),): 1}


def test_differentiation_needs_a_linear_sum_of_base_tensors():
    square = Derivative(Sum(((a, K - 1),), (Access("x", (a,)), Access("x", (a,)))), "x", (b,))
    with pytest.raises(RuleError, match="exactly one"):
        differentiate(square)
    assert denote(square, {}, {K: 2}, {b: 0}) == {(("x", (), (0,)),): 2}  # d(x0²)/dx0 = 2·x0
    view = View("xv", (a,), Access("x", (a,)), "a copy of x")
    hidden = Derivative(Sum(((a, K - 1),), (Access("xv", (a,)),)), "x", (b,))
    with pytest.raises(RuleError, match="unfold xv first"):
        differentiate(hidden, {"xv": view})


def test_brackets_close_up_to_sign_only():
    left = Sum(((a, K - 1),), (bracket(a + 1, b), Access("x", (a,))))
    assert close(left, Sum(((v, K - 1),), (bracket(b, v + 1), Access("x", (v,)))))
    with pytest.raises(RuleError, match="the factors differ"):
        close(left, Sum(((v, K - 1),), (bracket(b, v + 2), Access("x", (v,)))))
    with pytest.raises(RuleError, match="the factors differ"):
        close(left, Sum(((v, K - 1),), (bracket(b + v, 1), Access("x", (v,)))))


def test_a_sum_view_is_spliced_without_capture():
    body = Sum(((a, K - 1),), (Access("x", (a, b)),))  # b is the formal
    view = View("row", (b,), body, "row sums")
    term = Sum(((a, N - 1),), (Access("row", (a,)), Access("y", (a,))))
    step = unfold(term, view)
    assert len(step.term.variables) == 2 and len(set(step.term.variables)) == 2
    sizes = {K: 2, N: 3}
    assert denote(step.term, {}, sizes, {}) == denote(term, {"row": view}, sizes, {})


# --- rules that lie are refused by the re-check ---------------------------------------------

def test_a_lying_elimination_is_refused(monkeypatch):
    def drop(term, var, free):  # Σ_v [v = e]·f(v) "=" Σ_v f(v): the bracket forgotten
        position = brackets_module._solutions(term, var)[0][0]
        return Rewrite(Sum(term.bounds, term.factors[:position] + term.factors[position + 1:]),
                       "sum of a bracket (delta elimination)")

    def shifted(term, var, free):  # f(e + 1) instead of f(e)
        step = eliminate(term, var, free)
        nn = sympy.Symbol("n", **IDX)
        return Rewrite(Sum(step.term.bounds, tuple(f.xreplace({nn: nn + 1})
                                                   for f in step.term.factors)), step.rule)

    for liar in (drop, shifted):
        monkeypatch.setattr(brackets_module, "eliminate", liar)
        proof = prove_general("input-gradient-is-transposed-convolution", 1)
        assert not proof and "re-check" in proof.reason and "refused" in proof.reason, liar


def test_a_lying_differentiation_is_refused(monkeypatch):
    def forget(derivative, views=()):
        step = differentiate(derivative, views)
        return Rewrite(Sum(step.term.bounds, step.term.factors[1:]), step.rule)
    monkeypatch.setattr(brackets_module, "differentiate", forget)
    proof = prove_general("weight-gradient-is-correlation", 2)
    assert not proof and "re-check" in proof.reason


def test_forward_statements_still_read_only_w_and_xpad():
    stmt = statement("definition-equals-elementwise", 1)
    sz = stmt.sizes
    reads_x = dataclasses.replace(stmt.right, term=Sum(stmt.right.term.bounds, (
        *stmt.right.term.factors, Access("x", (sz.n,)))))
    with pytest.raises(RuleError, match=r"'x' is neither a base tensor \(w, xpad\)"):
        check_statement(dataclasses.replace(stmt, right=reads_x))
    backward = statement("transposed-is-adjoint", 1)
    with pytest.raises(RuleError, match="kind: expected 'output' or 'weight'"):
        check_statement(dataclasses.replace(backward, backward=False))


def test_a_tactic_subclass_cannot_bring_its_own_rewrites():
    class Sneaky(Eliminate):
        def rewrites(self, term, views, entry, notes):  # the right answer, unchecked
            return [Rewrite(statement("input-gradient-is-transposed-convolution", 1)
                            .right.term, "trust me")]
    stmt = statement("input-gradient-is-transposed-convolution", 1)
    sneaky = dataclasses.replace(stmt, left_script=(*stmt.left_script[:-1], Sneaky()))
    proof = prove_statement(sneaky)
    assert not proof and "unknown tactic" in proof.reason


@settings(max_examples=200, deadline=None)
@given(st.integers(-2, 2), st.integers(-2, 2), st.integers(-2, 2), st.integers(-2, 2),
       st.sampled_from([1, -1, 2]), st.integers(0, 10 ** 6))
def test_whatever_the_bracket_rules_accept_holds_at_small_sizes(p, q, r, t, alpha, seed):
    """[alpha·v = p·a + q·K + r·R + t] over a box: an accepted elimination or split must
    denote the same sum as the original at every size tried (independently of the prover)."""
    import random

    rng = random.Random(seed)
    e = p * a + q * K + r * R + t
    term = Sum(((v, K + R - 1), (a, R - 1)), (bracket(alpha * v, e), Access("x", (v, a))))
    split = Sum(((a, K - 1), (b, R - 1)), (bracket(a * R + b, p * R + q + t * b),
                                           Access("x", (a, b))))
    attempts = [lambda: eliminate(term, v, {}), lambda: split_bracket(split, 0, R, {})]
    for original, attempt in zip((term, split), attempts):
        try:
            step = attempt()
        except RuleError:
            continue
        for _ in range(6):
            sizes = {K: rng.randint(1, 4), R: rng.randint(1, 4)}
            assert denote(step.term, {}, sizes, {}) == denote(original, {}, sizes, {}), (
                str(original), str(step.term), sizes)


@pytest.mark.parametrize("spec", [
    ConvSpec((7,), (3,), stride=2, padding=1), ConvSpec((6,), (2,), stride=3, padding=(2, 0)),
    ConvSpec((5, 6), (2, 3), stride=(2, 2), dilation=(1, 2), padding=((1, 0), (0, 2)),
             in_channels=2, out_channels=4, groups=2)])
def test_the_descriptions_cover_every_output_padding(spec):
    """The entry ranges over i < I for every I: at I = transposed_input_size(e) (same output
    size) the one description is conv_transpose with output_padding e, both forms."""
    sz = Sizes.make(spec.rank)
    w = symbolic_weight(spec, backend="ring")
    y = symbolic_tensor(spec.output_shape, "y", "ring")
    tried = 0
    for e in range(max(spec.stride + spec.dilation)):
        try:
            size = spec.transposed_input_size(e)
        except Exception:  # noqa: BLE001 - e too large for some axis: PyTorch refuses it too
            continue
        longer = spec.replace(input_size=size)
        if longer.output_size != spec.output_size:
            continue
        tried += 1
        described = evaluate(transposed(sz), sz, longer, kind="input")
        assert prove_equal(described, conv_transpose(y, w, spec, e)), e
        assert prove_equal(evaluate(zero_insertion(sz), sz, longer, kind="input"),
                           transposed_by_zero_insertion(y, w, spec, e)), e
    assert tried >= 2


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-2, 2), min_size=5, max_size=5), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 4), st.booleans())
def test_the_semantics_sums_brackets_as_plain_enumeration_does(coef, A, B, C, two):
    """The bracket-solving enumeration of the semantics (the re-check) against a plain loop."""
    import itertools
    from collections import Counter

    al, be, ga, de, ep = coef
    KA, KB, KC = sympy.symbols("KA KB KC", integer=True, positive=True)
    first = bracket(al * a + be * b + ga * KA, de * v + ep)
    factors = (first, bracket(a + v, b + 1)) if two else (first,)
    term = Sum(((a, KA - 1), (b, KB - 1), (v, KC - 1)), (*factors, Access("x", (a, b, v))))
    expected = Counter()
    for pa, pb, pv in itertools.product(range(A), range(B), range(C)):
        holds = al * pa + be * pb + ga * A == de * pv + ep and (not two or pa + pv == pb + 1)
        if holds:
            expected[(("x", (), (pa, pb, pv)),)] += 1
    assert denote(term, {}, {KA: A, KB: B, KC: C}, {}) == expected


def test_a_fractional_or_missing_value_is_refused():
    half = Sum(((v, K - 1),), (bracket(2 * v, n), Access("x", (v,))))
    with pytest.raises(RuleError, match="coefficient ±1"):
        eliminate(half, v, {n: K - 1})
    rational = Sum(((v, K - 1),), (bracket(v, sympy.Rational(1, 2) * n), Access("x", (v,))))
    with pytest.raises(RuleError, match="n/2 is not an integer polynomial"):
        eliminate(rational, v, {n: K - 1})
    assert denote(rational, {}, {K: 3}, {n: 1}) == {}  # v = 1/2 has no solution: the sum is 0
    unread = Derivative(Sum(((a, K - 1),), (Access("w", (a,)),)), "x", (b,))
    with pytest.raises(RuleError, match="has 0 factors reading x"):
        differentiate(unread)
