"""The output-size theorem over symbolic sizes, as a chain of checked facts about floors.

Per axis, with input ``i``, kernel ``k``, stride ``s``, dilation ``d`` (``>= 1``) and pads
``pl``, ``pr`` (``>= 0``): window ``o >= 0`` fits the padded input ``P = i + pl + pr`` iff
its last tap ``o·s + d(k-1) <= P - 1``, iff ``o <= ⌊M/s⌋`` with ``M = P - 1 - d(k-1)`` (the floor
lemma, itself checked from the division algorithm), so the count is ``⌊M/s⌋ + 1`` when
``M >= 0``, the formula ``symconv.spec.output_length`` computes on symbols.

>>> proof = prove_output_size()
>>> bool(proof), len(proof.steps)
(True, 5)
>>> wrong = prove_output_size(lambda i, k, s, pl, pr, d: (i + pl + pr - d * k) // s + 1)
>>> print(wrong.verdict, wrong.counterexample)
DISPROVED at i=1, k=1, s=1, pl=0, pr=0, d=2: the formula gives 0, but 1 window fits
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from ..spec import output_length
from .bounds import affine_range, provably_nonnegative
from .prover import GeneralProof, Step
from .rules import RuleError
from .subst import substitute
from .terms import render

__all__ = ["prove_output_size", "floor_lemma", "SizeCounterexample", "count_windows"]


def _size(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def _nonneg(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, nonnegative=True)


def floor_lemma(s: sympy.Expr) -> tuple[str, ...]:
    """Check ``o·s <= M  ⇔  o <= ⌊M/s⌋`` for integers ``o``, ``M`` and ``s >= 1``.

    Division algorithm: ``M = q·s + r`` with ``q = ⌊M/s⌋`` and ``r = s - 1 - r'``,
    ``r, r' >= 0``.  (⇐) ``o = q - t``: ``M - o·s = r + t·s >= 0``.  (⇒) otherwise
    ``o = q + 1 + t``: ``o·s - M - 1 = r' + t·s >= 0``.  Both differences are checked to be
    polynomials with nonnegative coefficients in nonnegative symbols.

    >>> floor_lemma(sympy.Symbol("s", integer=True, positive=True))[0]
    's >= 1'
    """
    if not provably_nonnegative(s - 1):
        raise RuleError(f"floor lemma: the divisor {render(s)} is not provably >= 1")
    q = sympy.Symbol("q", integer=True)
    t, r, r2 = _nonneg("t"), _nonneg("r"), _nonneg("r'")
    m = q * s + r
    if_below = sympy.expand(m - (q - t) * s)
    above = sympy.expand((q + 1 + t) * s - substitute(m, {r: s - 1 - r2}) - 1)
    for expr in (if_below, above):
        if q in expr.free_symbols or not provably_nonnegative(expr):
            raise RuleError(f"floor lemma: could not check {render(expr)} >= 0")  # pragma: no cover
    return (f"{render(s)} >= 1",
            f"o = q - t, t >= 0 gives M - o*s = {render(if_below)} >= 0",
            f"o = q + 1 + t, t >= 0 gives o*s - M - 1 = {render(above)} >= 0 (M = q*s + r, "
            "r = s - 1 - r')")


def count_windows(i: int, k: int, s: int, pl: int, pr: int, d: int) -> int:
    """Window starts ``0, s, 2s, ...`` of the padded input whose dilated kernel fits (by
    enumeration, independent of any formula)."""
    size = i + pl + pr
    return sum(1 for start in range(0, size, s) if start + d * (k - 1) <= size - 1)


@dataclass(frozen=True)
class SizeCounterexample:
    """Sizes where a claimed output-size formula and the window count differ."""

    values: dict[str, int]
    claimed: int
    counted: int

    def __str__(self) -> str:
        at = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return (f"at {at}: the formula gives {self.claimed}, but {self.counted} "
                f"window{'s fit' if self.counted != 1 else ' fits'}")


def _search(formula: Callable[..., Any]) -> SizeCounterexample | None:
    for k, d, s, pl, pr, i in itertools.product(range(1, 4), range(1, 3), range(1, 4),
                                                range(3), range(3), range(1, 8)):
        if d * (k - 1) + 1 > i + pl + pr:
            continue  # ConvSpec refuses layers whose kernel does not fit
        claimed, counted = int(formula(i, k, s, pl, pr, d)), count_windows(i, k, s, pl, pr, d)
        if claimed != counted:
            return SizeCounterexample(dict(i=i, k=k, s=s, pl=pl, pr=pr, d=d), claimed, counted)
    return None


def prove_output_size(formula: Callable[..., Any] = output_length) -> GeneralProof:
    """Prove ``formula(i, k, s, pl, pr, d)`` counts the windows that fit, for every size.

    ``formula`` is called on sympy symbols (default :func:`symconv.spec.output_length`, the
    one place shapes are computed).
    """
    start = time.perf_counter()
    i, k, s, d = _size("i"), _size("k"), _size("s"), _size("d")
    pl, pr, o, u = _nonneg("pl"), _nonneg("pr"), _nonneg("o"), _nonneg("u")
    padded = i + pl + pr
    steps: list[Step] = []
    side = "window count on one axis"
    lo, hi = affine_range(o * s + u * d, {u: k - 1})
    if not provably_nonnegative(lo):  # pragma: no cover - o, s >= 0
        raise RuleError(f"output size: cannot prove the first tap {render(lo)} >= 0")
    steps.append(Step(side, f"window o uses taps o*s + u*d, u <= k - 1: they lie in "
                            f"[{render(lo)}, {render(hi)}]", "bound checker (affine in u)",
                      "window o fits ⇔ 0 <= o*s and o*s + d*(k - 1) <= P - 1, P = i + pl + pr",
                      (f"coefficient d of u is >= 0, so the largest tap is u = k - 1; "
                       f"first tap {render(lo)} >= 0 (proved)",)))
    M = padded - 1 - d * (k - 1)
    if sympy.expand((padded - 1 - hi) - (M - o * s)) != 0:  # pragma: no cover
        raise RuleError("output size: rearrangement failed")
    steps.append(Step(side, f"fits ⇔ o*s <= M with M = {render(M)}", "linear rearrangement",
                      "", (f"(P - 1) - ({render(hi)}) - (M - o*s) = 0 (sympy.expand)",)))
    q = sympy.floor(M / s)
    steps.append(Step(side, "fits ⇔ o <= ⌊M/s⌋", "floor lemma: o*s <= M ⇔ o <= ⌊M/s⌋ for "
                      "integers", "", floor_lemma(s)))
    extent = d * (k - 1) + 1
    steps.append(Step(side, f"count = ⌊M/s⌋ + 1 = {render(q + 1)}",
                      "counting 0 <= o <= ⌊M/s⌋", "",
                      ("⌊M/s⌋ >= 0 ⇔ 0*s <= M (floor lemma with o = 0) ⇔ M >= 0",
                       f"M = P - ({render(extent)}) (sympy.expand): M >= 0 is ConvSpec's "
                       "check that the dilated kernel fits the padded input")))
    reason, cex = "", None
    try:
        claimed = sympy.sympify(formula(i, k, s, pl, pr, d))
        ok = sympy.expand(claimed - (q + 1)) == 0
    except Exception as err:  # noqa: BLE001 - a formula that fails on symbols proves nothing
        claimed, ok = None, False
        reason = f"close: the formula fails on symbols ({type(err).__name__}: {err})"
    if ok:
        steps.append(Step("closing", f"{render(claimed)} = {render(q + 1)}",
                          "closing check", "the formula equals the count",
                          ("difference expands to 0 (sympy.expand)",)))
    else:
        if claimed is not None:
            reason = (f"close: the formula {render(claimed)} is not {render(q + 1)} "
                      "(their difference does not expand to 0)")
        try:
            cex = _search(formula)
        except Exception as err:  # noqa: BLE001
            reason += f" (the counterexample search failed: {type(err).__name__}: {err})"
    return GeneralProof("output-size", "floor((i + pl + pr - d(k-1) - 1)/s) + 1 = number of "
                        "window positions that fit (each axis)", 0,
                        "integers i, k, s, d >= 1 and pl, pr >= 0 (all symbolic), per axis, "
                        "so for every rank; the kernel fits: d*(k - 1) + 1 <= i + pl + pr",
                        ok, tuple(steps), time.perf_counter() - start, reason, cex)
