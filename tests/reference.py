"""Plain-loop reference implementations, written from the formulas and nothing else."""

from __future__ import annotations

import itertools

import numpy as np


def padded_value(x, n, c, pos, pads):
    """x[n, c, pos - left pad] or 0 outside (zero padding only)."""
    idx = tuple(p - left for p, (left, _) in zip(pos, pads))
    if all(0 <= i < s for i, s in zip(idx, x.shape[2:])):
        return x[(n, c, *idx)]
    return 0


def _loops(x, w, spec, tap_offset, pads):
    """y[n,f,o] = sum_{c,u} w[f,c,u] * xpad[n, g*Cg + c, o*s + d*tap_offset(u, k)]."""
    y = np.zeros(spec.output_shape, dtype=object)
    cg, fg = spec.group_in_channels, spec.group_out_channels
    for n, f in itertools.product(range(spec.batch), range(spec.out_channels)):
        g = f // fg
        for o in itertools.product(*map(range, spec.output_size)):
            total = 0
            for c in range(cg):
                for u in itertools.product(*map(range, spec.kernel_size)):
                    pos = [oo * s + d * tap_offset(uu, k) for oo, uu, s, d, k in zip(
                        o, u, spec.stride, spec.dilation, spec.kernel_size)]
                    total += w[(f, c, *u)] * padded_value(x, n, g * cg + c, pos, pads)
            y[(n, f, *o)] = total
    return y


def correlate_loops(x, w, spec):
    """Cross-correlation: the input index runs with the kernel index (zeros padding)."""
    return _loops(x, w, spec, lambda u, k: u, spec.pads)


def convolve_loops(x, w, spec):
    """True convolution: the input index runs against the kernel index, convolution pads."""
    return _loops(x, w, spec, lambda u, k: k - 1 - u, spec.convolution_pads)
