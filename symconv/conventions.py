"""The same layer in other libraries' words: equivalent calls for a ConvSpec, and the traps.

:func:`translate` gives, for a :class:`ConvSpec`, code for PyTorch, ``scipy.signal`` (2-D
``correlate2d`` and N-D ``correlate``), ``scipy.ndimage``, numpy and a cs231n-style im2col.  Each
:class:`Translation` holds the code *and* runs it (``run(x, w)`` executes that very text), so the
tests check every printed call against :func:`symconv.numeric.conv`.

The traps, each demonstrated in ``tests/test_conventions.py``:

* ``'same'`` with an even kernel: PyTorch and ``correlate2d`` pad ``(E-1)//2`` left and the extra
  on the right; ``scipy.signal.correlate``, ``numpy.correlate`` put the extra on the *left*.
* ``'valid'`` (scipy.signal and numpy) swaps the inputs when the second is larger.
* complex ``correlate`` (scipy.signal, numpy) conjugates its second argument; PyTorch does not.
* padding-mode names differ: see :data:`PADDING_NAMES`.

>>> t = translate(ConvSpec((5, 5), (4, 4), padding="same"), "scipy")
>>> print(t[0].code)
y = scipy.signal.correlate2d(x, w, mode='same')
>>> print(t[1].code)
y = scipy.signal.correlate(x, w, mode='full')[2:7, 2:7]
>>> t[1].same_offset
(1, 1)
"""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass, field

import numpy as np

from .errors import SpecError
from .spec import ConvSpec, PaddingMode

__all__ = ["Target", "Translation", "translate", "PADDING_NAMES", "same_pads"]


class Target(str, enum.Enum):
    """Libraries :func:`translate` writes for."""

    TORCH = "torch"
    SCIPY = "scipy"  #: scipy.signal: correlate2d (2-D) and correlate (N-D)
    NDIMAGE = "ndimage"
    NUMPY = "numpy"
    IM2COL = "im2col"  #: cs231n's im2col_indices + one matrix multiply


#: PyTorch padding mode -> (numpy.pad mode, scipy.signal boundary, scipy.ndimage mode).
#: scipy's 'symm' is numpy 'symmetric' (edge repeated) and ndimage 'reflect' is the same thing:
#: neither is PyTorch's 'reflect' (= numpy 'reflect' = ndimage 'mirror').
PADDING_NAMES: dict[PaddingMode, tuple[str, str | None, str]] = {
    PaddingMode.ZEROS: ("constant", "fill", "constant"),
    PaddingMode.REFLECT: ("reflect", None, "mirror"),
    PaddingMode.REPLICATE: ("edge", None, "nearest"),
    PaddingMode.CIRCULAR: ("wrap", "wrap", "wrap"),
}


def same_pads(function: str, extent: int) -> tuple[int, int]:
    """``(left, right)`` padding that ``mode='same'`` of ``function`` applies for a kernel extent.

    >>> same_pads("torch", 4), same_pads("scipy.signal.correlate2d", 4)
    ((1, 2), (1, 2))
    >>> same_pads("scipy.signal.correlate", 4), same_pads("numpy.correlate", 4)
    ((2, 1), (2, 1))
    """
    small, large = (extent - 1) // 2, extent // 2
    if function in ("torch", "scipy.signal.correlate2d"):
        return small, large
    if function in ("scipy.signal.correlate", "numpy.correlate"):
        return large, small
    raise SpecError(f"function: expected torch, scipy.signal.correlate2d, scipy.signal.correlate "
                    f"or numpy.correlate, got {function!r}")


@dataclass(frozen=True)
class Translation:
    """One equivalent call: ``code`` computes ``y`` from ``x`` and ``w`` in ``layout``."""

    library: str  #: the function used, e.g. ``scipy.signal.correlate2d``
    code: str  #: Python lines that assign ``y``
    layout: str  #: what ``x``, ``w`` and ``y`` are in ``code``
    same_offset: tuple[int, ...] | None = None  #: ``spec out[o] = library 'same'[o*s + offset]``
    notes: tuple[str, ...] = ()
    single: bool = field(default=False, repr=False)  #: code takes x[0, 0] and w[0, 0]

    def run(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Execute :attr:`code` on ``x``, ``w`` in the spec's layouts; ``(N, F, *out)``."""
        env = _namespace(self.library)
        x, w = np.asarray(x), np.asarray(w)
        if self.library.startswith("torch"):
            x, w = env["torch"].from_numpy(x), env["torch"].from_numpy(w)
        env.update(x=x[0, 0] if self.single else x, w=w[0, 0] if self.single else w)
        exec(self.code, env)  # the printed text itself is what runs
        y = env["y"]
        y = y.detach().numpy() if hasattr(y, "detach") else np.asarray(y)
        return y[None, None] if self.single else y


def _namespace(library: str) -> dict[str, object]:
    env: dict[str, object] = {"np": np, "sliding_window_view": np.lib.stride_tricks
                              .sliding_window_view}
    if library.startswith("torch"):
        torch = importlib.import_module("torch")
        env.update(torch=torch, F=torch.nn.functional)
    if library.startswith("scipy"):
        env["scipy"] = importlib.import_module("scipy")
        importlib.import_module("scipy.signal")
        importlib.import_module("scipy.ndimage")
    return env


def _target(to: Target | str) -> Target:
    try:
        return Target(to)
    except ValueError:
        raise SpecError(f"to: expected one of {', '.join(t.value for t in Target)}, got {to!r}; "
                        "e.g. --to scipy") from None


def _extents(spec: ConvSpec) -> tuple[int, ...]:
    return tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel_size, spec.dilation))


