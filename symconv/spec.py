"""ConvSpec: the one description of a convolution layer, and the only place shapes are computed.

Layouts follow PyTorch: input ``(batch, in_channels, *input_size)``, weight
``(out_channels, in_channels // groups, *kernel_size)``, output
``(batch, out_channels, *output_size)``.  The output length on each axis is

    o = floor((i + p_left + p_right - d*(k - 1) - 1) / s) + 1

written with ``+ * //`` only, so :func:`output_length` also works on sympy symbols.

>>> spec = ConvSpec((5, 5), (3, 3))
>>> spec.output_size
(3, 3)
>>> ConvSpec((7,), (4,), padding="same").pads
((1, 2),)
>>> import sympy
>>> i, k = sympy.symbols("i k", integer=True, positive=True)
>>> output_length(i, k)
i - k + 1
"""

from __future__ import annotations

import dataclasses
import enum
import numbers
from dataclasses import dataclass
from typing import Any

from .errors import SpecError

__all__ = ["ConvSpec", "PaddingMode", "output_length"]

Pads = tuple[tuple[int, int], ...]


class PaddingMode(str, enum.Enum):
    """How the border is filled; values are PyTorch's ``padding_mode`` names."""

    ZEROS = "zeros"
    REFLECT = "reflect"
    REPLICATE = "replicate"
    CIRCULAR = "circular"

    @property
    def numpy_mode(self) -> str:
        """The equivalent ``numpy.pad`` mode (replicate = edge, circular = wrap)."""
        return {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
                "circular": "wrap"}[self.value]


def output_length(size: Any, kernel: Any, stride: Any = 1, pad_left: Any = 0, pad_right: Any = 0,
                  dilation: Any = 1) -> Any:
    """Number of window positions on one axis; works on ints and on sympy symbols.

    >>> output_length(32, 3, stride=2, pad_left=1, pad_right=1)
    16
    """
    return (size + pad_left + pad_right - dilation * (kernel - 1) - 1) // stride + 1


def _fail(field: str, expected: str, got: Any, fix: str) -> SpecError:
    return SpecError(f"{field}: expected {expected}, got {got!r}; {fix}")


