"""Attacks on the every-size prover (issue 8, item 3): variable capture, ill-formed views and
statements, rules that fail or lie.  Each attack asserts a refusal (NOT PROVED or DISPROVED)
together with its reason or its counterexample; a true statement dressed the same way is
still proved, so the refusals come from the mechanism, not from the shape of the input."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
import sympy

from symconv import ConvSpec, SymconvError
from symconv.general import RuleError, prove_general, prove_statement, statement
from symconv.general import prover as prover_module
from symconv.general.instantiate import evaluate
from symconv.general.prover import Reverse, Split
from symconv.general.rules import Rewrite, close, unfold
from symconv.general.semantics import denote
from symconv.general.subst import free_symbols, fresh, rename_bound, substitute
from symconv.general.terms import Access, FloorDiv, Rem, Sum, View

IDX = dict(integer=True, nonnegative=True)
a, b, o, u, z = sympy.symbols("a b o u z", **IDX)
K, M = sympy.symbols("K M", integer=True, positive=True)


def _definition_1d():
    stmt = statement("definition-equals-elementwise", 1)
    return stmt, stmt.sizes


def _binding_o(sz):
    """Σ_{c, o<k} w[f, c, o]·xpad[n, g·Cg + c, o·s + o·d]: binds the output index o."""
    (o1,), (k,), (s,), (d,) = sz.o, sz.K, sz.s, sz.d
    return Sum(((sz.c, sz.Cg - 1), (o1, k - 1)), (
        Access("w", (sz.filter, sz.c, o1)),
        Access("xpad", (sz.n, sz.g * sz.Cg + sz.c, o1 * s + o1 * d), sz.pads())))


# --- the closing check is alpha-equivalence, not renaming by xreplace -----------------------

def test_a_left_side_binding_the_output_index_is_disproved():
    stmt, sz = _definition_1d()
    left = dataclasses.replace(stmt.left, term=_binding_o(sz))
    proof = prove_statement(dataclasses.replace(stmt, left=left, right=stmt.left,
                                                right_script=()))
    assert not proof and proof.verdict == "DISPROVED", str(proof)
    assert "factors differ" in proof.reason and "paired c ~ c, o ~ u" in proof.reason
    cex = proof.counterexample
    assert cex.proof is not None and not cex.proof and cex.proof.counterexample.differences
    assert cex.spec.output_size[0] > 1  # the left side is constant in o: needs two outputs


def test_close_pairs_bound_variables_apart_from_free_ones():
    assert close(Sum(((o, K - 1),), (Access("x", (o,)),)),
                 Sum(((u, K - 1),), (Access("x", (u,)),)))
    with pytest.raises(RuleError, match="factors differ"):  # right's o is free, left's bound
        close(Sum(((o, K - 1),), (Access("x", (o, o)),)),
              Sum(((u, K - 1),), (Access("x", (u, o)),)))
    with pytest.raises(RuleError, match="equal bounds"):
        close(Sum(((o, K - 1),), (Access("x", (o,)),)),
              Sum(((u, M - 1),), (Access("x", (u,)),)))
    # a bijection: two left variables may not both go to one right variable
    with pytest.raises(RuleError, match="factors differ"):
        close(Sum(((a, K - 1), (b, K - 1)), (Access("x", (a, b)),)),
              Sum(((a, K - 1), (b, K - 1)), (Access("x", (a, a)),)))


def test_evaluate_is_capture_free():
    """The counterexample search reads the o-binding side faithfully: constant in o."""
    stmt, sz = _definition_1d()
    spec = ConvSpec((5,), (2,))
    values = evaluate(dataclasses.replace(stmt.left, term=_binding_o(sz)), sz, spec)
    assert values.shape[-1] == 4 and len({str(v) for v in values[0, 0]}) == 1
    honest = evaluate(stmt.left, sz, spec)
    assert len({str(v) for v in honest[0, 0]}) == 4


# --- view bodies: no stray symbols, and unfolding renames binders apart ---------------------

def _patch_term(sz, tap):
    return Sum(((sz.c, sz.Cg - 1), (tap, sz.K[0] - 1)), (
        Access("patch", (sz.n, sz.g, *sz.o, sz.c, tap)), Access("w", (sz.filter, sz.c, tap))))


def test_a_view_body_with_a_stray_free_symbol_is_refused():
    stmt, sz = _definition_1d()
    patch = stmt.right.views["patch"]
    body = dataclasses.replace(patch.body, index=(*patch.body.index[:-1],
                                                  patch.body.index[-1] + z))
    right = dataclasses.replace(stmt.right, views={"patch": dataclasses.replace(patch,
                                                                                body=body)})
    proof = prove_statement(dataclasses.replace(stmt, right=right))
    assert not proof and proof.verdict == "NOT PROVED"
    assert "view patch mentions z" in proof.reason and not proof.searched
    assert "no counterexample search ran" in str(proof)


def test_capture_of_a_summation_variable_by_a_view_body_is_refused():
    """patch drops c from its formals; its body's c would be captured by Σ_c at the use."""
    stmt, sz = _definition_1d()
    patch = stmt.right.views["patch"]
    bad = View("patch", tuple(f for f in patch.formals if f != sz.c), patch.body, "c stray")
    term = Sum(stmt.right.term.bounds, (Access("patch", (sz.n, sz.g, *sz.o, *sz.u)),
                                        stmt.right.term.factors[1]))
    right = dataclasses.replace(stmt.right, term=term, views={"patch": bad})
    proof = prove_statement(dataclasses.replace(stmt, right=right))
    assert not proof and "view patch mentions c" in proof.reason