def _is_single(spec: ConvSpec) -> bool:
    return spec.batch == spec.in_channels == spec.out_channels == 1


def _strides(spec: ConvSpec, lead: str = "") -> str:
    if all(s == 1 for s in spec.stride):
        return ""
    return "[" + lead + ", ".join(f"::{s}" for s in spec.stride) + "]"


def _pad_line(spec: ConvSpec, name: str, single: bool) -> str:
    pairs = ", ".join(f"({a}, {b})" for a, b in spec.pads)
    width = f"({pairs},)" if single and spec.rank == 1 else (
        f"({pairs})" if single else f"((0, 0), (0, 0), {pairs})")
    mode = PADDING_NAMES[spec.padding_mode][0]
    extra = "" if mode == "constant" else f", mode={mode!r}"
    return f"{name} = np.pad(x, {width}{extra})"


def _dilate_line(spec: ConvSpec, single: bool) -> str | None:
    if all(d == 1 for d in spec.dilation):
        return None
    lead = "" if single else ":, :, "
    shape = ", ".join(map(str, _extents(spec)))
    shape = f"({shape},)" if single and spec.rank == 1 else (
        f"({shape})" if single else f"w.shape[:2] + ({shape},)")
    steps = ", ".join(f"::{d}" for d in spec.dilation)
    return f"wd = np.zeros({shape}, w.dtype); wd[{lead}{steps}] = w"


def _per_channel(spec: ConvSpec, call: str) -> str:
    """``y[n, f] = sum over c in f's group of call(xp[n, c], wd[f, c])`` as one expression."""
    cg, fg = spec.group_in_channels, spec.group_out_channels
    core = call.format(x=f"xp[n, f // {fg} * {cg} + c]", w="wd[f, c]")
    return (f"np.array([[sum({core} for c in range({cg})) for f in range({spec.out_channels})]"
            f" for n in range({spec.batch})])")


def _emit_call(lines: list[str], spec: ConvSpec, single: bool, xname: str, wline: str | None,
               call: str, slicer: str) -> None:
    """Append ``y = call(x, w)``: on ``x[0, 0]`` and ``w[0, 0]`` directly for a single-channel
    layer, otherwise summed per channel over ``xp`` and ``wd`` (see :func:`_per_channel`)."""
    if single:
        lines.append("y = " + call.format(x=xname, w="wd" if wline else "w") + slicer)
        return
    if xname == "x":
        lines.insert(0, "xp = x")
    if not wline:
        lines.append("wd = w")
    lines.append("y = " + _per_channel(spec, call) + slicer)


