"""Whole networks as ConvSpecs (symconv.networks) and ``symconv prove --network``.

The tables are pinned three ways: hand-checked layers, exact counts and totals measured once,
and the layer list torchvision 0.28 produced (tests/golden/networks_torchvision.json, recorded
with forward hooks and ConvSpec.from_torch); the live torchvision comparison runs when it imports.
The CLI runs end to end on resnet18 and mobilenet_v2 with their channels scaled down (the real
code path of the builders, ``_base=2``), so the proofs take about a second.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import pytest

import symconv.cli.network as cli_network
from symconv import (
    ConvSpec,
    Layer,
    SpecError,
    SymconvError,
    correlate,
    distinct_layers,
    layer_products,
    network_layers,
    network_names,
)
from symconv import networks as networks_module
from symconv import theorems as theorems_module
from tests.cli_runner import run_cli

GOLDEN = Path(__file__).parent / "golden" / "networks_torchvision.json"

# name: (conv layers, distinct specs, weight-input products of one forward pass at 224x224)
TOTALS = {
    "resnet18": (20, 11, 1_813_561_344),
    "resnet50": (53, 23, 4_087_136_256),
    "vgg16": (13, 9, 15_346_630_656),
    "mobilenet_v2": (52, 30, 299_494_272),
}


def test_network_names():
    assert network_names() == list(TOTALS)


@pytest.mark.parametrize("name", list(TOTALS))
def test_counts_and_total_products(name):
    layers = network_layers(name)
    count, distinct, products = TOTALS[name]
    assert len(layers) == count
    assert len(distinct_layers(name)) == distinct
    assert sum(layer.products for layer in layers) == products
    assert all(isinstance(layer, Layer) and layer.spec.batch == 1 for layer in layers)
    assert len({layer.name for layer in layers}) == count  # every module once, forward order


def test_resnet50_stem_by_hand():
    stem = network_layers("resnet50")[0]
    assert stem.name == "conv1"
    assert stem.spec == ConvSpec((224, 224), (7, 7), in_channels=3, out_channels=64, stride=2,
                                 padding=3)
    assert stem.spec.output_size == (112, 112)  # (224 + 6 - 7) // 2 + 1
    assert stem.products == 3 * 7 * 7 * 64 * 112 * 112 == 118_013_952


def test_resnet50_first_bottleneck_by_hand():
    layers = {layer.name: layer.spec for layer in network_layers("resnet50")}
    assert layers["layer1.0.conv2"] == ConvSpec((56, 56), (3, 3), in_channels=64,
                                                out_channels=64, padding=1)
    assert layers["layer1.0.conv3"] == ConvSpec((56, 56), (1, 1), in_channels=64,
                                                out_channels=256)
    assert layers["layer1.0.downsample.0"] == ConvSpec((56, 56), (1, 1), in_channels=64,
                                                       out_channels=256)
    # stride 2 sits on the 3x3 conv (torchvision's v1.5) and on the shortcut
    assert layers["layer2.0.conv1"].output_size == (56, 56)
    assert layers["layer2.0.conv2"].stride == (2, 2)
    assert layers["layer2.0.conv2"].output_size == (28, 28)
    assert layers["layer2.0.downsample.0"] == ConvSpec((56, 56), (1, 1), in_channels=256,
                                                       out_channels=512, stride=2)
    assert layers["layer4.2.conv3"] == ConvSpec((7, 7), (1, 1), in_channels=512,
                                                out_channels=2048)
    names = [layer.name for layer in network_layers("resnet50")][:6]
    assert names == ["conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3",
                     "layer1.0.downsample.0", "layer1.1.conv1"]


def test_mobilenet_v2_depthwise_by_hand():
    layers = {layer.name: layer.spec for layer in network_layers("mobilenet_v2")}
    dw = layers["features.2.conv.1.0"]  # expand 16 -> 96, then depthwise 3x3 stride 2
    assert dw == ConvSpec((112, 112), (3, 3), in_channels=96, out_channels=96, stride=2,
                          padding=1, groups=96)
    assert dw.weight_shape == (96, 1, 3, 3) and dw.output_size == (56, 56)
    assert layer_products(dw) == 96 * 9 * 56 * 56
    assert layers["features.1.conv.0.0"].groups == 32  # t=1: no expansion conv
    assert layers["features.3.conv.1.0"] == ConvSpec((56, 56), (3, 3), in_channels=144,
                                                     out_channels=144, padding=1, groups=144)
    assert layers["features.18.0"] == ConvSpec((7, 7), (1, 1), in_channels=320,
                                               out_channels=1280)


def test_vgg16_has_bias_and_resnets_do_not():
    vgg = network_layers("vgg16")
    assert all(layer.spec.bias for layer in vgg)
    assert [layer.name for layer in vgg][:3] == ["features.0", "features.2", "features.5"]
    assert vgg[-1].name == "features.28"
    assert vgg[-1].spec == ConvSpec((14, 14), (3, 3), in_channels=512, out_channels=512,
                                    padding=1, bias=True)
    for name in ("resnet18", "resnet50", "mobilenet_v2"):
        assert not any(layer.spec.bias for layer in network_layers(name))


def test_distinct_layers_partition_the_layers_in_order_of_first_use():
    for name in network_names():
        layers = network_layers(name)
        groups = distinct_layers(name)
        assert len({spec for spec, _ in groups}) == len(groups)
        assert sorted(n for _, names in groups for n in names) == sorted(
            layer.name for layer in layers)
        by_name = {layer.name: layer.spec for layer in layers}
        assert all(by_name[n] == spec for spec, names in groups for n in names)
        firsts = [names[0] for _, names in groups]
        order = [layer.name for layer in layers]
        assert firsts == sorted(firsts, key=order.index)
    spec, names = distinct_layers("resnet18")[1]
    assert names == ["layer1.0.conv1", "layer1.0.conv2", "layer1.1.conv1", "layer1.1.conv2"]


def test_input_size_scales_every_layer():
    small = network_layers("resnet18", input_size=32)
    assert small[0].spec.input_size == (32, 32)
    assert small[-1].spec == ConvSpec((1, 1), (3, 3), in_channels=512, out_channels=512,
                                      padding=1)
    assert sum(layer.products for layer in small) == 37_011_456
    assert layer_products(small[0].spec) == 3 * 49 * 64 * 16 * 16


@pytest.mark.parametrize(("name", "size"), [(n, s) for n in TOTALS for s in ("224", "97", "32")])
def test_tables_match_the_recorded_torchvision_tables(name, size):
    golden = json.loads(GOLDEN.read_text())["networks"][name][size]
    ours = [[layer.name, layer.spec.describe()] for layer in network_layers(name, int(size))]
    assert ours == golden


def _torchvision_models():
    try:
        import torchvision.models
    except ImportError:
        return None
    except RuntimeError:  # a torchvision built for another torch (its C ops do not load)
        return None
    return torchvision.models


@pytest.mark.skipif(_torchvision_models() is None,
                    reason="the vision model zoo does not import here; the recorded tables "
                           "above pin what it produced")
@pytest.mark.parametrize("name", list(TOTALS))
def test_tables_match_live_torchvision(name):
    from symconv import specs_from_module

    model = getattr(_torchvision_models(), name)(weights=None)
    for size in (224, 64):
        theirs = specs_from_module(model, (1, 3, size, size))
        assert theirs == [(layer.name, layer.spec) for layer in network_layers(name, size)]


def test_unknown_network_names_close_matches():
    with pytest.raises(SymconvError, match=r"^network: no network named 'resnet5'; did you "
                                           r"mean resnet50 or resnet18\?$"):
        network_layers("resnet5")
    with pytest.raises(SymconvError, match=r"^network: no network named 'alexnet'; choose one "
                                           r"of resnet18, resnet50, vgg16, mobilenet_v2$"):
        distinct_layers("alexnet")


@pytest.mark.parametrize("size", [0, -3, True, 2.5, "224"])
def test_bad_input_size(size):
    with pytest.raises(SpecError, match=r"^input_size: expected a positive integer"):
        network_layers("resnet18", size)


def test_input_too_small_for_the_pools():
    with pytest.raises(SpecError, match=r"^input_size: expected at least 32 for vgg16 .*got 31"):
        network_layers("vgg16", 31)
    assert network_layers("vgg16", 32)[-1].spec.input_size == (2, 2)
    assert network_layers("resnet50", 1)[-1].spec.input_size == (1, 1)


# ---- symconv prove --network, on channel-scaled networks ----

@pytest.fixture
def scaled(monkeypatch):
    """The CLI's networks with every channel count divided by 32 (64 -> 2)."""
    for fn in ("distinct_layers", "network_layers"):
        real = getattr(networks_module, fn)
        monkeypatch.setattr(cli_network, fn, functools.partial(real, _base=2))


