"""Attacks on verify's exact path: code whose numbers are not what its symbols say.

Each attack must be refused (no CORRECT/proved, no truthy verdict for a wrong function) with the
reason asserted: the data branch and where it is, or the numeric call that disagreed with the
symbolic run, and a counterexample that really fails.  Issue 8, item 2.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

from symconv import ConvSpec, verify
from symconv.ring import WATCH, Polynomial
from symconv.verification import Status, core
from symconv.verification.crosscheck import CompiledForms, CrossCheck, cases, draw_bound, mismatch
from symconv.verification.randomized import expected_output
from symconv.verification.trace import BranchLog, DataBranch, watching

from .zoo import broken, right, wrong

SPEC = ConvSpec((5, 5), (3, 3))


def _confirm(fn, verdict):
    """The verdict's example really fails: fn's number at the position is not the spec's."""
    ex = verdict.example
    assert ex is not None, str(verdict)
    got = np.asarray(fn(ex.x.copy(), ex.w.copy()))[ex.position]
    want = expected_output(ex.x, ex.w, verdict.spec, verdict.kind)[ex.position]
    assert got == ex.got and want == ex.expected and got != want, str(verdict)


def _line_of(fn, text):
    """``file:line`` of the line of ``fn``'s source holding ``text``."""
    import inspect
    lines, first = inspect.getsourcelines(fn)
    k = next(i for i, line in enumerate(lines) if text in line)
    return f"{inspect.getsourcefile(fn)}:{first + k}"


def _sparse_counter(x, w, truthy):
    """Skips zero activations and places each nonzero one by a counter of nonzeros seen: right
    when no entry is zero (every symbol), wrong as soon as one is."""
    n_, c_, h, wd = x.shape
    f_, _, kh, kw = w.shape
    out = np.zeros((n_, f_, h - kh + 1, wd - kw + 1), dtype=x.dtype)
    k = 0
    for n, c, i, j in itertools.product(range(n_), range(c_), range(h), range(wd)):
        xv = x[n, c, i, j]
        if (xv if truthy else xv != 0):
            ii, jj = divmod(k, wd)
            for f, u, v in itertools.product(range(f_), range(kh), range(kw)):
                oi, oj = ii - u, jj - v
                if 0 <= oi < out.shape[2] and 0 <= oj < out.shape[3]:
                    out[n, f, oi, oj] = out[n, f, oi, oj] + xv * w[f, c, u, v]
            k += 1
    return out


def sparse_ne(x, w):
    return _sparse_counter(x, w, truthy=False)


def sparse_truthy(x, w):
    return _sparse_counter(x, w, truthy=True)


@pytest.mark.parametrize(("fn", "operation"), [(sparse_ne, "compared a symbolic entry with !="),
                                               (sparse_truthy, "as a truth value")])
def test_sparse_conv_that_skips_zeros_is_not_proved(fn, operation):
    verdict = verify(fn, SPEC)
    assert not verdict.proved and not verdict and verdict.status is Status.WRONG, str(verdict)
    stop = next(n for n in verdict.notes if n.startswith("symbolic execution stopped"))
    assert operation in stop and _line_of(_sparse_counter, "if (xv if truthy") in stop
    _confirm(fn, verdict)


def sparse_only_bug(x, w):
    """Right on dense inputs, wrong when most of x is zero (random trials are dense)."""
    out = right.conv2d_einsum(x, w)
    return out + 1 if np.count_nonzero(x) < x.size // 2 else out


def test_bug_on_sparse_inputs_only_is_found_by_the_cross_check_inputs():
    verdict = verify(sparse_only_bug, SPEC)
    assert verdict.status is Status.WRONG and not verdict, str(verdict)
    assert "sparse x (mostly zeros)" in verdict.summary
    assert "the randomized check" in verdict.method and "had passed" in verdict.method
    assert any("as a truth value" in n and "sparse_only_bug" in n for n in verdict.notes)
    _confirm(sparse_only_bug, verdict)


def float_fast_path(x, w):
    if x.dtype.kind == "f":  # a "fast path" for floats that forgets a kernel row
        w = w.copy()
        w[:, :, -1] = 0
    return right.conv2d_einsum(x, w)


def object_only_right(x, w):
    out = right.conv2d_einsum(x, w)
    return out if x.dtype == object else out + 1


_calls = {"first": 0}


def right_on_first_call_only(x, w):
    _calls["first"] += 1
    out = right.conv2d_einsum(x, w)
    return out if _calls["first"] == 1 else out * 2


_cache: dict = {}


def cached_by_shape(x, w):
    """Caches by shape: every later call returns the symbolic run's polynomials."""
    key = (x.shape, w.shape)
    if key not in _cache:
        _cache[key] = right.conv2d_einsum(x, w)
    return _cache[key]