def _scipy(spec: ConvSpec, function: str) -> Translation:
    single = _is_single(spec)
    name = function.rsplit(".", 1)[1]
    extents = _extents(spec)
    boundary = PADDING_NAMES[spec.padding_mode][1] if name == "correlate2d" else (
        "fill" if spec.padding_mode is PaddingMode.ZEROS else None)
    same = tuple(same_pads(function, e) for e in extents)
    full = tuple((e - 1, e - 1) for e in extents)
    mode, slicer = "valid", _strides(spec, "" if single else ":, :, ")
    if boundary is not None and spec.pads == same:
        mode = "same"
    elif boundary is not None and spec.pads == full:
        mode = "full"
    elif spec.padding_mode is PaddingMode.ZEROS and all(
            a <= e - 1 and b <= e - 1 for (a, b), e in zip(spec.pads, extents)):
        mode = "full"  # a slice of the full correlation
        starts = [e - 1 - a for (a, _), e in zip(spec.pads, extents)]
        slicer = "[" + ("" if single else ":, :, ") + ", ".join(
            f"{st}:{st + s * (o - 1) + 1}" + (f":{s}" if s > 1 else "")
            for st, s, o in zip(starts, spec.stride, spec.output_size)) + "]"
    lines = []
    xname = "x" if mode != "valid" or not any(p for pair in spec.pads for p in pair) else "xp"
    if xname == "xp":
        lines.append(_pad_line(spec, "xp", single))
    wline = _dilate_line(spec, single)
    if wline:
        lines.append(wline)
    opts = f"mode={mode!r}"
    if name == "correlate2d" and mode != "valid" and boundary != "fill":
        opts += f", boundary={boundary!r}"
    _emit_call(lines, spec, single, xname, wline, f"scipy.signal.{name}({{x}}, {{w}}, {opts})",
               slicer)
    offset = tuple(a - pl for (a, _), (pl, _) in zip(same, spec.pads))
    notes = [f"{name}(mode='same') pads {same} (left, right per axis); this layer pads "
             f"{spec.pads}"]
    if spec.padding_mode in (PaddingMode.REFLECT, PaddingMode.REPLICATE):
        notes.append(f"no scipy.signal boundary is torch '{spec.padding_mode.value}' (symm is "
                     "numpy 'symmetric'): the input is padded with np.pad first")
    notes.append("'valid' swaps the inputs when w is larger than x; complex inputs: "
                 f"{name} conjugates w, torch does not")
    return Translation(function, "\n".join(lines), _layout(single, spec), offset, tuple(notes),
                       single)


def _layout(single: bool, spec: ConvSpec) -> str:
    if single:
        return (f"x: the {spec.rank}-D input x[0, 0], w: the kernel w[0, 0], y: the output "
                "y[0, 0]")
    return ("x: (N, C, *in), w: (F, C/groups, *k), y: (N, F, *out), as in PyTorch")


