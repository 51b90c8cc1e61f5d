"""Oracle: the backward pass of symconv.adjoint against torch.autograd and F.conv_transpose*d.

torch is an optional extra; without it these tests skip, except in CI (tests/conftest.py).
float64 throughout; the tolerance is twice ``numeric.error_bound`` of the transposed product.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, adjoint, numeric
from symconv.strategies import conv_specs

torch = pytest.importorskip("torch", reason="torch is needed for the autograd oracle tests")
from tests.test_oracle_torch import (  # noqa: E402  (needs torch)
    CONV,
    close,
    torch_conv_transpose,
    valid_output_paddings,
)

F = torch.nn.functional
SPECS = conv_specs(max_size=6, max_kernel=3, max_channels=4, max_batch=2)
ZERO_SPECS = conv_specs(max_size=6, max_kernel=3, max_channels=4, max_batch=2,
                        padding_modes=("zeros",))


def autograd(x: np.ndarray, w: np.ndarray, dout: np.ndarray, spec: ConvSpec
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dw)`` for ``L = sum(dout * convNd(pad(x), w))`` by torch.autograd."""
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    flat = [p for pair in reversed(spec.pads) for p in pair]
    mode = spec.padding_mode.value
    padded = tx if not any(flat) else (F.pad(tx, flat) if mode == "zeros" else
                                       F.pad(tx, flat, mode=mode))
    y = CONV[spec.rank](padded, tw, stride=spec.stride, dilation=spec.dilation,
                        groups=spec.groups)
    (y * torch.from_numpy(dout)).sum().backward()
    return tx.grad.numpy(), tw.grad.numpy()


def _draw(spec: ConvSpec, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(spec.input_shape), rng.standard_normal(spec.weight_shape),
            rng.standard_normal(spec.output_shape))


def _tolerance(a: np.ndarray, b: np.ndarray, terms: int) -> float:
    return 8 * terms * np.finfo(np.float64).eps * float(np.abs(a).max(initial=1) *
                                                       np.abs(b).max(initial=1))


@settings(max_examples=150, deadline=None)
@given(ZERO_SPECS, st.integers(0, 2**31))
def test_input_gradient_is_autograd(spec: ConvSpec, seed: int) -> None:
    x, w, dout = _draw(spec, seed)
    want, _ = autograd(x, w, dout, spec)
    got = adjoint.input_gradient(dout, w, spec)
    assert close(got, want, numeric.error_bound(dout, w, spec, transposed=True)), \
        spec.describe()


@settings(max_examples=150, deadline=None)
@given(SPECS, st.integers(0, 2**31))
def test_weight_gradient_is_autograd_for_every_padding_mode(spec: ConvSpec, seed: int) -> None:
    x, w, dout = _draw(spec, seed)
    _, want = autograd(x, w, dout, spec)
    got = adjoint.weight_gradient(x, dout, spec)
    terms = spec.batch * int(np.prod(spec.output_size))
    assert got.shape == want.shape == spec.weight_shape
    assert float(np.abs(got - want).max()) <= _tolerance(x, dout, terms), spec.describe()


@settings(max_examples=150, deadline=None)
@given(ZERO_SPECS, st.data())
def test_conv_transpose_is_torch_with_output_padding(spec: ConvSpec, data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(valid_output_paddings(spec)))
    _, w, y = _draw(spec, data.draw(st.integers(0, 2**31)))
    want = torch_conv_transpose(y, w, spec, op)
    got = adjoint.conv_transpose(y, w, spec, op)
    assert close(got, want, numeric.error_bound(y, w, spec, transposed=True)), \
        f"{spec.describe()}, output_padding {op}"


def test_grouped_strided_transpose_by_the_module() -> None:
    """torch.nn.ConvTranspose2d itself (groups 2, stride 2, dilation 2, output_padding 1)."""
    spec = ConvSpec((7, 6), (3, 2), in_channels=4, out_channels=6, groups=2, stride=2,
                    dilation=2, padding=1)
    layer = torch.nn.ConvTranspose2d(6, 4, (3, 2), stride=2, padding=1, output_padding=1,
                                     groups=2, dilation=2, bias=False, dtype=torch.float64)
    rng = np.random.default_rng(7)
    y = rng.standard_normal(spec.output_shape)
    with torch.no_grad():
        want = layer(torch.from_numpy(y)).numpy()
    got = adjoint.conv_transpose(y, layer.weight.detach().numpy(), spec, output_padding=1)
    assert got.shape == want.shape == (1, 4, *spec.transposed_input_size(1))
    assert np.allclose(got, want, rtol=0, atol=1e-12)