def _as_int(field: str, value: Any, minimum: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise _fail(field, f"an integer >= {minimum}", value, fix)
    return int(value)


def _per_axis(field: str, value: Any, rank: int, minimum: int, fix: str) -> tuple[int, ...]:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank
    if len(values) != rank:
        raise _fail(field, f"one value or {rank} (one per spatial axis)", value, fix)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            raise _fail(field, f"an integer >= {minimum} on every axis", value, fix)
    return tuple(int(v) for v in values)


def _sizes(field: str, value: Any) -> tuple[int, ...]:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(values) <= 3:
        raise _fail(field, "1, 2 or 3 sizes (1-D, 2-D or 3-D)", value, "give e.g. (5, 5)")
    return _per_axis(field, values, len(values), 1, "sizes are positive integers, e.g. (5, 5)")


def _padding(value: Any, rank: int) -> Pads | str:
    if isinstance(value, str):
        if value.lower() == "valid":
            return ((0, 0),) * rank
        if value.lower() == "same":
            return "same"
        raise _fail("padding", "an integer, a tuple, 'valid' or 'same'", value,
                    "use padding='same' or padding=1")
    fix = "padding is >= 0; give an int, one int per axis, or a (left, right) pair per axis"
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank
    if rank == 1 and len(items) == 2 and not isinstance(items[0], (tuple, list)):
        items = (items,)  # 1-D: a flat (left, right) pair
    if len(items) != rank:
        raise _fail("padding", f"one value or {rank} (one per spatial axis)", value, fix)
    pads = []
    for item in items:
        pair = tuple(item) if isinstance(item, (tuple, list)) else (item, item)
        if len(pair) != 2:
            raise _fail("padding", "a (left, right) pair per axis", value, fix)
        pads.append(tuple(_as_int("padding", p, 0, fix) for p in pair))
    return tuple(pads)


@dataclass(frozen=True)
class ConvSpec:
    """A convolution layer: sizes, channels and every option PyTorch's ``convNd`` takes.

    Sizes are tuples whose length is the rank (1, 2 or 3); an int kernel, stride, padding or
    dilation applies to every axis.  ``padding`` is an int, one int per axis, a ``(left, right)``
    pair per axis, ``'valid'`` (no padding) or ``'same'`` (stride 1 only; total ``d*(k-1)`` with
    the extra element on the right, as PyTorch does).  ``bias=True``: the layer adds ``b[f]``
    (``b`` of shape ``(out_channels,)``) to every output of filter ``f``, as ``nn.ConvNd`` does.

    >>> spec = ConvSpec((32, 32), 3, in_channels=3, out_channels=8, stride=2, padding=1)
    >>> spec.input_shape, spec.weight_shape, spec.output_shape
    ((1, 3, 32, 32), (8, 3, 3, 3), (1, 8, 16, 16))
    >>> ConvSpec((5, 5), (3, 3), in_channels=3, groups=2)
    Traceback (most recent call last):
    ...
    symconv.errors.SpecError: in_channels: expected a multiple of groups=2, got 3; ...
    """

    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    in_channels: int = 1
    out_channels: int = 1
    batch: int = 1
    stride: tuple[int, ...] | int = 1
    padding: Pads | str | int = 0
    dilation: tuple[int, ...] | int = 1
    groups: int = 1
    padding_mode: PaddingMode | str = PaddingMode.ZEROS
    #: the layer adds a bias ``b[f]`` (shape ``(out_channels,)``) to every output of filter ``f``
    bias: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__.__get__(self)
        if isinstance(self.input_size, (tuple, list)):
            inp = _sizes("input_size", self.input_size)
        elif isinstance(self.kernel_size, (tuple, list)):
            inp = _per_axis("input_size", self.input_size, len(self.kernel_size), 1,
                            "sizes are positive integers")
        else:
            inp = _sizes("input_size", self.input_size)
        rank = len(inp)
        ker = _per_axis("kernel_size", self.kernel_size, rank, 1,
                        f"give {rank} positive kernel sizes to match input_size {inp}")
        set_("input_size", inp)
        set_("kernel_size", ker)
        for name in ("in_channels", "out_channels", "batch", "groups"):
            set_(name, _as_int(name, getattr(self, name), 1, f"{name} is a positive integer"))
        set_("stride", _per_axis("stride", self.stride, rank, 1,
                                 "use stride=1 for a dense sliding window"))
        set_("dilation", _per_axis("dilation", self.dilation, rank, 1,
                                   "use dilation=1 for an ordinary kernel"))
        set_("padding", _padding(self.padding, rank))
        try:
            set_("padding_mode", PaddingMode(self.padding_mode))
        except ValueError:
            raise _fail("padding_mode", "one of " + ", ".join(m.value for m in PaddingMode),
                        self.padding_mode, "use padding_mode='zeros'") from None
        if not isinstance(self.bias, bool):
            raise _fail("bias", "True or False", self.bias,
                        "use bias=True for a layer that adds b[f] to filter f's outputs")
        self._check_consistency()

    def _check_consistency(self) -> None:
        g = self.groups
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % g:
                raise _fail(name, f"a multiple of groups={g}", getattr(self, name),
                            f"make {name} divisible by groups or change groups")
        if self.padding == "same" and any(s != 1 for s in self.stride):
            raise _fail("stride", "1 when padding='same' (as in PyTorch)", self.stride,
                        "use stride=1 or give explicit padding")
        for axis, (i, k, d, (pl, pr)) in enumerate(
                zip(self.input_size, self.kernel_size, self.dilation, self.pads)):
            extent = d * (k - 1) + 1
            if extent > i + pl + pr:
                raise _fail("kernel_size", f"a kernel no wider than the padded input "
                            f"({i + pl + pr}) on axis {axis}",
                            self.kernel_size, f"its dilated extent is {extent}: use a smaller "
                            f"kernel or dilation, or pad by at least {extent - i - pl - pr}")
            limit = {"reflect": i - 1, "circular": i}.get(self.padding_mode.value)
            if limit is not None and max(pl, pr) > limit:
                raise _fail("padding", f"at most {limit} on axis {axis} with "
                            f"padding_mode='{self.padding_mode.value}'", (pl, pr),
                            "use less padding or padding_mode='zeros'")

    @classmethod
    def from_torch(cls, layer: Any, input_size: Any, batch: int | None = None) -> ConvSpec:
        """The spec of a PyTorch ``nn.ConvNd`` (or ``nn.ConvTransposeNd``) layer on an input.

        ``input_size`` is the spatial size, or the whole input shape ``(N, C, *spatial)`` (then
        ``N`` is the batch and ``C`` must be the layer's input channels).  The layer is read by
        its attributes (``kernel_size``, ``stride``, ``padding``, ``dilation``, ``groups``,
        ``padding_mode``, and ``bias``: ``bias=True`` when ``layer.bias is not None``), so torch
        is not imported here.  A transposed layer gives the
        *forward* layer it transposes: channels swapped, and the input size of the forward layer
        is the transposed layer's output size, so that ``output_size`` is ``input_size`` again.

        >>> class Conv2d:  # what torch.nn.Conv2d(3, 8, 3, stride=2, padding=1) carries
        ...     in_channels, out_channels, kernel_size, stride = 3, 8, (3, 3), (2, 2)
        ...     padding, dilation, groups, transposed = (1, 1), (1, 1), 1, False
        ...     padding_mode, bias = "zeros", None
        >>> ConvSpec.from_torch(Conv2d(), (2, 3, 32, 32)).describe()
        '32x32 * 3x3, N=2, C=3, F=8, stride 2, pad 1'

        A transposed layer's bias is added to the transposed output, not to the forward layer's,
        so the forward spec it gives has ``bias=False``.
        """
        try:
            kernel = tuple(layer.kernel_size)
            attrs = {name: getattr(layer, name) for name in (
                "in_channels", "out_channels", "stride", "padding", "dilation", "groups",
                "padding_mode")}
        except (AttributeError, TypeError):
            raise _fail("layer", "a torch.nn.ConvNd or ConvTransposeNd layer",
                        type(layer).__name__,
                        "pass the conv module itself, e.g. model.conv1") from None
        size = tuple(input_size) if isinstance(input_size, (tuple, list)) else (input_size,)
        if len(size) == len(kernel) + 2:
            batch, channels, size = size[0], size[1], size[2:]
            expected = attrs["in_channels"]
            if channels != expected:
                raise _fail("input_size", f"{expected} channels (the layer's in_channels)",
                            channels, "give the shape (N, C, *spatial) the layer receives")
        if getattr(layer, "transposed", False):
            return cls._from_transposed(layer, kernel, attrs, size, batch or 1)
        padding = attrs["padding"]
        return cls(size, kernel, in_channels=attrs["in_channels"],
                   out_channels=attrs["out_channels"], batch=batch or 1, stride=attrs["stride"],
                   padding=padding if isinstance(padding, str) else tuple(padding),
                   dilation=attrs["dilation"], groups=attrs["groups"],
                   padding_mode=attrs["padding_mode"],
                   bias=getattr(layer, "bias", None) is not None)

    @classmethod
    def _from_transposed(cls, layer: Any, kernel: tuple[int, ...], attrs: dict[str, Any],
                         size: tuple[int, ...], batch: int) -> ConvSpec:
        rank = len(kernel)
        stride = _per_axis("stride", attrs["stride"], rank, 1, "read from the layer")
        dilation = _per_axis("dilation", attrs["dilation"], rank, 1, "read from the layer")
        pads = _per_axis("padding", attrs["padding"], rank, 0, "read from the layer")
        extra = _per_axis("output_padding", getattr(layer, "output_padding", 0), rank, 0,
                          "read from the layer")
        o = _per_axis("input_size", size, rank, 1, "sizes are positive integers")
        forward = tuple((oi - 1) * s - 2 * p + d * (k - 1) + 1 + e for oi, s, p, d, k, e in zip(
            o, stride, pads, dilation, kernel, extra))
        spec = cls(forward, kernel, in_channels=attrs["out_channels"],
                   out_channels=attrs["in_channels"], batch=batch, stride=stride, padding=pads,
                   dilation=dilation, groups=attrs["groups"])
        if spec.output_size != o:
            raise _fail("output_padding", "a value smaller than the stride on every axis",
                        extra, "this transposed layer is the adjoint of no forward layer with "
                        "that input size; use output_padding < stride")
        return spec

    # ---- the shape arithmetic: nothing outside this class computes a size ----

    @property
    def rank(self) -> int:
        """Number of spatial axes (1, 2 or 3)."""
        return len(self.input_size)

    @property
    def pads(self) -> Pads:
        """``(left, right)`` zero padding per axis, with ``'same'`` resolved PyTorch's way."""
        if self.padding == "same":
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(self.kernel_size, self.dilation))
        return self.padding  # type: ignore[return-value]

    @property
    def convolution_pads(self) -> Pads:
        """Padding under which true convolution keeps the kernel centre fixed.

        ``'same'`` aligns output ``o`` with kernel tap ``(k - 1) // 2`` of the unflipped kernel,
        as ``scipy.signal.convolve(mode='same')`` does, so the split of an odd total mirrors the
        PyTorch split; explicit padding is used as given.
        """
        if self.padding == "same":
            return tuple((r, left) for left, r in self.pads)
        return self.pads

    @property
    def padded_size(self) -> tuple[int, ...]:
        """Spatial size after padding."""
        return tuple(i + pl + pr for i, (pl, pr) in zip(self.input_size, self.pads))

    @property
    def output_size(self) -> tuple[int, ...]:
        """Spatial size of the output: ``(i + pl + pr - d(k-1) - 1) // s + 1`` per axis."""
        return tuple(output_length(i, k, s, pl, pr, d) for i, k, s, (pl, pr), d in zip(
            self.input_size, self.kernel_size, self.stride, self.pads, self.dilation))

    @property
    def group_in_channels(self) -> int:
        """Input channels seen by one filter: ``in_channels // groups``."""
        return self.in_channels // self.groups

    @property
    def group_out_channels(self) -> int:
        """Filters per group: ``out_channels // groups``."""
        return self.out_channels // self.groups

    @property
    def input_shape(self) -> tuple[int, ...]:
        """``(batch, in_channels, *input_size)``."""
        return (self.batch, self.in_channels, *self.input_size)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """``(out_channels, in_channels // groups, *kernel_size)``."""
        return (self.out_channels, self.group_in_channels, *self.kernel_size)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """``(batch, out_channels, *output_size)``."""
        return (self.batch, self.out_channels, *self.output_size)

    @property
    def products_per_output(self) -> int:
        """Number of weight-input products summed into one output entry."""
        n = self.group_in_channels
        for k in self.kernel_size:
            n *= k
        return n

    def transposed_input_size(self, output_padding: Any = None) -> tuple[int, ...]:
        """Spatial size the transposed convolution of this layer produces from its output.

        PyTorch's ``conv_transposeNd`` with this stride, padding, dilation and
        ``output_padding``: ``(o - 1)*s - p_left - p_right + d*(k - 1) + 1 + output_padding``
        per axis, ``o`` from :attr:`output_size`.  ``output_padding=None`` takes, per axis, the
        remainder the floor in :attr:`output_size` dropped, which gives back :attr:`input_size`
        (the transposed convolution is then the adjoint of this one).  As in PyTorch, each
        ``output_padding`` must be smaller than the stride or the dilation of its axis.

        >>> spec = ConvSpec((8,), (3,), stride=2, padding=1)
        >>> spec.output_size, spec.transposed_input_size(), spec.transposed_input_size(0)
        ((4,), (8,), (7,))
        """
        fix = "give output_padding smaller than stride or dilation, or None to recover input_size"
        if output_padding is None:
            return self.input_size
        extra = _per_axis("output_padding", output_padding, self.rank, 0, fix)
        sizes = []
        for axis, (o, k, s, d, (pl, pr), e) in enumerate(zip(
                self.output_size, self.kernel_size, self.stride, self.dilation, self.pads, extra)):
            if e >= max(s, d):
                raise _fail("output_padding", f"a value smaller than stride ({s}) or dilation "
                            f"({d}) on axis {axis}", output_padding, fix)
            size = (o - 1) * s - pl - pr + d * (k - 1) + 1 + e
            if size < 1:
                raise _fail("output_padding", f"a value giving a positive size on axis {axis} "
                            f"(size would be {size})", output_padding, fix)
            sizes.append(size)
        return tuple(sizes)

    def replace(self, **changes: Any) -> ConvSpec:
        """A copy with some fields changed, validated again.

        >>> ConvSpec((5, 5), 3).replace(padding=1).output_size
        (5, 5)
        """
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """A compact one-line description, e.g. ``5x5 * 3x3``, then options that differ.

        >>> ConvSpec((8, 8), (3, 2), in_channels=2, stride=2, padding=1).describe()
        '8x8 * 3x2, C=2, stride 2, pad 1'
        >>> ConvSpec((5, 5), 3, out_channels=2, bias=True).describe()
        '5x5 * 3x3, F=2, bias'
        """
        parts = ["x".join(map(str, self.input_size)) + " * " + "x".join(map(str, self.kernel_size))]
        for field, label in (("batch", "N"), ("in_channels", "C"), ("out_channels", "F"),
                             ("groups", "groups ")):
            if getattr(self, field) != 1:
                parts.append(f"{label}={getattr(self, field)}" if len(label) == 1
                             else f"{label}{getattr(self, field)}")
        for field in ("stride", "dilation"):
            values = getattr(self, field)
            if any(v != 1 for v in values):
                parts.append(f"{field} {_compact(values)}")
        if self.padding == "same":
            parts.append("pad same")
        elif any(p for pair in self.pads for p in pair):
            sym = all(left == r for left, r in self.pads)
            parts.append("pad " + (_compact(tuple(left for left, _ in self.pads)) if sym
                                   else str(self.pads)))
        if self.padding_mode is not PaddingMode.ZEROS:
            parts.append(self.padding_mode.value)
        if self.bias:
            parts.append("bias")
        return ", ".join(parts)


def _compact(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))