def test_capture_through_view_unfolding_is_avoided():
    """A sum whose tap variable is the pad symbol pl: unfolding patch (whose body reads the
    size pl) must rename the binder, so the captured reading is disproved and the honest
    statement proved."""
    stmt, sz = _definition_1d()
    pl, (k,), (o1,), (s,), (d,) = sz.pl[0], sz.K, sz.o, sz.s, sz.d
    right = dataclasses.replace(stmt.right, term=_patch_term(sz, pl))
    assert prove_statement(dataclasses.replace(stmt, right=right))  # the honest statement
    step = unfold(right.term, right.views["patch"])
    assert pl not in step.term.variables and pl in free_symbols(step.term)
    captured = Sum(((sz.c, sz.Cg - 1), (pl, k - 1)), (
        Access("w", (sz.filter, sz.c, pl)),
        Access("xpad", (sz.n, sz.g * sz.Cg + sz.c, o1 * s + pl * d), (pl, sz.pr[0]))))
    wrong = dataclasses.replace(stmt, left=dataclasses.replace(stmt.left, term=captured),
                                right=right)
    proof = prove_statement(wrong)
    assert proof.verdict == "DISPROVED" and "factors differ" in proof.reason
    assert "pl1" in str(proof)  # the renamed binder is visible in the transcript


# --- rules on bad input, bad statements: proof objects, never exceptions ---------------------

@pytest.mark.parametrize("tactic", ["reverse", "split"])
def test_reindexing_an_unsummed_variable_is_not_proved(tactic):
    stmt, sz = _definition_1d()
    script = (Reverse(sz.o[0]),) if tactic == "reverse" else (Split(sz.o[0], (1,), (sz.flat,)),)
    proof = prove_statement(dataclasses.replace(stmt, left_script=script))
    assert not proof and proof.verdict == "NOT PROVED"  # the statement is true
    assert f"{tactic}: o is not a summation variable" in proof.reason


def test_bogus_padding_is_not_proved():
    proof = prove_general("convolution-is-flipped-correlation", 2, padding="bogus")
    assert not proof and proof.verdict == "NOT PROVED"
    assert "padding: expected" in proof.reason and "'bogus'" in proof.reason
    with pytest.raises(SymconvError, match=r"^padding: expected .*got 'bogus'$"):
        statement("convolution-is-flipped-correlation", 2, padding="bogus")
    stmt = statement("convolution-is-flipped-correlation", 1)
    bogus = dataclasses.replace(stmt, right=dataclasses.replace(stmt.right, padding="bogus"))
    proof = prove_statement(bogus)
    assert not proof and "padding 'bogus' is not one of" in proof.reason


