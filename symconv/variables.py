"""Variable keys: two sympy symbols share a ring variable exactly when sympy finds them equal.

The ring (:mod:`symconv.ring`) keys a variable by a string.  A plain ``sympy.Symbol('x')`` is the
key ``'x'``, the same as ``Polynomial.variable('x')``.  A symbol with assumptions, or a ``Dummy``,
is keyed by its name plus a ``⟦…⟧`` suffix naming the assumptions (and the dummy index); plain
names may not contain ``⟦`` or ``⟧``, so no such key equals a plain name or another symbol's key.
Only assumptions that every integer satisfies are accepted (``integer``, ``real``, ...), so a
counterexample at integer values is a counterexample for the symbols as sympy means them.

sympy is imported only when a sympy object is handled: a value can be a sympy object only once
the sympy module has been imported, so :func:`loaded_sympy` answers the ring's isinstance checks
without importing it (``import symconv`` and the command line's ``--help`` stay light).

>>> import sympy
>>> [variable_key(s) for s in (sympy.Symbol("x"), sympy.Symbol("x", real=True))]
['x', 'x⟦real⟧']
"""

from __future__ import annotations

import functools
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import NotExactError, SymconvError

if TYPE_CHECKING:
    import sympy

__all__ = ["RESERVED", "variable_key", "check_name", "sympy_expression", "symbol_of",
           "loaded_sympy"]

#: Characters no plain variable name may contain: they delimit the suffix of keys of sympy
#: symbols with assumptions or of Dummies, so such a key never equals a plain name.
RESERVED = "⟦⟧"
_TAGS = ("integer", "rational", "algebraic", "real", "extended_real", "complex", "hermitian",
         "finite")
#: The sympy symbol behind each reserved key, for :meth:`Polynomial.to_sympy`.
_SYMBOLS: dict[str, sympy.Symbol] = {}
#: sympy once it has been seen fully imported (see :func:`loaded_sympy`).
_SYMPY: ModuleType | None = None


def loaded_sympy() -> ModuleType | None:
    """The sympy module if anything has imported it, else ``None`` (and sympy stays unimported).

    No object can be a sympy object before sympy is imported, so ``None`` means "not a sympy
    object" for any value; checks ask this instead of importing sympy themselves.

    >>> import sympy
    >>> loaded_sympy() is sympy
    True
    """
    global _SYMPY
    if _SYMPY is None:
        module = sys.modules.get("sympy")
        if module is None:
            return None
        if getattr(getattr(module, "__spec__", None), "_initializing", False) or not hasattr(
                module, "Basic"):
            import sympy as module  # another thread is importing it: wait until it is done
        _SYMPY = module
    return _SYMPY


@functools.lru_cache(maxsize=1)
def _facts() -> tuple[frozenset[tuple[str, bool]], dict[str, dict[str, bool]]]:
    """``(fact, value)`` pairs every integer satisfies (sympy's closure of ``integer=True``),
    and the facts each tag of :data:`_TAGS` stands for; computed when first needed."""
    import sympy

    integer = frozenset(sympy.Symbol("n", integer=True).assumptions0.items())
    return integer, {tag: sympy.Symbol("n", **{tag: True}).assumptions0 for tag in _TAGS}


def check_name(name: Any, field: str = "name", error: type[SymconvError] = SymconvError) -> str:
    """``name`` if it may name a plain variable (a nonempty string without ``⟦``/``⟧``).

    >>> check_name("x_{0,1}")
    'x_{0,1}'
    >>> check_name("x⟦integer⟧")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: name: expected a nonempty variable name without ⟦ or ⟧, ...
    """
    if not isinstance(name, str) or not name or any(ch in name for ch in RESERVED):
        raise error(f"{field}: expected a nonempty variable name without "
                           f"{' or '.join(RESERVED)}, got {name!r}; those characters are "
                           "reserved for keys of symbols with assumptions")
    return name


