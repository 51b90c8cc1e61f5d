"""The conv layers of whole networks as ConvSpecs: ``resnet18``, ``resnet50``, ``vgg16``,
``mobilenet_v2`` (torchvision's architectures, batch 1), without torchvision.

Each :class:`Layer` carries torchvision's module path (``layer1.0.conv2``,
``features.3.conv.1.0``) and the :class:`~symconv.spec.ConvSpec` of the input that layer receives
in a forward pass at ``input_size x input_size`` (224 by default); layers come in forward order.
The tables were checked once against torchvision 0.28 (forward hooks and
:meth:`ConvSpec.from_torch` on every ``nn.Conv2d``); ``tests/test_networks.py`` repeats that
comparison whenever torchvision is importable.

>>> layers = network_layers("resnet50")
>>> len(layers), layers[0].name, layers[0].spec.describe()
(53, 'conv1', '224x224 * 7x7, C=3, F=64, stride 2, pad 3')
>>> spec, names = distinct_layers("resnet18")[1]
>>> spec.describe(), names[1:3]
('56x56 * 3x3, C=64, F=64, pad 1', ['layer1.0.conv2', 'layer1.1.conv1'])
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

from .errors import SpecError, SymconvError
from .spec import ConvSpec, output_length

__all__ = ["Layer", "network_names", "network_layers", "distinct_layers", "layer_products"]


@dataclass(frozen=True)
class Layer:
    """One conv layer of a network: torchvision's module path and the layer as a ConvSpec.

    >>> layer = network_layers("vgg16")[0]
    >>> layer.name, layer.spec.bias, layer.products
    ('features.0', True, 86704128)
    """

    #: torchvision's module path, e.g. ``"layer1.0.conv2"`` or ``"features.3.conv.1.0"``
    name: str
    #: the layer on the input it receives (``bias=True`` where torchvision's conv has a bias)
    spec: ConvSpec

    @property
    def products(self) -> int:
        """Weight-input products of one forward pass (multiply-accumulates), bias not counted."""
        return layer_products(self.spec)


def layer_products(spec: ConvSpec) -> int:
    """Products one formulation of ``spec`` computes: products per output times output entries.

    >>> layer_products(ConvSpec((5, 5), (3, 3)))
    81
    """
    return spec.products_per_output * math.prod(spec.output_shape)


class _Builder:
    """Appends layers while tracking the spatial size (square, batch 1) through the network."""

    def __init__(self, size: int, base: int) -> None:
        self.size, self.base, self.layers = size, base, []

    def ch(self, channels: int) -> int:
        """A channel count of the real network, scaled down for ``base`` < 64 (tests only)."""
        return max(1, channels * self.base // 64)

    def conv(self, name: str, c_in: int, c_out: int, k: int, stride: int = 1, *,
             groups: int = 1, bias: bool = False, size: int | None = None) -> int:
        """Add ``nn.Conv2d(c_in, c_out, k, stride, padding=(k - 1) // 2)``; return its output
        size (the input size is the builder's, or ``size``)."""
        spec = ConvSpec((size or self.size,) * 2, (k, k), in_channels=c_in, out_channels=c_out,
                        stride=stride, padding=(k - 1) // 2, groups=groups, bias=bias)
        self.layers.append(Layer(name, spec))
        return spec.output_size[0]

    def pool(self, k: int, stride: int, padding: int = 0) -> None:
        self.size = output_length(self.size, k, stride, padding, padding)
        if self.size < 1:
            raise SpecError("input_size: the network's pooling leaves no positions")


def _resnet(b: _Builder, blocks: tuple[int, ...], bottleneck: bool) -> None:
    """torchvision's ResNet: stem, max-pool, four stages (stride on the 3x3 conv, v1.5)."""
    b.size = b.conv("conv1", 3, b.ch(64), 7, 2)
    b.pool(3, 2, 1)
    expansion = 4 if bottleneck else 1
    inplanes = b.ch(64)
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks), start=1):
        planes = b.ch(planes)
        for i in range(count):
            stride = 2 if stage > 1 and i == 0 else 1
            name, size = f"layer{stage}.{i}", b.size
            if bottleneck:
                b.conv(f"{name}.conv1", inplanes, planes, 1)
                b.size = b.conv(f"{name}.conv2", planes, planes, 3, stride)
                b.conv(f"{name}.conv3", planes, planes * expansion, 1)
            else:
                b.size = b.conv(f"{name}.conv1", inplanes, planes, 3, stride)
                b.conv(f"{name}.conv2", planes, planes, 3)
            if stride != 1 or inplanes != planes * expansion:
                b.conv(f"{name}.downsample.0", inplanes, planes * expansion, 1, stride, size=size)
            inplanes = planes * expansion


def _vgg16(b: _Builder) -> None:
    """torchvision's VGG-16 (configuration D, no batch norm): 3x3 convs with bias, 2x2 pools."""
    index, c_in = 0, 3
    for item in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                 512, 512, 512, "M"):
        if item == "M":
            b.pool(2, 2)
            index += 1
            continue
        c_out = b.ch(int(item))
        b.conv(f"features.{index}", c_in, c_out, 3, bias=True)
        c_in, index = c_out, index + 2  # conv, ReLU


