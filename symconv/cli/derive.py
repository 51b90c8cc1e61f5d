"""``symconv derive NAME [layer options] [--names I,K,S] --format FORMAT [-o FILE]``.

A derivation estimated to take seconds shows its phases on stderr (building, formatting,
compiling, writing) when stderr is a terminal; ``--quiet`` silences them and the ``wrote FILE``
lines.  Work estimated above ``--max-seconds`` / ``--max-memory`` is refused before it starts.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from typing import TYPE_CHECKING

from ..errors import SymconvError
from ..progress import QUIET, Progress
from ..resources import guard, limited
from ..theorems import theorem_names
from .options import add_limit_options, add_spec_options, limits_from_options, spec_from_options
from .winograd import add_winograd_options, winograd_cli_page

if TYPE_CHECKING:  # symconv.latex (sympy) loads in run(), so that --help stays light
    from ..latex.derivation import Derivation


class Format(str, enum.Enum):
    """What ``symconv derive`` writes."""

    LATEX = "latex"  #: an align* environment
    MATHJAX = "mathjax"  #: an aligned environment (MathJax, KaTeX, Jupyter)
    MARKDOWN = "markdown"  #: a ```math block for GitHub
    DOCUMENT = "document"  #: a complete article for pdflatex
    PNG = "png"  #: the compiled page(s) as PNG (needs pdflatex and pdftoppm)
    FIGURES_PNG = "figures-png"  #: the figures via matplotlib, no TeX needed
    FIGURES_SVG = "figures-svg"  #: the figures via matplotlib, as SVG


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("derive", help="a proved derivation as LaTeX, Markdown or PNG",
                       description="Write the derivation of a theorem (or the worked example) "
                                   "for notes: every step is proved exactly as it is built.")
    # = symconv.latex.derivations(), without importing sympy (a test checks they agree)
    p.add_argument("name", help="one of: " + ", ".join([*theorem_names(), "example"]) +
                   ", winograd (the transforms of F(m, r): --m, --r, --rank), "
                   + ", ".join(FAST_PAGES) + " (a small 1-D layer of their own, default: "
                   "fft-linear --input 3 --kernel 2, fft-circular --input 4 --kernel 3 "
                   "--padding 1 --padding-mode circular, winograd-equals --input 6 --kernel 3)")
    p.add_argument("--names", default="I,K,S", metavar="IN,KERNEL,OUT",
                   help="printed names of input, kernel and output (default I,K,S; Greek names "
                        "like alpha become letters)")
    p.add_argument("--format", default="latex", metavar="FORMAT",
                   help="one of: " + ", ".join(f.value for f in Format) + " (default latex)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here (default stdout; required for png and figures)")
    p.add_argument("--dpi", default="150", help=f"resolution of PNG output ({DPI_RANGE[0]} to "
                                                 f"{DPI_RANGE[1]}, default 150)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress and no 'wrote FILE' lines on stderr")
    add_spec_options(p)
    add_limit_options(p)
    add_winograd_options(p)
    p.set_defaults(run=run)


#: = symconv.latex.fourier.FFT_DERIVATIONS, without sympy (a test checks they agree)
FFT_PAGES = ("fft-linear-convolution", "fft-circular-convolution")
#: = symconv.latex.fast_pages.FAST_PAGES: pages on small layers of their own, with their own size
#: bounds (no resource estimate), each step checked as it is built
FAST_PAGES = (*FFT_PAGES, "winograd-equals-correlation")

#: Accepted ``--dpi`` values.
DPI_RANGE = (10, 1200)

#: A derivation estimated to take at least this long shows its phases (as do PNG and figures,
#: which run pdflatex or matplotlib).
LONG_DERIVE_SECONDS = 2.0


def _dpi(text: str) -> int:
    try:
        dpi = int(text)
    except ValueError:
        dpi = 0
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise SymconvError(f"--dpi: expected an integer from {DPI_RANGE[0]} to {DPI_RANGE[1]}, "
                           f"got {text!r}; e.g. --dpi 150")
    return dpi


def _format(text: str) -> Format:
    try:
        return Format(text)
    except ValueError:
        raise SymconvError(f"--format: expected one of {', '.join(f.value for f in Format)}, "
                           f"got {text!r}") from None


def _write_png(derivation: Derivation, path: str, dpi: int, progress: Progress) -> list[str]:
    from ..latex.compile import pdf_to_png, pdflatex
    with progress.phase("compiling the document with pdflatex"):
        pdf = pdflatex(derivation.document()).pdf
    with progress.phase(f"rendering the pages at {dpi} dpi with pdftoppm"):
        pages = pdf_to_png(pdf, dpi)  # all pages, then files
    if not pages or not all(pages):
        raise SymconvError("png: pdftoppm produced no page; try --format document")
    stem, ext = os.path.splitext(path)
    paths = [path] + [f"{stem}-{k}{ext or '.png'}" for k in range(2, len(pages) + 1)]
    return _write_all(list(zip(paths, pages)))


def _write_all(files: list[tuple[str, bytes]]) -> list[str]:
    """Write each file whole or not at all: into a temporary file beside it, then renamed, so
    a failure (disk full, no permission) never leaves an empty or truncated file behind."""
    for path, data in files:
        tmp = f"{path}.{os.getpid()}.part"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return [path for path, _ in files]


def run(args: argparse.Namespace) -> int:
    with limited(**limits_from_options(args)):  # also the guards inside the library
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    fmt = _format(args.format)
    args.dpi = _dpi(args.dpi)
    if args.name == "winograd":  # a page about F(m, r) itself, not about a layer
        return _emit(winograd_cli_page(args, fmt.value), fmt, args, QUIET)
    if args.name in FAST_PAGES:  # DFT steps in Q(ζ_N), Winograd tiles: a small 1-D layer
        from ..latex.fast_pages import fast_cli_page
        return _emit(fast_cli_page(args.name, args), fmt, args, QUIET)
    known = [*theorem_names(), "example"]  # = symconv.latex.derivations(), without sympy
    if args.name not in known:
        raise SymconvError(f"NAME: expected one of {', '.join(known)}, got {args.name!r}")
    spec = spec_from_options(args)
    if fmt in (Format.PNG, Format.FIGURES_PNG, Format.FIGURES_SVG) and not args.output:
        raise SymconvError(f"-o: --format {fmt.value} writes image files; give -o FILE")
    est = guard(spec, "derive", theorem=args.name)  # before anything (even sympy) loads
    from ..latex.names import Names
    from ..latex.recipes import derive

    names = Names.parse(args.names)
    progress = Progress(enabled=False if args.quiet else None)
    if est.seconds < LONG_DERIVE_SECONDS and fmt in (Format.LATEX, Format.MATHJAX,
                                                     Format.MARKDOWN, Format.DOCUMENT):
        progress = QUIET
    progress.message(f"deriving {args.name} on {spec.describe()}: estimated {est}")
    with progress.phase("building the derivation (every step proved as it is built)"):
        derivation = derive(args.name, spec, names=names)
    try:
        return _emit(derivation, fmt, args, progress)
    except OSError as err:
        raise SymconvError(f"-o: cannot write {args.output!r} ({err.strerror}); choose a "
                           "writable path") from None


def _emit(derivation: Derivation, fmt: Format, args: argparse.Namespace,
          progress: Progress) -> int:
    if fmt is Format.PNG:
        paths = _write_png(derivation, args.output, args.dpi, progress)
    elif fmt in (Format.FIGURES_PNG, Format.FIGURES_SVG):
        from ..latex.plots import render_figures
        kind = fmt.value.split("-")[1]
        with progress.phase(f"drawing {len(derivation.figures)} figures with matplotlib"):
            images = render_figures(derivation, kind, args.dpi)  # every image before any file
        stem = os.path.splitext(args.output)[0]
        paths = _write_all([(f"{stem}-{k}.{kind}", image) for k, image in
                            enumerate(images, start=1)])
    else:
        with progress.phase(f"formatting the {fmt.value}"):
            text = getattr(derivation, fmt.value)()
        text = text if text.endswith("\n") else text + "\n"
        if not args.output:
            sys.stdout.write(text)
            return 0
        with progress.phase(f"writing {args.output}"):
            paths = _write_all([(args.output, text.encode("utf-8"))])
    if not args.quiet:
        for path in paths:
            print(f"wrote {path}", file=sys.stderr)
    return 0
