"""What the randomized check draws, and how it compares a function's output with the spec's.

**Draws.**  ``x`` and ``w`` are drawn uniformly from ``S = {lo, ..., hi}`` in ``numeric_dtype``.
The range is the largest one in which every value *and every partial sum* of a correct
convolution (``|sum| <= L * B**2``, ``L`` products per output) is exact in that dtype: below
``2**24`` (float32, and int64/float64 code that goes through float32), below the dtype's own
limit for narrow types (int8: 127, float16: 2048), so nothing wraps or rounds.  ``|S|`` is the
number of *distinct values the dtype actually holds* on that range (counted after the cast, so a
dtype that collapses values cannot inflate it); ``|S| <= 2`` gives no Schwartz-Zippel bound
below 1, so such a dtype (``bool``, or a narrow type on a long reduction) is refused with a
:class:`~symconv.errors.SymconvError` before ``fn`` is called.

**Comparison.**  Integer, ``Fraction`` and other exact outputs are compared exactly.  Float
output equal to the exact integers is compared exactly too.  Float output that is not (an FFT or
Winograd algorithm rounds) is compared by the *rounding rule*: the true output is an integer, a
correct float algorithm errs by at most ``delta`` (:func:`error_model`, assumed, not proved, for
``fn``), and ``delta < 1/2``: then an output farther than ``delta`` from the exact value is
WRONG, and a nonzero integer deviation ``g - f`` of an integer-coefficient bilinear map ``g``
(``|g - f| >= 1 > 2 * delta``) is always seen, so the Schwartz-Zippel bound holds for the rounded
comparison as for the exact one.

>>> from symconv import ConvSpec
>>> draws_for(ConvSpec((5, 5), (3, 3)), "int8").describe()
'{-3, ..., 3} (|S| = 7, int8)'
>>> spec = ConvSpec((6, 6), (3, 3), in_channels=2)
>>> rounded_range(spec, np.finfo(np.float32).eps)
27
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import SymconvError
from ..forms import flip, im2col_matmul, pad
from ..spec import ConvSpec
from .bias import add_bias
from .run import to_numpy
from .verdict import Kind, Status

__all__ = ["Draws", "draws_for", "error_model", "error_at", "one_hot_error", "within",
           "rounded_range", "read_values",
           "deviations", "expected_output", "Output", "read_output", "EXACT_LIMIT",
           "DELTA_LIMIT", "MAX_VALUE"]

#: A correct partial sum stays below this: float32's 24-bit significand holds it exactly.
EXACT_LIMIT = 2 ** 24
#: The rounding rule needs the error bound strictly below this (an integer deviation is >= 1).
DELTA_LIMIT = 0.5
#: Draws never exceed this magnitude (products stay readable; S is large enough already).
MAX_VALUE = 2 ** 11


@dataclass(frozen=True)
class Draws:
    """Draw ``x, w`` uniformly from ``S = {low, ..., high}`` in ``dtype``; ``values = |S|``."""

    dtype: np.dtype
    low: int
    high: int
    values: int
    limit: str

    @property
    def magnitude(self) -> int:
        """The largest ``|v|`` drawn."""
        return max(abs(self.low), abs(self.high))

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """One uniform draw of ``shape`` from ``S``, in ``dtype``."""
        return rng.integers(self.low, self.high + 1, shape).astype(self.dtype)

    def describe(self) -> str:
        """``'{-27, ..., 27} (|S| = 55, float32)'``."""
        return f"{{{self.low}, ..., {self.high}}} (|S| = {self.values}, {self.dtype})"


def _dtype(numeric_dtype: Any) -> np.dtype:
    try:
        dtype = np.dtype(numeric_dtype)
    except TypeError:
        raise SymconvError(f"numeric_dtype: expected a numpy integer or float dtype, got "
                           f"{numeric_dtype!r}; use e.g. 'int64' or 'float32'") from None
    if dtype.kind not in "iuf" or dtype.kind == "f" and dtype.itemsize > 8:
        raise SymconvError(f"numeric_dtype: expected an integer (at least int8) or float (16 to "
                           f"64 bits) dtype, got {dtype}; bool and complex draws give no "
                           "Schwartz-Zippel bound below 1, use int8 or wider")
    return dtype


def _holds(dtype: np.dtype) -> int:
    """The largest integer ``dtype`` holds exactly, with everything below it."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    return int(np.iinfo(dtype).max)


