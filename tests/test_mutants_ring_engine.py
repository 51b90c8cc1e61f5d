"""Tests that pin down the engine's trusted code: each one fails under a mutant of it.

Written against the surviving mutants of ``.ci/mutation --target ring+engine`` (issue 8): every
assertion is an exact value, a refusal with its reason, or a counterexample re-checked here, so
a changed comparison, bound, key, witness or verdict in ``ring.py``, ``variables.py`` or
``engine.py`` makes one of them fail.
"""

from __future__ import annotations

import builtins
import numbers
import sys
import types
from fractions import Fraction

import numpy as np
import pytest
import sympy

from symconv import NotExactError, Polynomial, SymconvError, engine, prove_equal, ring, variables
from symconv.engine import (
    Counterexample,
    Proof,
    _constructive_point,
    _format_term,
    _plain,
    _readable_point,
    _small_integers,
    _witness,
)
from symconv.ring import FLOAT_EXACT_LIMIT, WATCH, _exact_scalar, _is_sympy_float, canonical
from symconv.variables import check_name, symbol_of, sympy_expression, variable_key

a, b, c = (Polynomial.variable(n) for n in "abc")
sa, sb = sympy.symbols("a b")


def exactly(value, expected):
    """``value == expected`` and of the same type (an int is not a Fraction 1/1, nor a bool)."""
    return value == expected and type(value) is type(expected)


# ---- ring: exact scalars ----

@pytest.mark.parametrize("value, expected", [
    (True, 1), (False, 0), (np.bool_(True), 1), (np.int64(-7), -7), (np.uint8(200), 200),
    (Fraction(6, 3), 2), (Fraction(-1, 3), Fraction(-1, 3)), (sympy.Integer(5), 5),
    (sympy.Rational(-2, 6), Fraction(-1, 3)), (sympy.Rational(4, 2), 2),
    (sympy.Rational(1, 2), Fraction(1, 2)), (sympy.Rational(-3, 2), Fraction(-3, 2)),
])
def test_exact_scalars_keep_their_exact_value_and_type(value, expected):
    assert exactly(_exact_scalar(value), expected)
    assert exactly(_exact_scalar(value, code_constant=True), expected)


@pytest.mark.parametrize("value", ["1", None, sympy.Symbol("a"), sympy.Symbol("a") + 1, (1,)])
def test_non_scalars_are_none(value):
    assert _exact_scalar(value) is None and _exact_scalar(value, code_constant=True) is None


class Half:
    """A numbers.Rational that is neither int nor Fraction nor sympy (e.g. gmpy's mpq)."""

    numerator, denominator = 1, 2


numbers.Rational.register(Half)


def test_a_foreign_rational_is_read_exactly():
    assert exactly(_exact_scalar(Half()), Fraction(1, 2))
    assert canonical(Half()) == {(): Fraction(1, 2)}


@pytest.mark.parametrize("value, expected", [
    (2.0, 2), (-3.0, -3), (0.0, 0), (np.float64(4.0), 4), (np.float32(-8.0), -8),
    (float(FLOAT_EXACT_LIMIT - 1), FLOAT_EXACT_LIMIT - 1),
    (-float(FLOAT_EXACT_LIMIT - 1), -(FLOAT_EXACT_LIMIT - 1)),
])
def test_integer_valued_code_constants_below_2_53_are_exact(value, expected):
    assert exactly(_exact_scalar(value, code_constant=True), expected)


@pytest.mark.parametrize("value", [
    float(FLOAT_EXACT_LIMIT), -float(FLOAT_EXACT_LIMIT), 2.0**60, 0.5, -2.5, float("nan"),
    float("inf"), float("-inf"), np.float64(0.25), sympy.Float(2.0), sympy.Float(-3.0),
])
def test_other_floats_are_refused_even_as_code_constants(value):
    with pytest.raises(NotExactError, match=r"^value: expected an exact number, got the float "
                       r".*\(only integer-valued floats below 2\*\*53 are exact in code\); use "
                       r"integers, fractions.Fraction or sympy symbols$"):
        _exact_scalar(value, code_constant=True)


@pytest.mark.parametrize("value", [2.0, 0.0, np.float64(1.0), sympy.Float(3.0)])
def test_every_float_is_refused_outside_code(value):
    with pytest.raises(NotExactError, match=r"^value: expected an exact number, got the float "
                       r".*\(the identity engine compares exact values only\)"):
        _exact_scalar(value)
    with pytest.raises(NotExactError, match=r"the identity engine compares exact values only"):
        prove_equal([value], [1])


