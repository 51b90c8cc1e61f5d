"""Measure prove_fft and fit the constants of symconv.fourier.cost (FFT_TIME, FFT_MEMORY).

Each layer runs in a fresh process (time of prove_fft, peak RSS above the imported library),
median of 3; the constants are a non-negative least-squares fit of relative error.

    .venv/bin/python benchmarks/fft_cost.py            # measure and fit (about 5 minutes)
    .venv/bin/python benchmarks/fft_cost.py --one NAME INPUT KERNEL C F B ALGORITHM
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time

POINTS = [
    ("fft-linear-convolution", "8", "3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "16", "3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "32", "5", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "64", "5", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "48", "3", 2, 2, 1, "dft"),
    ("fft-linear-convolution", "16", "3", 4, 4, 2, "dft"),
    ("fft-linear-convolution", "4x4", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "6x6", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "8x8", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "10x10", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "12x12", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "6x6", "3x3", 2, 2, 1, "dft"),
    ("fft-linear-convolution", "6x6", "3x3", 3, 2, 2, "dft"),
    ("fft-linear-convolution", "8x8", "3x3", 3, 8, 1, "dft"),
    ("fft-linear-convolution", "16x16", "3x3", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "96", "5", 1, 1, 1, "dft"),
    ("fft-linear-convolution", "32", "5", 1, 1, 1, "radix-2"),
    ("fft-linear-convolution", "64", "3", 1, 1, 1, "radix-2"),
    ("fft-linear-convolution", "6x6", "3x3", 1, 1, 1, "radix-2"),
    ("fft-linear-convolution", "8x8", "3x3", 1, 1, 1, "radix-2"),
    ("fft-linear-convolution", "6x6", "3x3", 4, 4, 2, "radix-2"),
    ("fft-circular-convolution", "16", "3", 1, 1, 1, "dft"),
    ("fft-circular-convolution", "64", "5", 1, 1, 1, "dft"),
    ("fft-circular-convolution", "8x8", "3x3", 1, 1, 1, "dft"),
    ("fft-circular-convolution", "12x12", "3x3", 2, 2, 1, "dft"),
    ("fft-circular-convolution", "16x16", "3x3", 1, 1, 1, "radix-2"),
]


def spec_of(name: str, inp: str, ker: str, c: int, f: int, b: int):  # type: ignore[no-untyped-def]
    from symconv import ConvSpec

    kw: dict = dict(in_channels=int(c), out_channels=int(f), batch=int(b))
    if name == "fft-circular-convolution":
        kw.update(padding="same", padding_mode="circular")
    return ConvSpec(tuple(map(int, inp.split("x"))), tuple(map(int, ker.split("x"))), **kw)


def one(name: str, inp: str, ker: str, c: str, f: str, b: str, algorithm: str) -> None:
    from symconv.fourier import prove_fft

    spec = spec_of(name, inp, ker, int(c), int(f), int(b))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    assert prove_fft(name, spec, algorithm=algorithm)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "bytes": (peak - base) * 1024}))


def measure(point: tuple) -> tuple[float, float]:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, __file__, "--one", *map(str, point)],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out.splitlines()[-1]))
    return (statistics.median(r["seconds"] for r in runs),
            statistics.median(r["bytes"] for r in runs))


def _logfit(a, y):  # type: ignore[no-untyped-def]
    """Non-negative c minimising the squared log ratios log(a @ c / y) (NNLS start)."""
    import numpy as np
    from scipy.optimize import least_squares, nnls

    start, _ = nnls(a / y[:, None], np.ones(len(y)))
    scale = np.maximum(start, 1e-30)
    z0 = np.log(np.maximum(start, 1e-6 * scale.max()) / scale)

    def residual(z):  # type: ignore[no-untyped-def]
        return np.log(a @ (np.exp(z) * scale) / y)

    return np.exp(least_squares(residual, z0).x) * scale


def fit(rows: list[tuple[tuple, float, float]]) -> None:
    import numpy as np

    from symconv.fourier.cost import FFT_MEMORY, FFT_TIME, fft_work

    works = [fft_work(p[0], spec_of(*p[:6]), algorithm=p[6]) for p, _, _ in rows]
    t = np.array([r[1] for r in rows])
    mem = np.array([max(r[2], 1.0) for r in rows])
    time_keys = [k for k in FFT_TIME if k != "fixed"]
    memory_keys = [k for k in FFT_MEMORY if k != "fixed"]
    a = np.array([[1] + [w.counts()[k] for k in time_keys] for w in works], float)
    ct = _logfit(a, t)
    b = np.array([[1] + [w.counts()[k] for k in memory_keys] for w in works], float)
    cm = _logfit(b, mem)
    print("FFT_TIME =", dict(zip(["fixed", *time_keys], (float(f"{v:.2g}") for v in ct))))
    print("FFT_MEMORY =", dict(zip(["fixed", *memory_keys], (float(f"{v:.2g}") for v in cm))))
    for (p, s, m), pt, pm in zip(rows, a @ ct, b @ cm):
        print(f"{' '.join(map(str, p)):52s} {s:8.3f}s fit {pt:8.3f}s ({pt / s:4.2f}x)  "
              f"{m / 2**20:7.1f}MiB fit {pm / 2**20:7.1f}MiB ({pm / max(m, 1):4.2f}x)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(*sys.argv[2:9])
    else:
        subprocess.run(["uptime"])
        fit([(p, *measure(p)) for p in POINTS])
        subprocess.run(["uptime"])
