"""The picture of a WRONG verdict: the data it is drawn from (hand-checked), files, CLI, errors."""

from __future__ import annotations

import functools
import sys
import textwrap

import numpy as np
import pytest

from symconv import ConvSpec, SymconvError, verify
from symconv.cli import main
from symconv.tensors import parse_name
from symconv.verification.figure import (
    Product,
    VerdictPicture,
    draw_verdict,
    figure_path,
    verdict_picture,
)

from .zoo import right, wrong

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def correlate2d(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


def transposed(x, w):
    return correlate2d(x, np.swapaxes(w, 2, 3))


def cells(picture_side):
    """``{cell: [weight index, ...]}`` of one side, padding products marked with 'pad'."""
    return {c: [(p.weight, "pad") if p.padding else p.weight for p in ps]
            for c, ps in picture_side.items()}


@functools.cache
def transposed_verdict():
    return verify(transposed, ConvSpec((3, 3), (2, 2)))


# ---- the data, hand-checked --------------------------------------------------------------------

def test_transposed_kernel_cells_and_taps():
    """out[0,0,0,0] = sum w[u,v] x[u,v]; transposed, x[0,1] meets w[1,0] and x[1,0] meets w[0,1]."""
    picture = verdict_picture(transposed_verdict())
    assert picture.title == "out[0,0,0,0]: kernel transposed"
    assert (picture.input_slice, picture.kernel_slice) == ((0, 0), (0, 0))
    assert cells(picture.spec) == {(0, 0): [(0, 0, 0, 0)], (0, 1): [(0, 0, 0, 1)],
                                   (1, 0): [(0, 0, 1, 0)], (1, 1): [(0, 0, 1, 1)]}
    assert cells(picture.user) == {(0, 0): [(0, 0, 0, 0)], (0, 1): [(0, 0, 1, 0)],
                                   (1, 0): [(0, 0, 0, 1)], (1, 1): [(0, 0, 1, 1)]}
    assert picture.changed_taps == {(0, 1), (1, 0)}
    assert picture.pads == ((0, 0), (0, 0)) and picture.window == ((0, 3), (0, 3))


def test_dilation_ignored_with_padding_draws_the_spec_window_on_the_padding():
    """5x5, 2x2 kernel, dilation 2, padding 1: the spec's window at out[0,0,0,0] covers padded
    cells (0,0) (0,2) (2,0) (2,2), only the last inside (x[1,1] times w[1,1]); the code without
    dilation reads padded (0..1, 0..1), of which only (1,1) = x[0,0] is inside, times w[1,1]."""
    spec = ConvSpec((5, 5), (2, 2), dilation=2, padding=1)
    fn = functools.partial(wrong.conv2d_dilation_ignored, dilation=2, padding=1)
    picture = verdict_picture(verify(fn, spec))
    assert picture.title == "out[0,0,0,0]: dilation ignored"
    assert picture.pads == ((1, 1), (1, 1))
    assert cells(picture.spec) == {(0, 0): [((0, 0, 0, 0), "pad")],
                                   (0, 2): [((0, 0, 0, 1), "pad")],
                                   (2, 0): [((0, 0, 1, 0), "pad")], (2, 2): [(0, 0, 1, 1)]}
    assert cells(picture.user) == {(1, 1): [(0, 0, 1, 1)]}
    assert picture.changed_taps == {(1, 1)}  # the padding taps are zero on both sides


def test_missing_flip_in_1d():
    """Convolution of 5 by 3 at out[0]: x[0] w[2] + x[1] w[1] + x[2] w[0]; the code pairs x[i]
    with w[i]."""
    def corr1d(x, w):
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2,))
        return np.einsum("nciu,fcu->nfi", win, w)
    picture = verdict_picture(verify(corr1d, ConvSpec((5,), (3,)), kind="convolution"))
    assert picture.rank == 1 and picture.kernel == (1, 3) and picture.size == (1, 5)
    assert picture.title == "out[0,0,0]: missing flip"
    assert cells(picture.spec) == {(0, 0): [(0, 0, 2)], (0, 1): [(0, 0, 1)], (0, 2): [(0, 0, 0)]}
    assert cells(picture.user) == {(0, 0): [(0, 0, 0)], (0, 1): [(0, 0, 1)], (0, 2): [(0, 0, 2)]}
    assert picture.changed_taps == {(0, 0), (0, 2)}


