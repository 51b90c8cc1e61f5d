"""The ``--json`` output of the CLI: plain dicts with a stable, documented schema.

Every document has ``schema`` (``"symconv-cli/1"``; a key is only ever added, never renamed or
removed, without bumping it), ``command`` and ``holds`` (the exit status as a bool).  The README
("JSON output") lists every key.

>>> from symconv import ConvSpec
>>> spec_record(ConvSpec((5, 5), (3, 3), stride=2, padding=((0, 1), (1, 1))))["padding"]
[[0, 1], [1, 1]]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ..engine import Proof
from ..spec import ConvSpec

__all__ = ["SCHEMA", "spec_record", "proof_record", "general_record", "verdict_record",
           "document", "dumps"]

#: The schema version every JSON document carries.
SCHEMA = "symconv-cli/1"


def spec_record(spec: ConvSpec) -> dict[str, Any]:
    """The layer: every ConvSpec field, ``padding`` resolved to ``[left, right]`` per axis.

    >>> rec = spec_record(ConvSpec((6, 5), (4, 2), padding="same"))
    >>> rec["description"], rec["padding"], rec["same"], rec["output_size"]
    ('6x5 * 4x2, pad same', [[1, 2], [0, 1]], True, [6, 5])
    """
    return {"description": spec.describe(), "rank": spec.rank,
            "input_size": list(spec.input_size), "kernel_size": list(spec.kernel_size),
            "in_channels": spec.in_channels, "out_channels": spec.out_channels,
            "batch": spec.batch, "groups": spec.groups, "stride": list(spec.stride),
            "dilation": list(spec.dilation), "padding": [list(p) for p in spec.pads],
            "same": spec.padding == "same", "padding_mode": spec.padding_mode.value,
            "bias": spec.bias,
            "input_shape": list(spec.input_shape), "weight_shape": list(spec.weight_shape),
            "output_size": list(spec.output_size), "output_shape": list(spec.output_shape)}


def _counterexample(proof: Proof) -> dict[str, Any] | None:
    cx = proof.counterexample
    if cx is None:
        return None
    return {"differing": cx.differing, "positions": [list(p) for p in cx.positions],
            "values": dict(cx.values), "text": str(cx)}


def proof_record(theorem: str, label: str, spec: ConvSpec, proof: Proof) -> dict[str, Any]:
    """One instance proof: ``theorem``, ``layer``, ``holds``, ``method``, ``positions``,
    ``products``, ``seconds``, ``counterexample`` (null when it holds).

    >>> from symconv import prove
    >>> spec = ConvSpec((5, 5), (3, 3))
    >>> proof = prove("elementwise-equals-dot", spec)
    >>> proof = prove("elementwise-equals-dot", spec)
    >>> rec = proof_record("elementwise-equals-dot", "seed", spec, proof)
    >>> rec["holds"], rec["products"], rec["layer"]["label"], rec["counterexample"]
    (True, 81, 'seed', None)
    """
    return {"theorem": theorem, "layer": {"label": label, **spec_record(spec)},
            "holds": bool(proof), "method": proof.method, "positions": proof.positions,
            "products": proof.products, "seconds": proof.elapsed,
            "counterexample": _counterexample(proof)}


def general_record(proof: Any, *, steps: bool = False) -> dict[str, Any]:
    """One proof for every size: the keys of :func:`proof_record` (``products`` and
    ``positions`` null: nothing is enumerated), ``verdict``, ``rank``, ``step_count``, ``reason``
    and, with ``steps=True``, each step's ``rule``, ``fact``, ``term``, ``conditions``.

    >>> from symconv import prove_general
    >>> rec = general_record(prove_general("flip-is-involution", rank=1))
    >>> rec["holds"], rec["layer"], rec["products"], rec["verdict"]
    (True, {'rank': 1, 'sizes': 'symbolic'}, None, 'PROVED')
    """
    rec: dict[str, Any] = {
        "theorem": proof.name, "layer": {"rank": proof.rank, "sizes": "symbolic"},
        "holds": bool(proof), "verdict": proof.verdict,
        "method": "checked rewrite steps over symbolic sizes", "positions": None,
        "products": None, "seconds": proof.elapsed, "rank": proof.rank,
        "step_count": len(proof.steps), "reason": proof.reason or None}
    if steps:
        rec["steps"] = [{"side": s.side, "rule": s.rule, "fact": s.fact, "term": s.term,
                         "conditions": list(s.conditions)} for s in proof.steps]
    return rec


def verdict_record(verdict: Any) -> dict[str, Any]:
    """A verify verdict: ``holds``, ``status``, ``proved``, ``method``, ``bound`` (null unless
    randomized), ``trials``, ``kind``, ``layer``, ``summary``, ``differing`` (a count),
    ``differing_positions`` (the first few, as index lists), ``mistakes``, ``seconds``.

    >>> import numpy as np
    >>> from symconv import verify
    >>> def conv(x, w):
    ...     win = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    ...     return np.einsum("nchwuv,fcvu->nfhw", win, w)
    >>> rec = verdict_record(verify(conv, ConvSpec((4, 4), (2, 2))))
    >>> rec["holds"], rec["status"], rec["differing"], rec["differing_positions"][0]
    (False, 'wrong', 9, [0, 0, 0, 0])
    >>> rec["mistakes"][0]["kind"]
    'kernel transposed'
    """
    bound = verdict.bound
    return {"holds": bool(verdict), "status": verdict.status.value, "proved": verdict.proved,
            "method": verdict.method,
            "bound": None if bound is None or not math.isfinite(bound) else bound,
            "trials": verdict.trials, "kind": verdict.kind.value,
            "layer": spec_record(verdict.spec), "summary": verdict.summary,
            "differing": verdict.differing,
            "differing_positions": [list(p) for p in verdict.positions],
            "mistakes": [{"kind": m.kind.value, "detail": m.detail} for m in verdict.mistakes],
            "seconds": verdict.elapsed}


def document(command: str, holds: bool, **fields: Any) -> dict[str, Any]:
    """The envelope every ``--json`` output shares.

    >>> document("prove", True, proofs=[])
    {'schema': 'symconv-cli/1', 'command': 'prove', 'holds': True, 'proofs': []}
    """
    return {"schema": SCHEMA, "command": command, "holds": bool(holds), **fields}


def dumps(doc: dict[str, Any]) -> str:
    """``doc`` as indented JSON (numpy integers and tuples become plain JSON).

    >>> print(dumps({"a": (1, 2)}))
    {
      "a": [
        1,
        2
      ]
    }
    """
    return json.dumps(doc, indent=2, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)  # fractions, sympy numbers: exact, as text
