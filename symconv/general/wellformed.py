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

from .backward import KINDS, entry_box
from .formulations import Formulation, Padding, Sizes
from .rules import RuleError
from .subst import free_symbols
from .terms import BRACKET, Derivative, Sum

if TYPE_CHECKING:  # pragma: no cover
    from .prover import GeneralStatement

__all__ = ["check_statement", "BASE_TENSORS", "BACKWARD_TENSORS"]

#: the tensors the descriptions read; everything else must be a view
BASE_TENSORS = ("w", "xpad")
#: what a backward statement may read besides: the input, the third tensors and brackets
BACKWARD_TENSORS = ("x", "y", "dout", "cols", BRACKET)


def _names(symbols: set) -> str:
    return ", ".join(sorted(map(str, symbols)))


def _check_form(form: Formulation, side: str, allowed: set, sizes: set,
                tensors: tuple[str, ...]) -> None:
    terms = (Sum, Derivative) if BRACKET in tensors else (Sum,)
    if not isinstance(form, Formulation) or not isinstance(form.term, terms):
        raise RuleError(f"{side}: expected a Formulation with a Sum, got {type(form).__name__}")
    if isinstance(form.term, Derivative) and \
            form.term.tensor not in ("x", "w", "y", "dout", "cols"):
        raise RuleError(f"{side}: a derivative is taken by an entry of x, w, y, dout or cols, "
                        f"not of {form.term.tensor!r}")
    try:
        Padding(form.padding)
    except ValueError:
        raise RuleError(f"{side}: padding {form.padding!r} is not one of "
                        f"{', '.join(p.value for p in Padding)}") from None
    for key, view in form.views.items():
        if key != view.name or key in tensors:
            raise RuleError(f"{side}: the view stored under {key!r} is named {view.name!r}; "
                            f"store each view under its own name, not {tensors}")
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
        if access not in tensors and access not in form.views:
            raise RuleError(f"{side}: {access!r} is neither a base tensor "
                            f"({', '.join(tensors)}) nor one of the side's views")


def _accesses(form: Formulation) -> set[str]:
    term = form.term.term if isinstance(form.term, Derivative) else form.term
    names = {f.tensor for f in term.factors}
    for v in form.views.values():
        names |= {f.tensor for f in v.body.factors} if isinstance(v.body, Sum) else \
            {v.body.tensor}
    return names


def check_statement(statement: GeneralStatement) -> None:
    """Raise RuleError naming the first ill-formed part of ``statement``; else None."""
    sz = statement.sizes
    if not isinstance(sz, Sizes):
        raise RuleError(f"sizes: expected Sizes.make(rank), got {type(sz).__name__}")
    backward = getattr(statement, "backward", False) is True
    kinds = KINDS if backward else KINDS[:2]
    if statement.kind not in kinds:
        shown = ", ".join(map(repr, kinds[:-1])) + f" or {kinds[-1]!r}"
        raise RuleError(f"kind: expected {shown}, got {statement.kind!r}")
    if statement.pads not in ("pads", "convolution"):
        raise RuleError(f"pads: expected 'pads' or 'convolution', got {statement.pads!r}")
    expected = entry_box(sz, statement.kind)
    if tuple(statement.entry) != tuple(expected):
        raise RuleError(f"entry: an {statement.kind} entry ranges over "
                        f"{', '.join(f'{v} <= {hi}' for v, hi in expected)}, got "
                        f"{', '.join(f'{v} <= {hi}' for v, hi in statement.entry)}")
    sizes = set(sz.size_symbols)
    allowed = sizes | {v for v, _ in expected}
    tensors = BASE_TENSORS + (BACKWARD_TENSORS if backward else ())
    _check_form(statement.left, "left", allowed, sizes, tensors)
    _check_form(statement.right, "right", allowed, sizes, tensors)
