"""Resource guards: estimate products, time and memory from a ConvSpec before building anything,
and refuse at once (one line, the estimate and the alternatives) what would not finish.

>>> from symconv import ConvSpec
>>> small = estimate(ConvSpec((5, 5), (3, 3)), "prove", theorem="dot-equals-im2col",
...                  backend="ring")
>>> small.products, small.carrier
(81, 'ring')
>>> huge = ConvSpec((100_000, 100_000), (3, 3))
>>> print(estimate(huge, theorem="dot-equals-im2col", backend="ring"))
9.0e10 products, ~6 days, ~21 TiB
>>> guard(huge, theorem="dot-equals-im2col", backend="ring")
Traceback (most recent call last):
...
symconv.errors.ResourceError: layer: prove dot-equals-im2col on 100000x100000 * 3x3 is too big: ...
>>> guard(huge, theorem="output-size").seconds  # needs no tensor: never refused
0.0

Every constant of the cost model is in :data:`COSTS` (per carrier) and :data:`WORK` (per theorem
and kind of work); the limits come from the arguments, else the environment variables
``SYMCONV_MAX_SECONDS`` / ``SYMCONV_MAX_MEMORY``, else :data:`DEFAULT_MAX_SECONDS` and
:func:`default_max_bytes`.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .costs import (
    BACKWARD_VERIFY,
    COSTS,
    DERIVE_ENTRY_COPIES,
    DERIVE_INSTANCE_LIMIT,
    DERIVE_RING_ONLY,
    DERIVE_VECTOR,
    GENERAL_PROOF_SECONDS,
    WORK,
)
from .errors import ResourceError, SymconvError
from .spec import ConvSpec

__all__ = ["Estimate", "estimate", "guard", "limits", "limited", "parse_seconds",
           "parse_memory", "default_max_bytes", "COSTS", "WORK", "DEFAULT_MAX_SECONDS"]

WORKS = ("prove", "derive", "verify", "convert")
GiB = 2 ** 30


DEFAULT_MAX_SECONDS = 900.0
UNLIMITED_BYTES = 2 ** 63
_UNLIMITED = ("inf", "none", "off", "unlimited")


@dataclass(frozen=True)
class Estimate:
    """Predicted cost of one piece of work: products of one formulation, wall time, peak memory,
    and the carrier that would run (``vector``, ``ring``, ``sympy``, or ``numeric`` for random
    integer trials).

    >>> print(Estimate(3_200_000_000, 2460.0, 640 * 2**30, "ring"))
    3.2e9 products, ~41 min, ~640 GiB
    """

    products: int
    seconds: float
    bytes: int
    carrier: str

    def __str__(self) -> str:
        return f"{_count(self.products)} products, ~{_duration(self.seconds)}, ~{_size(self.bytes)}"


def _count(n: int) -> str:
    if n < 100_000:
        return str(n)
    exponent = len(str(n)) - 1
    mantissa = round(n / 10 ** exponent, 1)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f}e{exponent}"


def _duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "no limit"
    for limit, unit, scale in ((10, "s", 1), (120, "s", 1), (7200, "min", 60),
                               (172_800, "h", 3600)):
        if seconds < limit:
            value = seconds / scale
            return f"{value:.1f} {unit}" if limit == 10 or unit == "h" else f"{value:.0f} {unit}"
    return f"{seconds / 86400:.0f} days"


def _size(n: float) -> str:
    if n >= UNLIMITED_BYTES:
        return "no limit"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if n >= 10 or unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


#: ``backend='auto'`` proves at least this many products on the vector carrier (as
#: :func:`symconv.theorems.prove` chooses), fewer on the ring.
AUTO_VECTOR_PRODUCTS = 20_000


def _carrier(backend: Any, products: int) -> str:
    """The carrier ``backend`` names; ``auto`` is ``vector`` for large proofs when
    :mod:`symconv.vector` exists, else ``ring``."""
    name = str(getattr(backend, "value", backend)).lower()
    if name == "auto":
        vector = products >= AUTO_VECTOR_PRODUCTS and \
            importlib.util.find_spec("symconv.vector") is not None
        return "vector" if vector else "ring"
    if name not in ("vector", "ring", "sympy"):
        raise SymconvError(f"backend: expected auto, vector, ring or sympy, got {backend!r}")
    return name


def _theorems(work: str, theorem: str | None) -> list[str]:
    table = WORK["prove"]
    if theorem is None:
        if work == "derive":
            raise SymconvError("theorem: derive needs a theorem name (or 'example'), got None")
        return list(table)
    if theorem in table or (work == "derive" and theorem == "example"):
        return [theorem]
    from .theorems import get_theorem
    get_theorem(theorem)  # raises with the closest names
    return ["all-formulations-agree"]  # registered without a cost model: costed as the dearest


def estimate(spec: ConvSpec, work: str = "prove", *, theorem: str | None = None,
             backend: str = "auto", method: str = "auto",
             max_symbolic_products: int = 200_000, trials: int = 8, kind: str = "correlation",
             **fft: Any) -> Estimate:
    """Predict products, wall time and peak memory of ``work`` on ``spec`` (arithmetic only).

    ``work`` is ``prove``, ``derive``, ``verify`` or ``convert``; ``theorem`` the theorem of
    prove (None: every theorem, one after another) or derive (a theorem or ``'example'``);
    ``backend`` the carrier of prove (``auto``, ``vector``, ``ring``, ``sympy``); ``method``,
    ``max_symbolic_products``, ``trials`` and ``kind`` as :func:`symconv.verify` takes them; ``fft``
    (``size``, ``algorithm``) for the FFT theorems (:mod:`symconv.fourier.cost`).

    >>> from symconv import ConvSpec
    >>> e = estimate(ConvSpec((32, 32), (3, 3), in_channels=3, out_channels=8), "verify")
    >>> e.products, e.carrier
    (194400, 'ring')
    >>> estimate(ConvSpec((512, 512), (3, 3)), "verify").carrier  # above 200k: random trials
    'numeric'
    """
    if not isinstance(spec, ConvSpec):
        raise SymconvError(f"spec: expected a ConvSpec, got {type(spec).__name__}; e.g. "
                           "ConvSpec((5, 5), (3, 3))")
    if work not in WORKS:
        raise SymconvError(f"work: expected one of {', '.join(WORKS)}, got {work!r}")
    if work == "prove" and str(theorem).startswith("fft-"):
        from .fourier.cost import estimate_fft
        return estimate_fft(str(theorem), spec, **fft)
    if fft:
        raise SymconvError(f"options: {', '.join(fft)} apply to the fft-* theorems only")
    products = spec.products_per_output * math.prod(spec.output_shape)
    entries = math.prod(spec.input_shape) + math.prod(spec.weight_shape)
    if work == "convert":
        return _numeric(spec, products, entries, trials=2)
    if work == "verify":
        exact = method == "exact" or (method == "auto" and products <= max_symbolic_products)
        if not exact:
            return _numeric(spec, products, entries, trials=trials)
        numeric = _numeric(spec, products, entries, trials=2)
        if products > 200_000 and method == "auto":  # the vector carrier, else numbers (method
            # exact may fall back to polynomial entries); measured on ResNet-50's 3x3 layer,
            # 113M products: 16 s and 0.63 GB in chunks of 4M products
            held = min(products, 1 << 22)
            t, m = BACKWARD_VERIFY if kind in ("input-gradient", "weight-gradient",
                                               "transposed") else (1.0, 1.0)
            return Estimate(products, products * 1.5e-7 * t + numeric.seconds,
                            int(held * 150 * m + entries * 64 + numeric.bytes), "vector")
        c, (t, m) = COSTS["ring"], WORK["verify"]["exact"]
        return Estimate(products, products * c.seconds_per_product * t + entries *
                        c.seconds_per_entry + numeric.seconds,
                        int(products * c.bytes_per_product * m + entries * c.bytes_per_entry +
                            numeric.bytes), "ring")
    names = _theorems(work, theorem)
    if work == "derive":
        return _derive(spec, names[0], products, entries)
    carrier = _carrier(backend, products)
    if names == ["output-size"]:  # compares the size formula with a count: no tensor at all
        return Estimate(products, 0.0, 0, carrier)
    c = COSTS[carrier]
    held = products if c.chunk_products is None else min(products, c.chunk_products)
    time_factor = sum(WORK["prove"][n][0] for n in names)
    memory_factor = max(WORK["prove"][n][1] for n in names)
    return Estimate(products,
                    products * c.seconds_per_product * time_factor + entries * c.seconds_per_entry,
                    int(held * c.bytes_per_product * memory_factor + entries * c.bytes_per_entry),
                    carrier)


def _numeric(spec: ConvSpec, products: int, entries: int, trials: int) -> Estimate:
    """Random integer trials: the im2col matrix and float64/int64 copies of x, w and output."""
    c = COSTS["numeric"]
    columns = products * spec.groups // spec.out_channels  # entries of the im2col matrix
    tensors = entries + math.prod(spec.output_shape)
    return Estimate(products,
                    trials * (products * c.seconds_per_product + tensors * c.seconds_per_entry),
                    int(columns * c.bytes_per_product + tensors * c.bytes_per_entry), "numeric")


def _derive(spec: ConvSpec, name: str, products: int, entries: int) -> Estimate:
    """A derivation: ring tensors for the printed pages, the theorem proved on the layer (small
    layers, padding modes other than zeros) or cited for every size."""
    if name == "example":  # the fixed 5x5 * 3x3 worked example
        return Estimate(products, 0.5, 64 * 2 ** 20, "ring")
    if products >= AUTO_VECTOR_PRODUCTS and name not in DERIVE_RING_ONLY and \
            importlib.util.find_spec("symconv.vector"):
        # symconv.latex builds large layers on the vector carrier: measured 0.2-0.4 us and
        # ~50 B per product (32x32 C=3 F=16 5x5: 1.5 s, 120 MB; 56x56 C=64 F=64: 46 s, 5.5 GB)
        return Estimate(products, 0.5 + products * DERIVE_VECTOR[0],
                        int(DERIVE_VECTOR[2] + products * DERIVE_VECTOR[1]), "vector")
    c = COSTS["ring"]
    t, m = WORK["derive"][name]
    seconds = products * c.seconds_per_product * t + \
        DERIVE_ENTRY_COPIES * entries * c.seconds_per_entry
    peak = products * c.bytes_per_product * m + DERIVE_ENTRY_COPIES * entries * c.bytes_per_entry
    if products <= DERIVE_INSTANCE_LIMIT or spec.padding_mode.value != "zeros":
        pt, pm = WORK["prove"][name]
        seconds += products * c.seconds_per_product * pt
        peak += products * c.bytes_per_product * pm
    else:
        seconds += GENERAL_PROOF_SECONDS
    return Estimate(products, seconds, int(peak), "ring")


_SECONDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|m|min|h)?$", re.IGNORECASE)
_MEMORY = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?b)?$", re.IGNORECASE)


def parse_seconds(field: str, text: str) -> float:
    """``'900'``, ``'90s'``, ``'15m'``, ``'2h'`` -> seconds; ``'inf'`` or ``'none'``: no limit.

    >>> parse_seconds("--max-seconds", "15m"), parse_seconds("--max-seconds", "none")
    (900.0, inf)
    """
    text = str(text).strip()
    if text.lower() in _UNLIMITED:
        return math.inf
    match = _SECONDS.match(text)
    value = float(match.group(1)) if match else 0.0
    if not match or value <= 0:
        raise SymconvError(f"{field}: expected a positive number of seconds (900, 90s, 15m, "
                           f"2h) or 'none', got {text!r}; e.g. {field} 600")
    unit = (match.group(2) or "s").lower()
    return value * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]


def parse_memory(field: str, text: str) -> int:
    """``'4G'``, ``'512M'``, ``'8GiB'``, ``'1000000'`` (bytes) -> bytes (K, M, G, T are powers
    of 1024); ``'inf'`` or ``'none'``: no limit.

    >>> parse_memory("--max-memory", "4G"), parse_memory("--max-memory", "1.5k")
    (4294967296, 1536)
    """
    text = str(text).strip()
    if text.lower() in _UNLIMITED:
        return UNLIMITED_BYTES
    match = _MEMORY.match(text)
    value = float(match.group(1)) if match else 0.0
    if not match or value <= 0:
        raise SymconvError(f"{field}: expected a positive size like 4G, 512M or 8GiB (or "
                           f"'none'), got {text!r}; e.g. {field} 4G")
    return int(value * 1024 ** "bkmgt".index((match.group(2) or "b").lower()))


def default_max_bytes() -> int:
    """The default memory limit: 8 GiB, or half the physical memory when that is less.

    >>> 0 < default_max_bytes() <= 8 * 2**30
    True
    """
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return 8 * GiB
    return min(8 * GiB, physical // 2) if physical > 0 else 8 * GiB


_LIMITS: contextvars.ContextVar[tuple[float | None, int | None]] = contextvars.ContextVar(
    "symconv_limits", default=(None, None))


@contextlib.contextmanager
def limited(max_seconds: float | None = None, max_bytes: int | None = None) -> Iterator[None]:
    """Within the block, every :func:`guard` that is not given limits uses these (None: the
    environment variable or the default), also guards deep inside the library, such as the one
    :func:`symconv.theorems.prove` calls.

    >>> with limited(max_seconds=60):
    ...     limits()[0]
    60.0
    """
    token = _LIMITS.set((max_seconds, max_bytes))
    try:
        yield
    finally:
        _LIMITS.reset(token)


def limits(max_seconds: float | None = None, max_bytes: int | None = None
           ) -> tuple[float, int]:
    """``(max_seconds, max_bytes)``: the arguments, else those of an enclosing
    :func:`limited`, else ``SYMCONV_MAX_SECONDS`` and ``SYMCONV_MAX_MEMORY``, else 900 s and
    :func:`default_max_bytes`.

    >>> limits(60, 2**30)
    (60.0, 1073741824)
    """
    outer_seconds, outer_bytes = _LIMITS.get()
    max_seconds = outer_seconds if max_seconds is None else max_seconds
    max_bytes = outer_bytes if max_bytes is None else max_bytes
    if max_seconds is None:
        env = os.environ.get("SYMCONV_MAX_SECONDS")
        max_seconds = DEFAULT_MAX_SECONDS if env is None else parse_seconds(
            "SYMCONV_MAX_SECONDS", env)
    if max_bytes is None:
        env = os.environ.get("SYMCONV_MAX_MEMORY")
        max_bytes = default_max_bytes() if env is None else parse_memory(
            "SYMCONV_MAX_MEMORY", env)
    if not max_seconds > 0 or max_bytes <= 0:
        raise SymconvError(f"limits: expected max_seconds > 0 and max_bytes > 0, got "
                           f"{max_seconds!r} and {max_bytes!r}; pass None for the defaults")
    return float(max_seconds), int(max_bytes)


def _alternatives(work: str, theorem: str | None, est: Estimate) -> str:
    if work == "prove" and str(theorem).startswith("fft-"):
        return "use a smaller layer (the exact proof holds m = lcm(N) coefficients per product)"
    if work == "prove":
        return "use a smaller layer, or --all-sizes (every size at once, no tensor)"
    if work == "derive":
        return (f"use a smaller layer, or symconv prove {theorem} --all-sizes (every size at "
                "once, no tensor)")
    if work == "verify":
        if est.carrier == "numeric":
            return "use fewer --trials or a smaller layer"
        return "use --method randomized (random integer trials, no symbols) or a smaller layer"
    return "use a smaller layer (the check runs the layer on random integers)"


def guard(spec: ConvSpec, work: str = "prove", *, theorem: str | None = None,
          backend: str = "auto", max_seconds: float | None = None,
          max_bytes: int | None = None, **options: Any) -> Estimate:
    """The :func:`estimate` of ``work`` on ``spec`` if it fits the :func:`limits`; otherwise
    raise :class:`~symconv.errors.ResourceError` with the estimate, the limit and the
    alternatives, on one line.  ``output-size`` needs no tensor and is never refused.
    ``options`` (``method``, ``max_symbolic_products``, ``trials``) go to :func:`estimate`.

    >>> from symconv import ConvSpec
    >>> guard(ConvSpec((5, 5), (3, 3)), "derive", theorem="dot-equals-im2col").carrier
    'ring'
    >>> guard(ConvSpec((512, 512), (3, 3)), "verify", method="exact", max_seconds=1)
    Traceback (most recent call last):
    ...
    symconv.errors.ResourceError: layer: verify on 512x512 * 3x3 is too big: ... randomized ...
    """
    est = estimate(spec, work, theorem=theorem, backend=backend, **options)
    if work == "prove" and theorem == "output-size":
        return est
    seconds, memory = limits(max_seconds, max_bytes)
    over = []
    if est.seconds > seconds:
        over.append(f"the time limit {_duration(seconds)} (--max-seconds, SYMCONV_MAX_SECONDS)")
    if est.bytes > memory:
        over.append(f"the memory limit {_size(memory)} (--max-memory, SYMCONV_MAX_MEMORY)")
    if over:
        what = work if work in ("verify", "convert") else \
            f"{work} {theorem or 'every theorem'}"
        raise ResourceError(f"layer: {what} on {spec.describe()} is too big: estimated {est} "
                            f"on the {est.carrier} carrier, above {' and '.join(over)}; "
                            f"{_alternatives(work, theorem, est)}")
    return est
