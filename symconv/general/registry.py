"""The general theorems: statements over symbolic sizes, their proof scripts, ``prove_general``.

Names match :func:`symconv.theorems.theorem_names`.  Each theorem is proved for a rank (1, 2 or 3,
every rank a ConvSpec can have) with every size symbolic.

>>> proof = prove_general("elementwise-equals-dot")
>>> bool(proof), proof.verdict
(True, 'PROVED')
>>> print(str(proof).splitlines()[0])
PROVED for every size (rank 2): elementwise-equals-dot
>>> general_theorems()[7], general_theorems()[-1]
('output-size', 'weight-gradient-is-correlation')
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from collections.abc import Callable

from ..errors import SymconvError
from ..theorems import get_theorem
from .backward_theorems import BACKWARD_OPTIONS, BACKWARD_STATEMENTS
from .formulations import (
    Padding,
    Sizes,
    convolution,
    definition,
    dot,
    elementwise,
    flip_flip,
    flipped_correlation,
    im2col,
    weight,
)
from .output_size import prove_output_size
from .prover import (
    FloorMod,
    GeneralProof,
    GeneralStatement,
    Reverse,
    Split,
    Step,
    Unfold,
    prove_statement,
)

__all__ = ["general_theorems", "statement", "prove_general", "RANKS", "INSTANCE_ONLY"]

#: The ranks a ConvSpec can have; a theorem proved for each holds for every ConvSpec.
RANKS = (1, 2, 3)


def _split(sz: Sizes) -> Split:
    return Split(sz.flat, sz.radices, (sz.c, *sz.u))


def _definition_equals_elementwise(sz: Sizes, **_: object) -> GeneralStatement:
    return GeneralStatement("definition-equals-elementwise", _text("definition-equals-"
                            "elementwise"), sz, sz.entry, definition(sz), elementwise(sz), (),
                            (Unfold(),))


def _elementwise_equals_dot(sz: Sizes, **_: object) -> GeneralStatement:
    return GeneralStatement("elementwise-equals-dot", _text("elementwise-equals-dot"), sz,
                            sz.entry, elementwise(sz), dot(sz), (Unfold(),),
                            (Unfold(), _split(sz), FloorMod()))


def _dot_equals_im2col(layout: str) -> Callable[..., GeneralStatement]:
    name = "dot-equals-im2col" + ("-batch-fastest" if layout == "batch-fastest" else "")

    def build(sz: Sizes, **_: object) -> GeneralStatement:
        return GeneralStatement(name, _text(name), sz, sz.entry, dot(sz), im2col(sz, layout),
                                (Unfold(),), (Unfold(), FloorMod()))
    return build


def _convolution(sz: Sizes, padding: Padding | str = Padding.EXPLICIT,
                 **_: object) -> GeneralStatement:
    try:
        padding = Padding(padding)
    except ValueError:
        raise SymconvError(f"padding: expected {', '.join(repr(p.value) for p in Padding)}, "
                           f"got {padding!r}") from None
    if padding is Padding.EXPLICIT:
        conditions = ("both sides pad by the same (pl, pr) per axis: the flipped correlation "
                      "uses the convolution's padding (ConvSpec.convolution_pads)")
    else:
        padding = Padding.SAME_MIRRORED
        conditions = ("'same' padding: both sides pad by ConvSpec.convolution_pads, i.e. "
                      "(D - ⌊D/2⌋, ⌊D/2⌋) with D = d*(k - 1), the mirror of PyTorch's split")
    return GeneralStatement("convolution-is-flipped-correlation",
                            _text("convolution-is-flipped-correlation"), sz, sz.entry,
                            convolution(sz, padding), flipped_correlation(sz, padding),
                            tuple(Reverse(u) for u in sz.u), (Unfold(),), pads="convolution",
                            conditions=conditions)


def _flip_is_involution(sz: Sizes, **_: object) -> GeneralStatement:
    return GeneralStatement("flip-is-involution", _text("flip-is-involution"), sz,
                            sz.weight_entry, flip_flip(sz), weight(sz), (Unfold(),), (),
                            kind="weight")


def _text(name: str) -> str:
    return get_theorem(name).statement


_STATEMENTS: dict[str, Callable[..., GeneralStatement]] = {
    "definition-equals-elementwise": _definition_equals_elementwise,
    "elementwise-equals-dot": _elementwise_equals_dot,
    "dot-equals-im2col": _dot_equals_im2col("batch-slowest"),
    "dot-equals-im2col-batch-fastest": _dot_equals_im2col("batch-fastest"),
    "convolution-is-flipped-correlation": _convolution,
    "flip-is-involution": _flip_is_involution,
    **BACKWARD_STATEMENTS,
}
#: the options each statement takes (anything else is a typo, refused)
_OPTIONS = {"convolution-is-flipped-correlation": ("padding",), **BACKWARD_OPTIONS}
_CHAIN = ("definition-equals-elementwise", "elementwise-equals-dot", "dot-equals-im2col")
_ORDER = ("definition-equals-elementwise", "elementwise-equals-dot", "dot-equals-im2col",
          "dot-equals-im2col-batch-fastest", "all-formulations-agree",
          "convolution-is-flipped-correlation", "flip-is-involution", "output-size",
          *BACKWARD_STATEMENTS)


#: Registered theorems with no proof over symbolic sizes (yet), and what proves them instead.
INSTANCE_ONLY: dict[str, str] = {
    "winograd-equals-correlation": "proved exactly per layer by symconv prove, and the "
    "transforms F(m, r) per (m, r) by symconv.prove_winograd; no proof for every image size yet",
    "fft-circular-convolution": "proved exactly in Q(zeta_N) per layer (each transform length N) "
    "by symconv prove; no proof for every N yet",
    "fft-linear-convolution": "proved exactly in Q(zeta_N) per layer (each transform length N) "
    "by symconv prove; no proof for every N yet",
}


def general_theorems() -> list[str]:
    """Names of the theorems with a general proof, in ``symconv prove`` order (every registered
    theorem but those of :data:`INSTANCE_ONLY`)."""
    return list(_ORDER)


def _check_name(name: str) -> str:
    if name in INSTANCE_ONLY:
        raise SymconvError(f"theorem: {name} has no proof for every size: "
                           f"{INSTANCE_ONLY[name]}")
    if name not in _ORDER:
        close = difflib.get_close_matches(str(name), _ORDER, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else \
            "see symconv.general.general_theorems()"
        raise SymconvError(f"theorem: no general proof for {name!r}; {hint}")
    return name


def statement(name: str, rank: int = 2, **options: object) -> GeneralStatement:
    """The general statement of a sum theorem (with its proof scripts) at a rank.

    >>> print(statement("flip-is-involution", 1).left.term)
    flip_flip_w[f, c, u]
    """
    _check_name(name)
    if name not in _STATEMENTS:
        raise SymconvError(f"theorem: {name!r} is not a single statement about sums; use "
                           "prove_general")
    _check_options(name, options)
    return _STATEMENTS[name](Sizes.make(rank), **options)


def _check_options(name: str, options: dict[str, object]) -> None:
    unknown = sorted(set(options) - set(_OPTIONS.get(name, ())))
    if unknown:
        takes = ", ".join(_OPTIONS.get(name, ())) or "no options"
        raise SymconvError(f"options: {name} takes {takes}, got {', '.join(unknown)}; drop or "
                           "rename them")


def _chain(rank: int) -> GeneralProof:
    start = time.perf_counter()
    parts = [prove_statement(statement(n, rank)) for n in _CHAIN]
    steps = [dataclasses.replace(s, side=f"{p.name}, {s.side}") for p in parts for s in p.steps]
    holds = all(parts)
    if holds:
        steps.append(Step("closing", "definition = element-wise sum = flattened dot = im2col "
                          "matmul", "transitivity of =", "",
                          tuple(f"{p.name}: proved in {len(p.steps)} steps" for p in parts)))
    failed = next((p for p in parts if not p), None)
    return GeneralProof("all-formulations-agree", _text("all-formulations-agree"), rank,
                        parts[0].hypotheses, holds, tuple(steps), time.perf_counter() - start,
                        "" if failed is None else f"{failed.name}: {failed.reason}",
                        None if failed is None else failed.counterexample,
                        searched=failed is None or failed.searched)


def prove_general(name: str, rank: int = 2, **options: object) -> GeneralProof:
    """Prove a theorem for every size (all symbolic) at one rank, by checked rewrite steps.

    ``options``: ``padding='same'`` for convolution-is-flipped-correlation states the 'same'
    case with pads written in ``d`` and ``k``.  The result is truthy when the proof holds;
    ``str()`` is the transcript.  An unknown theorem, rank or option name raises
    SymconvError; anything else that goes wrong (a bad option value, a refused rule) is a
    proof object that is NOT PROVED and says why.

    >>> print(prove_general("flip-is-involution", rank=1))  # doctest: +ELLIPSIS
    PROVED for every size (rank 1): flip-is-involution
    ...
      2. = flip_w[f, c, k - u - 1]
             by definition of flip_flip_w: flip_flip_w[f, c, u] := flip_w[f, c, k - u - 1]
    ...
    """
    _check_name(name)
    Sizes.make(rank)  # validates the rank
    _check_options(name, options)
    if name == "output-size":
        return dataclasses.replace(prove_output_size(), rank=rank)
    if name == "all-formulations-agree":
        return _chain(rank)
    start = time.perf_counter()
    try:
        stated = statement(name, rank, **options)
    except Exception as err:  # noqa: BLE001 - a bad option value states nothing: not proved
        return GeneralProof(name, _text(name), rank, "the statement could not be built", False,
                            (), time.perf_counter() - start, f"statement: {err}",
                            searched=False)
    return prove_statement(stated)
