"""The classic worked example: a 5x5 binary image, a 3x3 kernel, top-left output 4.

>>> ex = worked_example()
>>> ex.top_left_products
'(1·1)+(1·0)+(1·1)+(0·0)+(1·1)+(1·0)+(0·1)+(0·0)+(1·1)'
>>> ex.outputs["element-wise sum"].tolist()
[[4, 3, 4], [2, 4, 3], [2, 3, 4]]
>>> bool(ex.proof)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import Proof
from .forms import (
    convolve,
    correlate,
    elementwise_sum,
    flattened_dot,
    flip,
    im2col,
    im2col_matmul,
    patches,
)
from .spec import ConvSpec
from .theorems import prove

__all__ = ["CLASSIC_IMAGE", "CLASSIC_KERNEL", "ASYMMETRIC_KERNEL", "WorkedExample",
           "worked_example"]

CLASSIC_IMAGE = np.array([[1, 1, 1, 0, 0],
                          [0, 1, 1, 1, 0],
                          [0, 0, 1, 1, 1],
                          [0, 0, 1, 1, 0],
                          [0, 1, 1, 0, 0]])
CLASSIC_KERNEL = np.array([[1, 0, 1],
                           [0, 1, 0],
                           [1, 0, 1]])
#: A kernel that is not its own flip, to show convolution and correlation part ways.
ASYMMETRIC_KERNEL = np.array([[1, 1, 0],
                              [0, 1, 0],
                              [0, 0, 0]])


@dataclass(frozen=True)
class WorkedExample:
    """Every number of the worked example, and the symbolic proofs behind them."""

    image: np.ndarray
    kernel: np.ndarray
    top_left_products: str
    top_left: int
    window: np.ndarray
    outputs: dict[str, np.ndarray]
    im2col_matrix: np.ndarray
    convolution: np.ndarray
    asymmetric: dict[str, np.ndarray]
    proof: Proof
    flip_proof: Proof

    def __str__(self) -> str:
        def grid(a: np.ndarray, indent: str = "    ") -> list[str]:
            return [indent + " ".join(str(int(v)) for v in row) for row in a]

        def inline(a: np.ndarray) -> str:
            return str(a.tolist()).replace(" ", "")

        def vector(a: np.ndarray) -> str:
            return "[" + " ".join(str(int(v)) for v in a) + "]"

        w_row = self.kernel.reshape(-1)
        lines = ["The classic worked example (deeplearning.ai): 5x5 binary image x, 3x3 kernel w.",
                 "", "  image x              kernel w"]
        for left, right in zip(grid(self.image), grid(self.kernel, "") + [""] * 2):
            lines.append(f"{left:<21}{right}")
        lines += ["", "Top-left output, three ways:",
                  "  1. sum of element-wise products of the top-left 3x3 window and the kernel:",
                  f"     {self.top_left_products} = {self.top_left}",
                  "  2. dot product of the flattened window and the flattened kernel:",
                  f"     {vector(self.window.reshape(-1))} . {vector(w_row)} = {self.top_left}",
                  "  3. first entry of the im2col product W_row @ X_col (W_row = w.reshape(1, -1),"
                  " column 0 of X_col = the window):",
                  f"     {vector(w_row)} @ {vector(self.im2col_matrix[:, 0])}^T = {self.top_left}",
                  f"     (X_col is {self.im2col_matrix.shape[0]}x{self.im2col_matrix.shape[1]}: "
                  "one column per window position)", "", "Full 3x3 output:"]
        for name, out in self.outputs.items():
            lines.append(f"  {name:<24} {inline(out)}")
        lines += ["", f"Proof for every input and kernel (symbolic): {self.proof.statement}: "
                  f"{'PROVED' if self.proof else 'DISPROVED'} ({self.proof.products} products "
                  "compared exactly).", "",
                  "True convolution flips the kernel first. This kernel equals its own flip, so "
                  "convolution gives",
                  f"  {inline(self.convolution)}  -- the same numbers; the difference is "
                  "invisible."]
        a = self.asymmetric
        lines += [f"With the asymmetric kernel {inline(ASYMMETRIC_KERNEL)} it is not:",
                  f"  correlation (PyTorch's conv2d)  {inline(a['correlation'])}",
                  f"  true convolution                {inline(a['convolution'])}",
                  f"  correlation with flipped kernel {inline(a['flipped correlation'])}"
                  "  (= true convolution)",
                  f"Proof: {self.flip_proof.statement}: "
                  f"{'PROVED' if self.flip_proof else 'DISPROVED'}."]
        return "\n".join(lines)


def worked_example(image: np.ndarray = CLASSIC_IMAGE,
                   kernel: np.ndarray = CLASSIC_KERNEL) -> WorkedExample:
    """Compute the worked example with every formulation (default: the classic image/kernel).

    >>> worked_example().asymmetric["convolution"].tolist()
    [[2, 3, 3], [1, 3, 2], [2, 2, 1]]
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    spec = ConvSpec(image.shape, kernel.shape)
    x, w = image[None, None], kernel[None, None]
    window = patches(x, spec)[0, 0, 0, 0]
    products = "+".join(f"({int(a)}·{int(b)})" for a, b in zip(window.reshape(-1),
                                                               kernel.reshape(-1)))
    outputs = {name: f(x, w, spec)[0, 0] for name, f in (
        ("element-wise sum", elementwise_sum), ("flattened dot", flattened_dot),
        ("im2col matmul", im2col_matmul), ("correlate (definition)", correlate))}
    wa = ASYMMETRIC_KERNEL[None, None]
    asym = ConvSpec(image.shape, ASYMMETRIC_KERNEL.shape)
    return WorkedExample(
        image=image, kernel=kernel, top_left_products=products,
        top_left=int((window * kernel).sum()), window=window, outputs=outputs,
        im2col_matrix=im2col(x, spec)[0], convolution=convolve(x, w, spec)[0, 0],
        asymmetric={"correlation": correlate(x, wa, asym)[0, 0],
                    "convolution": convolve(x, wa, asym)[0, 0],
                    "flipped correlation": correlate(x, flip(wa), asym)[0, 0]},
        proof=prove("all-formulations-agree", spec),
        flip_proof=prove("convolution-is-flipped-correlation", spec))

