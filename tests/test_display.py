"""Rich displays: golden Markdown/HTML, escaping of user text, the figure images."""

from __future__ import annotations

import dataclasses
import functools
import html.parser
import importlib.util

import numpy as np
import pytest
import sympy

from symconv import (
    ConvSpec,
    Proof,
    SymconvError,
    convolve,
    correlate,
    derive,
    prove_equal,
    prove_general,
    symbolic_input,
    symbolic_weight,
    to_html,
    to_markdown,
    verdict_picture,
    verify,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def correlate2d(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcuv->nfhw", win, w)


def transposed(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwuv,fcvu->nfhw", win, w)


@functools.cache
def wrong_verdict():
    return verify(transposed, ConvSpec((4, 4), (2, 2)))


@functools.cache
def flip_disproof():
    spec = ConvSpec((3, 4), (1, 2))
    x, w = symbolic_input(spec), symbolic_weight(spec)
    return prove_equal(convolve(x, w, spec), correlate(x, w, spec), "convolve = correlate")


def commonmark(text: str) -> str:
    """Markdown rendered the way a notebook does: CommonMark, raw HTML allowed."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).render(text)


class Tags(html.parser.HTMLParser):
    """Every start tag, and whether each end tag closes the innermost open one."""

    VOID = {"br", "hr", "img", "input", "meta", "link"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.started: list[str] = []
        self.stack: list[str] = []
        self.balanced = True
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.started.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


# ---- golden output of a hand-made proof ----------------------------------------------------------

HAND = Proof("a·b = b·a", True, "canonical polynomial forms (exact)", 2, 3, 0.0125,
             ("left side: 2 entries", "all 2 positions have identical canonical forms"))


def test_golden_markdown_of_a_proof():
    assert to_markdown(HAND) == (
        "**PROVED**: a·b = b·a\n"
        "\n"
        "- **method:** canonical polynomial forms (exact)\n"
        "- **positions compared:** 2\n"
        "- **products:** 3\n"
        "- **time:** 12.5 ms\n"
        "\n"
        "**steps**\n"
        "\n"
        "- left side: 2 entries\n"
        "- all 2 positions have identical canonical forms\n")


def test_golden_html_of_a_proof():
    page = to_html(HAND)
    assert page.startswith('<div class="symconv-result tex2jax_ignore"><p><strong '
                           'style="color:#1a7f37">PROVED</strong>: a·b = b·a</p><table>')
    assert '>products</th><td style="text-align:left">3</td></tr>' in page
    assert page.endswith("<ul><li>left side: 2 entries</li><li>all 2 positions have identical "
                         "canonical forms</li></ul></div>")
    tags = Tags(page)
    assert tags.balanced and not tags.stack


def test_repr_methods_are_the_renderers():
    general = prove_general("flip-is-involution", rank=1)
    for result in (HAND, flip_disproof(), flip_disproof().counterexample, general,
                   wrong_verdict()):
        assert result._repr_markdown_() == to_markdown(result)
        assert result._repr_html_() == to_html(result)


def test_only_results_are_rendered():
    with pytest.raises(SymconvError, match=r"^result: expected a Proof, Counterexample, "
                                           r"GeneralProof or Verdict, got int"):
        to_html(42)


# ---- what each kind says -------------------------------------------------------------------------

def test_counterexample_fields():
    """convolve vs correlate on a 1x2 kernel: out[0,0,0,0] pairs w0 with x1 and w1 with x0."""
    md = to_markdown(flip_disproof().counterexample)
    assert md.splitlines()[0] == "**COUNTEREXAMPLE**: 9 of 9 positions differ"
    assert "- **first position:** `[0, 0, 0, 0]`" in md
    assert "- **left only:** `w_{0,0,0,0}·x_{0,0,0,1} + w_{0,0,0,1}·x_{0,0,0,0}`" in md
    assert "- **right only:** `w_{0,0,0,0}·x_{0,0,0,0} + w_{0,0,0,1}·x_{0,0,0,1}`" in md
    assert ("- **numbers:** at `w_{0,0,0,0}=1, x_{0,0,0,1}=1` (all other variables 0): "
            "left = 1, right = 0") in md
    page = to_html(flip_disproof())
    assert '<strong style="color:#cf222e">DISPROVED</strong>: convolve = correlate' in page
    assert "<code>w_{0,0,0,0}·x_{0,0,0,1} + w_{0,0,0,1}·x_{0,0,0,0}</code>" in page


def test_shapes_differ():
    proof = prove_equal(np.array([1, 2]), np.array([1, 2, 3]))
    assert to_markdown(proof.counterexample) == (
        "**COUNTEREXAMPLE**: shapes differ: left (2,), right (3,)\n")


def test_general_proof_lists_every_step_numbered_across_sides():
    proof = prove_general("elementwise-equals-dot", rank=2)
    md = to_markdown(proof)
    assert md.startswith("**PROVED**: for every size (rank 2): `elementwise-equals-dot`\n")
    assert "**the 12 checked steps**" in md
    rendered = commonmark(md)
    assert rendered.count("<li><code>") == len(proof.steps) == 12
    page = to_html(proof)
    right = 1 + sum(s.side == proof.steps[0].side for s in proof.steps)
    assert f'<ol start="{right}">' in page and "<details><summary>the 12 checked" in page
    assert "<strong>split index into mixed-radix digits</strong>" in page


def test_disproved_general_proof_shows_the_layer_and_the_products():
    from symconv.general import prove_statement, statement
    from symconv.general.formulations import vec_view
    stmt = statement("elementwise-equals-dot", rank=2)
    sz = stmt.sizes
    bug = vec_view("vec_patch", "patch", (sz.n, sz.g, *sz.o, sz.flat),
                   (sz.Cg, sz.K[0], sz.K[0]), "kH where kW belongs")
    wrong = prove_statement(dataclasses.replace(stmt, right=dataclasses.replace(
        stmt.right, views={**stmt.right.views, "vec_patch": bug})))
    md = to_markdown(wrong)
    assert md.startswith("**DISPROVED**: for every size (rank 2)")
    cex = wrong.counterexample
    layer = f"{cex.spec.describe()} (batch {cex.spec.batch})".replace("*", "\\*")
    assert f"> - **layer:** {layer}" in md
    assert "> **COUNTEREXAMPLE**:" in md and "left only" in md
    assert '<strong style="color:#cf222e">DISPROVED</strong>' in to_html(wrong)


def test_output_size_disproof_and_not_proved():
    from symconv.general.output_size import prove_output_size
    wrong = prove_output_size(lambda i, k, s, pl, pr, d: (i + pl + pr - k) // s + 1)  # no d
    md = to_markdown(wrong)
    assert md.startswith("**DISPROVED**: for every size")
    assert md.endswith("**counterexample**\n\n```\nat i=3, k=2, s=1, pl=0, pr=0, d=2: the "
                       "formula gives 2, but 1 window fits\n```\n")

    def integers_only(i, k, s, pl, pr, d):
        return int(i + pl + pr - d * (k - 1) - 1) // int(s) + 1  # TypeError on symbols

    unproved = prove_output_size(integers_only)
    assert to_markdown(unproved).startswith("**NOT PROVED**: for every size")
    page = to_html(unproved)
    assert '<strong style="color:#9a6700">NOT PROVED</strong>' in page
    assert "none among the small layers searched" in page


def test_verdicts_right_and_wrong():
    right = verify(correlate2d, ConvSpec((4, 4), (2, 2)))
    assert to_markdown(right).startswith("**CORRECT**: proved equal to the spec at all 9 output")
    assert '<strong style="color:#1a7f37">CORRECT</strong>' in to_html(right)
    page = to_html(wrong_verdict())
    assert '<strong style="color:#cf222e">WRONG</strong>' in page
    assert "<th" in page and "mistake</th><td" in page
    assert "<strong>kernel transposed</strong>: the kernel is transposed" in page
    assert "<pre>x = np.array(" in page
    md = to_markdown(wrong_verdict())
    assert "- **mistake:** **kernel transposed**: the kernel is transposed: w\\[..., v, u\\]" in md
    assert "```python\nx = np.array(" in md


def test_mistake_labels_match_the_text_form():
    verdict = verify(transposed, ConvSpec((5, 5), (3, 3)))
    assert len(verdict.mistakes) > 1
    text = [line.split(":")[0].strip() for line in str(verdict).splitlines()
            if line.startswith(("  mistake:", "  same products as:"))]
    md = [line[len("- **"):line.index(":**")] for line in to_markdown(verdict).splitlines()
          if line.startswith(("- **mistake:**", "- **same products as:**"))]
    assert md == text and text[0] == "mistake" and set(text[1:]) == {"same products as"}


# ---- user text never becomes markup --------------------------------------------------------------

def test_statement_cannot_inject_html():
    proof = dataclasses.replace(HAND, statement=EVIL)
    page = to_html(proof)
    assert Tags(page).started.count("script") == Tags(page).started.count("img") == 0
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    rendered = commonmark(to_markdown(proof))
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in rendered


def test_symbol_names_cannot_inject():
    """A sympy symbol may be called anything; its name reaches the counterexample."""
    a, b = sympy.Symbol(EVIL), sympy.Symbol("b`` `c")
    proof = prove_equal(np.array([a * b]), np.array([a]), "a b = a")
    for text in (to_html(proof), commonmark(to_markdown(proof))):
        tags = Tags(text)
        assert "script" not in tags.started and "img" not in tags.started
        assert tags.balanced
    rendered = commonmark(to_markdown(proof.counterexample))
    # the code span's fence is longer than any run of backticks in the name
    shown = html.escape(f"{a}·{b}", quote=False).replace('"', "&quot;")
    assert f"<code>{shown}</code>" in rendered


def test_markdown_specials_stay_literal():
    text = "a*b*c _x_ [link](javascript:alert(1)) $x^2$ | ~~s~~ \\ `q` #1"
    proof = dataclasses.replace(HAND, statement=text, steps=("- nested?", "1. item?",
                                                              "# heading?", "> quote?"))
    md = to_markdown(proof)
    assert "\\$x^2\\$" in md  # MathJax would typeset $...$ in a notebook
    rendered = commonmark(md)
    assert f"<strong>PROVED</strong>: {text.replace('&', '&amp;')}</p>" in rendered
    tags = Tags(rendered)
    for tag in ("a", "em", "h1", "blockquote", "ol", "del", "s"):
        assert tag not in tags.started, tag
    assert tags.started.count("ul") == 2 and tags.started.count("li") == 8  # fields, steps


def test_newlines_in_user_text_do_not_start_blocks():
    proof = dataclasses.replace(HAND, statement="first\n# heading\n\n    code\n---")
    rendered = commonmark(to_markdown(proof))
    assert not {"h1", "h2", "pre", "hr"} & set(Tags(rendered).started)


def test_traceback_stays_in_its_block():
    def raises(x, w):
        raise ValueError("```\n</pre><script>alert(1)</script>\n```")

    verdict = verify(raises, ConvSpec((3, 3), (2, 2)))
    assert verdict.traceback and "</pre><script>" in verdict.traceback
    page = to_html(verdict)
    assert "script" not in Tags(page).started and Tags(page).balanced
    assert "&lt;/pre&gt;&lt;script&gt;" in page
    rendered = commonmark(to_markdown(verdict))
    assert "<script" not in rendered
    pre = rendered[rendered.index("<pre>"):rendered.index("</pre>")]
    assert "Traceback (most recent call last)" in pre and "ValueError:" in pre
    assert "&lt;/pre&gt;&lt;script&gt;" in pre  # the whole traceback is inside one block


# ---- pictures ------------------------------------------------------------------------------------

def test_figures_render_as_png_and_svg():
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    for picture in (derive("flip-is-involution").figures[0], verdict_picture(wrong_verdict())):
        png = picture._repr_png_()
        assert png.startswith(PNG_MAGIC)
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width > height > 50  # panels side by side
        svg = picture._repr_svg_()
        assert isinstance(svg, str) and "<svg" in svg and svg.rstrip().endswith("</svg>")


def test_figures_without_matplotlib_show_their_text(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    for picture in (derive("flip-is-involution").figures[0], verdict_picture(wrong_verdict())):
        assert picture._repr_png_() is None and picture._repr_svg_() is None


def test_picture_image_refuses_other_formats():
    with pytest.raises(SymconvError, match=r"^fmt: expected 'png' or 'svg', got 'jpg'"):
        verdict_picture(wrong_verdict()).image("jpg")