def _mobilenet_v2(b: _Builder) -> None:
    """torchvision's MobileNetV2 (width 1.0): stem, 17 inverted residuals, the 1x1 head."""
    c_in = b.ch(32)
    b.size = b.conv("features.0.0", 3, c_in, 3, 2)
    index = 1
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        c_out = b.ch(c)
        for i in range(n):
            stride, hidden, name = s if i == 0 else 1, c_in * t, f"features.{index}.conv"
            j = 0
            if t != 1:
                b.conv(f"{name}.0.0", c_in, hidden, 1)
                j = 1
            b.size = b.conv(f"{name}.{j}.0", hidden, hidden, 3, stride, groups=hidden)
            b.conv(f"{name}.{j + 1}", hidden, c_out, 1)
            c_in, index = c_out, index + 1
    b.conv(f"features.{index}.0", c_in, b.ch(1280), 1)


_NETWORKS: dict[str, Callable[[_Builder], None]] = {
    "resnet18": lambda b: _resnet(b, (2, 2, 2, 2), bottleneck=False),
    "resnet50": lambda b: _resnet(b, (3, 4, 6, 3), bottleneck=True),
    "vgg16": _vgg16,
    "mobilenet_v2": _mobilenet_v2,
}


def network_names() -> list[str]:
    """The networks :func:`network_layers` knows.

    >>> network_names()
    ['resnet18', 'resnet50', 'vgg16', 'mobilenet_v2']
    """
    return list(_NETWORKS)


def _check_name(name: str) -> str:
    if name not in _NETWORKS:
        close = difflib.get_close_matches(str(name), _NETWORKS, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else "choose one of " + ", ".join(
            _NETWORKS)
        raise SymconvError(f"network: no network named {name!r}; {hint}")
    return name


@functools.lru_cache(maxsize=64)
def _build(name: str, input_size: int, base: int) -> tuple[Layer, ...]:
    builder = _Builder(input_size, base)
    _NETWORKS[name](builder)
    return tuple(builder.layers)


def _smallest_input(name: str, base: int) -> int:
    for size in range(1, 1025):
        try:
            _build(name, size, base)
            return size
        except SpecError:
            continue
    return 1025  # unreachable for the networks above


def network_layers(name: str, input_size: int = 224, *, _base: int = 64) -> tuple[Layer, ...]:
    """Every conv layer of network ``name`` on a square ``input_size`` image, in forward order.

    Depthwise layers have ``groups`` = channels; VGG-16's convs have ``bias=True``, the others
    (followed by batch norm) none.  An unknown name raises with the closest matches.

    >>> layers = network_layers("mobilenet_v2")
    >>> len(layers), layers[1].name, layers[1].spec.describe()
    (52, 'features.1.conv.0.0', '112x112 * 3x3, C=32, F=32, groups 32, pad 1')
    >>> network_layers("resnet18", input_size=32)[-1].spec.describe()
    '1x1 * 3x3, C=512, F=512, pad 1'
    >>> network_layers("resnet5")
    Traceback (most recent call last):
    ...
    symconv.errors.SymconvError: network: no network named 'resnet5'; did you mean resnet50 or ...

    Parameters
    ----------
    name:
        one of :func:`network_names`.
    input_size:
        height = width of the input image (torchvision's models take any size at which every
        pooling still leaves a position; 224 is ImageNet's).
    """
    _check_name(name)
    if (isinstance(input_size, bool) or not isinstance(input_size, numbers.Integral)
            or input_size < 1):
        raise SpecError(f"input_size: expected a positive integer (the image height = width), "
                        f"got {input_size!r}; e.g. input_size=224")
    try:
        return _build(name, int(input_size), _base)
    except SpecError:
        smallest = _smallest_input(name, _base)
        raise SpecError(f"input_size: expected at least {smallest} for {name} (smaller inputs "
                        f"leave a layer without positions), got {input_size}; e.g. 224") from None


def distinct_layers(name: str, input_size: int = 224, *,
                    _base: int = 64) -> list[tuple[ConvSpec, list[str]]]:
    """Each distinct ConvSpec of network ``name`` once, with the layers that use it, in order
    of first use.

    >>> [(spec.describe(), len(names)) for spec, names in distinct_layers("vgg16")][:2]
    [('224x224 * 3x3, C=3, F=64, pad 1, bias', 1), ('224x224 * 3x3, C=64, F=64, pad 1, bias', 1)]
    >>> len(distinct_layers("resnet50")), len(distinct_layers("mobilenet_v2"))
    (23, 30)
    """
    groups: dict[ConvSpec, list[str]] = {}
    for layer in network_layers(name, input_size, _base=_base):
        groups.setdefault(layer.spec, []).append(layer.name)
    return list(groups.items())
