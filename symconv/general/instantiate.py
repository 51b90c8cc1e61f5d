"""Instantiate index-level sums at a concrete ConvSpec, and search for counterexamples.

:func:`evaluate` turns a :class:`~symconv.general.formulations.Formulation` into the tensor of
exact polynomials it describes, reading ``w`` and ``xpad`` from the same symbolic tensors the
instance engine uses (``xpad`` is :func:`symconv.forms.pad` of the symbolic input, so every
padding mode works).  It evaluates in environments (:mod:`.semantics`), never by substituting,
so a summation variable shadows an outer symbol exactly as the notation says.  Comparing
that tensor with a formulation in :mod:`symconv.forms` through
:func:`symconv.engine.prove_equal` ties each description to the code it describes.

>>> from symconv import ConvSpec, correlate, prove_equal, symbolic_input, symbolic_weight
>>> from symconv.general.formulations import Sizes, definition
>>> spec = ConvSpec((4, 5), (2, 3), stride=(1, 2), padding=1)
>>> described = evaluate(definition(Sizes.make(2)), Sizes.make(2), spec)
>>> x, w = symbolic_input(spec, backend="ring"), symbolic_weight(spec, backend="ring")
>>> bool(prove_equal(described, correlate(x, w, spec)))
True
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..engine import Proof, prove_equal
from ..errors import SymconvError
from ..forms import pad
from ..spec import ConvSpec, Pads
from ..tensors import Backend, symbolic_input, symbolic_tensor, symbolic_weight
from .backward import entry_box, place, shape
from .formulations import Formulation, Padding, Sizes
from .semantics import IllFormedError, compile_index, denote

__all__ = ["size_values", "evaluate", "GeneralCounterexample", "IllFormedError",
           "search_counterexample", "small_specs"]


def size_values(sz: Sizes, spec: ConvSpec, pads: Pads | None = None) -> dict[sympy.Symbol, int]:
    """The value of every size symbol for ``spec`` (pads: ``spec.pads`` unless given)."""
    if spec.rank != sz.rank:
        raise SymconvError(f"spec: expected a rank-{sz.rank} ConvSpec, got rank {spec.rank}")
    pads = spec.pads if pads is None else pads
    values = {sz.N: spec.batch, sz.G: spec.groups, sz.Cg: spec.group_in_channels,
              sz.Fg: spec.group_out_channels}
    for axis in range(sz.rank):
        values.update({sz.K[axis]: spec.kernel_size[axis],
                       sz.out_sizes[axis]: spec.output_size[axis],
                       sz.in_sizes[axis]: spec.input_size[axis], sz.s[axis]: spec.stride[axis],
                       sz.d[axis]: spec.dilation[axis], sz.pl[axis]: pads[axis][0],
                       sz.pr[axis]: pads[axis][1]})
    return values


def _pairs(flat: Sequence[int]) -> Pads:
    return tuple((int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2))


def _read(array: np.ndarray, name: str, index: Sequence[int]) -> Any:
    if len(index) != array.ndim or any(not 0 <= i < n for i, n in zip(index, array.shape)):
        raise IllFormedError(f"reads {name}[{', '.join(map(str, index))}] outside its shape "
                             f"{array.shape}: the index-level description is ill-formed there")
    return array[tuple(index)]


def _shapes(spec: ConvSpec) -> dict[str, tuple[int, ...]]:
    """The shapes of the third tensors a backward statement reads (fresh variables each)."""
    columns = spec.batch * int(np.prod(spec.output_size, dtype=np.int64))
    return {"y": spec.output_shape, "dout": spec.output_shape,
            "cols": (spec.groups, spec.products_per_output, columns)}


def evaluate(form: Formulation, sz: Sizes, spec: ConvSpec, *, pads: Pads | None = None,
             kind: str = "output") -> np.ndarray:
    """The tensor the description denotes at ``spec``: shape ``spec.output_shape`` (or the
    shape of the statement's ``kind``: weight, input, a scalar as shape ``(1,)``), entries exact
    polynomials in ``x``, ``w`` and the fresh ``y``, ``dout``, ``cols`` (ring variables named
    as :func:`symconv.tensors.symbolic_tensor` names them)."""
    box = entry_box(sz, kind)  # raises on an unknown kind
    values = size_values(sz, spec, pads)
    base = {"x": symbolic_input(spec, backend=Backend.RING),
            "w": symbolic_weight(spec, backend=Backend.RING)}
    padded: dict[Pads, np.ndarray] = {}

    def read(tensor: str, params: tuple[int, ...], index: tuple[int, ...]) -> Any:
        if tensor == "xpad":
            if len(params) != 2 * spec.rank or any(p < 0 for p in params):
                raise IllFormedError(f"reads xpad with pads {params}: expected {spec.rank} "
                                     "nonnegative (left, right) pairs")
            key = _pairs(params)
            if key not in padded:
                padded[key] = pad(base["x"], spec, key)
            return _read(padded[key], "xpad", index)
        if tensor not in base and tensor in _shapes(spec):
            base[tensor] = symbolic_tensor(_shapes(spec)[tensor], tensor, Backend.RING)
        if tensor in base and not params:
            return _read(base[tensor], tensor, index)
        raise SymconvError(f"description: unknown base tensor {tensor!r}")

    out = np.empty(shape(kind, spec), dtype=object)
    entry_ranges = [range(int(compile_index(sympy.sympify(hi))(values)) + 1) for _, hi in box]
    for point in itertools.product(*entry_ranges):
        env = dict(zip((v for v, _ in box), point))
        total: Any = 0
        for atoms, count in denote(form.term, form.views, values, env).items():
            product: Any = count
            for tensor, params, index in atoms:
                product = product * read(tensor, params, index)
            total = total + product
        out[place(kind, point, spec)] = total
    return out


def small_specs(rank: int, padding: Padding = Padding.EXPLICIT, count: int = 40,
                seed: int = 0) -> Iterable[ConvSpec]:
    """Small valid ConvSpecs of one rank (non-square first), deterministic, for searches."""
    rng = random.Random(seed)
    for attempt in range(count):
        kernel = tuple(rng.randint(1, 3) for _ in range(rank))
        if attempt < count // 2 and rank > 1 and len(set(kernel)) == 1:
            kernel = (kernel[0] % 3 + 1, *kernel[1:])
        dilation = tuple(rng.randint(1, 2) for _ in range(rank))
        groups = rng.randint(1, 2)
        same = padding is not Padding.EXPLICIT
        stride = (1,) * rank if same else tuple(rng.randint(1, 2) for _ in range(rank))
        pads = tuple((rng.randint(0, 2), rng.randint(0, 2)) for _ in range(rank))
        spec_pads = ConvSpec((9,) * rank, kernel, dilation=dilation, padding="same").pads \
            if same else pads
        size = tuple(max(1, d * (k - 1) + 1 - pl - pr) + rng.randint(0, 3)
                     for k, d, (pl, pr) in zip(kernel, dilation, spec_pads))
        yield ConvSpec(size, kernel, in_channels=groups * rng.randint(1, 2),
                       out_channels=groups * rng.randint(1, 2), batch=rng.randint(1, 2),
                       stride=stride, padding="same" if same else pads, dilation=dilation,
                       groups=groups)


@dataclass(frozen=True)
class GeneralCounterexample:
    """A concrete layer on which the two descriptions differ, and the instance comparison.

    ``proof`` is the DISPROVED instance comparison; when one side is not even defined at
    ``spec`` (it reads outside a tensor), ``proof`` is None and ``problem`` says where.
    """

    spec: ConvSpec
    proof: Proof | None
    problem: str = ""

    def __str__(self) -> str:
        where = f"at {self.spec.describe()} (batch {self.spec.batch}): "
        if self.proof is None:
            return where + self.problem
        return where + str(self.proof.counterexample).replace("\n", "\n  ")


def search_counterexample(left: Formulation, right: Formulation, sz: Sizes, *,
                          kind: str = "output", specs: Iterable[ConvSpec] | None = None,
                          pads: str = "pads") -> GeneralCounterexample | None:
    """The first small layer where ``left`` and ``right`` denote different tensors, or None.

    Layers where a side reads outside a tensor are remembered and returned only when no layer
    shows differing products.  ``pads='convolution'`` reads the pad symbols from
    ``spec.convolution_pads``.
    """
    padding = Padding(left.padding)
    padding = padding if padding is not Padding.EXPLICIT else Padding(right.padding)
    ill_formed = None
    for spec in specs if specs is not None else small_specs(sz.rank, padding):
        chosen = spec.convolution_pads if pads == "convolution" else spec.pads
        try:
            a = evaluate(left, sz, spec, pads=chosen, kind=kind)
        except IllFormedError as err:
            ill_formed = ill_formed or GeneralCounterexample(spec, None, f"the left side {err}")
            continue
        try:
            b = evaluate(right, sz, spec, pads=chosen, kind=kind)
        except IllFormedError as err:
            ill_formed = ill_formed or GeneralCounterexample(spec, None, f"the right side {err}")
            continue
        proof = prove_equal(a, b, f"{left.label} = {right.label} on {spec.describe()}")
        if not proof:
            return GeneralCounterexample(spec, proof)
    return ill_formed
