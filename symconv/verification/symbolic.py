"""Pieces every exact path of :func:`~symconv.verification.verify` shares: a verdict's
construction, the result of a symbolic run, and the concrete example that confirms a WRONG one
on numbers.

>>> from symconv import ConvSpec
>>> spec = ConvSpec((3,), (2,))
>>> ex = example(lambda x, w: x[..., :2] * w, spec, Kind.CORRELATION, (0, 0, 0),
...              {"x_{0,0,1}": 1, "w_{0,0,1}": 1}, 5.0, None)
>>> ex.expected, ex.got, confirmed(ex)
(1, 0, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..spec import ConvSpec
from ..tensors import parse_name
from .bias import bias_shape
from .crosscheck import mismatch
from .diagnose import value_at
from .randomized import expected_output
from .run import call, to_numpy
from .verdict import ConcreteExample, Kind, Status, Verdict

__all__ = ["Symbolic", "verdict", "short", "example", "confirmed"]


class Symbolic(NamedTuple):
    """What a symbolic run gave: a verdict, the output's forms (anything callable as
    ``forms(x, w[, b])`` with a ``shape``) when anything was compared, and for WRONG the output
    position and variable values of the example still to be run."""

    verdict: Verdict
    forms: Any = None
    witness: tuple[tuple[int, ...], dict[str, int]] | None = None


def confirmed(example: ConcreteExample) -> bool:
    """``fn`` really returned a number other than the spec's on the example's inputs."""
    got = np.asarray(example.got, dtype=object).reshape(1)
    return bool(mismatch(got, np.asarray([example.expected], dtype=object)).all())


def short(summary: str, limit: int = 100) -> str:
    text = summary.removeprefix("the function raised ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def verdict(status: Status, spec: ConvSpec, kind: Kind, method: str, summary: str,
             start: float, **fields: Any) -> Verdict:
    if spec.bias and status is Status.RAISED:  # say how b was passed: its shape is a usual slip
        fields["notes"] = tuple(fields.get("notes", ())) + (
            f"called as fn(x, w, b) with x of shape {spec.input_shape}, w of shape "
            f"{spec.weight_shape} and b of shape {bias_shape(spec)} (one bias per filter)",)
    return Verdict(status, spec, kind, method, summary, time.perf_counter() - start, **fields)


def example(fn: Callable[..., Any], spec: ConvSpec, kind: Kind, position: tuple[int, ...],
             values: dict[str, int], timeout: float | None,
             kwargs: dict[str, Any] | None) -> ConcreteExample | None:
    """Integer tensors from ``values``, with what ``fn`` returns on them at ``position``
    (``None`` when that call fails or returns no array of the spec's shape: never the
    symbolic value in place of the number)."""
    arrays = {"x": np.zeros(spec.input_shape, dtype=np.int64),
              "w": np.zeros(spec.weight_shape, dtype=np.int64)}
    if spec.bias:
        arrays["b"] = np.zeros(bias_shape(spec), dtype=np.int64)
    for name, value in values.items():
        base, index = parse_name(name)
        if base in arrays:
            arrays[base][index] = value
    x, w, b = arrays["x"], arrays["w"], arrays.get("b")
    want = value_at(expected_output(x, w, spec, kind, b), position)
    outcome = call(fn, tuple(a.copy() for a in arrays.values()), kwargs, timeout=timeout)
    if not outcome.ok:
        return None
    try:
        out = to_numpy(outcome.value)
    except Exception:  # noqa: BLE001 - not an array
        return None
    if out.shape != spec.output_shape:
        return None
    return ConcreteExample(x, w, position, want, value_at(out, position), b)