def draws_for(spec: ConvSpec, numeric_dtype: Any = np.int64, *, at_most: int | None = None
              ) -> Draws:
    """The draws for ``spec`` in ``numeric_dtype`` (``at_most``: cap the magnitude), or a
    :class:`SymconvError` naming ``numeric_dtype`` when they would give no bound below 1.

    >>> draws_for(ConvSpec((5, 5), (3, 3)), "bool")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: numeric_dtype: expected an integer (at least int8) or float ...
    got bool; bool and complex draws give no Schwartz-Zippel bound below 1, use int8 or wider
    """
    dtype = _dtype(numeric_dtype)
    products = spec.products_per_output + spec.bias  # a bias adds one term, |b| <= B <= B**2
    cap = min(EXACT_LIMIT - 1, _holds(dtype))
    magnitude = min(MAX_VALUE, math.isqrt(cap // products))
    if at_most is not None:
        magnitude = min(magnitude, at_most)
    low = 0 if dtype.kind == "u" else -magnitude
    values = np.arange(low, magnitude + 1, dtype=np.int64)
    held = values.astype(dtype)
    distinct = int(np.unique(held).size)
    if not (held.astype(np.int64) == values).all() or distinct <= 2:  # re-check the cast
        raise SymconvError(f"numeric_dtype: {dtype} cannot hold a sum of {products} products of "
                           f"draws from 3 or more values without wrapping or rounding (|S| = "
                           f"{distinct} gives no Schwartz-Zippel bound below 1); use a wider "
                           "dtype such as int32 or float32")
    where = "float32 holds" if cap == EXACT_LIMIT - 1 else f"{dtype} holds"
    return Draws(dtype, int(low), int(magnitude), distinct,
                 f"{where} {cap} ({spec.products_per_output} products"
                 f"{' and a bias' if spec.bias else ''} of |v| <= {magnitude})")


def _factor(spec: ConvSpec) -> tuple[float, float]:
    """``(r + 16 * rank * (log2(L) + 1), Cg * sqrt(prod(padded)) * sqrt(prod(kernel)))``."""
    length = max(max(spec.padded_size), max(spec.output_size) * max(spec.stride)) + max(
        d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))
    factor = spec.products_per_output + spec.bias + 16 * (math.log2(length) + 1) * spec.rank
    norms = spec.group_in_channels * math.sqrt(math.prod(spec.padded_size)) * math.sqrt(
        math.prod(spec.kernel_size))
    return factor, norms


def error_model(spec: ConvSpec, eps: float, magnitude: int) -> float:
    """The rounding error a *correct* float conv algorithm is assumed to stay below, on inputs
    with ``|v| <= magnitude``, in a precision of machine epsilon ``eps``:

        delta = eps * (r + 16 * rank * (log2(L) + 1)) * Cg * |x_padded|_2 * |w|_2,

    with ``|x_padded|_2 <= sqrt(prod(padded)) * magnitude`` and ``|w|_2 <= sqrt(prod(kernel)) *
    magnitude`` (a layer with bias adds ``eps * (r + ...) * magnitude`` for ``|b[f]|``).
    ``eps * r * sum|w*x|`` bounds any summation order, and Cauchy-Schwarz puts ``sum|w*x|``
    below the norms; the log term covers the forward and inverse transforms of an
    FFT, and leaves room for Winograd's (as :func:`symconv.numeric.error_bound`).

    For Winograd F(m x m, r x r) this is an assumption, not a proof: the first-order worst case
    is ``eps * K * sigma * sum_c |d_c|_2 |g_c|_2`` per tile, ``K`` the length of the longest
    chain of roundings and ``sigma`` the gain of the absolute-value transforms, largest over
    outputs of the spectral norm of ``|AT|(x)|AT| diag (|G|(x)|G|) (|BT|(x)|BT|)``: 9.4 for
    F(2x2, 3x3), 299 for F(4x4, 3x3), 469 for F(6x6, 3x3), above the factor here.  Measured in
    float32 (tests/test_verify_fast.py): F(4x4, 3x3) errs by at most 0.04 of ``delta`` on the
    draws, 0.17 under an adversarial search of the inputs; FFT by at most 0.005.

    >>> spec = ConvSpec((6, 6), (3, 3))
    >>> round(error_model(spec, float(np.finfo(np.float32).eps), 10), 3)
    0.031
    """
    factor, norms = _factor(spec)
    return eps * factor * (norms * magnitude ** 2 + spec.bias * magnitude)  # + |b| <= magnitude


def error_at(x: np.ndarray, w: np.ndarray, spec: ConvSpec, eps: float,
             b: np.ndarray | None = None) -> float:
    """:func:`error_model` on the actual inputs: ``eps * (r + 16 * rank * (log2(L) + 1)) *
    max over (n, f) of sum over the group's c of |pad(x)[n, c]|_2 * |w[f, c]|_2`` (plus
    ``|b[f]|`` inside the max for a layer with bias: one more term of the sum, counted in r).

    >>> spec = ConvSpec((6, 6), (3, 3))
    >>> eps = float(np.finfo(np.float32).eps)
    >>> error_at(np.zeros((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), spec, eps)
    0.0
    >>> at = error_at(np.full((1, 1, 6, 6), 10), np.full((1, 1, 3, 3), 10), spec, eps)
    >>> math.isclose(at, error_model(spec, eps, 10))
    True
    """
    factor, _ = _factor(spec)
    xp = pad(np.asarray(x).astype(np.float64), spec)
    xn = np.sqrt((xp.reshape(xp.shape[0], xp.shape[1], -1) ** 2).sum(axis=-1))  # (N, C)
    wf = np.asarray(w).astype(np.float64)
    wn = np.sqrt((wf.reshape(wf.shape[0], wf.shape[1], -1) ** 2).sum(axis=-1))  # (F, Cg)
    g = spec.groups
    a = xn.reshape(xn.shape[0], g, spec.group_in_channels)
    wb = wn.reshape(g, spec.group_out_channels, spec.group_in_channels)
    sums = np.einsum("ngc,gfc->ngf", a, wb).reshape(xn.shape[0], -1)  # (N, F)
    if b is not None:
        sums = sums + np.abs(np.asarray(b).astype(np.float64)).reshape(1, -1)
    return eps * factor * float(sums.max(initial=0.0))


def one_hot_error(spec: ConvSpec, eps: float) -> float:
    """:func:`error_at` on one-hot inputs (one entry 1, the rest 0): ``eps * (r + 16 * rank *
    (log2(L) + 1))``, what a correct float algorithm may err by on a probe.

    >>> x, w = np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 3, 3))
    >>> x[0, 0, 2, 3] = w[0, 0, 1, 1] = 1
    >>> spec, eps = ConvSpec((6, 6), (3, 3)), float(np.finfo(np.float32).eps)
    >>> math.isclose(one_hot_error(spec, eps), error_at(x, w, spec, eps))
    True
    """
    return eps * _factor(spec)[0]


def within(values: np.ndarray, want: np.ndarray, delta: float) -> bool:
    """True when float ``values`` are the exact integers ``want`` by the rounding rule: every
    entry within ``delta < 1/2`` (:data:`DELTA_LIMIT`) of it; False for ``delta >= 1/2``
    (rounding cannot decide).

    >>> within(np.array([0.9999, 2.0]), np.array([1, 2]), 1e-3)
    True
    >>> within(np.array([1.4]), np.array([1]), 0.45), within(np.array([1.4]), np.array([1]), 0.5)
    (True, False)
    """
    if not delta < DELTA_LIMIT:
        return False
    return not deviations(np.asarray(values, dtype=np.float64), np.asarray(want), delta).any()


def rounded_range(spec: ConvSpec, eps: float) -> int:
    """The largest magnitude whose :func:`error_model` is below :data:`DELTA_LIMIT` (0: none).

    >>> rounded_range(ConvSpec((56, 56), 3, in_channels=64), float(np.finfo(np.float32).eps))
    0
    """
    factor, norms = _factor(spec)
    magnitude = math.isqrt(int(DELTA_LIMIT / (eps * factor * norms)))
    while magnitude > 0 and error_model(spec, eps, magnitude) >= DELTA_LIMIT:
        magnitude -= 1  # re-check the float arithmetic of the isqrt estimate
    return min(magnitude, MAX_VALUE)


def _kind_of(value: Any) -> str:
    """'exact', 'float' or 'other' for one output entry."""
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, numbers.Rational):  # int, np.integer, Fraction, sympy Integer/Rational
        return "exact"
    return "other"


