"""``derive(name, spec)``: the derivation of every registered theorem, and the worked example.

Each recipe builds :class:`~symconv.latex.derivation.Step` values from the formulations of
:mod:`symconv.forms` run on symbolic tensors; every step is proved as it is built, and the
theorem itself is proved on the whole tensors by :func:`symconv.theorems.prove`.

>>> from symconv import ConvSpec
>>> d = derive("elementwise-equals-dot", ConvSpec((4, 4), (2, 2)))
>>> len(d.steps), all(step.proof for step in d.steps)
(4, True)
>>> print(d.steps[-1].justification)
dot product of the flattened window and kernel
>>> derive("example").proofs[0].statement
'all-formulations-agree on 5x5 * 3x3'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy

from ..errors import SymconvError
from ..example import CLASSIC_IMAGE, CLASSIC_KERNEL
from ..forms import (
    Im2colLayout,
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col_matmul,
)
from ..spec import ConvSpec
from ..theorem import not_applicable
from ..theorems import get_theorem, prove, theorem_names, window_counts
from .backward import BACKWARD, CLAIMS, RECIPES, backward_text, backward_where
from .derivation import Derivation, Step, names_used
from .display import FloorDiv, Times
from .fast_pages import FAST_PAGES, fast_page
from .figures import figures_for
from .layer import Layer, view
from .matrix_figures import backward_figures
from .names import Names

__all__ = ["derive", "derivations"]

#: The worked example's configuration.
EXAMPLE_SPEC = ConvSpec((5, 5), (3, 3))
_FASTEST = "dot-equals-im2col-batch-fastest"


def _example_intro(names: Names) -> str:
    inp, ker, out = names.latex
    return (rf"A $5 \times 5$ image ${inp}$ and a $3 \times 3$ kernel ${ker}$ give a $3 \times 3$ "
            rf"output ${out}$ (stride 1, no padding). The first steps hold for every ${inp}$ "
            rf"and ${ker}$ (symbols); then the classic binary image and kernel are put in.")


def derivations() -> list[str]:
    """Names :func:`derive` accepts: every registered theorem, then ``'example'``."""
    return [*theorem_names(), "example"]


def _first(layer: Layer) -> str:
    return "top-left" if layer.rank > 1 else "first"


def _expanded_why(layer: Layer) -> str:
    if layer.rank == 1 and layer.spec.in_channels == 1:
        return "the first window, product by product"
    per_line = "one kernel row" if layer.rank > 1 else "one channel"
    return f"the {_first(layer)} window, {per_line} per line"


def _forms_chain(layer: Layer, kinds: tuple[str, ...]) -> list[Step]:
    """General definition, then the first output entry through the requested formulations."""
    x, w, s = layer.x, layer.w, layer.spec
    out = correlate(x, w, s)
    steps = [Step(layer.out(layer.output(), out, free=True),
                  layer.out(layer.definition(), out, free=True),
                  f"definition: cross-correlation, PyTorch conv{s.rank}d")]
    here = layer.out(layer.output(at=layer.origin), out)
    cx, cw, cs = layer.first_window()  # the printed first entry needs only the first window
    values = {"expanded": lambda: elementwise_sum(cx, cw, cs),
              "hadamard": lambda: elementwise_sum(cx, cw, cs),
              "dot": lambda: flattened_dot(cx, cw, cs),
              "im2col": lambda: im2col_matmul(cx, cw, cs, layer.layout)}
    why = {"expanded": _expanded_why(layer),
           "hadamard": "sum of the element-wise product of window and kernel",
           "dot": "dot product of the flattened window and kernel",
           "im2col": "first entry of the im2col matrix product"}
    for kind in kinds:
        display = {"expanded": layer.expanded, "hadamard": layer.hadamard, "dot": layer.dot,
                   "im2col": lambda: layer.im2col_entry(free=False)}[kind]()
        if display is None:
            continue
        term = layer.out(display, values[kind]())
        steps.append(Step(here, term, why[kind]))
        here = term
    if "im2col" in kinds:  # the output S of the first step, entry by entry in the product
        steps.append(Step(layer.out(layer.output(), out, free=True),
                          layer.out(layer.im2col_entry(free=True), out, free=True),
                          f"every output is an entry of the product, columns "
                          f"{layer.layout.value}"))
        for key, shown, text in zip(("#Wrow", "#Xcol"), layer.im2col_shown(), (
                "the kernel read row by row", "im2col: one column per window")):
            engine = layer.binding[key]
            steps.append(Step(layer.term(sympy.Symbol(key), engine),
                              layer.term(sympy.ImmutableMatrix(shown.tolist()), engine), text))
    return steps


def _flip_chain(layer: Layer) -> list[Step]:
    x, w, s = layer.x, layer.w, layer.spec
    conv, corr = convolve(x, w, s), correlate(x, flip(w), layer.conv_spec)
    convolution = layer.definition(convolution=True)
    reindexed = layer.definition(flipped_index=True)
    return [Step(layer.out(layer.output(), conv, free=True),
                 layer.out(convolution, conv, free=True),
                 "definition: true convolution, input index against kernel index"),
            Step(layer.out(convolution, conv, free=True),
                 layer.out(reindexed, corr, free=True),
                 r"reindex each tap $u$ as $k - 1 - u$, a bijection of $\{0, \ldots, k - 1\}$"),
            Step(layer.out(reindexed, corr, free=True),
                 layer.out(layer.definition(kernel="#flip"), corr, free=True),
                 "name the flipped kernel"),
            Step(layer.kernel("#flip", flip(w)), layer.kernel("#w", flip(w), flipped_index=True),
                 "the flipped kernel mirrors every spatial axis"),
            Step(layer.out(layer.output(at=layer.origin), conv),
                 layer.out(layer.expanded(flipped=True), corr),
                 f"the {_first(layer)} entry pairs the window with the flipped kernel")]


def _involution_chain(layer: Layer) -> list[Step]:
    w = layer.w
    twice = flip(flip(w))
    return [Step(layer.kernel("#flip2", twice), layer.kernel("#flip", twice, flipped_index=True),
                 "flip the flipped kernel"),
            Step(layer.kernel("#flip", twice, flipped_index=True), layer.kernel("#w", w),
                 "$k - 1 - (k - 1 - u) = u$" + (" on every axis" if layer.rank > 1 else ""))]


def _output_size_chain(layer: Layer) -> list[Step]:
    s, steps = layer.spec, []
    counts = window_counts(layer.x, layer.w, s)
    for axis, (i, k, st, d, (pl, pr)) in enumerate(zip(s.input_size, s.kernel_size, s.stride,
                                                       s.dilation, s.pads)):
        size = s.output_size[axis]
        integer = sympy.Integer
        top = sympy.Add(integer(i), integer(pl), integer(pr), -Times(integer(d), sympy.Add(
            integer(k), integer(-1), evaluate=False)), integer(-1), evaluate=False)
        formula = sympy.Add(FloorDiv(top, integer(st)), integer(1), evaluate=False)
        key = f"o{axis}"
        layer.labels["#" + key] = f"o_{{{axis + 1}}}"
        steps.append(Step(layer.term(sympy.Symbol("#" + key), size, **{key: size}),
                          layer.term(formula, size),
                          r"output size $\lfloor (i + p_l + p_r - d(k - 1) - 1)/s \rfloor + 1$"))
        steps.append(Step(layer.term(formula, size),
                          layer.term(integer(int(counts[axis])), counts[axis]),
                          "the number of window starts that fit"))
    return steps


def _example(layer: Layer, numbers: Layer) -> list[Step]:
    steps = _forms_chain(layer, ("expanded", "hadamard", "dot"))
    x, w, s = numbers.x, numbers.w, numbers.spec
    out = correlate(x, w, s)
    here = numbers.out(numbers.output(at=numbers.origin), out)
    for display, value, why in (
            (numbers.expanded(), elementwise_sum(x, w, s), "the worked example's numbers"),
            (numbers.dot(), flattened_dot(x, w, s), "as a dot product"),
            (sympy.Integer(int(out[0, 0, 0, 0])), im2col_matmul(x, w, s), "arithmetic")):
        term = numbers.out(display, value)
        steps.append(Step(here, term, why))
        here = term
    full = view(im2col_matmul(x, w, s))
    steps.append(Step(numbers.term(sympy.Symbol("#out"), view(out), out=view(out)),
                      numbers.term(sympy.ImmutableMatrix(full.tolist()), full),
                      "every output entry, by im2col"))
    steps.append(Step(numbers.term(sympy.Symbol("#flip"), view(flip(w)), flip=view(flip(w))),
                      numbers.term(sympy.ImmutableMatrix(view(w).tolist()), view(w)),
                      "this kernel is its own flip: convolution = correlation here"))
    return steps


_Recipe = Callable[[Layer], list[Step]]
_RECIPES: dict[str, tuple[str, _Recipe]] = {
    "definition-equals-elementwise": (
        "The definition of a convolution layer is a sum of element-wise products",
        lambda layer: _forms_chain(layer, ("expanded", "hadamard"))),
    "elementwise-equals-dot": (
        "The element-wise sum is a dot product",
        lambda layer: _forms_chain(layer, ("hadamard", "expanded", "dot"))),
    "dot-equals-im2col": (
        "The dot products are one matrix multiply (im2col)",
        lambda layer: _forms_chain(layer, ("dot", "im2col"))),
    _FASTEST: (
        "The dot products are one matrix multiply (im2col, batch fastest)",
        lambda layer: _forms_chain(layer, ("dot", "im2col"))),
    "all-formulations-agree": (
        "Definition, element-wise sum, dot product and im2col agree",
        lambda layer: _forms_chain(layer, ("expanded", "hadamard", "dot", "im2col"))),
    "convolution-is-flipped-correlation": (
        "True convolution is cross-correlation with a flipped kernel", _flip_chain),
    "flip-is-involution": ("Flipping a kernel twice gives it back", _involution_chain),
    "output-size": ("The output size formula counts the windows", _output_size_chain),
    **RECIPES,  # the backward theorems (symconv.latex.backward)
}


#: The claim each document states, as LaTeX text (constants: no user text reaches TeX here).
_CLAIMS = {
    "example": r"for every input and kernel, the definition, the sum of the element-wise product, "
               r"the dot product and the im2col product are equal; the classic $5\times 5$ "
               r"binary image and $3\times 3$ kernel give 4 at the top left",
    "definition-equals-elementwise": r"the definition of cross-correlation, a sum over channels "
                                     r"and kernel taps, is the sum of the element-wise "
                                     r"(Hadamard) product of each window with the kernel",
    "elementwise-equals-dot": r"summing the element-wise product of a window and the kernel is "
                              r"the dot product $\operatorname{vec}(\text{window}) \cdot "
                              r"\operatorname{vec}(\text{kernel})$",
    "dot-equals-im2col": r"the dot products at every position are the entries of one matrix "
                         r"product $W_{\mathrm{row}} X_{\mathrm{col}}$, columns ordered batch "
                         r"slowest",
    "dot-equals-im2col-batch-fastest": r"the dot products at every position are the entries of "
                                       r"one matrix product $W_{\mathrm{row}} X_{\mathrm{col}}$, "
                                       r"columns ordered batch fastest",
    "all-formulations-agree": r"the definition, the sum of the element-wise product, the dot "
                              r"product and the im2col matrix product give the same output",
    "convolution-is-flipped-correlation": r"true convolution is cross-correlation with the "
                                          r"kernel mirrored in every spatial axis (with "
                                          r"\texttt{'same'} padding and an even kernel, the "
                                          r"padding split mirrors too)",
    "flip-is-involution": r"flipping the kernel twice gives the kernel back",
    "output-size": r"the output length $\lfloor (i + p_l + p_r - d(k-1) - 1)/s \rfloor + 1$ "
                   r"is the number of window positions that fit in the padded input",
    **CLAIMS,
}


#: Above this many products per side the theorem is proved for every size (the general prover,
#: which covers the layer) instead of once more on the whole layer: the page prints only the
#: first entry and truncated matrices, and proves those on the layer itself.
INSTANCE_LIMIT = 20_000


def _theorem_proof(name: str, spec: ConvSpec) -> Any:
    """The theorem on the whole layer (small layers) or for every size at its rank (large)."""
    if spec.batch * spec.out_channels * math.prod(spec.output_size) * \
            spec.products_per_output <= INSTANCE_LIMIT or spec.padding_mode.value != "zeros":
        return prove(name, spec)
    from ..general import prove_general
    options = {"padding": "same"} if name == "convolution-is-flipped-correlation" and \
        spec.padding == "same" else {}
    return prove_general(name, rank=spec.rank, **options)


def derive(name: str, spec: ConvSpec | None = None, *, names: Names | str | None = None
           ) -> Derivation:
    r"""The derivation called ``name`` on ``spec``, every step proved as it is built.

    ``name`` is a theorem of :func:`symconv.theorem_names` or ``'example'`` (the classic 5x5/3x3
    worked example, whose spec is fixed); ``spec`` defaults to 5x5 * 3x3; ``names`` are the
    printed names of input, kernel and output (a :class:`~symconv.latex.names.Names` or
    ``'I,K,S'``).  The fast-algorithm theorems (:data:`~symconv.latex.fast_pages.FAST_PAGES`)
    give a :class:`~symconv.latex.fourier.FourierPage` on a small 1-D layer (``spec`` None:
    the page's default layer), with the same renderers.

    >>> d = derive("elementwise-equals-dot", names="image,alpha,out")
    >>> len(d.steps), all(step.proof for step in d.steps)
    (4, True)
    >>> print(d.latex().splitlines()[1].split(r"\left")[0])
      \mathrm{out}_{i,j} &= \sum_{u=0}^{2} \sum_{v=0}^{2}
    """
    if isinstance(names, str):
        names = Names.parse(names)
    names = names or Names()
    if not isinstance(names, Names):
        raise SymconvError(f"names: expected Names or 'I,K,S', got {type(names).__name__}")
    if name in FAST_PAGES:  # Winograd, FFT: pages on a small 1-D layer of their own
        return fast_page(name, spec, names)  # type: ignore[return-value]
    if name == "example":
        if spec is not None and spec != EXAMPLE_SPEC:
            raise SymconvError(f"spec: the worked example is 5x5 * 3x3, got {spec.describe()};"
                               " leave the layer options out")
        spec = EXAMPLE_SPEC
    elif name not in _RECIPES:
        get_theorem(name)  # raises with the closest names
        raise SymconvError(f"name: no derivation for {name!r}; choose one of "
                           f"{', '.join(derivations())}")
    spec = EXAMPLE_SPEC if spec is None else spec
    if not isinstance(spec, ConvSpec):
        raise SymconvError("spec: expected a ConvSpec, e.g. ConvSpec((5, 5), (3, 3)), got "
                           f"{type(spec).__name__}")
    fastest = name == _FASTEST
    if name in BACKWARD and not_applicable(get_theorem(name), spec):
        raise SymconvError(f"spec: {not_applicable(get_theorem(name), spec)}; use "
                           "padding_mode='zeros'")
    layer = Layer(spec, names, layout=Im2colLayout.BATCH_FASTEST if fastest
                  else Im2colLayout.BATCH_SLOWEST,  # backward sides: degree 3, ring carrier
                  vector=False if name in BACKWARD else None)
    if name == "example":
        numbers = Layer(spec, names, CLASSIC_IMAGE[None, None], CLASSIC_KERNEL[None, None])
        title, steps = "The classic worked example: top-left output 4", _example(layer, numbers)
        proofs = (prove("all-formulations-agree", spec),
                  prove("convolution-is-flipped-correlation", spec))
        figures = figures_for(numbers, "example")
        labels = {**numbers.labels, **layer.labels}
    else:
        title, recipe = _RECIPES[name]
        steps = recipe(layer)
        proofs, labels = (_theorem_proof(name, spec),), layer.labels
        figures = backward_figures(layer, name) if name in BACKWARD else \
            figures_for(layer, name)
    used, indices = names_used(steps)
    used |= {key for figure in figures for panel in figure.panels if not isinstance(panel, str)
             for key, label in labels.items() if panel.label == label}
    if name == "example":
        intro = (_example_intro(names), _CLAIMS["example"])
    else:
        intro = (layer.size_text(used, indices), _CLAIMS[name])
        if name in BACKWARD:  # long names: let the defining sentences stretch, not overflow
            intro = (r"{\sloppy " + intro[0] + " " + backward_text(layer, name, used, indices)
                     + r"\par}", intro[1])
    return Derivation(name=name, title=title, spec=spec, names=names, labels=labels,
                      steps=tuple(steps), intro=intro, proofs=proofs, figures=figures,
                      where=tuple(layer.where(used) + backward_where(layer, name, used)))

