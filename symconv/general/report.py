"""Text reports of general proofs: one theorem's transcript, or a table of all of them.

>>> text, ok = all_sizes_report()
>>> ok, text.splitlines()[-4]
(True, '39 of 39 general proofs hold: every size symbolic, at ranks 1, 2, 3 ...')
>>> text.splitlines()[-1].split(";")[0]
'fft-linear-convolution: no proof for every size'
"""

from __future__ import annotations

from .registry import INSTANCE_ONLY, RANKS, general_theorems, prove_general

__all__ = ["all_sizes_report"]


def all_sizes_report(name: str | None = None, rank: int = 2) -> tuple[str, bool]:
    """``(text, holds)``: the transcript of ``name`` at ``rank`` (and a line for the other
    ranks), or with no name a table of every theorem at every rank."""
    if name is not None:
        proof = prove_general(name, rank)
        others = [prove_general(name, r) for r in RANKS if r != rank]
        lines = [str(proof), ""]
        lines += [f"rank {p.rank}: {p.verdict} in {len(p.steps)} steps ({p.elapsed * 1000:.1f} ms)"
                  for p in others]
        return "\n".join(lines), bool(proof) and all(others)
    names = general_theorems()
    width = max(len(n) for n in names)
    header = f"{'theorem':<{width}}  rank  steps  {'time':>8}  result"
    lines = [header, "-" * len(header)]
    failures = []
    for theorem in names:
        for r in RANKS:
            proof = prove_general(theorem, r)
            lines.append(f"{theorem:<{width}}  {r:>4}  {len(proof.steps):>5}  "
                         f"{proof.elapsed * 1000:>6.1f}ms  {proof.verdict.lower()}")
            if not proof:
                failures.append(proof)
    count = len(names) * len(RANKS)
    lines.append("")
    lines += [str(p) + "\n" for p in failures]
    lines.append(f"{count - len(failures)} of {count} general proofs hold: every size symbolic, "
                 f"at ranks {', '.join(map(str, RANKS))} (every ConvSpec); each rewrite step "
                 "checked.")
    lines += [f"{theorem}: no proof for every size; {why}"
              for theorem, why in INSTANCE_ONLY.items()]
    return "\n".join(lines), not failures