@pytest.mark.parametrize("value", [1j, complex(2, 0), np.complex128(1)])
def test_complex_is_refused(value):
    with pytest.raises(NotExactError, match=r"^value: expected a real exact number, got .*; "
                                            r"split complex data into real and imaginary parts$"):
        _exact_scalar(value, code_constant=True)


def test_sympy_floats_are_recognised_with_and_without_the_module(monkeypatch):
    assert _is_sympy_float(sympy.Float(2.0)) and not _is_sympy_float(2.0)
    assert not _is_sympy_float(np.float64(2.0)) and not _is_sympy_float(sympy.Integer(2))
    monkeypatch.setattr(ring, "loaded_sympy", lambda: None)  # sympy dropped from sys.modules
    assert _is_sympy_float(sympy.Float(2.0)) is True
    assert _is_sympy_float(2.0) is False and _is_sympy_float(np.float64(2.0)) is False
    with pytest.raises(NotExactError, match=r"the float 2\.00"):
        _exact_scalar(sympy.Float(2.0), code_constant=True)


# ---- ring: construction and arithmetic ----

def test_constructor_refuses_bad_monomials_and_coefficients():
    with pytest.raises(SymconvError, match=r"^terms: expected monomials as tuples of variable "
                                           r"keys, got \['a'\]; write \('a', 'b'\) for a·b$"):
        Polynomial(_ListKey({("x",): 1}))
    with pytest.raises(SymconvError, match=r"^terms: expected monomials as tuples"):
        Polynomial({("a", 1): 1})
    with pytest.raises(NotExactError, match=r"^terms: expected exact coefficients, got None$"):
        Polynomial({("a",): None})
    with pytest.raises(NotExactError, match=r"the float 0\.5"):
        Polynomial({("a",): 0.5})
    with pytest.raises(NotExactError):
        Polynomial({("a",): 2.0})  # not a code constant: terms are data
    assert Polynomial({(): 3, ("b", "a", "b"): Fraction(1, 2)}).terms == {
        (): 3, ("a", "b", "b"): Fraction(1, 2)}
    assert Polynomial(None).terms == {} and Polynomial({}).terms == {}


class _ListKey(dict):
    """A mapping whose one monomial is a list (a dict cannot hold one as a key)."""

    def items(self):
        return [(["a"], 1)]


def test_variables_and_constants():
    assert a.terms == {("a",): 1}
    with pytest.raises(SymconvError, match=r"^name: expected a nonempty variable name"):
        Polynomial.variable("a⟦integer⟧")
    assert Polynomial.constant(0).terms == {} and Polynomial.constant(-3).terms == {(): -3}
    assert Polynomial.constant(sympy.Rational(1, 2)).terms == {(): Fraction(1, 2)}
    with pytest.raises(NotExactError, match=r"^value: expected an exact number, got 'x'$"):
        Polynomial.constant("x")


def test_coercion_of_sympy_numbers_polynomials_and_code_constants():
    assert (a + sympy.Rational(1, 2)).terms == {("a",): 1, (): Fraction(1, 2)}
    assert (a + sympy.Integer(0)).terms == {("a",): 1}
    assert (a + 0).terms == {("a",): 1} and (a + 0.0).terms == {("a",): 1}
    assert (a + sb).terms == {("a",): 1, ("b",): 1}
    assert (a + 2.0).terms == {("a",): 1, (): 2}
    assert Polynomial._coerce("a") is None and Polynomial._coerce(None) is None
    assert Polynomial._coerce(a) is a


def test_addition_merges_both_ways_and_drops_cancelled_terms():
    small, big = a, b + c + 1
    assert (small + big).terms == (big + small).terms == {("a",): 1, ("b",): 1, ("c",): 1, (): 1}
    assert (a + b + (-a)).terms == {("b",): 1}
    assert ((a + b) + (-a - b + 1)).terms == {(): 1}
    assert (a + a).terms == {("a",): 2}
    assert (2 + a).terms == {("a",): 1, (): 2}


@pytest.mark.parametrize("op", [lambda p: p + "s", lambda p: "s" + p, lambda p: p - "s",
                                lambda p: "s" - p, lambda p: p * "s", lambda p: p / "s",
                                lambda p: p / 0, lambda p: p / Fraction(0), lambda p: p ** -1,
                                lambda p: p ** 1.5, lambda p: p ** a])
def test_operations_with_non_exact_operands_are_not_implemented(op):
    with pytest.raises(TypeError):
        op(a + 1)


