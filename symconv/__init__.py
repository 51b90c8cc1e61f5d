"""symconv: prove, exactly, that a convolution layer is an element-wise sum, a dot product and
an im2col matrix multiply, and that true convolution is correlation with a flipped kernel.

Contents: :class:`ConvSpec` (the layer and its shapes), symbolic tensors, the formulations,
the identity engine (:func:`prove_equal`), the theorem registry (:func:`prove`), proofs for
every size (:func:`prove_general`), LaTeX derivations (:func:`derive`), checks of anyone's
convolution code (:func:`verify`), fast numeric paths (:mod:`symconv.numeric`) and other
libraries' conventions (:func:`translate`).

The sympy-based parts (:mod:`symconv.general`, :mod:`symconv.latex`, :mod:`symconv.matrices`)
load when one of their names is first used (``from symconv import derive`` works as ever), so
``import symconv`` does not pay for sympy; every submodule is also an attribute
(``symconv.latex``), loaded on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from . import numeric
from .adjoint import col2im, conv_transpose, input_gradient, weight_gradient, zero_insert
from .adjoint_theorems import (
    ADJOINT_THEOREMS,
    col2im_theorem,
    gradient,
    transposed_by_zero_insertion,
    zero_insertion_theorem,
)
from .conventions import PADDING_NAMES, Translation, translate
from .display import to_html, to_markdown
from .engine import Counterexample, Proof, prove_equal
from .errors import NotExactError, ResourceError, SpecError, SymconvError
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
from .fourier import FFT_THEOREMS, FFTTheorem, prove_fft
from .networks import Layer, distinct_layers, layer_products, network_layers, network_names
from .progress import QUIET, Progress
from .resources import Estimate, estimate, guard
from .ring import Polynomial
from .spec import ConvSpec, PaddingMode, output_length
from .tensors import Backend, substitute, symbolic_input, symbolic_weight
from .theorem import not_applicable
from .theorems import DEFAULT_SPECS, Theorem, get_theorem, prove, theorem_names
from .torch_layers import module_function, specs_from_module
from .verification import (
    Mistake,
    MistakeKind,
    Verdict,
    VerdictPicture,
    draw_verdict,
    verdict_picture,
    verify,
)

if TYPE_CHECKING:  # loaded on first use by __getattr__ below; here for type checkers
    from .general import GeneralProof, prove_general
    from .latex import Derivation, DerivationError, Names, Step, UnsafeNameError, derive
    from .matrices import SympyMatrices, sympy_matrices
    from .winograd import (
        WinogradProof,
        convolution_transforms,
        prove_winograd,
        winograd_conv,
        winograd_transforms,
    )

#: Public names that live in sympy-based modules, imported from there when first asked for.
_LAZY = {
    **dict.fromkeys(("GeneralProof", "prove_general"), "general"),
    **dict.fromkeys(("Derivation", "DerivationError", "Names", "Step", "UnsafeNameError",
                     "derive"), "latex"),
    **dict.fromkeys(("SympyMatrices", "sympy_matrices"), "matrices"),
    **dict.fromkeys(("winograd_transforms", "convolution_transforms", "prove_winograd",
                     "WinogradProof", "winograd_conv"), "winograd"),
}

__all__ = [
    # layer description and errors
    "ConvSpec", "PaddingMode", "output_length", "SymconvError", "SpecError", "NotExactError",
    "specs_from_module", "module_function",
    # whole networks (torchvision's architectures) as ConvSpecs
    "Layer", "network_names", "network_layers", "distinct_layers", "layer_products",
    # symbolic tensors and the exact carrier
    "Backend", "Polynomial", "symbolic_input", "symbolic_weight", "substitute",
    # formulations
    "Im2colLayout", "correlate", "convolve", "elementwise_sum", "flattened_dot", "flip", "im2col",
    "im2col_matmul", "patches",
    # the backward pass: transposed convolution, col2im, gradients, and their theorems (instances)
    "conv_transpose", "col2im", "zero_insert", "input_gradient", "weight_gradient", "gradient",
    "ADJOINT_THEOREMS", "zero_insertion_theorem", "col2im_theorem", "transposed_by_zero_insertion",
    # Winograd minimal filtering: exact transforms (sympy.Matrix), proofs, the tiled algorithm
    "winograd_transforms", "convolution_transforms", "prove_winograd", "WinogradProof",
    "winograd_conv",
    # FFT convolution: theorems proved exactly in the cyclotomic field (symconv.fourier)
    "FFT_THEOREMS", "FFTTheorem", "prove_fft",
    # the same as sympy.Matrix objects, for sympy's matrix algebra
    "SympyMatrices", "sympy_matrices",
    # proofs: engine, theorems on instances, theorems for every size
    "Counterexample", "Proof", "prove_equal", "DEFAULT_SPECS", "Theorem", "not_applicable",
    "get_theorem", "prove",
    "theorem_names", "GeneralProof", "prove_general", "worked_example",
    # derivations (LaTeX)
    "Derivation", "DerivationError", "Names", "Step", "UnsafeNameError", "derive",
    # checking other people's code
    "Mistake", "MistakeKind", "Verdict", "verify", "draw_verdict", "verdict_picture",
    "VerdictPicture",
    # rich displays (what Jupyter shows)
    "to_markdown", "to_html",
    # numbers and other libraries' conventions
    "numeric", "PADDING_NAMES", "Translation", "translate",
    # progress bars for long runs
    "Progress", "QUIET",
    # resource guards: estimates before any work, refusals above the limits
    "ResourceError", "Estimate", "estimate", "guard",
]


def __getattr__(name: str) -> Any:
    """Names loaded on first use: the sympy-based public names (:data:`_LAZY`), submodules
    (``symconv.latex``) and ``symconv.__version__``, read from the installed package metadata
    (its one source, ``pyproject.toml``), so that ``import symconv`` does not pay for them."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    if (name.isidentifier() and not name.startswith("_")
            and importlib.util.find_spec(f"{__name__}.{name}") is not None):
        return importlib.import_module(f".{name}", __name__)  # binds symconv.<name> itself
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("symconv")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Module attributes plus every public name, loaded or not (for ``dir()`` and completion)."""
    return sorted(set(globals()) | set(__all__))