def _rows(out):
    return [line for line in out.splitlines() if line[:3].strip().isdigit()]


def test_cli_network_table_and_total(capsys, scaled):
    code, out, err = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == ("resnet18 at 16x16, batch 1: 20 conv layers, 11 distinct; each distinct "
                        "layer proved once (agree = all-formulations-agree, flip = "
                        "convolution-is-flipped-correlation)")
    assert lines[1].split() == ["#", "spec", "products", "agree", "flip", "result", "used",
                                "by"]
    rows = _rows(out)
    assert len(rows) == 11 and all("  proved  " in row for row in rows)
    assert rows[0].startswith("  1  16x16 * 7x7, C=3, F=2, stride 2, pad 3")
    assert rows[0].split()[-1] == "conv1"
    assert " 18816 " in rows[0]  # 3*49 products per output, 2 filters, 8x8 outputs
    assert rows[1].endswith("layer1.0.conv1, layer1.0.conv2, layer1.1.conv1, layer1.1.conv2")
    assert lines[-1].startswith("total: 20 conv layers, 11 distinct, 33408 products per forward "
                                "pass; 22 of 22 proofs hold (66496 products compared, ")
    assert lines[-1].endswith("s): all proved.")
    layers = network_layers("resnet18", 16, _base=2)
    assert sum(layer.products for layer in layers) == 33408


