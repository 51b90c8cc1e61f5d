"""PyTorch conv layers: every layer of a model as a :class:`~symconv.spec.ConvSpec`, and one
layer as the function ``fn(x, w[, b])`` that :func:`~symconv.verification.verify` checks.

:func:`specs_from_module` runs one forward pass of the model on zeros with a hook on each
``nn.ConvNd`` and ``nn.ConvTransposeNd``; each hook reads the shape that layer really receives and
turns the layer into a spec with :meth:`ConvSpec.from_torch`.  :func:`module_function` turns a
conv module (``nn.ConvNd``, or a user's module whose parameters are ``weight`` and an optional
``bias``) into ``fn(x, w[, b])``: the module's own forward, run by
``torch.func.functional_call`` with its parameters replaced by ``x``'s companions, on float64
tensors.  torch is imported only when these functions are called (it is an optional extra:
``pip install 'symconv[torch]'``); :func:`is_torch_module` never imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import SymconvError
from .spec import ConvSpec

__all__ = ["specs_from_module", "is_torch_module", "module_spec", "module_function"]

#: The parameter names :func:`module_function` replaces.
PARAMETERS = ("weight", "bias")


def is_torch_module(value: Any) -> bool:
    """True when ``value`` is a ``torch.nn.Module`` (False, without importing torch, when torch
    was never imported: then nothing can be one).

    >>> is_torch_module(len)
    False
    """
    torch = sys.modules.get("torch")
    nn = getattr(torch, "nn", None)
    return nn is not None and isinstance(value, nn.Module)


def _parameters(module: Any) -> dict[str, Any]:
    params = dict(module.named_parameters())
    others = sorted(set(params) - set(PARAMETERS))
    if others or "weight" not in params:
        raise SymconvError(f"module: expected a conv module whose parameters are 'weight' and "
                           f"an optional 'bias', got {type(module).__name__} with parameters "
                           f"{sorted(params)}; verify one conv layer, e.g. model.conv1, or wrap "
                           "your code as fn(x, w, b)")
    return params


def module_spec(module: Any, spec: ConvSpec | None, input_size: Any = None) -> ConvSpec:
    """The spec to verify ``module`` against: ``spec`` (checked against the module's parameter
    shapes), or for an ``nn.ConvNd`` without a spec, :meth:`ConvSpec.from_torch` on
    ``input_size`` (``(N, C, *spatial)`` or the spatial size), ``bias`` from the layer.

    A module with a ``bias`` parameter needs ``spec.bias``: its forward adds it, so a spec
    without one would judge a bias the spec never asked for.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> module_spec(torch.nn.Conv2d(2, 4, 3), None, (1, 2, 6, 6)).describe()
    '6x6 * 3x3, C=2, F=4, bias'
    """
    params = _parameters(module)
    if getattr(module, "transposed", False):
        raise SymconvError(f"module: expected a forward conv layer, got {type(module).__name__}, "
                           "which computes the transposed (adjoint) convolution; verify checks "
                           "forward layers")
    if spec is None:
        if input_size is None:
            raise SymconvError(f"spec: expected a ConvSpec, or input_size=(N, C, *spatial) for "
                               f"an nn.ConvNd, got neither for {type(module).__name__}; pass "
                               "input_size= (CLI: --input NxCxHxW)")
        if not hasattr(module, "kernel_size"):
            raise SymconvError(f"spec: expected a ConvSpec for {type(module).__name__}, which "
                               "is not an nn.ConvNd (no kernel_size to read the layer from); "
                               "pass spec=ConvSpec(...) (CLI: --kernel FxCgxKHxKW)")
        spec = ConvSpec.from_torch(module, input_size)
    if not isinstance(spec, ConvSpec):
        raise SymconvError(f"spec: expected a ConvSpec, got {type(spec).__name__}; build one "
                           "with ConvSpec(input_size, kernel_size, ...)")
    weight = tuple(params["weight"].shape)
    if weight != spec.weight_shape:
        raise SymconvError(f"module: its weight has shape {weight} where the spec gives "
                           f"{spec.weight_shape}; describe the layer the module is (or use "
                           "ConvSpec.from_torch)")
    if "bias" in params:
        shape = tuple(params["bias"].shape)
        if shape != (spec.out_channels,):
            raise SymconvError(f"module: its bias has shape {shape} where the spec gives "
                               f"({spec.out_channels},) (one per filter); give the module a "
                               "bias of shape (out_channels,)")
        if not spec.bias:
            raise SymconvError(f"spec: expected bias=True for {type(module).__name__}, which "
                               "has a bias parameter; use spec.replace(bias=True) (CLI: --bias)")
    return spec


def module_function(module: Any, spec: ConvSpec) -> Callable[..., Any]:
    """``fn(x, w[, b])``: ``module``'s own forward with its ``weight`` (and ``bias``) replaced
    by ``w`` (and ``b``), on float64 tensors, returning a numpy array.

    With ``spec.bias`` and a module that has no ``bias`` parameter, ``b`` reaches nothing: the
    module's output misses it, and verify says so.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> spec = ConvSpec((3,), (2,), bias=True)
    >>> fn = module_function(torch.nn.Conv1d(1, 1, 2), spec)
    >>> fn(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), np.array([100]))
    array([[[121., 132.]]])
    """
    import torch
    from torch.func import functional_call

    has_bias = "bias" in _parameters(module)

    def tensor(value: Any, name: str) -> Any:
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(f"{name}: a torch module computes on numbers, not on symbols")
        return torch.as_tensor(array.astype(np.float64))

    def fn(x: Any, w: Any, *rest: Any) -> np.ndarray:
        replaced = {"weight": tensor(w, "w")}
        if rest and has_bias:
            replaced["bias"] = tensor(rest[0], "b")
        elif has_bias:  # no b: the layer is verified without its bias
            replaced["bias"] = torch.zeros(spec.out_channels, dtype=torch.float64)
        with torch.no_grad():
            out = functional_call(module, replaced, (tensor(x, "x"),))
        return out.detach().cpu().numpy()

    fn.__name__ = f"{type(module).__name__}.forward"
    return fn



def specs_from_module(module: Any, input_shape: tuple[int, ...]) -> list[tuple[str, ConvSpec]]:
    """``(qualified_name, ConvSpec)`` for every conv layer of ``module``, in call order.

    ``input_shape`` is the shape of the model's input, batch included, e.g. ``(1, 3, 224, 224)``.
    A layer called more than once appears once per call.  The model runs in ``eval`` mode under
    ``torch.no_grad()`` and is put back in the mode it was in.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
    ...                             torch.nn.Conv2d(8, 8, 3, stride=2, groups=4))
    >>> for name, spec in specs_from_module(model, (1, 3, 16, 16)):
    ...     print(name, "|", spec.describe())
    0 | 16x16 * 3x3, C=3, F=8, pad 1, bias
    2 | 16x16 * 3x3, C=8, F=8, groups 4, stride 2, bias
    """
    try:
        import torch
    except ImportError:
        raise SymconvError("module: reading a torch model needs torch; pip install "
                           "'symconv[torch]'") from None
    if not isinstance(module, torch.nn.Module):
        raise SymconvError(f"module: expected a torch.nn.Module, got {type(module).__name__}; "
                           "pass the model itself")
    conv_types = (torch.nn.modules.conv._ConvNd,)
    found: list[tuple[str, ConvSpec]] = []
    hooks = []

    def hook_for(name: str) -> Any:
        def hook(layer: Any, args: tuple[Any, ...]) -> None:
            found.append((name, ConvSpec.from_torch(layer, tuple(args[0].shape))))
        return hook

    for name, layer in module.named_modules():
        if isinstance(layer, conv_types):
            hooks.append(layer.register_forward_pre_hook(hook_for(name)))
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            module(torch.zeros(tuple(input_shape)))
    finally:
        for h in hooks:
            h.remove()
        module.train(was_training)
    return found
