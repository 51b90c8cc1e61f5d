"""Every convolution layer of a PyTorch model as a :class:`~symconv.spec.ConvSpec`.

:func:`specs_from_module` runs one forward pass of the model on zeros with a hook on each
``nn.ConvNd`` and ``nn.ConvTransposeNd``; each hook reads the shape that layer really receives and
turns the layer into a spec with :meth:`ConvSpec.from_torch`.  torch is imported only when this
function is called (it is an optional extra: ``pip install 'symconv[torch]'``).
"""

from __future__ import annotations

from typing import Any

from .errors import SymconvError
from .spec import ConvSpec

__all__ = ["specs_from_module"]


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
    0 | 16x16 * 3x3, C=3, F=8, pad 1
    2 | 16x16 * 3x3, C=8, F=8, groups 4, stride 2
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
