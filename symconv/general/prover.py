"""Chains of checked rewrite steps, and the proof objects they produce.

A :class:`GeneralStatement` pairs two formulations with a script of tactics for each side
(unfold views, split an index into digits, reverse an index, simplify floor/mod).  Running
the scripts rewrites both sides, one checked :class:`Step` at a time, to normal forms that the
closing check compares.  Any refused rule or failed closing leaves the statement unproved; a
search over small concrete layers then looks for a counterexample with the instance engine.

Nothing escapes as an exception: an ill-formed statement (:mod:`.wellformed`), a refused rule,
a rewrite whose independent re-check fails (:mod:`.semantics`: before and after must
denote the same sum at sampled sizes) and an unexpected error inside a rule all give a proof
object that is NOT PROVED (or DISPROVED, with a counterexample) and says why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from .brackets import Differentiate, Eliminate, SplitBrackets
from .formulations import Formulation, Sizes
from .instantiate import GeneralCounterexample, search_counterexample
from .rules import Rewrite, RuleError, close, reverse, simplify_floor_mod, split, unfold_all
from .semantics import denotations, difference, sample_environments
from .terms import Box, Derivative, Sum, render
from .wellformed import check_statement

__all__ = ["Tactic", "Unfold", "Split", "Reverse", "FloorMod", "Step", "GeneralStatement",
           "GeneralProof", "prove_statement"]


@dataclass(frozen=True)
class Unfold:
    """Unfold every view, innermost last, until only ``w`` and ``xpad`` remain."""


@dataclass(frozen=True)
class FloorMod:
    """Simplify every floor/mod whose remainder bound is provable."""


@dataclass(frozen=True)
class Split:
    """Split summation index ``var`` into ``digits`` of mixed radix ``radices``."""

    var: sympy.Symbol
    radices: tuple[Any, ...]
    digits: tuple[sympy.Symbol, ...]


@dataclass(frozen=True)
class Reverse:
    """Reverse summation index ``var`` (``image`` is the claimed map, checked)."""

    var: sympy.Symbol
    image: Any = None


Tactic = Unfold | FloorMod | Split | Reverse | Differentiate | SplitBrackets | Eliminate


@dataclass(frozen=True)
class Step:
    """One checked step: the side it rewrites, the term after it, the rule and its checks."""

    side: str
    term: str
    rule: str
    fact: str = ""
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneralStatement:
    """``left == right`` at every entry, for every value of the size symbols."""

    name: str
    text: str
    sizes: Sizes
    entry: Box
    left: Formulation
    right: Formulation
    left_script: tuple[Tactic, ...] = ()
    right_script: tuple[Tactic, ...] = ()
    kind: str = "output"  #: which entries: symconv.general.backward.KINDS
    pads: str = "pads"  #: which ConvSpec pads the pad symbols stand for ('pads'/'convolution')
    conditions: str = ""
    #: a backward statement may read x, y, dout, cols and brackets, take derivatives and range
    #: over input, scalar and grouped-weight entries (symconv.general.backward)
    backward: bool = False


@dataclass(frozen=True)
class GeneralProof:
    """A proof over symbolic sizes: ordered checked steps; truthy exactly when it holds.

    ``counterexample`` is set when the statement failed and a small concrete layer shows it
    false; ``reason`` says which rule refused or where the closing check failed.
    """

    name: str
    statement: str
    rank: int
    hypotheses: str
    holds: bool
    steps: tuple[Step, ...]
    elapsed: float
    reason: str = ""
    counterexample: Any = None
    notes: tuple[str, ...] = field(default=())
    searched: bool = True  #: False when no counterexample search ran (ill-formed, or not asked)

    def __bool__(self) -> bool:
        return self.holds

    @property
    def verdict(self) -> str:
        """PROVED, DISPROVED (a concrete counterexample exists) or NOT PROVED."""
        if self.holds:
            return "PROVED"
        return "DISPROVED" if self.counterexample is not None else "NOT PROVED"

    def _repr_markdown_(self) -> str:
        from ..display import to_markdown
        return to_markdown(self)

    def _repr_html_(self) -> str:
        from ..display import to_html
        return to_html(self)

    def __str__(self) -> str:
        scope = "for every size" + (f" (rank {self.rank})" if self.rank else "")
        lines = [f"{self.verdict} {scope}: {self.name}", f"  statement: {self.statement}",
                 f"  hypotheses: {self.hypotheses}"]
        lines += [f"  note: {n}" for n in self.notes]
        side = None
        for number, step in enumerate(self.steps, 1):
            if step.side != side:
                side = step.side
                lines.append(f"  {side}:")
            lines.append(f"  {number:>3}. {step.term}")
            lines.append(f"         by {step.rule}" + (f": {step.fact}" if step.fact else ""))
            lines += [f"         check: {c}" for c in step.conditions]
        if not self.holds:
            lines.append(f"  reason: {self.reason}")
            if self.counterexample is not None:
                lines.append("  counterexample: " + str(self.counterexample).replace(
                    "\n", "\n  "))
            elif self.searched:
                lines.append("  no counterexample among the small layers searched")
            else:
                lines.append("  no counterexample search ran")
        lines.append(f"  {len(self.steps)} steps, {self.elapsed:.3f} s")
        return "\n".join(lines)


class _Context:
    """Where the prover is (for the reason of an unexpected error) and the sample points."""

    def __init__(self, envs: Sequence[Any]) -> None:
        self.envs = envs
        self.where = "checking the statement"


def _record(steps: list[Step], side: str, form: Formulation, term: Sum, meaning: list[Any],
            rewrites: Sequence[Rewrite], ctx: _Context) -> tuple[Sum, list[Any]]:
    for rw in rewrites:
        if not isinstance(rw, Rewrite) or not isinstance(rw.term, (Sum, Derivative)):
            raise RuleError(f"{side}: the rule returned {type(rw).__name__}, not a Rewrite")
        after = denotations(rw.term, form.views, ctx.envs)
        problem = difference(ctx.envs, meaning, after)
        if problem:
            raise RuleError(f"{side}: the re-check of step {len(steps) + 1} ({rw.rule}: "
                            f"{rw.fact}) failed: {problem}; the rewrite is refused")
        steps.append(Step(side, f"= {rw.term}", rw.rule, rw.fact, rw.conditions))
        term, meaning = rw.term, after
    return term, meaning


def _run(form: Formulation, script: Sequence[Tactic], side: str, entry: Box,
         steps: list[Step], notes: list[str], ctx: _Context) -> tuple[Sum, list[Any]]:
    """The side's normal form and what it denotes at the sampled sizes."""
    term = form.term
    steps.append(Step(side, str(term), "the formulation, for one entry", form.label))
    ctx.where = f"{side}: evaluating the formulation at sampled sizes"
    meaning = denotations(term, form.views, ctx.envs)
    for tactic in script:
        ctx.where = f"{side}: {type(tactic).__name__}"
        if isinstance(tactic, Unfold) and isinstance(term, Derivative):
            rewrites = [_inside(term, rw) for rw in unfold_all(term.term, form.views)]
        elif isinstance(tactic, Unfold):
            rewrites = unfold_all(term, form.views)
        elif type(tactic) in (Differentiate, SplitBrackets, Eliminate):  # exact: no overrides
            rewrites = tactic.rewrites(term, form.views, entry, notes)
        elif isinstance(term, Derivative):
            raise RuleError(f"{side}: {type(tactic).__name__} needs a sum; differentiate the "
                            "derivative first (Differentiate)")
        elif isinstance(tactic, FloorMod):
            rewrites, refused = simplify_floor_mod(term, dict(entry))
            notes.extend(f"{side}: {r}" for r in refused)
        elif isinstance(tactic, Split):
            rewrites = [split(term, tactic.var, tactic.radices, tactic.digits)]
        elif isinstance(tactic, Reverse):
            rewrites = [reverse(term, tactic.var, tactic.image)]
        else:
            raise RuleError(f"{side}: unknown tactic {tactic!r}; expected Unfold, FloorMod, "
                            "Split, Reverse or a tactic of symconv.general.brackets")
        term, meaning = _record(steps, side, form, term, meaning, rewrites, ctx)
    return term, meaning


