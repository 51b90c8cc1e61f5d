"""Rich displays: proofs, counterexamples, general proofs and verdicts as Markdown and HTML.

One place turns a result into a small document (a verdict line, labelled fields, lists, code
blocks, nested sections), and two renderers write that document as Markdown and as HTML; the
``_repr_markdown_`` and ``_repr_html_`` methods that Jupyter calls use :func:`to_markdown` and
:func:`to_html`.  Every piece of text is escaped: statements, symbol names, summaries and
tracebacks can come from the user, and neither renderer lets them become markup (HTML is
escaped, Markdown is backslash-escaped or set in code spans and fences longer than any run of
backticks inside; the HTML is also kept away from MathJax).

>>> import numpy as np, sympy
>>> from symconv import prove_equal
>>> a, b = sympy.symbols("a b")
>>> proof = prove_equal(np.array([a * b]), np.array([b * a]), "a*b = b*a")
>>> print(to_markdown(proof).splitlines()[0])
**PROVED**: a\\*b = b\\*a
>>> to_html(prove_equal(np.array([a]), np.array([b]), "<b>a = b</b>")).count("<b>")
0
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .engine import Counterexample, Proof, _format_term
from .errors import SymconvError
from .ring import format_monomial
from .verification.verdict import Verdict

if TYPE_CHECKING:  # not imported here: it loads sympy, and ``import symconv`` does not
    from .general.prover import GeneralProof

__all__ = ["to_markdown", "to_html"]


# ---- the document model ----

@dataclass(frozen=True)
class Mono:
    """Text set in a code font (products, terms, positions)."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Text set in bold."""

    text: str


Segment = str | Mono | Strong
Text = tuple[Segment, ...]


@dataclass(frozen=True)
class Head:
    """The verdict word (coloured by ``ok``: True, False, or None for neither) and its text."""

    word: str
    ok: bool | None
    text: Text


@dataclass(frozen=True)
class Fields:
    """Labelled values, one per row."""

    rows: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class Items:
    """A titled list; each item may carry sub-items; ``start`` numbers it from that value."""

    title: str
    items: tuple[tuple[Text, tuple[Text, ...]], ...]
    start: int | None = None


@dataclass(frozen=True)
class Code:
    """A titled block of preformatted text (a traceback, Python to paste)."""

    title: str
    text: str
    language: str = ""


@dataclass(frozen=True)
class Section:
    """Nested blocks under a title; ``collapsed`` folds them away in HTML."""

    title: str
    blocks: tuple[Block, ...]
    collapsed: bool = False


Block = Head | Fields | Items | Code | Section


def _t(*parts: Segment | None) -> Text:
    return tuple(p for p in parts if p)


def _plain(lines: Sequence[str]) -> tuple[tuple[Text, tuple[Text, ...]], ...]:
    return tuple((_t(line), ()) for line in lines)


# ---- what each result says ----

def _proof(proof: Proof) -> tuple[Block, ...]:
    blocks: list[Block] = [
        Head("PROVED" if proof.holds else "DISPROVED", proof.holds, _t(proof.statement)),
        Fields((("method", _t(proof.method)), ("positions compared", _t(str(proof.positions))),
                ("products", _t(str(proof.products))),
                ("time", _t(f"{proof.elapsed * 1000:.1f} ms"))))]
    if proof.steps:
        blocks.append(Items("steps", _plain(proof.steps)))
    if proof.counterexample is not None:
        blocks.append(Section("counterexample", _counterexample(proof.counterexample)))
    return tuple(blocks)


def _counterexample(cex: Counterexample) -> tuple[Block, ...]:
    if cex.left_shape != cex.right_shape:
        return (Head("COUNTEREXAMPLE", False, _t(f"shapes differ: left {cex.left_shape}, "
                                                 f"right {cex.right_shape}")),)
    total = 1
    for n in cex.left_shape:
        total *= n
    where = ", ".join(map(str, cex.position or ()))
    rows: list[tuple[str, Text]] = [("first position", _t(Mono(f"[{where}]")))]
    for label, terms in (("left only", cex.only_left), ("right only", cex.only_right)):
        if terms:
            rows.append((label, _t(Mono(" + ".join(_format_term(*t) for t in terms)))))
    for m, a, b in cex.changed:
        rows.append(("coefficient", _t(Mono(format_monomial(m)),
                                       f": {a} on the left, {b} on the right")))
    if cex.left_value is not None:
        shown = ", ".join(f"{k}={v}" for k, v in cex.values.items())
        rows.append(("numbers", _t("at ", Mono(shown) if shown else "all variables 0",
                                   f" (all other variables 0): left = {cex.left_value}, "
                                   f"right = {cex.right_value}")))
    if cex.differing > 1:
        more = ", ".join("[" + ", ".join(map(str, p)) + "]" for p in cex.positions[1:])
        rows.append(("also differ", _t(Mono(more + (" ..." if cex.differing > len(
            cex.positions) else "")))))
    return (Head("COUNTEREXAMPLE", False, _t(f"{cex.differing} of {total} positions differ")),
            Fields(tuple(rows)))