def test_bad_requests_still_raise_one_line_errors():
    with pytest.raises(SymconvError, match="takes padding, got paddding"):
        prove_general("convolution-is-flipped-correlation", 2, paddding="same")
    with pytest.raises(SymconvError, match="rank: expected 1, 2 or 3"):
        prove_general("elementwise-equals-dot", rank=0)


def test_a_narrower_entry_box_is_refused():
    stmt, sz = _definition_1d()
    narrow = tuple((v, 0 if v == sz.o[0] else hi) for v, hi in stmt.entry)
    proof = prove_statement(dataclasses.replace(stmt, entry=narrow))
    assert not proof and proof.reason.startswith("entry: an output entry ranges over")


def test_a_summation_variable_must_run_from_zero():
    with pytest.raises(SymconvError, match="nonnegative=True and nothing more"):
        Sum(((K, M - 1),), (Access("x", (K,)),))  # K is declared positive: it would lie


# --- a rule that lies is caught by the independent re-check ----------------------------------

def test_a_tampered_reversal_is_refused_by_its_re_check(monkeypatch):
    """convolution = definition (the flip forgotten), with a reversal that 'returns' the
    definition: without the re-check the closing check would accept it."""
    stmt = statement("convolution-is-flipped-correlation", 1)
    wrong = dataclasses.replace(stmt, right=statement("definition-equals-elementwise", 1).left,
                                right_script=())
    liar = lambda term, var, image=None: Rewrite(wrong.right.term, "reverse a summation index")  # noqa: E731
    monkeypatch.setattr(prover_module, "reverse", liar)
    proof = prove_statement(wrong)
    assert proof.verdict == "DISPROVED"
    assert "re-check of step 2 (reverse a summation index" in proof.reason
    assert "denote different sums at" in proof.reason


def test_a_tampered_unfold_is_refused_by_its_re_check(monkeypatch):
    stmt, sz = _definition_1d()
    patch = stmt.right.views["patch"]
    off = dataclasses.replace(patch.body, index=(*patch.body.index[:-1],
                                                 patch.body.index[-1] + 1))  # off by one
    right = dataclasses.replace(stmt.right, views={"patch": dataclasses.replace(patch,
                                                                                body=off)})
    liar = lambda term, views: [Rewrite(stmt.left.term, "definition of patch")]  # noqa: E731
    monkeypatch.setattr(prover_module, "unfold_all", liar)
    proof = prove_statement(dataclasses.replace(stmt, right=right))
    assert not proof and "re-check of step 3 (definition of patch" in proof.reason


def test_a_tampered_closing_check_is_refused(monkeypatch):
    stmt = statement("convolution-is-flipped-correlation", 1)
    wrong = dataclasses.replace(stmt, right=statement("definition-equals-elementwise", 1).left,
                                right_script=())
    monkeypatch.setattr(prover_module, "close", lambda left, right: Rewrite(left, "closing"))
    proof = prove_statement(wrong)
    assert proof.verdict == "DISPROVED" and "its re-check failed" in proof.reason


@pytest.mark.parametrize("failure", [ZeroDivisionError("boom"), None])
def test_a_rule_that_crashes_or_returns_garbage_is_not_proved(monkeypatch, failure):
    def broken(term, free):
        if failure is not None:
            raise failure
        return [None], []
    monkeypatch.setattr(prover_module, "simplify_floor_mod", broken)
    proof = prove_general("elementwise-equals-dot", 1)
    assert not proof and proof.verdict == "NOT PROVED"
    expected = "unexpected ZeroDivisionError: boom" if failure else "not a Rewrite"
    assert expected in proof.reason


# --- the substitution helper ----------------------------------------------------------------

def test_substitute_renames_a_binder_that_would_capture():
    t = Sum(((o, K - 1),), (Access("x", (o + u,)),))
    out = substitute(t, {u: 2 * o})
    (v,) = out.variables
    assert v != o and str(v) == "o1" and v.assumptions0 == o.assumptions0
    assert sympy.expand(out.factors[0].index[0] - (2 * o + v)) == 0
    assert substitute(t, {o: 5}) == t  # o is bound: nothing free to replace
    with pytest.raises(SymconvError, match="keys must be variables"):
        substitute(t, {o + 1: 0})