def _inside(derivative: Derivative, rw: Rewrite) -> Rewrite:
    """A rewrite of the differentiated sum, as a rewrite of the derivative."""
    return Rewrite(derivative.with_term(rw.term), rw.rule, rw.fact,
                   (*rw.conditions, "inside ∂: equal polynomials have equal derivatives"))


def _prove(statement: GeneralStatement, steps: list[Step], notes: list[str],
           ctx: _Context) -> None:
    check_statement(statement)
    ctx.where = "sampling sizes for the re-checks"
    ctx.envs = sample_environments(statement.sizes.size_symbols, statement.entry)
    left, left_meaning = _run(statement.left, statement.left_script,
                              "left: " + statement.left.label, statement.entry, steps, notes, ctx)
    right, right_meaning = _run(statement.right, statement.right_script,
                                "right: " + statement.right.label, statement.entry, steps,
                                notes, ctx)
    ctx.where = "the closing check"
    for label, form, term in (("left", statement.left, left),
                              ("right", statement.right, right)):
        if not isinstance(term, Sum):
            raise RuleError(f"close: the {label} side is still a derivative; differentiate it "
                            "before the closing check")
        pending = sorted({f.tensor for f in term.factors} & set(form.views))
        if pending:  # same view name, maybe different definitions on the two sides
            raise RuleError(f"close: the {label} side still mentions {', '.join(pending)}; "
                            "unfold every view before the closing check")
    done = close(left, right)
    problem = difference(ctx.envs, left_meaning, right_meaning)
    if problem:
        raise RuleError(f"close: the closing check matched the sides but its re-check failed: "
                        f"{problem}; refused")
    steps.append(Step("closing", f"{left}  =  {right}", done.rule, done.fact, done.conditions))