def test_3d_draws_the_first_depth_slice_that_differs():
    """Depth flipped only: at out[0,0,0,0,0] the spec pairs x[d=0] with w[t=0], the code with
    w[t=1]; depth slice 0 of channel 0 differs first."""
    def flip_depth(x, w):
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3, 4))
        return np.einsum("ncdhwtuv,fctuv->nfdhw", win, w[:, :, ::-1])
    picture = verdict_picture(verify(flip_depth, ConvSpec((3, 3, 3), (2, 2, 2))))
    assert picture.input_slice == (0, 0, 0) and picture.kernel_slice == (0, 0, 0)
    assert cells(picture.spec)[(0, 1)] == [(0, 0, 0, 0, 1)]
    assert cells(picture.user)[(0, 1)] == [(0, 0, 1, 0, 1)]
    assert any("depth slice d=0" in line for line in picture.caption)
    assert any("x[0,0,1]" in line for line in picture.caption)  # the other slice, not drawn


def test_groups_leak_draws_the_slice_only_the_code_reads():
    spec = ConvSpec((4, 4), (2, 2), in_channels=4, out_channels=4, groups=2)
    picture = verdict_picture(verify(wrong.conv2d_groups_leak, spec))
    assert picture.position == (0, 2, 0, 0) and picture.input_slice == (0, 0)
    assert picture.spec == {} and set(picture.user) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert any("filter 2 reads x[0,2..3]" in line for line in picture.caption)


@pytest.mark.parametrize(("fn", "spec", "kind"), [
    (wrong.convolve2d_no_flip, ConvSpec((4, 5), (2, 3), in_channels=2), "convolution"),
    (wrong.conv2d_im2col_row_bug, ConvSpec((4, 5), (2, 3), in_channels=2), "correlation"),
    (functools.partial(wrong.conv2d_stride_on_offsets, stride=2, padding=1),
     ConvSpec((6, 6), (2, 3), stride=2, padding=1), "correlation"),
])
def test_the_drawn_products_are_the_forms_on_that_slice(fn, spec, kind):
    """Independent reading of ``first_forms``: every product on the drawn slice is in a cell."""
    verdict = verify(fn, spec, kind=kind)
    picture = verdict_picture(verdict)
    top, left = picture.pads[0][0], picture.pads[1][0]
    for side, items in zip((picture.user, picture.spec), verdict.first_forms):
        expected = set()
        for (wn, xn), _ in items:
            x = parse_name(xn)[1]
            if x[:2] == picture.input_slice:
                expected.add(((x[2] + top, x[3] + left), parse_name(wn)[1]))
        drawn = {(c, p.weight) for c, ps in side.items() for p in ps if not p.padding}
        assert drawn == expected


def test_title_without_a_named_mistake():
    def plus_one(x, w):
        return correlate2d(x, w) + 1
    picture = verdict_picture(verify(plus_one, ConvSpec((3, 3), (2, 2))))
    assert "no known mistake" in picture.title
    assert any("yours: 1" in line for line in picture.caption)
    assert picture.spec.keys() == picture.user.keys()


def test_large_inputs_are_cropped_around_the_window():
    picture = verdict_picture(verify(transposed, ConvSpec((16, 16), (3, 3))))
    assert picture.window == ((0, 4), (0, 4))
    assert any("cropped" in line for line in picture.caption)


# ---- refusals ----------------------------------------------------------------------------------

def test_correct_verdict_has_nothing_to_draw(tmp_path):
    verdict = verify(correlate2d, ConvSpec((3, 3), (2, 2)))
    with pytest.raises(SymconvError, match=r"^verdict: nothing to draw: the verdict is correct"):
        draw_verdict(verdict, tmp_path / "v.png")
    assert not (tmp_path / "v.png").exists()


def test_randomized_verdict_without_products_is_refused_with_the_way_out():
    verdict = verify(transposed, ConvSpec((3, 3), (2, 2)), method="randomized",
                     max_probe_calls=0)
    assert verdict.status.value == "wrong" and verdict.first_forms is None
    with pytest.raises(SymconvError, match="randomized check.*method='exact'"):
        verdict_picture(verdict)


def test_randomized_verdict_with_probed_products_says_so():
    exact = verdict_picture(transposed_verdict())
    verdict = verify(transposed, ConvSpec((3, 3), (2, 2)), method="randomized")
    if verdict.first_forms is None:
        pytest.skip("probing did not recover the products")
    picture = verdict_picture(verdict)
    assert picture.title == exact.title and picture.user == exact.user
    assert picture.spec == exact.spec
    assert any("probing" in line for line in picture.caption)
    assert not any("probing" in line for line in exact.caption)


