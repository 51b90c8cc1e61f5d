"""Readable transcripts of a theorem proved on many configurations (what ``proofs/`` prints).

>>> report = transcript("flip-is-involution")
>>> bool(report), report.count
(True, 12)
>>> backward = transcript("transposed-is-adjoint")
>>> backward.count, [label for label, _ in backward.skipped]
(10, ['reflect padding', 'circular padding'])
>>> print(str(report).splitlines()[0])
Theorem flip-is-involution: flip(flip(w)) = w
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .engine import Proof
from .spec import ConvSpec
from .tensors import symbolic_input, symbolic_weight
from .theorem import not_applicable
from .theorems import DEFAULT_SPECS, get_theorem, prove

__all__ = ["Transcript", "transcript"]


@dataclass(frozen=True)
class Transcript:
    """A theorem, its conditions, and one proof per configuration; truthy when all hold."""

    name: str
    statement: str
    conditions: str
    proofs: tuple[tuple[str, ConvSpec, Proof], ...]
    #: the first entry of each side on the first configuration, as sympy prints it
    sample: tuple[tuple[str, str], tuple[str, str]] | None = None
    #: (label, reason) of each configuration the theorem does not speak about
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def count(self) -> int:
        return len(self.proofs)

    def __bool__(self) -> bool:
        return all(p for _, _, p in self.proofs)

    def __str__(self) -> str:
        lines = [f"Theorem {self.name}: {self.statement}", f"Holds for: {self.conditions}", ""]
        if self.sample is not None:
            (ll, le), (rl, re) = self.sample
            lines += [f"First entry on {self.proofs[0][0]}:", f"  {ll} = {le}",
                      f"  {rl} = {re}", ""]
        for label, _, proof in self.proofs:
            lines.append(f"[{label}]")
            lines.append(str(proof))
            lines.append(f"  ({proof.products} products, {proof.elapsed * 1000:.1f} ms)")
        lines += [f"[{label}] does not apply: {reason}" for label, reason in self.skipped]
        held = sum(1 for _, _, p in self.proofs if p)
        lines += ["", f"{held} of {self.count} configurations proved exactly."
                  + ("" if self else " THE THEOREM FAILED.")]
        return "\n".join(lines)


def transcript(name: str, specs: Iterable[tuple[str, ConvSpec]] = DEFAULT_SPECS) -> Transcript:
    """Prove theorem ``name`` on every configuration in ``specs``."""
    thm = get_theorem(name)
    reasons = [(label, spec, not_applicable(thm, spec)) for label, spec in specs]
    skipped = tuple((label, reason) for label, _, reason in reasons if reason)
    proofs = tuple((label, spec, prove(thm, spec)) for label, spec, reason in reasons
                   if not reason)
    sample = None
    if proofs and thm.prover is None:  # a theorem with sides on a carrier: show an entry
        spec = proofs[0][1]
        x, w = symbolic_input(spec), symbolic_weight(spec)
        left, right = thm.left(x, w, spec).reshape(-1), thm.right(x, w, spec).reshape(-1)
        sample = ((thm.left_label, str(left[0])), (thm.right_label, str(right[0])))
    return Transcript(thm.name, thm.statement, thm.conditions, proofs, sample, skipped)
