"""Transcripts of the FFT theorems on a set of layers (what ``proofs/fft_*.py`` print).

The linear theorem runs on symconv's default layers (those it does not speak about are listed
with the one-line reason), the circular one on circular-padded layers of its own.

>>> report = fft_transcript("fft-circular-convolution", FFT_SPECS["fft-circular-convolution"][:2])
>>> bool(report), report.count, str(report).splitlines()[-1]
(True, 2, '2 of 2 configurations proved exactly.')
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SpecError
from ..report import Transcript
from ..spec import ConvSpec
from ..theorems import DEFAULT_SPECS
from .theorems import check_fft_spec, fft_theorem, prove_fft

__all__ = ["FFT_SPECS", "fft_transcript"]

#: The layers ``proofs/fft_*.py`` prove each FFT theorem on.
FFT_SPECS: dict[str, tuple[tuple[str, ConvSpec], ...]] = {
    "fft-linear-convolution": (*DEFAULT_SPECS,
                               ("1-D, asymmetric padding", ConvSpec((9,), (3,), padding=(2, 1)))),
    "fft-circular-convolution": (
        ("1-D", ConvSpec((8,), (3,), padding=1, padding_mode="circular")),
        ("1-D, even kernel, same", ConvSpec((7,), (4,), padding="same", padding_mode="circular")),
        ("multi-channel", ConvSpec((5, 5), (3, 3), padding=1, padding_mode="circular",
                                   in_channels=2, out_channels=2, batch=2)),
        ("non-square, same", ConvSpec((6, 5), (4, 2), padding="same", padding_mode="circular")),
        ("3-D", ConvSpec((4, 3, 3), (2, 2, 3), padding=((1, 0), (0, 1), (1, 1)),
                         padding_mode="circular")),
    ),
}


def fft_transcript(name: str, specs: Iterable[tuple[str, ConvSpec]] | None = None) -> Transcript:
    """Prove the FFT theorem ``name`` on every layer of ``specs`` (default :data:`FFT_SPECS`)."""
    thm = fft_theorem(name)
    proofs, skipped = [], []
    for label, spec in (FFT_SPECS[name] if specs is None else specs):
        try:
            check_fft_spec(name, spec)
        except SpecError as err:
            skipped.append((label, str(err)))
            continue
        proofs.append((label, spec, prove_fft(name, spec)))
    return Transcript(thm.name, thm.statement, thm.conditions, tuple(proofs), None,
                      tuple(skipped))