def _ndimage(spec: ConvSpec) -> Translation:
    single = _is_single(spec)
    extents = _extents(spec)
    origins = []
    for (pl, pr), e in zip(spec.pads, extents):
        origins.append(pl - e // 2 if pl + pr == e - 1 else None)
    mode = PADDING_NAMES[spec.padding_mode][2]
    lines = []
    wline = _dilate_line(spec, single)
    if wline:
        lines.append(wline)
    if all(o is not None for o in origins):  # output as large as the input, a shifted centre
        xname, opts = "x", f"mode={mode!r}, origin={tuple(origins)}"
        slicer = _strides(spec, "" if single else ":, :, ")
    else:  # pad first, then anchor the window at its first tap and keep the valid part
        lines.insert(0, _pad_line(spec, "xp", single))
        xname = "xp"
        opts = f"mode='constant', origin={tuple(-(e // 2) for e in extents)}"
        slicer = "[" + ("" if single else ":, :, ") + ", ".join(
            f":{s * (o - 1) + 1}" + (f":{s}" if s > 1 else "")
            for s, o in zip(spec.stride, spec.output_size)) + "]"
    _emit_call(lines, spec, single, xname, wline,
               f"scipy.ndimage.correlate({{x}}, {{w}}, {opts})", slicer)
    notes = (f"ndimage mode '{mode}' is torch '{spec.padding_mode.value}'; ndimage 'reflect' is "
             "numpy 'symmetric', not torch 'reflect'",
             "origin o centres the kernel at tap E//2 + o, i.e. pads (E//2 + o) on the left")
    return Translation("scipy.ndimage.correlate", "\n".join(lines), _layout(single, spec),
                       None, notes, single)


def _numpy(spec: ConvSpec) -> Translation:
    r = spec.rank
    letters_o, letters_k = "hwd"[:r], "uvz"[:r]
    lines = [_pad_line(spec, "xp", False) if any(p for pair in spec.pads for p in pair)
             else "xp = x"]
    axes = tuple(range(2, 2 + r))
    steps = ", ".join([f"::{s}" for s in spec.stride] + [f"::{d}" for d in spec.dilation])
    lines.append(f"win = sliding_window_view(xp, {_extents(spec)}, axis={axes})"
                 f"[:, :, {steps}]")
    g, cg, fg = spec.groups, spec.group_in_channels, spec.group_out_channels
    lines.append(f"win = win.reshape({spec.batch}, {g}, {cg}, *win.shape[2:])")
    lines.append(f"y = np.einsum('ngc{letters_o}{letters_k},gfc{letters_k}->ngf{letters_o}', "
                 f"win, w.reshape({g}, {fg}, {cg}, *w.shape[2:]))"
                 f".reshape({spec.batch}, {spec.out_channels}, *win.shape[3:{3 + r}])")
    notes = [f"np.pad mode '{PADDING_NAMES[spec.padding_mode][0]}' is torch "
             f"'{spec.padding_mode.value}'"]
    if r == 1:
        notes.append("numpy.correlate (1-D) conjugates its second argument, swaps the inputs in "
                     "'valid' when the second is longer, and its 'same' puts the extra pad left")
    return Translation("numpy", "\n".join(lines), _layout(False, spec), None, tuple(notes))


def _torch(spec: ConvSpec) -> Translation:
    fn = f"F.conv{spec.rank}d"
    common = f"stride={spec.stride}, dilation={spec.dilation}, groups={spec.groups}"
    symmetric = all(a == b for a, b in spec.pads)
    if spec.padding_mode is PaddingMode.ZEROS and (symmetric or spec.padding == "same"):
        padding = "'same'" if spec.padding == "same" else str(tuple(a for a, _ in spec.pads))
        code = f"y = {fn}(x, w, padding={padding}, {common})"
    else:
        flat = [p for pair in reversed(spec.pads) for p in pair]
        mode = "" if spec.padding_mode is PaddingMode.ZEROS else \
            f", mode={spec.padding_mode.value!r}"
        code = f"y = {fn}(F.pad(x, {flat}{mode}), w, {common})"
    notes = ("F.pad takes the last axis first: [left_W, right_W, left_H, right_H, ...]",
             f"torch.nn.Conv{spec.rank}d(..., padding_mode='{spec.padding_mode.value}') is the "
             "same layer when the padding is symmetric or 'same'")
    return Translation("torch", code, _layout(False, spec), None, notes)


def _im2col(spec: ConvSpec) -> Translation:
    symmetric = all(a == b for a, b in spec.pads)
    if (spec.rank != 2 or spec.groups != 1 or any(d != 1 for d in spec.dilation)
            or not symmetric or len(set(spec.stride)) != 1 or len({a for a, _ in spec.pads}) != 1
            or spec.padding_mode is not PaddingMode.ZEROS):
        raise SpecError(f"to: cs231n-style im2col takes 2-D, groups=1, dilation=1, one zero "
                        f"padding and one stride for both axes, got {spec.describe()}; use "
                        "--to numpy")
    (kh, kw), (oh, ow) = spec.kernel_size, spec.output_size
    code = (f"cols = im2col_indices(x, field_height={kh}, field_width={kw}, "
            f"padding={spec.pads[0][0]}, stride={spec.stride[0]})\n"
            f"y = (w.reshape({spec.out_channels}, -1) @ cols).reshape("
            f"{spec.out_channels}, {oh}, {ow}, {spec.batch}).transpose(3, 0, 1, 2)")
    notes = ("cols rows are c*kH*kW + u*kW + v, columns (oh*OW + ow)*N + n (batch fastest)",
             "run() supplies im2col_indices from symconv.forms.im2col(x, spec, 'batch-fastest'); "
             "a non-square kernel catches a row index that uses kH where kW belongs")
    return Translation("im2col", code, _layout(False, spec), None, notes)


def translate(spec: ConvSpec, to: Target | str) -> tuple[Translation, ...]:
    """Equivalent calls for ``spec`` in library ``to`` (``scipy`` gives correlate2d and correlate).

    >>> print(translate(ConvSpec((8, 8), 3, stride=2, padding=1), "torch")[0].code)
    y = F.conv2d(x, w, padding=(1, 1), stride=(2, 2), dilation=(1, 1), groups=1)
    """
    if not isinstance(spec, ConvSpec):
        raise SpecError(f"spec: expected a ConvSpec, got {type(spec).__name__}")
    target = _target(to)
    if target is Target.TORCH:
        return (_torch(spec),)
    if target is Target.SCIPY:
        out = [_scipy(spec, "scipy.signal.correlate")]
        if spec.rank == 2:
            out.insert(0, _scipy(spec, "scipy.signal.correlate2d"))
        return tuple(out)
    if target is Target.NDIMAGE:
        return (_ndimage(spec),)
    if target is Target.NUMPY:
        return (_numpy(spec),)
    translation = _im2col(spec)
    return (_with_im2col(translation, spec),)


@dataclass(frozen=True)
class _Im2colTranslation(Translation):
    spec: ConvSpec | None = None

    def run(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        from .forms import im2col

        spec = self.spec
        assert spec is not None

        def im2col_indices(x: np.ndarray, field_height: int, field_width: int, padding: int,
                           stride: int) -> np.ndarray:
            assert (field_height, field_width) == spec.kernel_size
            return im2col(x, spec, "batch-fastest")[0]

        env = {"np": np, "im2col_indices": im2col_indices, "x": np.asarray(x),
               "w": np.asarray(w)}
        exec(self.code, env)
        return np.asarray(env["y"])


def _with_im2col(t: Translation, spec: ConvSpec) -> Translation:
    return _Im2colTranslation(t.library, t.code, t.layout, t.same_offset, t.notes, False, spec)