def prove_statement(statement: GeneralStatement, *, search: bool = True) -> GeneralProof:
    """Run both scripts, close, and on failure search small layers for a counterexample.

    Never raises on a statement: whatever goes wrong is the proof's ``reason``.
    """
    start = time.perf_counter()
    steps: list[Step] = []
    notes: list[str] = []
    ctx = _Context(())
    try:
        sz = statement.sizes
        entry = ", ".join(f"{v} <= {render(hi)}" for v, hi in statement.entry)
        hypotheses = f"{sz.hypotheses()}; " + (f"entry {entry}" if entry else
                                                "a scalar (no entry index)")
        if statement.conditions:
            hypotheses += f"; {statement.conditions}"
        name, text, rank = statement.name, statement.text, sz.rank
    except Exception as err:  # noqa: BLE001 - not a statement at all
        return GeneralProof(str(getattr(statement, "name", "?")), "?", 0, "?", False, (),
                            time.perf_counter() - start, f"statement: ill-formed ({err})",
                            searched=False)
    reason, well_formed = "", True
    try:
        _prove(statement, steps, notes, ctx)
        holds = True
    except RuleError as err:
        holds, reason = False, str(err)
        well_formed = ctx.where != "checking the statement"
    except Exception as err:  # noqa: BLE001 - a rule's bug must not become an escape
        holds = False
        reason = f"{ctx.where}: unexpected {type(err).__name__}: {err}"
        well_formed = ctx.where != "checking the statement"
    counterexample: GeneralCounterexample | None = None
    searched = False
    if not holds:
        if notes:
            reason += " (refused on the way: " + "; ".join(notes) + ")"
        if search and well_formed:
            searched = True
            try:
                counterexample = search_counterexample(statement.left, statement.right, sz,
                                                       kind=statement.kind,
                                                       pads=statement.pads)
            except Exception as err:  # noqa: BLE001
                reason += f" (the counterexample search failed: {type(err).__name__}: {err})"
    checked = (f"every step re-checked: before and after denote the same sum at "
               f"{len(ctx.envs)} sampled sizes (symconv.general.semantics)",) if holds else ()
    return GeneralProof(name, text, rank, hypotheses, holds, tuple(steps),
                        time.perf_counter() - start, reason, counterexample, checked,
                        searched=searched)