def test_each_operation_declines_what_it_cannot_read_exactly():
    p = a + 1
    for name, other in [("__add__", "s"), ("__radd__", "s"), ("__sub__", "s"),
                        ("__rsub__", "s"), ("__mul__", "s"), ("__rmul__", "s"),
                        ("__truediv__", "s"), ("__truediv__", 0), ("__pow__", -1),
                        ("__pow__", 2.0), ("__eq__", None), ("__ne__", None)]:
        assert getattr(p, name)(other) is NotImplemented, name


def test_negation_and_subtraction():
    assert (-(a - 2 * b + 3)).terms == {("a",): -1, ("b",): 2, (): -3}
    assert (a - b).terms == {("a",): 1, ("b",): -1}
    assert (1 - a).terms == {(): 1, ("a",): -1}
    assert (sympy.Integer(2) - a).terms == {(): 2, ("a",): -1}
    assert (a - a).terms == {} and (+a) is a


def test_multiplication():
    assert (a * b).terms == {("a", "b"): 1} and (b * a).terms == {("a", "b"): 1}
    assert (3 * a).terms == {("a",): 3} and (a * 3).terms == {("a",): 3}
    assert ((a + b) * (a - b)).terms == {("a", "a"): 1, ("b", "b"): -1}
    assert ((a + 1) * (b + 2)).terms == {("a", "b"): 1, ("a",): 2, ("b",): 1, (): 2}
    assert (a * 0).terms == {} and ((a + b) * 0).terms == {}


def test_powers_and_division():
    assert (a ** 0).terms == {(): 1} and (a ** 1).terms == {("a",): 1}
    assert ((a + 1) ** 2).terms == {("a", "a"): 1, ("a",): 2, (): 1}
    assert (a ** np.int64(3)).terms == {("a", "a", "a"): 1}
    assert (a / 2).terms == {("a",): Fraction(1, 2)} and (a / 1).terms == {("a",): 1}
    assert (a / -1).terms == {("a",): -1}
    assert (a / Fraction(1, 3)).terms == {("a",): 3}
    assert (a / 2.0).terms == {("a",): Fraction(1, 2)}
    with pytest.raises(NotExactError):
        a / 0.5


def test_equality_and_the_watch(monkeypatch):
    assert (a == sa) is True and (a != sa) is False and (a != sb) is True and (a == sb) is False
    assert (a + 1) == 1 + a and a + 1 != a and (a - a == 0) is True
    assert a.__eq__("a") is NotImplemented and a.__ne__("a") is NotImplemented
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(a, op)(1) is NotImplemented
    assert bool(a) is True and bool(a - a) is False and bool(Polynomial({(): 1})) is True
    seen: list[str] = []
    monkeypatch.setattr(WATCH, "hook", seen.append, raising=False)
    assert (a == a) is True and (a != a) is False and a
    for compare in (lambda: a < 1, lambda: a <= 1, lambda: a > 1, lambda: a >= 1):
        with pytest.raises(TypeError):
            compare()
    assert seen == ["==", "!=", "truth value", "<", "<=", ">", ">="]
    monkeypatch.delattr(WATCH, "hook")
    ring._watch("==")  # no hook: nothing happens


def test_the_watch_hook_can_stop_a_comparison(monkeypatch):
    def stop(operation):
        raise RuntimeError(f"stopped at {operation}")

    monkeypatch.setattr(WATCH, "hook", stop, raising=False)
    for run, op in [(lambda: a == 1, "=="), (lambda: a != 1, "!="), (lambda: bool(a),
                    "truth value"), (lambda: a.__lt__(1), "<"), (lambda: a.__le__(1), "<="),
                    (lambda: a.__gt__(1), ">"), (lambda: a.__ge__(1), ">=")]:
        with pytest.raises(RuntimeError, match=rf"^stopped at {op}$"):
            run()


def test_degree_variables_evaluate_and_repr():
    p = 2 * a * a * b - b + 3
    assert repr(3 * a + b) == "3·a + b" and repr(b * b - 2 * a * c) == "-2·a·c + b·b"
    assert p.degree == 3 and Polynomial().degree == -1 and Polynomial({(): 5}).degree == 0
    assert p.variables == {"a", "b"} and Polynomial({(): 5}).variables == set()
    assert exactly(p.evaluate({"a": 2, "b": 5}), 38)
    assert exactly(p.evaluate({"b": 1}), 2)  # a missing: 0
    assert exactly(p.evaluate({}), 3) and exactly(Polynomial().evaluate({"a": 1}), 0)
    assert p.evaluate({"a": Fraction(1, 2), "b": 2}) == 2
    assert repr(-a) == "-a" and repr(-2 * a + b) == "-2·a + b" and repr(a - 1) == "a - 1"
    assert repr(a * b - 3 * a + Fraction(1, 2)) == "a·b - 3·a + 1/2"
    assert repr(Polynomial({(): -4})) == "-4" and repr(b + a) == "a + b"


