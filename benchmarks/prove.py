"""How fast are exact proofs? naive sympy, the Polynomial carrier and the vector carrier, one run.

    python benchmarks/prove.py              # every layer up to the ResNet-50 ones (~5 min idle)
    python benchmarks/prove.py --quick      # layers up to 16x32x32 only
    python benchmarks/prove.py --network    # also time `symconv prove --network resnet50`
    python benchmarks/prove.py --verify     # also time exact verify of a cs231n im2col conv

Each layer is proved (theorem ``all-formulations-agree``: definition = element-wise sum = dot =
im2col, unless another theorem is named) by

* naive:  sympy symbols, then ``sympy.expand(left - right) == 0`` entry by entry (the notebook way);
* ring:   symbolic execution on :class:`symconv.ring.Polynomial`, canonical forms compared;
* vector: symbolic execution on :class:`symconv.vector.FormArray`, sorted term arrays compared,
  in chunks of the weight, 2 processes when the layer is large.

Every measurement runs in a fresh process, which reports its wall time and peak resident memory
(its own and its children's); a figure is the median of ``--repeats`` runs.  The machine is
shared: the load average is printed before and after.  Slow methods are skipped above a size
(``--`` in the table).  Ratios are against the vector carrier measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

from symconv import ConvSpec

LAYERS = [
    ("seed 5x5 * 3x3", ConvSpec((5, 5), (3, 3))),
    ("3x8x8 > 4, 3x3", ConvSpec((8, 8), (3, 3), in_channels=3, out_channels=4)),
    ("3x16x16 > 8, 3x3", ConvSpec((16, 16), (3, 3), in_channels=3, out_channels=8)),
    ("3x32x32 > 8, 3x3", ConvSpec((32, 32), (3, 3), in_channels=3, out_channels=8)),
    ("16x32x32 > 16, 3x3 p1", ConvSpec((32, 32), (3, 3), in_channels=16, out_channels=16,
                                       padding=1)),
    ("64x28x28 > 64, 3x3 p1", ConvSpec((28, 28), (3, 3), in_channels=64, out_channels=64,
                                       padding=1)),
    ("ResNet-50 3x3 64x56x56", ConvSpec((56, 56), (3, 3), in_channels=64, out_channels=64,
                                        padding=1)),
    ("ResNet-50 stem 7x7/2", ConvSpec((224, 224), (7, 7), in_channels=3, out_channels=64,
                                      stride=2, padding=3)),
]
QUICK = 5
#: Largest products per formulation each slow method is run on.
LIMITS = {"naive": 70_000, "ring": 2_500_000, "vector": 10**12}


def products(spec: ConvSpec) -> int:
    return spec.products_per_output * math.prod(spec.output_shape)


def _one(method: str, index: int, theorem: str) -> None:
    """Child process: run one measurement, print JSON."""
    spec = LAYERS[index][1]
    start = time.perf_counter()
    if method == "verify":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        from symconv import verify
        from tests.zoo.scale import conv_cs231n

        verdict = verify(conv_cs231n, spec, method="exact")
        assert verdict.status.name == "CORRECT", str(verdict)
    elif method == "naive":
        import sympy

        from symconv import get_theorem, symbolic_input, symbolic_weight

        thm = get_theorem(theorem)
        x, w = symbolic_input(spec), symbolic_weight(spec)
        diff = thm.left(x, w, spec) - thm.right(x, w, spec)
        assert all(sympy.expand(d) == 0 for d in diff.reshape(-1))
    else:
        from symconv import prove

        proof = prove(theorem, spec, backend=method)
        assert proof, str(proof)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
    print(json.dumps({"seconds": seconds, "peak": peak}))


def measure(method: str, index: int, theorem: str, repeats: int) -> tuple[float, int]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--one", method, str(index), theorem],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r["seconds"] for r in runs),
            int(statistics.median(r["peak"] for r in runs)))


def _fit(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) against log(products)."""
    xs = [math.log(p) for p, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def _row(label: str, n: int, row: dict[str, tuple[float, int] | None],
         vec: tuple[float, int]) -> str:
    def s(m: str) -> str:
        r = row[m]
        return f"{r[0]:9.3f}" if r else f"{'--':>9}"

    def ratio(m: str, width: int) -> str:
        r = row[m]
        return f"{r[0] / vec[0]:{width - 1}.0f}x" if r else f"{'--':>{width}}"

    ring = row["ring"]
    ring_bp = f"{ring[1] / n:9.0f}" if ring else f"{'--':>9}"
    return (f"{label:<24} {n:>11,} {s('naive')} {s('ring')} {s('vector')} {ratio('naive', 11)}"
            f"{ratio('ring', 10)} {ring_bp} {vec[1] / 2**20:7.0f} {vec[1] / n:8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"the first {QUICK} layers only")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure (median; default 3)")
    ap.add_argument("--theorem", default="all-formulations-agree")
    ap.add_argument("--network", action="store_true", help="time symconv prove --network too")
    ap.add_argument("--verify", action="store_true",
                    help="time exact verify of tests/zoo/scale.py's cs231n conv on ResNet-50 3x3")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return _one(args.one[0], int(args.one[1]), args.one[2])
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()}); "
          f"theorem {args.theorem}; median of {args.repeats}")
    layers = LAYERS[:QUICK] if args.quick else LAYERS
    head = (f"{'layer':<24} {'products':>11} {'naive s':>9} {'ring s':>9} {'vector s':>9} "
            f"{'naive/vec':>10} {'ring/vec':>9} {'ring B/p':>9} {'vec MB':>7} {'vec B/p':>8}")
    print(head + "\n" + "-" * len(head))
    points, results = [], {}
    for i, (label, spec) in enumerate(layers):
        n = products(spec)
        row: dict[str, tuple[float, int] | None] = {}
        for method in ("naive", "ring", "vector"):
            reps = 1 if method != "vector" else args.repeats
            row[method] = measure(method, i, args.theorem, reps) if n <= LIMITS[method] else None
        vec = row["vector"]
        assert vec is not None
        points.append((n, vec[0]))
        results[label] = row

        print(_row(label, n, row, vec), flush=True)
    big = [(n, t) for n, t in points if n >= 1_000_000]
    if len(big) >= 2:
        print(f"\nvector carrier: time grows as products^{_fit(big):.2f} "
              f"(least squares over the {len(big)} layers with >= 1M products)")
    if args.network:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symconv", "prove", "--network", "resnet50",
                        "--quiet"], check=True)
        print(f"symconv prove --network resnet50: {time.perf_counter() - start:.1f} s")
    if args.verify:
        index = [label for label, _ in LAYERS].index("ResNet-50 3x3 64x56x56")
        seconds, peak = measure("verify", index, args.theorem, 1)
        print(f"exact verify of a cs231n im2col conv on ResNet-50 3x3: {seconds:.1f} s, "
              f"peak {peak / 2**20:.0f} MB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