def _general(proof: GeneralProof) -> tuple[Block, ...]:
    ok = True if proof.holds else False if proof.counterexample is not None else None
    scope = "for every size" + (f" (rank {proof.rank})" if proof.rank else "")
    blocks: list[Block] = [
        Head(proof.verdict, ok, _t(f"{scope}: ", Mono(proof.name))),
        Fields((("statement", _t(proof.statement)), ("hypotheses", _t(proof.hypotheses)),
                ("steps", _t(str(len(proof.steps)))),
                ("time", _t(f"{proof.elapsed:.3f} s"))))]
    if proof.notes:
        blocks.append(Items("notes", _plain(proof.notes)))
    sides: list[Block] = []
    number = 1
    for side in dict.fromkeys(step.side for step in proof.steps):
        steps = [s for s in proof.steps if s.side == side]
        sides.append(Items(side, tuple((_t(Mono(s.term)), (
            _t("by ", Strong(s.rule), f": {s.fact}" if s.fact else ""),
            *(_t("check: ", c) for c in s.conditions))) for s in steps), start=number))
        number += len(steps)
    if sides:
        blocks.append(Section(f"the {len(proof.steps)} checked steps", tuple(sides),
                              collapsed=True))
    if not proof.holds:
        blocks.append(Fields((("reason", _t(proof.reason)),)))
        cex = proof.counterexample
        inner = getattr(getattr(cex, "proof", None), "counterexample", None)
        if isinstance(inner, Counterexample):
            layer = f"{cex.spec.describe()} (batch {cex.spec.batch})"
            blocks.append(Section("counterexample", (Fields((("layer", _t(layer)),)),
                                                     *_counterexample(inner))))
        elif cex is not None:
            blocks.append(Code("counterexample", str(cex)))
        else:
            blocks.append(Fields((("counterexample", _t(
                "none among the small layers searched" if proof.searched else
                "no search ran")),)))
    return tuple(blocks)


def _verdict(verdict: Verdict) -> tuple[Block, ...]:
    rows: list[tuple[str, Text]] = [
        ("layer", _t(f"{verdict.kind.value} on {verdict.spec.describe()}")),
        ("method", _t(verdict.method))]
    if verdict.bound is not None:
        what = "bilinear map plus bias" if getattr(verdict.spec, "bias", False) else \
            "bilinear map"
        rows.append(("bound", _t(f"a wrong {what} (integer coefficients) passes with "
                                 f"chance <= {verdict.bound:.3g} ({verdict.trials} trials)")))
    for label, m in verdict.labelled_mistakes():
        rows.append((label, _t(Strong(m.kind.value), f": {m.detail}")))
    rows.append(("time", _t(f"{verdict.elapsed:.3f} s")))
    blocks: list[Block] = [Head(verdict.status.value.upper(), verdict.status.ok,
                                _t(verdict.summary)), Fields(tuple(rows))]
    if verdict.details:
        blocks.append(Items("details", _plain(verdict.details)))
    if verdict.example is not None:
        blocks.append(Code("concrete example (paste into a test)", verdict.example.code(),
                           "python"))
    if verdict.notes:
        blocks.append(Items("notes", _plain(verdict.notes)))
    if verdict.traceback:
        blocks.append(Code("traceback of the function", verdict.traceback.rstrip(), "pytb"))
    return tuple(blocks)


def _document(result: Any) -> tuple[Block, ...]:
    kinds: list[tuple[type, Callable[[Any], tuple[Block, ...]]]] = [
        (Proof, _proof), (Counterexample, _counterexample), (Verdict, _verdict)]
    prover = sys.modules.get("symconv.general.prover")  # loaded if a GeneralProof exists
    if prover is not None:
        kinds.append((prover.GeneralProof, _general))
    for kind, build in kinds:
        if isinstance(result, kind):
            return build(result)
    raise SymconvError(f"result: expected a Proof, Counterexample, GeneralProof or Verdict, got "
                       f"{type(result).__name__}; display what prove, prove_equal, "
                       "prove_general or verify returned")


# ---- Markdown ----

_MD_SPECIAL = re.compile(r"([\\`*_\[\]!$|~#])")
_MD_LEADING = re.compile(r"^(\s*)(?:([-+=>])|(\d+)([.)]))")