def test_wrong_shape_and_non_verdicts_are_refused():
    verdict = verify(lambda x, w: correlate2d(x, w)[..., :-1], ConvSpec((3, 3), (2, 2)))
    with pytest.raises(SymconvError, match="the verdict is wrong shape"):
        verdict_picture(verdict)
    with pytest.raises(SymconvError, match="^verdict: expected the Verdict"):
        verdict_picture("WRONG")


@pytest.mark.parametrize(("name", "message"), [
    ("v.jpg", "expected a file name ending in .png or .svg, got"),
    ("v", "expected a file name ending in .png or .svg"),
    ("missing/v.png", "its directory does not exist"),
])
def test_bad_paths(tmp_path, name, message):
    with pytest.raises(SymconvError, match=f"^path: .*{message}"):
        draw_verdict(transposed_verdict(), tmp_path / name)


def test_a_directory_is_not_a_file(tmp_path):
    (tmp_path / "d.png").mkdir()
    with pytest.raises(SymconvError, match="is a directory"):
        figure_path(tmp_path / "d.png")


# ---- files -------------------------------------------------------------------------------------

def test_png_and_svg_files(tmp_path):
    png = draw_verdict(transposed_verdict(), tmp_path / "v.png")
    assert png == tmp_path / "v.png" and png.read_bytes()[:8] == PNG_MAGIC
    svg = draw_verdict(transposed_verdict(), str(tmp_path / "v.SVG"))
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_picture_is_a_frozen_value():
    picture = verdict_picture(transposed_verdict())
    assert isinstance(picture, VerdictPicture)
    with pytest.raises(AttributeError):
        picture.title = "x"  # type: ignore[misc]
    assert Product((0, 0, 0, 0)).coefficient == 1


# ---- command line ------------------------------------------------------------------------------

USER_MODULE = textwrap.dedent('''
    import numpy as np

    def conv(x, w):
        win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
        return np.einsum("nchwuv,fcuv->nfhw", win, w)

    def transposed(x, w):
        return conv(x, np.swapaxes(w, 2, 3))

    def affine(x, w):
        return conv(x, w) + 1
''')


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    (tmp_path / "figconv.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    sys.modules.pop("figconv", None)
    return tmp_path


def run_cli(capsys, *argv):
    code = main(["verify", *argv, "--input", "1x1x5x5", "--kernel", "1x1x3x3"])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_figure_of_a_wrong_verdict(user_dir, capsys):
    code, out, err = run_cli(capsys, "figconv:transposed", "--figure", "out.png")
    assert code == 1 and err == ""
    assert out.rstrip().endswith("figure: wrote out.png")
    assert (user_dir / "out.png").read_bytes()[:8] == PNG_MAGIC


def test_cli_correct_verdict_writes_nothing(user_dir, capsys):
    code, out, _ = run_cli(capsys, "figconv:conv", "--figure", "out.svg")
    assert code == 0 and "figure: not written (the verdict is correct" in out
    assert not (user_dir / "out.svg").exists()


def test_cli_randomized_verdict_writes_nothing(user_dir, capsys):
    code, out, _ = run_cli(capsys, "figconv:affine", "--figure", "out.png", "--method",
                           "randomized")  # not bilinear: probing cannot recover products
    assert code == 1 and "figure: not written (the randomized check did not recover" in out
    assert not (user_dir / "out.png").exists()


@pytest.mark.parametrize(("target", "message"), [
    ("out.jpg", "--figure: expected a file name ending in .png or .svg, got 'out.jpg'"),
    ("nodir/out.png", "--figure: cannot write 'nodir/out.png' (its directory does not exist)"),
])
def test_cli_bad_figure_path_exits_2_before_verifying(user_dir, capsys, target, message):
    code, out, err = run_cli(capsys, "figconv:transposed", "--figure", target)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_correct_verdicts_keep_no_forms():
    """Correct verdicts keep ``first_forms`` empty: the field is only for the picture."""
    verdict = verify(right.conv2d_loops, ConvSpec((4, 4), (2, 2)))
    assert verdict.proved and verdict.first_forms is None


def test_missing_matplotlib_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(SymconvError, match=r"^matplotlib: not installed; pip install "):
        draw_verdict(transposed_verdict(), tmp_path / "v.png")
    assert not (tmp_path / "v.png").exists()
