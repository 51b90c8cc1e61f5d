"""What :func:`~symconv.verification.verify` returns: a :class:`Verdict`, truthy when correct.

A verdict carries its evidence: how the check was made (an exact proof or a randomized exact
check with its Schwartz-Zippel bound), the output positions that differ, the products missing and
extra at one of them, the name of a known mistake when the output matches that mistake *exactly*,
a small integer input that shows the difference, and the user's traceback when the code failed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spec import ConvSpec

__all__ = ["Kind", "BackwardKind", "parse_kind", "Status", "MistakeKind",
           "BackwardMistakeKind", "Mistake",
           "ConcreteExample", "Verdict"]


class Kind(str, enum.Enum):
    """Which operation the function is meant to compute."""

    CORRELATION = "correlation"  #: PyTorch's ``conv2d``: no flip
    CONVOLUTION = "convolution"  #: true convolution: the kernel flipped in every spatial axis

    @property
    def backward(self) -> bool:
        """False: ``fn(x, w)`` computes the forward layer."""
        return False


class BackwardKind(str, enum.Enum):
    """Which backward pass of the (correlation) layer the function is meant to compute."""

    INPUT_GRADIENT = "input-gradient"  #: ``fn(dout, w) -> dx``
    WEIGHT_GRADIENT = "weight-gradient"  #: ``fn(x, dout) -> dw``
    TRANSPOSED = "transposed"  #: ``fn(y, w) -> z``: PyTorch's conv_transpose of the layer

    @property
    def backward(self) -> bool:
        """True: ``fn`` takes other operands than ``(x, w)``."""
        return True


def parse_kind(kind: Any) -> Kind | BackwardKind:
    """A forward or backward kind from its value (ValueError for others).

    >>> parse_kind("transposed"), parse_kind(Kind.CONVOLUTION)
    (<BackwardKind.TRANSPOSED: 'transposed'>, <Kind.CONVOLUTION: 'convolution'>)
    """
    try:
        return Kind(kind)
    except ValueError:
        return BackwardKind(kind)


class Status(str, enum.Enum):
    """The outcome of a check."""

    CORRECT = "correct"  #: proved: exact symbolic execution, canonical forms identical
    PASSED = "passed"  #: randomized exact integer check passed (Schwartz-Zippel bound given)
    INCONCLUSIVE = "inconclusive"  #: float output that rounds too much to decide (not a pass)
    WRONG = "wrong"  #: some output values differ from the spec
    WRONG_SHAPE = "wrong shape"  #: the output shape is not the spec's
    WRONG_DTYPE = "wrong dtype"  #: the output is not numbers (bool, complex, strings, ...)
    NOT_FINITE = "not finite"  #: NaN or infinity in the output
    MUTATED_INPUT = "mutated input"  #: the function changed x or w in place
    RAISED = "raised"  #: the function raised an exception
    TIMED_OUT = "timed out"  #: the function did not return within the timeout

    @property
    def ok(self) -> bool:
        """True for the passing outcomes."""
        return self in (Status.CORRECT, Status.PASSED)  # never a tolerance


class MistakeKind(str, enum.Enum):
    """Known ways to get a convolution wrong; named only on an exact match."""

    MISSING_FLIP = "missing flip"
    UNWANTED_FLIP = "unwanted flip"
    FLIP_ONE_AXIS = "flipped in some axes only"
    TRANSPOSED_KERNEL = "kernel transposed"
    STRIDE_ON_KERNEL_OFFSETS = "stride applied to kernel offsets"
    DILATION_IGNORED = "dilation ignored"
    STRIDE_IGNORED = "stride ignored"
    WINDOW_SHIFTED = "window shifted by one"
    PADDING_MODE_IGNORED = "padding mode ignored"
    #: Winograd or FFT transforms built for true convolution used for PyTorch's conv: the same
    #: products as an unwanted flip, named for the transforms (named beside it)
    CONVOLUTION_TRANSFORMS = "transforms for true convolution used as correlation"
    #: an FFT of too small a size: the zero padding wraps around (circular padding)
    FFT_CIRCULAR = "FFT without enough zero padding (circular convolution)"
    IM2COL_ROW_ORDER = "im2col rows ordered differently"
    KERNEL_HEIGHT_FOR_WIDTH = "kernel height used for width"
    BATCH_SPATIAL_MIXED = "batch and spatial axes mixed"
    GROUPS_LEAK = "groups leak channels"
    WRONG_OUTPUT_SHAPE = "wrong output shape"
    BIAS_MISSING = "bias missing"
    BIAS_TWICE = "bias added twice"
    BIAS_WRONG_AXIS = "bias on the wrong axis"

    @property
    def about_bias(self) -> bool:
        """A mistake of the bias term (named beside, not instead of, a mistake of the products)."""
        return self.value.startswith("bias")


class BackwardMistakeKind(str, enum.Enum):
    """Known ways to get a backward pass wrong; named only on an exact match."""

    DX_NOT_FLIPPED = "dx without the kernel flip"
    STRIDE_IGNORED = "stride ignored"
    DILATION_IGNORED = "dilation ignored"
    OUTPUT_PADDING_NEAR_SIDE = "output_padding on the wrong side"
    OUTPUT_PADDING_AS_PADDING = "output_padding treated as input padding"
    COL2IM_OVERWRITES = "col2im overwrites instead of accumulating"
    DOUT_X_SWAPPED = "dout and x swapped"
    DW_FLIPPED = "weight gradient flipped"

    @property
    def about_bias(self) -> bool:
        """False: the backward kinds take no bias."""
        return False


@dataclass(frozen=True)
class Mistake:
    """A named mistake and what exactly it does on this spec."""

    kind: MistakeKind | BackwardMistakeKind
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.detail}"


def _literal(array: np.ndarray) -> str:
    return f"np.array({np.asarray(array).tolist()!r})"


@dataclass(frozen=True, eq=False)
class ConcreteExample:
    """Integer inputs on which the function's number differs from the spec's (compared by
    identity: it holds arrays)."""

    x: np.ndarray
    w: np.ndarray
    position: tuple[int, ...]
    expected: Any
    got: Any
    b: np.ndarray | None = None  #: the bias, for a layer with ``spec.bias``
    #: the operands' names (a backward kind's ``x`` and ``w`` hold e.g. dout and w)
    names: tuple[str, str] = ("x", "w")

    def code(self, max_literal: int = 64) -> str:
        """Python lines to paste into a test (``np.array([...])`` literals when small)."""
        lines = []
        arrays = ((self.names[0], self.x), (self.names[1], self.w)) + (
            (("b", self.b),) if self.b is not None else ())
        for name, arr in arrays:
            if arr.size <= max_literal:
                lines.append(f"{name} = {_literal(arr)}")
            else:  # large and mostly zero: build it from its nonzero entries
                lines.append(f"{name} = np.zeros({arr.shape!r}, dtype=np.int64)")
                for idx in zip(*np.nonzero(arr)):
                    lines.append(f"{name}[{', '.join(map(str, idx))}] = {arr[idx].item()!r}")
        where = ", ".join(map(str, self.position))
        call = f"fn({', '.join(self.names)})" if self.b is None else "fn(x, w, b)"
        lines.append(f"# expected {call}[{where}] == {self.expected!r}, got {self.got!r}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """The verdict on a user's convolution; ``bool(verdict)`` is True exactly when it passed.

    ``proved`` is True only for an exact symbolic proof; a randomized pass states its
    Schwartz-Zippel bound in ``bound`` and says in ``method`` whether outputs were compared
    exactly or rounded (float output within the error bound delta < 1/2 assumed of correct
    float code).
    """

    status: Status
    spec: ConvSpec
    kind: Kind | BackwardKind
    method: str
    summary: str
    elapsed: float = 0.0
    mistakes: tuple[Mistake, ...] = ()
    details: tuple[str, ...] = ()
    differing: int = 0
    positions: tuple[tuple[int, ...], ...] = ()
    example: ConcreteExample | None = None
    trials: int = 0
    bound: float | None = None
    traceback: str | None = None
    notes: tuple[str, ...] = ()
    #: exact-path WRONG only: the canonical forms (user's, spec's) at ``positions[0]``, each as
    #: sorted ``(monomial, coefficient)`` items; what :mod:`.figure` draws
    first_forms: tuple[tuple[tuple[tuple[str, ...], Any], ...], ...] | None = None

    def __bool__(self) -> bool:
        return self.status.ok

    @property
    def proved(self) -> bool:
        """True when correctness was proved exactly (not sampled)."""
        return self.status is Status.CORRECT

    @property
    def mistake_kinds(self) -> tuple[MistakeKind | BackwardMistakeKind, ...]:
        """The kinds of the named mistakes (empty when none matched exactly)."""
        return tuple(m.kind for m in self.mistakes)

    def _repr_markdown_(self) -> str:
        from ..display import to_markdown
        return to_markdown(self)

    def _repr_html_(self) -> str:
        from ..display import to_html
        return to_html(self)

    def labelled_mistakes(self) -> list[tuple[str, Mistake]]:
        """The named mistakes, each with its label: ``'mistake'`` for the first mistake of the
        products (and for a mistake of the bias term or of the shape, named beside it),
        ``'same products as'`` for other mistakes that compute the very same products."""
        first = next((m for m in self.mistakes if not m.kind.about_bias), None)
        return [("mistake" if m is first or m.kind.about_bias
                 or m.kind is MistakeKind.WRONG_OUTPUT_SHAPE else "same products as", m)
                for m in self.mistakes]

    def __str__(self) -> str:
        head = self.status.value.upper()
        lines = [f"{head}: {self.summary}",
                 f"  layer: {self.kind.value} on {self.spec.describe()}",
                 f"  method: {self.method}"]
        if self.bound is not None:
            what = "bilinear map" if not self.spec.bias else "bilinear map plus bias"
            lines.append(f"  chance that a wrong {what} (integer coefficients) passes: "
                         f"<= {self.bound:.3g} ({self.trials} trials)")
        lines += [f"  {label}: {m}" for label, m in self.labelled_mistakes()]
        lines += [f"  {d}" for d in self.details]
        if self.example is not None:
            lines.append("  concrete example (paste into a test):")
            lines += ["    " + line for line in self.example.code().splitlines()]
        lines += [f"  note: {n}" for n in self.notes]
        if self.traceback:
            lines.append("  traceback of the function:")
            lines += ["    " + line for line in self.traceback.rstrip().splitlines()]
        return "\n".join(lines)
