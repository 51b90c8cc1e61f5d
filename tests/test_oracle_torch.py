"""Oracle: every numeric path and every formulation agree with torch.nn.functional on CPU.

torch is an optional extra; without it these tests skip, except in CI (tests/conftest.py).
Tolerance: two results each within ``numeric.error_bound`` of the exact value differ by at most
twice it; integer inputs (small, so exact in float64 torch) are compared exactly.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, PaddingMode, SpecError, forms, numeric
from symconv.strategies import conv_specs

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

METHODS = ("direct", "im2col", "fft", "auto")
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
MODULE = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}
SPECS = conv_specs(max_size=6, max_kernel=3, max_channels=4, max_batch=2)


def torch_conv(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``F.pad`` (every mode, per-side pads) then ``F.convNd`` without padding."""
    t = torch.from_numpy(x)
    flat = [p for pair in reversed(spec.pads) for p in pair]  # last axis first, as F.pad wants
    if any(flat):
        mode = spec.padding_mode.value
        t = F.pad(t, flat) if mode == "zeros" else F.pad(t, flat, mode=mode)
    return CONV[spec.rank](t, torch.from_numpy(w), stride=spec.stride, dilation=spec.dilation,
                           groups=spec.groups).numpy()


def torch_module(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray | None:
    """``torch.nn.ConvNd(padding_mode=...)`` when the padding is one it can express."""
    if spec.padding == "same":
        padding: object = "same"
    elif all(left == right for left, right in spec.pads):
        padding = tuple(left for left, _ in spec.pads)
    else:
        return None  # per-side pairs: only F.pad expresses them
    layer = MODULE[spec.rank](spec.in_channels, spec.out_channels, spec.kernel_size,
                              stride=spec.stride, padding=padding, dilation=spec.dilation,
                              groups=spec.groups, bias=False, padding_mode=spec.padding_mode.value,
                              dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        return layer(torch.from_numpy(x)).numpy()


def torch_conv_transpose(y: np.ndarray, w: np.ndarray, spec: ConvSpec,
                         output_padding: tuple[int, ...]) -> np.ndarray:
    """``F.conv_transposeNd``; per-side pads are cropped from the unpadded result."""
    size = spec.transposed_input_size(output_padding)
    fn = CONV_T[spec.rank]
    if all(left == right for left, right in spec.pads):
        return fn(torch.from_numpy(y), torch.from_numpy(w), stride=spec.stride,
                  padding=tuple(left for left, _ in spec.pads), output_padding=output_padding,
                  groups=spec.groups, dilation=spec.dilation).numpy()
    full = fn(torch.from_numpy(y), torch.from_numpy(w), stride=spec.stride,
              groups=spec.groups, dilation=spec.dilation).numpy()
    full = np.pad(full, ((0, 0), (0, 0), *((0, max(size)),) * spec.rank))  # room on the right
    return full[(slice(None),) * 2 + tuple(slice(pl, pl + t) for (pl, _), t in zip(
        spec.pads, size))]


def valid_output_paddings(spec: ConvSpec) -> list[tuple[int, ...]]:
    """Every ``output_padding`` PyTorch accepts for the spec (never empty: the adjoint's is)."""
    limits = [range(max(s, d)) for s, d in zip(spec.stride, spec.dilation)]
    valid = []
    for op in itertools.product(*limits):
        try:
            spec.transposed_input_size(op)
        except SpecError:
            continue
        valid.append(op)
    return valid


def close(got: np.ndarray, want: np.ndarray, bound: float) -> bool:
    return got.shape == want.shape and float(np.abs(got - want).max(initial=0.0)) <= 2 * bound


@settings(max_examples=300, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_conv_paths_and_formulations_match_torch(spec: ConvSpec, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(spec.input_shape), rng.standard_normal(spec.weight_shape)
    want = torch_conv(x, w, spec)
    bound = numeric.error_bound(x, w, spec)
    candidates = {m: numeric.conv(x, w, spec, m) for m in METHODS}
    candidates.update({
        "forms.correlate": forms.correlate(x, w, spec),
        "forms.elementwise_sum": forms.elementwise_sum(x, w, spec),
        "forms.flattened_dot": forms.flattened_dot(x, w, spec),
        "forms.im2col_matmul": forms.im2col_matmul(x, w, spec),
        "forms.im2col_matmul batch-fastest": forms.im2col_matmul(x, w, spec, "batch-fastest"),
    })
    if spec.convolution_pads == spec.pads:  # the flip theorem's side condition
        candidates["forms.convolve(flip(w))"] = forms.convolve(x, forms.flip(w), spec)
    module = torch_module(x, w, spec)
    if module is not None:
        assert close(module, want, bound), "torch.nn.ConvNd disagrees with F.pad + F.convNd"
    for name, got in candidates.items():
        assert close(got, want, bound), f"{name} differs from torch on {spec.describe()}"


@settings(max_examples=60, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_integers_match_torch_exactly(spec: ConvSpec, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-20, 21, spec.input_shape)
    w = rng.integers(-20, 21, spec.weight_shape)
    want = torch_conv(x.astype(np.float64), w.astype(np.float64), spec)  # exact: small sums
    for method in METHODS:
        got = numeric.conv(x, w, spec, method)
        assert got.dtype == np.int64 and (got == want).all(), method


@settings(max_examples=40, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_float32_matches_torch(spec: ConvSpec, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(spec.input_shape).astype(np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    want = torch_conv(x, w, spec)
    bound = numeric.error_bound(x, w, spec)
    for method in METHODS:
        got = numeric.conv(x, w, spec, method)
        assert got.dtype == np.float32 and close(got, want, bound), method


@settings(max_examples=200, deadline=None)
@given(conv_specs(max_size=6, max_kernel=3, max_channels=4, max_batch=2,
                  padding_modes=("zeros",)), st.data())
def test_conv_transpose_matches_torch(spec: ConvSpec, data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(valid_output_paddings(spec)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    y, w = rng.standard_normal(spec.output_shape), rng.standard_normal(spec.weight_shape)
    want = torch_conv_transpose(y, w, spec, op)
    bound = numeric.error_bound(y, w, spec, transposed=True)
    for method in METHODS:
        got = numeric.conv_transpose(y, w, spec, op, method)
        assert close(got, want, bound), f"{method} on {spec.describe()}, output_padding {op}"
    yi = rng.integers(-20, 21, spec.output_shape)
    wi = rng.integers(-20, 21, spec.weight_shape)
    want_i = torch_conv_transpose(yi.astype(np.float64), wi.astype(np.float64), spec, op)
    for method in METHODS:
        assert (numeric.conv_transpose(yi, wi, spec, op, method) == want_i).all(), method


@pytest.mark.parametrize("mode", [m.value for m in PaddingMode])
def test_padding_modes_by_hand_against_module(mode: str) -> None:
    """A fixed 2-D case per padding mode through torch.nn.Conv2d(padding_mode=...)."""
    spec = ConvSpec((5, 6), (3, 2), in_channels=2, out_channels=3, padding=(2, 1),
                    padding_mode=mode)
    rng = np.random.default_rng(7)
    x, w = rng.integers(-9, 9, spec.input_shape), rng.integers(-9, 9, spec.weight_shape)
    want = torch_module(x.astype(np.float64), w.astype(np.float64), spec)
    for method in METHODS:
        assert (numeric.conv(x, w, spec, method) == want).all()
