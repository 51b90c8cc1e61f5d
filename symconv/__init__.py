"""symconv: prove, exactly, that a convolution layer is an element-wise sum, a dot product and
an im2col matrix multiply, and that true convolution is correlation with a flipped kernel.

Contents: :class:`ConvSpec` (the layer and its shapes), symbolic tensors, the formulations,
the identity engine (:func:`prove_equal`), the theorem registry (:func:`prove`).
"""

from .engine import Counterexample, Proof, prove_equal
from .errors import NotExactError, SpecError, SymconvError
from .example import worked_example
from .forms import (
                    Im2colLayout,
                    convolve,
                    correlate,
                    elementwise_sum,
                    flattened_dot,
                    flip,
                    im2col,
                    im2col_matmul,
                    patches,
)
from .ring import Polynomial
from .spec import ConvSpec, PaddingMode, output_length
from .tensors import Backend, substitute, symbolic_input, symbolic_weight
from .theorems import DEFAULT_SPECS, Theorem, get_theorem, prove, theorems

__all__ = [
    "DEFAULT_SPECS", "Backend", "ConvSpec", "Counterexample", "Im2colLayout", "NotExactError",
    "PaddingMode", "Polynomial", "Proof", "SpecError", "SymconvError", "Theorem", "convolve",
    "correlate", "elementwise_sum", "flattened_dot", "flip", "get_theorem", "im2col",
    "im2col_matmul", "output_length", "patches", "prove", "prove_equal", "substitute",
    "symbolic_input", "symbolic_weight", "theorems", "worked_example",
]
