"""symconv: prove, exactly, that a convolution layer is an element-wise sum, a dot product and
an im2col matrix multiply, and that true convolution is correlation with a flipped kernel.

Contents: :class:`ConvSpec` (the layer and its shapes), symbolic tensors, the formulations,
the identity engine (:func:`prove_equal`), the theorem registry (:func:`prove`), proofs for
every size (:func:`prove_general`), LaTeX derivations (:func:`derive`), checks of anyone's
convolution code (:func:`verify`), fast numeric paths (:mod:`symconv.numeric`) and other
libraries' conventions (:func:`translate`).
"""

from . import numeric
from .conventions import PADDING_NAMES, Translation, translate
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
from .general import GeneralProof, prove_general
from .latex import Derivation, DerivationError, Names, Step, UnsafeNameError, derive
from .matrices import SympyMatrices, sympy_matrices
from .ring import Polynomial
from .spec import ConvSpec, PaddingMode, output_length
from .tensors import Backend, substitute, symbolic_input, symbolic_weight
from .theorems import DEFAULT_SPECS, Theorem, get_theorem, prove, theorems
from .torch_layers import specs_from_module
from .verification import Mistake, MistakeKind, Verdict, draw_verdict, verify

__all__ = [
    # layer description and errors
    "ConvSpec", "PaddingMode", "output_length", "SymconvError", "SpecError", "NotExactError",
    "specs_from_module",
    # symbolic tensors and the exact carrier
    "Backend", "Polynomial", "symbolic_input", "symbolic_weight", "substitute",
    # formulations
    "Im2colLayout", "correlate", "convolve", "elementwise_sum", "flattened_dot", "flip", "im2col",
    "im2col_matmul", "patches",
    # the same as sympy.Matrix objects, for sympy's matrix algebra
    "SympyMatrices", "sympy_matrices",
    # proofs: engine, theorems on instances, theorems for every size
    "Counterexample", "Proof", "prove_equal", "DEFAULT_SPECS", "Theorem", "get_theorem", "prove",
    "theorems", "GeneralProof", "prove_general", "worked_example",
    # derivations (LaTeX)
    "Derivation", "DerivationError", "Names", "Step", "UnsafeNameError", "derive",
    # checking other people's code
    "Mistake", "MistakeKind", "Verdict", "verify", "draw_verdict",
    # numbers and other libraries' conventions
    "numeric", "PADDING_NAMES", "Translation", "translate",
]


def __getattr__(name: str) -> str:
    """``symconv.__version__``, read from the installed package metadata (its one source,
    ``pyproject.toml``) when first asked, so that ``import symconv`` does not pay for it."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("symconv")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