def test_to_sympy_round_trips_keys_and_fractions():
    n = sympy.Symbol("n", integer=True)
    p = Polynomial.from_sympy(n * sa / 2 - 3)
    back = p.to_sympy()
    assert sympy.expand(back - (n * sa / 2 - 3)) == 0 and n in back.free_symbols
    assert Polynomial().to_sympy() == 0


def test_from_sympy():
    assert Polynomial.from_sympy(sympy.Integer(4)).terms == {(): 4}
    assert Polynomial.from_sympy(sympy.Integer(0)).terms == {}
    assert Polynomial.from_sympy(sympy.Poly(sa ** 2 + 1, sa)).terms == {("a", "a"): 1, (): 1}
    assert Polynomial.from_sympy(sa ** 3 * sb - sb / 3).terms == {
        ("a", "a", "a", "b"): 1, ("b",): Fraction(-1, 3)}
    assert Polynomial.from_sympy((sa + sb) ** 2 - sa ** 2 - sb ** 2).terms == {("a", "b"): 2}
    with pytest.raises(NotExactError, match=r"^entry: expected a polynomial, got the factor "
                                            r"0\.500* in 0\.5\*a; symconv compares"):
        Polynomial.from_sympy(sympy.Float(0.5) * sa)
    with pytest.raises(NotExactError, match=r"^entry: expected a polynomial, got the factor "
                                            r"1/a in 2/a; symconv compares polynomials only$"):
        Polynomial.from_sympy(2 / sa)
    with pytest.raises(NotExactError, match=r"got the factor sqrt\(2\)"):
        Polynomial.from_sympy(sympy.sqrt(2) * sa)
    with pytest.raises(NotExactError, match=r"the float"):
        Polynomial.from_sympy(sympy.Float(2.0))
    with pytest.raises(NotExactError, match=r"got the factor I"):
        Polynomial.from_sympy(sympy.I * sa)


def test_canonical():
    assert canonical(a + 1) == {("a",): 1, (): 1} and canonical(0) == {} and canonical(-2) == {
        (): -2}
    assert canonical(sa * sb - sb * sa) == {} and canonical(sympy.Rational(1, 2)) == {
        (): Fraction(1, 2)}
    with pytest.raises(NotExactError, match=r"^entry: expected a number, a sympy polynomial or "
                                            r"a Polynomial, got str 'a'$"):
        canonical("a")
    with pytest.raises(NotExactError, match=r"the float"):
        canonical(np.float64(1.0))


# ---- variables: keys ----

def test_check_name():
    assert check_name("x") == "x"
    for bad in ("", "x⟦", "⟧", 3, None):
        with pytest.raises(SymconvError, match=r"^name: expected a nonempty variable name "
                                               r"without ⟦ or ⟧, got .*; those characters are "
                                               r"reserved for keys of symbols with assumptions$"):
            check_name(bad)
    with pytest.raises(NotExactError, match=r"^entry: expected a nonempty"):
        check_name("", "entry", NotExactError)


def test_keys_tell_apart_exactly_what_sympy_tells_apart():
    variables._key.cache_clear()  # each key below is computed (and its symbol registered) here
    x = sympy.Symbol("x")
    kinds = [x, sympy.Symbol("x", integer=True), sympy.Symbol("x", real=True),
             sympy.Symbol("x", rational=True), sympy.Symbol("x", complex=True),
             sympy.Symbol("x", hermitian=True, finite=True), sympy.Dummy("x"), sympy.Dummy("x"),
             sympy.Dummy("x", integer=True), sympy.Symbol("x", finite=True)]
    keys = [variable_key(s) for s in kinds]
    assert len(set(keys)) == len(kinds)
    assert keys[:5] == ["x", "x⟦integer⟧", "x⟦real⟧", "x⟦rational⟧", "x⟦complex⟧"]
    assert keys[5] == "x⟦commutative=True,finite=True,hermitian=True,infinite=False⟧"
    assert keys[6] == f"x⟦dummy {kinds[6].dummy_index}⟧"
    assert keys[8] == f"x⟦dummy {kinds[8].dummy_index}; integer⟧"
    assert keys[9] == "x⟦finite⟧"
    assert variable_key(sympy.Symbol("x", integer=True)) == keys[1]
    assert variable_key(sympy.Symbol("x", extended_real=True, finite=True)) == keys[2]
    assert variable_key(sympy.Symbol("x", commutative=True)) == "x"
    for s, k in zip(kinds, keys):
        assert symbol_of(k) == s
    assert not prove_equal([kinds[1]], [x]) and not prove_equal([kinds[6]], [kinds[7]])
    assert prove_equal([kinds[1] + 0], [sympy.Symbol("x", integer=True)])