def variable_key(symbol: Any) -> str:
    """The ring variable of a sympy symbol: equal keys exactly for symbols sympy finds equal.

    A plain ``Symbol`` is keyed by its name, like :meth:`Polynomial.variable`; a symbol with
    assumptions (each satisfied by every integer) or a ``Dummy`` gets a reserved ``⟦…⟧``
    suffix.  Anything else raises :class:`~symconv.errors.NotExactError` with the reason.

    >>> import sympy
    >>> variable_key(sympy.Symbol("x")), variable_key(sympy.Symbol("x", integer=True))
    ('x', 'x⟦integer⟧')
    >>> variable_key(sympy.Symbol("x", positive=True))
    Traceback (most recent call last):
    ...
    symconv.errors.NotExactError: entry: the symbol x is assumed positive=True, which not every ...
    """
    sp = loaded_sympy()
    if sp is None or type(symbol) not in (sp.Symbol, sp.Dummy):
        raise NotExactError(f"entry: expected a polynomial in plain sympy symbols, got the "
                            f"{type(symbol).__name__} {symbol}; use sympy.Symbol variables")
    return _key(symbol)


@functools.lru_cache(maxsize=1 << 16)  # keyed by sympy equality: equal symbols, one key
def _key(symbol: sympy.Symbol) -> str:
    import sympy

    integer_facts, tag_facts = _facts()
    name = check_name(symbol.name, "entry", NotExactError)
    facts = symbol.assumptions0
    if facts.get("commutative") is not True:
        raise NotExactError(f"entry: expected commuting variables, got the noncommutative "
                            f"symbol {name}; canonical forms sort the factors of a product, "
                            "which holds only for commuting variables")
    if not set(facts.items()) <= integer_facts:
        given = getattr(symbol, "_assumptions_orig", None) or facts
        said = ", ".join(f"{k}={v}" for k, v in sorted(given.items())
                         if (k, v) not in integer_facts)
        raise NotExactError(f"entry: the symbol {name} is assumed {said}, which not every "
                            f"integer satisfies; use sympy.Symbol({name!r}) (or integer=True, "
                            "real=True): identities are decided for variables taking any value")
    tags = [f"dummy {symbol.dummy_index}"] if isinstance(symbol, sympy.Dummy) else []
    if facts != {"commutative": True}:
        tags.append(next((t for t in _TAGS if tag_facts[t] == facts), None) or ",".join(
            f"{k}={v}" for k, v in sorted(facts.items())))
    if not tags:
        return name
    key = f"{name}⟦{'; '.join(tags)}⟧"
    _SYMBOLS[key] = symbol
    return key


def sympy_expression(entry: Any) -> sympy.Expr:
    """``entry`` as a commutative sympy expression, or :class:`NotExactError` saying why not."""
    import sympy
    from sympy.matrices.expressions import MatrixExpr

    try:
        expr = sympy.sympify(entry, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        raise NotExactError(f"entry: expected a sympy polynomial, got {type(entry).__name__} "
                            f"{entry!r}; build entries from sympy symbols and integers") from None
    if isinstance(expr, sympy.Poly):
        expr = expr.as_expr()
    if not isinstance(expr, sympy.Expr) or isinstance(expr, (MatrixExpr, sympy.MatrixBase)):
        raise NotExactError(f"entry: expected a polynomial, got the {type(expr).__name__} "
                            f"{expr}; symconv compares polynomials only")
    if expr.is_commutative is not True:
        raise NotExactError(f"entry: expected commuting variables, got the noncommutative "
                            f"expression {expr}; canonical forms sort the factors of a product, "
                            "which holds only for commuting variables")
    return expr


def symbol_of(key: str) -> sympy.Symbol:
    """The sympy symbol a key stands for (a plain ``Symbol`` for a plain name).

    >>> import sympy
    >>> symbol_of(variable_key(sympy.Symbol("x", integer=True))).is_integer
    True
    """
    symbol = _SYMBOLS.get(key)
    if symbol is None:
        import sympy

        symbol = sympy.Symbol(key)
    return symbol