def test_cli_network_one_theorem(capsys, scaled):
    code, out, _ = run_cli(capsys, "prove", "convolution-is-flipped-correlation", "--network",
                           "mobilenet_v2", "--input", "8x8")
    assert code == 0
    assert out.splitlines()[1].split()[:4] == ["#", "spec", "products", "flip"]
    assert "agree" not in out.splitlines()[1]
    assert len(_rows(out)) == 28
    assert "C=6, F=6, groups 6, stride 2, pad 1" in out  # depthwise: groups = channels
    assert "; 28 of 28 proofs hold" in out


def test_cli_network_json(capsys, scaled):
    code, out, _ = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["schema"], doc["command"], doc["holds"], doc["count"], doc["held"]) == (
        "symconv-cli/1", "prove", True, 22, 22)
    net = doc["network"]
    assert (net["name"], net["input_size"], net["layer_count"], net["distinct_count"],
            net["products"]) == ("resnet18", 16, 20, 11, 33408)
    assert net["layers"][4] == {"name": "layer1.1.conv2", "spec_index": 1}
    first, second = doc["proofs"][2], doc["proofs"][3]
    assert first["theorem"] == "all-formulations-agree"
    assert second["theorem"] == "convolution-is-flipped-correlation"
    assert first["spec_index"] == second["spec_index"] == 1
    assert first["layers"] == ["layer1.0.conv1", "layer1.0.conv2", "layer1.1.conv1",
                               "layer1.1.conv2"]
    assert first["layer"]["label"] == "resnet18 layer1.0.conv1"
    assert first["layer"]["input_size"] == [4, 4] and first["holds"]


def test_cli_network_quiet(capsys, scaled):
    code, out, err = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16", "-q")
    assert (code, out, err) == (0, "", "")


def _forget_the_flip(monkeypatch):
    thm = theorems_module.get_theorem("convolution-is-flipped-correlation")
    wrong = dataclasses.replace(thm, right=lambda x, w, spec: correlate(
        x, w, spec.replace(padding=spec.convolution_pads)))
    monkeypatch.setitem(theorems_module._REGISTRY, thm.name, wrong)


def test_cli_network_disproof_prints_the_counterexample(capsys, scaled, monkeypatch):
    _forget_the_flip(monkeypatch)
    code, out, _ = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16")
    assert code == 1
    rows = _rows(out)
    # a 1x1 kernel is its own flip, and on a 1x1 input with pad 1 only the centre tap of a 3x3
    # kernel meets the input: those rows still hold, the other five do not
    disproved = [int(row.split()[0]) for row in rows if "DISPROVED (flip)" in row]
    assert disproved == [1, 2, 3, 4, 6]
    assert all("  proved  " in row for row in rows if int(row.split()[0]) not in disproved)
    total = next(line for line in out.splitlines() if line.startswith("total: "))
    assert "; 17 of 22 proofs hold (" in total and total.endswith(" s): 5 DISPROVED.")
    assert "\nlayers conv1:\nDISPROVED: convolution-is-flipped-correlation on 16x16 * 7x7" in out
    assert "counterexample:" in out and "left only:" in out and "right only:" in out


