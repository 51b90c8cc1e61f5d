"""The FFT convolution theorems, proved exactly on a ConvSpec in the cyclotomic field Q(ζ_m).

* ``fft-circular-convolution``: with ``padding_mode='circular'`` and ``k - 1`` padding per axis
  (the output as long as the input), symconv's convolve / correlate equal
  ``IDFT(DFT(x)·DFT(kernel))`` (kernel rolled; for correlation reversed, or conjugated).
* ``fft-linear-convolution``: with zero padding (any amount, 'same' too), the full linear
  convolution of the padded input equals ``IDFT_N(DFT_N(x)·DFT_N(w))`` for ``N = n + k - 1``
  (n the padded length), and the layer's correlation is its slice with the reversed kernel, or
  ``IDFT_N(DFT_N(x)·conj(DFT_N(w)))[:o]``.

Both sides are bilinear in (x, w).  The FFT side is computed on
:class:`~symconv.fourier.carrier.Forms` with every coefficient in Q(ζ_m); the reference is
symconv's own formulation on the ring carrier; the proof compares every coefficient of every
product ``x_j·w_i`` at every position, after reducing modulo Φ_m.  Nothing about sums of roots
of unity is assumed: they cancel (or fail to) in the arithmetic.  The forms are sparse over the
(batch, channel) planes (``Forms.variables(..., blocks=2)``) and the comparison runs on the
nonzero coefficients of both sides, so a product across batches or mismatched channels is an
extra coefficient on one side, never out of sight.

>>> from symconv import ConvSpec
>>> proof = FFT_THEOREMS["fft-linear-convolution"].prove(ConvSpec((4,), (3,), padding=1))
>>> bool(proof), proof.steps[0]
(True, 'field Q(ζ_8): Φ_8 = t^4 + 1, checked to divide t^8 - 1; DFT length 8 (root ζ_8)')
>>> bad = prove_fft("fft-linear-convolution", ConvSpec((4,), (3,)), size=5)
>>> print(bad.counterexample)
1 of 5 positions differ; first at [0, 0, 0]
  left only:  w_{0,0,2}·x_{0,0,3}
  at w_{0,0,2}=1, x_{0,0,3}=1 (all other variables 0): left = 1, right = 0
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..engine import Counterexample, Proof, prove_equal
from ..errors import SpecError, SymconvError
from ..resources import guard
from ..ring import Polynomial, canonical
from ..spec import ConvSpec, PaddingMode
from ..tensors import symbolic_input, symbolic_weight, variable_name
from ..theorems import get_theorem
from .carrier import Forms, Root, dft, idft
from .cyclotomic import Cyclotomic, cyclotomic_polynomial
from .radix2 import fft, ifft, is_power_of_two
from .sides import circular_claims, linear_claims

__all__ = ["FFTTheorem", "FFT_THEOREMS", "fft_theorem", "prove_fft", "check_fft_spec"]

#: The transforms ``prove_fft(algorithm=...)`` runs: the DFT by its matrix, or Cooley–Tukey.
ALGORITHMS = {"dft": (dft, idft), "radix-2": (fft, ifft)}

#: Largest (positions × x-variables × w-variables × m) entry count of one chunk of the product.
CHUNK_ENTRIES = 20_000_000


def check_fft_spec(name: str, spec: ConvSpec) -> None:
    """Refuse, with a one-line SpecError, a ConvSpec the theorem ``name`` says nothing about.

    >>> check_fft_spec("fft-linear-convolution", ConvSpec((8,), (3,), stride=2))
    Traceback (most recent call last):
    ...
    symconv.errors.SpecError: stride: fft-linear-convolution needs stride 1 on every axis, ...
    """
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__}; e.g. "
                        f"ConvSpec((8,), (3,))")
    for field, fix in (("stride", "use stride=1 (a strided layer is a subsampled stride-1 one)"),
                       ("dilation", "use dilation=1 (or prove the dilated kernel as a larger "
                                    "one with zeros)")):
        if any(v != 1 for v in getattr(spec, field)):
            raise SpecError(f"{field}: {name} needs {field} 1 on every axis, got "
                            f"{getattr(spec, field)}; {fix}")
    if spec.groups != 1:
        raise SpecError(f"groups: {name} needs groups=1, got {spec.groups}; prove each group "
                        "as its own layer")
    if spec.bias:
        raise SpecError(f"bias: {name} is stated without bias; use bias=False")
    mode = spec.padding_mode
    if name == "fft-linear-convolution" and mode is not PaddingMode.ZEROS:
        raise SpecError(f"padding_mode: {name} needs padding_mode='zeros', got "
                        f"{mode.value!r}; for 'circular' prove fft-circular-convolution")
    if name == "fft-circular-convolution":
        if mode is not PaddingMode.CIRCULAR:
            raise SpecError(f"padding_mode: {name} needs padding_mode='circular', got "
                            f"{mode.value!r}; for zero padding prove fft-linear-convolution")
        for axis, ((pl, pr), k, i) in enumerate(zip(spec.pads, spec.kernel_size,
                                                    spec.input_size)):
            if pl + pr != k - 1 or k > i:
                raise SpecError(f"padding: {name} needs left + right = k - 1 = {k - 1} and "
                                f"k <= {i} on axis {axis} (output as long as the input), got "
                                f"({pl}, {pr}); use padding='same'")


@dataclass(frozen=True)
class FFTTheorem:
    """A named FFT theorem: its statement, what it requires, and ``prove(spec, **options)``."""

    name: str
    statement: str
    conditions: str

    def prove(self, spec: ConvSpec, **options: Any) -> Proof:
        """:func:`prove_fft` of this theorem on ``spec``."""
        return prove_fft(self.name, spec, **options)


FFT_THEOREMS: dict[str, FFTTheorem] = {
    name: FFTTheorem(name, get_theorem(name).statement, get_theorem(name).conditions)
    for name in ("fft-circular-convolution", "fft-linear-convolution")}  # texts: the registry


def fft_theorem(name: str) -> FFTTheorem:
    """The FFT theorem called ``name``; another name raises a one-line SymconvError.

    >>> fft_theorem("fft-linear-convolution").conditions.split(",")[0]
    'stride 1'
    """
    if name not in FFT_THEOREMS:
        raise SymconvError(f"theorem: no FFT theorem named {name!r}; use one of "
                           f"{', '.join(FFT_THEOREMS)}")
    return FFT_THEOREMS[name]


def _sizes(name: str, spec: ConvSpec, size: Any, radix2: bool) -> tuple[int, ...]:
    if name == "fft-circular-convolution":
        least, default = spec.input_size, spec.input_size
    else:
        least = spec.padded_size
        default = tuple(p + k - 1 for p, k in zip(spec.padded_size, spec.kernel_size))
        if radix2:
            default = tuple(1 << (n - 1).bit_length() for n in default)
    if size is None:
        return default
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spec.rank
    if len(sizes) != spec.rank or any(
            isinstance(s, bool) or not isinstance(s, int) or s < q for s, q in zip(sizes, least)):
        raise SpecError(f"size: expected {spec.rank} transform length(s) >= {least}, got "
                        f"{size!r}; the theorem's length is {default}")
    if name == "fft-circular-convolution" and sizes != spec.input_size:
        raise SpecError(f"size: circular convolution is periodic with the input's length "
                        f"{spec.input_size}, got {size!r}; leave size=None")
    return sizes


def _roots(sizes: tuple[int, ...], root: Root | tuple[Root, ...] | None) -> tuple[Root, ...]:
    if root is None:
        m = math.lcm(*sizes)
        return tuple(Root(m, m // s) for s in sizes)
    roots = root if isinstance(root, tuple) else (root,) * len(sizes)
    if len(roots) != len(sizes) or len({r.order for r in roots}) != 1:
        raise SymconvError(f"root: expected one Root, or {len(sizes)} of one order, got {root!r}")
    return roots


def prove_fft(name: str, spec: ConvSpec, *, size: Any = None,
              root: Root | tuple[Root, ...] | None = None, conjugate: bool = True,
              algorithm: str = "dft", progress: Callable[[str], None] | None = None) -> Proof:
    """Prove an FFT theorem on ``spec`` exactly (every claim of :mod:`~symconv.fourier.sides`).

    ``size``: transform length per axis (default the theorem's: n for circular, n + k - 1 for
    linear); ``root``: the root of unity of the DFT (default the primitive ``Root(N)``);
    ``conjugate=False`` drops the conjugation in the conjugate-correlation claim.  The last
    three exist to show what fails.  ``algorithm='radix-2'`` runs the Cooley–Tukey FFT of
    :mod:`~symconv.fourier.radix2` instead of the DFT by its matrix (power-of-two lengths; the
    linear theorem's default length becomes the next power of two >= n + k - 1).  DISPROVED
    proofs carry a counterexample whose coefficients are rational or, for an irrational one, the
    element of Q(ζ_m) printed in powers of ζ.

    >>> print(prove_fft("fft-circular-convolution", ConvSpec((4,), (3,), padding=1,
    ...                                                  padding_mode="circular")).steps[-1])
    circular correlation via the conjugate: all 4 positions equal (12 products)
    """
    thm = fft_theorem(name)
    check_fft_spec(name, spec)
    start = time.perf_counter()
    if algorithm not in ALGORITHMS:
        raise SymconvError(f"algorithm: expected one of {', '.join(ALGORITHMS)}, got "
                           f"{algorithm!r}")
    sizes = _sizes(name, spec, size, algorithm == "radix-2")
    roots = _roots(sizes, root)
    m = roots[0].order
    transforms = ALGORITHMS[algorithm]
    if algorithm == "radix-2" and not all(is_power_of_two(s) for s in sizes):
        raise SpecError(f"size: algorithm='radix-2' needs power-of-two lengths, got {sizes}; "
                        "use algorithm='dft'" + (" or an input of power-of-two size" if name ==
                                                 "fft-circular-convolution" else ""))
    guard(spec, "prove", theorem=name, size=sizes, algorithm=algorithm)  # refuse oversized work
    claims = (circular_claims(spec, sizes, roots, transforms=transforms)
              if name == "fft-circular-convolution" else
              linear_claims(spec, sizes, roots, conjugate=conjugate, transforms=transforms))
    phi = cyclotomic_polynomial(m)
    shown = " + ".join(_power(e, c) for e, c in reversed(list(enumerate(phi))) if c)
    kind = "radix-2 FFT" if algorithm == "radix-2" else "DFT"
    steps = [f"field Q(ζ_{m}): Φ_{m} = {shown.replace('+ -', '- ')}, checked to divide "
             f"t^{m} - 1; {kind} length {'×'.join(map(str, sizes))} (root " + ", ".join(
                 f"ζ_{r.order}" + (f"^{r.power}" if r.power != 1 else "") for r in
                 dict.fromkeys(roots)) + ")"]
    x_ring = symbolic_input(spec, backend="ring")
    w_ring = symbolic_weight(spec, backend="ring")
    x_index = {variable_name("x", i): k for k, i in enumerate(np.ndindex(*spec.input_shape))}
    w_index = {variable_name("w", i): k for k, i in enumerate(np.ndindex(*spec.weight_shape))}
    x = Forms.variables(spec.input_shape, "x", m, blocks=2)
    statement = f"{thm.name} on {spec.describe()}"
    total_positions = total_products = 0
    spectra: dict[int, Forms] = {}  # the claims of one theorem share the input's DFT
    kernel = math.prod(spec.kernel_size)
    for claim in claims:
        (progress or (lambda _: None))(f"{claim.name}: DFT of the input")
        key = id(claim.transform_input)
        xf = spectra[key] = spectra.get(key) or claim.transform_input(x)
        reference = claim.reference(x_ring, w_ring)
        ref_keys, ref_values = _sparse(reference, x_index, w_index)
        per = CHUNK_ENTRIES // (spec.batch * spec.out_channels * spec.in_channels
                                * math.prod(sizes) * math.prod(spec.input_size) * m)
        for chunk in _chunks(kernel, per):  # kernel taps of every (f, c) plane at once
            w = Forms.variables(spec.weight_shape, "w", m, select=chunk, blocks=2)
            y = claim.fft(xf, w)
            if y.shape != reference.shape:
                raise RuntimeError(f"internal error: {claim.name} shapes {y.shape} vs "
                                   f"{reference.shape}")
            mine = np.isin(ref_keys % len(w_index) % kernel, chunk)
            bad = _compare(*y.sparse(), y.scale, ref_keys[mine], ref_values[mine])
            if bad is not None:
                cex = _counterexample(bad, y, reference, x_index, w_index)
                steps.append(f"{claim.name}: {claim.formula}: FAILS")
                return Proof(statement, False, _method(m), total_positions, total_products,
                             time.perf_counter() - start, tuple(steps), cex)
        total_positions += reference.size
        total_products += len(ref_keys)
        steps.append(f"{claim.name}: all {reference.size} positions equal ({len(ref_keys)} "
                     "products)")
    return Proof(statement, True, _method(m), total_positions, total_products,
                 time.perf_counter() - start, tuple(steps))


def _compare(keys: np.ndarray, values: np.ndarray, scale: Fraction, ref_keys: np.ndarray,
             ref_values: np.ndarray) -> np.ndarray | None:
    """The keys where ``scale · values`` (coordinates in Q(ζ_m)) differ from the rational
    reference coefficients, or None when every one is equal (both sides sorted, nonzero)."""
    every = np.union1d(keys, ref_keys)
    got = np.zeros((len(every), values.shape[-1]), dtype=values.dtype)
    got[np.searchsorted(every, keys)] = values
    want = np.zeros(len(every), dtype=object)
    want[np.searchsorted(every, ref_keys)] = ref_values
    bad = np.any(got[:, 1:] != 0, axis=-1) | (
        got[:, 0].astype(object) * scale.numerator != want * scale.denominator)
    return every[bad] if bad.any() else None


def _sparse(reference: np.ndarray, x_index: dict[str, int], w_index: dict[str, int]
            ) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys ``(position·X + j)·W + i`` and coefficients of the ring-carrier reference."""
    keys, values = [], []
    for p, entry in enumerate(reference.reshape(-1)):
        for monomial, c in canonical(entry).items():
            wn = [v for v in monomial if v in w_index]
            xn = [v for v in monomial if v in x_index]
            if len(wn) != 1 or len(xn) != 1 or len(monomial) != 2:
                raise RuntimeError(f"internal error: {monomial} is not a product x·w")
            if c:
                keys.append((p * len(x_index) + x_index[xn[0]]) * len(w_index) + w_index[wn[0]])
                values.append(c)
    order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
    return (np.array(keys, dtype=np.int64)[order],
            np.array(values + [0], dtype=object)[:-1][order])


def _chunks(count: int, per: int) -> list[tuple[int, ...]]:
    per = max(1, min(count, per))
    return [tuple(range(a, min(a + per, count))) for a in range(0, count, per)]


def _power(e: int, c: int) -> str:
    body = "1" if e == 0 else ("t" if e == 1 else f"t^{e}")
    return (str(c) if e == 0 else (body if c == 1 else ("-" + body if c == -1 else
                                                        f"{c}·{body}"))) if e or c else ""


def _method(m: int) -> str:
    return f"exact arithmetic in Q(ζ_{m}) (group ring Z[C_{m}] reduced modulo Φ_{m})"


def _counterexample(bad: np.ndarray, y: Forms, reference: np.ndarray,
                    x_index: dict[str, int], w_index: dict[str, int]) -> Counterexample:
    """Where the sides differ: positions, the products that differ there (coefficients in Q, or
    in Q(ζ_m) when irrational) and integer values of the variables that show it."""
    shape, m, per = reference.shape, y.order, len(x_index) * len(w_index)
    flat = sorted({int(k) // per for k in bad})
    where = [tuple(int(i) for i in np.unravel_index(p, shape)) for p in flat]
    first = flat[0]
    keys, values = y.sparse()
    ref_keys, ref_values = _sparse(reference.reshape(-1)[first:first + 1], x_index, w_index)
    x_names, w_names = list(x_index), list(w_index)
    left: dict[tuple[str, ...], Any] = {}
    right: dict[tuple[str, ...], Any] = {}
    rational = True
    here = (keys // per) == first
    for k, coords in zip(keys[here] % per, values[here]):
        monomial = tuple(sorted((x_names[int(k) // len(w_index)],
                                 w_names[int(k) % len(w_index)])))
        value = Cyclotomic(m, [Fraction(int(c)) * y.scale for c in coords])
        left[monomial] = value.rational if value.rational is not None else value
        rational = rational and value.rational is not None
    for k, c in zip(ref_keys, ref_values):
        monomial = tuple(sorted((x_names[int(k) // len(w_index)],
                                 w_names[int(k) % len(w_index)])))
        right[monomial] = Fraction(c)
        left.setdefault(monomial, Fraction(0))
    for monomial in left:
        right.setdefault(monomial, Fraction(0))
    if rational:  # the engine's own comparison, witness and printing at this position
        one = prove_equal(np.array([Polynomial({k: v for k, v in left.items() if v})],
                                   dtype=object),
                          np.array([Polynomial({k: v for k, v in right.items() if v})],
                                   dtype=object))
        cex = one.counterexample
        assert cex is not None
        return dataclasses.replace(cex, left_shape=shape, right_shape=shape,
                                   differing=len(where), positions=tuple(where[:5]))
    diffs = tuple(sorted((mono, left[mono], right[mono]) for mono in left
                         if left[mono] != right[mono]))
    mono, lv, rv = next(d for d in diffs if isinstance(d[1], Cyclotomic))
    return Counterexample(shape, shape, len(where), tuple(where[:5]), diffs,
                          dict.fromkeys(mono, 1), lv, _plain(rv))


def _plain(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value
