"""Hypothesis strategies for ConvSpecs, for symconv's tests and for yours.

Requires ``hypothesis`` (a test dependency; not imported by ``import symconv``).

>>> from hypothesis import given
>>> @given(conv_specs(ranks=(2,), max_size=6))
... def test_output_fits(spec):
...     assert all(o >= 1 for o in spec.output_size)
>>> test_output_fits()
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from .spec import ConvSpec, PaddingMode

__all__ = ["conv_specs"]


@st.composite
def _specs(draw: st.DrawFn, ranks: Sequence[int], max_size: int, max_kernel: int,
           max_channels: int, max_batch: int, max_stride: int, max_dilation: int,
           max_groups: int, padding_modes: Sequence[str], allow_same: bool) -> ConvSpec:
    rank = draw(st.sampled_from(tuple(ranks)))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, max_dilation)) for _ in range(rank))
    groups = draw(st.integers(1, max(1, min(max_groups, max_channels))))
    in_channels = groups * draw(st.integers(1, max(1, max_channels // groups)))
    out_channels = groups * draw(st.integers(1, max(1, max_channels // groups)))
    mode = draw(st.sampled_from(tuple(padding_modes)))
    style = draw(st.sampled_from(("int", "pairs", "same") if allow_same else ("int", "pairs")))
    if style == "same":
        padding: object = "same"
        stride = (1,) * rank
        # the padding 'same' resolves to, from the one place that computes it
        pads = ConvSpec((max_size + 8,) * rank, kernel, dilation=dilation, padding="same").pads
    else:
        stride = tuple(draw(st.integers(1, max_stride)) for _ in range(rank))
        pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
        padding = pads if style == "pairs" else tuple(pl for pl, _ in pads)
        pads = pads if style == "pairs" else tuple((pl, pl) for pl, _ in pads)
    sizes = []
    for k, d, (pl, pr) in zip(kernel, dilation, pads):
        least = max(1, d * (k - 1) + 1 - pl - pr)  # the dilated kernel fits the padded input
        least = max(least, {"reflect": max(pl, pr) + 1, "circular": max(pl, pr)}.get(mode, 1))
        sizes.append(draw(st.integers(least, max(least, max_size))))
    return ConvSpec(tuple(sizes), kernel, in_channels=in_channels, out_channels=out_channels,
                    batch=draw(st.integers(1, max_batch)), stride=stride, padding=padding,
                    dilation=dilation, groups=groups, padding_mode=mode)


def conv_specs(*, ranks: Sequence[int] = (1, 2, 3), max_size: int = 7, max_kernel: int = 3,
               max_channels: int = 4, max_batch: int = 2, max_stride: int = 3,
               max_dilation: int = 2, max_groups: int = 2,
               padding_modes: Sequence[str] = tuple(m.value for m in PaddingMode),
               allow_same: bool = True) -> st.SearchStrategy[ConvSpec]:
    """Valid ConvSpecs over the whole option space (every rank, padding style and mode).

    Keyword-only bounds keep the symbolic runs small; every drawn spec is valid by construction.
    """
    return _specs(tuple(ranks), max_size, max_kernel, max_channels, max_batch, max_stride,
                  max_dilation, max_groups, tuple(padding_modes), allow_same)