def test_substitute_respects_the_box_scope_and_fresh_names_avoid_the_keys():
    t = Sum(((o, K - 1),), (Access("x", (o, u)),))
    out = substitute(t, {K: u + 1, u: o})  # the bound o must be renamed, and not to a key
    (v,) = out.variables
    assert out.bounds[0][1] == u and out.factors[0].index == (v, o)
    assert str(fresh(o, {o, sympy.Symbol("o1")})) == "o2"
    assert rename_bound(t, {o}).variables != (o,)


def _random_term(rng):
    pool = [a, b, o, u]
    bound = rng.sample(pool, rng.randint(1, 2))
    def expr():
        return sympy.Add(*(rng.randint(-1, 2) * v for v in pool), rng.randint(0, 2))
    factors = (Access("x", (expr(), FloorDiv(expr() + 3 * K, K))), Access("y", (Rem(expr(), M),)))
    return Sum(tuple((v, K if i else M) for i, v in enumerate(bound)), factors)


@pytest.mark.parametrize("seed", range(25))
def test_substitution_commutes_with_evaluation(seed):
    """denote(t[v := e]) at env == denote(t) at env with v := value of e (capture-free)."""
    rng = random.Random(seed)
    term = _random_term(rng)
    var = rng.choice([a, b, o, u])
    image = rng.choice([a, b, o, u]) + rng.randint(0, 2) * rng.choice([a, b, o, u, K])
    out = substitute(term, {var: image})
    for kv, mv, *point in itertools.product((1, 2), (1, 3), *[range(2)] * 4):
        sizes = {K: kv, M: mv}
        env = dict(zip((a, b, o, u), point))
        value = int(image.xreplace({**sizes, **env}))
        expected = denote(term, {}, sizes, {**env, var: value})
        assert denote(out, {}, sizes, env) == expected, (term, var, image, out)


# --- differential: whatever the prover proves holds on concrete layers ----------------------

def _mutant(rng, stmt):
    """The definition's term with one random change (may or may not change its meaning)."""
    sz, term = stmt.sizes, stmt.left.term
    names = [*sz.o, *sz.u, sz.c, sz.n]
    kind = rng.choice(["shift", "swap", "rebind", "replace"])
    w, x = term.factors
    if kind == "rebind":  # rename a binder to an entry index: captures in a naive prover
        old, new = rng.choice(sz.u), rng.choice(sz.o)
        bounds = tuple((new if v == old else v, hi) for v, hi in term.bounds)
        return Sum(bounds, tuple(f.xreplace({old: new}) for f in term.factors))
    position = rng.randrange(1, len(x.index))
    index = list(x.index)
    if kind == "shift":
        index[position] += rng.choice([-1, 1])
    elif kind == "swap":
        p, q = rng.sample(names, 2)
        index[position] = index[position].xreplace({p: q, q: p})
    else:
        index[position] = index[position].xreplace({rng.choice(names): rng.choice(names)})
    return Sum(term.bounds, (w, dataclasses.replace(x, index=tuple(index))))


@pytest.mark.parametrize("seed", range(16))
def test_whatever_is_proved_holds_on_small_layers(seed):
    from symconv.general.instantiate import search_counterexample, small_specs

    rng = random.Random(seed)
    stmt = statement("definition-equals-elementwise", 1 + seed % 2)
    left = dataclasses.replace(stmt.left, term=_mutant(rng, stmt))
    proof = prove_statement(dataclasses.replace(stmt, left=left), search=False)
    specs = list(small_specs(stmt.sizes.rank, count=6, seed=seed))
    found = search_counterexample(left, stmt.right, stmt.sizes, specs=specs)
    if proof:
        assert found is None, (str(left.term), str(found))
    elif found is not None:
        assert "close:" in proof.reason or "re-check" in proof.reason


def test_an_output_size_formula_that_fails_on_symbols_is_not_proved():
    from symconv.general.output_size import prove_output_size

    def integers_only(i, k, s, pl, pr, d):
        return int(i + pl + pr - d * (k - 1) - 1) // int(s) + 1  # TypeError on symbols
    proof = prove_output_size(integers_only)
    assert not proof and "fails on symbols (TypeError" in proof.reason
    assert proof.counterexample is None  # right on every integer: not disproved either
