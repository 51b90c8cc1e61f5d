"""Soundness of the general prover: deliberately wrong statements are refused, with a concrete
counterexample found by the instance engine whenever one exists."""

from __future__ import annotations

import dataclasses

import pytest

from symconv.general import RuleError, prove_statement, statement
from symconv.general.formulations import (
    Padding,
    Sizes,
    convolution,
    definition,
    flip_view,
    flipped_correlation,
    im2col,
    vec_view,
    xcol_view,
)
from symconv.general.output_size import prove_output_size
from symconv.general.prover import Reverse, Split
from symconv.general.rules import reverse, split


def _with_views(form, **views):
    return dataclasses.replace(form, views={**form.views, **views})


def _cs231n(sz: Sizes):
    """vec(patch) decoded with kH where kW belongs (radices (Cg, kH, kH))."""
    return vec_view("vec_patch", "patch", (sz.n, sz.g, *sz.o, sz.flat), (sz.Cg, sz.K[0], sz.K[0]),
                    "cs231n-style decode with kH for kW")


def _refused_with_counterexample(stmt, products=True):
    """Refused, and a small layer shows it false: differing products (or, with
    ``products=False``, possibly a side that reads outside a tensor there)."""
    proof = prove_statement(stmt)
    assert not proof and proof.verdict == "DISPROVED", str(proof)
    assert proof.reason
    cex = proof.counterexample
    if cex.proof is None:
        assert not products, str(proof)
        assert "outside its shape" in cex.problem
    else:
        assert not cex.proof and cex.proof.counterexample.differences
    assert "DISPROVED" in str(proof) and "counterexample: at " in str(proof)
    return proof


def test_cs231n_non_square_bug_in_dot_is_refused():
    stmt = statement("elementwise-equals-dot", 2)
    sz = stmt.sizes
    wrong = dataclasses.replace(stmt, right=_with_views(stmt.right, vec_patch=_cs231n(sz)))
    proof = _refused_with_counterexample(wrong)
    assert "cannot prove 0 <=" in proof.reason  # the floor/mod rule refused
    kh, kw = proof.counterexample.spec.kernel_size
    assert kh != kw  # only non-square kernels expose it


def test_cs231n_bug_in_x_col_rows_is_refused():
    stmt = statement("dot-equals-im2col", 2)
    sz = stmt.sizes
    buggy = _with_views(stmt.right, vec_patch=_cs231n(sz))  # X_col rows read through vec_patch
    # the left side (flattened dot) keeps the correct vec: give it its own copy under a new name
    good_vec = stmt.left.views["vec_patch"]
    left = dataclasses.replace(stmt.left, views={**stmt.left.views, "vec_patch": good_vec})
    _refused_with_counterexample(dataclasses.replace(stmt, left=left, right=buggy))


def test_missing_flip_is_refused():
    stmt = statement("convolution-is-flipped-correlation", 2)
    wrong = dataclasses.replace(stmt, right=definition(stmt.sizes), right_script=())
    proof = _refused_with_counterexample(wrong)
    assert "factors differ" in proof.reason


def test_reversal_off_by_one_is_refused():
    stmt = statement("convolution-is-flipped-correlation", 2)
    sz = stmt.sizes
    off = [k - u for k, u in zip(sz.K, sz.u)]  # k - u instead of k - 1 - u
    wrong = dataclasses.replace(stmt, left=convolution(sz, offset=off))
    proof = _refused_with_counterexample(wrong)
    assert "factors differ" in proof.reason


def test_reversal_rule_refuses_a_map_that_is_not_a_bijection():
    stmt = statement("convolution-is-flipped-correlation", 1)
    (u,), (k,) = stmt.sizes.u, stmt.sizes.K
    with pytest.raises(RuleError, match="does not map"):
        reverse(stmt.left.term, u, k - u)
    wrong = dataclasses.replace(stmt, left_script=(Reverse(u, k - u),))
    proof = prove_statement(wrong, search=False)
    assert not proof and "reversal is u ↦ k - u - 1" in proof.reason


def test_flip_with_an_off_by_one_mirror_is_refused():
    stmt = statement("flip-is-involution", 2)
    sz = stmt.sizes
    bad = dataclasses.replace(flip_view(sz), body=dataclasses.replace(
        flip_view(sz).body, index=(sz.f, sz.c, sz.K[0] - sz.u[0], sz.K[1] - 1 - sz.u[1])))
    right = dataclasses.replace(flipped_correlation(sz), views={"flip_w": bad})
    wrong = dataclasses.replace(statement("convolution-is-flipped-correlation", 2), right=right)
    proof = prove_statement(wrong)
    # an access outside the kernel is not a counterexample but an ill-formed description
    assert not proof