def test_integer_facts_and_tags():
    integer, tags = variables._facts()
    assert {("integer", True), ("commutative", True), ("real", True), ("finite", True),
            ("noninteger", False)} <= integer
    assert ("positive", True) not in integer and ("zero", False) not in integer
    assert set(tags) == set(variables._TAGS) and tags["integer"] == dict(integer)


@pytest.mark.parametrize("kwargs, said", [
    ({"positive": True}, "positive=True"), ({"integer": False}, "integer=False"),
    ({"nonzero": True}, "nonzero=True"), ({"odd": True}, "odd=True"),
])
def test_restricting_assumptions_are_refused_as_given(kwargs, said):
    with pytest.raises(NotExactError, match=rf"^entry: the symbol y is assumed {said}, which "
                                            r"not every integer satisfies; use "
                                            r"sympy.Symbol\('y'\) \(or integer=True, real=True\)"):
        variable_key(sympy.Symbol("y", **kwargs))


def test_noncommutative_symbols_and_foreign_types_are_refused(monkeypatch):
    with pytest.raises(NotExactError, match=r"^entry: expected commuting variables, got the "
                                            r"noncommutative symbol q; canonical forms sort"):
        variable_key(sympy.Symbol("q", commutative=False))
    for other in (sympy.Wild("x"), sympy.Integer(1), sympy.IndexedBase("x")[1], "x"):
        with pytest.raises(NotExactError, match=r"^entry: expected a polynomial in plain sympy "
                                                r"symbols, got the .*; use sympy.Symbol"):
            variable_key(other)
    with pytest.raises(NotExactError, match=r"^entry: expected a nonempty"):
        variable_key(sympy.Symbol("x⟦integer⟧"))
    monkeypatch.setattr(variables, "loaded_sympy", lambda: None)
    with pytest.raises(NotExactError, match=r"plain sympy symbols"):
        variable_key(sympy.Symbol("x"))


def test_sympy_expression():
    assert sympy_expression(3) == 3 and sympy_expression(sympy.Poly(sa + 1)) == sa + 1
    with pytest.raises(NotExactError, match=r"^entry: expected a sympy polynomial, got str 'a'; "
                                            r"build entries from sympy symbols and integers$"):
        sympy_expression("a")
    with pytest.raises(NotExactError, match=r"got object"):
        sympy_expression(object())
    for bad, kind in [(sympy.Eq(sa, 1), "Equality"), (sympy.true, "BooleanTrue"),
                      (sympy.Matrix([sa]), "ImmutableDenseMatrix"),
                      (sympy.MatrixSymbol("M", 2, 2), "MatrixSymbol")]:
        with pytest.raises(NotExactError, match=rf"^entry: expected a polynomial, got the {kind} "):
            sympy_expression(bad)
    p, q = sympy.symbols("p q", commutative=False)
    with pytest.raises(NotExactError, match=r"^entry: expected commuting variables, got the "
                                            r"noncommutative expression p\*q; canonical forms "
                                            r"sort the factors of a product, which holds only "
                                            r"for commuting variables$"):
        sympy_expression(p * q)


def test_loaded_sympy(monkeypatch):
    assert variables.loaded_sympy() is sympy
    monkeypatch.setattr(variables, "_SYMPY", None)
    assert variables.loaded_sympy() is sympy and variables._SYMPY is sympy
    monkeypatch.setattr(variables, "_SYMPY", None)
    monkeypatch.delitem(sys.modules, "sympy")
    assert variables.loaded_sympy() is None and variables._SYMPY is None
    fake = types.ModuleType("sympy")
    fake.Basic = object
    monkeypatch.setitem(sys.modules, "sympy", fake)
    assert variables.loaded_sympy() is fake and variables._SYMPY is fake


