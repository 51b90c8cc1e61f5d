"""The vectorised exact carrier: tensors of bilinear forms stored as flat integer arrays.

:class:`FormArray` runs the formulations of :mod:`symconv.forms` (and user numpy code built from
the operations in :mod:`symconv.vector.functions`) unchanged, storing each product as one
``int64`` key instead of a Python object, and :func:`prove_forms` compares two of them exactly.
:mod:`symconv.vector.chunks` proves a theorem on a layer in chunks of the weight, so memory
stays bounded at the size of real network layers.

>>> from symconv import ConvSpec
>>> from symconv.forms import correlate, im2col_matmul
>>> spec = ConvSpec((5, 5), (3, 3), in_channels=2, out_channels=3, padding=1)
>>> space = Space({"x": spec.input_shape, "w": spec.weight_shape})
>>> x, w = space_tensor(space, "x"), space_tensor(space, "w")
>>> proof = prove_forms(correlate(x, w, spec), im2col_matmul(x, w, spec))
>>> bool(proof), proof.products
(True, 1014)
"""

from . import contractions as _contractions  # noqa: F401  (registers the numpy operations)
from . import functions as _functions  # noqa: F401
from .array import FormArray, space_tensor
from .compare import prove_forms
from .space import Space, UnsupportedError

__all__ = ["FormArray", "Space", "UnsupportedError", "space_tensor", "prove_forms"]