def _md_escape(text: str, leading: bool = False) -> str:
    """``text`` as literal Markdown on one line (a newline could start a block); ``leading``:
    it starts a list item, where ``- ``, ``1. `` ... would start a nested block."""
    text = html.escape(re.sub(r"\s+", " ", text), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if leading:
        text = _MD_LEADING.sub(lambda m: m.group(1) + (
            "\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), text)
    return text


def _fence(text: str, least: int) -> str:
    runs = [len(r) for r in re.findall(r"`+", text)]
    return "`" * max(least, max(runs, default=0) + 1)


def _md_text(text: Text, leading: bool = False) -> str:
    out = []
    for k, seg in enumerate(text):
        if isinstance(seg, Mono):
            body = re.sub(r"\s+", " ", seg.text)
            fence = _fence(body, 1)
            pad = " " if body.startswith("`") or body.endswith("`") else ""
            out.append(f"{fence}{pad}{body}{pad}{fence}" if body else "")
        elif isinstance(seg, Strong):
            out.append(f"**{_md_escape(seg.text)}**")
        else:
            out.append(_md_escape(seg, leading and k == 0))
    return "".join(out)


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Head):
        text = _md_text(block.text)
        return [f"**{block.word}**" + (f": {text}" if text else "")]
    if isinstance(block, Fields):
        return [f"- **{_md_escape(label)}:** {_md_text(value)}" for label, value in block.rows]
    if isinstance(block, Items):
        lines = [f"**{_md_escape(block.title)}**", ""]
        for k, (item, subs) in enumerate(block.items):
            marker = f"{block.start + k}." if block.start is not None else "-"
            lines.append(f"{marker} {_md_text(item, leading=True)}")
            lines += [" " * (len(marker) + 1) + f"- {_md_text(s, leading=True)}" for s in subs]
        return lines
    if isinstance(block, Code):
        fence = _fence(block.text, 3)
        return [f"**{_md_escape(block.title)}**", "", fence + block.language,
                *block.text.splitlines(), fence]
    inner = _md_blocks(block.blocks)
    return [f"**{_md_escape(block.title)}**", ""] + [("> " + line).rstrip() for line in inner]


def _md_blocks(blocks: Sequence[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += _md_block(block)
    return lines


def to_markdown(result: Any) -> str:
    """A proof, counterexample, general proof or verdict as Markdown (what Jupyter shows).

    >>> from symconv import ConvSpec, prove
    >>> print(to_markdown(prove("elementwise-equals-dot", ConvSpec((3, 3), (2, 2)))))
    ... # doctest: +ELLIPSIS
    **PROVED**: elementwise-equals-dot on 3x3 \\* 2x2
    <BLANKLINE>
    - **method:** canonical polynomial forms (exact)
    - **positions compared:** 4
    - **products:** 16
    ...
    """
    return "\n".join(_md_blocks(_document(result))) + "\n"


# ---- HTML ----

_COLOURS = {True: "#1a7f37", False: "#cf222e", None: "#9a6700"}
_TH = 'style="text-align:left; vertical-align:top; padding-right:1em; white-space:nowrap"'


def _html_text(text: Text) -> str:
    out = []
    for seg in text:
        if isinstance(seg, Mono):
            out.append(f"<code>{html.escape(seg.text)}</code>")
        elif isinstance(seg, Strong):
            out.append(f"<strong>{html.escape(seg.text)}</strong>")
        else:
            out.append(html.escape(seg))
    return "".join(out)


def _html_block(block: Block) -> str:
    if isinstance(block, Head):
        text = _html_text(block.text)
        return (f'<p><strong style="color:{_COLOURS[block.ok]}">{html.escape(block.word)}'
                f"</strong>" + (f": {text}" if text else "") + "</p>")
    if isinstance(block, Fields):
        rows = "".join(f"<tr><th {_TH}>{html.escape(label)}</th><td style=\"text-align:left\">"
                       f"{_html_text(value)}</td></tr>" for label, value in block.rows)
        return f"<table>{rows}</table>"
    if isinstance(block, Items):
        tag = "ol" if block.start is not None else "ul"
        start = f' start="{block.start}"' if block.start is not None else ""
        items = "".join(
            f"<li>{_html_text(item)}" + ("<ul>" + "".join(
                f"<li>{_html_text(s)}</li>" for s in subs) + "</ul>" if subs else "") + "</li>"
            for item, subs in block.items)
        return f"<p><strong>{html.escape(block.title)}</strong></p><{tag}{start}>{items}</{tag}>"
    if isinstance(block, Code):
        return (f"<p><strong>{html.escape(block.title)}</strong></p>"
                f"<pre>{html.escape(block.text)}</pre>")
    inner = "".join(_html_block(b) for b in block.blocks)
    if block.collapsed:
        return f"<details><summary>{html.escape(block.title)}</summary>{inner}</details>"
    return (f"<p><strong>{html.escape(block.title)}</strong></p>"
            f'<div style="margin-left:1em; padding-left:0.8em; border-left:3px solid #d0d7de">'
            f"{inner}</div>")


def to_html(result: Any) -> str:
    """A proof, counterexample, general proof or verdict as an HTML fragment, every text
    escaped (the ``tex2jax_ignore`` class keeps MathJax off user text).

    >>> from symconv import ConvSpec, prove
    >>> page = to_html(prove("flip-is-involution", ConvSpec((3, 3), (2, 2))))
    >>> page[page.index("<p>"):page.index("</p>") + 4]
    '<p><strong style="color:#1a7f37">PROVED</strong>: flip-is-involution on 3x3 * 2x2</p>'
    """
    inner = "".join(_html_block(b) for b in _document(result))
    return f'<div class="symconv-result tex2jax_ignore">{inner}</div>'