def test_loaded_sympy_waits_for_a_half_imported_module(monkeypatch):
    imported: list[str] = []
    real_import = builtins.__import__

    def recording_import(name, *args, **kwargs):
        if name == "sympy":
            imported.append(name)
            return sympy
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", recording_import)
    half = types.ModuleType("sympy")  # sympy mid-import in another thread: no Basic yet
    plain = types.ModuleType("sympy")  # fully imported, no import-time spec
    plain.Basic = object
    odd = types.SimpleNamespace(Basic=object)  # sys.modules may hold any object
    for module, waits in [(half, True), (_spec(initializing=True, basic=True), True),
                          (_spec(initializing=False, basic=True), False), (plain, False),
                          (odd, False)]:
        monkeypatch.setattr(variables, "_SYMPY", None)
        monkeypatch.setitem(sys.modules, "sympy", module)
        imported.clear()
        got = variables.loaded_sympy()
        assert (got is sympy, imported == ["sympy"]) == (waits, waits)
        assert got is (sympy if waits else module) and variables._SYMPY is got


def _spec(*, initializing: bool, basic: bool) -> types.ModuleType:
    module = types.ModuleType("sympy")
    module.__spec__ = types.SimpleNamespace(_initializing=initializing)
    if basic:
        module.Basic = object
    return module


# ---- engine: witnesses ----

def test_small_integers():
    assert _small_integers(0) == [] and _small_integers(7) == [0, 1, -1, 2, -2, 3, -3]


@pytest.mark.parametrize("diff, expected", [
    (a * (a - 1) * (a + 1), {"a": 2}),
    (a * a - a, {"a": -1}),
    (a * b * (a - 1) * (b + 1), {"a": -1, "b": 1}),
    ((a - 1) * (a + 1) * (a - 2) * (a + 2) * (b - 1) * b, {"a": 0, "b": -1}),
    (Polynomial({(): 7}), {}),
    (a * b * c, {"a": 1, "b": 1, "c": 1}),
    (a * a + b, {"a": 1, "b": 0}),  # b is not in the leading coefficient: set to 0
    (a * a * b - b + c, {"a": 0, "b": 1, "c": 0}),
])
def test_constructive_point_is_deterministic_and_separates(diff, expected):
    values = _constructive_point(diff)
    assert values == expected and diff.evaluate(values) != 0


def test_readable_point():
    assert _readable_point(a + b - 1) == {}  # all variables 0 already shows it
    assert _readable_point(a * b - a) == {"a": 1}  # fewest variables first
    assert _readable_point(b * b * b + a * c) == {"b": 1}  # distinct variables, not the degree
    assert _readable_point(a * a - a) is None
    assert _readable_point(b - a) == {"b": 1}  # positive coefficients before negative ones
    assert _readable_point(a - 2 * b) == {"a": 1} and _readable_point(b + a) == {"a": 1}
    assert _readable_point(b / 2 - a) == {"b": 1}  # 1/2 is positive
    assert _readable_point(2 * a + b) == {"a": 1}  # then by product, not by coefficient
    assert engine.READABLE_TRIES == 64


def test_readable_point_tries_at_most_its_budget():
    # 65 products a_i*a_i - a_i vanish at 0 and 1; only the 65th product's point shows it
    names = [Polynomial.variable(f"v{i:02}") for i in range(64)]
    diff = sum((v * v - v for v in names), Polynomial()) + Polynomial.variable("z") * 2
    assert _readable_point(diff) is None
    assert diff.evaluate(_constructive_point(diff)) != 0


def test_witness_values_are_integers_and_rechecked():
    values, lv, rv = _witness(a * a - a, a * a, a)
    assert values == {"a": -1} and exactly(lv, 1) and exactly(rv, -1)
    values, lv, rv = _witness(a - b, a + 0, b + 0)
    assert values == {"a": 1} and (lv, rv) == (1, 0)
    values, lv, rv = _witness(Polynomial({(): 2}), Polynomial({(): 2}), Polynomial())
    assert values == {} and (lv, rv) == (2, 0)
    with pytest.raises(RuntimeError, match=r"^internal error: the witness \{'a': 1\} does not "
                                           r"separate the sides$"):
        _witness(a, a, a)  # a lie: diff says a, but the sides are equal
    with pytest.raises(RuntimeError, match=r"does not separate"):
        _witness(a * b, a + 0, b + 0)  # diff vanishes at a=b=1 (no other point is readable)


def test_constructive_point_raises_on_a_root_set_it_cannot_escape(monkeypatch):
    monkeypatch.setattr(engine, "_small_integers", lambda count: [0] * count)
    with pytest.raises(RuntimeError, match=r"^internal error: 2 roots of a degree-1 polynomial$"):
        _constructive_point(a)


