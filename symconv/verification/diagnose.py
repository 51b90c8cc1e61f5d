"""Say exactly what is wrong with a symbolic output: positions, products, the mistake's name.

Everything here compares canonical forms exactly.  A mistake is named only when the user's
output equals that mistake's formulation at every position; otherwise the raw difference is
given (products missing and extra at one position) and the verdict says no known mistake
matched.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3, 3), (2, 2))
>>> got = {("w_{0,0,0,1}", "x_{0,0,1,0}"): 1, ("w_{0,0,0,0}", "x_{0,0,0,0}"): 1}
>>> want = {("w_{0,0,0,1}", "x_{0,0,0,1}"): 1, ("w_{0,0,0,0}", "x_{0,0,0,0}"): 1}
>>> for line in describe_products((0, 0, 0, 0), got, want):
...     print(line)
out[0,0,0,0] multiplies w[0,0,0,1] with x[0,0,1,0] where x[0,0,0,1] belongs
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import SymconvError
from ..ring import Coefficient, Monomial, canonical
from ..spec import ConvSpec
from ..tensors import parse_name, variable_name
from .bias import bias_mistake
from .geometry import correct_geometry, gather, pair_counts
from .mistakes import axis_names, fold_candidates, geometry_candidates, shape_formulas
from .verdict import Kind, Mistake, MistakeKind

__all__ = ["describe_products", "bracket", "Forms", "name_mistakes", "shape_mistakes",
           "MAX_PHRASES"]

#: How many product phrases one position's explanation lists.
MAX_PHRASES = 6

Terms = dict[Monomial, Coefficient]
Pairs = dict[tuple[int, int], Coefficient]


def bracket(name: str) -> str:
    """``'w_{1,0,0,2}'`` as ``'w[1,0,0,2]'`` (other names unchanged)."""
    try:
        base, index = parse_name(name)
    except SymconvError:
        return name
    return f"{base}[{','.join(map(str, index))}]"


def _product(monomial: Monomial, coefficient: Coefficient = 1) -> str:
    body = "·".join(bracket(v) for v in monomial) or "1"
    return body if coefficient == 1 else f"{coefficient}·{body}"


def _noun(monomial: Monomial) -> str:
    """'product', or 'term' for a monomial of one variable (a bias ``b[f]``)."""
    return "term" if len(monomial) == 1 else "product"


def _bilinear(monomial: Monomial) -> bool:
    return len(monomial) == 2 and monomial[0].startswith("w_{") and monomial[1].startswith("x_{")


def describe_products(position: Sequence[int], got: Terms, want: Terms) -> list[str]:
    """Phrases for the products of one output entry that are missing, extra or miscounted."""
    where = f"out[{','.join(map(str, position))}]"
    extra = [m for m in got if m not in want]
    missing = [m for m in want if m not in got]
    lines: list[str] = []
    for m in list(extra):  # pair an extra product with a missing one sharing a factor
        if not _bilinear(m) or got[m] != 1:
            continue
        for other in missing:
            if not _bilinear(other) or want[other] != 1:
                continue
            if other[0] == m[0]:
                lines.append(f"{where} multiplies {bracket(m[0])} with {bracket(m[1])} where "
                             f"{bracket(other[1])} belongs")
            elif other[1] == m[1]:
                lines.append(f"{where} multiplies {bracket(m[1])} by {bracket(m[0])} where "
                             f"{bracket(other[0])} belongs")
            else:
                continue
            extra.remove(m)
            missing.remove(other)
            break
    lines += [f"{where} has the extra {_noun(m)} {_product(m, got[m])}" for m in extra]
    lines += [f"{where} lacks the {_noun(m)} {_product(m, want[m])}" for m in missing]
    lines += [f"{where} has {_product(m)} {got[m]} times where {want[m]} belongs"
              for m in got if m in want and got[m] != want[m]]
    if len(lines) > MAX_PHRASES:
        lines = lines[:MAX_PHRASES] + [f"... and {len(lines) - MAX_PHRASES} more differences "
                                       f"at {where}"]
    return lines


class Forms:
    """Canonical forms of a tensor, also as ``(weight index, input index)`` pair counts.

    With ``spec.bias`` the linear terms ``c * b_{f}`` of each entry are kept apart in ``bias``
    (``{f: c}`` per entry) and ``pairs`` holds the products alone; any other term makes both
    ``None``."""

    def __init__(self, array: np.ndarray, spec: ConvSpec) -> None:
        self.shape = array.shape
        self.terms: list[Terms] = [canonical(v) for v in array.reshape(-1)]
        w_index = {variable_name("w", i): k for k, i in enumerate(np.ndindex(*spec.weight_shape))}
        x_index = {variable_name("x", i): k for k, i in enumerate(np.ndindex(*spec.input_shape))}
        b_index = {variable_name("b", (f,)): f for f in range(spec.out_channels)} \
            if spec.bias else {}
        self.pairs: list[Pairs] | None = []
        self.bias: list[dict[int, Coefficient]] | None = [] if spec.bias else None
        for terms in self.terms:
            entry: Pairs = {}
            linear: dict[int, Coefficient] = {}
            for m, c in terms.items():
                if len(m) == 1 and m[0] in b_index:
                    linear[b_index[m[0]]] = c
                    continue
                if not _bilinear(m) or m[0] not in w_index or m[1] not in x_index:
                    self.pairs = self.bias = None  # not products (and bias terms) alone
                    return
                entry[(w_index[m[0]], x_index[m[1]])] = c
            self.pairs.append(entry)
            if self.bias is not None:
                self.bias.append(linear)


def _matches(got: Forms, wi: np.ndarray, xi: np.ndarray, first: Iterable[int]) -> bool:
    assert got.pairs is not None
    order = itertools.chain(first, range(len(got.pairs)))
    return all(pair_counts(wi, xi, p) == got.pairs[p] for p in order)


def name_mistakes(got: Forms, want: Forms, spec: ConvSpec, kind: Kind,
                  first: Sequence[int] = ()) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
    """Known mistakes the user's output equals exactly, and notes (why none could be tried).

    With ``spec.bias`` the bias terms are named apart (:func:`~.bias.bias_mistake`) and the
    products as without a bias; a mistake of the products is named only when the bias terms
    are right or match a bias mistake too, so that the output equals the named mistakes."""
    if got.pairs is None:
        what = "weight-times-input products" + (" and bias terms" if spec.bias else "")
        return (), (f"the output has terms that are not {what}, so no known mistake can "
                    "match",)
    if spec.bias and got.bias is not None and want.bias is not None and got.bias != want.bias:
        found = bias_mistake(got.bias, want.bias, got.shape, spec) \
            if got.shape == want.shape else None
        if found is None:
            return (), ("the bias terms match no known bias mistake (missing, added twice, "
                        "on the wrong axis), so no mistake is named",)
        if got.pairs == want.pairs:
            return (found,), ()
        products, notes = _name_products(got, want, spec, kind, first)
        if not products:
            return (), (f"the bias terms are those of '{found.kind.value}', but the products "
                        "differ too and match no known mistake, so none is named", *notes)
        return (found, *products), notes
    return _name_products(got, want, spec, kind, first)


def _name_products(got: Forms, want: Forms, spec: ConvSpec, kind: Kind, first: Sequence[int]
                   ) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
    """The mistakes whose products (weight-times-input pairs) equal the output's exactly."""
    assert got.pairs is not None
    mistakes: list[Mistake] = []
    if got.shape == want.shape and want.pairs is not None:
        for mistake, perm in fold_candidates(spec):
            if all(got.pairs[p] == want.pairs[q] for p, q in enumerate(perm.tolist())):
                mistakes.append(mistake)
    if got.shape[:2] != spec.output_shape[:2] or len(got.shape) != spec.rank + 2:
        return tuple(mistakes), ()
    wi, xi = gather(correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION), spec,
                    want.shape)
    if want.pairs is None or any(pair_counts(wi, xi, p) != want.pairs[p]
                                 for p in range(len(want.pairs))):
        return tuple(mistakes), ("the catalogue of mistakes does not cover this layer exactly, "
                                 "so none is named",)
    for mistake, geometry in geometry_candidates(spec, kind):
        if mistake not in mistakes and _matches(got, *gather(geometry, spec, got.shape), first):
            mistakes.append(mistake)
    return tuple(mistakes), ()