@pytest.mark.parametrize(("fn", "evidence"), [
    (float_fast_path, "numeric call 2 of 7 after the symbolic one (random integers, float64)"),
    (object_only_right, "numeric call 1 of 7 after the symbolic one (random integers, int64)"),
    (right_on_first_call_only, "numeric call 1 of 7"),
    (cached_by_shape, "numeric call 1 of 7"),
])
def test_code_that_takes_another_path_on_numbers_is_not_proved(fn, evidence):
    _calls["first"] = 0
    _cache.clear()
    verdict = verify(fn, SPEC)
    assert not verdict.proved and not verdict, str(verdict)
    note = next(n for n in verdict.notes if n.startswith("symbolic execution was not faithful"))
    assert evidence in note and "where fn's own symbolic output evaluates to" in note
    assert "symbolic verdict (correct) is set aside" in note
    if fn is object_only_right:  # the evidence: fn's number, and its own polynomial's value
        got, want = map(int, re.search(r"= (-?\d+) where fn's own symbolic output evaluates to "
                                       r"(-?\d+) at these inputs", note).groups())
        assert got == want + 1
    if fn is not cached_by_shape:  # the cache returns polynomials: no number to confirm
        assert verdict.status is Status.WRONG
        if fn is not right_on_first_call_only:  # stateful: a replay is a later call again
            _confirm(fn, verdict)


def symbols_only_wrong(x, w):
    out = right.conv2d_einsum(x, w)
    return out + 1 if x.dtype == object else out


def test_right_on_numbers_wrong_on_symbols_is_not_wrong_with_a_self_contradicting_example():
    verdict = verify(symbols_only_wrong, SPEC)
    assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
    assert verdict.example is None and "expected 0, got 0" not in str(verdict)
    assert any("symbolic verdict (wrong) is set aside" in n for n in verdict.notes)


def test_an_unconfirmed_symbolic_example_is_set_aside(monkeypatch):
    """The backstop behind the cross-check: a WRONG example must fail on numbers."""
    monkeypatch.setattr(core, "cross_check", lambda *a, **k: CrossCheck(7, ("int64",)))
    verdict = verify(symbols_only_wrong, SPEC)
    assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
    note = next(n for n in verdict.notes if "counterexample does not fail on numbers" in n)
    assert "fn returns 0, the spec's value" in note


def test_comparisons_and_caught_branches_are_recorded():
    def relu_first(x, w):  # max() compares: wrong (ReLU is not part of a convolution)
        return right.conv2d_einsum(np.vectorize(lambda v: max(v, 0), otypes=[object])(x), w)

    def swallowed(x, w):  # catches our exception and goes on: still recorded
        try:
            if x[0, 0, 0, 0]:
                pass
        except Exception:  # noqa: BLE001
            pass
        return right.conv2d_einsum(x, w)

    verdict = verify(relu_first, SPEC)
    assert verdict.status is Status.WRONG and not verdict
    assert any("compared a symbolic entry with <" in n and "in <lambda>: return" in n and
               "max(v, 0)" in n for n in verdict.notes), str(verdict)
    verdict = verify(swallowed, SPEC)
    assert verdict.status is Status.PASSED and not verdict.proved, str(verdict)
    assert any("as a truth value" in n and "swallowed" in n for n in verdict.notes)


def test_the_watch_is_only_on_inside_the_users_call():
    verify(sparse_ne, SPEC)
    assert getattr(WATCH, "hook", None) is None
    p = Polynomial.variable("a")
    assert bool(p) and p != 0 and (p == 0) is False  # symconv's own code gets answers
    log = BranchLog()
    seen = []
    with watching(log):  # another thread is not watched
        t = threading.Thread(target=lambda: seen.append(bool(p)))
        t.start()
        t.join()
        with pytest.raises(DataBranch, match="^fn: the code compared a symbolic entry with <"):
            _ = p < 1
    assert seen == [True] and log.first is not None and log.first.operation == "<"


def test_a_later_call_that_raises_is_a_verdict_naming_that_call():
    calls = {"n": 0}

    def raises_second_time(x, w):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("second call")
        return right.conv2d_einsum(x, w)

    verdict = verify(raises_second_time, SPEC)
    assert verdict.status is Status.RAISED and not verdict
    assert verdict.summary == ("the function raised RuntimeError: second call on numeric call 1 "
                               "of 7 after the symbolic one (random integers, int64)")
    assert "raises_second_time" in verdict.traceback and "canonical forms compared" in \
        verdict.method and "numeric cross-check" in verdict.method


def test_a_later_call_that_hangs_is_a_verdict():
    calls = {"n": 0}

    def hangs_third_time(x, w):
        calls["n"] += 1
        if calls["n"] == 3:
            time.sleep(2)
        return right.conv2d_einsum(x, w)

    verdict = verify(hangs_third_time, SPEC, timeout=0.3)
    assert verdict.status is Status.TIMED_OUT and "numeric call 2 of 7" in verdict.summary


