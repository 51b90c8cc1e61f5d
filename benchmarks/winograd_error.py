"""The float32 error of ``numeric.conv(method='winograd')`` against the float64 direct result.

    python benchmarks/winograd_error.py [--trials T]

For F(m,3) (1-D) and F(mxm,3x3) (2-D), m = 2, 3, 4, 6 (the default tiles use m <= 4), on one
channel and on 64 channels (channel sums in the transformed domain), inputs and weights
uniform on [-1, 1]:

* ``mean rel`` = mean |y32 - y64| / mean |y64| (the normalised L1 error, the figure compared with
  Barabasz et al.: F(2,3) 7.7e-8, F(6,3) 8.8e-7 in float32);
* ``max rel`` = max |y32 - y64| / max |y64|, the figure the tests' tolerances come from;
* the same two for the float32 direct path, for scale.

Cheap (a few seconds, no torch); the tests in tests/test_numeric_winograd.py use 8x the largest
``max rel`` printed here for each tile size as their float32 tolerance.
"""

from __future__ import annotations

import argparse

import numpy as np

from symconv import ConvSpec, numeric
from symconv.numeric import _winograd

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--trials", type=int, default=5)
ARGS = ap.parse_args()

LAYERS = {1: [(1, (240,)), (64, (240,))], 2: [(1, (48, 48)), (64, (24, 24))]}


def errors(y: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    diff = np.abs(y.astype(np.float64) - ref)
    return float(diff.mean() / np.abs(ref).mean()), float(diff.max() / np.abs(ref).max())


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'algorithm':<14}{'C':>4}{'mean rel':>11}{'max rel':>11}{'direct mean':>13}"
          f"{'direct max':>12}")
    for rank in (1, 2):
        for m in (2, 3, 4, 6):
            for c, size in LAYERS[rank]:
                spec = ConvSpec(size, (3,) * rank, in_channels=c, out_channels=4)
                wino, direct = [], []
                for _ in range(ARGS.trials):
                    x = rng.uniform(-1, 1, spec.input_shape)
                    w = rng.uniform(-1, 1, spec.weight_shape)
                    ref = numeric.conv(x, w, spec, "direct")
                    x32, w32 = x.astype(np.float32), w.astype(np.float32)
                    y = _winograd.winograd(x32, w32, spec, np.float32, tile=(m,) * rank)
                    wino.append(errors(y, ref))
                    direct.append(errors(numeric.conv(x32, w32, spec, "direct"), ref))
                name = f"F({m},3)" if rank == 1 else f"F({m}x{m},3x3)"
                (wm, wx), (dm, dx) = np.mean(wino, axis=0), np.mean(direct, axis=0)
                wx, dx = max(e[1] for e in wino), max(e[1] for e in direct)
                print(f"{name:<14}{c:>4}{wm:>11.2e}{wx:>11.2e}{dm:>13.2e}{dx:>12.2e}")


if __name__ == "__main__":
    main()
