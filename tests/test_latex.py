"""Derivations: every step proved as built, golden LaTeX, safe names, renderers, CLI."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, SymconvError, derive, get_theorem, not_applicable
from symconv.cli import main
from symconv.latex import Derivation, DerivationError, Names, Step, Term, UnsafeNameError
from symconv.latex.derivation import Term as TermClass
from symconv.latex.display import Times, tensor
from symconv.latex.names import escape_text, name_to_latex
from symconv.latex.printer import ConvLatexPrinter
from symconv.latex.recipes import derivations
from symconv.strategies import conv_specs
from tests.latex_names import layer_derivations

HOSTILE = [r"\input{/etc/passwd}", "50%", "a&b", "x_1", "$x$", "a b", "{K}", "#", "~", "é",
           "I\nK", "", "^", r"\def", "a" * 40, "1x"]


# ---- every step is proved; false steps cannot be built ----

@pytest.mark.parametrize("name", layer_derivations())
def test_every_derivation_builds_with_proved_steps(name):
    d = derive(name)
    assert d.steps and all(step.proof for step in d.steps)
    assert d.proofs and all(d.proofs)


def test_a_false_step_raises():
    w = tensor("#w")
    values = {"#w": np.array([2, 3], dtype=object)}
    left = Term(w[0], np.array(2), values)
    with pytest.raises(DerivationError, match="the two sides differ"):
        Step(left, Term(w[1], np.array(3), values), "claims 2 = 3")


def test_a_display_that_does_not_denote_its_tensor_raises():
    w = tensor("#w")
    with pytest.raises(DerivationError, match="does not denote"):
        Term(Times(w[0], w[1]), np.array(5), {"#w": np.array([2, 3], dtype=object)})


def test_a_false_symbolic_step_raises_with_the_engine_counterexample():
    from symconv import convolve, correlate
    from symconv.latex.layer import Layer
    spec = ConvSpec((3, 4), (1, 2))
    layer = Layer(spec, Names())
    conv = convolve(layer.x, layer.w, spec)
    corr = correlate(layer.x, layer.w, spec)
    with pytest.raises(DerivationError, match="positions differ"):
        Step(layer.out(layer.definition(convolution=True), conv, free=True),
             layer.out(layer.definition(), corr, free=True), "forgot the flip")


def test_a_derivation_refuses_unproved_steps():
    d = derive("flip-is-involution")
    with pytest.raises(DerivationError):
        Derivation("x", "t", d.spec, d.names, d.labels, ("not a step",))  # type: ignore[arg-type]
    with pytest.raises(DerivationError):
        Derivation("x", "t", d.spec, d.names, d.labels, ())


#: pages about the fast algorithms: small layers only, tested in test_latex_fast_pages.py
FAST_PAGES = ("winograd-equals-correlation", "fft-circular-convolution", "fft-linear-convolution")


@settings(max_examples=25, deadline=None)
@given(conv_specs(ranks=(1, 2), max_size=6, max_kernel=3, max_channels=2, max_batch=2,
                  max_groups=1), st.sampled_from([n for n in derivations()[:-1]
                                                  if n not in FAST_PAGES]))
def test_derivations_build_on_random_layers(spec, name):
    assume(not not_applicable(get_theorem(name), spec))  # e.g. a zero-padding theorem
    d = derive(name, spec)
    assert all(step.proof for step in d.steps)


# ---- the worked example's numbers ----

def test_worked_example_numbers():
    d = derive("example")
    tex = d.latex()
    assert r"\left(1 \cdot 1\right) + \left(1 \cdot 0\right) + \left(1 \cdot 1\right)" in tex
    assert "&= 4 " in tex
    out = next(s for s in d.steps if s.justification == "every output entry, by im2col")
    assert out.right.value.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    dot = next(s for s in d.steps if s.justification == "as a dot product")
    assert int(dot.right.value) == 4
    assert r"1 & 1 & 1 & 0 & 1 & 1 & 0 & 0 & 1" in tex


def test_example_spec_is_fixed():
    with pytest.raises(SymconvError, match="5x5"):
        derive("example", ConvSpec((6, 6), (3, 3)))


# ---- golden strings ----

GOLDEN_INVOLUTION = r"""\begin{align*}
  {K''}_{u} &= {K'}_{1 - u} \tag*{\footnotesize flip the flipped kernel} \\
  &= K_{u} \tag*{\footnotesize $k - 1 - (k - 1 - u) = u$}
\end{align*}"""



def test_golden_involution_1d():
    assert derive("flip-is-involution", ConvSpec((3,), (2,))).latex() == GOLDEN_INVOLUTION


def test_golden_elementwise_equals_dot_1d():
    got = derive("elementwise-equals-dot", ConvSpec((3,), (2,))).mathjax()
    assert got == "\n".join([
        r"\begin{aligned}",
        r"  S_{i} &= \sum_{u=0}^{1} \left(I_{i + u} \cdot K_{u}\right) \qquad "
        r"\text{definition: cross-correlation, PyTorch conv1d} \\",
        r"  S_{0} &= \left(I_{0} \cdot K_{0}\right) + \left(I_{1} \cdot K_{1}\right) \qquad "
        r"\text{the first window, product by product} \\",
        r"  &= \left[\begin{array}{cc} I_{0} & I_{1} \end{array}\right] \left[\begin{array}{cc}"
        r" K_{0} & K_{1} \end{array}\right]^{\top} \qquad "
        r"\text{dot product of the flattened window and kernel}",
        r"\end{aligned}"])


def test_golden_definition_2d_with_stride_dilation_and_padding():
    d = derive("definition-equals-elementwise",
               ConvSpec((5, 5), (2, 2), stride=2, dilation=(1, 2), padding=1))
    assert d.latex().splitlines()[1] == (
        r"  S_{i,j} &= \sum_{u=0}^{1} \sum_{v=0}^{1} \left(\tilde{I}_{2 i + u,2 j + 2 v} \cdot "
        r"K_{u,v}\right) \tag*{\footnotesize definition: cross-correlation, PyTorch "
        r"conv2d} \\")


def test_golden_flip_definition():
    """Unpadded: the page indexes the input I itself (no undefined padded tilde-I)."""
    lines = derive("convolution-is-flipped-correlation").latex().splitlines()
    assert lines[1].startswith(r"  S_{i,j} &= \sum_{u=0}^{2} \sum_{v=0}^{2} "
                               r"\left(I_{i + 2 - u,j + 2 - v} \cdot K_{u,v}\right)")
    assert lines[2].startswith(r"  &= \sum_{u=0}^{2} \sum_{v=0}^{2} \left(I_{i + u,j + v}"
                               r" \cdot K_{2 - u,2 - v}\right)")


def test_multichannel_indices_are_printed_only_when_needed():
    tex = derive("definition-equals-elementwise",
                 ConvSpec((4, 4), (2, 2), in_channels=2, out_channels=3, batch=2)).latex()
    assert r"S_{n,f,i,j} &= \sum_{c=0}^{1} \sum_{u=0}^{1} \sum_{v=0}^{1} " \
           r"\left(I_{n,c,i + u,j + v} \cdot K_{f,c,u,v}\right)" in tex


def test_wide_matrices_are_truncated_with_cdots():
    d = derive("dot-equals-im2col", ConvSpec((6, 6), (2, 2)))
    x_col = next(line for line in d.latex().splitlines() if line.lstrip().startswith("X_"))
    assert r"\cdots" in x_col and x_col.count(r"\begin{array}") == 1
    assert "{ccccccccc}" in x_col  # 6 + ellipsis + 2 of 25 columns


def test_printer_products_sums_and_order():
    p = ConvLatexPrinter({"#w": "K"})
    one, zero = sympy.Integer(1), sympy.Integer(0)
    s = sympy.Add(Times(one, zero), Times(zero, one), Times(one, one), evaluate=False)
    assert p.doprint(s) == (r"\left(1 \cdot 0\right) + \left(0 \cdot 1\right) + "
                            r"\left(1 \cdot 1\right)")


# ---- names ----

@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_names_are_refused(bad):
    with pytest.raises(UnsafeNameError, match="names"):
        Names.parse(f"{bad},K,S")
    with pytest.raises(UnsafeNameError):
        Names(bad, "K", "S")


@pytest.mark.parametrize("bad", [r"\input{/etc/passwd}", "50%", "a&b"])
def test_hostile_names_never_reach_tex_through_the_cli(bad, capsys):
    assert main(["derive", "example", "--names", f"I,{bad},S", "--format", "document"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "names" in err


def test_reserved_and_duplicate_names():
    with pytest.raises(UnsafeNameError, match="index letter"):
        Names("u", "K", "S")
    with pytest.raises(UnsafeNameError, match="different"):
        Names("K", "K", "S")


@pytest.mark.parametrize("name, tex", [("I", "I"), ("alpha", r"\alpha"), ("Sigma", r"\Sigma"),
                                       ("image", r"\mathrm{image}"), ("W1", "W_{1}"),
                                       ("Beta", "B"), ("omega2", r"\omega_{2}")])
def test_name_to_latex(name, tex):
    assert name_to_latex(name) == tex


def test_user_names_appear_in_every_renderer():
    d = derive("elementwise-equals-dot", names="image,alpha,out")
    for text in (d.latex(), d.mathjax(), d.markdown(), d.document()):
        assert r"\mathrm{out}_{i,j}" in text and r"\alpha_{u,v}" in text
        assert r"\mathrm{image}_{0,0}" in text


def test_escape_text():
    assert escape_text(r"\input{x} 50% a&b $#_^~") == (
        r"\textbackslash{}input\{x\} 50\% a\&b \$\#\_\textasciicircum{}\textasciitilde{}")


# ---- renderers ----

def test_renderers_shapes():
    d = derive("flip-is-involution")
    assert d.latex().startswith(r"\begin{align*}") and d.latex().endswith(r"\end{align*}")
    assert d.mathjax().startswith(r"\begin{aligned}") and r"\tag" not in d.mathjax()
    assert d.markdown().startswith("```math\n") and d.markdown().endswith("```\n")
    assert d.markdown(fence=False).startswith("$$\n")
    assert d._repr_latex_().startswith("$$") and d._repr_markdown_().startswith("**")
    doc = d.document()
    packages = {line[line.index("{") + 1:-1] for line in doc.splitlines()
                if line.startswith(r"\usepackage")}
    assert packages == {"amsmath", "amssymb", "xcolor", "tikz", "geometry"}


def test_jupyter_mime_bundle():
    formatters = pytest.importorskip("IPython.core.formatters")
    bundle, _ = formatters.DisplayFormatter().format(derive("flip-is-involution"))
    assert bundle["text/latex"].startswith("$$") and r"\begin{aligned}" in bundle["text/latex"]
    assert "```" not in bundle["text/markdown"] and "$$" in bundle["text/markdown"]


def test_groups_are_refused_with_a_clear_error():
    with pytest.raises(SymconvError, match="groups=1"):
        derive("dot-equals-im2col", ConvSpec((4, 4), 2, in_channels=2, out_channels=2, groups=2))


def test_unknown_name():
    with pytest.raises(SymconvError, match="did you mean"):
        derive("elementwise-equals-dott")


# ---- CLI ----

def test_cli_formats(tmp_path, capsys):
    assert main(["derive", "flip-is-involution", "--format", "mathjax"]) == 0
    assert capsys.readouterr().out.startswith(r"\begin{aligned}")
    target = tmp_path / "d.tex"
    assert main(["derive", "example", "--format", "document", "-o", str(target)]) == 0
    assert target.read_text().startswith(r"\documentclass")
    assert main(["derive", "output-size", "--input", "7x7", "--stride", "2"]) == 0
    assert r"\left\lfloor" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["derive", "nope"], ["derive", "example", "--format", "pdf"],
                                  ["derive", "example", "--format", "png"],
                                  ["derive", "example", "--input", "6x6"],
                                  ["derive", "example", "--names", "I,K"]])
def test_cli_bad_input_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_figures_without_tex(tmp_path):
    pytest.importorskip("matplotlib")
    assert main(["derive", "example", "--format", "figures-svg",
                 "-o", str(tmp_path / "f.svg")]) == 0
    svg = (tmp_path / "f-1.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert main(["derive", "convolution-is-flipped-correlation", "--format", "figures-png",
                 "-o", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_term_is_reexported():
    assert Term is TermClass


def test_padded_inputs_are_named_and_defined():
    """Every padded tensor on the page is defined in the text, with its own name when the
    convolution's 'same' split differs from the correlation's."""
    d = derive("convolution-is-flipped-correlation", ConvSpec((6, 5), (4, 2), padding="same"))
    doc = d.document()
    assert r"\hat{I}_{i + 3 - u,j + 1 - v}" in d.latex()
    assert r"$\hat{I}$ is $I$ padded by $(2, 1), (1, 0)$" in doc
    assert r"\tilde{I}" not in doc  # the correlation's split is never written on this page
    assert r"$\tilde{I}$ is $I$ padded by $(1, 2), (0, 1)$" in derive(
        "definition-equals-elementwise", ConvSpec((6, 5), (4, 2), padding="same")).document()
    plain = derive("elementwise-equals-dot", ConvSpec((4, 4), (3, 3))).document()
    assert r"\tilde" not in plain and r"\hat" not in plain


@pytest.mark.parametrize("name", sorted(layer_derivations()))
@pytest.mark.parametrize("padding", [0, 1, "same"])
def test_every_padded_input_on_the_page_is_defined(name, padding):
    """A page that writes a padded input (tilde or hat) defines it in its setup, and the
    unpadded input is written as the input itself."""
    if name == "example":
        return
    spec = ConvSpec((4, 5), (2, 3), padding=padding)
    page = derive(name, spec).document()
    setup = page[:page.index(r"\begin{align*}")] if r"\begin{align*}" in page else page
    for accent in (r"\tilde{I}", r"\hat{I}"):
        if accent in page:
            assert rf"${accent}$ is $I$ padded by" in setup, (name, padding, accent)