def read_values(out: np.ndarray) -> tuple[np.ndarray | None, float | None, str]:
    """An output array as something :func:`deviations` compares: ``(values, eps, problem)``.

    Integer arrays and object arrays of exact rationals come back as they are (``eps`` None: an
    exact comparison); float arrays, and object arrays holding any float, as float64 with the
    machine epsilon of their least precise entry.  Nothing is truncated.

    >>> from fractions import Fraction
    >>> read_values(np.array([Fraction(1, 3)], dtype=object))[1] is None
    True
    >>> read_values(np.array([np.float32(1.5), 2], dtype=object))[1] == 2.0 ** -23
    True
    """
    if out.dtype.kind in "iu":
        return out, None, ""
    if out.dtype.kind == "f":
        eps = float(max(np.finfo(out.dtype).eps, np.finfo(np.float64).eps))
        return out.astype(np.float64), eps, ""
    if out.dtype != object:
        return None, None, f"the output has dtype {out.dtype}; expected integers or floats"
    kinds = {_kind_of(v) for v in out.flat}
    if "other" in kinds:
        bad = next(v for v in out.flat if _kind_of(v) == "other")
        return None, None, (f"the output holds entries that are not real numbers (e.g. "
                            f"{type(bad).__name__} {bad!r})")
    if "float" not in kinds:  # as Python ints and Fractions: compared by our code, not theirs
        exact = [Fraction(int(v.numerator), int(v.denominator)) for v in out.flat]
        return np.array([v.numerator if v.denominator == 1 else v for v in exact],
                        dtype=object).reshape(out.shape), None, ""
    eps = max(float(np.finfo(type(v) if isinstance(v, np.floating) else np.float64).eps)
              for v in out.flat if _kind_of(v) == "float")
    try:
        return out.astype(np.float64), eps, ""
    except OverflowError:
        return None, None, "the output holds a number too large for float64 beside floats"


