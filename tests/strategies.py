"""The hypothesis strategies the tests share (the public ones live in symconv.strategies)."""

from __future__ import annotations

from hypothesis import strategies as st

from symconv.strategies import conv_specs

__all__ = ["conv_specs", "small_specs", "int_tensors"]


def small_specs(**bounds):
    """ConvSpecs small enough for sympy-backed symbolic runs."""
    defaults = dict(max_size=5, max_kernel=3, max_channels=2, max_batch=2)
    defaults.update(bounds)
    return conv_specs(**defaults)


@st.composite
def int_tensors(draw, spec, low=-4, high=4):
    """An integer input and weight for ``spec``."""
    import numpy as np

    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return (rng.integers(low, high + 1, spec.input_shape),
            rng.integers(low, high + 1, spec.weight_shape))
