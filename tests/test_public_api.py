"""The public surface: every name in __all__ imports, is documented, and nothing is missing;
every module imports as its package's attribute; sympy loads only when something needs it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import symconv


def test_every_public_name_imports_and_has_a_docstring():
    assert len(symconv.__all__) == len(set(symconv.__all__))
    for name in symconv.__all__:
        obj = getattr(symconv, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_star_import():
    namespace: dict = {}
    exec("from symconv import *", namespace)
    assert set(symconv.__all__) <= set(namespace)


def test_public_functions_live_in_their_modules():
    for name in symconv.__all__:
        obj = getattr(symconv, name)
        module = getattr(obj, "__module__", None)
        if module and module.startswith("symconv") and hasattr(obj, "__name__"):
            assert getattr(importlib.import_module(module), obj.__name__, None) is obj
    assert symconv.QUIET is symconv.progress.QUIET  # an instance: no __name__ to look up


def _modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(symconv.__path__, "symconv.")]


def test_no_module_is_shadowed_by_an_attribute_of_its_package():
    names = _modules()
    assert {"symconv.theorems", "symconv.general.registry", "symconv.latex.recipes",
            "symconv.cli.prove", "symconv.verification.core"} <= set(names)
    for full_name in names:
        module = importlib.import_module(full_name)
        parent, _, short_name = full_name.rpartition(".")
        attribute = getattr(importlib.import_module(parent), short_name, None)
        assert attribute is module, f"symconv: {parent}.{short_name} is {attribute!r}"


def test_theorem_names_is_the_function_and_theorems_the_module():
    from symconv import theorem_names, theorems

    assert inspect.ismodule(theorems) and theorems.theorem_names is theorem_names
    assert theorem_names()[0] == "definition-equals-elementwise"
    from symconv.general.registry import INSTANCE_ONLY

    assert [n for n in theorem_names() if n not in INSTANCE_ONLY] == \
        symconv.general.general_theorems()


def test_dir_lists_every_public_name_and_lazy_names_resolve_to_their_modules():
    assert set(symconv.__all__) <= set(dir(symconv))
    from symconv.latex import derive
    from symconv.matrices import sympy_matrices

    assert symconv.derive is derive and symconv.sympy_matrices is sympy_matrices
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        symconv.no_such_name  # noqa: B018


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet); its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_and_help_and_version_do_not_import_sympy():
    out = _fresh("""
        import contextlib, io, sys
        import symconv
        print("import", "sympy" in sys.modules)
        from symconv.cli import main
        for flag in ("--help", "--version"):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                main([flag])
            print(flag, "sympy" in sys.modules)
        from symconv import derive
        print("derive", "sympy" in sys.modules)
    """)
    assert out.split("\n")[:4] == ["import False", "--help False", "--version False",
                                   "derive True"]


def test_derive_help_lists_the_derivations(capsys):
    from symconv.cli import main
    from symconv.latex import derivations

    with pytest.raises(SystemExit):
        main(["derive", "--help"])
    # argparse wraps lines (also after hyphens): compare without any whitespace
    assert ",".join(derivations()) in "".join(capsys.readouterr().out.split())


def test_ring_proves_and_refuses_without_sympy_loaded():
    out = _fresh("""
        import sys
        from symconv import ConvSpec, NotExactError, Polynomial, prove
        from symconv.ring import canonical
        x = Polynomial.variable("x")
        print(repr(x * 2.0 + 1), canonical(3), bool(prove("dot-equals-im2col",
              ConvSpec((4, 4), (2, 2)))))
        for bad in (lambda: x * 0.5, lambda: canonical(2.0), lambda: canonical("x")):
            try:
                bad()
            except NotExactError as err:
                print(str(err).split(",")[0])
        print("sympy" in sys.modules)
    """)
    assert out.splitlines() == [
        "2·x + 1 {(): 3} True", "value: expected an exact number", "value: expected an exact "
        "number", "entry: expected a number", "False"]


def test_sympy_float_is_refused_even_after_sympy_left_sys_modules():
    out = _fresh("""
        import sys
        import sympy
        from symconv import NotExactError, Polynomial
        f, half, s = sympy.Float(2), sympy.Rational(1, 2), sympy.Symbol("s")
        del sys.modules["sympy"]  # the ring never saw sympy loaded: only the objects remain
        x = Polynomial.variable("x")
        print(repr(x * half), repr(x * sympy.Integer(3)))
        try:
            x * f
        except NotExactError as err:
            print(str(err).split("(")[0])
    """)
    assert out.splitlines() == ["1/2·x 3·x", "value: expected an exact number, got the float "
                                "2.00000000000000 "]
