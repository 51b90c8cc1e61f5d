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


def correlate_loops(x, w, spec):
    """y[n,f,o] = sum_{c,u} w[f,c,u] * xpad[n, g*Cg + c, o*s + u*d] (zeros padding)."""
    y = np.zeros(spec.output_shape, dtype=object)
    cg, fg = spec.group_in_channels, spec.group_out_channels
    for n, f in itertools.product(range(spec.batch), range(spec.out_channels)):
        g = f // fg
        for o in itertools.product(*map(range, spec.output_size)):
            total = 0
            for c in range(cg):
                for u in itertools.product(*map(range, spec.kernel_size)):
                    pos = [oo * s + uu * d for oo, uu, s, d in zip(o, u, spec.stride,
                                                                  spec.dilation)]
                    total += w[(f, c, *u)] * padded_value(x, n, g * cg + c, pos, spec.pads)
            y[(n, f, *o)] = total
    return y


def convolve_loops(x, w, spec):
    """y[n,f,o] = sum_{c,u} w[f,c,u] * xpad[n, g*Cg + c, o*s + d*(k-1-u)], convolution pads."""
    y = np.zeros(spec.output_shape, dtype=object)
    cg, fg = spec.group_in_channels, spec.group_out_channels
    for n, f in itertools.product(range(spec.batch), range(spec.out_channels)):
        g = f // fg
        for o in itertools.product(*map(range, spec.output_size)):
            total = 0
            for c in range(cg):
                for u in itertools.product(*map(range, spec.kernel_size)):
                    pos = [oo * s + d * (k - 1 - uu) for oo, uu, s, d, k in zip(
                        o, u, spec.stride, spec.dilation, spec.kernel_size)]
                    total += w[(f, c, *u)] * padded_value(x, n, g * cg + c, pos,
                                                          spec.convolution_pads)
            y[(n, f, *o)] = total
    return y
