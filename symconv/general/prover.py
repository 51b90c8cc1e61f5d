"""Chains of checked rewrite steps, and the proof objects they produce.

A :class:`GeneralStatement` pairs two formulations with a script of tactics for each side
(unfold views, split an index into digits, reverse an index, simplify floor/mod).  Running
the scripts rewrites both sides, one checked :class:`Step` at a time, to normal forms that the
closing check compares.  Any refused rule or failed closing leaves the statement unproved; a
search over small concrete layers then looks for a counterexample with the instance engine.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from .formulations import Formulation, Sizes
from .instantiate import GeneralCounterexample, search_counterexample
from .rules import Rewrite, RuleError, close, reverse, simplify_floor_mod, split, unfold_all
from .terms import Box, Sum, render

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


Tactic = Unfold | FloorMod | Split | Reverse


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
    kind: str = "output"  #: 'output' entries (n, g, j, o...) or 'weight' entries (f, c, u...)
    pads: str = "pads"  #: which ConvSpec pads the pad symbols stand for ('pads'/'convolution')
    conditions: str = ""


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

    def __bool__(self) -> bool:
        return self.holds

    @property
    def verdict(self) -> str:
        """PROVED, DISPROVED (a concrete counterexample exists) or NOT PROVED."""
        if self.holds:
            return "PROVED"
        return "DISPROVED" if self.counterexample is not None else "NOT PROVED"

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
            else:
                lines.append("  no counterexample among the small layers searched")
        lines.append(f"  {len(self.steps)} steps, {self.elapsed:.3f} s")
        return "\n".join(lines)


def _record(steps: list[Step], side: str, rewrites: Sequence[Rewrite]) -> Sum | None:
    for rw in rewrites:
        steps.append(Step(side, f"= {rw.term}", rw.rule, rw.fact, rw.conditions))
    return rewrites[-1].term if rewrites else None


def _run(form: Formulation, script: Sequence[Tactic], side: str, entry: Box,
         steps: list[Step], notes: list[str]) -> Sum:
    term = form.term
    steps.append(Step(side, str(term), "the formulation, for one entry", form.label))
    for tactic in script:
        if isinstance(tactic, Unfold):
            rewrites = unfold_all(term, form.views)
        elif isinstance(tactic, FloorMod):
            rewrites, refused = simplify_floor_mod(term, dict(entry))
            notes.extend(f"{side}: {r}" for r in refused)
        elif isinstance(tactic, Split):
            rewrites = [split(term, tactic.var, tactic.radices, tactic.digits)]
        elif isinstance(tactic, Reverse):
            rewrites = [reverse(term, tactic.var, tactic.image)]
        else:  # pragma: no cover - the Tactic union is closed
            raise TypeError(tactic)
        term = _record(steps, side, rewrites) or term
    return term


def prove_statement(statement: GeneralStatement, *, search: bool = True) -> GeneralProof:
    """Run both scripts, close, and on failure search small layers for a counterexample."""
    start = time.perf_counter()
    steps: list[Step] = []
    notes: list[str] = []
    sz = statement.sizes
    entry = ", ".join(f"{v} <= {render(hi)}" for v, hi in statement.entry)
    hypotheses = f"{sz.hypotheses()}; entry {entry}"
    if statement.conditions:
        hypotheses += f"; {statement.conditions}"
    reason = ""
    try:
        left = _run(statement.left, statement.left_script, "left: " + statement.left.label,
                    statement.entry, steps, notes)
        right = _run(statement.right, statement.right_script, "right: " + statement.right.label,
                     statement.entry, steps, notes)
        for label, form, term in (("left", statement.left, left),
                                  ("right", statement.right, right)):
            pending = sorted({f.tensor for f in term.factors} & set(form.views))
            if pending:  # same view name, maybe different definitions on the two sides
                raise RuleError(f"close: the {label} side still mentions {', '.join(pending)}; "
                                "unfold every view before the closing check")
        done = close(left, right)
        steps.append(Step("closing", f"{left}  =  {right}", done.rule, done.fact,
                          done.conditions))
        holds = True
    except RuleError as err:
        holds, reason = False, str(err)
    counterexample: GeneralCounterexample | None = None
    if not holds:
        if notes:
            reason += " (refused on the way: " + "; ".join(notes) + ")"
        if search:
            counterexample = search_counterexample(statement.left, statement.right, sz,
                                                   kind=statement.kind, pads=statement.pads)
    return GeneralProof(statement.name, statement.text, sz.rank, hypotheses, holds,
                        tuple(steps), time.perf_counter() - start, reason, counterexample)
