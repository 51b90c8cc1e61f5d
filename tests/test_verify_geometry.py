"""The catalogue of mistakes is exact: its 'correct' geometry is the spec, and a named mistake
is exactly what the output computed."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, Polynomial, convolve, correlate, verify
from symconv.strategies import conv_specs
from symconv.tensors import Backend, symbolic_input, symbolic_weight, variable_name
from symconv.verification import Kind, Status
from symconv.verification.diagnose import Forms
from symconv.verification.geometry import correct_geometry, gather, pair_counts
from symconv.verification.mistakes import geometry_candidates

SMALL = dict(max_size=5, max_kernel=3, max_channels=4, max_batch=2)


def products(geometry, spec):
    """Exactly the geometry's products, as an object array of polynomials."""
    wi, xi = gather(geometry, spec, spec.output_shape)
    w_names = [variable_name("w", i) for i in np.ndindex(*spec.weight_shape)]
    x_names = [variable_name("x", i) for i in np.ndindex(*spec.input_shape)]
    out = np.empty(len(wi), dtype=object)
    for p in range(len(wi)):
        total = Polynomial()
        for (a, b), c in pair_counts(wi, xi, p).items():
            total = total + Polynomial({(w_names[a], x_names[b]): c})
        out[p] = total
    return out.reshape(spec.output_shape)


def as_function(polys, spec):
    """A real 'user function' computing ``polys`` (polynomials in x's and w's entries) at its
    inputs, on symbols and on numbers alike (a function returning the constant polynomials
    would be refused by the numeric cross-check: it ignores its inputs)."""
    names = {variable_name("x", i): ("x", i) for i in np.ndindex(*spec.input_shape)}
    names.update({variable_name("w", i): ("w", i) for i in np.ndindex(*spec.weight_shape)})

    def fn(x, w):
        tensors = {"x": x, "w": w}
        out = np.zeros(polys.shape, dtype=object)
        for idx in np.ndindex(*polys.shape):
            total = 0
            for monomial, c in polys[idx].terms.items():
                term = c
                for v in monomial:
                    base, i = names[v]
                    term = term * tensors[base][i]
                total = total + term
            out[idx] = total
        return out
    return fn


def realize(geometry, spec):
    """A 'user function' that computes exactly the geometry's products."""
    return as_function(products(geometry, spec), spec)


@settings(max_examples=60, deadline=None)
@given(conv_specs(**SMALL), st.sampled_from(list(Kind)))
def test_correct_geometry_is_the_spec(spec, kind):
    x = symbolic_input(spec, backend=Backend.RING)
    w = symbolic_weight(spec, backend=Backend.RING)
    want = Forms((convolve if kind is Kind.CONVOLUTION else correlate)(x, w, spec), spec)
    wi, xi = gather(correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION), spec,
                    spec.output_shape)
    assert [pair_counts(wi, xi, p) for p in range(len(wi))] == want.pairs


@settings(max_examples=int(os.environ.get("SYMCONV_ZOO_EXAMPLES", 80)), deadline=None)
@given(conv_specs(**SMALL), st.sampled_from(list(Kind)), st.data())
def test_a_catalogued_mistake_is_refused_and_named(spec, kind, data):
    candidates = list(geometry_candidates(spec, kind))
    mistake, geometry = data.draw(st.sampled_from(candidates))
    verdict = verify(realize(geometry, spec), spec, kind=kind)
    reference = products(correct_geometry(spec, mirrored=kind is Kind.CONVOLUTION), spec)
    same = (Forms(reference, spec).pairs == Forms(products(geometry, spec), spec).pairs)
    if same:  # the slip makes no difference on this layer (e.g. a 1x1 kernel flipped)
        assert verdict.status is Status.CORRECT
    else:
        assert verdict.status is Status.WRONG and mistake in verdict.mistakes, str(verdict)


@settings(max_examples=40, deadline=None)
@given(conv_specs(ranks=(2,), **SMALL), st.data())
def test_one_moved_product_is_never_accepted(spec, data):
    """Soundness: change a single input index of a single product and verify must refuse."""
    geometry = correct_geometry(spec, mirrored=False)
    wi, xi = gather(geometry, spec, spec.output_shape)
    live = np.argwhere(wi >= 0)
    assume(len(live) > 0)  # a layer whose every window lies in the padding has no products
    p, r = live[data.draw(st.integers(0, len(live) - 1))]
    size = int(np.prod(spec.input_shape))
    new_x = (xi[p, r] + data.draw(st.integers(1, size - 1))) % size if size > 1 else None

    base = products(geometry, spec)
    out = base.copy()
    w_name = variable_name("w", np.unravel_index(wi[p, r], spec.weight_shape))
    old = variable_name("x", np.unravel_index(xi[p, r], spec.input_shape))
    flat = out.reshape(-1)
    flat[p] = flat[p] - Polynomial({(w_name, old): 1})
    if new_x is not None:
        new = variable_name("x", np.unravel_index(new_x, spec.input_shape))
        flat[p] = flat[p] + Polynomial({(w_name, new): 1})
    verdict = verify(as_function(out, spec), spec)
    assert verdict.status is Status.WRONG and verdict.differing == 1


def test_non_bilinear_output_gets_the_raw_diagnosis_only():
    spec = ConvSpec((3, 3), (2, 2))

    def squares(x, w):
        out = correlate(x, w, spec)
        out[0, 0, 0, 0] = out[0, 0, 0, 0] + x[0, 0, 0, 0] * x[0, 0, 0, 0]
        return out
    verdict = verify(squares, spec)
    assert not verdict and verdict.mistakes == ()
    assert "extra product x[0,0,0,0]·x[0,0,0,0]" in str(verdict)
    assert "not weight-times-input products" in str(verdict)