# ---- engine: the verdict and its record ----

def test_format_term():
    assert _format_term(("a", "b"), 1) == "a·b" and _format_term(("a",), -1) == "-a"
    assert _format_term(("a",), 2) == "2·a" and _format_term(("a",), -2) == "-2·a"
    assert _format_term((), 1) == "1" and _format_term((), -1) == "-1"
    assert _format_term((), 0) == "0" and _format_term((), Fraction(1, 2)) == "1/2"
    assert _format_term(("a",), Fraction(-1, 2)) == "-1/2·a"


def test_plain():
    assert exactly(_plain(Fraction(4, 2)), 2) and exactly(_plain(Fraction(1, 2)), Fraction(1, 2))
    assert exactly(_plain(3), 3)


def test_proof_record_when_proved():
    proof = prove_equal(np.array([[sa * sb, sa], [0, 1]], dtype=object),
                        [[sb * sa, sa + 0], [0, 1]], "commute")
    assert proof.holds is True and bool(proof) is True and proof.counterexample is None
    assert proof.method == "canonical polynomial forms (exact)"
    assert (proof.positions, proof.products, proof.statement) == (4, 3, "commute")
    assert proof.steps == ("left side: 4 entries, 3 products in canonical form",
                           "right side: 4 entries, 3 products in canonical form",
                           "all 4 positions have identical canonical forms")
    assert 0 <= proof.elapsed < 60
    assert str(proof) == ("PROVED: commute\n  - left side: 4 entries, 3 products in canonical "
                          "form\n  - right side: 4 entries, 3 products in canonical form\n"
                          "  - all 4 positions have identical canonical forms")
    assert str(prove_equal([1], [1])).startswith("PROVED\n  - left side: 1 entries")


def test_proof_record_when_shapes_differ():
    proof = prove_equal(np.zeros((2, 3), dtype=int), [[sa, 0], [0, 0], [0, 0]], "shapes")
    assert proof.holds is False and not proof
    assert (proof.positions, proof.products, proof.method) == (
        0, 0, "canonical polynomial forms (exact)")
    assert proof.steps == ("left side: 6 entries, 0 products in canonical form",
                           "right side: 6 entries, 1 products in canonical form",
                           "shapes differ: (2, 3) vs (3, 2)")
    cex = proof.counterexample
    assert (cex.left_shape, cex.right_shape, cex.differing, cex.position) == (
        (2, 3), (3, 2), 0, None)
    assert 0 <= proof.elapsed < 60
    assert str(proof) == ("DISPROVED: shapes\n  - left side: 6 entries, 0 products in canonical "
                          "form\n  - right side: 6 entries, 1 products in canonical form\n"
                          "  - shapes differ: (2, 3) vs (3, 2)\n"
                          "  counterexample: shapes differ: left (2, 3), right (3, 2)")


def test_counterexample_lists_positions_products_and_numbers():
    left = np.array([[sa, sa * sb + 2 * sb], [1, 0], [sb, 3], [0, sa], [1, 2]], dtype=object)
    right = np.array([[sa, -sb + 3 * sa * sb + sa ** 2], [1, 1], [sb, 4], [sa, 0], [2, 1]],
                     dtype=object)
    proof = prove_equal(left, right)
    assert not proof and proof.positions == 10 and proof.products == 9
    assert proof.method == "canonical polynomial forms (exact)" and 0 <= proof.elapsed < 60
    assert proof.steps[-1] == "7 of 10 positions differ"
    cex = proof.counterexample
    assert cex.differing == 7 and cex.position == (0, 1)
    assert cex.positions == ((0, 1), (1, 1), (2, 1), (3, 0), (3, 1))
    assert cex.differences == ((("a", "a"), 0, 1), (("a", "b"), 1, 3), (("b",), 2, -1))
    assert cex.only_left == () and cex.only_right == ((("a", "a"), 1),)
    assert cex.changed == ((("a", "b"), 1, 3), (("b",), 2, -1))
    # the difference -a·a - 2·a·b + 3·b is first nonzero at b=1 (one variable, positive first)
    assert cex.values == {"b": 1} and (cex.left_value, cex.right_value) == (2, -1)
    text = ("7 of 10 positions differ; first at [0, 1]\n"
            "  right only: a·a\n"
            "  a·b: coefficient 1 on the left, 3 on the right\n"
            "  b: coefficient 2 on the left, -1 on the right\n"
            "  at b=1 (all other variables 0): left = 2, right = -1\n"
            "  also differ: [1, 1], [2, 1], [3, 0], [3, 1] ...")
    assert str(cex) == text
    assert str(proof).endswith("\n  counterexample: " + text.replace("\n", "\n  "))
    assert str(proof).startswith("DISPROVED\n  - left side: 10 entries, 9 products")