def deviations(values: np.ndarray, want: np.ndarray, delta: float | None) -> np.ndarray:
    """The positions where ``values`` is not the exact integer ``want``: ``values != want`` for
    exact values (``delta`` None), ``|values - want| > delta`` for floats.

    >>> deviations(np.array([1.0, 2.3]), np.array([1, 2]), 0.25)
    array([False,  True])
    """
    if delta is None:
        if values.dtype == object or values.dtype.kind == "u":
            return np.array([a != int(b) for a, b in zip(values.flat, want.flat)],
                            dtype=bool).reshape(want.shape)
        return values != want
    return ~(np.abs(values - want.astype(np.float64)) <= delta)


def expected_output(x: np.ndarray, w: np.ndarray, spec: ConvSpec, kind: Kind,
                    b: np.ndarray | None = None) -> np.ndarray:
    """The spec's output on integer tensors, exactly (float64 BLAS only on sums below 2**53,
    Python integers above); plus ``b[f]`` on filter ``f``'s outputs when ``b`` is given.

    >>> from symconv import ConvSpec
    >>> spec = ConvSpec((3,), (2,))
    >>> expected_output(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), spec, Kind.CONVOLUTION)
    array([[[12, 23]]])
    """
    if kind is Kind.CONVOLUTION:  # the flip theorem, with the mirrored 'same' padding split
        w, spec = flip(w), spec.replace(padding=spec.convolution_pads)
    xs, ws = np.asarray(x).astype(np.int64), np.asarray(w).astype(np.int64)
    bs = None if b is None else np.asarray(b).astype(np.int64)
    top = int(np.abs(xs).max(initial=0)) * int(np.abs(ws).max(initial=0))
    shift = 0 if bs is None else int(np.abs(bs).max(initial=0))
    if top * spec.products_per_output + shift >= 2 ** 53:
        return add_bias(im2col_matmul(xs.astype(object), ws.astype(object), spec),
                        None if bs is None else bs.astype(object), spec)
    out = np.rint(im2col_matmul(xs.astype(np.float64), ws.astype(np.float64), spec))
    return add_bias(out.astype(np.int64), bs, spec)


@dataclass(frozen=True)
class Output:
    """A function's output as read for comparison; ``status`` says why it cannot be."""

    raw: np.ndarray | None = None
    values: np.ndarray | None = None
    eps: float | None = None
    status: Status | None = None
    why: str = ""


def read_output(value: Any, spec: ConvSpec) -> Output:
    """Read ``fn``'s return value: shape, dtype and finiteness checked, entries as
    :func:`read_values` gives them (its ``status`` is None when it can be compared)."""
    if value is None:
        return Output(status=Status.WRONG_DTYPE,
                       why="the function returned None (a missing return statement?)")
    try:
        out = to_numpy(value)
    except Exception as err:  # noqa: BLE001
        return Output(status=Status.WRONG_DTYPE,
                       why=f"the output cannot be read as an array ({err})")
    if out.shape != spec.output_shape:
        return Output(out, status=Status.WRONG_SHAPE, why=(
            f"the output has shape {out.shape} where the spec gives {spec.output_shape}"))
    try:  # the entries are the function's objects: their methods may raise too
        values, eps, problem = read_values(out)
    except Exception as err:  # noqa: BLE001
        values, eps, problem = None, None, f"the output's entries cannot be read ({err!r})"
    if values is None:
        return Output(out, status=Status.WRONG_DTYPE, why=problem)
    if eps is not None and not np.isfinite(values).all():
        bad = int(np.count_nonzero(~np.isfinite(values)))
        return Output(out, status=Status.NOT_FINITE,
                       why=f"the output has {bad} NaN or infinite entries")
    return Output(out, values, eps)
