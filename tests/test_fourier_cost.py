"""The FFT proofs' cost model: hand-counted work, estimates against measurements, oversized
layers refused up front (API and command line), limits that change the decision."""

from __future__ import annotations

import math
import time
import tracemalloc

import pytest

from symconv import ConvSpec
from symconv.errors import ResourceError, SymconvError
from symconv.fourier import prove_fft
from symconv.fourier import theorems as fft_theorems
from symconv.fourier.cost import CLAIMS, estimate_fft, fft_work
from symconv.resources import estimate, guard, limited
from tests.cli_runner import run_cli

LINEAR, CIRCULAR = "fft-linear-convolution", "fft-circular-convolution"
HUGE = ConvSpec((224, 224), (3, 3), padding=1, in_channels=3, out_channels=64)


def test_work_counts_by_hand():
    # 3 * 2, no padding: N = 4, m = 4, VX = 3 x-variables, VW = 2 w-variables
    w = fft_work(LINEAR, ConvSpec((3,), (2,)))
    assert w.spectrum == 4 * 3 * 4                    # X: positions x VX x m
    assert w.multiply == CLAIMS * (4 * 3 * 2 * 4) * 4   # EP·m per claim
    # n passes per axis, each m = 4 times the work (matrix products of 0/1 shift matrices)
    assert w.transform == 4 * 4 * (48 + CLAIMS * (4 * 2 * 4 + 4 * 3 * 2 * 4))
    assert w.butterfly == 0
    # the reference: full convolution 4 positions x 2 taps, the correlations 2 x 2 each
    assert w.products == 2 * 4 + 2 * 2 * 2
    assert fft_work(LINEAR, ConvSpec((3,), (2,)), algorithm="radix-2").butterfly > 0


def test_work_counts_by_hand_are_per_plane_on_many_channels():
    # batch 2, channels 2 -> 3, 3 * 2: each entry holds one plane's I = 3 x- or K = 2 w-variables
    w = fft_work(LINEAR, ConvSpec((3,), (2,), in_channels=2, out_channels=3, batch=2))
    assert w.spectrum == 2 * 2 * 4 * 3 * 4                    # B·C·S·I·m, not B·C·S·(B·C·I)·m
    assert w.multiply == CLAIMS * (2 * 3 * 2 * 4 * 3 * 2 * 4) * 4  # B·F·C·S·I·K·m, times m
    assert w.sparse == CLAIMS * 2 * 3 * 2 * 4 * 3 * 2
    assert w.products == 2 * 3 * 2 * (2 * 4 + 2 * 2 * 2)


def test_work_grows_with_every_dimension():
    base = ConvSpec((6, 6), (3, 3))
    b = estimate_fft(LINEAR, base)
    for bigger in (ConvSpec((7, 6), (3, 3)), ConvSpec((6, 6), (3, 3), in_channels=2),
                   ConvSpec((6, 6), (3, 3), out_channels=2), ConvSpec((6, 6), (3, 3), batch=2),
                   ConvSpec((6, 6), (4, 3))):
        e = estimate_fft(LINEAR, bigger)
        assert e.seconds > b.seconds and e.bytes > b.bytes, bigger.describe()
    # a length with a larger lcm costs more than the same count of positions
    assert estimate_fft(LINEAR, base, size=(8, 9)).seconds > \
        estimate_fft(LINEAR, base, size=(8, 8)).seconds


@pytest.mark.parametrize("spec", [ConvSpec((32,), (5,)), ConvSpec((6, 6), (3, 3)),
                                  ConvSpec((6, 6), (3, 3), in_channels=3, out_channels=2,
                                           batch=2)],
                         ids=lambda s: s.describe())
def test_estimate_against_a_measurement(spec):
    """Memory (deterministic) within 3x of tracemalloc's peak; time within 10x of the wall time
    (the machine is shared: the fit's spread was 0.46x-2.3x at load 4 on 2 cores)."""
    est = estimate(spec, "prove", theorem=LINEAR)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        assert prove_fft(LINEAR, spec)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert est.bytes / 3 <= peak <= est.bytes * 3, (est, peak)
    assert est.seconds / 10 <= seconds <= est.seconds * 10, (est, seconds)


