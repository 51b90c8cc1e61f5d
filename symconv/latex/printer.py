"""The LaTeX printer of symconv derivations, and the one builder for LaTeX environments.

:class:`ConvLatexPrinter` is a ``sympy.printing.latex.LatexPrinter`` that keeps sums in their
written order (``order='none'``), prints each product as ``\\left(a \\cdot b\\right)``, nested
sums as one Σ per index, tensor keys (``#in``) as the user's names, and wide matrices as
``array`` truncated with ``\\cdots``.

>>> import sympy
>>> from symconv.latex.display import Times, tensor
>>> u, v = sympy.symbols("u v", integer=True)
>>> K, I = tensor("#w"), tensor("#in")
>>> p = ConvLatexPrinter({"#w": "K", "#in": "I"})
>>> p.doprint(sympy.Sum(Times(K[u, v], I[u, v]), (u, 0, 2), (v, 0, 2)))
'\\\\sum_{u=0}^{2} \\\\sum_{v=0}^{2} \\\\left(K_{u,v} \\\\cdot I_{u,v}\\\\right)'
>>> p.doprint(sympy.Add(Times(sympy.Integer(1), sympy.Integer(1)),
...                     Times(sympy.Integer(1), sympy.Integer(0)), evaluate=False))
'\\\\left(1 \\\\cdot 1\\\\right) + \\\\left(1 \\\\cdot 0\\\\right)'
>>> print(environment("align*", ["a &= b", "&= c"]))
\\begin{align*}
  a &= b \\\\
  &= c
\\end{align*}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from .display import (
    Dot,
    Entry,
    EntrySum,
    FloorDiv,
    Hadamard,
    Iverson,
    MatProd,
    Rows,
    Times,
    Transposed,
    Vec,
)

__all__ = ["ConvLatexPrinter", "environment", "width_em", "MAX_COLUMNS"]

#: Matrices wider (or taller) than this are truncated with ``\cdots`` (``\vdots``).
MAX_COLUMNS = 10
_HEAD, _TAIL = 6, 2  # entries kept before and after the ellipsis


def environment(name: str, lines: Sequence[str], argument: str = "",
                separator: str = " \\\\", separators: Sequence[str] | None = None) -> str:
    """``\\begin{name}argument``, the lines joined by ``separator`` (default ``\\\\``; or
    ``separators[k]`` after line ``k``), then ``\\end{name}``: the only environment builder.

    >>> environment("aligned", ["x &= 1"])
    '\\\\begin{aligned}\\n  x &= 1\\n\\\\end{aligned}'
    """
    seps = list(separators) if separators is not None else [separator] * len(lines)
    body = "".join("  " + line + (seps[k] + "\n" if k < len(lines) - 1 else "")
                   for k, line in enumerate(lines))
    return f"\\begin{{{name}}}{argument}\n{body}\n\\end{{{name}}}"


#: Width (in em) a printed matrix may take on one line of a document.
LINE_EM = 40.0
_SEP_EM = 0.6  # column separation in an array with \arraycolsep = 3pt


def _em(tex: str) -> float:
    """A rough width estimate (em) of a printed entry; subscripts count at about 70 %."""
    text = re.sub(r"\\(left|right|mathrm|operatorname)", "", tex)
    text = re.sub(r"\\[A-Za-z]+", "M", text)
    main, _, sub = text.partition("_")
    count = lambda t: len(re.sub(r"[{}\s^,]", "", t))  # noqa: E731
    return 0.55 * count(main) + 0.35 * count(sub) + 0.15 * sub.count(",")


def width_em(tex: str) -> float:
    r"""A rough width (em) of a printed line: symbols ~0.5 em, subscripts ~0.38 em, each
    ``\sum`` 1.8 em, matrix columns by their widest entry.

    >>> width_em("a + b") < width_em(r"\mathrm{image}_{0,0} + \mathrm{image}_{0,1}")
    True
    """
    def arrays(match: re.Match[str]) -> str:
        rows = [r.split("&") for r in match.group(1).split(r"\\")]
        cols = max(len(r) for r in rows)
        widest = [max((width_em(r[c]) for r in rows if c < len(r)), default=0.0)
                  for c in range(cols)]
        return "M" * int(round((sum(widest) + _SEP_EM * cols) / 0.5))

    text = re.sub(r"\\begin\{array\}\{[a-z]*\}(.*?)\\end\{array\}", arrays, tex)
    text = re.sub(r"\\sum_\{[^{}]*\}\^\{[^{}]*\}", "MMMM", text)
    text = re.sub(r"\\(left|right|mathrm|operatorname|text|bigl|bigr)\b", "", text)
    text = re.sub(r"\\[A-Za-z]+", "MM", text)
    subs = sum(len(re.sub(r"[{}\s,]", "", m)) + 0.4 * m.count(",")
               for m in re.findall(r"[_^]\{([^{}]*)\}", text))
    main = re.sub(r"[_^]\{[^{}]*\}", "", text)
    return 0.5 * len(re.sub(r"[{}\s.]", "", main)) + 0.38 * subs


def _fit(widths: list[float], budget: float) -> list[int | None]:
    r"""Columns to show so the matrix fits ``budget`` em: all, or a head, ``\cdots``, a tail."""
    n = len(widths)
    if n <= MAX_COLUMNS and sum(widths) + _SEP_EM * n <= budget:
        return list(range(n))
    if n <= 2:
        return list(range(n))
    for tail in (_TAIL, 1):
        for head in range(min(_HEAD, n - tail - 1), 0, -1):
            shown = widths[:head] + widths[n - tail:]
            if sum(shown) + 1.2 + _SEP_EM * (len(shown) + 1) <= budget:
                return [*range(head), None, *range(n - tail, n)]
    return [0, None, n - 1]


def _keep(n: int) -> list[int | None]:
    """Indices shown of ``n``; ``None`` marks the ellipsis."""
    if n <= MAX_COLUMNS:
        return list(range(n))
    return [*range(_HEAD), None, *range(n - _TAIL, n)]


class ConvLatexPrinter(LatexPrinter):
    """LaTeX for derivation display expressions; ``labels`` maps tensor keys to LaTeX names."""

    printmethod = "_symconv_latex"

    def __init__(self, labels: Mapping[str, str] | None = None,
                 settings: dict[str, Any] | None = None, max_em: float = LINE_EM) -> None:
        super().__init__({"order": "none", **(settings or {})})
        self._labels = dict(labels or {})
        self._budget = float(max_em)

    # ---- names ----
    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr.name.startswith("#"):
            return self._labels[expr.name]
        return super()._print_Symbol(expr, style=style)

    def _print_IndexedBase(self, expr: sympy.IndexedBase) -> str:
        return self._print(expr.label)

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        base = self._print(expr.base)
        if "_" in base:  # a label with its own subscript, e.g. W_{1}: group it
            base = "{" + base + "}"
        return base + "_{" + ",".join(self._print(i) for i in expr.indices) + "}"

    # ---- sums and products ----
    def _print_Sum(self, expr: sympy.Sum) -> str:
        sums = " ".join(f"\\sum_{{{self._print(v)}={self._print(lo)}}}^{{{self._print(hi)}}}"
                        for v, lo, hi in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, sympy.Add):
            body = r"\left(" + body + r"\right)"
        return f"{sums} {body}"

    def _print_Times(self, expr: Times) -> str:
        factors = [self._print(a) if not isinstance(a, sympy.Add) else
                   r"\left(" + self._print(a) + r"\right)" for a in expr.args]
        return r"\left(" + r" \cdot ".join(factors) + r"\right)"

    def _print_FloorDiv(self, expr: FloorDiv) -> str:
        top, bottom = (self._print(a) for a in expr.args)
        return r"\left\lfloor \frac{" + top + "}{" + bottom + r"} \right\rfloor"

    def _print_Iverson(self, expr: Iverson) -> str:
        a, b = ("(" + ", ".join(self._print(v) for v in x) + ")" if isinstance(x, sympy.Tuple)
                else self._print(x) for x in expr.args)
        return r"\left[" + a + " = " + b + r"\right]"

    def _print_Transposed(self, expr: Transposed) -> str:
        return self._print(expr.args[0]) + r"^{\top}"

    def _print_Rows(self, expr: Rows) -> str:
        return " + ".join(self._print(r) for r in expr.args)

    def rows(self, expr: Any, first: float | None = None) -> list[str]:
        """The printed lines of ``expr``, each at most the line width (:func:`width_em`).

        A :class:`Rows` starts a line per row; a sum too wide for a line continues on the
        next (each continuation printed after ``+``); a dot product or a sum of a Hadamard
        product too wide puts its second matrix on the next line.  ``first`` is the width
        left on the first line (default: the whole line).
        """
        budget = self._budget
        room = budget if first is None else first
        if isinstance(expr, Rows):
            lines: list[str] = []
            for row in expr.args:
                lines += self._pack(row, room if not lines else budget - 3)
            return lines
        if isinstance(expr, sympy.Add):
            return self._pack(expr, room)
        text = self._print(expr)
        if width_em(text) <= room:
            return [text]
        if isinstance(expr, Dot) and all(isinstance(a, sympy.MatrixBase) for a in expr.args):
            a, b = (self._print_MatrixBase(m) for m in expr.args)
            return [a, r"\cdot " + b + r"^{\top}"]
        if isinstance(expr, sympy.Sum) and isinstance(expr.function, Times) and \
                len(expr.function.args) > 2:  # the last factor on the next line
            head, last = expr.function.args[:-1], expr.function.args[-1]
            sums = self._print(expr)[:-len(self._print(expr.function))]
            return [sums + r"\left(" + r" \cdot ".join(self._print(a) for a in head) +
                    r" \right.", r"\cdot \left. " + self._print(last) + r"\right)"]
        if isinstance(expr, EntrySum) and isinstance(expr.args[0], Hadamard):
            a, b = (self._print(m) for m in expr.args[0].args)
            return [r"\operatorname{sum}\left(" + a + r" \right.",
                    r"\odot \left. " + b + r"\right)"]
        return [text]

    def _pack(self, expr: Any, room: float) -> list[str]:
        """Terms of a sum, packed greedily into lines of at most ``room`` (then a full line)."""
        terms = [self._print(t) for t in (expr.args if isinstance(expr, sympy.Add) else (expr,))]
        lines, current, used = [], [], 0.0
        for term in terms:
            w = width_em(term) + 1.6  # the " + " between terms
            if current and used + w > room:
                lines.append(" + ".join(current))
                current, used, room = [], 0.0, self._budget - 3
            current.append(term)
            used += w
        lines.append(" + ".join(current))
        return lines

    # ---- matrices ----
    def _print_MatrixBase(self, expr: sympy.MatrixBase, budget: float | None = None) -> str:
        rows = _keep(expr.rows)
        texts = {(r, c): self._print(expr[r, c]) for r in rows if r is not None
                 for c in range(expr.cols)}
        widths = [max(_em(texts[(r, c)]) for r in rows if r is not None)
                  for c in range(expr.cols)]
        cols = _fit(widths, self._budget if budget is None else budget)
        lines = []
        for r in rows:
            cells = []
            for c in cols:
                if r is None:
                    cells.append(r"\vdots" if c is not None else r"\ddots")
                else:
                    cells.append(r"\cdots" if c is None else texts[(r, c)])
            lines.append(" & ".join(cells))
        spec = "{" + "c" * len(cols) + "}"
        array = environment("array", lines, spec).replace("\n  ", " ").replace("\n", " ")
        return r"\left[" + array + r"\right]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_EntrySum(self, expr: EntrySum) -> str:
        return r"\operatorname{sum}\left(" + self._print(expr.args[0]) + r"\right)"

    def _print_Hadamard(self, expr: Hadamard) -> str:
        half = self._budget / 2 - 2
        return r" \odot ".join(self._print_MatrixBase(a, half) if isinstance(a, sympy.MatrixBase)
                               else self._print(a) for a in expr.args)

    def _print_Vec(self, expr: Vec) -> str:
        return r"\operatorname{vec}\left(" + self._print(expr.args[0]) + r"\right)"

    def _print_Dot(self, expr: Dot) -> str:
        a, b = expr.args
        half = self._budget / 2 - 1
        left = self._print_MatrixBase(a, half) if isinstance(a, sympy.MatrixBase) else \
            self._print(a)
        right = self._print_MatrixBase(b, half) if isinstance(b, sympy.MatrixBase) else \
            self._print(b)
        if not isinstance(b, sympy.MatrixBase):
            right = r"\left(" + right + r"\right)"
        return f"{left} {right}^{{\\top}}"

    def _print_MatProd(self, expr: MatProd) -> str:
        return " ".join(self._print(a) for a in expr.args)

    def _print_Entry(self, expr: Entry) -> str:
        inner = self._print(expr.args[0])
        return (r"\left(" + inner + r"\right)_{" + ",".join(self._print(i) for i in
                                                            expr.args[1:]) + "}")