def test_wrong_radix_order_in_split_is_refused_but_statement_not_disproved():
    stmt = statement("elementwise-equals-dot", 2)
    sz = stmt.sizes
    swapped = (stmt.right_script[0], Split(sz.flat, (sz.Cg, sz.K[1], sz.K[0]), (sz.c, *sz.u)),
               stmt.right_script[2])
    proof = prove_statement(dataclasses.replace(stmt, right_script=swapped))
    assert not proof and proof.verdict == "NOT PROVED"  # the statement is true: no counterexample
    assert "cannot prove 0 <=" in proof.reason


def test_split_with_wrong_total_is_refused():
    stmt = statement("elementwise-equals-dot", 2)
    sz = stmt.sizes
    term = stmt.right.term
    with pytest.raises(RuleError, match="cover"):
        split(term, sz.flat, (sz.Cg, sz.K[0], sz.K[0]), (sz.c, *sz.u))
    with pytest.raises(RuleError, match="cover"):
        split(term, sz.flat, (sz.Cg, sz.K[0]), (sz.c, sz.u[0]))
    with pytest.raises(RuleError, match="fresh"):
        split(term, sz.flat, sz.radices, (sz.n, *sz.u))


@pytest.mark.parametrize("layout", ["batch-slowest", "batch-fastest"])
def test_im2col_columns_decoded_with_the_wrong_layout_are_refused(layout):
    stmt = statement("dot-equals-im2col", 2)
    sz = stmt.sizes
    other = "batch-fastest" if layout == "batch-slowest" else "batch-slowest"
    right = im2col(sz, layout)
    right = _with_views(right, X_col=xcol_view(sz, other))  # fold back in one, decode in other
    proof = _refused_with_counterexample(dataclasses.replace(stmt, right=right))
    assert proof.counterexample.spec.batch > 1


def test_same_padding_without_mirroring_is_refused():
    sz = Sizes.make(1)
    stmt = statement("convolution-is-flipped-correlation", 1, padding="same")
    assert prove_statement(stmt)  # the stated theorem, pads in d and k
    wrong = dataclasses.replace(stmt, right=flipped_correlation(sz, Padding.SAME),
                                left=convolution(sz, Padding.SAME_MIRRORED))
    wrong = dataclasses.replace(wrong, sizes=sz, left_script=(Reverse(sz.u[0]),))
    proof = _refused_with_counterexample(wrong)
    spec = proof.counterexample.spec
    assert spec.padding == "same" and spec.dilation[0] * (spec.kernel_size[0] - 1) % 2 == 1


def test_wrong_output_size_formula_is_disproved():
    proof = prove_output_size(lambda i, k, s, pl, pr, d: (i + pl + pr - d * k) // s + 1)
    assert not proof and proof.counterexample is not None
    assert proof.counterexample.claimed != proof.counterexample.counted
    # ceil((P - d(k-1))/s) is the same count, but not syntactically: not proved, not disproved
    ceil = prove_output_size(lambda i, k, s, pl, pr, d: -((-(i + pl + pr - d * (k - 1))) // s))
    assert not ceil and ceil.verdict == "NOT PROVED" and ceil.counterexample is None


def test_the_closing_check_needs_equal_bounds():
    sz = Sizes.make(1)
    stmt = statement("definition-equals-elementwise", 1)
    shorter = dataclasses.replace(stmt.left.term, bounds=((sz.c, sz.Cg - 1), (sz.u[0],
                                                                             sz.K[0] - 2)))
    wrong = dataclasses.replace(stmt, left=dataclasses.replace(stmt.left, term=shorter))
    proof = prove_statement(wrong, search=False)
    assert not proof and "equal bounds" in proof.reason


def test_a_true_statement_survives_the_counterexample_search():
    stmt = statement("dot-equals-im2col-batch-fastest", 1)
    from symconv.general.instantiate import search_counterexample

    assert search_counterexample(stmt.left, stmt.right, stmt.sizes) is None


def test_views_must_be_unfolded_before_closing():
    """Two sides may name different definitions alike: closing on view names would be unsound."""
    stmt = statement("elementwise-equals-dot", 2)
    sz = stmt.sizes
    buggy = _with_views(stmt.right, vec_patch=_cs231n(sz))
    wrong = dataclasses.replace(stmt, left=stmt.right, right=buggy, left_script=(),
                                right_script=())
    proof = prove_statement(wrong)
    assert not proof and "unfold every view" in proof.reason
    assert proof.verdict == "DISPROVED"
