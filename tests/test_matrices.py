"""sympy_matrices: sympy's own matrix products equal the formulations, exactly (prove_equal)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from symconv import (
    ConvSpec,
    SpecError,
    correlate,
    elementwise_sum,
    flattened_dot,
    im2col_matmul,
    prove_equal,
    symbolic_input,
    symbolic_weight,
    sympy_matrices,
)

SPECS = [
    ConvSpec((5, 5), (3, 3)),
    ConvSpec((4, 6), (2, 3), in_channels=2, out_channels=3, batch=2, stride=(1, 2)),
    ConvSpec((6, 5), (4, 2), padding="same"),
    ConvSpec((5, 6), (3, 2), padding=((0, 1), (1, 2)), dilation=(1, 2)),
    ConvSpec((5, 5), (3, 3), in_channels=4, out_channels=6, groups=2),
    ConvSpec((5, 5), (3, 3), padding=2, padding_mode="reflect"),
    ConvSpec((9,), (3,), stride=2, padding=1, out_channels=2),
    ConvSpec((3, 4, 3), (2, 2, 2), in_channels=2),
]


def array(matrix: sympy.Matrix) -> np.ndarray:
    return np.array(matrix.tolist(), dtype=object)


def last_position(spec: ConvSpec) -> tuple[int, ...]:
    return (spec.batch - 1, *(o - 1 for o in spec.output_size))


@pytest.mark.parametrize("layout", ["batch-slowest", "batch-fastest"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe())
def test_sympy_products_equal_the_formulations(spec, layout):
    position, f = last_position(spec), spec.out_channels - 1
    m = sympy_matrices(spec, position=position, filter=f, layout=layout)
    x, w = symbolic_input(spec), symbolic_weight(spec)
    at = (position[0], f, *position[1:])
    # W_row * X_col is the whole layer (the group's filters), in X_col's column order
    assert prove_equal(array(m.W_row * m.X_col), array(m.output), "W_row*X_col = output")
    group = slice(f // spec.group_out_channels * spec.group_out_channels, f + 1)
    y = np.moveaxis(im2col_matmul(x, w, spec)[:, group], 1, 0)  # (Fg, N, *O)
    if layout == "batch-fastest":
        y = np.moveaxis(y, 1, y.ndim - 1)
    assert prove_equal(array(m.output), y.reshape(y.shape[0], -1), "output = im2col_matmul")
    # one column of it is this patch against this kernel, three ways
    assert prove_equal(np.array([(m.W_row * m.X_col)[m.row, m.column]], dtype=object),
                       np.array([correlate(x, w, spec)[at]], dtype=object), "entry")
    assert prove_equal(np.array([sum(m.patch.multiply_elementwise(m.kernel))], dtype=object),
                       np.array([elementwise_sum(x, w, spec)[at]], dtype=object), "elementwise")
    assert prove_equal(np.array([(m.vec_kernel.T * m.vec_patch)[0]], dtype=object),
                       np.array([flattened_dot(x, w, spec)[at]], dtype=object), "dot")
    assert m.X_col[:, m.column] == m.vec_patch and m.W_row[m.row, :] == m.vec_kernel.T


def test_hand_worked_seed_matrices():
    m = sympy_matrices(ConvSpec((5, 5), (3, 3)), position=(0, 1, 2))
    x = sympy.Matrix(3, 3, lambda u, v: sympy.Symbol(f"x_{{0,0,{1 + u},{2 + v}}}"))
    assert m.patch == x and m.column == 1 * 3 + 2
    assert m.kernel[2, 1] == sympy.Symbol("w_{0,0,2,1}")
    assert m.X_col.shape == (9, 9) and m.W_row.shape == (1, 9)
    assert m.vec_kernel[7] == sympy.Symbol("w_{0,0,2,1}")  # row-major: 2*3 + 1


def test_the_vec_trap():
    """sympy's Matrix.vec() stacks columns; W_row (numpy's reshape) is row-major."""
    spec = ConvSpec((4, 4), (2, 3))
    m = sympy_matrices(spec)
    assert m.patch.vec() != m.vec_patch and m.vec_patch == m.patch.reshape(6, 1)
    x, w = symbolic_input(spec), symbolic_weight(spec)
    want = np.array([correlate(x, w, spec)[0, 0, 0, 0]], dtype=object)
    wrong = prove_equal(np.array([(m.W_row * m.patch.vec())[0]], dtype=object), want, "trap")
    assert not wrong and wrong.counterexample.differing == 1
    # column-stacking both sides is consistent again
    assert prove_equal(np.array([(m.kernel.vec().T * m.patch.vec())[0]], dtype=object), want)


def test_multichannel_patch_stacks_channels_vertically():
    m = sympy_matrices(ConvSpec((3, 3), (2, 2), in_channels=4, out_channels=4, groups=2),
                       filter=3)
    assert m.patch.shape == (4, 2) and m.kernel.shape == (4, 2)
    assert m.patch[2, 1] == sympy.Symbol("x_{0,3,0,1}")  # group 1 holds input channels 2, 3
    assert m.kernel[2, 1] == sympy.Symbol("w_{3,1,0,1}")
    assert m.W_row.shape == (2, 8) and m.row == 1
    assert m.W_row[1, :] == m.vec_kernel.T


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"position": (0, 3, 0)}, r"^position: expected \(n, o0, o1\) below \(1, 3, 3\), got "),
    ({"position": (0, 0)}, r"^position: expected"),
    ({"position": 0}, r"^position: expected"),
    ({"filter": 1}, r"^filter: expected an output channel 0 to 0, got 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(SpecError, match=message):
        sympy_matrices(ConvSpec((5, 5), (3, 3)), **kwargs)
    with pytest.raises(SpecError, match=r"^spec: expected a ConvSpec, got tuple"):
        sympy_matrices((5, 5))
