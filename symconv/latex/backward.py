"""Derivation chains of the backward theorems: backprop through a layer and the transposed layer.

One recipe per theorem of :data:`symconv.adjoint_theorems.ADJOINT_THEOREMS`, each a list of
:class:`~symconv.latex.derivation.Step` values proved as they are built (exact polynomials of the
ring carrier: the inner products and losses are of degree 3):

* the transposed convolution defined PyTorch's way (every entry of ``S̄`` times every tap, added
  at ``s p + d u`` and the padding cropped, an Iverson bracket on the page), rewritten as a
  stride-1 correlation of the zero-inserted, padded ``S̄`` with the flipped kernel;
* ``∂L/∂I`` and ``∂L/∂K`` of ``L = sum(S ⊙ S̄)`` by exact differentiation (never assumed);
* ``<S, S̄> = <I, Ī>``, and for small layers the matrix ``C`` with ``vec(S) = C vec(I)`` and
  ``vec(Ī) = Cᵀ vec(S̄)``;
* col2im as the adjoint of im2col, and the count of windows covering each input entry.

>>> from symconv import ConvSpec
>>> from symconv.latex.recipes import derive
>>> d = derive("transposed-is-zero-insertion", ConvSpec((5,), (3,), stride=2))
>>> [step.justification.split(":")[0] for step in d.steps][:2]
['definition', 'zero insertion']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from ..adjoint import col2im
from ..adjoint_theorems import gradient
from ..forms import pad
from ..tensors import Backend, symbolic_tensor
from .backward_layer import MATRIX_ENTRIES, BackwardTensors, backward_tensors
from .derivation import Step
from .display import Iverson, MatProd, Rows, Times, Transposed, Vec, tensor
from .layer import C, F, Layer, N, _plus, _sym, layer_products, view
from .printer import ConvLatexPrinter, width_em

#: The steps print ``C`` when each side is at most this wide (em).
_MATRIX_EM = 34.0
#: A bracket sum is checked at every input index when summands times entries are at most
#: this (each summand is an array over the input); larger layers check it at the first entry.
BRACKET_WORK = 50_000
#: ... and left out (the chain starts at zero insertion) above this many summands.
BRACKET_SUMMANDS = 20_000
#: Above this many products the adjoint page leaves out the inner products (degree 3, the
#: whole layer at once): the every-size proof the page cites covers them.
INNER_PRODUCTS = 2_000
#: The first tap of the kernel gradient is written out when it has at most this many products.
EXPANDED_TERMS = 64

__all__ = ["BACKWARD", "backward_text", "backward_where", "RECIPES", "CLAIMS"]

# ---- the chains ----

def _dx_term(b: BackwardTensors, display: Any, value: Any, **extra: Any) -> Any:
    return b.layer.term(display, view(value), b.in_free, **b.binding(**extra))


def _bracket_step(b: BackwardTensors, display: Any, value: Any, why: str, key: str = "#dx",
                  **extra: Any) -> tuple[Step | None, bool]:
    """``Ī = (bracket sum)`` at every input index, or at the first one when that evaluation
    (summands times input entries) exceeds :data:`BRACKET_WORK`, or None above
    :data:`BRACKET_SUMMANDS`; and whether it is free."""
    summands = int(np.prod([int(hi) - int(lo) + 1 for _, lo, hi in display.limits]))
    if summands > BRACKET_SUMMANDS:
        return None, False
    entries = int(np.prod(view(value).shape))
    bind = {key[1:]: view(value), **extra}
    if summands * entries <= BRACKET_WORK:
        return Step(_dx_term(b, tensor(key)[b.in_free], value, **bind),
                    _dx_term(b, display, value, **bind), why), True
    origin, first = b.in_origin, view(value)[b.in_origin]
    at = display.xreplace(dict(zip(b.in_free, (sympy.Integer(0),) * len(origin))))
    return Step(b.layer.term(tensor(key)[origin], first, **b.binding(**bind)),
                b.layer.term(at, first, **b.binding(**bind)), why + " (first entry)"), False


def _transposed_steps(b: BackwardTensors, dx: Any, why: str) -> list[Step]:
    """Ī by its definition (``why``), then by zero insertion, 𝒵 and the first entry."""
    layer, s = b.layer, b.spec
    definition, free = _bracket_step(b, b.scatter(), dx, why)
    left = definition.right if free else _dx_term(b, tensor("#dx")[b.in_free], dx, dx=view(dx))
    full = s.stride == (1,) * s.rank and all(a == d * (k - 1) for (a, _), k, d in zip(
        b.sides, s.kernel_size, s.dilation))
    steps = [definition] * (definition is not None) + [
             Step(left, _dx_term(b, b.flipped_correlation(), dx),
                  "stride 1: a full convolution, padded by $k - 1$, with the flipped kernel"
                  if full else
                  "zero insertion: the zero-inserted, padded tensor at stride 1, kernel "
                  "flipped")]
    z = b.z_matrix()
    if z is not None:
        shown, value = z
        steps.append(Step(layer.term(sympy.Symbol("#zmat"), value, zmat=value),
                          layer.term(shown, value, **b.binding()),
                          "$s - 1$ zeros between neighbours, padded by $d(k - 1) - p$"))
    first = view(dx)[b.in_origin]
    steps.append(Step(layer.term(tensor("#dx")[b.in_origin], first, dx=view(dx)),
                      layer.term(b.flipped_first(), first, **b.binding()),
                      "the first entry: the flipped kernel over the zeros and entries"))
    return steps


def transposed_zero_insertion_chain(layer: Layer) -> list[Step]:
    b = backward_tensors(layer)
    return _transposed_steps(b, b.tr, "definition: PyTorch conv transpose, each entry times "
                                      "the kernel added at $s p + d u$, padding cropped")


def _loss_step(b: BackwardTensors) -> Step:
    layer, loss = b.layer, np.asarray(b.loss, dtype=object)
    return Step(layer.term(sympy.Symbol("#L"), loss, L=loss),
                layer.term(b.inner("#out", "#dout"), loss, **b.binding()),
                "a loss whose gradient at the output is the given tensor")


def input_gradient_chain(layer: Layer) -> list[Step]:
    b = backward_tensors(layer)
    dx = gradient(b.loss, layer.x)
    return [_loss_step(b), *_transposed_steps(
        b, dx, "differentiate exactly: each product holding this input entry leaves the "
               "other two factors")]


def weight_gradient_chain(layer: Layer) -> list[Step]:
    b = backward_tensors(layer)
    s = layer.spec
    dw = gradient(b.loss, layer.w)
    index = [_plus(st * o, d * u) for o, u, st, d in zip(layer.spatial, layer.taps, s.stride,
                                                        s.dilation)]
    body = Times(tensor("#pad")[tuple(b.lead(N, C, s.in_channels)) + tuple(index)],
                 tensor("#dout")[tuple(b.lead(N, F, s.out_channels)) + layer.spatial])
    limits = [(N, 0, s.batch - 1)] * (s.batch > 1) + [
        (o, 0, size - 1) for o, size in zip(layer.spatial, s.output_size)]
    correlation = sympy.Sum(body, *limits)
    free = layer.kernel_free
    rows = []
    padded = np.vectorize(_sym, otypes=[object])(pad(layer.xd, s))
    for n in range(s.batch):
        for prefix in np.ndindex(*s.output_size[:-1]):
            terms = []
            for o in range(s.output_size[-1]):
                at = (*prefix, o)
                where = tuple(st * t for st, t in zip(s.stride, at))
                terms.append(Times(padded[(n, 0, *where)], b.gd[(n, 0, *at)]))
            rows.append(terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False))
    first = view(dw)[(0,) * len(free)]
    expanded = [] if s.batch * int(np.prod(s.output_size)) > EXPANDED_TERMS else [
        Step(layer.term(tensor("#dw")[(0,) * len(free)], first, dw=view(dw)),
             layer.term(rows[0] if len(rows) == 1 else Rows(*rows), first, **b.binding()),
             "the first tap: the input against the output gradient, every $s$-th entry")]
    return [_loss_step(b),
            Step(layer.term(tensor("#dw")[free], view(dw), free, dw=view(dw)),
                 layer.term(correlation, view(dw), free, **b.binding()),
                 "differentiate exactly: tap $u$ multiplies the input at $s i + d u$ in "
                 "every output"), *expanded]


def adjoint_chain(layer: Layer) -> list[Step]:
    b = backward_tensors(layer)
    s = layer.spec
    tr = view(b.tr)
    bind = b.binding(dx=tr)
    if layer_products(s) <= INNER_PRODUCTS or b.matrix() is not None:  # pages that print S
        bind = b.binding(dx=tr, out=view(b.out))
    steps = []
    if layer_products(s) <= INNER_PRODUCTS:
        inner = np.asarray(_sum_all(b.g * b.out), dtype=object)
        index = [_plus(st * o, d * u) for o, u, st, d in zip(layer.spatial, layer.taps,
                                                            s.stride, s.dilation)]
        chan = [C] * (s.in_channels > 1)
        body = Times(tensor("#pad")[tuple([N] * (s.batch > 1) + chan + index)],
                     tensor("#w")[tuple([F] * (s.out_channels > 1) + chan) + layer.taps],
                     tensor("#dout")[layer.free])
        limits = [(N, 0, s.batch - 1)] * (s.batch > 1) + [(F, 0, s.out_channels - 1)] * (
            s.out_channels > 1) + [(o, 0, n - 1) for o, n in zip(layer.spatial,
                                                                 s.output_size)] + [
            (C, 0, s.in_channels - 1)] * (s.in_channels > 1) + [
            (u, 0, k - 1) for u, k in zip(layer.taps, s.kernel_size)]
        products = layer.term(sympy.Sum(body, *limits), inner, **bind)
        steps += [Step(layer.term(b.inner("#out", "#dout"), inner, **bind), products,
                       "definition of the layer, one product per output and tap"),
                  Step(products, layer.term(b.inner("#in", "#dx"), inner, **bind),
                       "collect the products of each input entry: the transposed convolution")]
    definition = _bracket_step(b, b.scatter(), b.tr, "definition: PyTorch conv transpose, "
                               "each entry times the kernel added at $s p + d u$, padding "
                               "cropped")[0]
    if definition is None:  # a large layer: the transposed convolution by zero insertion
        definition = Step(_dx_term(b, tensor("#dx")[b.in_free], tr, dx=tr),
                          _dx_term(b, b.flipped_correlation(), tr),
                          "the transposed convolution: the zero-inserted, padded tensor at "
                          "stride 1, kernel flipped")
    steps.append(definition)
    c = b.matrix()
    if c is not None:
        cm = sympy.ImmutableMatrix(c.tolist())
        column = lambda key: Transposed(Vec(sympy.Symbol(key)))  # noqa: E731
        out_col = view(b.out).reshape(-1, 1)
        tr_col = tr.reshape(-1, 1)
        sides = [(column("#out"), MatProd(cm, column("#in"))),
                 (column("#dx"), MatProd(cm.T, column("#dout")))]
        printer = ConvLatexPrinter(layer.labels)
        if all(width_em(printer.doprint(e)) <= _MATRIX_EM for pair in sides for e in pair):
            b.matrix_printed = True
            steps += [Step(layer.term(sides[0][0], out_col, **bind),
                           layer.term(sides[0][1], out_col, **bind),
                           "the layer as a matrix on the input read row by row"),
                      Step(layer.term(sides[1][0], tr_col, **bind),
                           layer.term(sides[1][1], tr_col, **bind),
                           "the transposed convolution multiplies by the transpose")]
    return steps


def _sum_all(a: Any) -> Any:
    from ..adjoint_theorems import _total
    return _total(a)


def col2im_chain(layer: Layer) -> list[Step]:
    s = layer.spec
    b = backward_tensors(layer)
    x_col = layer.binding["#Xcol"]
    cols = symbolic_tensor((1, *x_col.shape), "h", Backend.RING)
    back = col2im(cols, s, layer.layout)
    value = np.asarray(_sum_all(x_col * cols[0]), dtype=object)
    bind = {"cols": cols[0], "dx": view(back)}
    taps = int(np.prod(s.kernel_size))
    positions = int(np.prod(s.output_size))
    row = _plus(*([C * taps] * (s.in_channels > 1)),
                *[int(np.prod(s.kernel_size[a + 1:])) * u for a, u in enumerate(layer.taps)])
    flat = [int(np.prod(s.output_size[a + 1:])) * p for a, p in enumerate(b.positions)]
    column = _plus(*([N * positions] * (s.batch > 1)), *flat) if layer.layout.value == \
        "batch-slowest" else _plus(*[s.batch * t for t in flat], *([N] * (s.batch > 1)))
    lhs = [_plus(st * p, d * u) for p, u, st, d in zip(b.positions, layer.taps, s.stride,
                                                       s.dilation)]
    rhs = [_plus(j, pl) for j, (pl, _) in zip(layer.spatial, s.pads)]
    bracket = Iverson(*((lhs[0], rhs[0]) if s.rank == 1 else
                        (sympy.Tuple(*lhs), sympy.Tuple(*rhs))))
    limits = [(p, 0, o - 1) for p, o in zip(b.positions, s.output_size)] + [
        (u, 0, k - 1) for u, k in zip(layer.taps, s.kernel_size)]
    scatter = sympy.Sum(Times(bracket, tensor("#cols")[row, column]), *limits)
    counts = col2im(np.ones((1, *x_col.shape), dtype=object), s, layer.layout)[0, 0]
    count_free = layer.spatial
    steps = [Step(layer.term(b.inner("#Xcol", "#cols"), value, **bind),
                  layer.term(b.inner("#in", "#dx"), value, **bind),
                  "each entry of the im2col matrix is a copy of one input entry: collect them"),
             *[step for step in _bracket_step(
                 b, scatter, back, "col2im adds every column entry back where it was copied "
                 "from", cols=cols[0])[:1] if step is not None],
             Step(layer.term(tensor("#count")[count_free], counts, count_free, count=counts),
                  layer.term(sympy.Sum(bracket, *limits), counts, count_free),
                  "col2im of all-ones columns counts the windows over each entry")]
    if s.rank <= 2 and max(s.input_size) <= MATRIX_ENTRIES:
        shown = counts.reshape(1, -1) if s.rank == 1 else counts
        steps.append(Step(layer.term(sympy.Symbol("#count"), shown, count=shown),
                          layer.term(sympy.ImmutableMatrix(shown.tolist()), shown),
                          "overlapping windows accumulate"))
    return steps


# ---- registration and text ----

#: name -> (title, recipe): registered in :data:`symconv.latex.recipes._RECIPES`.
RECIPES = {
    "transposed-is-adjoint": (
        "The transposed convolution is the adjoint: the transpose of the layer's matrix",
        adjoint_chain),
    "transposed-is-zero-insertion": (
        "The transposed convolution is zero insertion and a flipped-kernel correlation",
        transposed_zero_insertion_chain),
    "col2im-is-adjoint-of-im2col": ("col2im is the adjoint of im2col: overlaps accumulate",
                                    col2im_chain),
    "input-gradient-is-transposed-convolution": (
        "Backprop to the input: a transposed convolution (a full convolution with the flipped "
        "kernel)", input_gradient_chain),
    "weight-gradient-is-correlation": (
        "Backprop to the kernel: the correlation of the input with the output gradient",
        weight_gradient_chain),
}
BACKWARD = frozenset(RECIPES)

#: The claim each page states (LaTeX constants).
CLAIMS = {
    "transposed-is-adjoint": r"pairing the output with any tensor of its size equals pairing the "
                             r"input with that tensor's transposed convolution; so when the layer "
                             r"multiplies the input by a matrix $\mathbf{C}$, the transposed "
                             r"convolution multiplies by $\mathbf{C}^{\top}$",
    "transposed-is-zero-insertion": r"the transposed convolution inserts $s - 1$ zeros between "
                                    r"neighbours, pads by $d(k-1) - p$ (crops where negative) "
                                    r"and correlates at stride 1 with the flipped kernel, its "
                                    r"channel axes swapped",
    "col2im-is-adjoint-of-im2col": r"pairing the im2col matrix with any matrix of its shape "
                                   r"equals pairing the input with that matrix's col2im: col2im "
                                   r"adds every column entry back at the input entry it was "
                                   r"copied from, so overlapping windows accumulate",
    "input-gradient-is-transposed-convolution": r"the gradient of the loss with respect to the "
                                                r"input is the transposed convolution of the "
                                                r"output gradient; at stride 1 a full "
                                                r"convolution with the flipped kernel",
    "weight-gradient-is-correlation": r"the gradient of the loss with respect to the kernel is "
                                      r"the correlation of the (padded) input with the output "
                                      r"gradient, dilated by the stride",
}


def _tuple(values: Any) -> str:
    return ", ".join(f"({a}, {b})" for a, b in values)


def backward_text(layer: Layer, name: str, used: frozenset[str],
                  indices: frozenset[str]) -> str:
    """Sentences defining every backward tensor and index letter the page writes (LaTeX)."""
    if name not in BACKWARD:
        return ""
    b, s = backward_tensors(layer), layer.spec
    inp, ker, out = layer.names.latex
    gradient_page = "gradient" in name
    parts = []
    if "#dout" in used:
        parts.append(rf"$\overline{{{out}}}$, of the output's size, is "
                     + (rf"the gradient $\partial\mathcal{{L}}/\partial {out}$ arriving at the "
                        "output" if gradient_page else "the input of the transposed convolution")
                     + " (entries are symbols).")
    if "#L" in used:
        parts.append(r"$\mathcal{L}$ is the loss of the first line.")
    if "#dx" in used:
        parts.append(rf"$\overline{{{inp}}}$, of the input's size, is "
                     + (rf"$\partial\mathcal{{L}}/\partial {inp}$, computed by exact "
                        r"differentiation of $\mathcal{L}$." if gradient_page else
                        (r"$\mathrm{col2im}(\overline{X}^{\mathrm{col}})$." if "col2im" in name
                         else rf"the transposed convolution of $\overline{{{out}}}$ "
                              rf"(PyTorch \texttt{{conv\_transpose{s.rank}d}} with this layer's "
                              r"settings).")))
    if "#dw" in used:
        parts.append(rf"$\overline{{{ker}}} = \partial\mathcal{{L}}/\partial {ker}$, computed by "
                     r"exact differentiation of $\mathcal{L}$.")
    if "#zpad" in used or "#zmat" in used:
        parts.append(rf"$\mathcal{{Z}}$ is $\overline{{{out}}}$ with $s - 1$ zeros between "
                     rf"neighbours (stride ${', '.join(map(str, s.stride))}$), padded by "
                     rf"$d(k-1) - p = {_tuple(b.sides)}$" + (
                         " (a negative amount crops)." if any(
                             min(side) < 0 for side in b.sides) else "."))
    if "#Xcol" in used:
        parts.append(rf"$X_{{\mathrm{{col}}}}$ is the im2col matrix of ${inp}$ (one column per "
                     r"window) and $\overline{X}^{\mathrm{col}}$ any matrix of its shape "
                     "(symbols).")
    if "#count" in used:
        parts.append(rf"$\mathcal{{N}}$ counts the windows that contain each entry of ${inp}$.")
    if b.matrix_printed:
        parts.append(r"$\operatorname{vec}$ reads a tensor row by row into a row vector; the "
                     rf"matrix after $\operatorname{{vec}}({out})^{{\top}} =$ is $\mathbf{{C}}$.")
    letters = [str(p) for p in b.positions if str(p) in indices]
    if letters:
        parts.append("$" + "$, $".join(letters) + "$" +
                     (" runs" if len(letters) == 1 else " run") +
                     " over the output positions.")
    return " ".join(parts)


def backward_where(layer: Layer, name: str, used: frozenset[str]) -> list[str]:
    """MathJax definition lines of the zero-inserted tensor, when the steps use it."""
    if name not in BACKWARD or not ({"#zpad", "#zmat"} & used):
        return []
    b, out = backward_tensors(layer), layer.names.latex[2]
    return [rf"\mathcal{{Z}} &= \overline{{{out}}} \text{{ with }} s - 1 \text{{ zeros between "
            rf"entries, padded by }} {_tuple(b.sides)}"]
