"""ConvSpec.from_torch and specs_from_module against real torch layers: shapes and numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings

from symconv import ConvSpec, SpecError, SymconvError, numeric, specs_from_module
from symconv.strategies import conv_specs

torch = pytest.importorskip("torch")


def _symmetric(spec: ConvSpec) -> bool:
    return spec.padding == "same" or all(left == right for left, right in spec.pads)


def _layer(spec: ConvSpec) -> torch.nn.Module:
    cls = getattr(torch.nn, f"Conv{spec.rank}d")
    padding = "same" if spec.padding == "same" else tuple(left for left, _ in spec.pads)
    return cls(spec.in_channels, spec.out_channels, spec.kernel_size, stride=spec.stride,
               padding=padding, dilation=spec.dilation, groups=spec.groups, bias=False,
               padding_mode=spec.padding_mode.value).double()


@settings(max_examples=60)
@given(conv_specs(max_size=6, max_channels=4))
def test_from_torch_reads_every_forward_option(spec: ConvSpec) -> None:
    assume(_symmetric(spec))
    layer = _layer(spec)
    assert ConvSpec.from_torch(layer, spec.input_shape) == spec
    assert ConvSpec.from_torch(layer, spec.input_size).replace(batch=spec.batch) == spec
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, spec.input_shape)
    w = rng.integers(-3, 4, spec.weight_shape)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(w, dtype=torch.float64))
        got = layer(torch.as_tensor(x, dtype=torch.float64)).numpy()
    assert got.shape == spec.output_shape
    assert (got == numeric.conv(x, w, spec)).all()  # small integers: float64 is exact


@settings(max_examples=60)
@given(conv_specs(max_size=6, max_channels=4, padding_modes=("zeros",), allow_same=False))
def test_from_torch_turns_a_transposed_layer_into_the_forward_layer(spec: ConvSpec) -> None:
    assume(_symmetric(spec))
    pads = tuple(left for left, _ in spec.pads)
    extra = tuple((i + 2 * p - d * (k - 1) - 1) % s for i, p, d, k, s in zip(
        spec.input_size, pads, spec.dilation, spec.kernel_size, spec.stride))
    cls = getattr(torch.nn, f"ConvTranspose{spec.rank}d")
    layer = cls(spec.out_channels, spec.in_channels, spec.kernel_size, stride=spec.stride,
                padding=pads, output_padding=extra, dilation=spec.dilation, groups=spec.groups,
                bias=False).double()
    assert ConvSpec.from_torch(layer, spec.output_shape) == spec
    rng = np.random.default_rng(1)
    y = rng.integers(-3, 4, spec.output_shape)
    w = rng.integers(-3, 4, spec.weight_shape)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(w, dtype=torch.float64))
        got = layer(torch.as_tensor(y, dtype=torch.float64)).numpy()
    assert got.shape == spec.input_shape
    assert (got == numeric.conv_transpose(y, w, spec)).all()


def test_from_torch_refuses_what_is_not_a_layer_or_does_not_fit() -> None:
    with pytest.raises(SpecError, match=r"^layer: expected a torch.nn.ConvNd"):
        ConvSpec.from_torch(torch.nn.ReLU(), (5, 5))
    with pytest.raises(SpecError, match=r"^input_size: expected 3 channels"):
        ConvSpec.from_torch(torch.nn.Conv2d(3, 4, 3), (1, 2, 5, 5))
    layer = torch.nn.ConvTranspose1d(1, 1, 3, stride=1, dilation=3, output_padding=2)
    with pytest.raises(SpecError, match=r"^output_padding: "):
        ConvSpec.from_torch(layer, (4,))


def test_specs_from_module_lists_every_conv_in_call_order() -> None:
    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = torch.nn.Conv2d(3, 8, 7, stride=2, padding=3)
            self.body = torch.nn.Sequential(
                torch.nn.Conv2d(8, 8, 3, padding=1, groups=8),  # depthwise
                torch.nn.ReLU(), torch.nn.Conv2d(8, 16, 1))
            self.up = torch.nn.ConvTranspose2d(16, 4, 2, stride=2)

        def forward(self, x):
            return self.up(self.body(self.stem(x)))

    net = Net().train()
    specs = specs_from_module(net, (2, 3, 32, 32))
    assert [name for name, _ in specs] == ["stem", "body.0", "body.2", "up"]
    stem, depthwise, pointwise, up = (s for _, s in specs)
    assert stem == ConvSpec((32, 32), 7, in_channels=3, out_channels=8, batch=2, stride=2,
                            padding=3, bias=True)  # nn.Conv2d has a bias by default
    assert depthwise.groups == 8 and depthwise.output_size == (16, 16)
    assert pointwise.kernel_size == (1, 1) and pointwise.out_channels == 16
    assert up == ConvSpec((32, 32), 2, in_channels=4, out_channels=16, batch=2, stride=2)
    assert net.training  # put back in the mode it was in
    with pytest.raises(SymconvError, match=r"^module: expected a torch.nn.Module"):
        specs_from_module(object(), (1, 3, 8, 8))
