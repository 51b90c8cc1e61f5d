"""Is a general statement well-formed?  Every symbol must have a meaning before a proof starts.

A view body may mention its formals and the size symbols, nothing else (another symbol would
be captured by whatever sum the view is used in); a formulation may mention the entry's
indices and the sizes; the entry box must be the one the statement's kind ranges over (a
narrower box would prove less than "every entry"); the options must be known values.  A
violation is a :class:`~symconv.general.rules.RuleError` whose message names it, which the
prover reports as NOT PROVED.

>>> from symconv.general import statement
>>> check_statement(statement("flip-is-involution", 1)) is None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .formulations import Formulation, Padding, Sizes
from .rules import RuleError
from .subst import free_symbols
from .terms import Sum

if TYPE_CHECKING:  # pragma: no cover
    from .prover import GeneralStatement

__all__ = ["check_statement", "BASE_TENSORS"]

#: the tensors the descriptions read; everything else must be a view
BASE_TENSORS = ("w", "xpad")


def _names(symbols: set) -> str:
    return ", ".join(sorted(map(str, symbols)))


def _check_form(form: Formulation, side: str, allowed: set, sizes: set) -> None:
    if not isinstance(form, Formulation) or not isinstance(form.term, Sum):
        raise RuleError(f"{side}: expected a Formulation with a Sum, got {type(form).__name__}")
    try:
        Padding(form.padding)
    except ValueError:
        raise RuleError(f"{side}: padding {form.padding!r} is not one of "
                        f"{', '.join(p.value for p in Padding)}") from None
    for key, view in form.views.items():
        if key != view.name or key in BASE_TENSORS:
            raise RuleError(f"{side}: the view stored under {key!r} is named {view.name!r}; "
                            f"store each view under its own name, not {BASE_TENSORS}")
        stray = free_symbols(view) - sizes
        if stray:
            raise RuleError(f"{side}: the body of view {view.name} mentions {_names(stray)}, "
                            f"which is neither a formal of {view.name} nor a size symbol (it "
                            "would be captured where the view is used); add it to the formals")
    stray = free_symbols(form.term) - allowed
    if stray:
        raise RuleError(f"{side}: the term mentions {_names(stray)}, which is neither an entry "
                        "index nor a size symbol (bind it in a sum or make it a size)")
    for access in _accesses(form):
        if access not in BASE_TENSORS and access not in form.views:
            raise RuleError(f"{side}: {access!r} is neither a base tensor "
                            f"({', '.join(BASE_TENSORS)}) nor one of the side's views")


def _accesses(form: Formulation) -> set[str]:
    names = {f.tensor for f in form.term.factors}
    names |= {v.body.tensor for v in form.views.values()}
    return names


def check_statement(statement: GeneralStatement) -> None:
    """Raise RuleError naming the first ill-formed part of ``statement``; else None."""
    sz = statement.sizes
    if not isinstance(sz, Sizes):
        raise RuleError(f"sizes: expected Sizes.make(rank), got {type(sz).__name__}")
    if statement.kind not in ("output", "weight"):
        raise RuleError(f"kind: expected 'output' or 'weight', got {statement.kind!r}")
    if statement.pads not in ("pads", "convolution"):
        raise RuleError(f"pads: expected 'pads' or 'convolution', got {statement.pads!r}")
    expected = sz.entry if statement.kind == "output" else sz.weight_entry
    if tuple(statement.entry) != tuple(expected):
        raise RuleError(f"entry: an {statement.kind} entry ranges over "
                        f"{', '.join(f'{v} <= {hi}' for v, hi in expected)}, got "
                        f"{', '.join(f'{v} <= {hi}' for v, hi in statement.entry)}")
    sizes = set(sz.size_symbols)
    allowed = sizes | {v for v, _ in expected}
    _check_form(statement.left, "left", allowed, sizes)
    _check_form(statement.right, "right", allowed, sizes)
