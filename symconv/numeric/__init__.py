"""Fast numeric convolution in numpy: direct, im2col + GEMM and FFT paths, and the transpose.

:func:`conv` is PyTorch's ``conv{1,2,3}d`` (cross-correlation) for every :class:`ConvSpec`
option, padding modes included; :func:`conv_transpose` is ``conv_transpose{1,2,3}d``.  Layouts
are PyTorch's.  Integer inputs give exact integer results (``int64`` when the magnitudes allow,
Python integers otherwise); float inputs keep their dtype.  The test suite checks every path
against ``torch.nn.functional`` and ``scipy.signal`` within :func:`error_bound`.

>>> import numpy as np
>>> from symconv import ConvSpec
>>> spec = ConvSpec((5, 5), (3, 3))
>>> image = np.array([[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]])
>>> kernel = np.array([[1,0,1],[0,1,0],[1,0,1]])
>>> conv(image[None, None], kernel[None, None], spec, method="fft")[0, 0]
array([[4, 3, 4],
       [2, 4, 3],
       [2, 3, 4]])
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ..errors import SpecError
from ..forms import check_operands, pad
from ..spec import ConvSpec, PaddingMode
from . import _paths, _winograd
from ._exact import FFT_ROUNDING_LIMIT, Arithmetic, arithmetic_of, error_bound

__all__ = ["Method", "conv", "conv_transpose", "choose_method", "error_bound"]


class Method(str, enum.Enum):
    """A numeric path; ``AUTO`` lets :func:`choose_method` pick by shape."""

    AUTO = "auto"
    DIRECT = "direct"  #: a channel GEMM per kernel tap, accumulated
    IM2COL = "im2col"  #: receptive fields copied into columns, one GEMM per group
    FFT = "fft"  #: spectra multiplied and summed over channels
    WINOGRAD = "winograd"  #: tiled F(m, r), batched GEMMs in the transformed domain (floats)


def _method(method: Method | str) -> Method:
    try:
        return Method(method)
    except ValueError:
        raise SpecError(f"method: expected one of {', '.join(m.value for m in Method)}, got "
                        f"{method!r}; use method='auto'") from None


def choose_method(spec: ConvSpec) -> Method:
    """The path ``method='auto'`` takes for a spec (float inputs).

    The rule comes from a sweep timed like ``benchmarks/numeric.py --methods`` (float32, one
    thread): a 1x1 kernel is a plain GEMM (direct); the FFT needs stride 1, at least 49 taps and
    few channels, ``C/G * F/G <= taps / 2`` (224x224 single channel: 7x7 0.64 ms vs im2col
    0.79 ms, 11x11 0.64 vs 1.84; but 3->16 channels 7x7: FFT 12 ms vs im2col 4 ms, and 5x5
    never wins); a 2-D 3x3 stride-1 layer with at least 32 channels in and out per group and
    at least 32 tiles of 4x4 outputs in the batch goes to Winograd F(mxm, 3x3) (one thread, CPU
    time: 56x56x64 batch 1 2.0 ms vs im2col 3.1, 28x28x128 batch 8 11.9 vs 20.6, 7x7x512 batch
    8 20 vs 27; but 7x7x512 batch 1, 4 tiles, 6.3 vs 3.5: the transformed filters cost
    more than they save; 32x32x16 batch 8 1.3 vs 1.3); everything else goes to im2col, one
    GEMM per sample and group.

    >>> choose_method(ConvSpec((56, 56), (3, 3), in_channels=64, out_channels=64)).value
    'winograd'
    >>> choose_method(ConvSpec((7, 7), (3, 3), in_channels=512, out_channels=512)).value
    'im2col'
    >>> choose_method(ConvSpec((224, 224), (11, 11))).value
    'fft'
    >>> choose_method(ConvSpec((56, 56), (1, 1), in_channels=256, out_channels=64)).value
    'direct'
    """
    taps = math.prod(spec.kernel_size)
    if taps == 1:
        return Method.DIRECT
    channels = spec.group_in_channels * spec.group_out_channels
    stride_one = all(s == 1 for s in spec.stride)
    if stride_one and taps >= 49 and 2 * channels <= taps:
        return Method.FFT
    if (stride_one and spec.rank == 2 and spec.kernel_size == (3, 3)
            and all(d == 1 for d in spec.dilation)
            and min(spec.group_in_channels, spec.group_out_channels) >= WINOGRAD_MIN_CHANNELS
            and spec.batch * math.prod(-(-o // 4) for o in spec.output_size)
            >= WINOGRAD_MIN_TILES):
        return Method.WINOGRAD
    return Method.IM2COL


#: ``auto`` takes Winograd from this many channels per group (in and out) ...
WINOGRAD_MIN_CHANNELS = 32
#: ... and this many 4x4 output tiles in the batch (the filter transform must pay for itself).
WINOGRAD_MIN_TILES = 32


def _prepare(x: np.ndarray, w: np.ndarray, reduction: int) -> tuple[np.ndarray, np.ndarray,
                                                                   Arithmetic, np.dtype]:
    arith, dtype = arithmetic_of(x, w, reduction)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), arith, dtype


def _fft_rounds_exactly(x: np.ndarray, w: np.ndarray, spec: ConvSpec, transposed: bool) -> bool:
    return error_bound(x, w, spec, np.float64, transposed=transposed) < FFT_ROUNDING_LIMIT


def conv(x: np.ndarray, w: np.ndarray, spec: ConvSpec,
         method: Method | str = Method.AUTO) -> np.ndarray:
    """PyTorch's ``conv{1,2,3}d`` of ``x (N, C, *in)`` with ``w (F, C/G, *k)``: ``(N, F, *out)``.

    ``method`` is ``'direct'``, ``'im2col'``, ``'fft'``, ``'winograd'`` or ``'auto'``
    (:func:`choose_method`).  Padding uses ``spec.padding_mode``.  Integer inputs: exact; the FFT
    path rounds its float64 result only when :func:`error_bound` is below 1/4 and otherwise takes
    the exact im2col path, and ``'winograd'`` (rank 1-2, stride 1, dilation 1, at most 5 taps per
    axis; other layers are refused) runs on floats only, integers taking the exact im2col path.
    Winograd's transforms amplify rounding (float32 F(4x4, 3x3): max error about 6e-6 of the
    largest output, some 40x the direct path's, see ``benchmarks/winograd_error.py``), which
    :func:`error_bound` does not cover; ``'auto'`` takes it for float32 (and narrower) inputs
    only, so float64 results (exact on integer-valued data) keep their accuracy.

    >>> spec = ConvSpec((4,), (2,), stride=2, padding=1, padding_mode="circular")
    >>> conv(np.array([[[1, 2, 3, 4]]]), np.array([[[10, 1]]]), spec, "direct")
    array([[[41, 23, 41]]])
    """
    x, w = check_operands(x, w, spec)
    choice = _method(method)
    x, w, arith, dtype = _prepare(x, w, spec.products_per_output)
    if choice is Method.AUTO:
        choice = choose_method(spec)
        if choice is Method.WINOGRAD and np.dtype(dtype).itemsize > 4:
            choice = Method.IM2COL  # float64 asked for accuracy: auto trades it only in float32
    if choice is Method.FFT and arith is not Arithmetic.FLOAT:
        if arith is Arithmetic.INT64 and _fft_rounds_exactly(x, w, spec, transposed=False):
            return np.rint(_paths.fft(pad(x, spec), w, spec, np.dtype(np.float64))).astype(dtype)
        choice = Method.IM2COL  # exactness first: the float64 FFT could round wrongly
    if choice is Method.WINOGRAD:
        _winograd.check_spec(spec)
        if arith is Arithmetic.FLOAT:
            return _winograd.winograd(x, w, spec, dtype)
        choice = Method.IM2COL  # exactness first: the transforms' rationals would round
    if choice is Method.FFT:
        return _paths.fft(pad(x, spec), w, spec, dtype)
    if choice is Method.DIRECT:
        return _paths.direct(pad(x, spec), w, spec, dtype)
    return _paths.im2col_gemm(x, w, spec, dtype)


def conv_transpose(y: np.ndarray, w: np.ndarray, spec: ConvSpec, output_padding: object = None,
                   method: Method | str = Method.AUTO) -> np.ndarray:
    """PyTorch's ``conv_transpose{1,2,3}d`` of the layer ``spec`` describes (its adjoint).

    ``spec`` is the *forward* convolution: ``y`` has ``spec.output_shape`` and ``w`` has
    ``spec.weight_shape``, which is PyTorch's transposed layout ``(C_in, C_out/groups, *k)`` with
    ``C_in = spec.out_channels``.  The result is ``(N, spec.in_channels, *size)`` with ``size =
    spec.transposed_input_size(output_padding)``; the default ``output_padding=None`` gives back
    ``spec.input_size``, and then ``<conv(x), y> = <x, conv_transpose(y)>`` exactly.  Padding
    (``'same'`` and per-side pairs included) is cropped off; only ``padding_mode='zeros'`` exists,
    as in PyTorch.

    >>> spec = ConvSpec((5,), (3,), stride=2)
    >>> conv_transpose(np.array([[[1, 10]]]), np.array([[[1, 2, 3]]]), spec)
    array([[[ 1,  2, 13, 20, 30]]])
    """
    if not isinstance(spec, ConvSpec):
        check_operands(y, w, spec)  # raises the spec error
    y, w = np.asarray(y), np.asarray(w)
    if y.shape != spec.output_shape:
        raise SpecError(f"y: expected shape {spec.output_shape} (batch, out_channels, "
                        f"*output_size) of the forward layer, got {y.shape}; pass the output of "
                        "the convolution the spec describes")
    if w.shape != spec.weight_shape:
        raise SpecError(f"w: expected shape {spec.weight_shape} (out_channels, in_channels // "
                        f"groups, *kernel_size), got {w.shape}; PyTorch's transposed weight "
                        "(C_in, C_out/groups, *k) is this layout")
    if spec.padding_mode is not PaddingMode.ZEROS:
        raise SpecError(f"padding_mode: expected 'zeros' for a transposed convolution (as in "
                        f"PyTorch), got '{spec.padding_mode.value}'; use padding_mode='zeros'")
    size = spec.transposed_input_size(output_padding)
    choice = _method(method)
    reduction = spec.group_out_channels * math.prod(spec.kernel_size)
    y, w, arith, dtype = _prepare(y, w, reduction)
    if choice is Method.WINOGRAD:
        raise SpecError("method: 'winograd' computes the forward convolution only, got it for "
                        "conv_transpose; use method='im2col' or 'auto'")
    if choice is Method.AUTO:
        choice = choose_method(spec)
        if choice is Method.WINOGRAD:  # a forward-only path: the transpose takes im2col
            choice = Method.IM2COL
    run = {Method.DIRECT: _paths.direct_transpose, Method.IM2COL: _paths.im2col_transpose,
           Method.FFT: _paths.fft_transpose}[choice]
    if choice is Method.FFT and arith is not Arithmetic.FLOAT:
        if arith is Arithmetic.INT64 and _fft_rounds_exactly(y, w, spec, transposed=True):
            buf = np.rint(run(y, w, spec, size, np.dtype(np.float64))).astype(dtype)
        else:
            buf = _paths.im2col_transpose(y, w, spec, size, dtype)
    else:
        buf = run(y, w, spec, size, dtype)
    crop = tuple(slice(pl, pl + t) for (pl, _), t in zip(spec.pads, size))
    return buf[(slice(None),) * 2 + crop]