def test_cli_network_disproof_quiet_and_json(capsys, scaled, monkeypatch):
    _forget_the_flip(monkeypatch)
    code, out, _ = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16", "-q")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 5 and lines[0] == (
        "DISPROVED: convolution-is-flipped-correlation on 16x16 * 7x7, C=3, F=2, stride 2, "
        "pad 3 (layers conv1)")
    code, out, _ = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16", "--json")
    doc = json.loads(out)
    assert code == 1 and not doc["holds"] and doc["held"] == 17
    bad = [p for p in doc["proofs"] if not p["holds"]]
    assert [p["spec_index"] for p in bad] == [0, 1, 2, 3, 5]
    assert all(p["counterexample"]["differing"] > 0 for p in bad)


@pytest.mark.parametrize(("argv", "message"), [
    (["--network", "resnet5"], "network: no network named 'resnet5'; did you mean resnet50"),
    (["dot-equals-im2col", "--network", "vgg16"],
     "NAME: --network proves all-formulations-agree or convolution-is-flipped-correlation, "
     "got 'dot-equals-im2col'"),
    (["--network", "vgg16", "--stride", "2", "--kernel", "3x3"],
     "--network: the network fixes every layer, so --stride, --kernel cannot apply"),
    (["--network", "vgg16", "--input", "32x16"], "--input: expected one image size N (or NxN)"),
    (["--network", "vgg16", "--input", "16"], "--input: expected at least 32 for vgg16"),
    (["--network", "vgg16", "--all-sizes"], "--all-sizes: proves every size at once"),
])
def test_cli_network_bad_input_exits_2(capsys, argv, message):
    code, out, err = run_cli(capsys, "prove", *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"symconv prove: error: {message}") and err.count("\n") == 1


def test_cli_help_documents_network(capsys):
    code, out, _ = run_cli(capsys, "prove", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--network NET" in text
    assert "resnet18, resnet50, vgg16, mobilenet_v2" in text
    assert "NAME, if given, picks one of those two theorems" in text


def test_network_totals_match_spec_arithmetic():
    # products = products_per_output * prod(output_shape), summed with multiplicity
    for name in network_names():
        total = sum(spec.products_per_output * math.prod(spec.output_shape) * len(names)
                    for spec, names in distinct_layers(name))
        assert total == TOTALS[name][2]


def test_cli_network_refused_at_once_when_the_total_is_over_the_time_limit(capsys):
    code, out, err = run_cli(capsys, "prove", "--network", "resnet50", "--max-seconds", "60")
    assert code == 2 and out == ""
    assert err.startswith("symconv prove: error: --network: resnet50 at 224x224 (23 distinct "
                          "layers, all-formulations-agree and convolution-is-flipped-correlation"
                          ") is too big: estimated ")
    assert "in total, mostly on the vector carrier, above the time limit 60 s" in err
    assert err.rstrip().endswith("raise --max-seconds, prove one theorem (NAME), or use a "
                                 "smaller --input")


def test_cli_network_refused_at_once_when_one_layer_is_over_the_memory_limit(capsys):
    code, out, err = run_cli(capsys, "prove", "--network", "resnet50", "--max-memory", "1G")
    assert code == 2 and out == ""
    assert err.startswith("symconv prove: error: --network: resnet50 at 224x224, conv1: prove "
                          "all-formulations-agree on 224x224 * 7x7, C=3, F=64, stride 2, pad 3 "
                          "is too big: estimated ")
    assert "above the memory limit 1.0 GiB" in err and err.count("\n") == 1


def test_cli_network_progress_on_a_terminal_only(capsys, scaled, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16")
    assert code == 0 and len(_rows(out)) == 11 and "all proved." in out  # the table on stdout
    drawn = err.replace("\r", "\n")
    per_proof = sum(layer_products(spec) for spec, _ in distinct_layers("resnet18", 16, _base=2))
    assert per_proof == 24768  # both theorems on every distinct layer: twice that estimated
    assert drawn.lstrip().startswith("proving resnet18: estimated 49536 products, ")
    assert "proving resnet18: 100%" in drawn and "22/22" in drawn  # the bar, one tick a proof
    code, out, err = run_cli(capsys, "prove", "--network", "resnet18", "--input", "16", "-q")
    assert (code, out, err) == (0, "", "")