def test_counterexample_text_for_few_positions_and_zero_values():
    proof = prove_equal([sa, 1, -sb], [sa, 2, sb + sa])
    cex = proof.counterexample
    assert cex.positions == ((1,), (2,)) and cex.values == {}
    assert (cex.left_value, cex.right_value) == (1, 2)
    assert str(cex) == ("2 of 3 positions differ; first at [1]\n"
                        "  1: coefficient 1 on the left, 2 on the right\n"
                        "  at all variables 0 (all other variables 0): left = 1, right = 2\n"
                        "  also differ: [2]")
    one = prove_equal([sa * sb - sb, 0], [sa * sb, 0]).counterexample
    assert one.differences == ((("b",), -1, 0),) and one.only_left == ((("b",), -1),)
    assert str(one) == ("1 of 2 positions differ; first at [0]\n"
                        "  left only:  -b\n"
                        "  at b=1 (all other variables 0): left = -1, right = 0")
    two = prove_equal([sa + sb + 1], [0]).counterexample
    assert "\n  left only:  1 + a + b\n" in str(two)
    assert two.only_left == (((), 1), (("a",), 1), (("b",), 1))
    right = prove_equal([sa], [sa + 2 * sb - sa * sb]).counterexample
    assert right.differences == ((("a", "b"), 0, -1), (("b",), 0, 2))
    assert "\n  right only: -a·b + 2·b\n" in str(right)
    without = Counterexample((1,), (1,), 1, ((0,),), ((("a",), 1, 0),))
    assert str(without) == "1 of 1 positions differ; first at [0]\n  left only:  a"


def test_fraction_witness_values_are_plain():
    proof = prove_equal([sa / 2 + sympy.Rational(1, 2)], [sympy.Rational(1, 2)])
    cex = proof.counterexample
    assert cex.values == {"a": 1} and exactly(cex.left_value, 1) and exactly(
        cex.right_value, Fraction(1, 2))


def test_progress_is_reported_every_4096_positions():
    calls: list[tuple[int, int]] = []
    left = np.zeros(4096 * 2 + 5, dtype=object)
    assert prove_equal(left, left.copy(), progress=lambda done, total: calls.append(
        (done, total)))
    assert calls == [(4096, 8197), (8192, 8197)]
    assert prove_equal(left, left.copy())  # no callback: nothing is called
    calls.clear()
    assert not prove_equal(left[:4095], left[:4095] + 1, progress=lambda *d: calls.append(d))
    assert calls == []


def test_masked_entries_are_refused_not_read_as_their_hidden_data():
    masked = np.ma.array([1, 2], mask=[False, True], dtype=object)
    with pytest.raises(NotExactError, match=r"got MaskedConstant"):
        prove_equal(masked, [1, 2])


def test_lists_and_arrays_are_read_alike():
    assert prove_equal([[1, sa]], np.array([[1, sa]], dtype=object))
    proof = prove_equal(np.array([1, 2]), [1, 3])
    assert proof.counterexample.position == (1,) and proof.positions == 2
    with pytest.raises(NotExactError):
        prove_equal(np.array([1.0, 2.0]), [1, 2])
    # numpy alone would read this list as float64 and merge 2**63 with 2**63 + 1
    assert prove_equal([-1, 2**63], [-1, 2**63])
    proof = prove_equal([-1, 2**63], [-1, 2**63 + 1])
    assert not proof and (proof.counterexample.left_value, proof.counterexample.right_value) == (
        2**63, 2**63 + 1)


def test_notebook_displays_show_the_verdict_itself():
    proof = prove_equal([sa], [sa + 1], "off by one")
    assert proof._repr_markdown_().startswith("**DISPROVED**: off by one\n")
    assert ">DISPROVED</strong>: off by one<" in proof._repr_html_()
    cex = proof.counterexample
    assert cex._repr_markdown_().startswith("**COUNTEREXAMPLE**: 1 of 1 positions differ\n")
    assert ">COUNTEREXAMPLE</strong>: 1 of 1 positions differ<" in cex._repr_html_()


def test_a_proof_is_only_as_true_as_its_holds_field():
    assert bool(Proof("s", False, "m", 1, 1, 0.0)) is False
    assert bool(Proof("s", True, "m", 1, 1, 0.0)) is True
