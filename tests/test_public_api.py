"""The public surface: every name in __all__ imports, is documented, and nothing is missing."""

from __future__ import annotations

import importlib
import inspect

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
        if module and module.startswith("symconv"):
            assert getattr(importlib.import_module(module), obj.__name__, None) is obj
