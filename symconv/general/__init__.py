"""Proofs for every size: convolution theorems over symbolic sizes, by checked rewrite steps.

The instance engine (:func:`symconv.prove`) proves a theorem on one ConvSpec.  This package
proves it with every size a symbol (batch, groups, channels, kernel, output, stride, dilation,
pads), at each rank a ConvSpec can have: index-level descriptions of the formulations
(:mod:`.formulations`) are rewritten by rules whose side conditions are checked
(:mod:`.rules`, :mod:`.bounds`) to normal forms that a closing check compares (alpha-
equivalence up to the order of the sums).  Every substitution is capture-avoiding
(:mod:`.subst`); a statement must be well-formed before a proof starts (:mod:`.wellformed`);
every rewrite is re-checked against an independent environment semantics at sampled sizes
(:mod:`.semantics`).  The descriptions are tied to the numpy code by instantiation
(:mod:`.instantiate`, which evaluates through the same semantics).  The backward theorems
(:mod:`.backward_theorems`) describe scatters with Iverson brackets and sum views
(:mod:`.backward`) and derive gradients by exact differentiation (:mod:`.brackets`).

>>> from symconv.general import prove_general
>>> proof = prove_general("dot-equals-im2col-batch-fastest", rank=3)
>>> bool(proof), proof.rank
(True, 3)
"""

from __future__ import annotations

from .prover import GeneralProof, GeneralStatement, Step, prove_statement
from .registry import RANKS, general_theorems, prove_general, statement
from .rules import RuleError

__all__ = ["GeneralProof", "GeneralStatement", "Step", "RuleError", "RANKS", "general_theorems",
           "prove_general", "prove_statement", "statement"]