def _axes_label(perm: Sequence[int], rank: int) -> str:
    labels = ("N", "F", *("D", "H", "W")[3 - rank:])
    return "(" + ", ".join(labels[p] for p in perm) + ")"


def shape_mistakes(got_array: np.ndarray, got: Forms, want: Forms, spec: ConvSpec,
                   kind: Kind) -> tuple[tuple[Mistake, ...], tuple[str, ...]]:
    """Explain an output of the wrong shape: how its size came about, what its entries are."""
    shape, expected = got.shape, want.shape
    text = f"the output has shape {shape} where the spec gives {expected}"
    if len(shape) == len(expected) and shape[:2] == expected[:2]:
        names = axis_names(spec.rank)
        found = []
        for a, (g, e) in enumerate(zip(shape[2:], spec.output_size)):
            formula = next((f for f, size in shape_formulas(spec) if size[a] == g), None)
            if g != e and formula is not None:
                found.append(f"the {names[a]} is the size computed {formula}")
        if found:
            text += ": " + "; ".join(found)
    details: list[str] = []
    if got_array.size == int(np.prod(expected)):
        if got.terms == want.terms:
            details.append(f"its entries are right, in row-major order: reshape it to {expected}")
        for perm in itertools.permutations(range(len(shape))):
            if perm != tuple(range(len(shape))) and tuple(shape[p] for p in np.argsort(perm)
                                                          ) == expected:
                moved = np.transpose(got_array, np.argsort(perm))
                if [canonical(v) for v in moved.reshape(-1)] == want.terms:
                    details.append(f"its entries are right with the axes in the order "
                                   f"{_axes_label(perm, spec.rank)}: transpose it to (N, F, ...)")
                    break
    mistakes = [Mistake(MistakeKind.WRONG_OUTPUT_SHAPE, text)]
    if not details and got.pairs is not None and len(shape) == len(expected) and \
            shape[:2] == expected[:2]:
        geometry = correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION)
        filters = np.indices(shape)[1].reshape(-1)  # each entry's own b[f], exactly once
        bias_right = got.bias is None or all(e == {int(f): 1} for e, f in zip(got.bias, filters))
        if bias_right and _matches(got, *gather(geometry, spec, shape), ()):
            details.append("every entry it has follows the spec's formula (positions beyond "
                           "the input read zeros)")
        else:
            found, _ = name_mistakes(got, want, spec, kind)
            mistakes += found
    return tuple(mistakes), tuple(details)


def value_at(array: Any, position: Sequence[int]) -> Any:
    """``array[position]`` as a plain Python number."""
    value = np.asarray(array)[tuple(position)]
    return value.item() if hasattr(value, "item") else value
