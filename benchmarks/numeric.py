"""Time symconv.numeric against torch CPU conv2d and scipy.signal.correlate2d, in one run.

    python benchmarks/numeric.py [--threads N] [--repeats R] [--quick] [--methods] [--winograd-only]

Table 1: the convolution layers of ResNet-50 (stem 7x7/2 on 224x224, then the 1x1 and 3x3 layers
of each stage, the stride-2 3x3 and 1x1 projections), batch 1 and 8, float32.  ``method='auto'``
is timed (every path too with ``--methods``); ``ratio = symconv auto / torch``, each time the
median of ``R`` runs after a warm-up.  torch and numpy's BLAS get the same thread count: the
variables OpenBLAS/MKL/OpenMP read are set *before* numpy is imported.
Table 2: single-channel 2-D float32 images against ``scipy.signal.correlate2d`` (mode 'valid').
Table 3: ``method='winograd'`` against torch on the stride-1 3x3 layers of ResNet-50, batch 1 and
8, with im2col beside it; ``ratio = winograd / torch``, median of ``R`` runs, each library timed
after a 0.2 s pause (so the other one's idle BLAS/OpenMP threads have stopped spinning), the
load average printed before and after: on a loaded machine a woken BLAS thread waits for a
time slice, and every multi-threaded timing (torch's too) suffers.
Not run in CI: it needs torch and takes a couple of minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
ap.add_argument("--repeats", type=int, default=5)
ap.add_argument("--quick", action="store_true", help="batch 1 only")
ap.add_argument("--methods", action="store_true",
                help="also time every path on every layer (slow: the FFT on many channels)")
ap.add_argument("--winograd-only", action="store_true",
                help="only table 3: winograd against torch on the stride-1 3x3 layers")
ARGS = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)
import scipy.signal  # noqa: E402

from symconv import ConvSpec, numeric  # noqa: E402
from symconv.numeric import _winograd  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # pragma: no cover - the benchmark's point is the comparison
    sys.exit("benchmarks/numeric.py needs torch: pip install -e '.[torch]'")

torch.set_num_threads(ARGS.threads)

# (name, input size, in channels, out channels, kernel, stride, padding)
RESNET50 = [
    ("stem 7x7/2", 224, 3, 64, 7, 2, 3),
    ("s1 1x1 64>64", 56, 64, 64, 1, 1, 0),
    ("s1 3x3 64", 56, 64, 64, 3, 1, 1),
    ("s1 1x1 64>256", 56, 64, 256, 1, 1, 0),
    ("s1 1x1 256>64", 56, 256, 64, 1, 1, 0),
    ("s2 1x1 256>128", 56, 256, 128, 1, 1, 0),
    ("s2 3x3/2 128", 56, 128, 128, 3, 2, 1),
    ("s2 proj 1x1/2", 56, 256, 512, 1, 2, 0),
    ("s2 3x3 128", 28, 128, 128, 3, 1, 1),
    ("s2 1x1 128>512", 28, 128, 512, 1, 1, 0),
    ("s2 1x1 512>128", 28, 512, 128, 1, 1, 0),
    ("s3 3x3/2 256", 28, 256, 256, 3, 2, 1),
    ("s3 3x3 256", 14, 256, 256, 3, 1, 1),
    ("s3 1x1 256>1024", 14, 256, 1024, 1, 1, 0),
    ("s3 1x1 1024>256", 14, 1024, 256, 1, 1, 0),
    ("s4 3x3/2 512", 14, 512, 512, 3, 2, 1),
    ("s4 3x3 512", 7, 512, 512, 3, 1, 1),
    ("s4 1x1 512>2048", 7, 512, 2048, 1, 1, 0),
    ("s4 1x1 2048>512", 7, 2048, 512, 1, 1, 0),
]
SINGLE = [(224, 3), (224, 5), (224, 7), (224, 11), (512, 5), (512, 9)]
METHODS = ("direct", "im2col", "fft")


def timed(repeats: int, fn, *args, pause: float = 0.0, **kwargs) -> float:
    """Median wall time in seconds of ``repeats`` calls ``fn(*args, **kwargs)`` after a warm-up
    (and after ``pause`` seconds, in which the other library's idle threads stop spinning)."""
    time.sleep(pause)
    fn(*args, **kwargs)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def resnet_table(batches: tuple[int, ...], per_method: bool) -> list[float]:
    rng = np.random.default_rng(0)
    cols = "".join(f"{m:>9}" for m in METHODS) if per_method else ""
    print(f"{'layer':<17}{'N':>3}{'auto':>9}{cols}{'symconv':>10}{'torch':>9}{'ratio':>7}")
    ratios = []
    for name, size, c, f, k, s, p in RESNET50:
        for n in batches:
            spec = ConvSpec((size, size), (k, k), in_channels=c, out_channels=f, batch=n,
                            stride=s, padding=p)
            x = rng.standard_normal(spec.input_shape).astype(np.float32)
            w = rng.standard_normal(spec.weight_shape).astype(np.float32)
            tx, tw = torch.from_numpy(x), torch.from_numpy(w)
            with torch.no_grad():
                t_torch = timed(ARGS.repeats, torch.nn.functional.conv2d, tx, tw, stride=s,
                                padding=p)
            t_auto = timed(ARGS.repeats, numeric.conv, x, w, spec)
            extra = ""
            if per_method:
                for m in METHODS:
                    t = timed(max(1, ARGS.repeats // 2), numeric.conv, x, w, spec, m)
                    extra += f"{t * 1e3:>7.1f}ms"
            ratios.append(t_auto / t_torch)
            print(f"{name:<17}{n:>3}{numeric.choose_method(spec).value:>9}{extra}"
                  f"{t_auto * 1e3:>8.1f}ms{t_torch * 1e3:>7.1f}ms{ratios[-1]:>7.2f}", flush=True)
    return ratios


def scipy_table() -> list[float]:
    rng = np.random.default_rng(1)
    print(f"\n{'image * kernel':<16}{'auto':>8}{'symconv':>10}{'correlate2d':>13}{'ratio':>7}")
    ratios = []
    for size, k in SINGLE:
        spec = ConvSpec((size, size), (k, k))
        x = rng.standard_normal(spec.input_shape).astype(np.float32)
        w = rng.standard_normal(spec.weight_shape).astype(np.float32)
        t_sym = timed(ARGS.repeats, numeric.conv, x, w, spec)
        t_sci = timed(ARGS.repeats, scipy.signal.correlate2d, x[0, 0], w[0, 0], mode="valid")
        ratios.append(t_sym / t_sci)
        print(f"{size}x{size} * {k}x{k}".ljust(16) + f"{numeric.choose_method(spec).value:>8}"
              f"{t_sym * 1e3:>8.2f}ms{t_sci * 1e3:>11.2f}ms{ratios[-1]:>7.2f}", flush=True)
    return ratios


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def winograd_table(batches: tuple[int, ...]) -> list[float]:
    rng = np.random.default_rng(2)
    print(f"\n{'3x3 stride-1 layer':<19}{'N':>3}{'tile':>6}{'winograd':>10}{'im2col':>9}"
          f"{'torch':>9}{'ratio':>7}   ({load()})")
    ratios = []
    for name, size, c, f, k, s, p in RESNET50:
        if k != 3 or s != 1:
            continue
        for n in batches:
            spec = ConvSpec((size, size), (k, k), in_channels=c, out_channels=f, batch=n,
                            padding=p)
            x = rng.standard_normal(spec.input_shape).astype(np.float32)
            w = rng.standard_normal(spec.weight_shape).astype(np.float32)
            tx, tw = torch.from_numpy(x), torch.from_numpy(w)
            with torch.no_grad():
                t_torch = timed(ARGS.repeats, torch.nn.functional.conv2d, tx, tw, padding=p,
                                pause=0.2)
            t_wino = timed(ARGS.repeats, numeric.conv, x, w, spec, "winograd", pause=0.2)
            t_col = timed(ARGS.repeats, numeric.conv, x, w, spec, "im2col", pause=0.2)
            ratios.append(t_wino / t_torch)
            tile = "x".join(map(str, _winograd.tile_sizes(spec)))
            print(f"{name:<19}{n:>3}{tile:>6}{t_wino * 1e3:>8.2f}ms{t_col * 1e3:>7.2f}ms"
                  f"{t_torch * 1e3:>7.2f}ms{ratios[-1]:>7.2f}", flush=True)
    print(f"median ratio winograd/torch over {len(ratios)} stride-1 3x3 layers: "
          f"{np.median(ratios):.2f} (target <= 1.0; {load()})")
    return ratios


def main() -> None:
    print(f"threads: torch.set_num_threads({ARGS.threads}); numpy BLAS via OMP/OPENBLAS/"
          f"MKL_NUM_THREADS={ARGS.threads}; numpy.fft is single-threaded.  numpy "
          f"{np.__version__}, torch {torch.__version__}; median of {ARGS.repeats} runs; "
          f"{load()}.\n")
    batches = (1,) if ARGS.quick else (1, 8)
    if ARGS.winograd_only:
        winograd_table(batches)
        return
    ratios = resnet_table(batches, per_method=ARGS.methods)
    print(f"median ratio symconv/torch over {len(ratios)} ResNet-50 layers: "
          f"{np.median(ratios):.2f} (target <= 1.5)")
    single = scipy_table()
    big = [r for (_, k), r in zip(SINGLE, single) if k >= 5]
    print(f"median ratio symconv/correlate2d: {np.median(single):.3f} overall, "
          f"{np.median(big):.3f} for kernels >= 5x5 (target < 1)")
    winograd_table(batches)


if __name__ == "__main__":
    main()
