"""The cost model's measured constants: per carrier (:data:`COSTS`) and per theorem and kind of
work (:data:`WORK`), read by :mod:`symconv.resources`.

>>> COSTS["ring"].seconds_per_product < COSTS["sympy"].seconds_per_product
True
>>> WORK["prove"]["dot-equals-im2col"]  # the unit every other theorem is measured in
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Cost", "COSTS", "WORK", "BACKWARD_VERIFY", "DERIVE_VECTOR", "DERIVE_RING_ONLY",
           "DERIVE_ENTRY_COPIES", "DERIVE_INSTANCE_LIMIT", "GENERAL_PROOF_SECONDS"]


@dataclass(frozen=True)
class Cost:
    """What one carrier costs: per product of one two-formulation proof (``dot-equals-im2col``,
    both sides built and compared), and per entry of the input and weight tensors."""

    seconds_per_product: float
    bytes_per_product: float
    seconds_per_entry: float
    bytes_per_entry: float
    chunk_products: int | None = None  #: peak memory holds at most this many products at once


#: The cost model's carriers.  ``ring`` (Polynomial) and ``sympy``: measured on the 2-core
#: development machine (ring: 4.5-5.6 us and 190-230 B per product on 32x32..64x64 layers; sympy:
#: 330-460 us, ~2 kB).  ``vector``: measured on the ResNet-50 3x3 layer (113M products,
#: dot-equals-im2col: 2-5 s by load, one process): 4.5e-8 s and ~60 B per product of a chunk, two
#: worker processes with chunks of 8M products each, so the peak holds ~16M products.
#: ``numeric`` (verify's random trials, convert's check): seconds per product per trial, and
#: bytes per im2col matrix entry (float64 copies), per entry of x, w and the output (float64 and
#: int64 copies).
COSTS: dict[str, Cost] = {
    "ring": Cost(5.0e-6, 215.0, 5.0e-6, 400.0),
    "sympy": Cost(4.5e-4, 2000.0, 6.5e-6, 270.0),
    "vector": Cost(4.5e-8, 60.0, 2e-8, 16.0, chunk_products=16_000_000),
    "numeric": Cost(3.5e-9, 24.0, 1e-8, 64.0),
}

#: Work per theorem as multiples of one ``dot-equals-im2col`` proof: ``(time, memory)``,
#: measured on the ring carrier.  ``derive`` builds the whole output by symbolic execution and
#: evaluates every printed matrix product entry by entry; ``verify`` (exact) runs the function
#: and the spec on symbols, then the numeric cross-check.
WORK: dict[str, dict[str, tuple[float, float]]] = {
    "prove": {
        "definition-equals-elementwise": (1.7, 2.2),
        "elementwise-equals-dot": (1.25, 1.9),
        "dot-equals-im2col": (1.0, 1.0),
        "dot-equals-im2col-batch-fastest": (1.05, 1.0),
        "all-formulations-agree": (3.8, 3.6),
        "convolution-is-flipped-correlation": (1.5, 1.05),
        "flip-is-involution": (0.0, 0.0),
        "output-size": (0.0, 0.0),
        # ring carrier (degree-3 sides), 20x20 4->4 3x3 layer, against dot-equals-im2col
        "transposed-is-adjoint": (2.6, 2.9),
        "transposed-is-zero-insertion": (1.6, 1.15),
        "col2im-is-adjoint-of-im2col": (0.8, 1.3),
        "input-gradient-is-transposed-convolution": (3.1, 2.7),
        "weight-gradient-is-correlation": (3.1, 2.8),
    },
    "derive": {
        "definition-equals-elementwise": (3.1, 2.75),
        "elementwise-equals-dot": (2.9, 2.75),
        "dot-equals-im2col": (5.0, 2.8),
        "dot-equals-im2col-batch-fastest": (5.2, 2.8),
        "all-formulations-agree": (5.2, 2.8),
        "convolution-is-flipped-correlation": (11.0, 3.25),
        "flip-is-involution": (0.0, 0.0),
        "output-size": (0.0, 0.0),
        # the backward pages (symconv.latex.backward): always the ring carrier (degree 3);
        # the maximum over 2.3k, 7k and 17k products
        "transposed-is-adjoint": (21.0, 1.0),
        "transposed-is-zero-insertion": (31.0, 3.0),
        "col2im-is-adjoint-of-im2col": (22.0, 9.0),
        "input-gradient-is-transposed-convolution": (26.0, 2.0),
        "weight-gradient-is-correlation": (27.0, 2.0),
    },
    "verify": {"exact": (2.0, 1.8)},
}

#: Derivations that stay on the ring carrier at every size (the backward pages: degree 3).
DERIVE_RING_ONLY = frozenset(("transposed-is-adjoint", "transposed-is-zero-insertion",
                              "col2im-is-adjoint-of-im2col",
                              "input-gradient-is-transposed-convolution",
                              "weight-gradient-is-correlation"))
#: A derivation on the vector carrier: seconds and bytes per product, fixed bytes (sympy, startup).
DERIVE_VECTOR = (4.5e-7, 55.0, 80 * 2 ** 20)
#: Tensor entries a derivation builds per input/weight entry (engine, display and padded copies).
DERIVE_ENTRY_COPIES = 3
#: Above this many products a derivation proves the theorem for every size (symconv.latex).
DERIVE_INSTANCE_LIMIT = 20_000
#: Seconds of the every-size proof a large derivation cites.
GENERAL_PROOF_SECONDS = 1.0
#: Exact verify of a backward kind on the vector carrier against a forward one: (time, memory)
#: factors, measured on ResNet-50's 3x3 layer (CORRECT dx 30-38 s and 1.1 GB against 16 s and
#: 0.63 GB forward); a WRONG verdict (naming the mistake) takes about twice as long again
BACKWARD_VERIFY = (2.0, 1.8)