def test_huge_layer_refused_at_once_naming_the_estimate():
    est = estimate(HUGE, "prove", theorem=LINEAR)
    assert est.carrier == "cyclotomic" and est.seconds > 86400 * 365 and est.bytes > 2 ** 50
    start = time.perf_counter()
    with pytest.raises(ResourceError) as err:
        prove_fft(LINEAR, HUGE)
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert "\n" not in message and f"estimated {est}" in message
    assert message.startswith("layer: prove fft-linear-convolution on 224x224")
    assert "smaller layer" in message


def test_guard_runs_before_any_work(monkeypatch):
    """Attack: if the guard came after the claims were built, this would raise the trap."""
    def trap(*args, **kwargs):
        raise AssertionError("work started before the guard")
    monkeypatch.setattr(fft_theorems, "linear_claims", trap)
    monkeypatch.setattr(fft_theorems, "circular_claims", trap)
    with pytest.raises(ResourceError):
        prove_fft(LINEAR, HUGE)
    circular = ConvSpec((224, 224), (3, 3), padding="same", padding_mode="circular",
                        in_channels=3, out_channels=64)
    with pytest.raises(ResourceError):
        prove_fft(CIRCULAR, circular)


def test_limits_change_the_decision():
    spec = ConvSpec((6, 6), (3, 3))
    est = estimate(spec, "prove", theorem=LINEAR)
    assert 0 < est.seconds < 60
    assert prove_fft(LINEAR, spec)  # fits the defaults
    with limited(max_seconds=est.seconds / 2), pytest.raises(ResourceError, match="time limit"):
        prove_fft(LINEAR, spec)
    with limited(max_bytes=est.bytes // 2), pytest.raises(ResourceError, match="memory limit"):
        prove_fft(LINEAR, spec)
    with limited(max_seconds=est.seconds * 2, max_bytes=est.bytes * 2):
        assert prove_fft(LINEAR, spec)
    # and the other way: the huge layer passes the guard with no limits (estimate only)
    assert guard(HUGE, "prove", theorem=LINEAR, max_seconds=math.inf,
                 max_bytes=2 ** 63).seconds == estimate(HUGE, theorem=LINEAR).seconds


def test_the_options_reach_the_model():
    spec = ConvSpec((12,), (5,))
    dft = estimate(spec, "prove", theorem=LINEAR)
    radix = estimate(spec, "prove", theorem=LINEAR, algorithm="radix-2")
    assert dft.seconds != radix.seconds  # both length 16: n passes vs log2 n
    assert estimate(spec, theorem=LINEAR, size=32).bytes > dft.bytes
    circ = ConvSpec((12,), (5,), padding="same", padding_mode="circular")
    assert estimate(circ, theorem=CIRCULAR) == estimate_fft(CIRCULAR, circ)


def test_bad_input_is_one_line():
    spec = ConvSpec((8,), (3,))
    with pytest.raises(SymconvError, match="algorithm: expected one of dft, radix-2"):
        estimate(spec, theorem=LINEAR, algorithm="bluestein")
    with pytest.raises(SymconvError, match="theorem: no FFT theorem named 'fft-nope'"):
        estimate(spec, theorem="fft-nope")
    with pytest.raises(SymconvError, match="options: algorithm apply to the fft-"):
        estimate(spec, theorem="dot-equals-im2col", algorithm="dft")
    with pytest.raises(SymconvError, match="size: expected 1 positive"):
        estimate(spec, theorem=LINEAR, size=(0,))


def test_cli_refuses_with_one_line_and_exit_2(capsys):
    code, out, err = run_cli(capsys, "prove", LINEAR, "--input", "64x64")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "too big: estimated" in lines[0] and "cyclotomic" in lines[0]
    code, out, err = run_cli(capsys, "prove", LINEAR, "--input", "4x4", "--kernel", "3x3",
                             "--max-seconds", "0.0001")
    assert code == 2 and "time limit" in err