def test_failures_say_what_was_attempted_not_what_was_compared():
    for fn, status in ((broken.conv2d_index_error, Status.RAISED),
                       (broken.conv2d_returns_none, Status.WRONG_DTYPE),
                       (broken.conv2d_slow, Status.TIMED_OUT)):
        verdict = verify(fn, SPEC, method="exact", timeout=0.3)
        assert verdict.status is status
        assert "compared" not in verdict.method.replace("nothing was compared", "")
        assert verdict.method.startswith("exact (attempted): symbolic execution")


def test_correct_names_the_symbolic_proof_and_the_numeric_calls():
    verdict = verify(right.conv2d_einsum, SPEC)
    assert verdict.proved
    assert verdict.method == ("exact: symbolic execution on polynomial entries, canonical forms "
                              "compared; cross-checked on 7 numeric calls (dtypes int64, "
                              "float64, float32)")
    assert verdict.method in str(verdict)
    big = ConvSpec((5, 5), (3, 3), in_channels=2048)  # 2048*9*B**2 < 2**24: B = 30 ...
    assert draw_bound(big) == (30, True)  # ... and float32 sums exactly
    assert "float32" in {str(c.x.dtype) for c in cases(big)}
    assert draw_bound(ConvSpec((3, 3), (3, 3), in_channels=2 ** 21)) == (1, False)  # 9*2**21


def test_wrong_keeps_a_confirmed_example():
    spec = ConvSpec((3, 4), (2, 3))
    verdict = verify(wrong.conv2d_flipped, spec)
    assert verdict.status is Status.WRONG and "the example confirmed on numbers" in verdict.method
    _confirm(wrong.conv2d_flipped, verdict)


def test_mutation_on_numbers_only_is_not_proved():
    def zeroes_numeric_input(x, w):
        out = right.conv2d_einsum(x, w)
        if x.dtype != object:
            x[...] = 0
        return out

    verdict = verify(zeroes_numeric_input, SPEC)
    assert not verdict.proved and not verdict
    assert any("changed its input x in place" in n for n in verdict.notes)


def test_mismatch_is_exact():
    want = np.array([1, 2, 2 ** 53 + 1, 0], dtype=object)
    out = np.array([1.0, 2.0, float(2 ** 53 + 1), np.nan])  # the float is 2**53: rounded
    assert mismatch(out, want).tolist() == [False, False, True, True]
    assert mismatch(np.array([True, False]), np.array([1, 0])).tolist() == [True, True]
    assert mismatch(np.array([Fraction(1, 2), Polynomial.variable("a"), "1"], dtype=object),
                    np.array([Fraction(1, 2), 0, 1], dtype=object)).tolist() == [False, True,
                                                                                 True]
    assert mismatch(np.float32([16777217.0]), np.array([16777217])).tolist() == [True]
    assert mismatch(np.array([3 + 0j, 3 + 1j]), np.array([3, 3])).tolist() == [False, True]


def test_compiled_forms_evaluate_exactly():
    spec = ConvSpec((3,), (2,))
    a, b = Polynomial.variable("x_{0,0,0}"), Polynomial.variable("w_{0,0,1}")
    entries = [a * a * b * Fraction(1, 3), a * 5 - 7, Polynomial.variable("z") + b * 2 ** 62]
    forms = CompiledForms([p.terms for p in entries], (3,), spec)
    x, w = np.array([[[2 ** 40, 0, 0]]]), np.array([[[0, 3]]])
    values = {"x_{0,0,0}": 2 ** 40, "w_{0,0,1}": 3}
    assert forms(x, w).tolist() == [p.evaluate(values) for p in entries]
    small = CompiledForms([(a * b * 3 + 1).terms], (1,), spec)
    assert small(np.array([[[2, 0, 0]]]), w).dtype == np.int64


def test_compiled_forms_from_pairs_equal_those_from_names():
    from symconv.forms import correlate
    from symconv.tensors import Backend, symbolic_input, symbolic_weight
    from symconv.verification.diagnose import Forms

    spec = ConvSpec((4, 5), (2, 3), in_channels=2, out_channels=2, batch=2, stride=(1, 2))
    out = correlate(symbolic_input(spec, backend=Backend.RING),
                    symbolic_weight(spec, backend=Backend.RING), spec)
    forms = Forms(out, spec)
    assert forms.pairs is not None
    by_pairs, by_names = CompiledForms.of(forms, spec), CompiledForms(forms.terms, out.shape, spec)
    for case in cases(spec):
        want = expected_output(case.x.astype(np.int64), case.w.astype(np.int64), spec,
                               core.Kind.CORRELATION)
        assert (by_pairs(case.x, case.w) == want).all() and (by_names(case.x, case.w) == want).all()


def test_method_exact_still_checks_a_branching_function_on_numbers():
    verdict = verify(sparse_ne, SPEC, method="exact")
    assert verdict.status is Status.WRONG and not verdict.proved
    assert any(n.startswith("symbolic execution stopped") for n in verdict.notes)
