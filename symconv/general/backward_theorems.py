"""The five backward theorems over symbolic sizes: statements and proof scripts.

Registered in :mod:`.registry` under the names of :data:`symconv.adjoint_theorems.ADJOINT_THEOREMS`;
the descriptions are in :mod:`.backward`, the bracket rules in :mod:`.brackets`.

>>> from symconv.general import prove_general
>>> proof = prove_general("transposed-is-adjoint", rank=1)
>>> proof.verdict, len(proof.steps)
('PROVED', 6)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..theorems import get_theorem
from .backward import (
    _var,
    column_digits,
    entry_box,
    inner_col2im,
    inner_conv,
    inner_im2col,
    inner_transposed,
    loss_gradient,
    transposed,
    weight_gradient,
    zero_insertion,
)
from .brackets import Differentiate, Eliminate, SplitBrackets
from .formulations import Sizes
from .prover import FloorMod, GeneralStatement, Reverse, Split, Unfold

__all__ = ["BACKWARD_STATEMENTS", "BACKWARD_OPTIONS"]

_ZEROS = ("padding_mode zeros: xpad0 is x extended by zeros, so the statement holds for every "
          "output size O and input size I (in particular O = ⌊(I + pl + pr - d(k-1) - 1)/s⌋ + "
          "1, the layer's)")


def _text(name: str) -> str:
    return get_theorem(name).statement


def _adjoint(sz: Sizes, **_: Any) -> GeneralStatement:
    name = "transposed-is-adjoint"
    return GeneralStatement(name, _text(name), sz, (), inner_conv(sz), inner_transposed(sz),
                            (Unfold(),), (Unfold(),), kind="scalar", conditions=_ZEROS,
                            backward=True)


def _zero_insertion(sz: Sizes, **_: Any) -> GeneralStatement:
    name = "transposed-is-zero-insertion"
    return GeneralStatement(
        name, _text(name), sz, _input(sz), transposed(sz), zero_insertion(sz), (),
        (Unfold(), *(Reverse(u) for u in sz.u)), kind="input", backward=True,
        conditions="padding_mode zeros; every input entry i < I for every I, so every "
        "output_padding (it only fixes I); zero_insert(y) is zero outside its entries, so padding "
        "it by P = d(k-1) - pl, or cropping it by -P when P < 0, is one shift of the index")


def _input(sz: Sizes) -> Any:
    return entry_box(sz, "input")


def _col2im(sz: Sizes, layout: str = "batch-slowest", **_: Any) -> GeneralStatement:
    from ..forms import Im2colLayout

    layout = Im2colLayout(layout).value
    name = "col2im-is-adjoint-of-im2col"
    radices, digits = column_digits(sz, layout)
    script = (Unfold(), Split(sz.flat, sz.radices, (sz.c, *sz.u)),
              Split(_var("col"), radices, digits), FloorMod())
    return GeneralStatement(name, _text(name), sz, (), inner_im2col(sz, layout),
                            inner_col2im(sz, layout), script, (Unfold(),), kind="scalar",
                            backward=True,
                            conditions=f"columns {layout}; {_ZEROS}")


def _input_gradient(sz: Sizes, **_: Any) -> GeneralStatement:
    name = "input-gradient-is-transposed-convolution"
    return GeneralStatement(name, _text(name), sz, _input(sz), loss_gradient(sz, "x"),
                            transposed(sz, "dout"),
                            (Unfold(), Differentiate(), SplitBrackets(sz.Cg), Eliminate()), (),
                            kind="input", conditions=_ZEROS, backward=True)


def _weight_gradient(sz: Sizes, **_: Any) -> GeneralStatement:
    name = "weight-gradient-is-correlation"
    return GeneralStatement(name, _text(name), sz, entry_box(sz, "grouped-weight"),
                            loss_gradient(sz, "w"), weight_gradient(sz),
                            (Unfold(), Differentiate(), SplitBrackets(sz.Fg), Eliminate()), (),
                            kind="grouped-weight", backward=True,
                            conditions="every padding mode (xpad is never looked into); the "
                            "weight entry is w[g·Fg + j, c, u], every filter f = g·Fg + j once")


#: name -> statement builder, in the order of symconv.theorems
BACKWARD_STATEMENTS: dict[str, Callable[..., GeneralStatement]] = {
    "transposed-is-adjoint": _adjoint,
    "transposed-is-zero-insertion": _zero_insertion,
    "col2im-is-adjoint-of-im2col": _col2im,
    "input-gradient-is-transposed-convolution": _input_gradient,
    "weight-gradient-is-correlation": _weight_gradient,
}
#: the options each statement takes
BACKWARD_OPTIONS = {"col2im-is-adjoint-of-im2col": ("layout",)}
